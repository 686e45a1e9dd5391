#include "ito/optimizer.h"

#include <cmath>

namespace ito {

AdamOptimizer::AdamOptimizer(std::size_t size, const AdamConfig& config)
    : config_(config), m_(size, 0.0), v_(size, 0.0) {}

void AdamOptimizer::step(double* params, const double* grads) {
  ++t_;
  const double b1 = config_.beta1, b2 = config_.beta2;
  const double bias1 = 1.0 - std::pow(b1, t_);
  const double bias2 = 1.0 - std::pow(b2, t_);
  for (std::size_t i = 0; i < m_.size(); ++i) {
    m_[i] = b1 * m_[i] + (1.0 - b1) * grads[i];
    v_[i] = b2 * v_[i] + (1.0 - b2) * grads[i] * grads[i];
  }
  if (!config_.rectified) {
    const double step = config_.lr / bias1;
    for (std::size_t i = 0; i < m_.size(); ++i)
      params[i] -= step * m_[i] / (std::sqrt(v_[i] / bias2) + config_.eps);
    return;
  }
  // RAdam: use the adaptive step only once the variance of its rectification
  // term is tractable (rho_t > 5); before that, a momentum SGD step.
  const double rho_inf = 2.0 / (1.0 - b2) - 1.0;
  const double rho_t = rho_inf - 2.0 * t_ * std::pow(b2, t_) / bias2;
  if (rho_t > 5.0) {
    const double r = std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                               ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t));
    for (std::size_t i = 0; i < m_.size(); ++i)
      params[i] -= config_.lr * (m_[i] / bias1) * r * std::sqrt(bias2) / (std::sqrt(v_[i]) + config_.eps);
  } else {
    for (std::size_t i = 0; i < m_.size(); ++i) params[i] -= config_.lr * m_[i] / bias1;
  }
}

}  // namespace ito

// Adam over a flat parameter vector (training the networks; the 46-parameter and z
// optimizers of ITO are in ito/optimizer.h).
#pragma once
#include <cmath>
#include <vector>

namespace ito::train {

struct Adam {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  long steps = 0;
  std::vector<float> m, v;

  void update(std::vector<float>& params, const std::vector<float>& grad, double lr) {
    if (m.size() != params.size()) {
      m.assign(params.size(), 0.0f);
      v.assign(params.size(), 0.0f);
    }
    ++steps;
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(steps));
    const double c2 = 1.0 - std::pow(beta2, static_cast<double>(steps));
    const float step = static_cast<float>(lr / c1), inv_c2 = static_cast<float>(1.0 / c2);
    const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2), e = static_cast<float>(eps);
    for (std::size_t i = 0; i < params.size(); ++i) {
      m[i] = b1 * m[i] + (1 - b1) * grad[i];
      v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
      params[i] -= step * m[i] / (std::sqrt(v[i] * inv_c2) + e);
    }
  }
};

}  // namespace ito::train

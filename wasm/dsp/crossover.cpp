#include "dsp/crossover.h"

namespace ito {
namespace {
constexpr double kButterworthQ = 0.70710678118654752440;
}

void Crossover::design(double low_hz, double high_hz, double fs) {
  lowpass = design_biquad_with_jacobian(BiquadType::LowPass, 0.0, low_hz, kButterworthQ, fs);
  highpass = design_biquad_with_jacobian(BiquadType::HighPass, 0.0, high_hz, kButterworthQ, fs);
}

void Crossover::split(const float* x, float* low_a, float* low, float* high_a, float* high,
                      float* mid, std::size_t n) const {
  biquad_forward(lowpass.c, x, low_a, n);
  biquad_forward(lowpass.c, low_a, low, n);
  biquad_forward(highpass.c, x, high_a, n);
  biquad_forward(highpass.c, high_a, high, n);
  if (mid) compute_mid(x, low, high, mid, n);
}

void compute_mid(const float* x, const float* low, const float* high, float* mid, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) mid[i] = x[i] - low[i] - high[i];
}

void Crossover::backward(const float* x, const float* low_a, const float* low,
                         const float* high_a, const float* high, float* grad_low,
                         const float* grad_mid, float* grad_high, float* grad_x, std::size_t n,
                         double* grad_low_hz, double* grad_high_hz) const {
  // mid = x - low - high: the mid gradient flows to x directly and, negated, into
  // the low and high paths.
  for (std::size_t i = 0; i < n; ++i) {
    grad_low[i] -= grad_mid[i];
    grad_high[i] -= grad_mid[i];
  }
  double grad_c_low[5] = {0, 0, 0, 0, 0}, grad_c_high[5] = {0, 0, 0, 0, 0};
  biquad_backward(lowpass.c, low_a, low, grad_low, grad_low, n, grad_c_low);
  biquad_backward(lowpass.c, x, low_a, grad_low, grad_low, n, grad_c_low);
  biquad_backward(highpass.c, high_a, high, grad_high, grad_high, n, grad_c_high);
  biquad_backward(highpass.c, x, high_a, grad_high, grad_high, n, grad_c_high);
  for (std::size_t i = 0; i < n; ++i) grad_x[i] = grad_mid[i] + grad_low[i] + grad_high[i];

  // Both sections of a pair share their coefficients, so their gradients add up
  // before going through the design Jacobian (column 1: frequency).
  double grad_design[3] = {0, 0, 0};
  biquad_param_gradient(lowpass, grad_c_low, grad_design);
  *grad_low_hz += grad_design[1];
  double grad_design_high[3] = {0, 0, 0};
  biquad_param_gradient(highpass, grad_c_high, grad_design_high);
  *grad_high_hz += grad_design_high[1];
}

}  // namespace ito

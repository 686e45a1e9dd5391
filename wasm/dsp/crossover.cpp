#include "dsp/crossover.h"

namespace ito {
namespace {
constexpr double kButterworthQ = 0.70710678118654752440;
}

void Crossover::design(double low_hz, double high_hz, double fs) {
  lowpass = design_biquad_with_jacobian(BiquadType::LowPass, 0.0, low_hz, kButterworthQ, fs);
  highpass = design_biquad_with_jacobian(BiquadType::HighPass, 0.0, high_hz, kButterworthQ, fs);
}

namespace {

// One transposed-direct-form-II section step with double state.
struct Section {
  double b0, b1, b2, a1, a2, s1 = 0, s2 = 0;
  explicit Section(const BiquadCoeffs& c) : b0(c.b0), b1(c.b1), b2(c.b2), a1(c.a1), a2(c.a2) {}
  float step(float v) {
    const double o = b0 * v + s1;
    s1 = b1 * v - a1 * o + s2;
    s2 = b2 * v - a2 * o;
    return static_cast<float>(o);
  }
};

// The adjoint of one section run backwards in time, accumulating coefficient
// gradients as in biquad_backward (dL/db_j = sum u[i+j] x[i], dL/da_j = -sum u[i+j] y[i]).
struct AdjointSection {
  double b0, b1, b2, a1, a2, u1 = 0, u2 = 0;
  double* grad_c;
  AdjointSection(const BiquadCoeffs& c, double* g) : b0(c.b0), b1(c.b1), b2(c.b2), a1(c.a1), a2(c.a2), grad_c(g) {}
  // g: dL/dy[i]; x, y: the section's input and output at i. Returns dL/dx[i].
  double step(double g, double x, double y) {
    const double u = g - a1 * u1 - a2 * u2;
    grad_c[0] += u * x;
    grad_c[1] += u1 * x;
    grad_c[2] += u2 * x;
    grad_c[3] -= u1 * y;
    grad_c[4] -= u2 * y;
    const double gx = b0 * u + b1 * u1 + b2 * u2;
    u2 = u1;
    u1 = u;
    return gx;
  }
};

}  // namespace

// The four sections run in one loop: four recursions in flight at once instead of
// four passes each bound by its own sample-to-sample latency.
void Crossover::split(const float* x, float* low_a, float* low, float* high_a, float* high,
                      float* mid, std::size_t n, State* state) const {
  Section lp1(lowpass.c), lp2(lowpass.c), hp1(highpass.c), hp2(highpass.c);
  Section* sections[4] = {&lp1, &lp2, &hp1, &hp2};
  if (state)
    for (int k = 0; k < 4; ++k) sections[k]->s1 = state->s1[k], sections[k]->s2 = state->s2[k];
  for (std::size_t i = 0; i < n; ++i) {
    const float la = lp1.step(x[i]);
    const float ha = hp1.step(x[i]);
    low_a[i] = la;
    high_a[i] = ha;
    low[i] = lp2.step(la);
    high[i] = hp2.step(ha);
  }
  if (state)
    for (int k = 0; k < 4; ++k) state->s1[k] = sections[k]->s1, state->s2[k] = sections[k]->s2;
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
  AdjointSection lp1(lowpass.c, grad_c_low), lp2(lowpass.c, grad_c_low);
  AdjointSection hp1(highpass.c, grad_c_high), hp2(highpass.c, grad_c_high);
  for (std::size_t i = n; i-- > 0;) {
    const double g_low_a = lp2.step(grad_low[i], low_a[i], low[i]);
    const double g_high_a = hp2.step(grad_high[i], high_a[i], high[i]);
    const double g_low_x = lp1.step(g_low_a, x[i], low_a[i]);
    const double g_high_x = hp1.step(g_high_a, x[i], high_a[i]);
    grad_x[i] = static_cast<float>(grad_mid[i] + g_low_x + g_high_x);
  }

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

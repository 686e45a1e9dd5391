#include "dsp/biquad.h"

#include <cmath>
#include <complex>

namespace ito {

BiquadDesign design_biquad_with_jacobian(BiquadType type, double gain_db, double freq_hz,
                                         double q, double fs) {
  using D = Dual<3>;
  const auto c = design_biquad<D>(type, D::variable(gain_db, 0), D::variable(freq_hz, 1),
                                  D::variable(q, 2), fs);
  BiquadDesign out;
  out.c = {c.b0.v, c.b1.v, c.b2.v, c.a1.v, c.a2.v};
  const D* coeffs[5] = {&c.b0, &c.b1, &c.b2, &c.a1, &c.a2};
  for (int k = 0; k < 5; ++k)
    for (int j = 0; j < 3; ++j) out.jacobian[k][j] = coeffs[k]->d[j];
  return out;
}

void biquad_forward(const BiquadCoeffs& c, const float* x, float* y, std::size_t n) {
  // Transposed direct form II with double-precision state.
  double s1 = 0.0, s2 = 0.0;
  const double b0 = c.b0, b1 = c.b1, b2 = c.b2, a1 = c.a1, a2 = c.a2;
  for (std::size_t i = 0; i < n; ++i) {
    const double in = x[i];
    const double out = b0 * in + s1;
    s1 = b1 * in - a1 * out + s2;
    s2 = b2 * in - a2 * out;
    y[i] = static_cast<float>(out);
  }
}

void biquad_backward(const BiquadCoeffs& c, const float* x, const float* y, const float* g,
                     float* gx, std::size_t n, double grad_c[5]) {
  // u[i] = dL/dy[i] through the recursion: u[i] = g[i] - a1 u[i+1] - a2 u[i+2].
  // Coefficient gradients: dL/db_k = sum_i u[i] x[i-k] = sum_i u[i+k] x[i] and
  // dL/da_k = -sum_i u[i+k] y[i], so every term needs only x[i] and y[i].
  const double b0 = c.b0, b1 = c.b1, b2 = c.b2, a1 = c.a1, a2 = c.a2;
  double u1 = 0.0, u2 = 0.0;  // u[i+1], u[i+2]
  double gb0 = 0, gb1 = 0, gb2 = 0, ga1 = 0, ga2 = 0;
  for (std::size_t k = n; k-- > 0;) {
    const double u = g[k] - a1 * u1 - a2 * u2;
    const double xk = x[k], yk = y[k];
    gb0 += u * xk;
    gb1 += u1 * xk;
    gb2 += u2 * xk;
    ga1 -= u1 * yk;
    ga2 -= u2 * yk;
    gx[k] = static_cast<float>(b0 * u + b1 * u1 + b2 * u2);
    u2 = u1;
    u1 = u;
  }
  grad_c[0] += gb0; grad_c[1] += gb1; grad_c[2] += gb2; grad_c[3] += ga1; grad_c[4] += ga2;
}

void biquad_param_gradient(const BiquadDesign& d, const double grad_c[5], double grad_p[3]) {
  for (int k = 0; k < 5; ++k)
    for (int j = 0; j < 3; ++j) grad_p[j] += grad_c[k] * d.jacobian[k][j];
}

double biquad_magnitude(const BiquadCoeffs& c, double freq_hz, double fs) {
  const double w = 2.0 * 3.14159265358979323846 * freq_hz / fs;
  const std::complex<double> z1 = std::polar(1.0, -w), z2 = z1 * z1;
  const auto num = c.b0 + c.b1 * z1 + c.b2 * z2;
  const auto den = 1.0 + c.a1 * z1 + c.a2 * z2;
  return std::abs(num / den);
}

}  // namespace ito

// Second-order IIR sections (RBJ Audio EQ Cookbook), their exact backward pass,
// and the Jacobian of the coefficients with respect to (gain dB, frequency Hz, Q).
#pragma once
#include <array>
#include <cstddef>

#include "core/dual.h"

namespace ito {

enum class BiquadType { Peaking, LowShelf, HighShelf, LowPass, HighPass };

// Coefficients normalized so that a0 = 1:
// y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]
template <class T>
struct BiquadCoeffsT {
  T b0, b1, b2, a1, a2;
};
using BiquadCoeffs = BiquadCoeffsT<double>;

// Cookbook design. Frequencies above 0.45 fs are clamped (zero gradient there).
template <class T>
BiquadCoeffsT<T> design_biquad(BiquadType type, T gain_db, T freq_hz, T q, double fs) {
  if (value_of(freq_hz) > 0.45 * fs) freq_hz = T(0.45 * fs);
  const double kPi = 3.14159265358979323846;
  const T w0 = (2.0 * kPi / fs) * freq_hz;
  const T cw = cos(w0);
  const T alpha = sin(w0) / (2.0 * q);
  const T A = pow10_over(gain_db, 40.0);
  T b0, b1, b2, a0, a1, a2;
  switch (type) {
    case BiquadType::Peaking:
      b0 = 1.0 + alpha * A; b1 = -2.0 * cw; b2 = 1.0 - alpha * A;
      a0 = 1.0 + alpha / A; a1 = -2.0 * cw; a2 = 1.0 - alpha / A;
      break;
    case BiquadType::LowShelf: {
      const T s = 2.0 * sqrt(A) * alpha;
      b0 = A * ((A + 1.0) - (A - 1.0) * cw + s);
      b1 = 2.0 * A * ((A - 1.0) - (A + 1.0) * cw);
      b2 = A * ((A + 1.0) - (A - 1.0) * cw - s);
      a0 = (A + 1.0) + (A - 1.0) * cw + s;
      a1 = -2.0 * ((A - 1.0) + (A + 1.0) * cw);
      a2 = (A + 1.0) + (A - 1.0) * cw - s;
      break;
    }
    case BiquadType::HighShelf: {
      const T s = 2.0 * sqrt(A) * alpha;
      b0 = A * ((A + 1.0) + (A - 1.0) * cw + s);
      b1 = -2.0 * A * ((A - 1.0) + (A + 1.0) * cw);
      b2 = A * ((A + 1.0) + (A - 1.0) * cw - s);
      a0 = (A + 1.0) - (A - 1.0) * cw + s;
      a1 = 2.0 * ((A - 1.0) - (A + 1.0) * cw);
      a2 = (A + 1.0) - (A - 1.0) * cw - s;
      break;
    }
    case BiquadType::LowPass:
      b0 = (1.0 - cw) * 0.5; b1 = 1.0 - cw; b2 = (1.0 - cw) * 0.5;
      a0 = 1.0 + alpha; a1 = -2.0 * cw; a2 = 1.0 - alpha;
      break;
    case BiquadType::HighPass:
    default:
      b0 = (1.0 + cw) * 0.5; b1 = -(1.0 + cw); b2 = (1.0 + cw) * 0.5;
      a0 = 1.0 + alpha; a1 = -2.0 * cw; a2 = 1.0 - alpha;
      break;
  }
  return {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

// Coefficients plus d(coefficient)/d(gain_db, freq_hz, q): jacobian[k][j] for
// coefficient k in order (b0, b1, b2, a1, a2) and parameter j.
struct BiquadDesign {
  BiquadCoeffs c;
  std::array<std::array<double, 3>, 5> jacobian;
};
BiquadDesign design_biquad_with_jacobian(BiquadType type, double gain_db, double freq_hz,
                                         double q, double fs);

// Filters n samples from zero initial state. x and y may alias.
void biquad_forward(const BiquadCoeffs& c, const float* x, float* y, std::size_t n);

// Exact backward pass (adjoint recursion run backwards in time).
// x, y: the forward input and output. g: dL/dy. Writes dL/dx into gx (may alias g)
// and adds dL/d(b0, b1, b2, a1, a2) into grad_c.
void biquad_backward(const BiquadCoeffs& c, const float* x, const float* y, const float* g,
                     float* gx, std::size_t n, double grad_c[5]);

// Chains dL/dcoefficients through the design Jacobian: adds dL/d(gain, freq, q) into grad_p.
void biquad_param_gradient(const BiquadDesign& d, const double grad_c[5], double grad_p[3]);

// Complex frequency response magnitude at f (Hz), for tests and UI curves.
double biquad_magnitude(const BiquadCoeffs& c, double freq_hz, double fs);

}  // namespace ito

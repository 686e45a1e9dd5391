#include "dsp/eq.h"

#include "core/simd.h"

namespace ito {
namespace {
constexpr BiquadType kTypes[Eq::kSections] = {BiquadType::LowShelf, BiquadType::Peaking,
                                              BiquadType::Peaking,  BiquadType::Peaking,
                                              BiquadType::Peaking,  BiquadType::HighShelf};
constexpr int kS = Eq::kSections;
}  // namespace

void Eq::set_params(const double* p, double fs) {
  const auto& table = param_table();
  for (int k = 0; k < kSections; ++k) {  // p points at the EQ's first parameter, EqLowShelfGain
    const int gain = param::eq_gain(k), freq = param::eq_freq(k), q = param::eq_q(k);
    sections[k] = design_biquad_with_jacobian(kTypes[k], denormalize(table[gain], p[gain - param::EqLowShelfGain]),
                                              denormalize(table[freq], p[freq - param::EqLowShelfGain]),
                                              denormalize(table[q], p[q - param::EqLowShelfGain]), fs);
  }
}

// All six sections run in one pass over the samples (transposed direct form II,
// double state, both channels side by side in one f64x2), the signal rounded to
// float between sections exactly as the tape stores it, so the backward pass sees
// the values the forward pass used.
void Eq::process(const Stereo& in, Stereo& out, Tape* tape, State* state) const {
  const std::size_t n = in.frames();
  out.resize(n);
  if (tape)
    for (Stereo& s : tape->inputs) s.resize(n);
  f64x2 b0[kS], b1[kS], b2[kS], a1[kS], a2[kS], s1[kS], s2[kS];
  for (int k = 0; k < kS; ++k) {
    s1[k] = state ? state->s1[k] : f64x2{0.0, 0.0};
    s2[k] = state ? state->s2[k] : f64x2{0.0, 0.0};
    const BiquadCoeffs& q = sections[k].c;
    b0[k] = splat(q.b0), b1[k] = splat(q.b1), b2[k] = splat(q.b2), a1[k] = splat(q.a1), a2[k] = splat(q.a2);
  }
  for (std::size_t i = 0; i < n; ++i) {
    f64x2 v = load_stereo(in.l.data(), in.r.data(), i);
    for (int k = 0; k < kS; ++k) {
      if (tape) store_stereo(tape->inputs[k].l.data(), tape->inputs[k].r.data(), i, v);
      const f64x2 o = b0[k] * v + s1[k];
      s1[k] = b1[k] * v - a1[k] * o + s2[k];
      s2[k] = b2[k] * v - a2[k] * o;
      v = f64x2{static_cast<float>(o[0]), static_cast<float>(o[1])};
    }
    store_stereo(out.l.data(), out.r.data(), i, v);
  }
  if (state)
    for (int k = 0; k < kS; ++k) state->s1[k] = s1[k], state->s2[k] = s2[k];
  if (tape) tape->output = out;
}

// One backward sweep in time through all sections: the adjoint of section k at
// sample i is the input gradient of section k+1 at sample i, which is ready once
// u[i], u[i+1], u[i+2] of section k+1 are. Coefficient gradients use
// dL/db_j = sum_i u[i+j] x[i], dL/da_j = -sum_i u[i+j] y[i] (see biquad.cpp).
void Eq::backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const {
  const auto& table = param_table();
  const std::size_t n = grad_out.frames();
  if (&grad_in != &grad_out) grad_in.resize(n);
  f64x2 b0[kS], b1[kS], b2[kS], a1[kS], a2[kS], u1[kS] = {}, u2[kS] = {}, acc[kS][5] = {};
  for (int k = 0; k < kS; ++k) {
    const BiquadCoeffs& q = sections[k].c;
    b0[k] = splat(q.b0), b1[k] = splat(q.b1), b2[k] = splat(q.b2), a1[k] = splat(q.a1), a2[k] = splat(q.a2);
  }
  const float* xl[kS];
  const float* xr[kS];
  for (int k = 0; k < kS; ++k) xl[k] = tape.inputs[k].l.data(), xr[k] = tape.inputs[k].r.data();
  const float* out_l = tape.output.l.data();
  const float* out_r = tape.output.r.data();
  for (std::size_t i = n; i-- > 0;) {
    f64x2 g = load_stereo(grad_out.l.data(), grad_out.r.data(), i);
    f64x2 y = load_stereo(out_l, out_r, i);
    for (int k = kS - 1; k >= 0; --k) {
      const f64x2 x = load_stereo(xl[k], xr[k], i);  // section k's input = section k-1's output
      const f64x2 u = g - a1[k] * u1[k] - a2[k] * u2[k];
      acc[k][0] += u * x;
      acc[k][1] += u1[k] * x;
      acc[k][2] += u2[k] * x;
      acc[k][3] -= u1[k] * y;
      acc[k][4] -= u2[k] * y;
      g = b0[k] * u + b1[k] * u1[k] + b2[k] * u2[k];
      u2[k] = u1[k];
      u1[k] = u;
      y = x;
    }
    store_stereo(grad_in.l.data(), grad_in.r.data(), i, g);
  }
  for (int k = 0; k < kS; ++k) {
    double grad_c[5], grad_phys[3] = {0, 0, 0};
    for (int j = 0; j < 5; ++j) grad_c[j] = acc[k][j][0] + acc[k][j][1];
    biquad_param_gradient(sections[k], grad_c, grad_phys);
    for (int j = 0; j < 3; ++j) {  // gain, frequency, Q
      const int i = param::eq_gain(k) + j;
      grad_p[i - param::EqLowShelfGain] += grad_phys[j] * (table[i].max - table[i].min);
    }
  }
}

}  // namespace ito

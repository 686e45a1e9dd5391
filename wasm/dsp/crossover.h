// Three-band Linkwitz-Riley (LR4) split of one channel (spec 1.3):
//   low  = LP(LP(x))  Butterworth low-pass (Q = 1/sqrt 2) at f_low, applied twice,
//   high = HP(HP(x))  Butterworth high-pass at f_high, applied twice,
//   mid  = x - low - high,
// so low + mid + high = x by construction. Backward w.r.t. x and both frequencies.
#pragma once
#include <cstddef>

#include "dsp/biquad.h"

namespace ito {

struct Crossover {
  BiquadDesign lowpass{}, highpass{};  // one section each; each is applied twice

  void design(double low_hz, double high_hz, double fs);

  // The four sections' states (low-pass 1, 2, high-pass 1, 2), for block-wise splitting.
  struct State {
    double s1[4] = {}, s2[4] = {};
  };

  // low_a / high_a receive the first section's output (the backward pass needs them).
  // mid may be null (then it is not computed). state: see processor.h (null: fresh).
  void split(const float* x, float* low_a, float* low, float* high_a, float* high, float* mid,
             std::size_t n, State* state = nullptr) const;

  // Given dL/d(low, mid, high), writes dL/dx into grad_x and adds dL/df_low and
  // dL/df_high (per Hz). grad_low and grad_high are used as scratch (overwritten);
  // grad_x may alias grad_mid. x, low_a, low, high_a, high are split()'s.
  void backward(const float* x, const float* low_a, const float* low, const float* high_a,
                const float* high, float* grad_low, const float* grad_mid, float* grad_high,
                float* grad_x, std::size_t n, double* grad_low_hz, double* grad_high_hz) const;
};

// mid = x - low - high, exactly as split() computes it (so it can be recomputed, or
// computed block by block, bit-identically).
void compute_mid(const float* x, const float* low, const float* high, float* mid, std::size_t n);

}  // namespace ito

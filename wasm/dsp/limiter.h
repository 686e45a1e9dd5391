// Limiter (spec 1.6), chain parameters 43-45: 0 threshold dB, 1 attack ms, 2 release ms.
//
// Order (ours; the spec allows either): static gain first, then ballistics.
//   s[n] = L[n] + R[n],  e[n] = |s[n]|,
//   g[n] = min(1, T / e[n])   (i.e. g_log = min(0, T_dB - 20 log10 e), T = 10^(T_dB/20)),
//   gs = ballistics(g)        (ballistics.h: attack while the gain falls, else release),
//   out_c[n] = gs[n] x_c[n].
// torchcomp's limiter instead smooths the level and then computes the gain; with
// the gain smoothed, the settled side chain of a steady signal sits exactly at T.
// No level floor is needed: the gain only departs from 1 where e > T >= 1e-3.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dsp/ballistics.h"
#include "dsp/processor.h"

namespace ito {

struct Limiter {
  static constexpr int kNumParams = 3;

  // 13 bytes per stereo frame (input 8, smoothed gain 4, branch 1); 30 s at 44.1 kHz: about 17 MB.
  struct Tape {
    Stereo input;
    std::vector<float> smoothed;
    std::vector<std::uint8_t> attack;
  };

  struct State {
    double smoothed = 1.0;  // the smoothed gain
  };

  void set_params(const double* p, double fs);
  void process(const Stereo& in, Stereo& out, Tape* tape, State* state = nullptr) const;
  // grad_in may alias grad_out.
  void backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const;

  double threshold = 1.0;  // linear amplitude of the side chain |L + R|
  Ballistics ballistics{};
  double attack_alpha_per_ms = 0.0, release_alpha_per_ms = 0.0;  // d alpha / d time

 private:
  // Scratch kept between calls (see Multiband): one Limiter must not run two calls
  // at once. process() works in blocks of kBlock frames and needs no full-length
  // scratch; backward() needs 8 bytes per frame.
  static constexpr std::size_t kBlock = 2048;
  struct Workspace {
    std::vector<float> block_gain, block_smoothed;
    std::vector<std::uint8_t> block_attack;
    std::vector<float> gain, grad_gain;  // backward()
  };
  mutable Workspace work_;
};

}  // namespace ito

// Attack/release "ballistics": the switching one-pole smoother applied to a gain
// curve by the compressor bands and the limiter (spec 1.3):
//
//   s[n] = a[n] g[n] + (1 - a[n]) s[n-1],   s[-1] = 1,
//   a[n] = alpha_attack  if g[n] < s[n-1] (gain falling), else alpha_release.
//
// The backward pass runs the adjoint recursion backwards in time with the branch
// each sample took in the forward pass (recorded as one byte per sample); the
// branch choice itself has zero gradient almost everywhere.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ito {

// torchcomp's convention: alpha = 1 - exp(-2200 / (t_ms fs)), so that the 10-90 %
// rise of the step response takes t_ms.
double ballistics_alpha(double time_ms, double fs);
// d alpha / d time_ms.
double ballistics_alpha_derivative(double time_ms, double fs);

struct Ballistics {
  double attack = 1.0;   // coefficient alpha used while the gain falls
  double release = 1.0;  // coefficient alpha used otherwise
};

// Smooths gain[0..n) into smoothed[0..n) from s[-1] = 1; attack[i] = 1 where the
// attack coefficient was used at sample i, else 0 (needed by the backward pass).
void ballistics_forward(const Ballistics& b, const float* gain, float* smoothed,
                        std::uint8_t* attack, std::size_t n);
// The same continuing from `state` (the smoothed gain before gain[0]), which is
// left at the last output: a signal can be processed in consecutive blocks.
void ballistics_forward(const Ballistics& b, const float* gain, float* smoothed,
                        std::uint8_t* attack, std::size_t n, double& state);

// Three independent smoothers (e.g. the bands of a multiband compressor) in one
// loop, each exactly as ballistics_forward with its own state: about as fast as
// one, since each recursion alone is bound by its latency.
void ballistics_forward3(const Ballistics b[3], const float* const gain[3],
                         float* const smoothed[3], std::uint8_t* const attack[3], std::size_t n,
                         double state[3]);

// Given dL/dsmoothed, writes dL/dgain into grad_gain (may alias grad_smoothed) and
// adds dL/dalpha_attack and dL/dalpha_release. gain, smoothed and attack are the
// forward pass's input, output and branch record.
void ballistics_backward(const Ballistics& b, const float* gain, const float* smoothed,
                         const std::uint8_t* attack, const float* grad_smoothed,
                         float* grad_gain, std::size_t n, double* grad_alpha_attack,
                         double* grad_alpha_release);

}  // namespace ito

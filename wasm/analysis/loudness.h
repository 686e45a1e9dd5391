// Loudness after ITU-R BS.1770-4 / EBU R128 for stereo (channel weights 1, 1).
//
// Blocks follow libebur128's framing so the two agree: a 100 ms step of
// round(fs / 10) samples, momentary windows of 4 steps, short-term of 30 steps,
// windows start at sample 0 and only complete windows count.
#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "core/stereo.h"
#include "dsp/biquad.h"

namespace ito {

// 20 log10(lin); -INFINITY for 0 (and for negative input).
inline double lin_to_db(double lin) { return lin > 0.0 ? 20.0 * std::log10(lin) : -INFINITY; }
inline double db_to_lin(double db) { return std::pow(10.0, db / 20.0); }

// Gated integrated loudness in LUFS (400 ms blocks, 75 % overlap, absolute gate
// -70 LUFS, relative gate -10 LU). -INFINITY when every block is gated out
// (silence) or the signal is shorter than one block.
double integrated_loudness(const Stereo& x, double fs);

// Loudness range in LU (EBU Tech 3342): 3 s short-term windows every 1 s (the
// minimum 2 s overlap, as in libebur128), absolute gate -70 LUFS, relative gate
// -20 LU, spread between the 10th and 95th percentiles. 0 if too short or silent.
double loudness_range(const Stereo& x, double fs);

// Loudness of 400 ms windows starting every hop_s seconds (k * round(hop_s * fs)
// samples), in LUFS; -INFINITY for digital silence. Only complete windows: a
// signal shorter than 400 ms gives an empty vector.
std::vector<double> momentary_loudness(const Stereo& x, double fs, double hop_s = 0.1);

// Same with 3 s windows.
std::vector<double> short_term_loudness(const Stereo& x, double fs, double hop_s = 0.1);

// BS.1770 gating over the K-weighted energies (sum over both channels of z^2) of consecutive
// 100 ms steps of loudness_step_samples(fs) samples: the integrated loudness (-INFINITY when
// every block is gated out) and each step's weight in the gated mean energy, which is
// sum_s weights[s] * energies[s]. The gates are piecewise constant, so holding the weights
// fixed gives the exact gradient of the integrated loudness (the loudness-matched ITO objective).
struct GatedSteps {
  double lufs = -INFINITY;
  std::vector<double> weights;  // one per step; all 0 when everything is gated out
};
GatedSteps gate_steps(const std::vector<double>& step_energies, double fs);
std::size_t loudness_step_samples(double fs);

// The two K-weighting stages {high shelf, high pass} for sample rate fs, derived
// by the bilinear transform from the analog prototypes (matches BS.1770's 48 kHz
// coefficients). Note the high pass numerator is {1, -2, 1} as in the standard.
std::array<BiquadCoeffs, 2> k_weighting_filters(double fs);

// One channel of K-weighting: two transposed direct-form-II biquads in double.
class KWeighting {
 public:
  explicit KWeighting(double fs) : f_(k_weighting_filters(fs)) {}

  double operator()(double x) {
    for (int k = 0; k < 2; ++k) {
      const BiquadCoeffs& c = f_[k];
      const double y = c.b0 * x + s1_[k];
      s1_[k] = c.b1 * x - c.a1 * y + s2_[k];
      s2_[k] = c.b2 * x - c.a2 * y;
      // Flush decaying tails long before they turn denormal (slow) so that
      // digital silence after sound goes back to exact zero.
      if (std::abs(s1_[k]) < 1e-200) s1_[k] = 0.0;
      if (std::abs(s2_[k]) < 1e-200) s2_[k] = 0.0;
      x = y;
    }
    return x;
  }

 private:
  std::array<BiquadCoeffs, 2> f_;
  double s1_[2] = {0.0, 0.0}, s2_[2] = {0.0, 0.0};
};

// Integrated loudness of a signal fed in consecutive blocks: the same value, bit for bit, as
// integrated_loudness() of their concatenation (which uses it), holding one energy per
// 100 ms step instead of the signal.
class LoudnessMeter {
 public:
  explicit LoudnessMeter(double fs);
  void add(const float* l, const float* r, std::size_t n);
  double integrated() const;
  // K-weighted energy (both channels) of each complete 100 ms step so far.
  const std::vector<double>& step_energies() const { return steps_; }

 private:
  KWeighting kl_, kr_;
  double fs_;
  std::size_t step_, in_step_ = 0;
  double acc_ = 0.0;
  std::vector<double> steps_;  // K-weighted energy of each complete 100 ms step
};

}  // namespace ito

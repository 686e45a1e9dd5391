// The random mastering effect f of self-supervised training (spec 1.7): each chain module
// is used with probability EQ 0.9, distortion 0.3, multiband 0.8, gain 0.85, imager 0.6,
// limiter 1.0, with parameters drawn uniformly from "plausible" ranges (narrower than the
// chain's full ranges: EQ gains +-10 dB, Q 0.5..5, drive 0..4 dB, ...). Skipped modules
// keep neutral parameters and are bypassed.
#pragma once
#include <array>

#include "core/stereo.h"
#include "dsp/params.h"
#include "train/rng.h"

namespace ito::train {

struct RandomEffect {
  Params params;
  std::array<bool, kNumProcessors> enabled{};
};

RandomEffect sample_random_effect(Rng& rng);

// out = f(in) through the engine's chain at sample rate fs.
void apply_effect(const RandomEffect& effect, const Stereo& in, Stereo& out, double fs);

}  // namespace ito::train

#include "train/random_effect.h"

#include <algorithm>
#include <cmath>

#include "dsp/chain.h"

namespace ito::train {
namespace {

// Sets parameter i from a value in its own unit.
void set_value(Params& p, int i, double value) {
  const ParamInfo& info = param_table()[i];
  p[i] = std::clamp(normalize(info, value), 0.0, 1.0);
}

// Frequencies are drawn uniformly on a log scale over the parameter's whole range.
void set_log_uniform(Params& p, int i, Rng& rng) {
  const ParamInfo& info = param_table()[i];
  set_value(p, i, std::exp(rng.uniform(std::log(info.min), std::log(info.max))));
}

}  // namespace

RandomEffect sample_random_effect(Rng& rng) {
  RandomEffect f;
  f.params = neutral_params();
  const double probability[kNumProcessors] = {0.9, 0.3, 0.8, 0.85, 0.6, 1.0};
  for (int m = 0; m < kNumProcessors; ++m) f.enabled[m] = rng.chance(probability[m]);
  const auto on = [&](Processor m) { return f.enabled[static_cast<int>(m)]; };
  using namespace param;
  Params& p = f.params;
  if (on(Processor::Eq))
    for (int k = 0; k < kEqSections; ++k) {
      set_value(p, eq_gain(k), rng.uniform(-10, 10));
      set_log_uniform(p, eq_freq(k), rng);
      set_value(p, eq_q(k), rng.uniform(0.5, 5));
    }
  if (on(Processor::Distortion)) {
    set_value(p, DistDrive, rng.uniform(0, 4));
    p[DistMix] = rng.uniform();
  }
  if (on(Processor::Multiband)) {
    set_log_uniform(p, MbLowMidXover, rng);
    set_log_uniform(p, MbMidHighXover, rng);
    p[MbMix] = rng.uniform();
    for (int b = 0; b < kBands; ++b) {
      set_value(p, band(b, CompThreshold), rng.uniform(-36, 0));
      set_value(p, band(b, CompRatio), rng.uniform(1, 8));
      set_value(p, band(b, ExpThreshold), rng.uniform(-60, -30));
      set_value(p, band(b, ExpRatio), rng.uniform(0.5, 1));
      p[band(b, Attack)] = rng.uniform();
      p[band(b, Release)] = rng.uniform();
    }
  }
  if (on(Processor::Gain)) set_value(p, OutputGain, rng.uniform(-6, 12));
  if (on(Processor::Imager)) p[StereoWidth] = rng.uniform(0.3, 0.7);  // width 60..140 %
  if (on(Processor::Limiter)) {
    set_value(p, LimiterThreshold, rng.uniform(-12, 0));
    p[LimiterAttack] = rng.uniform();
    p[LimiterRelease] = rng.uniform();
  }
  return f;
}

void apply_effect(const RandomEffect& effect, const Stereo& in, Stereo& out, double fs) {
  Chain chain(fs);
  chain.set_params(effect.params);
  for (int m = 0; m < kNumProcessors; ++m) chain.set_enabled(static_cast<Processor>(m), effect.enabled[m]);
  chain.process(in, out);
}

}  // namespace ito::train

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
  Params& p = f.params;
  if (f.enabled[0])
    for (int band = 0; band < 6; ++band) {
      set_value(p, 3 * band, rng.uniform(-10, 10));
      set_log_uniform(p, 3 * band + 1, rng);
      set_value(p, 3 * band + 2, rng.uniform(0.5, 5));
    }
  if (f.enabled[1]) {
    set_value(p, 18, rng.uniform(0, 4));
    p[19] = rng.uniform();
  }
  if (f.enabled[2]) {
    set_log_uniform(p, 20, rng);
    set_log_uniform(p, 21, rng);
    p[22] = rng.uniform();
    for (int band = 0; band < 3; ++band) {
      const int b = 23 + 6 * band;
      set_value(p, b + 0, rng.uniform(-36, 0));   // comp threshold
      set_value(p, b + 1, rng.uniform(1, 8));     // comp ratio
      set_value(p, b + 2, rng.uniform(-60, -30)); // exp threshold
      set_value(p, b + 3, rng.uniform(0.5, 1));   // exp ratio
      p[b + 4] = rng.uniform();                   // attack
      p[b + 5] = rng.uniform();                   // release
    }
  }
  if (f.enabled[3]) set_value(p, 41, rng.uniform(-6, 12));
  if (f.enabled[4]) p[42] = rng.uniform(0.3, 0.7);  // width 60..140 %
  if (f.enabled[5]) {
    set_value(p, 43, rng.uniform(-12, 0));
    p[44] = rng.uniform();
    p[45] = rng.uniform();
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

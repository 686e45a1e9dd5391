#include "master/stage_effort.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "dsp/chain.h"

namespace ito {
namespace {

constexpr double kSignalDb = -40.0;

constexpr double kDbPerLog2 = 6.020599913279624;  // 20 log10(2)

// Gain reduction (dB) statistics of a smoothed gain signal (linear, <= 1 where reducing),
// over the samples whose side-chain level (log2 units; none: all samples) is at least
// kSignalDb: an expander's reduction in near-silence is not the compressor working on music.
GainReduction reduction(const std::vector<float>& gain, double release_ms, const std::vector<float>* level_log2 = nullptr) {
  GainReduction r;
  r.release_ms = release_ms;
  std::vector<float> db;
  db.reserve(gain.size());
  double sum = 0;
  for (std::size_t i = 0; i < gain.size(); ++i) {
    if (level_log2 && (*level_log2)[i] * kDbPerLog2 < kSignalDb) continue;
    db.push_back(static_cast<float>(std::max(0.0, -20.0 * std::log10(std::max(gain[i], 1e-9f)))));
    sum += db.back();
  }
  if (db.empty()) return r;
  r.mean_db = sum / db.size();
  const std::size_t k = std::min(db.size() - 1, static_cast<std::size_t>(0.99 * db.size()));
  std::nth_element(db.begin(), db.begin() + k, db.end());
  r.p99_db = db[k];
  return r;
}

// The saturator's nonlinear residual: y - a x with a the least-squares gain, over y.
double nonlinear_residual_db(const Stereo& x, const Params& p) {
  const double g = std::pow(10.0, param_value(p, 18) / 20.0), w = param_value(p, 19);
  double xy = 0, xx = 0, yy = 0;
  std::vector<double> y;
  for (int c = 0; c < 2; ++c) {
    for (float v : c ? x.r : x.l) {
      const double out = w * std::tanh(g * v) + (1 - w) * v;
      xy += out * v, xx += double(v) * v, yy += out * out;
    }
  }
  if (yy <= 0 || xx <= 0) return -std::numeric_limits<double>::infinity();
  const double a = xy / xx;
  const double residual = std::max(yy - a * xy, 0.0);  // |y - a x|^2 = yy - 2a xy + a^2 xx
  return 10.0 * std::log10(std::max(residual, 1e-30) / yy);
}

}  // namespace

StageEffort measure_stage_effort(const Stereo& chain_input, const Params& params, const ProcessorSwitches& switches,
                                 double fs) {
  Chain chain(fs);
  chain.set_params(params);
  chain.set_switches(switches);
  ChainTape tape;
  Stereo out;
  chain.process(chain_input, out, &tape);
  StageEffort e;
  e.saturator_residual_db = switches[static_cast<int>(Processor::Distortion)]
                                ? nonlinear_residual_db(tape.distortion.input, params)
                                : -std::numeric_limits<double>::infinity();
  if (switches[static_cast<int>(Processor::Limiter)]) e.limiter = reduction(tape.limiter.smoothed, param_value(params, param::LimiterRelease));
  if (switches[static_cast<int>(Processor::Multiband)])
    for (int b = 0; b < param::kBands; ++b)
      e.compressor[b] = reduction(tape.multiband.bands[b].smoothed, param_value(params, param::band(b, param::Release)),
                                  &tape.multiband.bands[b].level);
  return e;
}

}  // namespace ito

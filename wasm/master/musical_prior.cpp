#include "master/musical_prior.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "analysis/loudness.h"
#include "dsp/crossover.h"

namespace ito {
namespace {

constexpr double kPriorAt6Db = 0.003;  // about 5 % of a typical AF loss after ITO

// The level (dB) that `fraction` of the samples of |a + b| stay below.
double summed_level_percentile_db(const float* a, const float* b, std::size_t n, double fraction) {
  if (n == 0) return -60.0;
  std::vector<float> level(n);
  for (std::size_t i = 0; i < n; ++i) level[i] = std::abs(a[i] + b[i]);
  const std::size_t k = std::min(n - 1, static_cast<std::size_t>(fraction * n));
  std::nth_element(level.begin(), level.begin() + k, level.end());
  return lin_to_db(std::max(level[k], 1e-6f));
}

// Narrows parameter `index` of the box to the real-unit range [lo, hi] (clipped to the
// parameter's own range; an empty intersection collapses onto the nearer end).
void limit(SearchSpace& s, int index, double lo, double hi) {
  const ParamInfo& info = param_table()[index];
  const double a = std::clamp(normalize(info, lo), 0.0, 1.0);
  const double b = std::clamp(normalize(info, hi), 0.0, 1.0);
  s.lo[index] = std::max(s.lo[index], std::min(a, b));
  s.hi[index] = std::min(s.hi[index], std::max(a, b));
  if (s.lo[index] > s.hi[index]) s.lo[index] = s.hi[index];
}

}  // namespace

ChainInputLevels measure_chain_input(const Stereo& x, double fs) {
  ChainInputLevels levels;
  const std::size_t n = x.frames();
  levels.peak_db = summed_level_percentile_db(x.l.data(), x.r.data(), n, 0.999);
  Crossover xo;
  xo.design(kStartLowXoverHz, kStartHighXoverHz, fs);
  std::vector<float> la(n), ha(n), bands[3][2];
  for (auto& band : bands)
    for (auto& ch : band) ch.resize(n);
  for (int c = 0; c < 2; ++c)
    xo.split(x.channel(c), la.data(), bands[0][c].data(), ha.data(), bands[2][c].data(), bands[1][c].data(), n);
  for (int b = 0; b < 3; ++b)
    levels.band_loud_db[b] = summed_level_percentile_db(bands[b][0].data(), bands[b][1].data(), n, 0.9);
  return levels;
}

ProcessorSwitches style_switches(const ChainStyle& style) {
  ProcessorSwitches on = kAllProcessorsOn;
  on[static_cast<int>(Processor::Distortion)] = style.character > 0.0;
  on[static_cast<int>(Processor::Imager)] = !style.mono;
  return on;
}

bool is_mono(const Stereo& x) { return x.l == x.r; }

ChainStyle style_for(ChainStyle style, const Stereo& x) {
  style.mono = style.mono || is_mono(x);
  return style;
}

SearchSpace musical_search_space(const ChainInputLevels& levels, const ChainStyle& style) {
  SearchSpace s;
  s.enabled = style_switches(style);
  const double c = std::clamp(style.character, 0.0, 1.0);
  using namespace param;
  limit(s, DistDrive, 0.0, 8.0 * c);        // dB
  limit(s, DistMix, 0.2, 0.2 + 0.5 * c);    // saturator parallel mix
  if (style.expert_ranges) return s;

  for (int k = 0; k < kEqSections; ++k) {
    const bool shelf = k == 0 || k == kEqSections - 1;
    limit(s, eq_gain(k), -6.0, 6.0);                               // dB
    limit(s, eq_q(k), shelf ? 0.4 : 0.3, shelf ? 1.2 : 3.0);
  }
  for (int b = 0; b < kBands; ++b) {
    limit(s, band(b, CompThreshold), levels.band_loud_db[b] - 6.0, 0.0);  // dB
    limit(s, band(b, CompRatio), 1.0, 2.5);
    limit(s, band(b, ExpThreshold), -60.0, -45.0);                       // dB
    limit(s, band(b, ExpRatio), 0.8, 1.0);
    // The side chain is the rectified sample level: short times ripple the gain at twice
    // each note's frequency (sidebands on sustained notes).
    limit(s, band(b, Attack), b == 0 ? 50.0 : 30.0, 100.0);    // ms
    limit(s, band(b, Release), b == 0 ? 100.0 : 90.0, 100.0);  // ms
  }
  // The threshold range stops at 0 dB: for a hot input (a model's Fx-normalized one keeps
  // no headroom) the output gain's ceiling comes down instead, by what the bound below
  // would exceed 0 dB.
  const double over_db = std::max(0.0, levels.peak_db + 6.0 + 3.0 + 1.0);
  limit(s, OutputGain, -6.0, std::max(-6.0, 3.0 - over_db));  // dB
  limit(s, StereoWidth, 0.3, 0.7);                              // 60-140 %
  // The EQ (+6 dB) and the output gain (+3 dB) can raise the peaks ahead of the limiter,
  // and to a loudness-matched objective such a boost is free: bound the threshold from the
  // boosted peak, so that even then it only catches the top 0.1 % of the peaks. Without
  // look-ahead, more limiting distorts sustained bass: the final stage's transparent
  // look-ahead limiter does the loudness work.
  limit(s, LimiterThreshold, levels.peak_db + 6.0 + 3.0 + 1.0, 0.0);  // dB
  limit(s, LimiterRelease, 50.0, 100.0);                              // ms
  // Toward neutral: a boost or cut costs kPriorAt6Db of loss at 6 dB (EQ gains, output
  // gain), so ITO moves them only where the match gains more than that.
  for (int i : {eq_gain(0), eq_gain(1), eq_gain(2), eq_gain(3), eq_gain(4), eq_gain(5), OutputGain}) {
    const ParamInfo& info = param_table()[i];
    const double per_unit = (info.max - info.min) / 6.0;  // normalized unit -> multiples of 6 dB
    s.centre[i] = normalize(info, 0.0);
    s.weight[i] = kPriorAt6Db * per_unit * per_unit;
  }
  return s;
}

SearchSpace musical_search_space(const Stereo& chain_input, double fs, const ChainStyle& style) {
  return musical_search_space(measure_chain_input(chain_input, fs), style);
}

}  // namespace ito

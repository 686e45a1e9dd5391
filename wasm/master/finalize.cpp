#include "master/finalize.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <vector>

#include "analysis/loudness.h"
#include "analysis/true_peak.h"
#include "core/parallel.h"

namespace ito {
namespace {

constexpr double kToleranceLu = 0.02;     // aim well inside the promised 0.05 LU
constexpr int kMaxLoudnessSteps = 10;     // makeup updates after the first guess
constexpr int kMaxCeilingRetries = 4;     // limiter re-runs for inter-sample overshoot
constexpr double kCeilingBackoff = 0.999; // extra ~0.009 dB per retry
constexpr double kInitialMargin = 0.9977; // limiter aims ~0.02 dB under the ceiling

// ahead[i] = max of tp over [i - L, i] (clipped to the signal), i in [0, N + L).
// Output sample n = i - L thus sees its look-ahead window [n, n + L].
std::vector<float> lookahead_peaks(const std::vector<float>& tp, std::size_t lookahead) {
  const std::size_t n = tp.size();
  std::vector<float> ahead(n + lookahead);
  std::deque<std::size_t> candidates;  // indices with decreasing tp
  for (std::size_t i = 0; i < n + lookahead; ++i) {
    if (i < n) {
      while (!candidates.empty() && tp[candidates.back()] <= tp[i]) candidates.pop_back();
      candidates.push_back(i);
    }
    while (!candidates.empty() && candidates.front() + lookahead < i) candidates.pop_front();
    ahead[i] = candidates.empty() ? 0.0f : tp[candidates.front()];
  }
  return ahead;
}

// The look-ahead limiter for one input. The stereo-linked true-peak envelope is
// computed once: scaling the input by G scales it by G, so every makeup trial
// only re-runs the cheap gain smoothing.
class LookaheadLimiter {
 public:
  LookaheadLimiter(const Stereo& x, double fs, const FinalizeOptions& opt) {
    std::vector<float> tp, tp_r;  // the channels are independent: one thread each where there are two
    parallel_for(2, [&](int c) { (c ? tp_r : tp) = true_peak_envelope(x.channel(c), x.frames(), fs); });
    for (std::size_t i = 0; i < tp.size(); ++i) {
      tp[i] = std::max(tp[i], tp_r[i]);
      peak_ = std::max(peak_, static_cast<double>(tp[i]));
    }
    const double lookahead = std::max(0.0, opt.lookahead_ms) * 1e-3 * fs;
    lookahead_ = static_cast<std::size_t>(std::lround(lookahead));
    release_coeff_ = opt.release_ms > 0.0 ? 1.0 - std::exp(-1.0 / (opt.release_ms * 1e-3 * fs)) : 1.0;
    ahead_ = lookahead_peaks(tp, lookahead_);
  }

  double input_true_peak() const { return peak_; }

  // y = x * makeup * g[n] with makeup * g[n] * tp[k] <= ceiling for every k in
  // [n - L, n + L]. Returns the smallest g[n].
  double render(const Stereo& x, double makeup, double ceiling, Stereo& y) const {
    const std::size_t n = x.frames(), span = lookahead_ + 1;
    y.resize(n);
    std::vector<double> recent(span, 0.0);  // last `span` smoothed gains
    double window_sum = 0.0, smoothed = 1.0, min_gain = 1.0;
    for (std::size_t i = 0; i < n + lookahead_; ++i) {
      const double need = makeup * ahead_[i];
      const double required = need > ceiling ? ceiling / need : 1.0;  // min over the window
      // Falls at once, recovers with the release time constant: smoothed <= required.
      smoothed = required < smoothed ? required : smoothed + release_coeff_ * (required - smoothed);
      double& slot = recent[i % span];
      window_sum += smoothed - slot;
      slot = smoothed;
      if (i < lookahead_) continue;
      // Moving average of the last L + 1 smoothed gains: each of them is <= the
      // requirement of every peak within L samples ahead, so their mean is too.
      const double gain = window_sum / static_cast<double>(span);
      const std::size_t k = i - lookahead_;
      min_gain = std::min(min_gain, gain);
      y.l[k] = static_cast<float>(x.l[k] * (makeup * gain));
      y.r[k] = static_cast<float>(x.r[k] * (makeup * gain));
    }
    return min_gain;
  }

 private:
  std::vector<float> ahead_;
  std::size_t lookahead_ = 0;
  double release_coeff_ = 1.0;
  double peak_ = 0.0;
};

void scale(Stereo& y, double g) {
  for (float& v : y.l) v = static_cast<float>(v * g);
  for (float& v : y.r) v = static_cast<float>(v * g);
}

// Pure scaling until the true peak is under the ceiling (used when the limiter
// cannot or need not run). Returns the gain applied.
double scale_under_ceiling(Stereo& y, double fs, double ceiling, double* true_peak_out) {
  double applied = 1.0, tp = true_peak(y, fs);
  for (int k = 0; k < 8 && tp > ceiling; ++k) {
    const double g = ceiling / tp * kCeilingBackoff;
    scale(y, g);
    applied *= g;
    tp = true_peak(y, fs);
  }
  *true_peak_out = tp;
  return applied;
}

struct Pass {
  double makeup_db = 0.0, lufs = -INFINITY, true_peak = 0.0, min_gain = 1.0;
  Stereo y;
};

}  // namespace

Stereo finalize_master(const Stereo& x, double fs, const FinalizeOptions& opt,
                       FinalizeReport* report) {
  FinalizeReport rep{};
  const double ceiling = std::min(1.0, db_to_lin(opt.ceiling_dbtp));
  rep.input_lufs = integrated_loudness(x, fs);

  if (!std::isfinite(rep.input_lufs) || !std::isfinite(opt.target_lufs)) {
    // Nothing measurable (silence): pass through, only enforcing the ceiling.
    Stereo y = x;
    double tp = 0.0;
    rep.makeup_gain_db = lin_to_db(scale_under_ceiling(y, fs, ceiling, &tp));
    rep.output_lufs = integrated_loudness(y, fs);
    rep.output_true_peak_dbtp = lin_to_db(tp);
    rep.max_gain_reduction_db = 0.0;
    rep.iterations = 0;
    if (report) *report = rep;
    return y;
  }

  const LookaheadLimiter limiter(x, fs, opt);
  const double max_makeup_db =
      lin_to_db(ceiling) - lin_to_db(limiter.input_true_peak()) + kMaxLimiterReductionDb;
  // Starts a hair under the ceiling (the gain-modulated output can overshoot the
  // envelope by ~0.01 dB between samples) and is lowered further if it does.
  double limiter_ceiling = ceiling * kInitialMargin;

  // One limiter pass at a makeup gain, re-run with a lower internal ceiling
  // while the measured output true peak exceeds the real ceiling.
  const auto run_pass = [&](double makeup_db) {
    Pass p;
    p.makeup_db = makeup_db;
    for (int retry = 0;; ++retry) {
      p.min_gain = limiter.render(x, db_to_lin(makeup_db), limiter_ceiling, p.y);
      ++rep.iterations;
      p.true_peak = true_peak(p.y, fs);
      if (p.true_peak <= ceiling || retry == kMaxCeilingRetries) break;
      limiter_ceiling *= ceiling / p.true_peak * kCeilingBackoff;
    }
    if (p.true_peak > ceiling)  // last resort, keeps the promise
      p.makeup_db += lin_to_db(scale_under_ceiling(p.y, fs, ceiling, &p.true_peak));
    p.lufs = integrated_loudness(p.y, fs);
    return p;
  };

  // Newton's first step assumes 1 LU per dB (exact without limiting); then the
  // secant slope, kept in (0, 1] since limiting only ever flattens the curve.
  Pass best = run_pass(std::min(opt.target_lufs - rep.input_lufs, max_makeup_db));
  double cur_db = best.makeup_db, cur_err = best.lufs - opt.target_lufs;
  double prev_db = NAN, prev_err = NAN;
  for (int step = 0; step < kMaxLoudnessSteps && std::abs(cur_err) > kToleranceLu; ++step) {
    if (!std::isfinite(cur_err)) break;  // target below the gates: nothing left to measure
    if (cur_err < 0.0 && cur_db >= max_makeup_db - 1e-9) break;  // capped: report the shortfall
    double slope = 1.0;
    if (std::isfinite(prev_db) && std::abs(cur_db - prev_db) > 1e-9)
      slope = std::clamp((cur_err - prev_err) / (cur_db - prev_db), 0.05, 1.0);
    const double next_db = std::min(cur_db - cur_err / slope, max_makeup_db);
    if (std::abs(next_db - cur_db) < 1e-6) break;
    Pass p = run_pass(next_db);
    prev_db = cur_db;
    prev_err = cur_err;
    cur_db = p.makeup_db;
    cur_err = p.lufs - opt.target_lufs;
    if (std::abs(cur_err) < std::abs(best.lufs - opt.target_lufs)) best = std::move(p);
  }

  rep.output_lufs = best.lufs;
  rep.output_true_peak_dbtp = lin_to_db(best.true_peak);
  rep.makeup_gain_db = best.makeup_db;
  rep.max_gain_reduction_db = std::max(0.0, -lin_to_db(best.min_gain));
  if (report) *report = rep;
  return std::move(best.y);
}

}  // namespace ito

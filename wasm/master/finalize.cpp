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

// ahead[i] = max of tp over [i - L, i] (clipped to the signal), i in [0, N + L), in place:
// `tp` holds the envelope in [0, N) and is N + L long. Output sample n = i - L thus sees
// its look-ahead window [n, n + L].
void lookahead_peaks_in_place(std::vector<float>& tp, std::size_t n, std::size_t lookahead) {
  std::deque<std::pair<std::size_t, float>> candidates;  // (index, tp) with decreasing tp
  for (std::size_t i = 0; i < n + lookahead; ++i) {
    if (i < n) {
      while (!candidates.empty() && candidates.back().second <= tp[i]) candidates.pop_back();
      candidates.emplace_back(i, tp[i]);
    }
    while (!candidates.empty() && candidates.front().first + lookahead < i) candidates.pop_front();
    tp[i] = candidates.empty() ? 0.0f : candidates.front().second;
  }
}

// The look-ahead limiter for one input. The stereo-linked true-peak envelope is
// computed once (in parts, so its scratch stays small): scaling the input by G scales it
// by G, so every makeup trial only re-runs the cheap gain smoothing.
class LookaheadLimiter {
 public:
  LookaheadLimiter(const Stereo& x, double fs, const FinalizeOptions& opt) : x_(x) {
    const std::size_t n = x.frames();
    const double lookahead = std::max(0.0, opt.lookahead_ms) * 1e-3 * fs;
    lookahead_ = static_cast<std::size_t>(std::lround(lookahead));
    release_coeff_ = opt.release_ms > 0.0 ? 1.0 - std::exp(-1.0 / (opt.release_ms * 1e-3 * fs)) : 1.0;
    ahead_.assign(n + lookahead_, 0.0f);
    constexpr std::size_t kPart = std::size_t{1} << 18;
    for (std::size_t begin = 0; begin < n; begin += kPart) {
      const std::size_t end = std::min(n, begin + kPart);
      std::vector<float> tp[2];  // the channels are independent: one thread each where there are two
      parallel_for(2, [&](int c) { tp[c] = true_peak_envelope(x.channel(c), n, fs, begin, end); });
      for (std::size_t i = begin; i < end; ++i) {
        ahead_[i] = std::max(tp[0][i - begin], tp[1][i - begin]);
        peak_ = std::max(peak_, static_cast<double>(ahead_[i]));
      }
    }
    lookahead_peaks_in_place(ahead_, n, lookahead_);
  }

  double input_true_peak() const { return peak_; }

  // Calls emit(first, y) for consecutive blocks of y = x * makeup * g[n], with
  // makeup * g[n] * tp[k] <= ceiling for every k in [n - L, n + L]. Returns the smallest g[n].
  template <class Emit>
  double run(double makeup, double ceiling, Emit emit) const {
    const std::size_t n = x_.frames(), span = lookahead_ + 1;
    std::vector<double> recent(span, 0.0);  // last `span` smoothed gains
    constexpr std::size_t kBlock = 4096;
    Stereo block;
    block.l.resize(kBlock);
    block.r.resize(kBlock);
    std::size_t filled = 0, first = 0;
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
      block.l[filled] = static_cast<float>(x_.l[k] * (makeup * gain));
      block.r[filled] = static_cast<float>(x_.r[k] * (makeup * gain));
      if (++filled == kBlock || k + 1 == n) {
        emit(first, block, filled);
        first += filled;
        filled = 0;
      }
    }
    return min_gain;
  }

  // The output as one signal.
  double render(double makeup, double ceiling, Stereo& y) const {
    y.l.resize(x_.frames());
    y.r.resize(x_.frames());
    return run(makeup, ceiling, [&](std::size_t first, const Stereo& b, std::size_t count) {
      std::copy(b.l.begin(), b.l.begin() + count, y.l.begin() + first);
      std::copy(b.r.begin(), b.r.begin() + count, y.r.begin() + first);
    });
  }

  // The output's integrated loudness without keeping the output.
  double loudness(double makeup, double ceiling, double fs, double* min_gain) const {
    LoudnessMeter meter(fs);
    *min_gain = run(makeup, ceiling, [&](std::size_t, const Stereo& b, std::size_t count) {
      meter.add(b.l.data(), b.r.data(), count);
    });
    return meter.integrated();
  }

 private:
  const Stereo& x_;
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

// One makeup trial: its output loudness (measured, not kept) and deepest gain.
struct Trial {
  double makeup_db = 0.0, lufs = -INFINITY, min_gain = 1.0;
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

  // The makeup that reaches the target at the current internal ceiling: Newton's first
  // step assumes 1 LU per dB (exact without limiting); then the secant slope, kept in
  // (0, 1] since limiting only ever flattens the curve. Trials measure the output's
  // loudness without keeping it; only the chosen one is rendered.
  const auto trial = [&](double makeup_db) {
    Trial t;
    t.makeup_db = makeup_db;
    t.lufs = limiter.loudness(db_to_lin(makeup_db), limiter_ceiling, fs, &t.min_gain);
    ++rep.iterations;
    return t;
  };
  const auto search = [&](double start_db) {
    Trial best = trial(start_db);
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
      const Trial t = trial(next_db);
      prev_db = cur_db;
      prev_err = cur_err;
      cur_db = t.makeup_db;
      cur_err = t.lufs - opt.target_lufs;
      if (std::abs(cur_err) < std::abs(best.lufs - opt.target_lufs)) best = t;
    }
    return best;
  };

  // Render the chosen makeup and measure its true peak; where the gain-modulated output
  // still overshoots between samples, lower the internal ceiling and search again from there.
  Trial best = search(std::min(opt.target_lufs - rep.input_lufs, max_makeup_db));
  Stereo y;
  double tp = 0.0;
  for (int retry = 0;; ++retry) {
    best.min_gain = limiter.render(db_to_lin(best.makeup_db), limiter_ceiling, y);
    tp = true_peak(y, fs);
    if (tp <= ceiling || retry == kMaxCeilingRetries) break;
    limiter_ceiling *= ceiling / tp * kCeilingBackoff;
    best = search(best.makeup_db);
  }
  if (tp > ceiling) {  // last resort, keeps the promise
    best.makeup_db += lin_to_db(scale_under_ceiling(y, fs, ceiling, &tp));
    best.lufs = integrated_loudness(y, fs);
  }

  rep.output_lufs = best.lufs;
  rep.output_true_peak_dbtp = lin_to_db(tp);
  rep.makeup_gain_db = best.makeup_db;
  rep.max_gain_reduction_db = std::max(0.0, -lin_to_db(best.min_gain));
  if (report) *report = rep;
  return y;
}

}  // namespace ito

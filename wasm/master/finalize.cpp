#include "master/finalize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
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

// A long track's envelope (beyond kCompactSeconds) is kept in one byte per frame (it would
// otherwise cost as much as one of its channels): 0.06 dB steps below the peak of its part
// of the track (2^18 frames), rounded up, so a stored peak is never below the true one (the
// limiter is at most 0.06 dB more careful). The 255 steps span 15.3 dB: the makeup stays
// within kMaxLimiterReductionDb of the track's peak, so anything lower can never reach the
// ceiling and is stored as the lowest step.
using PeakCode = std::uint8_t;
constexpr double kCompactSeconds = 20 * 60;
constexpr double kPeakStepDb = 0.06;
constexpr int kPartBits = 18;

struct PeakSteps {
  float below_peak[256];  // step c as a fraction of the part's peak
  PeakSteps() {
    for (int c = 0; c < 256; ++c) below_peak[c] = static_cast<float>(db_to_lin(kPeakStepDb * (c - 255)));
  }
};
const PeakSteps& peak_steps() {
  static const PeakSteps steps;
  return steps;
}

PeakCode encode_peak(float v, float part_peak) {
  if (!(v > 0.0f) || !(part_peak > 0.0f)) return 0;
  // The first step at or above v (the steps ascend; a binary search costs less than a log).
  const float* steps = peak_steps().below_peak;
  int lo = 0, hi = 255;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (part_peak * steps[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return static_cast<PeakCode>(lo);
}

// The look-ahead limiter for one input. The stereo-linked true-peak envelope is
// computed once (in parts, so its scratch stays small): scaling the input by G scales it
// by G, so every makeup trial (and every release time) only re-runs the cheap gain smoothing.
class LookaheadLimiter {
 public:
  LookaheadLimiter(const Stereo& x, double fs, double lookahead_ms, int compact) : x_(x), fs_(fs) {
    const std::size_t n = x.frames();
    lookahead_ = static_cast<std::size_t>(std::lround(std::max(0.0, lookahead_ms) * 1e-3 * fs));
    compact_ = compact < 0 ? static_cast<double>(n) > kCompactSeconds * fs : compact > 0;
    if (compact_) codes_.assign(n + lookahead_, 0);
    else exact_.assign(n + lookahead_, 0.0f);
    constexpr std::size_t kPart = std::size_t{1} << kPartBits;
    std::vector<float> peak(std::min(kPart, n));
    float last_peak = 0.0f;
    for (std::size_t begin = 0; begin < n; begin += kPart) {
      const std::size_t end = std::min(n, begin + kPart);
      std::vector<float> tp[2];  // the channels are independent: one thread each where there are two
      parallel_for(2, [&](int c) { tp[c] = true_peak_envelope(x.channel(c), n, fs, begin, end); });
      float part_peak = 0.0f;
      for (std::size_t i = begin; i < end; ++i) {
        peak[i - begin] = std::max(tp[0][i - begin], tp[1][i - begin]);
        part_peak = std::max(part_peak, peak[i - begin]);
      }
      // A part's scale also covers the part before: the look-ahead window reaches back into it.
      scale_.push_back(std::max(part_peak, scale_.empty() ? 0.0f : last_peak));
      last_peak = part_peak;
      peak_ = std::max(peak_, static_cast<double>(part_peak));
      for (std::size_t i = begin; i < end; ++i) store(i, peak[i - begin]);
    }
    lookahead_maximum();
  }

  double input_true_peak() const { return peak_; }

  // Calls emit(first, block, count) for consecutive blocks of y = x * makeup * g[n], with
  // makeup * g[n] * tp[k] <= ceiling for every k in [n - L, n + L]. Returns the smallest
  // g[n]. Every block is emitted after the samples of x it covers were read, so emit may
  // write them over x (in place).
  template <class Emit>
  double run(double makeup, double ceiling, double release_ms, Emit emit) const {
    const std::size_t n = x_.frames(), span = lookahead_ + 1;
    const double release_coeff = release_ms > 0.0 ? 1.0 - std::exp(-1.0 / (release_ms * 1e-3 * fs_)) : 1.0;
    std::vector<double> recent(span, 0.0);  // last `span` smoothed gains
    constexpr std::size_t kBlock = 4096;
    Stereo block;
    block.l.resize(kBlock);
    block.r.resize(kBlock);
    std::size_t filled = 0, first = 0;
    double window_sum = 0.0, smoothed = 1.0, min_gain = 1.0;
    for (std::size_t i = 0; i < n + lookahead_; ++i) {
      const double need = makeup * peak_at(i);
      const double required = need > ceiling ? ceiling / need : 1.0;  // min over the window
      // Falls at once, recovers with the release time constant: smoothed <= required.
      smoothed = required < smoothed ? required : smoothed + release_coeff * (required - smoothed);
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

 private:
  const Stereo& x_;
  double fs_;
  float scale_at(std::size_t i) const { return scale_[std::min(i >> kPartBits, scale_.size() - 1)]; }
  // The stored envelope at i; past the end, in the last part's scale.
  float peak_at(std::size_t i) const {
    return compact_ ? scale_at(i) * peak_steps().below_peak[codes_[i]] : exact_[i];
  }
  void store(std::size_t i, float v) {
    if (compact_) codes_[i] = encode_peak(v, scale_at(i));
    else exact_[i] = v;
  }

  // ahead_[i] becomes the maximum of the envelope over [i - L, i] (clipped to the signal), i in
  // [0, N + L), in place: output sample n = i - L thus sees its look-ahead window [n, n + L].
  // The maximum is taken on the values and stored in i's scale (rounded up again).
  void lookahead_maximum() {
    const std::size_t n = x_.frames();
    std::deque<std::pair<std::size_t, float>> candidates;  // (index, value), values decreasing
    for (std::size_t i = 0; i < n + lookahead_; ++i) {
      if (i < n) {
        const float v = peak_at(i);
        while (!candidates.empty() && candidates.back().second <= v) candidates.pop_back();
        candidates.emplace_back(i, v);
      }
      while (!candidates.empty() && candidates.front().first + lookahead_ < i) candidates.pop_front();
      store(i, candidates.empty() ? 0.0f : candidates.front().second);
    }
  }

  // The envelope, exact (4 bytes per frame) up to kCompactSeconds, in one byte beyond.
  bool compact_ = false;
  std::vector<float> exact_;
  std::vector<PeakCode> codes_;
  std::vector<float> scale_;  // per part of 2^kPartBits frames: the peak its codes are relative to
  std::size_t lookahead_ = 0;
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

// What the final stage will do at one release time, found without writing the output.
struct Plan {
  double release_ms = 0.0, makeup_db = 0.0, limiter_ceiling = 1.0;
  double lufs = -INFINITY, true_peak = 0.0, min_gain = 1.0;
};

// The makeup that reaches the target: Newton's first step assumes 1 LU per dB (exact
// without limiting), then the secant slope, kept in (0, 1] since limiting only ever flattens
// the curve. Trials measure the output's loudness without keeping it. The chosen one's true
// peak is measured the same way; where the gain-modulated output still overshoots between
// samples, the internal ceiling is lowered and the search runs again from there.
// `trials` counts the makeup trials.
Plan plan_final_stage(const LookaheadLimiter& limiter, const FinalizeOptions& opt, double release_ms,
                      double input_lufs, double ceiling, double fs, int& trials) {
  const double max_makeup_db =
      lin_to_db(ceiling) - lin_to_db(limiter.input_true_peak()) + kMaxLimiterReductionDb;
  Plan plan;
  plan.release_ms = release_ms;
  // Starts a hair under the ceiling (the gain-modulated output can overshoot the
  // envelope by ~0.01 dB between samples) and is lowered further if it does.
  plan.limiter_ceiling = ceiling * kInitialMargin;
  const auto trial = [&](double makeup_db) {
    Plan t = plan;
    t.makeup_db = makeup_db;
    LoudnessMeter meter(fs);
    t.min_gain = limiter.run(db_to_lin(makeup_db), t.limiter_ceiling, release_ms,
                             [&](std::size_t, const Stereo& b, std::size_t count) { meter.add(b.l.data(), b.r.data(), count); });
    t.lufs = meter.integrated();
    ++trials;
    return t;
  };
  const auto search = [&](double start_db) {
    Plan best = trial(start_db);
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
      const Plan t = trial(next_db);
      prev_db = cur_db;
      prev_err = cur_err;
      cur_db = t.makeup_db;
      cur_err = t.lufs - opt.target_lufs;
      if (std::abs(cur_err) < std::abs(best.lufs - opt.target_lufs)) best = t;
    }
    return best;
  };
  plan = search(std::min(opt.target_lufs - input_lufs, max_makeup_db));
  for (int retry = 0;; ++retry) {
    TruePeakMeter meter(fs);
    limiter.run(db_to_lin(plan.makeup_db), plan.limiter_ceiling, release_ms,
                [&](std::size_t, const Stereo& b, std::size_t count) { meter.add(b.l.data(), b.r.data(), count); });
    plan.true_peak = meter.finish();
    if (plan.true_peak <= ceiling || retry == kMaxCeilingRetries) break;
    plan.limiter_ceiling = plan.limiter_ceiling * ceiling / plan.true_peak * kCeilingBackoff;
    plan = search(plan.makeup_db);
  }
  return plan;
}

}  // namespace

void finalize_master_in_place(Stereo& x, double fs, const FinalizeOptions& opt, FinalizeReport* report) {
  FinalizeReport rep{};
  const double ceiling = std::min(1.0, db_to_lin(opt.ceiling_dbtp));
  rep.input_lufs = integrated_loudness(x, fs);

  if (!std::isfinite(rep.input_lufs) || !std::isfinite(opt.target_lufs)) {
    // Nothing measurable (silence): pass through, only enforcing the ceiling.
    double tp = 0.0;
    rep.makeup_gain_db = lin_to_db(scale_under_ceiling(x, fs, ceiling, &tp));
    rep.output_lufs = integrated_loudness(x, fs);
    rep.output_true_peak_dbtp = lin_to_db(tp);
    rep.max_gain_reduction_db = 0.0;
    rep.iterations = 0;
    if (report) *report = rep;
    return;
  }

  if (!opt.limit) {  // the static gain alone
    const double gain_db = opt.target_lufs - rep.input_lufs;
    const float g = static_cast<float>(db_to_lin(gain_db));
    for (int c = 0; c < 2; ++c)
      for (float& v : c ? x.r : x.l) v *= g;
    rep.makeup_gain_db = gain_db;
    rep.output_lufs = integrated_loudness(x, fs);
    rep.output_true_peak_dbtp = true_peak_dbtp(x, fs);
    rep.max_gain_reduction_db = 0.0;
    rep.iterations = 1;
    if (report) *report = rep;
    return;
  }
  const LookaheadLimiter limiter(x, fs, opt.lookahead_ms, opt.compact_envelope);
  int trials = 0;
  Plan plan;
  // Dense, loud targets need a faster release to get there within kMaxLimiterReductionDb:
  // the fallbacks (shorter ones only) are tried in turn until the target is met.
  std::vector<double> releases{opt.release_ms};
  for (double r : opt.fallback_release_ms)
    if (r < releases.back()) releases.push_back(r);
  for (double release_ms : releases) {
    plan = plan_final_stage(limiter, opt, release_ms, rep.input_lufs, ceiling, fs, trials);
    if (!std::isfinite(plan.lufs) || plan.lufs > opt.target_lufs - 0.1) break;
  }
  // The output, written over the input block by block (each after its samples were read).
  limiter.run(db_to_lin(plan.makeup_db), plan.limiter_ceiling, plan.release_ms,
              [&](std::size_t first, const Stereo& b, std::size_t count) {
                std::copy(b.l.begin(), b.l.begin() + static_cast<std::ptrdiff_t>(count), x.l.begin() + static_cast<std::ptrdiff_t>(first));
                std::copy(b.r.begin(), b.r.begin() + static_cast<std::ptrdiff_t>(count), x.r.begin() + static_cast<std::ptrdiff_t>(first));
              });
  if (plan.true_peak > ceiling) {  // last resort, keeps the promise
    plan.makeup_db += lin_to_db(scale_under_ceiling(x, fs, ceiling, &plan.true_peak));
    plan.lufs = integrated_loudness(x, fs);
  }
  rep.output_lufs = plan.lufs;
  rep.output_true_peak_dbtp = lin_to_db(plan.true_peak);
  rep.makeup_gain_db = plan.makeup_db;
  rep.max_gain_reduction_db = std::max(0.0, -lin_to_db(plan.min_gain));
  rep.iterations = trials;
  if (report) *report = rep;
}

Stereo finalize_master(const Stereo& x, double fs, const FinalizeOptions& opt, FinalizeReport* report) {
  Stereo y = x;
  finalize_master_in_place(y, fs, opt, report);
  return y;
}

}  // namespace ito

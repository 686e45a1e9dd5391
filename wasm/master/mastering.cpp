#include "master/mastering.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "analysis/loudness.h"
#include "dsp/chain.h"
#include "ito/objective.h"
#include "master/partial_targets.h"

namespace ito {
namespace {

void apply_gain(Stereo& x, double gain_db) {
  const float g = static_cast<float>(db_to_lin(gain_db));
  for (int c = 0; c < 2; ++c)
    for (float& v : c ? x.r : x.l) v *= g;
}

// What the chain sees of x: the level match, then the Match EQ.
Stereo leveled_and_matched(Stereo x, const MasterSettings& settings, double fs) {
  apply_gain(x, settings.input_gain_db);
  return apply_match_eq(x, settings.match_eq, fs);
}

double normalized(int index, double value) {
  const ParamInfo& info = param_table()[index];
  return std::clamp(normalize(info, value), 0.0, 1.0);
}

constexpr double kChainInputPeakDb = -10.0;

float summed_peak(const Stereo& x) {
  float peak = 0.0f;
  for (std::size_t i = 0; i < x.frames(); ++i) peak = std::max(peak, std::abs(x.l[i] + x.r[i]));
  return peak;
}

// Where analysis_excerpt's `count` segments lie in a track of n frames longer than `total`
// (begin, length): centred at (s + 0.5) / count of the track.
std::vector<std::pair<std::size_t, std::size_t>> spread_segments(std::size_t n, std::size_t total, int count) {
  const std::size_t segment = total / count;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (int s = 0; s < count; ++s) {
    const std::size_t centre = static_cast<std::size_t>((s + 0.5) / count * n);
    spans.emplace_back(centre > segment / 2 ? centre - segment / 2 : 0, segment);
  }
  return spans;
}

}  // namespace

Stereo analysis_excerpt(const Stereo& x, double fs, double total_seconds, int count) {
  const std::size_t total = static_cast<std::size_t>(total_seconds * fs);
  if (x.frames() <= total || count <= 0) return x;
  Stereo out;
  for (const auto& [begin, length] : spread_segments(x.frames(), total, count)) {
    const Stereo part = slice(x, begin, length);
    out.l.insert(out.l.end(), part.l.begin(), part.l.end());
    out.r.insert(out.r.end(), part.r.begin(), part.r.end());
  }
  return out;
}

SegmentedExcerpt ito_excerpt(const Stereo& input, const MasterSettings& settings, double fs, double total_seconds,
                             int count, double warmup_seconds) {
  const std::size_t n = input.frames(), total = static_cast<std::size_t>(total_seconds * fs);
  const std::size_t warmup = static_cast<std::size_t>(std::max(0.0, warmup_seconds) * fs);
  count = std::max(count, 1);
  // Segment bodies in the track: the whole track in `count` pieces, or analysis_excerpt's.
  std::vector<std::pair<std::size_t, std::size_t>> bodies;  // begin, length
  if (n <= total) {
    const std::size_t pieces = std::clamp<std::size_t>(n / std::max<std::size_t>(warmup, 1), 1, count);
    for (std::size_t s = 0; s < pieces; ++s) bodies.emplace_back(s * n / pieces, (s + 1) * n / pieces - s * n / pieces);
  } else {
    bodies = spread_segments(n, total, count);
  }
  // Each piece is level-matched and Match-EQ'd with the FIR's reach of the track on both
  // sides, so its warm-up and body are what the whole track's render has there (no splice
  // between pieces ever reaches the FIR).
  SegmentedExcerpt e;
  const std::size_t reach = settings.match_eq.active() ? match_eq_reach_frames(fs) : 0;
  for (const auto& [begin, length] : bodies) {
    const std::size_t w = std::min(warmup, begin);
    const std::size_t before = std::min(reach, begin - w), after = std::min(reach, n - begin - length);
    const Stereo part = leveled_and_matched(slice(input, begin - w - before, before + w + length + after), settings, fs);
    e.segments.push_back({e.audio.frames(), w, length});
    for (int c = 0; c < 2; ++c) {
      std::vector<float>& dst = c ? e.audio.r : e.audio.l;
      const float* src = part.channel(c) + before;
      dst.insert(dst.end(), src, src + w + length);
    }
  }
  return e;
}

Stereo loudest_section(const Stereo& x, double fs, double seconds) {
  const std::size_t length = static_cast<std::size_t>(seconds * fs);
  if (x.frames() <= length) return x;
  // Short-term (3 s) windows every second; a section of `seconds` holds about seconds - 2 of them.
  const std::vector<double> st = short_term_loudness(x, fs, 1.0);
  const std::size_t per_section = std::max<std::size_t>(1, static_cast<std::size_t>(seconds) - 2);
  std::vector<double> energy(st.size());
  for (std::size_t i = 0; i < st.size(); ++i) energy[i] = std::isfinite(st[i]) ? std::pow(10.0, st[i] / 10.0) : 0.0;
  std::size_t best = 0;
  double best_sum = -1.0, sum = 0.0;
  for (std::size_t i = 0; i < energy.size(); ++i) {
    sum += energy[i];
    if (i >= per_section) sum -= energy[i - per_section];
    if (i + 1 >= per_section && sum > best_sum) best_sum = sum, best = i + 1 - per_section;
  }
  const std::size_t begin = std::min(static_cast<std::size_t>(std::llround(best * fs)), x.frames() - length);
  return slice(x, begin, length);
}

Stereo chain_excerpt(const Stereo& input, const MasterSettings& settings, double fs, double seconds, int count) {
  return leveled_and_matched(analysis_excerpt(input, fs, seconds, count), settings, fs);
}

Params initial_params(const Stereo& x, double fs) {
  return initial_params(measure_chain_input(x, fs));
}

Params initial_params(const ChainInputLevels& levels) {
  Params p = neutral_params();
  using namespace param;
  for (int k = 0; k < kEqSections; ++k) p[eq_q(k)] = normalized(eq_q(k), 0.707);
  p[DistDrive] = 0.0;                                          // no drive
  p[DistMix] = 0.0;                                            // least saturation mix
  p[MbLowMidXover] = normalized(MbLowMidXover, kStartLowXoverHz);  // where measure_chain_input split the bands
  p[MbMidHighXover] = normalized(MbMidHighXover, kStartHighXoverHz);
  p[MbMix] = 0.5;                                              // mid-range parallel mix
  for (int b = 0; b < kBands; ++b) {
    p[band(b, CompThreshold)] = normalized(band(b, CompThreshold), levels.band_loud_db[b]);  // the loudest 10 %
    p[band(b, CompRatio)] = normalized(band(b, CompRatio), 2.0);  // 2:1
    p[band(b, ExpThreshold)] = 0.0;                               // -60 dB
    p[band(b, ExpRatio)] = 1.0;                                   // expander off (ratio 1)
    p[band(b, Attack)] = normalized(band(b, Attack), 20.0);       // ms
    p[band(b, Release)] = normalized(band(b, Release), 80.0);     // ms
  }
  p[OutputGain] = 0.5;   // 0 dB
  p[StereoWidth] = 0.5;  // width unchanged
  p[LimiterThreshold] = normalized(LimiterThreshold, levels.peak_db);
  p[LimiterAttack] = 0.0;  // fastest attack
  p[LimiterRelease] = normalized(LimiterRelease, 50.0);
  return p;
}

MasteringPlan plan_master(const Stereo& input, const Stereo& reference, double fs, const MasteringOptions& options) {
  const double input_lufs = integrated_loudness(input, fs);
  const double reference_lufs = integrated_loudness(reference, fs);
  if (!std::isfinite(input_lufs)) throw std::invalid_argument("the input is silent");
  if (!std::isfinite(reference_lufs)) throw std::invalid_argument("the reference is silent");

  MasteringPlan plan;
  MasteringResult& result = plan.result;
  std::optional<PartialTargets> partial;  // only some of the reference's character
  if (!options.amounts.all_full())
    partial = partial_targets(input, input_lufs, reference, reference_lufs, fs, options.target_features,
                              options.target_balance, options.target_lufs, options.amounts);
  result.target_lufs = partial ? partial->lufs : options.target_lufs.value_or(reference_lufs);
  // Level-match, but keep the side chains' level |L + R| at most -10 dB (about -16 dBFS per
  // channel): the limiter's threshold tops out at 0 dB of |L + R|, so a mix matched to a
  // loud reference would otherwise be limited many dB before ITO took a step. The chain's
  // thresholds follow the input's levels (musical_prior.h) and the objective is
  // loudness-matched, so the level itself costs nothing; the final stage sets loudness.
  const double headroom_gain = kChainInputPeakDb - lin_to_db(std::max(summed_peak(input), 1e-9f));
  result.input_gain_db = std::clamp(std::min(reference_lufs - input_lufs, headroom_gain), -40.0, 40.0);

  result.match_eq = partial ? design_match_eq(partial->input_balance, partial->balance, options.match_eq_amount)
                            : design_match_eq(input, reference, fs, options.match_eq_amount, options.target_balance);
  plan.excerpt =
      ito_excerpt(input, result.settings(), fs, options.excerpt_seconds, options.excerpt_count, options.warmup_seconds);
  AfFeatures target = partial                   ? partial->features
                      : options.target_features ? *options.target_features
                                                : compute_af_features(reference, fs);
  if (is_mono(input)) target = mono_features(target);  // its master is mono (style_for)
  // The final stage sets the loudness, so ITO matches everything else, at the loudness the
  // target features were measured at: the reference's (with another target loudness, the
  // level-dependent features would otherwise differ by that much and ITO chase the gap).
  plan.objective = loudness_matched_af_objective(target, reference_lufs, fs);
  plan.levels = measure_chain_input(excerpt_bodies(plan.excerpt), fs);
  plan.ito = options.ito;
  plan.ito.space = musical_search_space(plan.levels, style_for(options.style, input));
  result.switches = plan.ito.space.enabled;
  plan.finalize = {.target_lufs = result.target_lufs, .ceiling_dbtp = options.ceiling_dbtp, .limit = options.limit};
  return plan;
}

void optimize_master(MasteringPlan& plan, double fs, const ItoCallback& callback) {
  MasteringResult& result = plan.result;
  result.ito = ito_on_theta(plan.excerpt, plan.objective, fs, initial_params(plan.levels), plan.ito, callback);
  result.params = result.ito.best;
}

void use_fixed_settings(MasteringPlan& plan, const Params& params, std::optional<double> input_gain_db) {
  plan.result.params = plan.result.ito.initial = plan.result.ito.best = params;
  if (input_gain_db) plan.result.input_gain_db = *input_gain_db;
}

MasteringResult finish_master(MasteringPlan plan, Stereo&& input, double fs) {
  MasteringResult result = std::move(plan.result);
  result.output = std::move(input);
  render_master_in_place(result.output, result.settings(), fs, plan.finalize, &result.finalize);
  return result;
}

MasteringResult master_with_reference(const Stereo& input, const Stereo& reference, double fs,
                                      const MasteringOptions& options, const ItoCallback& callback) {
  MasteringPlan plan = plan_master(input, reference, fs, options);
  optimize_master(plan, fs, callback);
  MasteringResult result = std::move(plan.result);
  result.output = render_master(input, result.settings(), fs, plan.finalize, &result.finalize);
  return result;
}

namespace {

// The blocks of process_track: `read(begin, count)` gives input frames [begin, begin + count)
// (the caller keeps them readable until they are processed), `write(begin, block)` takes
// the output of a block.
template <class Read, class Write>
void process_blocks(std::size_t n, const MasterSettings& settings, double fs, double block_seconds, Read read,
                    Write write) {
  Chain chain(fs);
  chain.set_params(settings.params);
  chain.set_switches(settings.switches);
  ChainState state;
  const std::size_t reach = settings.match_eq.active() ? match_eq_reach_frames(fs) : 0;
  // At least the Match EQ's reach: process_track_in_place keeps one block's worth aside.
  const std::size_t block = std::max<std::size_t>(
      {std::size_t{1}, match_eq_reach_frames(fs), static_cast<std::size_t>(block_seconds * fs)});
  Stereo part, body, processed;
  for (std::size_t begin = 0; begin < n; begin += block) {
    const std::size_t length = std::min(block, n - begin);
    const std::size_t before = std::min(reach, begin), after = std::min(reach, n - begin - length);
    part = leveled_and_matched(read(begin - before, before + length + after), settings, fs);
    body = slice(part, before, length);
    chain.process(body, processed, nullptr, &state);
    write(begin, processed);
  }
}

void copy_into(Stereo& out, std::size_t begin, const Stereo& block) {
  std::copy(block.l.begin(), block.l.end(), out.l.begin() + static_cast<std::ptrdiff_t>(begin));
  std::copy(block.r.begin(), block.r.end(), out.r.begin() + static_cast<std::ptrdiff_t>(begin));
}

}  // namespace

Stereo process_track(const Stereo& input, const MasterSettings& settings, double fs, double block_seconds) {
  Stereo out;
  out.l.resize(input.frames());
  out.r.resize(input.frames());
  process_blocks(
      input.frames(), settings, fs, block_seconds,
      [&](std::size_t begin, std::size_t count) { return slice(input, begin, count); },
      [&](std::size_t begin, const Stereo& block) { copy_into(out, begin, block); });
  return out;
}

void process_track_in_place(Stereo& x, const MasterSettings& settings, double fs, double block_seconds) {
  const std::size_t reach = match_eq_reach_frames(fs);
  // A block's Match EQ reads up to match_eq_reach_frames before it, which the previous block's
  // output has overwritten by then: those input frames are kept aside first.
  Stereo kept;  // input frames [kept_begin, kept_begin + kept.frames())
  std::size_t kept_begin = 0;
  process_blocks(
      x.frames(), settings, fs, block_seconds,
      [&](std::size_t begin, std::size_t count) {
        Stereo part = slice(x, begin, count);
        for (std::size_t i = 0; i < kept.frames(); ++i) {
          const std::size_t at = kept_begin + i;
          if (at >= begin && at < begin + count) part.l[at - begin] = kept.l[i], part.r[at - begin] = kept.r[i];
        }
        return part;
      },
      [&](std::size_t begin, const Stereo& block) {
        const std::size_t end = begin + block.frames();
        kept_begin = end > reach ? end - reach : 0;
        kept = slice(x, kept_begin, end - kept_begin);
        copy_into(x, begin, block);
      });
}

void render_master_in_place(Stereo& x, const MasterSettings& settings, double fs, const FinalizeOptions& finalize,
                            FinalizeReport* report) {
  process_track_in_place(x, settings, fs);
  finalize_to_target_in_place(x, fs, finalize, report);
}

Stereo render_master(const Stereo& input, const MasterSettings& settings, double fs,
                     const FinalizeOptions& finalize, FinalizeReport* report) {
  Stereo out = process_track(input, settings, fs);
  finalize_to_target_in_place(out, fs, finalize, report);
  return out;
}

Stereo finalize_to_target(const Stereo& processed, double fs, const FinalizeOptions& finalize,
                          FinalizeReport* report) {
  Stereo out = processed;
  finalize_to_target_in_place(out, fs, finalize, report);
  return out;
}

void finalize_to_target_in_place(Stereo& x, double fs, const FinalizeOptions& finalize, FinalizeReport* report) {
  // Dense, loud targets need a faster limiter release to get there without more
  // than kMaxLimiterReductionDb of reduction: it shortens until the target is met.
  FinalizeOptions options = finalize;
  options.fallback_release_ms = {50.0, 25.0, 12.0};
  finalize_master_in_place(x, fs, options, report);
}

}  // namespace ito

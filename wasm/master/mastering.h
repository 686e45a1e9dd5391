// Reference-based mastering with ITO on the chain parameters: the one pipeline the
// CLI, the browser and the evaluation share.
//   1. level-match the input to the reference's integrated loudness (a static gain,
//      so the chain's thresholds and drive start from a comparable level);
//   2. ITO on Θ over a representative excerpt of the input (a few evenly spaced
//      segments) toward the AF features of the whole reference;
//   3. the best parameters are applied to the whole track;
//   4. the final stage brings it to the target loudness under the true-peak ceiling.
#pragma once
#include <optional>

#include "analysis/af_loss.h"
#include "dsp/params.h"
#include "ito/feature_targets.h"
#include "ito/ito_theta.h"
#include "ito/objective.h"
#include "master/finalize.h"
#include "master/match_eq.h"
#include "master/musical_prior.h"

namespace ito {

// Everything that turns an input into a master, as the user sees and edits it:
// level match -> Match EQ -> chain (with its switches) -> final stage.
struct MasterSettings {
  Params params{};
  ProcessorSwitches switches = kAllProcessorsOn;
  MatchEq match_eq;
  double input_gain_db = 0;  // level match ahead of everything
};

// Long enough for the compressors' and limiter's envelopes (release 90 ms and up in the
// musical ranges) and the Match EQ's FIR (93 ms each side) to settle.
constexpr double kDefaultWarmupSeconds = 0.5;

struct MasteringOptions {
  ItoOptions ito;                      // its `space` is set from `style` and the input
  ChainStyle style;                    // musical ranges and saturation (musical_prior.h)
  double match_eq_amount = kDefaultMatchEqAmount;  // 0: no Match EQ
  double excerpt_seconds = 30.0;       // total audio ITO optimizes on
  int excerpt_count = 6;               // evenly spaced segments making up the excerpt
  // Each segment's chain starts this long before it in the track (segmented_chain.h), so the
  // segments are independent and run in parallel.
  double warmup_seconds = kDefaultWarmupSeconds;
  std::optional<double> target_lufs;   // default: the reference's integrated loudness
  double ceiling_dbtp = -1.0;
  bool limit = true;                   // false: no final limiter, only the gain to the target (finalize.h)
  // What ITO matches; default: the reference's AF features (ito/feature_targets.h makes
  // blends of two references and adjusted targets).
  std::optional<AfFeatures> target_features;
  // What the Match EQ matches: the same target as tonal balances (ito/feature_targets.h);
  // default: the reference's.
  std::optional<BandLevels> target_balance;
  // How much of the targets above (and of the loudness) to take, per aspect, from the
  // input's own toward them (master/partial_targets.h); 100 % each by default.
  MatchAmounts amounts;
};

struct MasteringResult {
  Stereo output;
  Params params{};            // chain parameters after ITO (normalized)
  ProcessorSwitches switches = kAllProcessorsOn;  // which processors ran (the style's)
  MatchEq match_eq;           // ahead of the chain
  ItoResult ito;
  double input_gain_db = 0;   // level match applied before the chain
  double target_lufs = 0;
  FinalizeReport finalize{};

  MasterSettings settings() const { return {params, switches, match_eq, input_gain_db}; }
};

// Throws std::invalid_argument for silent input or reference.
MasteringResult master_with_reference(const Stereo& input, const Stereo& reference, double fs,
                                      const MasteringOptions& options, const ItoCallback& callback = {});

// master_with_reference() in parts, for a caller that manages the input's memory (the CLI
// frees a long track while ITO runs and reads it again for the render): plan (level match,
// Match EQ, excerpt, objective, search space), ITO on Θ, then the render over the input's
// own buffer (result.output takes it), so a long track is never held twice.
struct MasteringPlan {
  MasteringResult result;  // filled as the parts run; no output until finish_master
  SegmentedExcerpt excerpt;
  Objective objective;
  ChainInputLevels levels;
  ItoOptions ito;          // with the search space
  FinalizeOptions finalize;
};
MasteringPlan plan_master(const Stereo& input, const Stereo& reference, double fs, const MasteringOptions& options);
void optimize_master(MasteringPlan& plan, double fs, const ItoCallback& callback = {});
// Instead of optimize_master: given settings (the CLI's --params-in, an album's first-mix
// settings in the page), with the plan's own level match unless input_gain_db is given.
void use_fixed_settings(MasteringPlan& plan, const Params& params, std::optional<double> input_gain_db);
MasteringResult finish_master(MasteringPlan plan, Stereo&& input, double fs);
// Applies fixed parameters (e.g. edited by the user) with the same level match and final stage.
Stereo render_master(const Stereo& input, const MasterSettings& settings, double fs,
                     const FinalizeOptions& finalize, FinalizeReport* report = nullptr);

// What render_master does before the final stage: level match, Match EQ and the chain over
// the whole input, in blocks of `block_seconds` (the chain carries its state across them,
// the Match EQ sees the track on both sides of each), so besides the output it holds one
// block's buffers; the samples equal one pass over the whole input (within float rounding
// of the Match EQ's FFTs).
Stereo process_track(const Stereo& input, const MasterSettings& settings, double fs, double block_seconds = 5.0);
// The same over x's own buffer (the same samples).
void process_track_in_place(Stereo& x, const MasterSettings& settings, double fs, double block_seconds = 5.0);
// render_master over x's own buffer.
void render_master_in_place(Stereo& x, const MasterSettings& settings, double fs, const FinalizeOptions& finalize,
                            FinalizeReport* report = nullptr);

// The final stage with the limiter-release fallback render_master uses: the processed
// signal to the target loudness under the ceiling.
Stereo finalize_to_target(const Stereo& processed, double fs, const FinalizeOptions& finalize,
                          FinalizeReport* report = nullptr);
void finalize_to_target_in_place(Stereo& x, double fs, const FinalizeOptions& finalize,
                                 FinalizeReport* report = nullptr);

// What the chain sees of `input` in ITO: its analysis excerpt, level-matched and through the
// Match EQ (for a model's master, `input` is the Fx-normalized one and the gain 0).
Stereo chain_excerpt(const Stereo& input, const MasterSettings& settings, double fs, double seconds = 30.0,
                     int count = 6);

// What ITO on Θ optimizes on: the `count` segments of analysis_excerpt (or, for a track no
// longer than `total_seconds`, the whole track cut into `count` pieces), each preceded by
// up to `warmup_seconds` of the track before it; level-matched and through the Match EQ.
SegmentedExcerpt ito_excerpt(const Stereo& input, const MasterSettings& settings, double fs, double total_seconds,
                             int count, double warmup_seconds);

// `count` evenly spaced segments concatenated, `total_seconds` in all (the whole
// signal if it is shorter).
Stereo analysis_excerpt(const Stereo& x, double fs, double total_seconds, int count);

// The contiguous `seconds` of x with the highest mean energy (K-weighted short-term loudness,
// 1 s resolution): a preview section that holds the track's fullest part. The whole
// signal if it is shorter.
Stereo loudest_section(const Stereo& x, double fs, double seconds);

// A starting point for ITO that keeps every gradient alive: flat EQ, gentle 2:1
// compression with thresholds at each band's loud level, a limiter just under the
// peaks, unity gain and width.
Params initial_params(const Stereo& level_matched_input, double fs);
Params initial_params(const ChainInputLevels& levels);

}  // namespace ito

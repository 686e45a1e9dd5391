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
#include "ito/ito_theta.h"
#include "master/finalize.h"

namespace ito {

struct MasteringOptions {
  ItoOptions ito;
  double excerpt_seconds = 30.0;       // total audio ITO optimizes on
  int excerpt_count = 6;               // evenly spaced segments making up the excerpt
  std::optional<double> target_lufs;   // default: the reference's integrated loudness
  double ceiling_dbtp = -1.0;
  // What ITO matches; default: the reference's AF features (ito/feature_targets.h makes
  // blends of two references and adjusted targets).
  std::optional<AfFeatures> target_features;
};

struct MasteringResult {
  Stereo output;
  Params params{};            // chain parameters after ITO (normalized)
  ItoResult ito;
  double input_gain_db = 0;   // level match applied before the chain
  double target_lufs = 0;
  FinalizeReport finalize{};
};

// Throws std::invalid_argument for silent input or reference.
MasteringResult master_with_reference(const Stereo& input, const Stereo& reference, double fs,
                                      const MasteringOptions& options, const ItoCallback& callback = {});

// Applies fixed parameters (e.g. edited by the user) with the same level match and final stage.
Stereo render_master(const Stereo& input, const Params& params, double input_gain_db, double fs,
                     const FinalizeOptions& finalize, FinalizeReport* report = nullptr);

// The final stage with the limiter-release fallback render_master uses: the processed
// signal to the target loudness under the ceiling.
Stereo finalize_to_target(const Stereo& processed, double fs, const FinalizeOptions& finalize,
                          FinalizeReport* report = nullptr);

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

}  // namespace ito

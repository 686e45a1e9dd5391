// What the worker-side embind APIs share (engine_api.cpp: analysis, ITO on Θ, rendering;
// ito_session_api.cpp: the step-wise ITO on z): input checks, option reading, the mastering
// summary object and the loaded models.
#pragma once
#include <emscripten/val.h>

#include <memory>
#include <optional>
#include <vector>

#include "analysis/af_loss.h"
#include "ito/feature_targets.h"
#include "ito/ito_theta.h"
#include "master/finalize.h"
#include "master/fx_normalize.h"
#include "master/match_eq.h"
#include "master/musical_prior.h"
#include "models/model_file.h"

namespace ito::app {

using emscripten::val;

constexpr double kMinSeconds = 0.5;  // shorter audio is refused

// `rate` when it is a master's rate (44.1 to 192 kHz: master/model_rate.h), else
// std::invalid_argument.
double checked_sample_rate(double rate);
// The rate of the audio a call hands in: checked_sample_rate(object[key]); absent: the models'
// 44.1 kHz.
double read_sample_rate(const val& object, const char* key = "sampleRate");

// At least kMinSeconds and not silent, else std::invalid_argument naming `what`.
void require_playable(const Stereo& x, const char* what, double fs);

// The final-stage options every mastering call takes: {targetLufs|null, ceilingDbtp}.
struct FinalStageOptions {
  std::optional<double> target_lufs;
  double ceiling_dbtp = -1.0;
};
FinalStageOptions read_final_stage_options(const val& options);

// The chain style from options: character (0..1, saturation), expertRanges (bool).
ChainStyle read_chain_style(const val& options);
// {amounts: {tone, dynamics, width, loudness}}: how much of each aspect of the reference to
// take, 0..1.5 (master/partial_targets.h); absent ones 1.
MatchAmounts read_match_amounts(const val& options);

// The ITO target (AF features, and the tonal balance for the Match EQ) from options (null
// when none of these is set):
//   reference2: {left, right, rate}, blend (0..1): a blend of the two references' features;
//   base: {left, right, rate}: adjust relative to this audio (the current master) instead;
//   crestDb, widthScale, tiltDb, toneDb: [6 values, dB per ito::kToneRegions].
struct ItoTarget {
  AfFeatures features;  // what ITO matches
  BandLevels balance;   // what the Match EQ matches
};
// `reference` is at fs; the others at their own rate (absent: 44.1 kHz).
std::optional<ItoTarget> target_from(const val& options, const Stereo& reference, double fs);

// The summary every mastering call returns.
struct MasteringSummary {
  const Stereo& output;
  const Params &params, &initial_params;
  double input_gain_db, target_lufs;
  const std::vector<double>& loss_curve;
  double initial_loss, best_loss;
  int steps;
  ItoStop stop;
  const FinalizeReport& finalize;
  const MatchEq& match_eq;
  bool saturator_on;
  bool imager_on;  // off for a mono input
};
// Also carries the Match EQ (matchEqDb, matchEqSideDb: its full mid and side curves at
// ito::kThirdOctaveCentres, matchEqAmount) and whether the saturator ran (saturatorOn), which render() takes back.
val summary_object(const MasteringSummary& r);

// The Match EQ from {matchEqDb, matchEqSideDb, matchEqAmount} (absent: none).
MatchEq read_match_eq(const val& settings);

// The learned models (models/whitebox.itom, models/blackbox.itom) and the Fx-normalization
// statistics, loaded by the worker from the site's own files; one slot per converter kind.
struct LoadedModel {
  models::Model model;
  FxNormStats stats;
};
std::unique_ptr<LoadedModel>& loaded_model(models::ConverterKind kind);
// The slot's model, or std::runtime_error when it is not loaded.
const LoadedModel& require_model(models::ConverterKind kind);

}  // namespace ito::app

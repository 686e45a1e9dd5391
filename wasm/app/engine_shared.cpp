#include "app/engine_shared.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "analysis/loudness.h"
#include "app/js_convert.h"
#include "ito/feature_targets.h"
#include "master/model_rate.h"

namespace ito::app {

double checked_sample_rate(double rate) {
  if (!is_master_rate(rate)) throw std::invalid_argument("the sample rate must be 44.1 to 192 kHz");
  return rate;
}

double read_sample_rate(const val& object, const char* key) {
  return js::has_value(object, key) ? checked_sample_rate(js::number_or(object, key, kModelRate)) : kModelRate;
}

void require_playable(const Stereo& x, const char* what, double fs) {
  if (x.frames() < static_cast<std::size_t>(kMinSeconds * fs)) {
    char message[160];
    std::snprintf(message, sizeof message, "%s is shorter than %g s", what, kMinSeconds);
    throw std::invalid_argument(message);
  }
  if (!std::isfinite(integrated_loudness(x, fs))) throw std::invalid_argument(std::string(what) + " is silent");
}

FinalStageOptions read_final_stage_options(const val& options) {
  FinalStageOptions out;
  if (options.hasOwnProperty("targetLufs") && options["targetLufs"].isNumber())
    out.target_lufs = std::clamp(options["targetLufs"].as<double>(), -40.0, -5.0);
  out.ceiling_dbtp = std::clamp(js::number_or(options, "ceilingDbtp", -1.0), -12.0, 0.0);
  return out;
}

ChainStyle read_chain_style(const val& options) {
  ChainStyle style;
  const double character = js::number_or(options, "character", 0.0);
  style.character = std::isfinite(character) ? std::clamp(character, 0.0, 1.0) : 0.0;
  style.expert_ranges = options.hasOwnProperty("expertRanges") && options["expertRanges"].isTrue();
  return style;
}

MatchAmounts read_match_amounts(const val& options) {
  MatchAmounts a;
  if (!js::has_value(options, "amounts")) return a;
  const val amounts = options["amounts"];
  const std::pair<const char*, double*> fields[] = {
      {"tone", &a.tone}, {"dynamics", &a.dynamics}, {"width", &a.width}, {"loudness", &a.loudness}};
  for (const auto& [key, value] : fields) {
    const double v = js::number_or(amounts, key, 1.0);
    if (!std::isfinite(v)) throw std::invalid_argument(std::string("amounts.") + key + " is not a number");
    *value = std::clamp(v, 0.0, kMaxMatchAmount);
  }
  return a;
}

std::optional<ItoTarget> target_from(const val& options, const Stereo& reference, double fs) {
  FeatureAdjustments adjust;
  adjust.crest_db = std::clamp(js::number_or(options, "crestDb", 0.0), -20.0, 20.0);
  adjust.width_scale = std::clamp(js::number_or(options, "widthScale", 1.0), 0.0, 4.0);
  adjust.tilt_db = std::clamp(js::number_or(options, "tiltDb", 0.0), -24.0, 24.0);
  bool adjusted = adjust.crest_db != 0.0 || adjust.width_scale != 1.0 || adjust.tilt_db != 0.0;
  if (js::has_value(options, "toneDb")) {
    const std::vector<double> tone = emscripten::convertJSArrayToNumberVector<double>(options["toneDb"]);
    if (tone.size() != kToneRegions.size()) throw std::invalid_argument("toneDb must hold one value per tone region");
    for (std::size_t r = 0; r < tone.size(); ++r) {
      if (!std::isfinite(tone[r])) throw std::invalid_argument("toneDb holds a non-finite value");
      add_tone_region_db(adjust, static_cast<int>(r), std::clamp(tone[r], -12.0, 12.0));
      adjusted = adjusted || tone[r] != 0.0;
    }
  }
  const bool blended = js::has_value(options, "reference2");
  const bool from_base = js::has_value(options, "base");
  if (!blended && !adjusted && !from_base) return std::nullopt;

  // The AF features ITO matches and, alike, the tonal balance the Match EQ matches.
  const auto features_and_balance = [](const Stereo& x, double rate) {
    return ItoTarget{compute_af_features(x, rate), third_octave_levels(x, rate)};
  };
  ItoTarget target;
  if (from_base) {
    const val b = options["base"];
    const double rate = read_sample_rate(b, "rate");
    const Stereo base = js::to_stereo(b["left"], b["right"]);
    require_playable(base, "the current master", rate);
    target = features_and_balance(base, rate);
  } else {
    target = features_and_balance(reference, fs);
    if (blended) {
      const val r2 = options["reference2"];
      const double rate = read_sample_rate(r2, "rate");
      const Stereo second = js::to_stereo(r2["left"], r2["right"]);
      require_playable(second, "the second reference", rate);
      const double amount = std::clamp(js::number_or(options, "blend", 0.5), 0.0, 1.0);
      const ItoTarget other = features_and_balance(second, rate);
      target = {blend_features(target.features, other.features, amount),
                blend_balance(target.balance, other.balance, amount)};
    }
  }
  return ItoTarget{adjust_features(target.features, adjust), adjust_balance(target.balance, adjust)};
}

val summary_object(const MasteringSummary& r) {
  val out = val::object();
  out.set("left", js::float32_array(r.output.l));
  out.set("right", js::float32_array(r.output.r));
  out.set("params", js::params_array(r.params));
  out.set("initialParams", js::params_array(r.initial_params));
  out.set("inputGainDb", r.input_gain_db);
  out.set("targetLufs", r.target_lufs);
  out.set("lossCurve", js::float64_array(r.loss_curve.data(), r.loss_curve.size()));
  out.set("initialLoss", r.initial_loss);
  out.set("bestLoss", r.best_loss);
  out.set("steps", r.steps);
  out.set("stop", std::string(stop_name(r.stop)));
  out.set("outputLufs", js::finite_or(r.finalize.output_lufs, -100.0));
  out.set("outputTruePeakDbtp", js::finite_or(r.finalize.output_true_peak_dbtp, -100.0));
  out.set("matchEqDb", js::float64_array(r.match_eq.mid_db.data(), r.match_eq.mid_db.size()));
  out.set("matchEqSideDb", js::float64_array(r.match_eq.side_db.data(), r.match_eq.side_db.size()));
  out.set("matchEqAmount", r.match_eq.amount);
  out.set("saturatorOn", r.saturator_on);
  out.set("imagerOn", r.imager_on);
  return out;
}

MatchEq read_match_eq(const val& settings) {
  MatchEq eq;
  if (!js::has_value(settings, "matchEqDb")) return eq;
  auto read = [&](const char* key, BandCurve& curve) {
    if (!js::has_value(settings, key)) return;
    const std::vector<double> gains = emscripten::convertJSArrayToNumberVector<double>(settings[key]);
    if (gains.size() != curve.size())
      throw std::invalid_argument(std::string(key) + " must hold one value per 1/3-octave band");
    for (std::size_t b = 0; b < gains.size(); ++b) {
      if (!std::isfinite(gains[b])) throw std::invalid_argument(std::string(key) + " holds a non-finite value");
      curve[b] = std::clamp(gains[b], -kMatchEqMaxDb, kMatchEqMaxDb);
    }
  };
  read("matchEqDb", eq.mid_db);
  read("matchEqSideDb", eq.side_db);
  const double amount = js::number_or(settings, "matchEqAmount", 0.0);
  eq.amount = std::isfinite(amount) ? std::clamp(amount, 0.0, 1.5) : 0.0;
  return eq;
}

std::unique_ptr<LoadedModel>& loaded_model(models::ConverterKind kind) {
  static std::unique_ptr<LoadedModel> white_box, black_box;
  return kind == models::ConverterKind::WhiteBox ? white_box : black_box;
}

const LoadedModel& require_model(models::ConverterKind kind) {
  const auto& m = loaded_model(kind);
  if (!m) throw std::runtime_error(std::string("the ") + models::converter_kind_name(kind) + " model is not loaded");
  return *m;
}

}  // namespace ito::app

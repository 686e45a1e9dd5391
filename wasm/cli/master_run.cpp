// `itomaster master`'s work, from the request to the written master (cli/master_run.h).
#include "cli/master_run.h"

#include <filesystem>

#include "cli/commands.h"
#include "cli/model_loader.h"
#include "master/mastering.h"
#include "master/model_mastering.h"

namespace ito {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Inputs longer than this are read a second time for the render instead of being held
// during ITO (the second read costs a few seconds; the memory saved is a copy of the track).
constexpr double kRereadSeconds = 20 * 60;

// The mix as the run holds it: at the master's rate (its own, or --output-rate), and, when
// that is not the analysis rate, a copy at the analysis rate for ITO, the models and the AF
// losses (analysis_rate.h).
struct Mix {
  Stereo audio;
  double fs = kAnalysisRate;
  std::optional<Stereo> analysis_copy;
  const Stereo& analysis() const { return analysis_copy ? *analysis_copy : audio; }
  Stereo& analysis() { return analysis_copy ? *analysis_copy : audio; }
};

Mix read_mix(const MasterRequest& req, std::vector<std::string>* warnings, int* source_channels) {
  LoadedAudio in = load_audio(req.input_path, {.target_rate = req.output_rate});  // 0: its own rate
  if (warnings) *warnings = std::move(in.warnings);
  if (source_channels) *source_channels = in.source_channels;
  Mix mix{std::move(in.audio), in.sample_rate, std::nullopt};
  if (mix.fs != kAnalysisRate) mix.analysis_copy = resample(mix.audio, mix.fs, kAnalysisRate);
  return mix;
}

// A master at the analysis rate (black-box's waveform) brought to the master's rate: resampled,
// then the final stage again there (resampling moves the inter-sample peaks a little).
Stereo to_master_rate(const Stereo& output, double fs, const FinalizeOptions& finalize, FinalizeReport* report) {
  return finalize_to_target(resample(output, kAnalysisRate, fs), fs, finalize, report);
}

// ITO's target: the reference's features, or a blend with a second reference and the
// adjustments (which set the Match EQ's tonal balance target likewise).
void set_targets(const MasterRequest& req, const Stereo& reference, const AfFeatures& ref_features, double fs,
                 MasteringOptions& options, ModelMasteringOptions& model_options) {
  options.target_features = model_options.target_features = ref_features;
  if (req.reference2_path.empty() && !req.adjusted) return;
  AfFeatures target = ref_features;
  BandLevels balance = third_octave_levels(reference, fs);
  if (!req.reference2_path.empty()) {
    const Stereo second = load_audio(req.reference2_path).audio;
    target = blend_features(target, compute_af_features(second, fs), req.blend);
    balance = blend_balance(balance, third_octave_levels(second, fs), req.blend);
  }
  options.target_features = model_options.target_features = adjust_features(target, req.adjust);
  options.target_balance = model_options.target_balance = adjust_balance(balance, req.adjust);
}

// A learned model's master: Ψ's settings (or waveform), ITO on z, then on Θ (white-box).
// A white-box master is rendered from the mix at its own rate; black-box's waveform is Ψ's,
// at the analysis rate, and resampled.
void master_by_model(const Mix& mix, const Stereo& reference, const models::Model& model, const FxNormStats& stats,
                     const ModelMasteringOptions& options, const MasterProgress& progress, MasterOutcome& out,
                     Stereo& output) {
  const double fs = kAnalysisRate;
  const int budget = options.ito.max_steps + options.theta_steps;
  int z_evaluations = 0;
  const NativeTrack native = mix.analysis_copy ? NativeTrack{&mix.audio, mix.fs} : NativeTrack{};
  ModelMasteringResult r = master_with_model(
      mix.analysis(), reference, fs, model, stats, options,
      [&](const ItoZProgress& p) { return progress(z_evaluations = p.step, budget, p.loss), true; },
      [&](const ItoProgress& p) { return progress(z_evaluations + p.step, budget, p.loss), true; }, native);
  if (r.output_fs != mix.fs) {
    const FinalizeOptions finalize{.target_lufs = r.target_lufs, .ceiling_dbtp = options.ceiling_dbtp, .limit = options.limit};
    r.output = to_master_rate(r.output, mix.fs, finalize, &r.finalize);
  }
  const CombinedIto c = combined_ito(r.ito, r.theta);
  out.has_params = model.converter->kind() == models::ConverterKind::WhiteBox;
  out.params_before = r.ito.initial_params;
  out.params = r.params_after;
  out.target_lufs = r.target_lufs;
  out.finalize = r.finalize;
  out.steps = c.steps;
  out.stop = c.stop;
  out.loss_curve = c.loss_curve;
  out.ito_initial = r.ito.initial_loss;
  out.ito_best = c.best_loss;
  out.match_eq = r.match_eq;
  out.switches = r.switches;
  if (out.has_params)
    out.effort = measure_stage_effort(chain_excerpt(r.normalized_input, {r.params_after, r.switches, r.match_eq, 0.0}, fs,
                                                    options.excerpt_seconds, options.excerpt_count),
                                      r.params_after, r.switches, fs);
  output = std::move(r.output);
}

// ITO on Θ (or the given settings) over the level-matched input, at the analysis rate; the
// render at the master's rate over the mix's own buffer. A long track is let go while ITO
// runs on the excerpt and read again for the render: two passes over the file instead of
// holding it beside ITO's working memory.
void master_by_theta(const MasterRequest& req, Mix& mix, const Stereo& reference, const MasteringOptions& options,
                     const MasterProgress& progress, MasterOutcome& out, Stereo& output) {
  const double fs = kAnalysisRate;
  // The stage-effort measurement's excerpt, taken before the master renders over the input.
  const Stereo raw_excerpt = analysis_excerpt(mix.analysis(), fs, options.excerpt_seconds, options.excerpt_count);
  MasteringPlan plan = plan_master(mix.analysis(), reference, fs, options);
  mix.analysis_copy.reset();  // the plan holds what ITO needs
  const bool reread = !req.fixed && mix.audio.frames() > static_cast<std::size_t>(kRereadSeconds * mix.fs);
  const std::size_t frames = mix.audio.frames();
  if (reread) mix.audio = Stereo{};
  if (req.fixed) {
    // The plan's level match and Match EQ, the given parameters (and gain) instead of ITO's.
    plan.result.params = plan.result.ito.initial = plan.result.ito.best = req.fixed->params;
    if (req.fixed->input_gain_db) plan.result.input_gain_db = *req.fixed->input_gain_db;
  } else {
    const int budget = options.ito.max_steps;
    optimize_master(plan, fs, [&](const ItoProgress& p) { return progress(p.step, budget, p.loss), true; });
  }
  if (reread) {
    mix.audio = load_audio(req.input_path, {.target_rate = mix.fs}).audio;
    if (mix.audio.frames() != frames) throw AudioError("'" + req.input_path + "' changed while it was being mastered");
  }
  MasteringResult r = finish_master(std::move(plan), std::move(mix.audio), mix.fs);
  out.has_params = true;
  out.params_before = r.ito.initial;
  out.params = r.params;
  out.input_gain_db = r.input_gain_db;
  out.target_lufs = r.target_lufs;
  out.finalize = r.finalize;
  out.steps = r.ito.steps;
  out.stop = r.ito.stop;
  out.loss_curve = r.ito.loss_curve;
  out.ito_initial = r.ito.initial_loss;
  out.ito_best = r.ito.best_loss;
  out.match_eq = r.match_eq;
  out.switches = r.switches;
  out.effort = measure_stage_effort(chain_excerpt(raw_excerpt, r.settings(), fs, options.excerpt_seconds,
                                                  options.excerpt_count),
                                    r.params, r.switches, fs);
  output = std::move(r.output);
}

std::string method_of(const MasterRequest& req, const MasterOutcome& out) {
  if (req.fixed) return "the given settings (--params-in), without ITO";
  if (!req.use_model) return method_label("theta");
  return method_label(out.has_params ? "white-box" : "black-box");
}

std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

}  // namespace

MasterOutcome run_master_request(const MasterRequest& req, const MasterProgress& progress, Clock::time_point started) {
  MasterOutcome out;
  MasteringOptions options = req.options;
  ModelMasteringOptions model_options = req.model_options;
  OutputFormat format = req.out_format;

  // Load the model first: a missing model file should not cost the decoding time.
  std::optional<models::Model> model;
  FxNormStats stats;
  if (req.use_model) {
    model = load_model(req.mode);
    stats = load_fxnorm_stats();
    if (model->converter->kind() == models::ConverterKind::BlackBox) {
      if (req.theta_steps_given) throw UsageError("--theta-steps needs chain parameters: black-box has none");
      model_options.theta_steps = 0;
      if (!req.ito_steps_given) model_options.ito.max_steps = kDefaultBlackBoxItoSteps;
    }
  }
  // The mix at the master's rate (ITO on Θ renders over its buffer: no second copy) and at
  // the analysis rate; the reference at the analysis rate.
  std::vector<std::string> warnings;
  int source_channels = 2;
  Mix mix = read_mix(req, &warnings, &source_channels);
  // A mono input gives a mono master (its chain has no imager: style_for); --stereo writes both channels.
  if (source_channels == 1 && !req.stereo) format.channels = 1;
  out.output_channels = format.channels;
  const LoadedAudio reference = load_audio(req.reference_path);
  warnings.insert(warnings.end(), reference.warnings.begin(), reference.warnings.end());
  for (const std::string& w : warnings) std::fprintf(stderr, "itomaster: warning: %s\n", w.c_str());
  const double fs = kAnalysisRate;
  out.sample_rate = mix.fs;
  out.timings.decode = since(started);

  // The reference's features, once: ITO's target (unless adjusted) and the AF losses'.
  const auto measure_start = Clock::now();
  const AfFeatures ref_features = compute_af_features(reference.audio, fs);
  set_targets(req, reference.audio, ref_features, fs, options, model_options);
  // What is measured of the input happens before mastering, which may take its buffer.
  out.af_before = af_loss(mix.analysis(), ref_features, fs, nullptr, &out.terms_before);
  if (!req.report_path.empty()) {
    out.report.emplace();
    out.report->input = report_track(file_name(req.input_path), mix.audio, mix.fs);
    out.input_metrics = out.report->input.metrics;
  } else if (req.wants_metrics()) {
    out.input_metrics = measure_track(mix.audio, mix.fs);
  }
  out.timings.measure_input = since(measure_start);

  // Prepare ends, and ITO starts, at the first progress call.
  const auto master_start = Clock::now();
  std::optional<Clock::time_point> ito_start, ito_end;
  const MasterProgress timed = [&](int step, int budget, double loss) {
    if (!ito_start) ito_start = Clock::now();
    ito_end = Clock::now();
    if (progress) progress(step, budget, loss);
  };
  Stereo output;
  if (model)
    master_by_model(mix, reference.audio, *model, stats, model_options, timed, out, output);
  else
    master_by_theta(req, mix, reference.audio, options, timed, out, output);
  const double master_s = since(master_start);
  out.timings.prepare = ito_start ? std::chrono::duration<double>(*ito_start - master_start).count() : 0.0;
  out.timings.ito = ito_start ? std::chrono::duration<double>(*ito_end - *ito_start).count() : 0.0;
  out.timings.finish = master_s - out.timings.prepare - out.timings.ito;

  const auto write_start = Clock::now();
  out.clamped = write_master_atomic(req.output_path, output, mix.fs, format, req.force, {req.input_path, req.reference_path});
  out.af_after = af_loss(mix.fs == fs ? output : resample(output, mix.fs, fs), ref_features, fs, nullptr, &out.terms_after);
  out.timings.total = since(started);
  out.timings.write = since(write_start);

  // The reference's and the master's metrics, measured once for the report and the summary.
  if (out.report) {
    ReportInput& report = *out.report;
    report.reference = report_track(file_name(req.reference_path), reference.audio, fs);
    report.master = report_track(file_name(req.output_path), output, mix.fs);
    report.method = method_of(req, out);
    report.steps = out.steps;
    report.stop = stop_name(out.stop);
    report.target_lufs = out.target_lufs;
    report.ceiling_dbtp = options.ceiling_dbtp;
    if (out.has_params) report.before = out.params_before, report.after = out.params;
    report.loss_curve = out.loss_curve;
    out.reference_metrics = report.reference.metrics;
    out.output_metrics = report.master.metrics;
  } else if (req.wants_metrics()) {
    out.reference_metrics = measure_track(reference.audio, fs);
    out.output_metrics = measure_track(output, mix.fs);
  }
  return out;
}

}  // namespace ito

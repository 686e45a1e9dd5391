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

// The mix and the reference as the run holds them. ITO runs at `fs`: the master's rate (the
// mix's own, or --output-rate), except for black-box, whose waveform is Ψ's at the models'
// rate. A learned model sees copies at its rate when fs is another (model_rate.h).
struct Tracks {
  Stereo mix;              // at master_fs
  double master_fs = kModelRate;
  double fs = kModelRate;  // ITO's rate
  Stereo reference;        // at fs
  std::optional<Stereo> mix_at_model_rate, reference_at_model_rate;
  // What ITO masters: the mix, or (black-box at another rate) its copy at the models' rate.
  Stereo& ito_mix() { return fs == master_fs ? mix : *mix_at_model_rate; }
  ModelRateCopies copies() const {
    if (!mix_at_model_rate) return {};
    return {&*mix_at_model_rate, reference_at_model_rate ? &*reference_at_model_rate : &reference};
  }
};

Tracks read_tracks(const MasterRequest& req, const std::optional<models::Model>& model,
                   std::vector<std::string>& warnings, int& source_channels) {
  Tracks t;
  LoadedAudio in = load_audio(req.input_path, {.target_rate = req.output_rate});  // 0: its own rate
  warnings = std::move(in.warnings);
  source_channels = in.source_channels;
  t.mix = std::move(in.audio);
  t.master_fs = in.sample_rate;
  const bool black_box = model && model->converter->kind() == models::ConverterKind::BlackBox;
  t.fs = black_box ? kModelRate : t.master_fs;
  // The reference and the models' copies are only analyzed: libsamplerate's medium quality
  // (97 dB SNR) at a fraction of the best one's cost (6 s for a 165 s reference).
  LoadedAudio reference = load_audio(req.reference_path, {.target_rate = t.fs, .quality = ResampleQuality::Medium});
  warnings.insert(warnings.end(), reference.warnings.begin(), reference.warnings.end());
  t.reference = std::move(reference.audio);
  if (model && t.master_fs != kModelRate) {
    t.mix_at_model_rate = resample(t.mix, t.master_fs, kModelRate, ResampleQuality::Medium);
    if (t.fs != kModelRate)
      t.reference_at_model_rate = load_audio(req.reference_path, {.quality = ResampleQuality::Medium}).audio;
  }
  return t;
}

// Black-box's master, at the models' rate, brought to the master's: resampled, then the final
// stage again there (resampling moves the inter-sample peaks a little).
Stereo to_master_rate(const Stereo& output, double fs, const FinalizeOptions& finalize, FinalizeReport* report) {
  return finalize_to_target(resample(output, kModelRate, fs), fs, finalize, report);
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
    const Stereo second = load_audio(req.reference2_path, {.target_rate = fs}).audio;
    target = blend_features(target, compute_af_features(second, fs), req.blend);
    balance = blend_balance(balance, third_octave_levels(second, fs), req.blend);
  }
  options.target_features = model_options.target_features = adjust_features(target, req.adjust);
  options.target_balance = model_options.target_balance = adjust_balance(balance, req.adjust);
}

// A learned model's master: Ψ's settings (or waveform), ITO on z, then on Θ (white-box).
void master_by_model(Tracks& t, const models::Model& model, const FxNormStats& stats,
                     const ModelMasteringOptions& options, const MasterProgress& progress, MasterOutcome& out,
                     Stereo& output) {
  const double fs = t.fs;
  const int budget = options.ito.max_steps + options.theta_steps;
  int z_evaluations = 0;
  ModelMasteringResult r = master_with_model(
      t.ito_mix(), t.reference, fs, model, stats, options,
      [&](const ItoZProgress& p) { return progress(z_evaluations = p.step, budget, p.loss), true; },
      [&](const ItoProgress& p) { return progress(z_evaluations + p.step, budget, p.loss), true; },
      fs == kModelRate ? ModelRateCopies{} : t.copies());
  if (fs != t.master_fs) {
    const FinalizeOptions finalize{.target_lufs = r.target_lufs, .ceiling_dbtp = options.ceiling_dbtp, .limit = options.limit};
    r.output = to_master_rate(r.output, t.master_fs, finalize, &r.finalize);
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

// ITO on Θ (or the given settings) over the level-matched input, at the master's rate, and
// the render over the mix's own buffer. A long track is let go while ITO runs on the excerpt
// and read again for the render: two passes over the file instead of holding it beside ITO's
// working memory.
void master_by_theta(const MasterRequest& req, Tracks& t, const MasteringOptions& options,
                     const MasterProgress& progress, MasterOutcome& out, Stereo& output) {
  const double fs = t.fs;
  // The stage-effort measurement's excerpt, taken before the master renders over the input.
  const Stereo raw_excerpt = analysis_excerpt(t.mix, fs, options.excerpt_seconds, options.excerpt_count);
  MasteringPlan plan = plan_master(t.mix, t.reference, fs, options);
  const bool reread = !req.fixed && t.mix.frames() > static_cast<std::size_t>(kRereadSeconds * fs);
  const std::size_t frames = t.mix.frames();
  if (reread) t.mix = Stereo{};
  if (req.fixed) {
    use_fixed_settings(plan, req.fixed->params, req.fixed->input_gain_db);
  } else {
    const int budget = options.ito.max_steps;
    optimize_master(plan, fs, [&](const ItoProgress& p) { return progress(p.step, budget, p.loss), true; });
  }
  if (reread) {
    t.mix = load_audio(req.input_path, {.target_rate = fs}).audio;
    if (t.mix.frames() != frames) throw AudioError("'" + req.input_path + "' changed while it was being mastered");
  }
  MasteringResult r = finish_master(std::move(plan), std::move(t.mix), fs);
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
  // The mix at the master's rate (ITO on Θ renders over its buffer: no second copy), the
  // reference at ITO's rate, and the models' copies.
  std::vector<std::string> warnings;
  int source_channels = 2;
  Tracks t = read_tracks(req, model, warnings, source_channels);
  for (const std::string& w : warnings) std::fprintf(stderr, "itomaster: warning: %s\n", w.c_str());
  // A mono input gives a mono master (its chain has no imager: style_for); --stereo writes both channels.
  if (source_channels == 1 && !req.stereo) format.channels = 1;
  out.output_channels = format.channels;
  const double fs = t.fs;
  out.sample_rate = t.master_fs;
  out.timings.decode = since(started);

  // The reference's features, once: ITO's target (unless adjusted) and the AF losses'.
  const auto measure_start = Clock::now();
  const AfFeatures ref_features = compute_af_features(t.reference, fs);
  set_targets(req, t.reference, ref_features, fs, options, model_options);
  // What is measured of the input happens before mastering, which may take its buffer.
  out.af_before = af_loss(t.ito_mix(), ref_features, fs, nullptr, &out.terms_before);
  if (!req.report_path.empty()) {
    out.report.emplace();
    out.report->input = report_track(file_name(req.input_path), t.mix, t.master_fs);
    out.input_metrics = out.report->input.metrics;
  } else if (req.wants_metrics()) {
    out.input_metrics = measure_track(t.mix, t.master_fs);
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
    master_by_model(t, *model, stats, model_options, timed, out, output);
  else
    master_by_theta(req, t, options, timed, out, output);
  const double master_s = since(master_start);
  out.timings.prepare = ito_start ? std::chrono::duration<double>(*ito_start - master_start).count() : 0.0;
  out.timings.ito = ito_start ? std::chrono::duration<double>(*ito_end - *ito_start).count() : 0.0;
  out.timings.finish = master_s - out.timings.prepare - out.timings.ito;

  const auto write_start = Clock::now();
  out.clamped = write_master_atomic(req.output_path, output, t.master_fs, format, req.force, {req.input_path, req.reference_path});
  out.af_after = af_loss(t.master_fs == fs ? output : resample(output, t.master_fs, fs), ref_features, fs, nullptr,
                         &out.terms_after);
  out.timings.total = since(started);
  out.timings.write = since(write_start);

  // The reference's and the master's metrics, measured once for the report and the summary.
  if (out.report) {
    ReportInput& report = *out.report;
    report.reference = report_track(file_name(req.reference_path), t.reference, fs);
    report.master = report_track(file_name(req.output_path), output, t.master_fs);
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
    out.reference_metrics = measure_track(t.reference, fs);
    out.output_metrics = measure_track(output, t.master_fs);
  }
  return out;
}

}  // namespace ito

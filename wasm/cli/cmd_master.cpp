#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "analysis/af_loss.h"
#include "cli/args.h"
#include "cli/atomic_file.h"
#include "cli/audio_io.h"
#include "cli/commands.h"
#include "cli/master_args.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "master/mastering.h"
#include "master/mastering_report.h"
#include "master/model_mastering.h"
#include "master/settings_json.h"
#include "master/stage_effort.h"
#include "ito/feature_targets.h"
#include "cli/model_loader.h"

namespace ito {
namespace {

namespace fs = std::filesystem;

// Inputs longer than this are read a second time for the render instead of being held
// during ITO (the second read costs a few seconds; the memory saved is a copy of the track).
constexpr double kRereadSeconds = 20 * 60;

// What either mastering path (ITO on Θ, or a model with ITO on z) reports.
struct MasterRun {
  Stereo output;
  Params params_before{}, params{};
  bool has_params = false;  // black-box has no chain parameters
  double input_gain_db = 0, target_lufs = 0;
  FinalizeReport finalize{};
  int steps = 0;
  ItoStop stop = ItoStop::Budget;
  std::vector<double> loss_curve;
  double ito_initial = 0, ito_best = 0;
  MatchEq match_eq;
  ProcessorSwitches switches = kAllProcessorsOn;
  std::optional<StageEffort> effort;  // chain modes: how hard the nonlinear stages work
};

// --params-in: settings exported by the page or written by --params-out. Checked for size
// before reading, so a wrong path to a huge file fails at once.
ImportedSettings read_settings(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) > kMaxSettingsJsonBytes)
    throw SettingsJsonError("'" + path + "' is too large for a settings file (at most 1 MB)");
  try {
    ImportedSettings s = parse_settings_json(read_file(path));
    if (s.chain_input != "level_matched")
      throw SettingsJsonError("these parameters were found for a model's Fx-normalized input (chain_input " +
                              s.chain_input + "); --params-in renders them on the level-matched input");
    // The ranges the command line's own options have.
    if (s.target_lufs && !(*s.target_lufs >= -40 && *s.target_lufs <= 0))
      throw SettingsJsonError("targetLufs must be in -40..0");
    if (s.ceiling_dbtp && !(*s.ceiling_dbtp >= -20 && *s.ceiling_dbtp <= 0))
      throw SettingsJsonError("ceilingDbtp must be in -20..0");
    if (s.input_gain_db && !(std::fabs(*s.input_gain_db) <= 40))
      throw SettingsJsonError("the input gain must be in -40..40 dB");
    return s;
  } catch (const SettingsJsonError& e) {
    throw SettingsJsonError("'" + path + "': " + e.what());
  }
}

void write_effort(JsonWriter& w, const StageEffort& e) {
  auto gr = [&](const char* key, const GainReduction& g) {
    w.begin_object(key).field("mean_db", g.mean_db).field("p99_db", g.p99_db).field("release_ms", g.release_ms).end_object();
  };
  w.begin_object("stage_effort");
  // -120 dB stands for "off" (JSON has no -inf).
  w.field("saturator_residual_db", std::isfinite(e.saturator_residual_db) ? e.saturator_residual_db : -120.0);
  gr("limiter", e.limiter);
  gr("low_band_compressor", e.compressor[0]);
  gr("mid_band_compressor", e.compressor[1]);
  gr("high_band_compressor", e.compressor[2]);
  w.end_object();
}

// --format wav|flac (default: FLAC for a .flac name, else WAV) and --bit-depth 16|24|32f
// (default 24; 16 is dithered; FLAC holds 16 or 24).
OutputFormat output_format(const Args& args, const std::string& output_path) {
  OutputFormat f;
  const bool flac_name = output_path.size() >= 5 &&
                         std::equal(output_path.end() - 5, output_path.end(), ".flac", [](char a, char b) {
                           return std::tolower(static_cast<unsigned char>(a)) == b;
                         });
  const std::string container = args.has("format") ? args.get("format") : flac_name ? "flac" : "wav";
  if (container != "wav" && container != "flac") throw UsageError("--format must be wav or flac");
  f.container = container == "flac" ? Container::Flac : Container::Wav;
  if (args.has("bit-depth")) {
    const std::optional<SampleFormat> depth = parse_sample_format(args.get("bit-depth"));
    if (!depth) throw UsageError("--bit-depth must be 16, 24 or 32f");
    f.sample = *depth;
  }
  if (args.has("no-limiter")) {  // its peaks may exceed 0 dBFS: only float keeps them
    if (f.container == Container::Flac || (args.has("bit-depth") && f.sample != SampleFormat::Float32))
      throw UsageError("--no-limiter writes a 32-bit float WAV (its peaks may exceed 0 dBFS)");
    f.sample = SampleFormat::Float32;
  }
  if (f.container == Container::Flac && f.sample == SampleFormat::Float32)
    throw UsageError("--bit-depth 32f needs --format wav (FLAC holds 16 or 24 bits)");
  return f;
}

}  // namespace

const std::set<std::string> kMasterOptions = {
    "input", "reference", "output", "steps", "ceiling", "target-lufs", "optimizer", "lr", "excerpt", "params-out",
    "params-in", "model", "ito-steps", "theta-steps", "reference2", "blend", "crest-db", "width-scale", "tilt-db",
    "character", "match-eq", "amount-tone", "amount-dynamics", "amount-width", "amount-loudness", "bit-depth",
    "format", "report"};
const std::set<std::string> kMasterFlags = {"json", "force", "expert-ranges", "no-limiter", "stereo"};

MasterRequest parse_master_args(const Args& args) {
  MasterRequest req;
  req.input_path = args.require("input");
  req.reference_path = args.require("reference");
  req.output_path = args.require("output");
  req.force = args.has("force");
  req.out_format = output_format(args, req.output_path);
  const std::string &input_path = req.input_path, &reference_path = req.reference_path, &output_path = req.output_path;
  const std::vector<std::string> inputs = {input_path, reference_path};
  // Fail before the work, not after it.
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (std::filesystem::exists(output_path) && std::filesystem::equivalent(output_path, in, ec))
      throw AudioError("the output '" + output_path + "' is one of the inputs; refusing to overwrite it");
  }
  if (!req.force && std::filesystem::exists(output_path))
    throw AudioError("'" + output_path + "' already exists (use --force to replace it)");

  MasteringOptions& options = req.options;
  options.ito.max_steps = static_cast<int>(args.number("steps", 100));
  if (options.ito.max_steps < 0 || options.ito.max_steps > 100000) throw UsageError("--steps must be 0..100000");
  options.ceiling_dbtp = args.number("ceiling", -1.0);
  if (options.ceiling_dbtp > 0.0 || options.ceiling_dbtp < -20.0) throw UsageError("--ceiling must be in -20..0 dBTP");
  options.limit = !args.has("no-limiter");
  if (args.has("target-lufs")) {
    options.target_lufs = args.number("target-lufs", -14.0);
    if (*options.target_lufs > 0 || *options.target_lufs < -40) throw UsageError("--target-lufs must be in -40..0");
  }
  const std::string optimizer = args.get("optimizer", "adam");
  if (optimizer != "adam" && optimizer != "radam") throw UsageError("--optimizer is adam or radam");
  options.ito.optimizer.rectified = optimizer == "radam";
  options.ito.optimizer.lr = args.number("lr", options.ito.optimizer.lr);
  options.excerpt_seconds = args.number("excerpt", options.excerpt_seconds);
  options.style.character = args.number("character", 0.0);
  if (!(options.style.character >= 0.0 && options.style.character <= 1.0)) throw UsageError("--character must be in 0..1");
  options.style.expert_ranges = args.has("expert-ranges");
  options.match_eq_amount = args.number("match-eq", kDefaultMatchEqAmount);
  if (!(options.match_eq_amount >= 0.0 && options.match_eq_amount <= 1.5)) throw UsageError("--match-eq must be in 0..1.5");
  // How much of each aspect of the reference to take, in percent (ito/feature_targets.h).
  const std::pair<const char*, double*> amounts[] = {{"amount-tone", &options.amounts.tone},
                                                     {"amount-dynamics", &options.amounts.dynamics},
                                                     {"amount-width", &options.amounts.width},
                                                     {"amount-loudness", &options.amounts.loudness}};
  for (const auto& [flag, amount] : amounts) {
    *amount = args.number(flag, 100.0) / 100.0;
    if (!(*amount >= 0.0 && *amount <= kMaxMatchAmount))
      throw UsageError(std::string("--") + flag + " must be in 0..150 (percent)");
  }

  req.mode = args.get("model", "theta");
  const std::string& mode = req.mode;
  if (mode != "theta" && mode != "white-box" && mode != "black-box" && !fs::exists(mode))
    throw UsageError("--model is theta (ITO on the settings, Θ), white-box, black-box or a .itom file");
  req.use_model = mode != "theta";
  const bool use_model = req.use_model;
  // Fixed settings instead of ITO: read before the audio, so a bad file fails at once.
  std::optional<ImportedSettings>& fixed = req.fixed;
  if (args.has("params-in")) {
    if (use_model) throw UsageError("--params-in renders the given chain parameters; it takes no --model");
    fixed = read_settings(args.get("params-in"));
    // The command line's own --target-lufs and --ceiling win over the file's.
    if (fixed->target_lufs && !args.has("target-lufs")) options.target_lufs = fixed->target_lufs;
    if (fixed->ceiling_dbtp && !args.has("ceiling")) options.ceiling_dbtp = *fixed->ceiling_dbtp;
  }
  if (mode == "black-box" && args.has("params-out")) throw UsageError("--params-out needs chain parameters: black-box has none");
  ModelMasteringOptions& model_options = req.model_options;
  model_options.ito.max_steps = static_cast<int>(args.number("ito-steps", kDefaultItoZSteps));
  if (model_options.ito.max_steps < 0 || model_options.ito.max_steps > 10000) throw UsageError("--ito-steps must be 0..10000");
  model_options.theta_steps = static_cast<int>(args.number("theta-steps", kDefaultThetaSteps));
  if (model_options.theta_steps < 0 || model_options.theta_steps > 10000) throw UsageError("--theta-steps must be 0..10000");
  model_options.target_lufs = options.target_lufs;
  model_options.ceiling_dbtp = options.ceiling_dbtp;
  model_options.limit = options.limit;
  model_options.excerpt_seconds = options.excerpt_seconds;
  model_options.style = options.style;
  model_options.match_eq_amount = options.match_eq_amount;
  model_options.amounts = options.amounts;
  return req;
}

int run_master(const std::vector<std::string>& argv) {
  const Args args(argv, kMasterOptions, kMasterFlags);
  const auto start = std::chrono::steady_clock::now();
  MasterRequest req = parse_master_args(args);
  const std::string &input_path = req.input_path, &reference_path = req.reference_path, &output_path = req.output_path;
  const std::string& mode = req.mode;
  const bool force = req.force, use_model = req.use_model;
  OutputFormat& out_format = req.out_format;
  MasteringOptions& options = req.options;
  ModelMasteringOptions& model_options = req.model_options;
  const std::optional<ImportedSettings>& fixed = req.fixed;
  const std::vector<std::string> inputs = {input_path, reference_path};

  // Load the model first: a missing model file should not cost the decoding time.
  std::optional<models::Model> model;
  FxNormStats stats;
  if (use_model) {
    model = load_model(mode);
    stats = load_fxnorm_stats();
    if (model->converter->kind() == models::ConverterKind::BlackBox) {
      if (args.has("theta-steps")) throw UsageError("--theta-steps needs chain parameters: black-box has none");
      model_options.theta_steps = 0;
      if (!args.has("ito-steps")) model_options.ito.max_steps = kDefaultBlackBoxItoSteps;
    }
  }
  LoadedAudio input = load_audio(input_path);  // ITO on Θ renders over its buffer (no second copy)
  // A mono input gives a mono master (its chain has no imager: style_for); --stereo writes both channels.
  if (input.source_channels == 1 && !args.has("stereo")) out_format.channels = 1;
  const LoadedAudio reference = load_audio(reference_path);
  for (const LoadedAudio* a : {static_cast<const LoadedAudio*>(&input), &reference})
    for (const std::string& w : a->warnings) std::fprintf(stderr, "itomaster: warning: %s\n", w.c_str());
  const double fs = input.sample_rate;

  // Phase times for --json: the ITO callbacks mark where the optimization starts and ends.
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  const double decode_s = since(start);
  const auto measure_start = Clock::now();
  // The reference's features, once: ITO's target (unless adjusted below) and the report's.
  const AfFeatures ref_features = compute_af_features(reference.audio, fs);
  options.target_features = model_options.target_features = ref_features;

  // Other ITO targets: a blend with a second reference, and adjustments of the features.
  FeatureAdjustments adjust;
  adjust.crest_db = args.number("crest-db", 0.0);
  adjust.width_scale = args.number("width-scale", 1.0);
  adjust.tilt_db = args.number("tilt-db", 0.0);
  if (std::fabs(adjust.crest_db) > 20 || adjust.width_scale < 0 || adjust.width_scale > 4 || std::fabs(adjust.tilt_db) > 24)
    throw UsageError("need --crest-db in -20..20, --width-scale in 0..4, --tilt-db in -24..24");
  const bool adjusted = args.has("crest-db") || args.has("width-scale") || args.has("tilt-db");
  if (args.has("reference2") || adjusted) {
    AfFeatures target = ref_features;
    BandLevels balance = third_octave_levels(reference.audio, fs);  // the Match EQ's target likewise
    if (args.has("reference2")) {
      const double amount = args.number("blend", 0.5);
      if (!(amount >= 0 && amount <= 1)) throw UsageError("--blend must be in 0..1");
      const Stereo second = load_audio(args.get("reference2")).audio;
      target = blend_features(target, compute_af_features(second, fs), amount);
      balance = blend_balance(balance, third_octave_levels(second, fs), amount);
    }
    options.target_features = model_options.target_features = adjust_features(target, adjust);
    options.target_balance = model_options.target_balance = adjust_balance(balance, adjust);
  }

  // What is measured of the input happens before mastering, which may take its buffer.
  AfLossTerms terms_before, terms_after;
  const double af_before = af_loss(input.audio, ref_features, fs, nullptr, &terms_before);
  const bool report_metrics = args.has("params-out") || args.has("json");
  std::optional<TrackMetrics> input_metrics;
  std::optional<ReportTrack> input_report;  // --report: measured before mastering takes the buffer
  if (args.has("report")) {
    input_report = report_track(std::filesystem::path(input_path).filename().string(), input.audio, fs);
    input_metrics = input_report->metrics;
  } else if (report_metrics) {
    input_metrics = measure_track(input.audio, fs);
  }
  const double measure_s = since(measure_start);

  MasterRun result;
  ProgressBar bar("ITO", use_model ? model_options.ito.max_steps + model_options.theta_steps
                                   : fixed ? 0 : options.ito.max_steps);
  const auto master_start = Clock::now();
  std::optional<Clock::time_point> ito_start, ito_end;
  auto show = [&](int step, double loss) {
    if (!ito_start) ito_start = Clock::now();
    ito_end = Clock::now();
    char info[64];
    std::snprintf(info, sizeof info, "AF loss %.4f", loss);
    bar.update(step, info);
    return true;
  };
  if (use_model) {
    int z_evaluations = 0;
    ModelMasteringResult r = master_with_model(
        input.audio, reference.audio, fs, *model, stats, model_options,
        [&](const ItoZProgress& p) { return z_evaluations = p.step, show(p.step, p.loss); },
        [&](const ItoProgress& p) { return show(z_evaluations + p.step, p.loss); });
    const CombinedIto c = combined_ito(r.ito, r.theta);
    const bool white = model->converter->kind() == models::ConverterKind::WhiteBox;
    result = {std::move(r.output), r.ito.initial_params, r.params_after, white, 0.0, r.target_lufs, r.finalize, c.steps, c.stop,
              c.loss_curve, r.ito.initial_loss, c.best_loss, r.match_eq, r.switches, std::nullopt};
    if (white)
      result.effort = measure_stage_effort(chain_excerpt(r.normalized_input, {r.params_after, r.switches, r.match_eq, 0.0},
                                                         fs, model_options.excerpt_seconds, model_options.excerpt_count),
                                           r.params_after, r.switches, fs);
  } else {
    // The stage-effort measurement's excerpt, taken before the master renders over the input.
    const Stereo raw_excerpt = analysis_excerpt(input.audio, fs, options.excerpt_seconds, options.excerpt_count);
    MasteringPlan plan = plan_master(input.audio, reference.audio, fs, options);
    // A long track is let go while ITO runs (it works on the excerpt) and read again for the
    // render: two passes over the file instead of holding it beside ITO's working memory.
    const bool reread = !fixed && input.audio.frames() > static_cast<std::size_t>(kRereadSeconds * fs);
    const std::size_t frames = input.audio.frames();
    if (reread) input.audio = Stereo{};
    if (fixed) {
      // The plan's level match and Match EQ, the given parameters (and gain) instead of ITO's.
      plan.result.params = plan.result.ito.initial = plan.result.ito.best = fixed->params;
      if (fixed->input_gain_db) plan.result.input_gain_db = *fixed->input_gain_db;
    } else {
      optimize_master(plan, fs, [&](const ItoProgress& p) { return show(p.step, p.loss); });
    }
    if (reread) {
      input.audio = load_audio(input_path).audio;
      if (input.audio.frames() != frames) throw AudioError("'" + input_path + "' changed while it was being mastered");
    }
    MasteringResult r = finish_master(std::move(plan), std::move(input.audio), fs);
    result = {std::move(r.output), r.ito.initial, r.params, true, r.input_gain_db, r.target_lufs, r.finalize,
              r.ito.steps, r.ito.stop, r.ito.loss_curve, r.ito.initial_loss, r.ito.best_loss, r.match_eq, r.switches,
              std::nullopt};
    result.effort = measure_stage_effort(
        chain_excerpt(raw_excerpt, r.settings(), fs, options.excerpt_seconds, options.excerpt_count), r.params,
        r.switches, fs);
  }
  bar.finish();
  const double master_s = since(master_start);
  const double prepare_s = ito_start ? std::chrono::duration<double>(*ito_start - master_start).count() : 0.0;
  const double ito_s = ito_start ? std::chrono::duration<double>(*ito_end - *ito_start).count() : 0.0;
  const auto write_start = Clock::now();

  const std::size_t clamped = write_master_atomic(output_path, result.output, fs, out_format, force, inputs);
  if (clamped) std::fprintf(stderr, "itomaster: warning: %zu samples were clamped\n", clamped);

  const double af_after = af_loss(result.output, ref_features, fs, nullptr, &terms_after);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double write_report_s = since(write_start);

  // The reference's and the master's metrics, measured once for the report and the summary.
  std::optional<TrackMetrics> reference_metrics, output_metrics;
  if (input_report) {
    ReportInput report;
    report.input = std::move(*input_report);
    report.reference = report_track(std::filesystem::path(reference_path).filename().string(), reference.audio, fs);
    report.master = report_track(std::filesystem::path(output_path).filename().string(), result.output, fs);
    report.method = fixed        ? "the given settings (--params-in), without ITO"
                    : !use_model ? method_label("theta")
                                 : method_label(result.has_params ? "white-box" : "black-box");
    report.steps = result.steps;
    report.stop = stop_name(result.stop);
    report.target_lufs = result.target_lufs;
    report.ceiling_dbtp = options.ceiling_dbtp;
    if (result.has_params) report.before = result.params_before, report.after = result.params;
    report.loss_curve = result.loss_curve;
    write_file_atomic(args.get("report"), mastering_report_html(report), force);
    reference_metrics = report.reference.metrics;
    output_metrics = report.master.metrics;
  }
  if (report_metrics) {
    const TrackMetrics& mi = *input_metrics;
    const TrackMetrics mr = reference_metrics ? *reference_metrics : measure_track(reference.audio, fs);
    const TrackMetrics mo = output_metrics ? *output_metrics : measure_track(result.output, fs);
    JsonWriter w(2);
    w.begin_object().field("input_file", input_path).field("reference_file", reference_path)
        .field("output_file", output_path);
    write_metrics(w, "input", mi);
    write_metrics(w, "reference", mr);
    write_metrics(w, "output", mo);
    w.field("mode", mode).field("output_channels", out_format.channels);
    w.begin_object("af_loss").field("input", af_before).field("output", af_after)
        .field("ito_initial", result.ito_initial).field("ito_best", result.ito_best).end_object();
    write_af_terms(w, "af_terms_input", terms_before);
    write_af_terms(w, "af_terms_output", terms_after);
    w.field("input_gain_db", result.input_gain_db).field("target_lufs", result.target_lufs)
        .field("limiter_gain_reduction_db", result.finalize.max_gain_reduction_db)
        .field("steps", result.steps).field("stop", stop_name(result.stop))
        .field("seconds", seconds);
    // decode: load and resample both files (and models); measure_input: the reference's
    // features and ITO's target, the input's AF loss and metrics (before mastering takes its
    // buffer); prepare: level match, Match EQ,
    // excerpts, target features (and Fx-normalization, Φ); ito: the optimization; finish: the
    // full-length render and the final stage (and stage effort); write: the WAV and the AF losses.
    w.begin_object("timings_s").field("decode", decode_s).field("measure_input", measure_s).field("prepare", prepare_s).field("ito", ito_s)
        .field("finish", master_s - prepare_s - ito_s).field("write", write_report_s).end_object();
    w.key("loss_curve").values(result.loss_curve);
    if (result.has_params) {
      w.field("saturator_on", result.switches[static_cast<int>(Processor::Distortion)]);
      w.field("imager_on", result.switches[static_cast<int>(Processor::Imager)]);
      w.begin_object("match_eq").field("amount", result.match_eq.amount);
      w.key("mid_db").values(std::vector<double>(result.match_eq.mid_db.begin(), result.match_eq.mid_db.end()));
      w.key("side_db").values(std::vector<double>(result.match_eq.side_db.begin(), result.match_eq.side_db.end()));
      w.key("centres_hz").values(std::vector<double>(kThirdOctaveCentres.begin(), kThirdOctaveCentres.end()));
      w.end_object();
      if (result.effort) write_effort(w, *result.effort);
      write_params(w, "params_before_ito", result.params_before);
      write_params(w, "params", result.params);
      w.begin_array("largest_changes");
      for (int i : largest_changes(result.params_before, result.params, 5)) w.value(param_table()[i].id);
      w.end_array();
    }
    w.end_object();
    if (args.has("json")) std::printf("%s\n", w.str().c_str());
    if (args.has("params-out")) {
      JsonWriter pw(2);
      // With a model the chain processes the Fx-normalized input, not the level-matched one.
      pw.begin_object().field("input_gain_db", result.input_gain_db)
          .field("chain_input", use_model ? "fx_normalized" : "level_matched");
      write_params(pw, "params", result.params);
      pw.end_object();
      write_file_atomic(args.get("params-out"), pw.str() + "\n", force);
    }
  } else {
    std::fprintf(stderr, "itomaster: wrote %s (%.2f LUFS, %.2f dBTP); AF loss %.4f -> %.4f in %d steps, %.1f s\n",
                 output_path.c_str(), result.finalize.output_lufs, result.finalize.output_true_peak_dbtp,
                 af_before, af_after, result.steps, seconds);
    if (result.has_params && result.steps > 0) {
      std::fprintf(stderr, "itomaster: largest changes by ITO:\n");
      for (int i : largest_changes(result.params_before, result.params, 5))
        std::fprintf(stderr, "  %-40s -> %s\n", format_param(i, result.params_before[i]).c_str(),
                     format_param(i, result.params[i]).c_str());
    }
  }
  return 0;
}

}  // namespace ito

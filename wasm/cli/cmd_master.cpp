#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "analysis/af_loss.h"
#include "cli/args.h"
#include "cli/atomic_file.h"
#include "cli/audio_io.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "master/mastering.h"

namespace ito {
namespace {

const char* stop_name(ItoStop s) {
  switch (s) {
    case ItoStop::EarlyStop: return "early_stop";
    case ItoStop::Callback: return "stopped";
    case ItoStop::Budget: default: return "budget";
  }
}

}  // namespace

int run_master(const std::vector<std::string>& argv) {
  const Args args(argv,
                  {"input", "reference", "output", "steps", "ceiling", "target-lufs", "optimizer", "lr",
                   "excerpt", "params-out"},
                  {"json", "force"});
  const auto start = std::chrono::steady_clock::now();
  const std::string input_path = args.require("input"), reference_path = args.require("reference"),
                    output_path = args.require("output");
  const bool force = args.has("force");
  const std::vector<std::string> inputs = {input_path, reference_path};
  // Fail before the work, not after it.
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (std::filesystem::exists(output_path) && std::filesystem::equivalent(output_path, in, ec))
      throw AudioError("the output '" + output_path + "' is one of the inputs; refusing to overwrite it");
  }
  if (!force && std::filesystem::exists(output_path))
    throw AudioError("'" + output_path + "' already exists (use --force to replace it)");

  MasteringOptions options;
  options.ito.max_steps = static_cast<int>(args.number("steps", 100));
  if (options.ito.max_steps < 0 || options.ito.max_steps > 100000) throw UsageError("--steps must be 0..100000");
  options.ceiling_dbtp = args.number("ceiling", -1.0);
  if (options.ceiling_dbtp > 0.0 || options.ceiling_dbtp < -20.0) throw UsageError("--ceiling must be in -20..0 dBTP");
  if (args.has("target-lufs")) {
    options.target_lufs = args.number("target-lufs", -14.0);
    if (*options.target_lufs > 0 || *options.target_lufs < -40) throw UsageError("--target-lufs must be in -40..0");
  }
  const std::string optimizer = args.get("optimizer", "adam");
  if (optimizer != "adam" && optimizer != "radam") throw UsageError("--optimizer is adam or radam");
  options.ito.optimizer.rectified = optimizer == "radam";
  options.ito.optimizer.lr = args.number("lr", options.ito.optimizer.lr);
  options.excerpt_seconds = args.number("excerpt", options.excerpt_seconds);

  const LoadedAudio input = load_audio(input_path);
  const LoadedAudio reference = load_audio(reference_path);
  for (const auto* a : {&input, &reference})
    for (const std::string& w : a->warnings) std::fprintf(stderr, "itomaster: warning: %s\n", w.c_str());
  const double fs = input.sample_rate;

  ProgressBar bar("ITO", options.ito.max_steps);
  const auto callback = [&](const ItoProgress& p) {
    char info[64];
    std::snprintf(info, sizeof info, "AF loss %.4f", p.loss);
    bar.update(p.step, info);
    return true;
  };
  const MasteringResult result = master_with_reference(input.audio, reference.audio, fs, options, callback);
  bar.finish();

  const std::size_t clamped = write_wav24_atomic(output_path, result.output, fs, force, inputs);
  if (clamped) std::fprintf(stderr, "itomaster: warning: %zu samples were clamped\n", clamped);

  const AfFeatures ref_features = compute_af_features(reference.audio, fs);
  AfLossTerms terms_before, terms_after;
  const double af_before = af_loss(input.audio, ref_features, fs, nullptr, &terms_before);
  const double af_after = af_loss(result.output, ref_features, fs, nullptr, &terms_after);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (args.has("params-out") || args.has("json")) {
    const TrackMetrics mi = measure_track(input.audio, fs), mr = measure_track(reference.audio, fs),
                       mo = measure_track(result.output, fs);
    JsonWriter w(2);
    w.begin_object().field("input_file", input_path).field("reference_file", reference_path)
        .field("output_file", output_path);
    write_metrics(w, "input", mi);
    write_metrics(w, "reference", mr);
    write_metrics(w, "output", mo);
    w.begin_object("af_loss").field("input", af_before).field("output", af_after)
        .field("ito_initial", result.ito.initial_loss).field("ito_best", result.ito.best_loss).end_object();
    write_af_terms(w, "af_terms_input", terms_before);
    write_af_terms(w, "af_terms_output", terms_after);
    w.field("input_gain_db", result.input_gain_db).field("target_lufs", result.target_lufs)
        .field("limiter_gain_reduction_db", result.finalize.max_gain_reduction_db)
        .field("steps", result.ito.steps).field("stop", stop_name(result.ito.stop))
        .field("seconds", seconds);
    w.key("loss_curve").values(result.ito.loss_curve);
    write_params(w, "params", result.params);
    w.begin_array("largest_changes");
    for (int i : largest_changes(result.ito.initial, result.params, 5)) w.value(param_table()[i].id);
    w.end_array().end_object();
    if (args.has("json")) std::printf("%s\n", w.str().c_str());
    if (args.has("params-out")) {
      JsonWriter pw(2);
      pw.begin_object().field("input_gain_db", result.input_gain_db);
      write_params(pw, "params", result.params);
      pw.end_object();
      write_file_atomic(args.get("params-out"), pw.str() + "\n", force);
    }
  } else {
    std::fprintf(stderr, "itomaster: wrote %s (%.2f LUFS, %.2f dBTP); AF loss %.4f -> %.4f in %d steps, %.1f s\n",
                 output_path.c_str(), result.finalize.output_lufs, result.finalize.output_true_peak_dbtp,
                 af_before, af_after, result.ito.steps, seconds);
  }
  return 0;
}

}  // namespace ito

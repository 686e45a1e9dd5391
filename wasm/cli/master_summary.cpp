// `itomaster master`'s summaries (cli/master_summary.h).
#include "cli/master_summary.h"

#include <cmath>
#include <cstdio>

#include "cli/atomic_file.h"
#include "core/json_writer.h"
#include "cli/report.h"
#include "dsp/params.h"
#include "ito/ito_theta.h"

namespace ito {
namespace {

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

void write_chain(JsonWriter& w, const MasterOutcome& out) {
  w.field("saturator_on", out.switches[static_cast<int>(Processor::Distortion)]);
  w.field("imager_on", out.switches[static_cast<int>(Processor::Imager)]);
  w.begin_object("match_eq").field("amount", out.match_eq.amount);
  w.key("mid_db").values(std::vector<double>(out.match_eq.mid_db.begin(), out.match_eq.mid_db.end()));
  w.key("side_db").values(std::vector<double>(out.match_eq.side_db.begin(), out.match_eq.side_db.end()));
  w.key("centres_hz").values(std::vector<double>(kThirdOctaveCentres.begin(), kThirdOctaveCentres.end()));
  w.end_object();
  if (out.effort) write_effort(w, *out.effort);
  write_params(w, "params_before_ito", out.params_before);
  write_params(w, "params", out.params);
  w.begin_array("largest_changes");
  for (int i : largest_changes(out.params_before, out.params, 5)) w.value(param_table()[i].id);
  w.end_array();
}

}  // namespace

std::string master_summary_json(const MasterRequest& req, const MasterOutcome& out) {
  if (!out.input_metrics || !out.reference_metrics || !out.output_metrics)
    throw std::logic_error("master_summary_json: the outcome was run without metrics");
  const MasterTimings& t = out.timings;
  JsonWriter w(2);
  w.begin_object().field("input_file", req.input_path).field("reference_file", req.reference_path)
      .field("output_file", req.output_path);
  write_metrics(w, "input", *out.input_metrics);
  write_metrics(w, "reference", *out.reference_metrics);
  write_metrics(w, "output", *out.output_metrics);
  w.field("mode", req.mode).field("output_channels", out.output_channels);
  w.begin_object("af_loss").field("input", out.af_before).field("output", out.af_after)
      .field("ito_initial", out.ito_initial).field("ito_best", out.ito_best).end_object();
  write_af_terms(w, "af_terms_input", out.terms_before);
  write_af_terms(w, "af_terms_output", out.terms_after);
  w.field("input_gain_db", out.input_gain_db).field("target_lufs", out.target_lufs)
      .field("limiter_gain_reduction_db", out.finalize.max_gain_reduction_db)
      .field("steps", out.steps).field("stop", stop_name(out.stop))
      .field("seconds", t.total);
  w.begin_object("timings_s").field("decode", t.decode).field("measure_input", t.measure_input)
      .field("prepare", t.prepare).field("ito", t.ito).field("finish", t.finish).field("write", t.write).end_object();
  w.key("loss_curve").values(out.loss_curve);
  if (out.has_params) write_chain(w, out);
  w.end_object();
  return w.str();
}

std::string master_params_json(const MasterRequest& req, const MasterOutcome& out) {
  JsonWriter w(2);
  // With a model the chain processes the Fx-normalized input, not the level-matched one.
  w.begin_object().field("input_gain_db", out.input_gain_db)
      .field("chain_input", req.use_model ? "fx_normalized" : "level_matched");
  write_params(w, "params", out.params);
  w.end_object();
  return w.str() + "\n";
}

std::string master_summary_text(const MasterRequest& req, const MasterOutcome& out) {
  char line[512];
  std::snprintf(line, sizeof line, "itomaster: wrote %s (%.2f LUFS, %.2f dBTP); AF loss %.4f -> %.4f in %d steps, %.1f s\n",
                req.output_path.c_str(), out.finalize.output_lufs, out.finalize.output_true_peak_dbtp, out.af_before,
                out.af_after, out.steps, out.timings.total);
  std::string text = line;
  if (out.has_params && out.steps > 0) {
    text += "itomaster: largest changes by ITO:\n";
    for (int i : largest_changes(out.params_before, out.params, 5)) {
      std::snprintf(line, sizeof line, "  %-40s -> %s\n", format_param(i, out.params_before[i]).c_str(),
                    format_param(i, out.params[i]).c_str());
      text += line;
    }
  }
  return text;
}

void write_master_summaries(const MasterRequest& req, const MasterOutcome& out) {
  if (out.clamped) std::fprintf(stderr, "itomaster: warning: %zu samples were clamped\n", out.clamped);
  if (out.report) write_file_atomic(req.report_path, mastering_report_html(*out.report), req.force);
  if (!req.params_out_path.empty()) write_file_atomic(req.params_out_path, master_params_json(req, out), req.force);
  if (req.json)
    std::printf("%s\n", master_summary_json(req, out).c_str());
  else
    std::fprintf(stderr, "%s", master_summary_text(req, out).c_str());
}

}  // namespace ito

// The page's "Export report": the mastering report (master/mastering_report.h) from what the
// page already holds (each track's analysis, the master's summary), so nothing is measured twice.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>

#include "app/js_convert.h"
#include "master/mastering_report.h"

namespace ito {
namespace {

using emscripten::val;
using js::number_or;

// {name, metrics: {lufs, lra, truePeakDbtp, crestDb, width, drv}, spectrum, shortTermLufs}
ReportTrack track_from(const val& t) {
  ReportTrack r;
  r.name = t["name"].isString() ? t["name"].as<std::string>() : "";
  const val m = t["metrics"];
  r.metrics = {number_or(m, "lufs", 0.0),    number_or(m, "lra", 0.0),   number_or(m, "truePeakDbtp", 0.0),
               number_or(m, "crestDb", 0.0), number_or(m, "width", 0.0), number_or(m, "drv", 0.0)};
  r.spectrum_db = js::floats(t["spectrum"]);
  for (float v : js::floats(t["shortTermLufs"])) r.short_term_lufs.push_back(v);
  return r;
}

std::optional<Params> params_from(const val& v) {
  if (v.isNull() || v.isUndefined()) return std::nullopt;
  return js::to_params(v);
}

// info: {input, reference, master (tracks as above), mode (the page's method), preview (a
// black-box preview), edited (settings changed by hand since), steps, stop, targetLufs,
// ceilingDbtp, before, after (46 normalized parameters or null), lossCurve} -> the HTML, or {error}.
val report_html(val info) {
  return js::guarded([&]() -> val {
    ReportInput r;
    r.input = track_from(info["input"]);
    r.reference = track_from(info["reference"]);
    r.master = track_from(info["master"]);
    r.short_term_hop_s = 0.5;  // the page's analysis (engine_api.cpp)
    r.method = method_label(info["mode"].isString() ? info["mode"].as<std::string>() : "");
    if (info["preview"].isTrue()) r.method += " (a preview of the loudest section)";
    if (info["edited"].isTrue()) r.method += ", then edited by hand";
    r.steps = static_cast<int>(number_or(info, "steps", 0.0));
    r.stop = info["stop"].isString() ? info["stop"].as<std::string>() : "";
    r.target_lufs = number_or(info, "targetLufs", 0.0);
    r.ceiling_dbtp = number_or(info, "ceilingDbtp", -1.0);
    r.before = params_from(info["before"]);
    r.after = params_from(info["after"]);
    if (js::has_value(info, "lossCurve"))
      r.loss_curve = emscripten::convertJSArrayToNumberVector<double>(info["lossCurve"]);
    return val(mastering_report_html(r));
  });
}

}  // namespace
}  // namespace ito

EMSCRIPTEN_BINDINGS(ito_report_api) { emscripten::function("reportHtml", &ito::report_html); }

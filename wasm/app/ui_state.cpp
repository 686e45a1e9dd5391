#include "app/ui_state.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/json_reader.h"
#include "ito/ito_theta.h"

namespace ito::ui {

const char* track_name(TrackKind k) {
  switch (k) {
    case TrackKind::Input: return "input";
    case TrackKind::Reference: return "reference";
    case TrackKind::Output: return "output";
  }
  return "input";
}

const char* track_title(TrackKind k) {
  switch (k) {
    case TrackKind::Input: return "Input";
    case TrackKind::Reference: return "Reference";
    case TrackKind::Output: return "Output";
  }
  return "Input";
}

TrackMetrics parse_metrics(const std::string& json_text) {
  TrackMetrics m;
  json::Value doc;
  try {
    doc = json::parse(json_text, {.max_bytes = 16 << 20, .max_depth = 4});
  } catch (const json::ParseError&) {
    return m;  // the page's JSON.stringify does not fail; if it ever did, show nothing
  }
  // Each key at the top or in a "metrics" object; a missing key or null stays NaN.
  const json::Value* nested = doc.find("metrics");
  auto find = [&](const char* key) -> const json::Value* {
    const json::Value* v = doc.find(key);
    if (!v && nested) v = nested->find(key);
    return v;
  };
  auto number = [&](const char* key, double& out) {
    if (const json::Value* v = find(key); v && v->kind == json::Value::Kind::Number) out = v->number;
  };
  number("lufs", m.lufs);
  number("lra", m.lra);
  number("truePeakDbtp", m.true_peak_dbtp);
  number("crestDb", m.crest_db);
  number("width", m.width);
  number("drv", m.drv);
  if (const json::Value* a = find("shortTermLufs"); a && a->kind == json::Value::Kind::Array)
    for (const json::Value& v : a->items)
      m.short_term_lufs.push_back(v.kind == json::Value::Kind::Number ? static_cast<float>(v.number) : NAN);
  return m;
}

bool is_default(const TargetAdjust& t) {
  for (float v : t.tone_db)
    if (v != 0.0f) return false;
  return t.blend == 0.0f && t.crest_db == 0.0f && t.width_scale == 1.0f && t.tilt_db == 0.0f && !t.relative_to_master;
}

double target_lufs(const Settings& s) {
  switch (s.target) {
    case TargetMode::MatchReference: return NAN;
    case TargetMode::Streaming14: return -14.0;
    case TargetMode::Loud9: return -9.0;
    case TargetMode::Custom: return s.custom_lufs;
  }
  return NAN;
}

UiState& ui_state() {
  static UiState state;
  return state;
}

void set_track(UiState& s, TrackKind k, const float* wave_min, const float* wave_max, int bins,
               const float* spectrum_db, int bands, const std::string& metrics_json, double seconds) {
  TrackView& t = s.track(k);
  t.loaded = true;
  bins = std::max(bins, 0);
  bands = std::max(bands, 0);
  t.wave_min.assign(wave_min, wave_min + (wave_min ? bins : 0));
  t.wave_max.assign(wave_max, wave_max + (wave_max ? bins : 0));
  if (t.wave_min.size() != t.wave_max.size()) t.wave_min.clear(), t.wave_max.clear();
  t.spectrum_db.assign(spectrum_db, spectrum_db + (spectrum_db ? bands : 0));
  t.metrics = parse_metrics(metrics_json);
  t.seconds = std::isfinite(seconds) && seconds > 0 ? seconds : 0;
}

void clear_track(UiState& s, TrackKind k) { s.track(k) = TrackView{}; }

void set_params(UiState& s, const double* current, const double* initial) {
  ParamsView& p = s.params;
  ito::Params cur{}, init{};
  for (int i = 0; i < ito::kNumParams; ++i) {
    cur[i] = std::clamp(current[i], 0.0, 1.0);
    init[i] = std::clamp(initial[i], 0.0, 1.0);
  }
  // A push after a master run (or with a new starting point) carries a fresh ITO result;
  // other pushes echo the user's edits and must not overwrite it.
  const bool new_result = !p.has || s.run_seen_since_params || init != p.initial;
  p.has = true;
  p.current = cur;
  p.initial = init;
  if (new_result) {
    p.ito_result = cur;
    p.changed_by_ito.fill(false);
    for (int i : ito::largest_changes(p.ito_result, p.initial, 5))
      p.changed_by_ito[i] = std::fabs(p.ito_result[i] - p.initial[i]) >= 1e-6;  // unchanged: no tag
  }
  s.run_seen_since_params = false;
}

void set_progress(UiState& s, int step, int max_steps, double loss, double best_loss, bool running) {
  ProgressView& p = s.progress;
  // A running report after an idle state, or a step count that goes back, starts a new run.
  if (running && (!p.running || step < p.step)) {
    p.loss_curve.clear();
    p.best_curve.clear();
    p.curve_steps.clear();
    p.last_curve_step = -1;
    s.run_seen_since_params = true;
  }
  if (step > p.last_curve_step && std::isfinite(loss)) {
    p.loss_curve.push_back(static_cast<float>(loss));
    p.best_curve.push_back(static_cast<float>(std::isfinite(best_loss) ? best_loss : loss));
    p.curve_steps.push_back(step);
    p.last_curve_step = step;
  }
  p.step = step;
  p.max_steps = max_steps;
  p.loss = loss;
  p.best_loss = best_loss;
  p.running = running;
}

std::string format_time(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long tenths = static_cast<long>(seconds * 10.0 + 0.5);
  const long h = tenths / 36000, m = (tenths / 600) % 60, sec = (tenths / 10) % 60, t = tenths % 10;
  char buf[32];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld.%ld", h, m, sec, t);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld.%ld", m, sec, t);
  return buf;
}

std::string format_param_value(int index, double normalized) {
  const std::string full = ito::format_param(index, normalized);
  const size_t colon = full.rfind(": ");
  return colon == std::string::npos ? full : full.substr(colon + 2);
}

}  // namespace ito::ui

#include "app/ui_actions.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>
#include <utility>

#include "core/json_writer.h"

namespace ito::ui {
namespace {

ActionSink& sink() {
  static ActionSink s;
  return s;
}

// One compact JSON object; fill(w) writes its fields.
template <class Fill>
std::string json_object(Fill fill) {
  JsonWriter w;
  w.begin_object();
  fill(w);
  w.end_object();
  return w.str();
}

// The ITO-on-z budget of the method chosen (each model keeps its own).
int model_ito_steps(const Settings& s) {
  return s.mode == MasterMode::BlackBoxPreview ? s.bb_ito_steps : s.ito_steps;
}

const char* mode_name(MasterMode m) {
  switch (m) {
    case MasterMode::Theta: return "theta";
    case MasterMode::BlackBoxPreview: return "black-box";
    case MasterMode::WhiteBoxModel: break;
  }
  return "white-box";
}

// What master options and settings share: the method, its step budgets and the render's
// targetLufs (null: the reference's), ceiling, Match EQ and style.
void write_method_and_render(JsonWriter& w, const Settings& s) {
  w.field("mode", mode_name(s.mode)).field("steps", s.steps).field("itoSteps", model_ito_steps(s))
      .field("thetaSteps", s.theta_steps);
  const double target = target_lufs(s);
  if (std::isfinite(target))
    w.field("targetLufs", target);
  else
    w.key("targetLufs").null();
  w.field("ceilingDbtp", s.ceiling_dbtp).field("matchEqAmount", s.match_eq).field("character", s.character)
      .field("expertRanges", s.expert_ranges);
  if (s.master_rate > 0) w.field("masterRate", s.master_rate);  // absent: the mix's own
}

void write_target(JsonWriter& w, const TargetAdjust& t) {
  w.begin_object("target").field("blend", t.blend).field("crestDb", t.crest_db).field("widthScale", t.width_scale)
      .field("tiltDb", t.tilt_db);
  w.key("toneDb").values(std::vector<double>(std::begin(t.tone_db), std::end(t.tone_db)));
  w.field("relativeToMaster", t.relative_to_master).end_object();
}

}  // namespace

void set_action_sink(ActionSink s) { sink() = std::move(s); }

void emit(const char* name, const std::string& json) {
  if (sink()) sink()(name, json);
}

void emit_field(const char* name, const char* key, const std::string& value) {
  emit(name, json_object([&](JsonWriter& w) { w.field(key, value); }));
}

void emit_open_file(TrackKind kind) { emit_field("open_file", "kind", track_name(kind)); }

void emit_open_second_reference() { emit_field("open_file", "kind", "reference2"); }

void emit_master(const Settings& s, bool refine) {
  emit("master", json_object([&](JsonWriter& w) {
    w.begin_object("options");
    write_method_and_render(w, s);
    if (!is_default(s.adjust)) write_target(w, s.adjust);
    if (s.amounts != Settings{}.amounts) {
      w.begin_object("amounts");
      const char* const names[4] = {"tone", "dynamics", "width", "loudness"};
      for (int i = 0; i < 4; ++i) w.field(names[i], s.amounts[i] / 100.0);
      w.end_object();
    }
    if (refine) w.field("refine", true);
    w.end_object();
  }));
}

void emit_param(int index, double normalized) {
  emit("param", json_object([&](JsonWriter& w) { w.field("index", index).field("value", std::clamp(normalized, 0.0, 1.0)); }));
}

void emit_reset_params(const ito::Params& values) {
  emit("reset_params", json_object([&](JsonWriter& w) {
    w.key("values").values(std::vector<double>(values.begin(), values.end()));
  }));
}

void emit_seek(double t) { emit("seek", json_object([&](JsonWriter& w) { w.field("t", std::max(t, 0.0)); })); }

void emit_select(TrackKind which) { emit_field("select", "which", track_name(which)); }

void emit_match_eq(double amount) {
  emit("match_eq", json_object([&](JsonWriter& w) { w.field("amount", std::clamp(amount, 0.0, 1.5)); }));
}

void emit_match_loudness(bool on) { emit("match_loudness", json_object([&](JsonWriter& w) { w.field("on", on); })); }

void emit_loop(const Settings& s, double duration_s) {
  emit("loop", json_object([&](JsonWriter& w) {
    w.field("enabled", s.loop);
    if (!s.loop)
      w.key("start").null().key("end").null();
    else if (s.loop_end > s.loop_start)
      w.field("start", s.loop_start).field("end", s.loop_end);
    else  // no region: loop the whole track
      w.field("start", 0.0).field("end", std::max(duration_s, 0.0));
  }));
}

void emit_album_master(bool same_settings) {
  emit("album_master", json_object([&](JsonWriter& w) {
    if (same_settings) w.field("sameSettings", true);
  }));
}

void emit_settings(const Settings& s) {
  emit("settings", json_object([&](JsonWriter& w) { write_method_and_render(w, s); }));
}

}  // namespace ito::ui

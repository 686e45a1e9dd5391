#include "app/ui_actions.h"

#include <algorithm>
#include <utility>

#include "app/ui_json.h"

namespace ito::ui {
namespace {

ActionSink& sink() {
  static ActionSink s;
  return s;
}

// Writes targetLufs/ceilingDbtp/steps, the fields master options and settings share.
// The ITO-on-z budget of the method chosen (each model keeps its own).
int model_ito_steps(const Settings& s) {
  return s.mode == MasterMode::BlackBoxPreview ? s.bb_ito_steps : s.ito_steps;
}

JsonObject& add_render_settings(JsonObject& o, const Settings& s) {
  const double target = target_lufs(s);
  if (std::isfinite(target))
    o.num("targetLufs", target);
  else
    o.null("targetLufs");
  o.num("ceilingDbtp", s.ceiling_dbtp);
  o.num("matchEqAmount", s.match_eq);
  o.num("character", s.character);
  o.boolean("expertRanges", s.expert_ranges);
  return o;
}

const char* mode_name(MasterMode m) {
  switch (m) {
    case MasterMode::Theta: return "theta";
    case MasterMode::BlackBoxPreview: return "black-box";
    case MasterMode::WhiteBoxModel: break;
  }
  return "white-box";
}

std::string target_json(const TargetAdjust& t) {
  double tone[kToneSliders];
  for (int i = 0; i < kToneSliders; ++i) tone[i] = t.tone_db[i];
  return JsonObject()
      .num("blend", t.blend)
      .num("crestDb", t.crest_db)
      .num("widthScale", t.width_scale)
      .num("tiltDb", t.tilt_db)
      .num_array("toneDb", tone, kToneSliders)
      .boolean("relativeToMaster", t.relative_to_master)
      .text();
}

}  // namespace

void set_action_sink(ActionSink s) { sink() = std::move(s); }

void emit(const char* name, const std::string& json) {
  if (sink()) sink()(name, json);
}

void emit_open_file(TrackKind kind) { emit("open_file", JsonObject().str("kind", track_name(kind)).text()); }

void emit_open_second_reference() { emit("open_file", JsonObject().str("kind", "reference2").text()); }

void emit_master(const Settings& s, bool refine) {
  JsonObject options;
  options.str("mode", mode_name(s.mode));
  options.integer("steps", s.steps);
  options.integer("itoSteps", model_ito_steps(s));
  options.integer("thetaSteps", s.theta_steps);
  add_render_settings(options, s);
  if (!is_default(s.adjust)) options.raw("target", target_json(s.adjust));
  if (s.amounts != Settings{}.amounts) {
    JsonObject amounts;
    const char* const names[4] = {"tone", "dynamics", "width", "loudness"};
    for (int i = 0; i < 4; ++i) amounts.num(names[i], s.amounts[i] / 100.0);
    options.raw("amounts", amounts.text());
  }
  if (refine) options.boolean("refine", true);
  emit("master", JsonObject().raw("options", options.text()).text());
}

void emit_param(int index, double normalized) {
  emit("param", JsonObject().integer("index", index).num("value", std::clamp(normalized, 0.0, 1.0)).text());
}

void emit_reset_params(const ito::Params& values) {
  emit("reset_params", JsonObject().num_array("values", values.data(), ito::kNumParams).text());
}

void emit_seek(double t) { emit("seek", JsonObject().num("t", std::max(t, 0.0)).text()); }

void emit_select(TrackKind which) { emit("select", JsonObject().str("which", track_name(which)).text()); }

void emit_match_eq(double amount) { emit("match_eq", JsonObject().num("amount", std::clamp(amount, 0.0, 1.5)).text()); }

void emit_match_loudness(bool on) { emit("match_loudness", JsonObject().boolean("on", on).text()); }

void emit_loop(const Settings& s, double duration_s) {
  JsonObject o;
  o.boolean("enabled", s.loop);
  if (!s.loop) {
    o.null("start").null("end");
  } else if (s.loop_end > s.loop_start) {
    o.num("start", s.loop_start).num("end", s.loop_end);
  } else {
    o.num("start", 0.0).num("end", std::max(duration_s, 0.0));  // no region: loop the whole track
  }
  emit("loop", o.text());
}

void emit_settings(const Settings& s) {
  JsonObject o;
  add_render_settings(o, s);
  o.str("mode", mode_name(s.mode));
  o.integer("steps", s.steps);
  o.integer("itoSteps", model_ito_steps(s));
  o.integer("thetaSteps", s.theta_steps);
  emit("settings", o.text());
}

}  // namespace ito::ui

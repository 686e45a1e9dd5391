// User actions the UI reports to the page, as (name, JSON object) pairs. The sink is set by
// ui_main.cpp to Module.onUiAction; natively it can be a test recorder.
//
// Actions and their JSON (all sent as one JSON object, "{}" when there is nothing to say):
//   load_demo       {}
//   open_file       {"kind":"input"|"reference"|"reference2"}
//   master          {"options":{"mode":"white-box"|"theta"|"black-box","steps":N,"itoSteps":N,
//                    "targetLufs":null|LUFS,"ceilingDbtp":dBTP[,"target":{"blend":0..1,
//                    "crestDb":dB,"widthScale":x,"tiltDb":dB,"toneDb":[6 dB],"relativeToMaster":bool}]
//                    [,"refine":true]}}   (target only when it differs from the defaults;
//                    refine: continue from the last master's embedding)
//   stop            {}
//   param           {"index":0..45,"value":0..1}              (normalized, sent on slider release)
//   reset_params    {"values":[46 normalized values]}          (the ITO result; "Reset to ITO result")
//   play / pause    {}
//   seek            {"t":seconds}
//   select          {"which":"input"|"reference"|"output"}
//   match_loudness  {"on":true|false}
//   loop            {"enabled":true,"start":s,"end":e} or {"enabled":false,"start":null,"end":null}
//   export_wav / export_params / import_params   {}
//   settings        {"targetLufs":null|LUFS,"ceilingDbtp":dBTP,"mode":..,"steps":N,"itoSteps":N}
//   ui_error        {"message":"..."}                         (main() could not create the WebGL context)
#pragma once
#include <functional>
#include <string>

#include "app/ui_state.h"

namespace ito::ui {

using ActionSink = std::function<void(const char* name, const std::string& json)>;
void set_action_sink(ActionSink sink);
void emit(const char* name, const std::string& json = "{}");
// An action with one string field: {"key":"value"}.
void emit_field(const char* name, const char* key, const std::string& value);

void emit_open_file(TrackKind kind);
void emit_open_second_reference();
void emit_master(const Settings& s, bool refine = false);
void emit_param(int index, double normalized);
void emit_reset_params(const ito::Params& values);
void emit_seek(double t);
void emit_select(TrackKind which);
void emit_match_eq(double amount);  // the Match EQ slider moved: re-render
void emit_match_loudness(bool on);
void emit_loop(const Settings& s, double duration_s);
void emit_settings(const Settings& s);
void emit_album_master(bool same_settings);  // {} or {"sameSettings":true} (web/album.js)

}  // namespace ito::ui

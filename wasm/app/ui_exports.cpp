// The exported ui_* functions; see ui_exports.h for the contract.
#include "app/ui_exports.h"

#include <cmath>

#include "app/ui_state.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else
#define EMSCRIPTEN_KEEPALIVE
#endif

namespace {

using ito::ui::TrackKind;
using ito::ui::ui_state;

bool valid_kind(int kind) { return kind >= 0 && kind < ito::ui::kNumTracks; }

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void ui_set_track(int kind, const float* wave_min, const float* wave_max, int bins,
                                       const float* spectrum_db, int bands, const char* metrics_json,
                                       double seconds) {
  if (!valid_kind(kind)) return;
  ito::ui::set_track(ui_state(), static_cast<TrackKind>(kind), wave_min, wave_max, bins, spectrum_db, bands,
                     metrics_json ? metrics_json : "", seconds);
}

EMSCRIPTEN_KEEPALIVE void ui_clear_track(int kind) {
  if (valid_kind(kind)) ito::ui::clear_track(ui_state(), static_cast<TrackKind>(kind));
}

EMSCRIPTEN_KEEPALIVE void ui_set_params(const double* current46, const double* initial46) {
  if (!current46) return;
  ito::ui::set_params(ui_state(), current46, initial46 ? initial46 : current46);
}

EMSCRIPTEN_KEEPALIVE void ui_clear_params(void) { ui_state().params = ito::ui::ParamsView{}; }

EMSCRIPTEN_KEEPALIVE void ui_set_chain_extras(const double* match_eq_db31, const double* match_eq_side_db31,
                                              double amount, int saturator_on) {
  ito::ui::ParamsView& p = ui_state().params;
  auto value = [](const double* curve, int b) {
    return curve && std::isfinite(curve[b]) ? static_cast<float>(curve[b]) : 0.0f;
  };
  for (int b = 0; b < ito::kThirdOctaveBands; ++b) {
    p.match_eq_db[b] = value(match_eq_db31, b);
    p.match_eq_side_db[b] = value(match_eq_side_db31, b);
  }
  p.match_eq_amount = std::isfinite(amount) ? static_cast<float>(amount) : 0.0f;
  p.saturator_on = saturator_on != 0;
}

EMSCRIPTEN_KEEPALIVE void ui_set_progress(int step, int max_steps, double loss, double best_loss, int running) {
  ito::ui::set_progress(ui_state(), step, max_steps, loss, best_loss, running != 0);
}

EMSCRIPTEN_KEEPALIVE void ui_set_status(const char* text, int is_error) {
  ui_state().status = text ? text : "";
  ui_state().status_is_error = is_error != 0;
}

EMSCRIPTEN_KEEPALIVE void ui_set_playback(double position_s, double duration_s, int playing, int which) {
  ito::ui::PlaybackView& pb = ui_state().playback;
  pb.position_s = std::isfinite(position_s) ? position_s : 0.0;
  pb.duration_s = std::isfinite(duration_s) ? duration_s : 0.0;
  pb.playing = playing != 0;
  if (valid_kind(which)) pb.which = static_cast<TrackKind>(which);
}

EMSCRIPTEN_KEEPALIVE void ui_set_backend(const char* text) { ui_state().backend = text ? text : ""; }

EMSCRIPTEN_KEEPALIVE void ui_set_reference2(const char* text) { ui_state().reference2 = text ? text : ""; }

EMSCRIPTEN_KEEPALIVE void ui_set_about(const char* text) { ui_state().about = text ? text : ""; }

EMSCRIPTEN_KEEPALIVE void ui_set_busy(int busy) { ui_state().busy = busy != 0; }

}  // extern "C"

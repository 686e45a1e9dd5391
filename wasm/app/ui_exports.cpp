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

// The state, to change it: the page redraws.
ito::ui::UiState& changed() {
  ito::ui::UiState& s = ui_state();
  s.request_redraw();
  return s;
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void ui_set_track(int kind, const float* wave_min, const float* wave_max, int bins,
                                       const float* spectrum_db, int bands, const char* metrics_json,
                                       double seconds) {
  if (!valid_kind(kind)) return;
  ito::ui::set_track(changed(), static_cast<TrackKind>(kind), wave_min, wave_max, bins, spectrum_db, bands,
                     metrics_json ? metrics_json : "", seconds);
}

EMSCRIPTEN_KEEPALIVE void ui_clear_track(int kind) {
  if (valid_kind(kind)) ito::ui::clear_track(changed(), static_cast<TrackKind>(kind));
}

EMSCRIPTEN_KEEPALIVE void ui_set_params(const double* current46, const double* initial46) {
  if (!current46) return;
  ito::ui::set_params(changed(), current46, initial46 ? initial46 : current46);
}

EMSCRIPTEN_KEEPALIVE void ui_clear_params(void) { changed().params = ito::ui::ParamsView{}; }

EMSCRIPTEN_KEEPALIVE void ui_set_chain_extras(const double* match_eq_db31, const double* match_eq_side_db31,
                                              double amount, int saturator_on, int imager_on) {
  ito::ui::ParamsView& p = changed().params;
  auto value = [](const double* curve, int b) {
    return curve && std::isfinite(curve[b]) ? static_cast<float>(curve[b]) : 0.0f;
  };
  for (int b = 0; b < ito::kThirdOctaveBands; ++b) {
    p.match_eq_db[b] = value(match_eq_db31, b);
    p.match_eq_side_db[b] = value(match_eq_side_db31, b);
  }
  p.match_eq_amount = std::isfinite(amount) ? static_cast<float>(amount) : 0.0f;
  p.saturator_on = saturator_on != 0;
  p.imager_on = imager_on != 0;
}

EMSCRIPTEN_KEEPALIVE void ui_set_progress(int step, int max_steps, double loss, double best_loss, int running) {
  ito::ui::set_progress(changed(), step, max_steps, loss, best_loss, running != 0);
}

EMSCRIPTEN_KEEPALIVE void ui_set_status(const char* text, int is_error) {
  changed().status = text ? text : "";
  changed().status_is_error = is_error != 0;
}

// Called on every animation frame: redraws only when the playhead or the player changed.
EMSCRIPTEN_KEEPALIVE void ui_set_playback(double position_s, double duration_s, int playing, int which) {
  ito::ui::PlaybackView& pb = ui_state().playback;
  const ito::ui::PlaybackView before = pb;
  pb.position_s = std::isfinite(position_s) ? position_s : 0.0;
  pb.duration_s = std::isfinite(duration_s) ? duration_s : 0.0;
  pb.playing = playing != 0;
  if (valid_kind(which)) pb.which = static_cast<TrackKind>(which);
  if (pb.position_s != before.position_s || pb.duration_s != before.duration_s || pb.playing != before.playing ||
      pb.which != before.which)
    ui_state().request_redraw();
}

EMSCRIPTEN_KEEPALIVE void ui_set_backend(const char* text) { changed().backend = text ? text : ""; }

EMSCRIPTEN_KEEPALIVE void ui_set_reference2(const char* text) { changed().reference2 = text ? text : ""; }

EMSCRIPTEN_KEEPALIVE void ui_set_about(const char* text) { changed().about = text ? text : ""; }

EMSCRIPTEN_KEEPALIVE void ui_set_album(const char* rows) { changed().album = rows ? rows : ""; }

EMSCRIPTEN_KEEPALIVE void ui_set_busy(int busy) { changed().busy = busy != 0; }

}  // extern "C"

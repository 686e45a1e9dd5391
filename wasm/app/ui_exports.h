// The C functions the page calls (Module.ccall / cwrap) to push state into the UI.
// Only int, double, pointer and string arguments. Arrays are pointers into the module's
// heap (e.g. from Module._malloc + HEAPF32.set); the UI copies them before returning.
//
//   void ui_set_track(int kind, const float* wave_min, const float* wave_max, int bins,
//                     const float* spectrum_db, int bands, const char* metrics_json, double seconds)
//       kind: 0 input, 1 reference, 2 output. wave_min/max: `bins` values in -1..1 (1024 from
//       analyzeTrack). spectrum_db: `bands` dB values, log-spaced 20 Hz - 20 kHz (128).
//       metrics_json: {"lufs":..,"lra":..,"truePeakDbtp":..,"crestDb":..,"width":..,"drv":..,
//       "shortTermLufs":[..]} (analyzeTrack's metrics plus its shortTermLufs; keys may also sit
//       in a nested object; missing/null shows "--"). seconds: track duration.
//   void ui_clear_track(int kind)
//   void ui_set_params(const double* current46, const double* initial46)
//       Normalized 0..1. The first push after a master run (or with a new `initial`) is taken
//       as the ITO result: the five parameters with the largest |result - initial| are marked
//       "changed by ITO", and "Reset to ITO result" goes back to it. Later pushes with the
//       same `initial` are treated as user edits. initial46 may be null (= current46).
//   void ui_clear_params(void)                      (e.g. when a new input is loaded)
//   void ui_set_chain_extras(const double* match_eq_db31, const double* match_eq_side_db31,
//                            double amount, int saturator_on, int imager_on)
//       The Match EQ's mid and side curves (dB at the 31 1/3-octave centres, 20 Hz-20 kHz;
//       the side may be null), its amount, and
//       whether the saturator and the imager (off for a mono input) ran; the parameter panel
//       draws the curve and shows a processor that did not run as off.
//   void ui_set_progress(int step, int max_steps, double loss, double best_loss, int running)
//       Appends (loss, best_loss) to the loss curve; a running report after an idle one, or
//       a step that goes back, starts a new curve. Send running=0 when the run ends.
//   void ui_set_status(const char* text, int is_error)   (is_error: shown in red)
//   void ui_set_playback(double position_s, double duration_s, int playing, int which)
//       which: 0 input, 1 reference, 2 output.
//   void ui_set_backend(const char* text)           (e.g. "WASM SIMD, 4 threads")
//   void ui_set_about(const char* text)             (attribution text for the About box)
//   void ui_set_reference2(const char* text)        (the second reference's name; "" = none)
//   void ui_set_busy(int busy)                      (decoding/analysis in progress)
#pragma once

extern "C" {
void ui_set_track(int kind, const float* wave_min, const float* wave_max, int bins, const float* spectrum_db,
                  int bands, const char* metrics_json, double seconds);
void ui_clear_track(int kind);
void ui_set_params(const double* current46, const double* initial46);
void ui_clear_params(void);
// The chain's surroundings a master was made with: the Match EQ curve (31 dB values at the
// 1/3-octave centres), its amount, and whether the saturator ran.
void ui_set_chain_extras(const double* match_eq_db31, const double* match_eq_side_db31, double amount,
                         int saturator_on, int imager_on);
void ui_set_progress(int step, int max_steps, double loss, double best_loss, int running);
void ui_set_status(const char* text, int is_error);
void ui_set_playback(double position_s, double duration_s, int playing, int which);
void ui_set_backend(const char* text);
void ui_set_about(const char* text);
void ui_set_reference2(const char* text);
void ui_set_busy(int busy);
}

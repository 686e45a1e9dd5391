// Everything the UI shows, as pushed by the page (ui_exports.cpp), plus the UI's own
// choices (settings, loop region). Platform-free: no ImGui, no Emscripten.
#pragma once
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "dsp/params.h"
#include "ito/ito_theta.h"
#include "master/match_eq.h"
#include "master/model_defaults.h"

namespace ito::ui {

enum class TrackKind { Input = 0, Reference = 1, Output = 2 };
constexpr int kNumTracks = 3;
const char* track_name(TrackKind k);  // "input", "reference", "output" (action JSON values)
const char* track_title(TrackKind k);  // "Input", "Reference", "Output" (display)

struct TrackMetrics {
  double lufs = NAN, lra = NAN, true_peak_dbtp = NAN, crest_db = NAN, width = NAN, drv = NAN;
  std::vector<float> short_term_lufs;  // one value per analysis hop, spanning the track
};

struct TrackView {
  bool loaded = false;
  std::vector<float> wave_min, wave_max;  // per bin, -1..1
  std::vector<float> spectrum_db;         // log-spaced bands, 20 Hz - 20 kHz
  TrackMetrics metrics;
  double seconds = 0;
};

// Parses the metrics JSON the page pushes: {lufs, lra, truePeakDbtp, crestDb, width, drv,
// shortTermLufs: [..]} (or these keys inside a "metrics" object). Missing -> NaN/empty.
TrackMetrics parse_metrics(const std::string& json);

struct ParamsView {
  bool has = false;
  ito::Params current{};     // what the output is rendered with now (user edits included)
  ito::Params initial{};     // where ITO started
  ito::Params ito_result{};  // what ITO found (kept when the user edits, for "Reset")
  std::array<bool, ito::kNumParams> changed_by_ito{};  // top-5 |ito_result - initial|
  // The Match EQ ahead of the chain (its full curve at ito::kThirdOctaveCentres and the
  // amount in effect) and whether the saturator ran (off unless the user asked for character).
  std::array<float, ito::kThirdOctaveBands> match_eq_db{}, match_eq_side_db{};
  float match_eq_amount = 0.0f;
  bool saturator_on = true;
  bool imager_on = true;  // off for a mono input
};

struct ProgressView {
  int step = 0, max_steps = 0;
  double loss = NAN, best_loss = NAN;
  bool running = false;
  std::vector<float> loss_curve, best_curve;  // one point per reported step
  std::vector<int> curve_steps;               // the step of each point
  int last_curve_step = -1;
};

struct PlaybackView {
  double position_s = 0, duration_s = 0;
  bool playing = false;
  TrackKind which = TrackKind::Input;
};

enum class TargetMode { MatchReference = 0, Streaming14 = 1, Loud9 = 2, Custom = 3 };

// How a master is made: the learned white-box model with ITO on its reference embedding z
// (the paper's method), ITO directly on the 46 chain parameters (the baseline), or the
// black-box model (the network renders the audio; a preview of the loudest 15 s: its cost).
enum class MasterMode { WhiteBoxModel, Theta, BlackBoxPreview };

// What ITO aims at besides "the reference" (wasm/ito/feature_targets.h): a blend with a
// second reference, and adjustments of the target's features, relative to the reference
// or to the current master. The defaults change nothing.
constexpr int kToneSliders = 6;  // ito::kToneRegions
struct TargetAdjust {
  float blend = 0.0f;       // 0 = the reference, 1 = the second reference
  float crest_db = 0.0f;    // more = more dynamic
  float width_scale = 1.0f;
  float tilt_db = 0.0f;     // more = brighter
  std::array<float, kToneSliders> tone_db{};
  bool relative_to_master = false;
};
bool is_default(const TargetAdjust& t);

struct Settings {
  MasterMode mode = MasterMode::WhiteBoxModel;
  int ito_steps = kDefaultItoZSteps;              // white-box: ITO on z,
  int theta_steps = kDefaultThetaSteps;     // then ITO on Θ
  int bb_ito_steps = kDefaultBlackBoxItoSteps;    // black-box: ITO on z
  TargetMode target = TargetMode::MatchReference;
  float custom_lufs = -12.0f;
  float ceiling_dbtp = -1.0f;
  int steps = ItoOptions{}.max_steps;  // ITO on Θ: the engine's budget (ito/ito_theta.h)
  // Clean-master controls (wasm/master/musical_prior.h, match_eq.h).
  float match_eq = static_cast<float>(kDefaultMatchEqAmount);  // Match EQ amount, 0..1.5
  float character = 0.0f;     // saturation the chain may use, 0..1 (0: saturator off)
  bool expert_ranges = false; // the paper's full parameter ranges for ITO
  int master_rate = 0;   // the master's sample rate in Hz; 0: the mix's own (44.1 to 192 kHz)
  bool album_same_settings = false;  // the album: the first mix's settings for all (ITO on Θ once)
  int export_depth = 1;  // the WAV export: 0 16-bit (dithered), 1 24-bit, 2 32-bit float, 3 the same without the limiter
  // How much of the reference's tone, dynamics, width and loudness ITO takes, in percent
  // (0..150) of the way from the mix's own (master/partial_targets.h).
  std::array<float, 4> amounts = {100.0f, 100.0f, 100.0f, 100.0f};
  TargetAdjust adjust;
  bool match_loudness = false;
  bool loop = false;
  double loop_start = 0, loop_end = 0;  // seconds; loop_end <= loop_start means "whole track"
};

// NaN means "match the reference" (JSON null).
double target_lufs(const Settings& s);

struct UiState {
  std::array<TrackView, kNumTracks> tracks;
  ParamsView params;
  ProgressView progress;
  PlaybackView playback;
  Settings settings;
  std::string status;
  bool status_is_error = false;
  std::string backend = "";
  std::string about = "";
  // The album's table (web/album.js): one line per mix, cells separated by tabs (name, state,
  // LUFS, true peak, LRA); empty: no album.
  std::string album = "";
  std::string reference2;  // the second reference's name and loudness, empty when none
  bool busy = false;
  bool run_seen_since_params = false;  // a master run started after the last ui_set_params
  // Frames still to draw. The page draws only after something changed (an input event, a
  // ui_set_* call) and a few frames more while ImGui settles: an idle canvas redrawn at 60 fps
  // takes a core (WebGL on the CPU), which the engine's threads need.
  int redraw_frames = kRedrawFrames;
  static constexpr int kRedrawFrames = 12;
  void request_redraw() { redraw_frames = kRedrawFrames; }

  TrackView& track(TrackKind k) { return tracks[static_cast<int>(k)]; }
  const TrackView& track(TrackKind k) const { return tracks[static_cast<int>(k)]; }
};

UiState& ui_state();  // the one instance the exports and the drawing share

// State updates behind the exported ui_set_* functions (kept here so they can be tested natively).
void set_track(UiState& s, TrackKind k, const float* wave_min, const float* wave_max, int bins,
               const float* spectrum_db, int bands, const std::string& metrics_json, double seconds);
void clear_track(UiState& s, TrackKind k);
void set_params(UiState& s, const double* current, const double* initial);
void set_progress(UiState& s, int step, int max_steps, double loss, double best_loss, bool running);

// "1:02.3" (or "1:02:03.4" past an hour); "--:--" for non-finite or negative.
std::string format_time(double seconds);

// The value part of ito::format_param: "-18.3 dB" from "Mid Band Comp Threshold: -18.3 dB".
std::string format_param_value(int index, double normalized);

}  // namespace ito::ui

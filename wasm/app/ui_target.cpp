// The "ITO target" section: what ITO optimizes toward besides the reference (a blend with a
// second reference; crest factor, stereo width, tilt and six tone regions, relative to the
// reference or to the current master), with the help text each control needs.
#include <cstdio>

#include "app/ui_actions.h"
#include "app/ui_panels.h"
#include "imgui.h"

namespace ito::ui {
namespace {

// Must match ito::kToneRegions (wasm/ito/feature_targets.h).
constexpr const char* kToneNames[kToneSliders] = {"Bass", "Low mids", "Mids", "Presence", "Brilliance", "Air"};
constexpr const char* kToneHelp[kToneSliders] = {
    "Bass, below 120 Hz: level of this region in the target (mid and side alike).",
    "Low mids, 120-500 Hz: level of this region in the target (mid and side alike).",
    "Mids, 500 Hz - 2 kHz: level of this region in the target (mid and side alike).",
    "Presence, 2-5 kHz: level of this region in the target (mid and side alike).",
    "Brilliance, 5-10 kHz: level of this region in the target (mid and side alike).",
    "Air, above 10 kHz: level of this region in the target (mid and side alike)."};

void help(const char* text) {
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

// The target travels with the master action, so a slider only edits the UI's state.
void slider(const char* label, float* v, float lo, float hi, const char* format, const char* tip) {
  ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
  ImGui::SliderFloat(label, v, lo, hi, format, ImGuiSliderFlags_AlwaysClamp);
  help(tip);
}

}  // namespace

void draw_target_panel(UiState& s) {
  if (!ImGui::CollapsingHeader("ITO target")) return;
  TargetAdjust& t = s.settings.adjust;
  ImGui::TextWrapped(
      "ITO matches the audio features of the reference: spectrum (Bark bands, mid and side), crest factor, "
      "stereo width and balance. These controls move that target; the loudness target above is separate. "
      "Then press Master, or Refine to continue from the last result.");
  if (ImGui::Button("Second reference...")) emit_open_second_reference();
  help("Load another reference to blend its style with the first one's.");
  ImGui::SameLine();
  ImGui::TextDisabled("%s", s.reference2.empty() ? "none" : s.reference2.c_str());
  ImGui::BeginDisabled(s.reference2.empty() || t.relative_to_master);
  slider("Blend", &t.blend, 0.0f, 1.0f, "%.2f",
         "0: the first reference only; 1: the second only. In between, every feature is mixed\n"
         "(the spectra as a geometric mean).");
  ImGui::EndDisabled();
  const bool has_master = s.track(TrackKind::Output).loaded;
  ImGui::BeginDisabled(!has_master);
  ImGui::Checkbox("Adjust relative to the current master", &t.relative_to_master);
  ImGui::EndDisabled();
  help("On: the adjustments below start from the current master's features (e.g. '+2 dB of air\n"
       "than now'), not from the reference's. Needs a master first.");
  slider("Crest factor", &t.crest_db, -6.0f, 6.0f, "%+.1f dB",
         "Peak-to-RMS ratio of the target. More = more dynamic (less compression and limiting);\n"
         "less = denser, louder-sounding.");
  slider("Stereo width", &t.width_scale, 0.0f, 2.0f, "x %.2f",
         "Multiplies the target's side/mid energy ratio: 0 = mono, 1 = as the target, 2 = twice as wide.");
  slider("Tilt", &t.tilt_db, -12.0f, 12.0f, "%+.1f dB",
         "Spectral tilt across 20 Hz - 20 kHz: positive = brighter (lows down, highs up by half each).");
  for (int i = 0; i < kToneSliders; ++i) slider(kToneNames[i], &t.tone_db[i], -12.0f, 12.0f, "%+.1f dB", kToneHelp[i]);
  if (ImGui::Button("Reset target")) t = TargetAdjust{};
  help("Back to: match the reference as it is.");
}

}  // namespace ito::ui

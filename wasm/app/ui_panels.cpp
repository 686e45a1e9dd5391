#include "app/ui_panels.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>

#include "app/ui_actions.h"
#include "app/ui_plots.h"
#include "imgui.h"

namespace ito::ui {
namespace {

void section_title(const char* title) {
  ImGui::Spacing();
  ImGui::TextColored(ImVec4(0.85f, 0.88f, 0.95f, 1.0f), "%s", title);
  ImGui::Separator();
}

// Settings are sent once a slider is released or the combo changes, not on every drag step.
void draw_settings(UiState& s) {
  Settings& set = s.settings;
  bool changed = false;
  const char* targets[] = {"Match reference", "-14 LUFS (streaming)", "-9 LUFS (loud)", "Custom"};
  int target = static_cast<int>(set.target);
  ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
  if (ImGui::Combo("Target loudness", &target, targets, IM_ARRAYSIZE(targets))) {
    set.target = static_cast<TargetMode>(target);
    changed = true;
  }
  if (set.target == TargetMode::Custom) {
    ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
    ImGui::SliderFloat("Custom target", &set.custom_lufs, -30.0f, -5.0f, "%.1f LUFS", ImGuiSliderFlags_AlwaysClamp);
    changed |= ImGui::IsItemDeactivatedAfterEdit();
  }
  ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
  ImGui::SliderFloat("True-peak ceiling", &set.ceiling_dbtp, -6.0f, 0.0f, "%.1f dBTP", ImGuiSliderFlags_AlwaysClamp);
  changed |= ImGui::IsItemDeactivatedAfterEdit();
  // The master's rate: the mix's own by default (the CLI's --output-rate otherwise).
  static const int kRates[] = {0, 44100, 48000, 88200, 96000};
  const char* rates[] = {"The mix's own", "44.1 kHz", "48 kHz", "88.2 kHz", "96 kHz"};
  int rate = 0;
  for (int i = 0; i < IM_ARRAYSIZE(kRates); ++i)
    if (kRates[i] == set.master_rate) rate = i;
  ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
  if (ImGui::Combo("Sample rate", &rate, rates, IM_ARRAYSIZE(rates))) {
    set.master_rate = kRates[rate];
    changed = true;
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("The master's sample rate: the mix's own (44.1 to 192 kHz), or another one\n"
                      "(the mix is resampled first; applies at the next Master)");
  int mode = static_cast<int>(set.mode);
  const char* modes[] = {"White-box model + ITO", "ITO on the settings", "Black-box model (15 s preview)"};
  ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
  if (ImGui::Combo("Method", &mode, modes, IM_ARRAYSIZE(modes))) {
    set.mode = static_cast<MasterMode>(mode);
    changed = true;
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("White-box model: a network predicts the settings from the reference, ITO refines its\n"
                      "reference embedding, then the settings themselves. ITO on the parameters: the baseline,\n"
                      "optimizing the 46 settings from neutral.\n"
                      "Black-box model: the network renders the audio itself (no editable settings).");
  const bool model_mode = set.mode != MasterMode::Theta;
  int& steps = set.mode == MasterMode::BlackBoxPreview ? set.bb_ito_steps : model_mode ? set.ito_steps : set.steps;
  ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
  ImGui::SliderInt(model_mode ? "ITO on z" : "ITO steps", &steps, model_mode ? 0 : 10, 500, "%d steps",
                   ImGuiSliderFlags_AlwaysClamp);
  changed |= ImGui::IsItemDeactivatedAfterEdit();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(model_mode ? "Steps of inference-time optimization of the reference embedding z"
                                 : "Step budget for inference-time optimization (more = slower, closer match)");
  if (set.mode == MasterMode::WhiteBoxModel) {
    ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
    ImGui::SliderInt("then on the settings", &set.theta_steps, 0, 500, "%d steps", ImGuiSliderFlags_AlwaysClamp);
    changed |= ImGui::IsItemDeactivatedAfterEdit();
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Then ITO on the 46 settings themselves, starting from ITO on z's best:\n"
                        "it can leave the region the network's prediction lies in (0 = the paper's method alone)");
  }
  if (set.mode != MasterMode::BlackBoxPreview) {
    ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
    ImGui::SliderFloat("Match EQ", &set.match_eq, 0.0f, 1.5f, "%.2f", ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemDeactivatedAfterEdit()) {
      changed = true;
      emit_match_eq(set.match_eq);
    }
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("A smoothed 1/3-octave match of the reference's tonal balance ahead of the chain\n"
                        "(0 = off, 1 = the full match; applies to the current master at once)");
    ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 10);
    ImGui::SliderFloat("Character", &set.character, 0.0f, 1.0f, "%.2f", ImGuiSliderFlags_AlwaysClamp);
    changed |= ImGui::IsItemDeactivatedAfterEdit();
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Saturation ITO may use: 0 = the saturator is off (clean), 1 = up to 8 dB of drive\n"
                        "(applies at the next Master)");
    changed |= ImGui::Checkbox("Expert ranges", &set.expert_ranges);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Let ITO use the paper's full ranges (EQ +-20 dB, 20:1 compressors, 5 ms releases,\n"
                        "deep limiting) instead of the musical ones; it may then distort");
  }
  if (changed) emit_settings(set);
  if (set.mode == MasterMode::BlackBoxPreview)
    ImGui::TextColored(ImVec4(0.95f, 0.75f, 0.35f, 1.0f),
                       "Black-box: a preview of the loudest 15 s only. The network runs on every sample\n"
                       "(seconds per second of audio in the browser) and its sound has artifacts.");
}

// How much of the reference, per aspect, beside the Master button; and the A/B at matched
// loudness, which tells the amounts apart by ear.
void draw_amounts(UiState& s) {
  static const char* const kNames[4] = {"Tone", "Dynamics", "Width", "Loudness"};
  static const char* const kTips[4] = {
      "How much of the reference's tonal balance to take (spectrum, mid and side):\n"
      "0 % keeps the mix's own, 100 % matches the reference, up to 150 % goes beyond it",
      "How much of the reference's dynamics (crest factor) to take, 0-150 %",
      "How much of the reference's stereo width (side/mid ratio and side level) to take, 0-150 %",
      "Where the target loudness lies between the mix's (0 %) and the reference's (100 %)"};
  Settings& set = s.settings;
  if (ImGui::BeginTable("amounts", 4)) {
    for (int i = 0; i < 4; ++i) {
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", kNames[i]);
    }
    for (int i = 0; i < 4; ++i) {
      ImGui::TableNextColumn();
      ImGui::PushID(i);
      ImGui::SetNextItemWidth(-FLT_MIN);
      ImGui::SliderFloat("##amount", &set.amounts[i], 0.0f, 150.0f, "%.0f %%", ImGuiSliderFlags_AlwaysClamp);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s (applies at the next Master)", kTips[i]);
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  if (ImGui::Checkbox("A/B at matched loudness", &set.match_loudness)) emit_match_loudness(set.match_loudness);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Play A, B and C at the same loudness, to compare tone and dynamics");
  ImGui::SameLine();
  if (ImGui::SmallButton("100 % each")) set.amounts = Settings{}.amounts;
}

}  // namespace

void draw_mastering_panel(UiState& s) {
  section_title("Mastering");
  const ProgressView& p = s.progress;
  ImGui::BeginDisabled(p.running);
  draw_settings(s);
  draw_target_panel(s);
  draw_amounts(s);
  ImGui::EndDisabled();

  const float width = ImGui::GetContentRegionAvail().x;
  const ImVec2 big_button(width, ImGui::GetFrameHeight() * 1.5f);
  if (p.running) {
    ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.62f, 0.22f, 0.22f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImVec4(0.75f, 0.28f, 0.28f, 1.0f));
    if (ImGui::Button("Stop", big_button)) emit("stop");
    ImGui::PopStyleColor(2);
  } else {
    const bool ready = s.track(TrackKind::Input).loaded && s.track(TrackKind::Reference).loaded && !s.busy;
    ImGui::BeginDisabled(!ready);
    ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.20f, 0.45f, 0.30f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImVec4(0.25f, 0.58f, 0.38f, 1.0f));
    const bool can_refine = s.settings.mode == MasterMode::WhiteBoxModel && s.track(TrackKind::Output).loaded;
    const ImVec2 master_size(can_refine ? width * 0.62f : width, big_button.y);
    if (ImGui::Button("Master", master_size)) emit_master(s.settings);
    ImGui::PopStyleColor(2);
    if (!ready && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip(s.busy ? "Busy..." : "Load a mix and a reference first (or the demo pair)");
    if (can_refine) {
      ImGui::SameLine();
      if (ImGui::Button("Refine", ImVec2(-1, big_button.y))) emit_master(s.settings, true);
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("More ITO steps from where the last master ended (its embedding z, then\n"
                          "the settings you have now), toward the current target.");
    }
    ImGui::EndDisabled();
  }

  char overlay[64];
  const float fraction = p.max_steps > 0 ? static_cast<float>(p.step) / p.max_steps : 0.0f;
  if (p.running)
    std::snprintf(overlay, sizeof overlay, "step %d / %d", p.step, p.max_steps);
  else if (!p.loss_curve.empty())
    std::snprintf(overlay, sizeof overlay, "done: %d steps", p.step);
  else
    std::snprintf(overlay, sizeof overlay, "idle");
  ImGui::ProgressBar(p.running || !p.loss_curve.empty() ? fraction : 0.0f, ImVec2(-1, 0), overlay);
  draw_loss_curve(p, ImVec2(width, ImGui::GetFontSize() * 7));
}

void draw_export_panel(UiState& s) {
  section_title("Export");
  const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  const bool busy = s.busy || s.progress.running;
  ImGui::BeginDisabled(!s.track(TrackKind::Output).loaded || busy);
  static const char* const kDepths[] = {"16-bit (dithered)", "24-bit", "32-bit float", "32-bit float, no limiter"};
  static const char* const kDepthValues[] = {"16", "24", "32f", "unlimited"};
  if (ImGui::Button("Export master (WAV)", ImVec2(half, 0)))
    emit_field("export_wav", "depth", kDepthValues[std::clamp(s.settings.export_depth, 0, 3)]);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(half);
  ImGui::Combo("##depth", &s.settings.export_depth, kDepths, 4);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("No limiter: the chain's output at the target loudness without the final limiter, in\n"
                      "32-bit float (its peaks may exceed 0 dBFS), for limiting elsewhere");
  ImGui::EndDisabled();
  ImGui::BeginDisabled(!s.track(TrackKind::Output).loaded || busy);
  if (ImGui::Button("Export report (HTML)", ImVec2(-1, 0))) emit("export_report");
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("One HTML file: spectra, loudness over time, the metrics, the settings and what changed most");
  ImGui::BeginDisabled(!s.params.has || busy);
  if (ImGui::Button("Export settings (JSON)", ImVec2(half, 0))) emit("export_params");
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!s.track(TrackKind::Input).loaded || busy);
  if (ImGui::Button("Import settings", ImVec2(half, 0))) emit("import_params");
  ImGui::EndDisabled();
}

// The album: mixes chosen together, mastered one after another toward the loaded reference
// with the same target loudness (web/album.js), each with its own ITO or with the first mix's
// settings; a table of each master's loudness, true peak and LRA; one ZIP of them all.
void draw_album_panel(UiState& s) {
  if (!s.album.empty()) ImGui::SetNextItemOpen(true, ImGuiCond_Once);  // the first album opens it
  if (!ImGui::CollapsingHeader("Album")) return;
  const bool busy = s.busy || s.progress.running;
  const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  ImGui::BeginDisabled(busy || !s.track(TrackKind::Reference).loaded);
  if (ImGui::Button("Master mixes...", ImVec2(half, 0))) emit_album_master(s.settings.album_same_settings);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Choose several mixes: each is mastered toward the loaded reference in turn, with the\n"
                      "settings above and one target loudness (one mix in memory at a time)");
  ImGui::SameLine();
  ImGui::BeginDisabled(busy || s.album.empty());
  if (ImGui::Button("Export ZIP", ImVec2(half, 0))) emit("album_zip");
  ImGui::EndDisabled();
  ImGui::Checkbox("The first mix's settings for all", &s.settings.album_same_settings);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("ITO on the settings runs on the first mix only; the others get its 46 settings\n"
                      "and level (their own Match EQ), so the album shares one sound");
  if (s.album.empty()) return;
  if (!ImGui::BeginTable("album", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp)) return;
  for (const char* h : {"Mix", "", "LUFS", "dBTP", "LRA"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  std::size_t start = 0;
  while (start < s.album.size()) {
    std::size_t end = s.album.find('\n', start);
    if (end == std::string::npos) end = s.album.size();
    ImGui::TableNextRow();
    std::size_t cell = start;
    for (int c = 0; c < 5 && cell <= end; ++c) {
      std::size_t stop = s.album.find('\t', cell);
      if (stop == std::string::npos || stop > end) stop = end;
      ImGui::TableSetColumnIndex(c);
      ImGui::TextUnformatted(s.album.data() + cell, s.album.data() + stop);
      cell = stop + 1;
    }
    start = end + 1;
  }
  ImGui::EndTable();
}

}  // namespace ito::ui

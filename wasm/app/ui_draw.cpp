// Layout of the studio: top bar, overview (waveforms, transport, spectra, meters) on the
// left, mastering/export/parameters on the right, status line at the bottom. On narrow
// displays everything stacks in one scrolling column.
#include "app/ui_draw.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "app/ui_actions.h"
#include "app/ui_panels.h"
#include "app/ui_plots.h"
#include "imgui.h"

namespace ito::ui {
namespace {

constexpr const char* kAppName = "ITO-Master Studio";
constexpr const char* kAboutPopup = "About ITO-Master Studio";
constexpr float kNarrowWidth = 760.0f;  // below this the two columns stack

// Width of a button / checkbox / radio button with this label.
float button_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2;
}
float check_width(const char* label) {
  return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label, nullptr, true).x;
}

// Continues the row when an item `width` wide still fits, else leaves it to start a new line
// (rows wrap on narrow displays instead of running off the edge).
void same_line_if_fits(float width) {
  const float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + width <= right_edge) ImGui::SameLine();
}

bool any_track_loaded(const UiState& s) {
  for (const TrackView& t : s.tracks)
    if (t.loaded) return true;
  return false;
}

void draw_top_bar(UiState& s) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextColored(ImVec4(0.55f, 0.80f, 1.0f, 1.0f), "%s", kAppName);
  ImGui::BeginDisabled(s.busy || s.progress.running);
  same_line_if_fits(button_width("Load mix...") + ImGui::GetFontSize());
  if (ImGui::Button("Load mix...")) emit_open_file(TrackKind::Input);
  same_line_if_fits(button_width("Load reference..."));
  if (ImGui::Button("Load reference...")) emit_open_file(TrackKind::Reference);
  same_line_if_fits(button_width("Demo pair"));
  if (ImGui::Button("Demo pair")) emit("load_demo");
  ImGui::EndDisabled();
  const char* drop_hint = "or drop files on the page";
  same_line_if_fits(ImGui::CalcTextSize(drop_hint).x);
  ImGui::AlignTextToFramePadding();
  ImGui::TextDisabled("%s", drop_hint);

  // Right-aligned: backend label and About.
  const float about_w = ImGui::CalcTextSize("About").x + ImGui::GetStyle().FramePadding.x * 2;
  const float backend_w = s.backend.empty() ? 0.0f : ImGui::CalcTextSize(s.backend.c_str()).x;
  const float right = ImGui::GetWindowContentRegionMax().x - about_w - backend_w - ImGui::GetStyle().ItemSpacing.x * 2;
  const float last_right = ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x + ImGui::GetStyle().ItemSpacing.x;
  if (right > last_right) {
    ImGui::SameLine(right);
  } else {
    same_line_if_fits(backend_w + about_w + ImGui::GetStyle().ItemSpacing.x);
  }
  if (!s.backend.empty()) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("%s", s.backend.c_str());
    ImGui::SameLine();
  }
  if (ImGui::Button("About")) ImGui::OpenPopup(kAboutPopup);

  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(vp->Size.x * 0.9f, 560.0f), std::min(vp->Size.y * 0.8f, 420.0f)),
                           ImGuiCond_Appearing);
  if (ImGui::BeginPopupModal(kAboutPopup, nullptr, ImGuiWindowFlags_NoSavedSettings)) {
    ImGui::BeginChild("about_text", ImVec2(0, -ImGui::GetFrameHeightWithSpacing()));
    ImGui::TextWrapped("%s", s.about.empty() ? "ITO-Master Studio: reference-based mastering in the browser." : s.about.c_str());
    ImGui::EndChild();
    if (ImGui::Button("Close", ImVec2(120, 0)) || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
      ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

void select_track(UiState& s, TrackKind k) {
  if (s.track(k).loaded && s.playback.which != k) emit_select(k);
}

void draw_transport(UiState& s) {
  PlaybackView& pb = s.playback;
  const bool can_play = s.track(pb.which).loaded || any_track_loaded(s);
  ImGui::BeginDisabled(!can_play);
  if (ImGui::Button(pb.playing ? "Pause" : "Play", ImVec2(ImGui::GetFontSize() * 5, 0))) emit(pb.playing ? "pause" : "play");
  ImGui::EndDisabled();
  const std::string time_text = format_time(pb.position_s) + " / " + format_time(pb.duration_s);
  same_line_if_fits(ImGui::CalcTextSize(time_text.c_str()).x);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(time_text.c_str());

  for (int k = 0; k < kNumTracks; ++k) {
    const TrackKind kind = static_cast<TrackKind>(k);
    char label[32];
    std::snprintf(label, sizeof label, "%c %s", "ABC"[k], track_title(kind));
    same_line_if_fits(check_width(label));
    ImGui::BeginDisabled(!s.track(kind).loaded);
    if (ImGui::RadioButton(label, pb.which == kind)) select_track(s, kind);
    ImGui::EndDisabled();
  }
  same_line_if_fits(check_width("Match loudness"));
  if (ImGui::Checkbox("Match loudness", &s.settings.match_loudness)) emit_match_loudness(s.settings.match_loudness);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Play every track at the same loudness for a fair A/B/C comparison");
  Settings& set = s.settings;
  same_line_if_fits(check_width("Loop"));
  if (ImGui::Checkbox("Loop", &set.loop)) emit_loop(set, pb.duration_s);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Shift+drag on a waveform to choose the loop region");
  if (set.loop_end > set.loop_start) {
    const std::string region = format_time(set.loop_start) + " - " + format_time(set.loop_end);
    same_line_if_fits(ImGui::CalcTextSize(region.c_str()).x);
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("%s", region.c_str());
    same_line_if_fits(button_width("Clear loop"));
    if (ImGui::Button("Clear loop")) {
      set.loop_start = set.loop_end = 0;
      if (set.loop) emit_loop(set, pb.duration_s);
    }
  }

  // Keyboard: space plays/pauses, A/B/C switch tracks (GLFW key codes are ASCII for letters).
  const ImGuiIO& io = ImGui::GetIO();
  if (!io.WantTextInput && !ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId)) {
    if (can_play && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false)) emit(pb.playing ? "pause" : "play");
    if (ImGui::IsKeyPressed('A', false)) select_track(s, TrackKind::Input);
    if (ImGui::IsKeyPressed('B', false)) select_track(s, TrackKind::Reference);
    if (ImGui::IsKeyPressed('C', false)) select_track(s, TrackKind::Output);
  }
}

int loaded_count(const UiState& s) {
  int n = 0;
  for (const TrackView& t : s.tracks) n += t.loaded ? 1 : 0;
  return n;
}

// Waveforms, transport, spectra, meters. `height` is what the column may fill; the
// spectrum takes what the other parts leave.
void draw_overview(UiState& s, float height) {
  const ImGuiStyle& style = ImGui::GetStyle();
  // The meters table's height: estimated, then as measured on the previous frame.
  static float measured_meters_h = 0;
  const float row = ImGui::GetTextLineHeight() + style.CellPadding.y * 2;
  const float estimate = (1 + std::max(loaded_count(s), 1)) * row + style.ItemSpacing.y;
  const float meters_h = measured_meters_h > 0 ? measured_meters_h + style.ItemSpacing.y : estimate;
  const float lane_h = std::clamp(height * 0.14f, 44.0f, 120.0f);
  const float top = ImGui::GetCursorPosY();
  draw_waveforms(s, lane_h);
  draw_transport(s);
  const float left = height - (ImGui::GetCursorPosY() - top) - meters_h - style.ItemSpacing.y;
  draw_spectra(s, ImVec2(ImGui::GetContentRegionAvail().x, std::max(left, ImGui::GetFontSize() * 10)));
  const float before_meters = ImGui::GetCursorPosY();
  draw_meters_table(s);
  measured_meters_h = ImGui::GetCursorPosY() - before_meters;
}

void draw_side_panel(UiState& s) {
  draw_mastering_panel(s);
  draw_export_panel(s);
  draw_album_panel(s);
  draw_params_panel(s);
}

void draw_status_line(const UiState& s) {
  ImGui::Separator();
  if (s.busy || s.progress.running) {
    const char spinner[] = "|/-\\";
    ImGui::TextColored(ImVec4(0.55f, 0.80f, 1.0f, 1.0f), "%c", spinner[static_cast<int>(ImGui::GetTime() * 8) % 4]);
    ImGui::SameLine();
  }
  if (s.status_is_error)
    ImGui::TextColored(ImVec4(1.0f, 0.38f, 0.35f, 1.0f), "Error: %s", s.status.c_str());
  else if (!s.status.empty())
    ImGui::TextUnformatted(s.status.c_str());
  else
    ImGui::TextDisabled(s.busy ? "Working..." : "Ready. Everything runs in this page; no audio leaves your machine.");
}

}  // namespace

void apply_studio_style() {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0.0f;
  style.FrameRounding = 3.0f;
  style.GrabRounding = 3.0f;
  style.ChildRounding = 3.0f;
  style.PopupRounding = 3.0f;
  style.WindowBorderSize = 0.0f;
  style.FramePadding = ImVec2(6, 4);
  style.ItemSpacing = ImVec2(8, 6);
  ImVec4* c = style.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0.09f, 0.10f, 0.12f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.11f, 0.12f, 0.15f, 1.0f);
  c[ImGuiCol_FrameBg] = ImVec4(0.17f, 0.19f, 0.24f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.20f, 0.25f, 0.34f, 1.0f);
  c[ImGuiCol_Button] = ImVec4(0.20f, 0.27f, 0.40f, 1.0f);
  c[ImGuiCol_SliderGrab] = ImVec4(0.36f, 0.58f, 0.95f, 0.55f);
  c[ImGuiCol_SliderGrabActive] = ImVec4(0.45f, 0.68f, 1.0f, 0.8f);
  c[ImGuiCol_PlotHistogram] = ImVec4(0.35f, 0.75f, 0.48f, 1.0f);
}

void draw_ui(UiState& s) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->Pos);
  ImGui::SetNextWindowSize(vp->Size);
  const bool narrow = vp->Size.x < kNarrowWidth;
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                           ImGuiWindowFlags_NoBringToFrontOnFocus;
  if (narrow) flags &= ~ImGuiWindowFlags_NoScrollbar;  // one scrolling column
  ImGui::Begin("##studio", nullptr, flags);
  draw_top_bar(s);
  ImGui::Separator();

  const float status_h = ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (narrow) {
    draw_overview(s, std::max(avail.y, 480.0f));
    draw_side_panel(s);
  } else {
    const float side_w = std::clamp(avail.x * 0.36f, 360.0f, 480.0f);
    const float body_h = std::max(avail.y - status_h, 100.0f);
    ImGui::BeginChild("overview", ImVec2(avail.x - side_w - ImGui::GetStyle().ItemSpacing.x, body_h));
    draw_overview(s, body_h);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("side", ImVec2(side_w, body_h), true);
    draw_side_panel(s);
    ImGui::EndChild();
  }
  draw_status_line(s);
  ImGui::End();
}

}  // namespace ito::ui

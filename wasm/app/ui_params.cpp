// The parameter panel: 46 labelled sliders grouped by processor, the five parameters ITO
// moved most marked "ITO", and a reset to the ITO result. Values are normalized 0..1 and
// sent to the page when a slider is released.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "app/ui_actions.h"
#include "app/ui_panels.h"
#include "imgui.h"

namespace ito::ui {
namespace {

const ImVec4 kChangedColor(1.0f, 0.82f, 0.35f, 1.0f);

// ImGui treats the slider's display text as a printf format: escape '%'.
std::string as_format(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}

bool any_changed_by_ito(const ParamsView& p, ParamRange range) {
  for (int i = range.first; i < range.first + range.count; ++i)
    if (p.changed_by_ito[i]) return true;
  return false;
}

void draw_param_label(const ParamsView& p, int index) {
  const ParamInfo& info = param_table()[index];
  if (!p.changed_by_ito[index]) {
    ImGui::TextUnformatted(info.label);
    return;
  }
  ImGui::TextColored(kChangedColor, "%s", info.label);
  ImGui::SameLine();
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.1f, 0.1f, 0.1f, 1.0f));
  ImGui::PushStyleColor(ImGuiCol_Button, kChangedColor);
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, kChangedColor);
  ImGui::PushStyleColor(ImGuiCol_ButtonActive, kChangedColor);
  ImGui::PushID(index);
  ImGui::SmallButton("ITO");
  ImGui::PopID();
  ImGui::PopStyleColor(4);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Changed by ITO: %s -> %s", format_param_value(index, p.initial[index]).c_str(),
                      format_param_value(index, p.ito_result[index]).c_str());
}

// One slider; returns nothing, emits `param` on release and on right-click reset.
void draw_param_slider(ParamsView& p, int index) {
  float v = static_cast<float>(p.current[index]);
  const std::string text = as_format(format_param_value(index, v));
  ImGui::PushID(index);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::SliderFloat("##value", &v, 0.0f, 1.0f, text.c_str(),
                         ImGuiSliderFlags_NoInput | ImGuiSliderFlags_AlwaysClamp))
    p.current[index] = v;
  if (ImGui::IsItemDeactivatedAfterEdit()) emit_param(index, p.current[index]);

  // Tick where ITO left this parameter, when the user has moved away from it.
  const double ito_value = p.ito_result[index];
  if (std::fabs(p.current[index] - ito_value) > 1e-4) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    const float grab = ImGui::GetStyle().GrabMinSize;
    const float x = a.x + grab * 0.5f + 2.0f + static_cast<float>(ito_value) * (b.x - a.x - grab - 4.0f);
    ImGui::GetWindowDrawList()->AddLine(ImVec2(x, a.y + 1), ImVec2(x, b.y - 1), ImColor(kChangedColor), 2.0f);
  }
  if (ImGui::IsItemHovered() && !ImGui::IsItemActive())
    ImGui::SetTooltip("ITO result: %s\nRight-click: back to the ITO value", format_param_value(index, ito_value).c_str());
  if (ImGui::IsItemClicked(ImGuiMouseButton_Right)) {
    p.current[index] = ito_value;
    emit_param(index, ito_value);
  }
  ImGui::PopID();
}

// One Match EQ curve as it applies now (amount included), dB per 1/3-octave band.
void draw_curve(const char* id, const char* what, const std::array<float, kThirdOctaveBands>& full, float amount) {
  float curve[kThirdOctaveBands];
  float peak = 0.0f;
  for (int b = 0; b < kThirdOctaveBands; ++b) {
    curve[b] = full[b] * amount;
    peak = std::max(peak, std::fabs(curve[b]));
  }
  char overlay[96];
  std::snprintf(overlay, sizeof overlay, "%s: largest move %.1f dB", what, peak);
  ImGui::PlotLines(id, curve, kThirdOctaveBands, 0, overlay, -12.0f, 12.0f,
                   ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 4));
  if (ImGui::IsItemHovered()) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    const float t = (ImGui::GetIO().MousePos.x - a.x) / std::max(1.0f, b.x - a.x);
    const int band = std::clamp(static_cast<int>(t * kThirdOctaveBands), 0, kThirdOctaveBands - 1);
    ImGui::SetTooltip("%s, %.0f Hz: %+.1f dB (shown: +-12 dB, 20 Hz-20 kHz)\n"
                      "The Match EQ slider (next to Master) scales both curves.",
                      what, kThirdOctaveCentres[band], curve[band]);
  }
}

void draw_match_eq(const ParamsView& p) {
  ImGui::SetNextItemOpen(p.match_eq_amount > 0.0f, ImGuiCond_Once);
  if (!ImGui::CollapsingHeader("Match EQ (ahead of the chain)")) return;
  ImGui::Text("Amount %.0f %%", 100.0f * p.match_eq_amount);
  draw_curve("##match_eq_mid", "Mid", p.match_eq_db, p.match_eq_amount);
  draw_curve("##match_eq_side", "Side", p.match_eq_side_db, p.match_eq_amount);
}

}  // namespace

void draw_params_panel(UiState& s) {
  ImGui::Spacing();
  ImGui::TextColored(ImVec4(0.85f, 0.88f, 0.95f, 1.0f), "Parameters");
  ImGui::Separator();
  ParamsView& p = s.params;
  if (!p.has) {
    ImGui::TextDisabled("Master a track to see and edit the 46 parameters.");
    return;
  }
  ImGui::BeginDisabled(s.progress.running);
  ImGui::BeginDisabled(p.current == p.ito_result);
  if (ImGui::Button("Reset to ITO result")) {
    p.current = p.ito_result;
    emit_reset_params(p.ito_result);
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::TextColored(kChangedColor, "ITO");
  ImGui::SameLine(0, 4);
  ImGui::TextDisabled("= changed most by ITO");

  draw_match_eq(p);
  for (int proc = 0; proc < kNumProcessors; ++proc) {
    const Processor processor = static_cast<Processor>(proc);
    const ParamRange range = processor_params(processor);
    if (processor == Processor::Distortion && !p.saturator_on) {
      // Off unless the user asks for character: its settings would not be heard.
      ImGui::TextDisabled("Distortion: off (Character 0)");
      continue;
    }
    if (processor == Processor::Imager && !p.imager_on) {
      ImGui::TextDisabled("Stereo Imager: off (mono input)");
      continue;
    }
    ImGui::SetNextItemOpen(any_changed_by_ito(p, range), ImGuiCond_Once);
    if (!ImGui::CollapsingHeader(processor_name(processor))) continue;
    if (!ImGui::BeginTable(processor_name(processor), 2, ImGuiTableFlags_SizingStretchProp)) continue;
    ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthStretch, 0.5f);
    ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch, 0.5f);
    for (int i = range.first; i < range.first + range.count; ++i) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::AlignTextToFramePadding();
      draw_param_label(p, i);
      ImGui::TableNextColumn();
      draw_param_slider(p, i);
    }
    ImGui::EndTable();
  }
  ImGui::EndDisabled();
}

}  // namespace ito::ui

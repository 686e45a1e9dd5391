// The whole studio UI for one frame, drawn into a window that covers the display.
// Platform-free: only Dear ImGui; user actions go out through ui_actions.h.
#pragma once
#include "app/ui_state.h"

namespace ito::ui {

void apply_studio_style();  // colors and roundings; call once after ImGui::CreateContext
void draw_ui(UiState& s);   // between ImGui::NewFrame and ImGui::Render

}  // namespace ito::ui

// The side panel's sections (mastering, export, parameters); used by ui_draw.cpp.
#pragma once
#include "app/ui_state.h"

namespace ito::ui {

void draw_mastering_panel(UiState& s);  // target loudness, ceiling, steps, Master/Stop, progress, loss
void draw_target_panel(UiState& s);     // ITO target: second reference, feature adjustments (ui_target.cpp)
void draw_export_panel(UiState& s);     // export WAV / settings, import settings
void draw_album_panel(UiState& s);      // several mixes toward the reference, their table, one ZIP
void draw_params_panel(UiState& s);     // the 46 parameters, grouped by processor

}  // namespace ito::ui

// Plots drawn with ImGui's draw lists: waveforms (with playhead, click-to-seek and
// shift-drag loop selection), overlaid spectra, the ITO loss curve and the meters table.
// Platform-free: only Dear ImGui.
#pragma once
#include "app/ui_state.h"
#include "imgui.h"

namespace ito::ui {

ImU32 track_color(TrackKind k, float alpha = 1.0f);

// Three stacked lanes (input, reference, output), each `lane_height` tall, full width.
// Clicking a lane selects that track (if needed) and seeks; shift+drag selects a loop region.
void draw_waveforms(UiState& s, float lane_height);

// Spectra of all loaded tracks on a log-frequency axis (20 Hz - 20 kHz), dB.
void draw_spectra(const UiState& s, ImVec2 size);

// Loss and best-loss per ITO step (log scale when all positive).
void draw_loss_curve(const ProgressView& p, ImVec2 size);

// Integrated / short-term loudness, LRA, true peak, width, crest, DRV per loaded track.
void draw_meters_table(const UiState& s);

}  // namespace ito::ui

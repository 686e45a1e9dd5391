#include "app/ui_plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "app/ui_actions.h"

namespace ito::ui {
namespace {

constexpr ImU32 kPlotBackground = IM_COL32(22, 24, 30, 255);
constexpr ImU32 kGridColor = IM_COL32(255, 255, 255, 28);
constexpr ImU32 kAxisTextColor = IM_COL32(170, 175, 190, 255);
constexpr ImU32 kPlayheadColor = IM_COL32(255, 255, 255, 230);
constexpr ImU32 kLoopFill = IM_COL32(255, 210, 80, 40);
constexpr ImU32 kLoopEdge = IM_COL32(255, 210, 80, 170);

float clamp01(float v) { return std::clamp(v, 0.0f, 1.0f); }

// Where a time falls on a lane of `seconds` length, as a fraction of its width.
float time_fraction(double t, double seconds) {
  return seconds > 0 ? clamp01(static_cast<float>(t / seconds)) : 0.0f;
}

// Loop selection in progress (shift+drag), shared by all lanes.
struct LoopDrag {
  int lane = -1;
  double t0 = 0, t1 = 0;
};
LoopDrag g_loop_drag;

void draw_wave_shape(ImDrawList* dl, const TrackView& t, ImVec2 p0, ImVec2 size, ImU32 color) {
  const int bins = static_cast<int>(t.wave_max.size());
  const int columns = std::max(1, static_cast<int>(size.x));
  if (bins == 0) return;
  const float mid = p0.y + size.y * 0.5f;
  const float half = size.y * 0.5f - 2.0f;
  for (int x = 0; x < columns; ++x) {
    const int b0 = static_cast<int>(static_cast<long long>(x) * bins / columns);
    const int b1 = std::max(b0 + 1, static_cast<int>(static_cast<long long>(x + 1) * bins / columns));
    float lo = 1.0f, hi = -1.0f;
    for (int b = b0; b < std::min(b1, bins); ++b) {
      lo = std::min(lo, t.wave_min[b]);
      hi = std::max(hi, t.wave_max[b]);
    }
    if (hi < lo) continue;
    lo = std::clamp(lo, -1.0f, 1.0f);
    hi = std::clamp(hi, -1.0f, 1.0f);
    dl->AddRectFilled(ImVec2(p0.x + x, mid - hi * half), ImVec2(p0.x + x + 1, mid - lo * half + 1.0f), color);
  }
}

void draw_loop_region(ImDrawList* dl, double start, double end, double seconds, ImVec2 p0, ImVec2 size) {
  if (!(end > start) || seconds <= 0) return;
  const float x0 = p0.x + size.x * time_fraction(start, seconds);
  const float x1 = p0.x + size.x * time_fraction(end, seconds);
  dl->AddRectFilled(ImVec2(x0, p0.y), ImVec2(x1, p0.y + size.y), kLoopFill);
  dl->AddLine(ImVec2(x0, p0.y), ImVec2(x0, p0.y + size.y), kLoopEdge, 1.5f);
  dl->AddLine(ImVec2(x1, p0.y), ImVec2(x1, p0.y + size.y), kLoopEdge, 1.5f);
}

void draw_lane(UiState& s, TrackKind kind, float width, float height) {
  const TrackView& t = s.track(kind);
  const int lane = static_cast<int>(kind);
  ImGui::PushID(lane);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 size(std::max(width, 10.0f), std::max(height, 10.0f));
  const ImVec2 p1(p0.x + size.x, p0.y + size.y);
  ImGui::InvisibleButton("lane", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();

  const bool selected = s.playback.which == kind;
  dl->AddRectFilled(p0, p1, kPlotBackground);
  dl->AddLine(ImVec2(p0.x, (p0.y + p1.y) * 0.5f), ImVec2(p1.x, (p0.y + p1.y) * 0.5f), kGridColor);
  if (selected) dl->AddRect(p0, p1, track_color(kind, 0.8f));

  if (!t.loaded) {
    const char* hint = kind == TrackKind::Output ? "Output: master to hear the result" : "not loaded";
    const ImVec2 ts = ImGui::CalcTextSize(hint);
    dl->AddText(ImVec2(p0.x + (size.x - ts.x) * 0.5f, p0.y + (size.y - ts.y) * 0.5f), kAxisTextColor, hint);
  } else {
    draw_wave_shape(dl, t, p0, size, track_color(kind, selected ? 0.95f : 0.6f));
    const Settings& set = s.settings;
    if (set.loop) draw_loop_region(dl, set.loop_start, set.loop_end, t.seconds, p0, size);
    if (g_loop_drag.lane == lane)
      draw_loop_region(dl, std::min(g_loop_drag.t0, g_loop_drag.t1), std::max(g_loop_drag.t0, g_loop_drag.t1),
                       t.seconds, p0, size);
    // Playhead: solid on the playing track, faint on tracks of the same length.
    const PlaybackView& pb = s.playback;
    const bool same_length = std::fabs(t.seconds - pb.duration_s) < 0.5;
    if (selected || same_length) {
      const float x = p0.x + size.x * time_fraction(pb.position_s, t.seconds);
      dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), selected ? kPlayheadColor : IM_COL32(255, 255, 255, 90),
                  selected ? 2.0f : 1.0f);
    }

    // Interaction: time under the mouse on this lane's own axis.
    const ImGuiIO& io = ImGui::GetIO();
    const double t_mouse = t.seconds * clamp01((io.MousePos.x - p0.x) / size.x);
    if (ImGui::IsItemActivated() && io.KeyShift) {
      g_loop_drag = {lane, t_mouse, t_mouse};
    } else if (ImGui::IsItemActive() && g_loop_drag.lane == lane) {
      g_loop_drag.t1 = t_mouse;
    } else if (ImGui::IsItemDeactivated() && g_loop_drag.lane == lane) {
      const double a = std::min(g_loop_drag.t0, g_loop_drag.t1), b = std::max(g_loop_drag.t0, g_loop_drag.t1);
      g_loop_drag = {};
      if (b - a > 0.05) {
        s.settings.loop = true;
        s.settings.loop_start = a;
        s.settings.loop_end = b;
        if (!selected) emit_select(kind);
        emit_loop(s.settings, t.seconds);
        emit_seek(a);
      }
    } else if (ImGui::IsItemActivated()) {
      if (!selected) emit_select(kind);
      emit_seek(t_mouse);
    }
    if (hovered && g_loop_drag.lane < 0)
      ImGui::SetTooltip("%s  %s / %s\nClick: play from here   Shift+drag: loop region", track_title(kind),
                        format_time(t_mouse).c_str(), format_time(t.seconds).c_str());
  }

  // Lane label, top left.
  char label[64];
  std::snprintf(label, sizeof label, "%c  %s", "ABC"[lane], track_title(kind));
  const ImVec2 label_size = ImGui::CalcTextSize(label);
  dl->AddRectFilled(ImVec2(p0.x + 2, p0.y + 2), ImVec2(p0.x + label_size.x + 10, p0.y + label_size.y + 4),
                    IM_COL32(0, 0, 0, 170), 3.0f);
  dl->AddText(ImVec2(p0.x + 6, p0.y + 3), track_color(kind), label);
  ImGui::PopID();
}

// Center frequency of band i of `bands` log-spaced bands between 20 Hz and 20 kHz.
double band_frequency(int i, int bands) { return 20.0 * std::pow(1000.0, (i + 0.5) / bands); }
float frequency_fraction(double hz) { return static_cast<float>((std::log10(hz) - std::log10(20.0)) / 3.0); }

}  // namespace

ImU32 track_color(TrackKind k, float alpha) {
  const int a = static_cast<int>(clamp01(alpha) * 255.0f);
  switch (k) {
    case TrackKind::Input: return IM_COL32(110, 170, 255, a);
    case TrackKind::Reference: return IM_COL32(255, 160, 70, a);
    case TrackKind::Output: return IM_COL32(110, 225, 140, a);
  }
  return IM_COL32(200, 200, 200, a);
}

void draw_waveforms(UiState& s, float lane_height) {
  const float width = ImGui::GetContentRegionAvail().x;
  for (int k = 0; k < kNumTracks; ++k) draw_lane(s, static_cast<TrackKind>(k), width, lane_height);
}

void draw_spectra(const UiState& s, ImVec2 size) {
  size.x = std::max(size.x, 50.0f);
  size.y = std::max(size.y, 50.0f);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 p1(p0.x + size.x, p0.y + size.y);
  ImGui::InvisibleButton("spectra", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, p1, kPlotBackground);

  // dB range: 72 dB below the loudest band of any loaded track, on a 6 dB grid.
  float top = -1e9f;
  for (const TrackView& t : s.tracks)
    if (t.loaded)
      for (float v : t.spectrum_db)
        if (std::isfinite(v)) top = std::max(top, v);
  if (top < -1e8f) {
    const char* hint = "Spectra appear here once a track is loaded";
    const ImVec2 ts = ImGui::CalcTextSize(hint);
    dl->AddText(ImVec2(p0.x + (size.x - ts.x) * 0.5f, p0.y + (size.y - ts.y) * 0.5f), kAxisTextColor, hint);
    return;
  }
  top = std::ceil(top / 6.0f) * 6.0f + 6.0f;
  const float range = 78.0f, bottom = top - range;
  auto y_of = [&](float db) { return p0.y + size.y * clamp01((top - db) / range); };
  auto x_of = [&](double hz) { return p0.x + size.x * clamp01(frequency_fraction(hz)); };

  dl->PushClipRect(p0, p1, true);
  for (double hz : {50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0}) {
    const float x = x_of(hz);
    dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), kGridColor);
    char buf[16];
    std::snprintf(buf, sizeof buf, hz >= 1000 ? "%.0fk" : "%.0f", hz >= 1000 ? hz / 1000 : hz);
    dl->AddText(ImVec2(x + 3, p1.y - ImGui::GetFontSize() - 2), kAxisTextColor, buf);
  }
  for (float db = top - 12.0f; db > bottom; db -= 12.0f) {
    const float y = y_of(db);
    dl->AddLine(ImVec2(p0.x, y), ImVec2(p1.x, y), kGridColor);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f dB", db);
    dl->AddText(ImVec2(p0.x + 3, y + 1), kAxisTextColor, buf);
  }
  std::vector<ImVec2> points;
  for (int k = 0; k < kNumTracks; ++k) {
    const TrackView& t = s.tracks[k];
    const int bands = static_cast<int>(t.spectrum_db.size());
    if (!t.loaded || bands < 2) continue;
    points.clear();
    for (int i = 0; i < bands; ++i) {
      const float db = std::isfinite(t.spectrum_db[i]) ? t.spectrum_db[i] : bottom;
      points.emplace_back(x_of(band_frequency(i, bands)), y_of(db));
    }
    dl->AddPolyline(points.data(), static_cast<int>(points.size()), track_color(static_cast<TrackKind>(k)), 0, 1.5f);
  }
  dl->PopClipRect();

  if (hovered) {
    const float fx = clamp01((ImGui::GetIO().MousePos.x - p0.x) / size.x);
    const double hz = 20.0 * std::pow(1000.0, fx);
    dl->AddLine(ImVec2(ImGui::GetIO().MousePos.x, p0.y), ImVec2(ImGui::GetIO().MousePos.x, p1.y), kGridColor, 1.0f);
    ImGui::BeginTooltip();
    ImGui::Text(hz >= 1000 ? "%.2f kHz" : "%.0f Hz", hz >= 1000 ? hz / 1000 : hz);
    for (int k = 0; k < kNumTracks; ++k) {
      const TrackView& t = s.tracks[k];
      const int bands = static_cast<int>(t.spectrum_db.size());
      if (!t.loaded || bands < 2) continue;
      const int i = std::clamp(static_cast<int>(fx * bands), 0, bands - 1);
      ImGui::TextColored(ImColor(track_color(static_cast<TrackKind>(k))), "%-9s %6.1f dB",
                         track_title(static_cast<TrackKind>(k)), t.spectrum_db[i]);
    }
    ImGui::EndTooltip();
  }
}

void draw_loss_curve(const ProgressView& p, ImVec2 size) {
  size.x = std::max(size.x, 50.0f);
  size.y = std::max(size.y, 30.0f);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 p1(p0.x + size.x, p0.y + size.y);
  ImGui::Dummy(size);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, p1, kPlotBackground);
  const int n = static_cast<int>(p.loss_curve.size());
  if (n == 0) {
    dl->AddText(ImVec2(p0.x + 6, p0.y + 4), kAxisTextColor, "Loss curve (appears while mastering)");
    return;
  }
  float lo = 1e30f, hi = -1e30f;
  for (int i = 0; i < n; ++i) {
    lo = std::min({lo, p.loss_curve[i], p.best_curve[i]});
    hi = std::max({hi, p.loss_curve[i], p.best_curve[i]});
  }
  const bool log_scale = lo > 0 && hi / lo > 4.0f;
  auto map = [&](float v) { return log_scale ? std::log10(v) : v; };
  float y_lo = map(lo), y_hi = map(hi);
  if (y_hi - y_lo < 1e-9f) y_lo -= 0.5f, y_hi += 0.5f;
  const int first = p.curve_steps.front();
  const float span = static_cast<float>(std::max({p.max_steps, p.curve_steps.back(), first + 1}) - first);
  auto point = [&](int step, float v) {
    const float fy = (map(v) - y_lo) / (y_hi - y_lo);
    const float top = ImGui::GetFontSize() + 8;  // below the caption
    return ImVec2(p0.x + 4 + (size.x - 8) * (step - first) / span, p1.y - 4 - (size.y - top - 4) * fy);
  };
  std::vector<ImVec2> loss, best;
  for (int i = 0; i < n; ++i) {
    loss.push_back(point(p.curve_steps[i], p.loss_curve[i]));
    best.push_back(point(p.curve_steps[i], p.best_curve[i]));
  }
  dl->AddPolyline(loss.data(), n, IM_COL32(150, 160, 180, 200), 0, 1.0f);
  dl->AddPolyline(best.data(), n, IM_COL32(110, 225, 140, 255), 0, 2.0f);
  char buf[96];
  std::snprintf(buf, sizeof buf, "loss %.4g   best %.4g%s", p.loss, p.best_loss, log_scale ? "   (log)" : "");
  dl->AddText(ImVec2(p0.x + 6, p0.y + 4), kAxisTextColor, buf);
}

void draw_meters_table(const UiState& s) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchSame;
  if (!ImGui::BeginTable("meters", 8, flags)) return;
  const char* headers[] = {"Track", "Integrated", "Short-term", "LRA", "True peak", "Width", "Crest", "DRV"};
  const char* tips[] = {"", "Integrated loudness (LUFS, BS.1770)", "Short-term loudness at the playhead (LUFS, 3 s)",
                        "Loudness range (LU, EBU Tech 3342)", "True peak (dBTP, 4x oversampled)",
                        "Stereo width: side/mid energy ratio", "Crest factor: peak to RMS (dB)",
                        "Dynamic-range variability"};
  for (int c = 0; c < 8; ++c) ImGui::TableSetupColumn(headers[c], 0, c == 2 ? 2.0f : 1.0f);  // short-term is wider
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c < 8; ++c) {
    ImGui::TableSetColumnIndex(c);
    ImGui::TableHeader(headers[c]);
    if (tips[c][0] && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tips[c]);
  }
  static std::vector<float> sparkline;
  for (int k = 0; k < kNumTracks; ++k) {
    const TrackView& t = s.tracks[k];
    if (!t.loaded) continue;
    const TrackMetrics& m = t.metrics;
    auto cell = [](double v, const char* fmt) {
      ImGui::TableNextColumn();
      if (std::isfinite(v))
        ImGui::Text(fmt, v);
      else
        ImGui::TextDisabled("--");
    };
    ImGui::TableNextRow();
    ImGui::PushID(k);
    ImGui::TableNextColumn();
    ImGui::TextColored(ImColor(track_color(static_cast<TrackKind>(k))), "%s", track_title(static_cast<TrackKind>(k)));
    cell(m.lufs, "%.1f LUFS");

    // Short-term: value at the playhead and a sparkline of the whole track.
    ImGui::TableNextColumn();
    const int n = static_cast<int>(m.short_term_lufs.size());
    if (n > 0 && t.seconds > 0) {
      const float column_w = ImGui::GetContentRegionAvail().x;
      const int i = std::clamp(static_cast<int>(s.playback.position_s / t.seconds * n), 0, n - 1);
      const float now = m.short_term_lufs[i];
      if (std::isfinite(now) && now > -70.0f)
        ImGui::Text("%5.1f", now);
      else
        ImGui::TextDisabled("  --");
      const float spark_w = column_w - ImGui::CalcTextSize("-00.0").x - ImGui::GetStyle().ItemSpacing.x;
      if (spark_w >= 30.0f) {  // narrower columns show the value alone
        ImGui::SameLine();
        sparkline.resize(n);
        for (int j = 0; j < n; ++j)
          sparkline[j] = std::isfinite(m.short_term_lufs[j]) ? std::clamp(m.short_term_lufs[j], -50.0f, 0.0f) : -50.0f;
        ImGui::PushStyleColor(ImGuiCol_PlotLines, ImGui::ColorConvertU32ToFloat4(track_color(static_cast<TrackKind>(k))));
        ImGui::PlotLines("##st", sparkline.data(), n, 0, nullptr, -50.0f, 0.0f, ImVec2(spark_w, ImGui::GetTextLineHeight()));
        ImGui::PopStyleColor();
      }
    } else {
      ImGui::TextDisabled("--");
    }
    cell(m.lra, "%.1f LU");
    cell(m.true_peak_dbtp, "%.1f dBTP");
    cell(m.width, "%.2f");
    cell(m.crest_db, "%.1f dB");
    cell(m.drv, "%.2f");
    ImGui::PopID();
  }
  ImGui::EndTable();
}

}  // namespace ito::ui

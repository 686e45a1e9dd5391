#include "master/mastering_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "analysis/display_spectrum.h"
#include "analysis/loudness.h"
#include "ito/ito_theta.h"

namespace ito {
namespace {

constexpr const char* kColors[3] = {"#5aa0ff", "#f0a050", "#50d090"};  // input, reference, master
constexpr int kPlotW = 760, kPlotH = 240, kLeft = 52, kBottom = 26, kTop = 10, kRight = 12;

std::string num(double v, const char* format = "%.2f") {
  char b[64];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A line plot's frame: axes mapping, grid lines and their labels.
struct Plot {
  double x0, x1, y0, y1;
  bool log_x = false;
  double px(double x) const {
    const double t = log_x ? (std::log10(x) - std::log10(x0)) / (std::log10(x1) - std::log10(x0)) : (x - x0) / (x1 - x0);
    return kLeft + t * (kPlotW - kLeft - kRight);
  }
  double py(double y) const { return kTop + (y1 - std::clamp(y, y0, y1)) / (y1 - y0) * (kPlotH - kTop - kBottom); }
};

std::string svg_open(const std::string& label) {
  return "<svg viewBox=\"0 0 " + std::to_string(kPlotW) + " " + std::to_string(kPlotH) +
         "\" role=\"img\" aria-label=\"" + escape(label) + "\">";
}

std::string grid(const Plot& p, const std::vector<std::pair<double, std::string>>& xs,
                 const std::vector<std::pair<double, std::string>>& ys) {
  std::string s;
  for (const auto& [x, label] : xs) {
    s += "<line class=\"g\" x1=\"" + num(p.px(x), "%.1f") + "\" y1=\"" + std::to_string(kTop) + "\" x2=\"" +
         num(p.px(x), "%.1f") + "\" y2=\"" + std::to_string(kPlotH - kBottom) + "\"/>";
    s += "<text x=\"" + num(p.px(x), "%.1f") + "\" y=\"" + std::to_string(kPlotH - 8) + "\" text-anchor=\"middle\">" +
         label + "</text>";
  }
  for (const auto& [y, label] : ys) {
    s += "<line class=\"g\" x1=\"" + std::to_string(kLeft) + "\" y1=\"" + num(p.py(y), "%.1f") + "\" x2=\"" +
         std::to_string(kPlotW - kRight) + "\" y2=\"" + num(p.py(y), "%.1f") + "\"/>";
    s += "<text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + num(p.py(y) + 4, "%.1f") + "\" text-anchor=\"end\">" +
         label + "</text>";
  }
  return s;
}

std::string polyline(const std::vector<std::pair<double, double>>& pts, const Plot& p, const char* color,
                     bool dashed = false) {
  std::string s = "<polyline fill=\"none\" stroke=\"" + std::string(color) + "\" stroke-width=\"1.6\"" +
                  (dashed ? " stroke-dasharray=\"5 3\"" : "") + " points=\"";
  for (const auto& [x, y] : pts) s += num(p.px(x), "%.1f") + "," + num(p.py(y), "%.1f") + " ";
  return s + "\"/>";
}

std::string legend(const ReportInput& r) {
  const ReportTrack* t[3] = {&r.input, &r.reference, &r.master};
  const char* role[3] = {"input", "reference", "master"};
  std::string s = "<p class=\"legend\">";
  for (int i = 0; i < 3; ++i)
    s += "<span style=\"color:" + std::string(kColors[i]) + "\">&#9632; " + role[i] + ": " + escape(t[i]->name) +
         "</span> ";
  return s + "</p>";
}

std::string spectra_plot(const ReportInput& r) {
  const ReportTrack* t[3] = {&r.input, &r.reference, &r.master};
  double top = -120;
  for (const ReportTrack* k : t)
    for (float v : k->spectrum_db) top = std::max(top, static_cast<double>(v));
  top = std::ceil(top / 10.0) * 10.0;
  const Plot p{20.0, 20000.0, top - 80.0, top, true};
  std::vector<std::pair<double, std::string>> xs = {{50, "50"}, {100, "100"}, {200, "200"}, {500, "500"},
                                                     {1000, "1k"}, {2000, "2k"}, {5000, "5k"}, {10000, "10k"}};
  std::vector<std::pair<double, std::string>> ys;
  for (double y = top - 80; y <= top; y += 20) ys.push_back({y, num(y, "%.0f") + " dB"});
  std::string s = svg_open("Long-term spectra") + grid(p, xs, ys);
  for (int i = 0; i < 3; ++i) {
    std::vector<std::pair<double, double>> pts;
    for (std::size_t b = 0; b < t[i]->spectrum_db.size(); ++b)
      pts.push_back({std::sqrt(display_spectrum_edge_hz(static_cast<int>(b)) * display_spectrum_edge_hz(static_cast<int>(b) + 1)),
                     t[i]->spectrum_db[b]});
    s += polyline(pts, p, kColors[i]);
  }
  return s + "</svg>";
}

std::string loudness_plot(const ReportInput& r) {
  const ReportTrack* t[3] = {&r.input, &r.reference, &r.master};
  double top = -70, seconds = 1;
  for (const ReportTrack* k : t) {
    for (double v : k->short_term_lufs)
      if (std::isfinite(v)) top = std::max(top, v);
    seconds = std::max(seconds, (static_cast<double>(k->short_term_lufs.size()) + 5.0) * r.short_term_hop_s);
  }
  top = std::ceil((top + 1.0) / 5.0) * 5.0;
  const Plot p{0.0, seconds, top - 40.0, top, false};
  std::vector<std::pair<double, std::string>> xs;
  const double step = seconds > 1200 ? 300 : seconds > 300 ? 60 : seconds > 60 ? 15 : 5;
  for (double x = step; x < seconds; x += step)
    xs.push_back({x, step >= 60 ? num(x / 60, "%.0f") + " min" : num(x, "%.0f") + " s"});
  std::vector<std::pair<double, std::string>> ys;
  for (double y = top - 40; y <= top; y += 10) ys.push_back({y, num(y, "%.0f")});
  std::string s = svg_open("Short-term loudness over time") + grid(p, xs, ys);
  for (int i = 0; i < 3; ++i) {
    std::vector<std::pair<double, double>> pts;
    // Windows end 3 s after they start: each value sits at its window's end.
    for (std::size_t k = 0; k < t[i]->short_term_lufs.size(); ++k)
      pts.push_back({3.0 + k * r.short_term_hop_s, std::isfinite(t[i]->short_term_lufs[k]) ? t[i]->short_term_lufs[k] : -200.0});
    s += polyline(pts, p, kColors[i], i == 1);
  }
  return s + "</svg>";
}

std::string loss_plot(const std::vector<double>& curve) {
  double hi = 0, lo = 1e300;
  for (double v : curve)
    if (std::isfinite(v)) hi = std::max(hi, v), lo = std::min(lo, v);
  if (curve.size() < 2 || !(hi > lo)) return "";
  const Plot p{0.0, static_cast<double>(curve.size() - 1), 0.0, hi * 1.05, false};
  std::vector<std::pair<double, std::string>> xs, ys;
  const double step = std::max(1.0, std::ceil((curve.size() - 1) / 8.0));
  for (double x = step; x < curve.size(); x += step) xs.push_back({x, num(x, "%.0f")});
  for (int k = 0; k <= 4; ++k) ys.push_back({hi * 1.05 * k / 4, num(hi * 1.05 * k / 4, "%.3f")});
  std::vector<std::pair<double, double>> pts;
  for (std::size_t k = 0; k < curve.size(); ++k) pts.push_back({static_cast<double>(k), curve[k]});
  return "<h2>ITO's loss per step</h2>" + svg_open("ITO loss per step") + grid(p, xs, ys) +
         polyline(pts, p, "#c8c8c8") + "</svg>";
}

std::string metrics_table(const ReportInput& r) {
  const ReportTrack* t[3] = {&r.input, &r.reference, &r.master};
  struct Row {
    const char* label;
    double TrackMetrics::*field;
    const char* format;
  };
  const Row rows[] = {{"Integrated loudness (LUFS)", &TrackMetrics::lufs, "%.1f"},
                      {"True peak (dBTP)", &TrackMetrics::true_peak_dbtp, "%.1f"},
                      {"Loudness range (LU)", &TrackMetrics::lra, "%.1f"},
                      {"Crest factor (dB)", &TrackMetrics::crest_db, "%.1f"},
                      {"Stereo width (side/mid)", &TrackMetrics::width, "%.3f"},
                      {"DRV", &TrackMetrics::drv, "%.2f"}};
  std::string s = "<table><tr><th></th><th>Input</th><th>Reference</th><th>Master</th></tr>";
  for (const Row& row : rows) {
    s += "<tr><td>" + std::string(row.label) + "</td>";
    for (const ReportTrack* k : t) {
      const double v = k->metrics.*row.field;
      s += "<td>" + (std::isfinite(v) ? num(v, row.format) : std::string("&minus;&infin;")) + "</td>";
    }
    s += "</tr>";
  }
  return s + "</table>";
}

// "Mid Band Comp Threshold: -18.3 dB" -> "-18.3 dB".
std::string value_of(int index, double normalized) {
  const std::string s = format_param(index, normalized);
  const std::size_t colon = s.find(": ");
  return colon == std::string::npos ? s : s.substr(colon + 2);
}

std::string settings_section(const ReportInput& r) {
  if (!r.after) return "<p>The black-box model has no settings to show: it writes the audio itself.</p>";
  const Params before = r.before.value_or(*r.after), after = *r.after;
  const std::vector<int> top = largest_changes(before, after, 5);
  std::string s = "<h2>What changed most</h2><ol>";
  for (int i : top) {
    if (std::abs(after[i] - before[i]) < 1e-6) continue;
    s += "<li><b>" + escape(param_table()[i].label) + "</b>: " + escape(value_of(i, before[i])) + " &rarr; " +
         escape(value_of(i, after[i])) + "</li>";
  }
  s += "</ol><h2>The chain's settings</h2><table><tr><th>Parameter</th><th>Before ITO</th><th>After ITO</th>"
       "<th class=\"bar\">Change (of its range)</th></tr>";
  for (int proc = 0; proc < kNumProcessors; ++proc) {
    const ParamRange range = processor_params(static_cast<Processor>(proc));
    s += "<tr class=\"proc\"><td colspan=\"4\">" + escape(processor_name(static_cast<Processor>(proc))) + "</td></tr>";
    for (int i = range.first; i < range.first + range.count; ++i) {
      const double d = after[i] - before[i];
      const bool highlight = std::find(top.begin(), top.end(), i) != top.end() && std::abs(d) >= 1e-6;
      // A bar from the middle: right for an increase, left for a decrease, full width = the whole range.
      const double w = std::min(50.0, std::abs(d) * 50.0);
      s += std::string("<tr") + (highlight ? " class=\"top\"" : "") + "><td>" + escape(param_table()[i].label) +
           "</td><td>" + escape(value_of(i, before[i])) + "</td><td>" + escape(value_of(i, after[i])) +
           "</td><td class=\"bar\"><svg viewBox=\"0 0 100 8\" preserveAspectRatio=\"none\"><line x1=\"50\" y1=\"0\" "
           "x2=\"50\" y2=\"8\" stroke=\"#666\"/><rect x=\"" + num(d >= 0 ? 50 : 50 - w, "%.2f") + "\" y=\"1\" width=\"" +
           num(w, "%.2f") + "\" height=\"6\" fill=\"" + (d >= 0 ? "#50d090" : "#f07060") + "\"/></svg></td></tr>";
    }
  }
  return s + "</table>";
}

}  // namespace

std::string method_label(const std::string& mode) {
  if (mode == "theta") return "ITO on the settings (Θ)";
  if (mode == "white-box") return "the white-box model (Ψ's prediction), ITO on z, then on the settings (Θ)";
  if (mode == "black-box") return "the black-box model, ITO on z";
  return mode;
}

ReportTrack report_track(const std::string& name, const Stereo& x, double fs, double short_term_hop_s) {
  return {name, measure_track(x, fs), display_spectrum_db(x, fs), short_term_loudness(x, fs, short_term_hop_s)};
}

std::string mastering_report_html(const ReportInput& r) {
  std::string s =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Mastering report: " +
      escape(r.input.name) +
      "</title><style>"
      "body{font:14px/1.45 system-ui,sans-serif;background:#16181c;color:#ddd;max-width:820px;margin:24px auto;padding:0 12px}"
      "h1{font-size:20px}h2{font-size:16px;margin-top:28px}svg{width:100%;height:auto;background:#1d2026}"
      "svg text{fill:#999;font-size:11px}svg .g{stroke:#333;stroke-width:1}"
      "table{border-collapse:collapse;width:100%}td,th{padding:3px 8px;border-bottom:1px solid #2c2f36;text-align:left}"
      "tr.proc td{color:#9ab;font-weight:600;padding-top:10px}tr.top td{color:#fff;background:#25303a}"
      "td.bar,th.bar{width:160px}td.bar svg{height:8px;background:none}.legend span{margin-right:14px}.note{color:#999}"
      "</style></head><body>";
  s += "<h1>Mastering report</h1><p>" + escape(r.input.name) + " mastered toward " + escape(r.reference.name) +
       ".<br>Method: " + escape(r.method) + ", " + std::to_string(r.steps) + " ITO steps (" + escape(r.stop) +
       "). Target " + num(r.target_lufs, "%.1f") + " LUFS, true-peak ceiling " + num(r.ceiling_dbtp, "%.1f") +
       " dBTP.</p>";
  s += "<h2>Loudness and dynamics</h2>" + metrics_table(r);
  s += "<h2>Long-term spectra (mid)</h2>" + legend(r) + spectra_plot(r);
  s += "<h2>Short-term loudness (LUFS, 3 s windows)</h2>" + legend(r) + loudness_plot(r);
  s += settings_section(r);
  s += loss_plot(r.loss_curve);
  s += "<p class=\"note\">ITO-Master Studio. Everything was computed on this machine; no audio left it.</p></body></html>\n";
  return s;
}

}  // namespace ito

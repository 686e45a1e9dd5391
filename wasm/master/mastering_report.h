// The mastering report: one self-contained HTML file (inline CSS and SVG; no script, no
// external asset) that shows the input, reference and master spectra, their short-term
// loudness over time, the metrics table, the chain's settings with what changed most, the ITO
// loss curve and the method. The CLI (--report) and the page (Export report) write it from here.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/stereo.h"
#include "dsp/params.h"
#include "master/metrics.h"

namespace ito {

struct ReportTrack {
  std::string name;
  TrackMetrics metrics;
  std::vector<float> spectrum_db;       // analysis/display_spectrum.h
  std::vector<double> short_term_lufs;  // one every ReportInput::short_term_hop_s
};

// A track's part of the report, measured from its audio.
ReportTrack report_track(const std::string& name, const Stereo& x, double fs, double short_term_hop_s = 0.5);

struct ReportInput {
  ReportTrack input, reference, master;
  double short_term_hop_s = 0.5;
  std::string method;                  // how the master was made, in words
  int steps = 0;                       // ITO steps taken
  std::string stop;                    // why ITO stopped ("budget", "early_stop", "stopped")
  double target_lufs = 0, ceiling_dbtp = -1;
  std::optional<Params> before, after;  // the chain's settings before and after ITO (none: black-box)
  std::vector<double> loss_curve;
};

std::string mastering_report_html(const ReportInput& r);

// ReportInput::method for a master made by `mode` (theta, white-box, black-box: the names of
// the CLI's --model and the page's methods); another string is returned as it is.
std::string method_label(const std::string& mode);

}  // namespace ito

// The mastering report (master/mastering_report.h): a self-contained HTML page that shows what
// it was given.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "dsp/params.h"
#include "master/mastering_report.h"
#include "test_signals.h"

namespace ito {
namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

ReportInput example() {
  ReportInput r;
  r.input = report_track("mix <take 2>.wav", testing::music_like(44100 * 8, 0.2, 1), 44100);
  r.reference = report_track("ref.flac", testing::music_like(44100 * 6, 0.8, 2), 44100);
  r.master = report_track("master.wav", testing::music_like(44100 * 8, 0.7, 3), 44100);
  r.method = "ITO on the settings (Θ)";
  r.steps = 12;
  r.stop = "early_stop";
  r.target_lufs = -11.5;
  Params before = neutral_params(), after = before;
  after[param::EqHighShelfGain] = before[param::EqHighShelfGain] + 0.2;  // the largest change
  after[param::OutputGain] = before[param::OutputGain] - 0.05;
  r.before = before;
  r.after = after;
  r.loss_curve = {0.2, 0.1, 0.08, 0.07};
  return r;
}

TEST(MasteringReport, IsOneSelfContainedPageOfPlotsTablesAndSettings) {
  const ReportInput r = example();
  const std::string html = mastering_report_html(r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  // Nothing from elsewhere: no script, no link, no image or font fetched.
  for (const char* outside : {"<script", "src=", "href=", "http:", "https:", "url(", "@import"})
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
  // Spectra, loudness over time and the loss curve: three plots, one line per track in the first two.
  EXPECT_EQ(count(html, "<svg viewBox=\"0 0 760"), 3u);
  EXPECT_EQ(count(html, "<polyline"), 7u);
  // Names are escaped, the metrics are the tracks' own.
  EXPECT_NE(html.find("mix &lt;take 2&gt;.wav"), std::string::npos);
  EXPECT_EQ(html.find("<take 2>"), std::string::npos);
  char lufs[32];
  std::snprintf(lufs, sizeof lufs, "<td>%.1f</td>", r.reference.metrics.lufs);
  EXPECT_NE(html.find(lufs), std::string::npos) << lufs;
  // The method and what changed most, first the high shelf.
  EXPECT_NE(html.find("12 ITO steps (early_stop)"), std::string::npos);
  const std::size_t changed = html.find("What changed most");
  ASSERT_NE(changed, std::string::npos);
  const std::size_t shelf = html.find("EQ High Shelf Gain", changed), gain = html.find("Output Gain", changed);
  ASSERT_NE(shelf, std::string::npos);
  ASSERT_NE(gain, std::string::npos);
  EXPECT_LT(shelf, gain);
  EXPECT_EQ(count(html, "<tr class=\"top\">"), 2u);  // only the parameters that moved
  // The black-box master has no settings: said instead of a table.
  ReportInput black = r;
  black.before.reset();
  black.after.reset();
  const std::string bb = mastering_report_html(black);
  EXPECT_NE(bb.find("has no settings to show"), std::string::npos);
  EXPECT_EQ(bb.find("What changed most"), std::string::npos);
}

TEST(MasteringReport, TracksAreMeasuredAsThePageMeasuresThem) {
  const Stereo x = testing::music_like(44100 * 10, 0.5, 4);
  const ReportTrack t = report_track("x", x, 44100, 0.5);
  EXPECT_EQ(t.spectrum_db.size(), 128u);
  EXPECT_EQ(t.short_term_lufs.size(), 15u);  // 3 s windows every 0.5 s over 10 s
  EXPECT_NEAR(t.metrics.lufs, measure_track(x, 44100).lufs, 1e-12);
}

}  // namespace
}  // namespace ito

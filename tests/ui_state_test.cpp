// The studio UI's platform-free logic (wasm/app/ui_state, ui_actions): what the
// page pushes in, and the exact action JSON the UI sends back to the page.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "app/ui_actions.h"
#include "app/ui_state.h"

namespace ito::ui {
namespace {

TEST(UiState, ParsesTheMetricsThePagePushes) {
  const TrackMetrics m = parse_metrics(
      R"({"metrics":{"lufs":-14.25,"lra":5.5,"truePeakDbtp":-1.0,"crestDb":12,"width":0.3,"drv":null},"shortTermLufs":[-15,null,-13.5]})");
  EXPECT_DOUBLE_EQ(m.lufs, -14.25);
  EXPECT_DOUBLE_EQ(m.true_peak_dbtp, -1.0);
  EXPECT_DOUBLE_EQ(m.crest_db, 12.0);
  EXPECT_TRUE(std::isnan(m.drv));
  ASSERT_EQ(m.short_term_lufs.size(), 3u);
  EXPECT_TRUE(std::isnan(m.short_term_lufs[1]));
  EXPECT_FLOAT_EQ(m.short_term_lufs[2], -13.5f);
  // Keys at the top level too; text that is not JSON shows nothing rather than half of it.
  EXPECT_DOUBLE_EQ(parse_metrics(R"({"lufs":-9,"shortTermLufs":[]})").lufs, -9.0);
  const TrackMetrics bad = parse_metrics(R"({"lufs":-9,)");
  EXPECT_TRUE(std::isnan(bad.lufs));
  EXPECT_TRUE(bad.short_term_lufs.empty());
}

TEST(UiState, KeepsTheItoResultAndMarksTheLargestChangesThroughUserEdits) {
  UiState s;
  Params initial = neutral_params(), result = initial;
  result[5] = 0.9, result[42] = 0.1, result[0] = 0.7, result[20] = 0.3, result[43] = 0.2, result[30] = 0.26;
  set_progress(s, 0, 10, 1.0, 1.0, true);  // a run starts
  set_params(s, result.data(), initial.data());
  EXPECT_TRUE(s.params.changed_by_ito[42]);
  EXPECT_TRUE(s.params.changed_by_ito[5]);
  EXPECT_EQ(std::count(s.params.changed_by_ito.begin(), s.params.changed_by_ito.end(), true), 5);
  // A user edit echoed back by the page: current changes, the ITO result stays.
  Params edited = result;
  edited[5] = 0.1;
  set_params(s, edited.data(), initial.data());
  EXPECT_DOUBLE_EQ(s.params.current[5], 0.1);
  EXPECT_DOUBLE_EQ(s.params.ito_result[5], 0.9);
}

TEST(UiState, ProgressStartsANewCurvePerRun) {
  UiState s;
  for (int step = 0; step < 4; ++step) set_progress(s, step, 10, 1.0 / (step + 1), 1.0 / (step + 1), true);
  set_progress(s, 4, 10, 0.2, 0.2, false);
  EXPECT_EQ(s.progress.loss_curve.size(), 5u);
  set_progress(s, 0, 10, 0.9, 0.9, true);  // the next run
  EXPECT_EQ(s.progress.loss_curve.size(), 1u);
}

TEST(UiActions, SendsExactJsonToThePage) {
  std::string name, json;
  set_action_sink([&](const char* n, const std::string& j) { name = n, json = j; });
  emit_param(3, 0.25);
  EXPECT_EQ(name, "param");
  EXPECT_EQ(json, R"({"index":3,"value":0.25})");
  emit_param(3, 1.7);  // clamped to the valid range
  EXPECT_EQ(json, R"({"index":3,"value":1})");
  emit_select(TrackKind::Reference);
  EXPECT_EQ(json, R"({"which":"reference"})");
  emit_match_loudness(true);
  EXPECT_EQ(json, R"({"on":true})");
  set_action_sink(nullptr);
}

// The master action carries the method and, only when moved from its defaults, the ITO target.
TEST(UiActions, MasterSendsTheMethodAndAMovedTarget) {
  std::string name, json;
  set_action_sink([&](const char* n, const std::string& j) { name = n, json = j; });
  Settings s;
  s.mode = MasterMode::BlackBoxPreview;
  s.ito_steps = 7;
  s.theta_steps = 9;
  s.bb_ito_steps = 11;  // each model keeps its own ITO-on-z budget
  s.steps = 40;
  emit_master(s);
  EXPECT_EQ(name, "master");
  EXPECT_EQ(json, R"({"options":{"mode":"black-box","steps":40,"itoSteps":11,"thetaSteps":9,"targetLufs":null,"ceilingDbtp":-1,)"
                  R"("matchEqAmount":1,"character":0,"expertRanges":false}})");
  s.mode = MasterMode::WhiteBoxModel;
  s.match_eq = 0.5f;
  s.character = 0.25f;
  s.expert_ranges = true;
  s.adjust.width_scale = 0.5f;
  s.adjust.tone_db[5] = 2.0f;
  emit_master(s, true);
  EXPECT_EQ(json, R"({"options":{"mode":"white-box","steps":40,"itoSteps":7,"thetaSteps":9,"targetLufs":null,"ceilingDbtp":-1,)"
                  R"("matchEqAmount":0.5,"character":0.25,"expertRanges":true,)"
                  R"("target":{"blend":0,"crestDb":0,"widthScale":0.5,"tiltDb":0,"toneDb":[0,0,0,0,0,2],)"
                  R"("relativeToMaster":false},"refine":true}})");
  EXPECT_FALSE(is_default(s.adjust));
  s.adjust = TargetAdjust{};
  EXPECT_TRUE(is_default(s.adjust));
  s.amounts = {50.0f, 100.0f, 0.0f, 150.0f};  // moved amounts travel as fractions
  emit_master(s);
  EXPECT_NE(json.find(R"("amounts":{"tone":0.5,"dynamics":1,"width":0,"loudness":1.5})"), std::string::npos) << json;
  EXPECT_EQ(json.find("masterRate"), std::string::npos) << json;  // the mix's own rate: not sent
  s.master_rate = 48000;
  emit_master(s);
  EXPECT_NE(json.find(R"("expertRanges":true,"masterRate":48000)"), std::string::npos) << json;
  emit_album_master(false);
  EXPECT_EQ(name, "album_master");
  EXPECT_EQ(json, "{}");
  emit_album_master(true);
  EXPECT_EQ(json, R"({"sameSettings":true})");
  emit_open_second_reference();
  EXPECT_EQ(json, R"({"kind":"reference2"})");
  emit_match_eq(2.0);  // the slider's range is 0..1.5
  EXPECT_EQ(name, "match_eq");
  EXPECT_EQ(json, R"({"amount":1.5})");
  set_action_sink(nullptr);
}

TEST(UiFormat, TimesAndParameterValues) {
  EXPECT_EQ(format_time(62.34), "1:02.3");
  EXPECT_EQ(format_time(-1.0), "--:--");
  const int i = param_index("mid_comp_threshold");
  const std::string full = format_param(i, 0.7);
  EXPECT_EQ(full, std::string("Mid Band Comp Threshold: ") + format_param_value(i, 0.7));
}

}  // namespace
}  // namespace ito::ui

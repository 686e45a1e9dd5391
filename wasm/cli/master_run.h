// `itomaster master`'s work: read the mix and the reference, master (ITO on Θ, a model with
// ITO on z, or given settings), write the master, and measure what the summaries need.
// Nothing here prints: master_summary.h turns the outcome into JSON, text and the report.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "analysis/af_loss.h"
#include "cli/master_args.h"
#include "master/mastering_report.h"
#include "master/metrics.h"
#include "master/stage_effort.h"

namespace ito {

// Seconds per phase. decode: load and resample both files (and models); measure_input: the
// reference's features and ITO's target, the input's AF loss and metrics (before mastering
// takes its buffer); prepare: level match, Match EQ, excerpts, target features (and
// Fx-normalization, Φ); ito: the optimization; finish: the full-length render and the final
// stage (and stage effort); write: the master's file and the AF losses; total: all of it.
struct MasterTimings {
  double decode = 0, measure_input = 0, prepare = 0, ito = 0, finish = 0, write = 0, total = 0;
};

struct MasterOutcome {
  double sample_rate = 0;
  int output_channels = 2;
  std::size_t clamped = 0;  // samples the writer had to clamp (normally none)
  bool has_params = false;  // black-box has no chain parameters
  Params params_before{}, params{};
  double input_gain_db = 0, target_lufs = 0;
  FinalizeReport finalize{};
  int steps = 0;
  ItoStop stop = ItoStop::Budget;
  std::vector<double> loss_curve;
  double ito_initial = 0, ito_best = 0;
  MatchEq match_eq;
  ProcessorSwitches switches = kAllProcessorsOn;
  std::optional<StageEffort> effort;  // chain modes: how hard the nonlinear stages work
  double af_before = 0, af_after = 0;
  AfLossTerms terms_before{}, terms_after{};
  // Measured only when asked for (request.wants_metrics() or a report).
  std::optional<TrackMetrics> input_metrics, reference_metrics, output_metrics;
  std::optional<ReportInput> report;  // request.report_path
  MasterTimings timings;
};

// Called with ITO's step (both phases counted together), the step budget and the loss.
using MasterProgress = std::function<void(int step, int budget, double loss)>;

// Throws AudioError (files), UsageError (a model that does not take an option) and the
// engine's errors. `started` is when the command began (for timings.total and decode).
MasterOutcome run_master_request(const MasterRequest& req, const MasterProgress& progress,
                                 std::chrono::steady_clock::time_point started);

}  // namespace ito

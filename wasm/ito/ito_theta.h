// Inference-time optimization of the 46 chain parameters ("ITO on Θ", the
// paper's baseline): projected Adam/RAdam (onto options.space) on the AF loss between the chain's
// output and a reference's features (or any Objective), with early stopping and a step budget.
#pragma once
#include <functional>
#include <vector>

#include "analysis/af_loss.h"
#include "dsp/chain.h"
#include "dsp/params.h"
#include "ito/objective.h"
#include "ito/optimizer.h"
#include "ito/search_space.h"
#include "ito/segmented_chain.h"

namespace ito {

struct ItoOptions {
  int max_steps = 100;
  // lr 0.05 in the [0,1] parameter units: on 8 tuning pairs from training songs its mean AF
  // loss was 10-16 % below 0.02's at every budget from 5 to 50 steps, and level with 0.1's.
  AdamConfig optimizer{0.05, 0.9, 0.999, 1e-8, false};
  int patience = 12;                  // stop after this many steps without improvement
  double min_rel_improvement = 1e-3;  // an improvement smaller than this doesn't count
  // Where the parameters may go and which processors run (default: the paper's whole
  // space). The starting point is projected into it, and so is every update; the loss
  // is the objective plus the space's prior.
  SearchSpace space;
};

struct ItoProgress {
  int step;           // 0 = the initial parameters
  double loss;        // objective at `params`
  double best_loss;
  const Params& params;
};
// Called once per evaluated step; return false to stop (a UI's stop button).
using ItoCallback = std::function<bool(const ItoProgress&)>;

enum class ItoStop { Budget, EarlyStop, Callback };
// "budget", "early_stop" or "stopped" (the CLI's and the page's summaries).
const char* stop_name(ItoStop stop);

struct ItoResult {
  Params initial{}, best{};
  double initial_loss = 0, best_loss = 0;
  int steps = 0;                   // optimizer updates taken
  std::vector<double> loss_curve;  // loss before each update, then the last one
  ItoStop stop = ItoStop::Budget;
};

// ITO on Θ one evaluation at a time, for callers that step it themselves (the browser's
// worker, between messages); ito_on_theta() drives it, so both take the same steps:
//   for (;;) { const ItoProgress p = s.evaluate(); if (!callback(p)) { s.stop(); break; }
//              s.advance(); if (s.done()) break; }
// `excerpt` and `objective` must outlive the stepper. The objective sees the excerpt's
// segment bodies (segmented_chain.h); a plain Stereo input is one segment.
class ItoThetaStepper {
 public:
  ItoThetaStepper(const SegmentedExcerpt& excerpt, const Objective& objective, double fs, const Params& init,
                  const ItoOptions& options);
  ItoThetaStepper(const Stereo& input, const Objective& objective, double fs, const Params& init,
                  const ItoOptions& options);
  // The loss at the current parameters (it becomes the best if it improves on it).
  ItoProgress evaluate();
  // After evaluate(): ends the run (budget, early stop, non-finite loss) or takes one update.
  void advance();
  void stop();  // a callback's or a stop button's
  bool done() const { return done_; }
  const ItoResult& result() const { return result_; }

 private:
  SegmentedExcerpt owned_;  // a plain input, as one segment
  const SegmentedExcerpt& excerpt_;
  const Objective& objective_;
  ItoOptions options_;
  SegmentedChain chain_;
  Stereo output_, grad_output_;
  Params params_, grad_{};
  AdamOptimizer optimizer_;
  ItoResult result_;
  int since_improvement_ = 0;
  bool done_ = false;
};

// Minimizes objective(chain(input; params)) from `init`; with a segmented excerpt, the
// objective of the segments' outputs (their bodies, concatenated).
ItoResult ito_on_theta(const SegmentedExcerpt& excerpt, const Objective& objective, double fs, const Params& init,
                       const ItoOptions& options, const ItoCallback& callback = {});
ItoResult ito_on_theta(const Stereo& input, const Objective& objective, double fs, const Params& init,
                       const ItoOptions& options, const ItoCallback& callback = {});

// Indices of the parameters that changed most between two settings, largest first.
std::vector<int> largest_changes(const Params& before, const Params& after, int count);

}  // namespace ito

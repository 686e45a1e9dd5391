#include "ito/ito_theta.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "dsp/chain.h"

namespace ito {

ItoResult ito_on_theta(const Stereo& input, const Objective& objective, double fs, const Params& init,
                       const ItoOptions& options, const ItoCallback& callback) {
  ItoResult result;
  result.initial = result.best = init;
  Chain chain(fs);
  ChainTape tape;
  Stereo output, grad_output;
  Params params = init, grad{};
  AdamOptimizer optimizer(kNumParams, options.optimizer);
  int since_improvement = 0;

  for (int step = 0;; ++step) {
    chain.set_params(params);
    chain.process(input, output, &tape);
    const double loss = objective(output, &grad_output);
    result.loss_curve.push_back(loss);
    if (step == 0) result.initial_loss = result.best_loss = loss;
    if (std::isfinite(loss) && loss < result.best_loss * (1.0 - options.min_rel_improvement)) {
      result.best_loss = loss;
      result.best = params;
      since_improvement = 0;
    } else if (step > 0) {
      ++since_improvement;
    }
    if (callback && !callback({step, loss, result.best_loss, params})) {
      result.stop = ItoStop::Callback;
      break;
    }
    if (step >= options.max_steps) {
      result.stop = ItoStop::Budget;
      break;
    }
    if (since_improvement >= options.patience || !std::isfinite(loss)) {
      result.stop = ItoStop::EarlyStop;
      break;
    }
    chain.backward(tape, grad_output, nullptr, grad);
    optimizer.step(params.data(), grad.data());
    for (double& p : params) p = std::clamp(p, 0.0, 1.0);  // projection onto the valid box
    result.steps = step + 1;
  }
  return result;
}

const char* stop_name(ItoStop stop) {
  switch (stop) {
    case ItoStop::EarlyStop: return "early_stop";
    case ItoStop::Callback: return "stopped";
    case ItoStop::Budget: break;
  }
  return "budget";
}

std::vector<int> largest_changes(const Params& before, const Params& after, int count) {
  std::vector<int> order(kNumParams);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return std::abs(after[a] - before[a]) > std::abs(after[b] - before[b]);
  });
  order.resize(std::min(count, kNumParams));
  return order;
}

}  // namespace ito

#include "ito/ito_theta.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "dsp/chain.h"

namespace ito {

ItoThetaStepper::ItoThetaStepper(const Stereo& input, const Objective& objective, double fs, const Params& init,
                                 const ItoOptions& options)
    : owned_(single_segment(input)), excerpt_(owned_), objective_(objective), options_(options),
      chain_(excerpt_, fs), params_(options.space.project(init)), optimizer_(kNumParams, options.optimizer) {
  chain_.set_switches(options.space.enabled);
  result_.initial = result_.best = params_;
}

ItoThetaStepper::ItoThetaStepper(const SegmentedExcerpt& excerpt, const Objective& objective, double fs,
                                 const Params& init, const ItoOptions& options)
    : excerpt_(excerpt), objective_(objective), options_(options), chain_(excerpt_, fs),
      params_(options.space.project(init)), optimizer_(kNumParams, options.optimizer) {
  chain_.set_switches(options.space.enabled);
  result_.initial = result_.best = params_;
}

ItoProgress ItoThetaStepper::evaluate() {
  const int step = static_cast<int>(result_.loss_curve.size());
  chain_.set_params(params_);
  chain_.process(output_, true);
  const double loss = objective_(output_, &grad_output_) + options_.space.prior(params_);
  result_.loss_curve.push_back(loss);
  if (step == 0) result_.initial_loss = result_.best_loss = loss;
  if (std::isfinite(loss) && loss < result_.best_loss * (1.0 - options_.min_rel_improvement)) {
    result_.best_loss = loss;
    result_.best = params_;
    since_improvement_ = 0;
  } else if (step > 0) {
    ++since_improvement_;
  }
  return {step, loss, result_.best_loss, params_};
}

void ItoThetaStepper::advance() {
  const double loss = result_.loss_curve.back();
  if (static_cast<int>(result_.loss_curve.size()) - 1 >= options_.max_steps) {
    done_ = true, result_.stop = ItoStop::Budget;
  } else if (since_improvement_ >= options_.patience || !std::isfinite(loss)) {
    done_ = true, result_.stop = ItoStop::EarlyStop;
  } else {
    chain_.backward(grad_output_, grad_);
    options_.space.prior(params_, grad_.data());
    optimizer_.step(params_.data(), grad_.data());
    params_ = options_.space.project(params_);
    result_.steps = static_cast<int>(result_.loss_curve.size());
  }
}

void ItoThetaStepper::stop() {
  done_ = true;
  result_.stop = ItoStop::Callback;
}

namespace {

ItoResult run_stepper(ItoThetaStepper& stepper, const ItoCallback& callback) {
  for (;;) {
    const ItoProgress progress = stepper.evaluate();
    if (callback && !callback(progress)) {
      stepper.stop();
      break;
    }
    stepper.advance();
    if (stepper.done()) break;
  }
  return stepper.result();
}

}  // namespace

ItoResult ito_on_theta(const Stereo& input, const Objective& objective, double fs, const Params& init,
                       const ItoOptions& options, const ItoCallback& callback) {
  ItoThetaStepper stepper(input, objective, fs, init, options);
  return run_stepper(stepper, callback);
}

ItoResult ito_on_theta(const SegmentedExcerpt& excerpt, const Objective& objective, double fs, const Params& init,
                       const ItoOptions& options, const ItoCallback& callback) {
  ItoThetaStepper stepper(excerpt, objective, fs, init, options);
  return run_stepper(stepper, callback);
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

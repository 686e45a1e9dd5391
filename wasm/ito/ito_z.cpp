#include "ito/ito_z.h"

#include <cmath>
#include <optional>
#include <stdexcept>

#include "ito/optimizer.h"
#include "models/audio_tensor.h"

namespace ito {
namespace {

Params to_params(const std::vector<float>& p) {
  Params out{};
  for (int j = 0; j < kNumParams; ++j) out[j] = p[j];
  return out;
}

}  // namespace

Params predict_params(const models::Converter& psi, const Stereo& x, const std::vector<float>& z) {
  std::vector<std::vector<float>> p;
  // forward() only reads the weights when not training; the const_cast keeps one code path.
  const_cast<models::Converter&>(psi).forward({models::to_tensor(x)}, {z}, false, &p, nullptr, nullptr);
  return to_params(p.front());
}

WhiteBoxEvaluation evaluate_white_box(const models::Converter& psi, const Stereo& x, const std::vector<float>& z,
                                      const Objective& objective, double fs, const SearchSpace& space,
                                      models::Converter::Tape* tape, const SegmentedExcerpt* segments) {
  std::vector<std::vector<float>> p;
  // forward() only reads the weights when not training.
  const_cast<models::Converter&>(psi).forward({models::to_tensor(x)}, {z}, false, &p, nullptr, tape);
  WhiteBoxEvaluation e;
  const Params raw = to_params(p.front());
  e.params = space.project(raw);
  const SegmentedExcerpt whole = segments ? SegmentedExcerpt{} : single_segment(x);
  SegmentedChain chain(segments ? *segments : whole, fs);
  chain.set_switches(space.enabled);
  Stereo output, grad_output;
  chain.set_params(e.params);
  chain.process(output, tape != nullptr);
  e.loss = objective(output, tape ? &grad_output : nullptr) + space.prior(e.params);
  if (!tape || !std::isfinite(e.loss)) return e;
  Params gp{};
  chain.backward(grad_output, gp);
  space.prior(e.params, gp.data());
  space.mask_gradient(raw, gp.data());
  e.grad_params.assign(gp.begin(), gp.end());
  return e;
}

std::vector<float> converter_backward_z(const models::Converter& psi, const models::Converter::Tape& tape,
                                        const std::vector<float>& grad_params) {
  const std::vector<std::vector<float>> g_params{grad_params};
  std::vector<std::vector<float>> gz;
  psi.backward(tape, &g_params, nullptr, nullptr, &gz);
  return gz.front();
}

double evaluate_z(const models::Converter& psi, const Stereo& x, const std::vector<float>& z,
                  const Objective& objective, double fs, const SearchSpace& space, Params* params,
                  std::vector<float>* gz, const SegmentedExcerpt* segments) {
  models::Converter::Tape tape;
  if (psi.kind() == models::ConverterKind::WhiteBox) {
    const WhiteBoxEvaluation e = evaluate_white_box(psi, x, z, objective, fs, space, gz ? &tape : nullptr, segments);
    if (params) *params = e.params;
    if (gz && !e.grad_params.empty()) *gz = converter_backward_z(psi, tape, e.grad_params);
    return e.loss;
  }
  nn::Batch y;
  // forward() only reads the weights when not training.
  const_cast<models::Converter&>(psi).forward({models::to_tensor(x)}, {z}, false, nullptr, &y, gz ? &tape : nullptr);
  Stereo grad_output;
  const double loss = objective(models::to_stereo(y.front()), gz ? &grad_output : nullptr);
  if (!gz || !std::isfinite(loss)) return loss;
  std::vector<std::vector<float>> g;
  const nn::Batch g_audio{models::to_tensor(grad_output)};
  psi.backward(tape, nullptr, &g_audio, nullptr, &g);
  *gz = g.front();
  return loss;
}

ItoZStepper::ItoZStepper(const std::vector<float>& z_init, const ItoZOptions& options)
    : options_(options), pending_(z_init), z_(z_init.size()), grad_d_(z_init.size()) {
  double mean_square = 0.0;
  for (float v : z_init) mean_square += double(v) * v;
  z_scale_ = std::max(std::sqrt(mean_square / std::max<std::size_t>(1, z_init.size())), 1e-3);
  result_.initial_z = result_.best_z = z_init;
  result_.relative_lr = options.relative_lr;
}

void ItoZStepper::report(double loss, const Params* params, const std::vector<float>* gz) {
  if (done_) throw std::logic_error("ItoZStepper::report after the end");
  advance();
  ++result_.evaluations;
  moved_ = false;
  const bool first = result_.loss_curve.empty();
  result_.loss_curve.push_back(loss);
  at_ = pending_;
  has_params_ = params != nullptr;
  if (params) last_params_ = *params;
  if (first) {
    result_.initial_loss = result_.best_loss = loss;
    if (params) result_.initial_params = result_.best_params = *params;
    if (gz) best_grad_ = *gz;
  }
  const bool finite = std::isfinite(loss);
  if (finite && loss < result_.best_loss * (1.0 - options_.min_rel_improvement)) {
    result_.best_loss = loss;
    result_.best_z = at_;
    if (params) result_.best_params = *params;
    if (gz) best_grad_ = *gz;
    since_improvement_ = 0;
  } else if (!first) {
    ++since_improvement_;
  }
  reject_ = !first && finite && loss > result_.best_loss * (1.0 + options_.reject_rise);
  if (gz && finite && !reject_) grad_ = *gz;
  if (result_.evaluations > options_.max_steps) {
    done_ = true, result_.stop = ItoStop::Budget;
  } else if (since_improvement_ >= options_.patience || !finite) {
    done_ = true, result_.stop = ItoStop::EarlyStop;
  }
}

ItoZProgress ItoZStepper::progress() const {
  const double loss = result_.loss_curve.empty() ? 0.0 : result_.loss_curve.back();
  return {static_cast<int>(result_.loss_curve.size()) - 1, loss, result_.best_loss, at_,
          has_params_ ? &last_params_ : nullptr};
}

void ItoZStepper::stop() {
  done_ = true;
  result_.stop = ItoStop::Callback;
}

const std::vector<float>& ItoZStepper::next_z() {
  advance();
  return pending_;
}

bool ItoZStepper::wants_gradient() {
  advance();
  // The evaluation that exhausts the budget is the last: its gradient would go unused.
  return result_.evaluations < options_.max_steps;
}

// Adam's next update from the last evaluation; after an undone one, a fresh Adam with a
// smaller step from the best z.
void ItoZStepper::advance() {
  if (moved_ || done_) return;
  moved_ = true;
  if (!optimizer_ || reject_) {
    if (reject_) {
      result_.relative_lr *= options_.shrink;
      ++result_.rejected;
      at_ = result_.best_z;
      grad_ = best_grad_;
    }
    for (std::size_t i = 0; i < z_.size(); ++i) z_[i] = at_[i];
    optimizer_.emplace(z_.size(), AdamConfig{result_.relative_lr * z_scale_, 0.9, 0.999, 1e-8, options_.rectified});
  }
  for (std::size_t i = 0; i < z_.size(); ++i) grad_d_[i] = grad_[i];
  optimizer_->step(z_.data(), grad_d_.data());
  for (std::size_t i = 0; i < z_.size(); ++i) pending_[i] = static_cast<float>(z_[i]);
  ++result_.steps;
}

ItoZResult ito_on_z(const Stereo& x, const models::Converter& psi, const std::vector<float>& z_init,
                    const Objective& objective, double fs, const ItoZOptions& options,
                    const ItoZCallback& callback, const SearchSpace& space, const SegmentedExcerpt* segments) {
  if (!psi.folded()) throw std::invalid_argument("ito_on_z: the converter must be in inference form (folded)");
  const bool white = psi.kind() == models::ConverterKind::WhiteBox;
  ItoZStepper stepper(z_init, options);
  while (!stepper.done()) {
    const bool gradient = stepper.wants_gradient();
    Params params{};
    std::vector<float> gz;
    const double loss =
        evaluate_z(psi, x, stepper.next_z(), objective, fs, space, &params, gradient ? &gz : nullptr, segments);
    stepper.report(loss, white ? &params : nullptr, gradient ? &gz : nullptr);
    if (callback && !callback(stepper.progress())) stepper.stop();
  }
  return stepper.result();
}

}  // namespace ito

// Inference-time optimization of the reference embedding z (spec 6, the paper's method):
// Φ and Ψ stay frozen; z starts at Φ(reference) and Adam moves it to minimize an
// objective (the AF loss against a reference by default) of Ψ's result:
//   white-box: objective(chain(x; Ψ(x, z))), gradient through the chain's and Ψ's
//              hand-written backward passes;
//   black-box: objective(Ψ(x, z)).
// (White-box: the chain may run on the excerpt's warmed-up segments instead of x itself,
// segmented_chain.h; Ψ still sees x.)
// Early stopping, step budget and callback as ITO on Θ (ito_theta.h); Adam by default
// (see ItoZOptions for the step size and RAdam).
#pragma once
#include <optional>
#include <vector>

#include "dsp/params.h"
#include "ito/ito_theta.h"
#include "ito/search_space.h"
#include "ito/segmented_chain.h"
#include "models/converter.h"

namespace ito {

struct ItoZOptions {
  int max_steps = 100;
  // The first step size, relative to the embedding's RMS value (z's scale depends on the
  // trained Φ). Ours, not the paper's fixed lr 2e-4: how far z must move depends on the
  // trained networks, so ITO starts with large steps and backs off where they fail.
  double relative_lr = 0.3;
  // An update whose loss rises more than this fraction above the best loss is undone: the
  // next update starts again from the best z, with the step size times `shrink` and
  // Adam's moments reset. So a step size too large for this pair costs one evaluation.
  double reject_rise = 0.02;
  double shrink = 0.5;
  int patience = 12;
  double min_rel_improvement = 1e-3;
  bool rectified = false;  // RAdam instead of Adam (its first updates are plain SGD steps)
};

struct ItoZProgress {
  int step;
  double loss, best_loss;
  const std::vector<float>& z;
  const Params* params;  // white-box: Ψ's parameters at this z; null for black-box
};
using ItoZCallback = std::function<bool(const ItoZProgress&)>;

struct ItoZResult {
  std::vector<float> initial_z, best_z;
  Params initial_params{}, best_params{};  // white-box only
  double initial_loss = 0, best_loss = 0;
  int steps = 0;
  std::vector<double> loss_curve;   // loss at z_init, then at each update's z (undone ones too)
  ItoStop stop = ItoStop::Budget;
  double relative_lr = 0;          // the step size at the end (after any backing off)
  int rejected = 0;                // updates undone because the loss rose
  int evaluations = 0;             // objective evaluations (<= max_steps + 1)
};

// ITO on z as a state machine, for callers that evaluate the objective themselves (the
// browser's worker, whose GPU backward is asynchronous). ito_on_z() drives it with the C++
// evaluation, so both paths take the same steps:
//   while (!s.done()) { evaluate at s.next_z() (dL/dz only if s.wants_gradient());
//                       s.report(loss, params, gz); if (!callback(s.progress())) s.stop(); }
class ItoZStepper {
 public:
  ItoZStepper(const std::vector<float>& z_init, const ItoZOptions& options);

  bool done() const { return done_; }
  // Where to evaluate next, and whether dL/dz is needed there (always, except at the
  // budget's last evaluation). The update to the next point happens here, after the caller
  // had its chance to stop() on the last evaluation's progress.
  const std::vector<float>& next_z();
  bool wants_gradient();
  // The evaluation at next_z(): the loss, Ψ's parameters there (white-box; null for
  // black-box) and dL/dz when wants_gradient() (null otherwise).
  void report(double loss, const Params* params, const std::vector<float>* gz);
  // The last reported evaluation, as the callback of ito_on_z() sees it.
  ItoZProgress progress() const;
  void stop();  // the caller's stop button
  const ItoZResult& result() const { return result_; }

 private:
  void advance();

  ItoZOptions options_;
  ItoZResult result_;
  bool done_ = false, moved_ = true, reject_ = false;
  std::vector<float> pending_;         // the z to evaluate next
  std::vector<float> at_, grad_;       // the last evaluation's z and the gradient to step with
  std::vector<float> best_grad_;       // dL/dz at result_.best_z (where an undone update restarts)
  double z_scale_ = 1;
  Params last_params_{};
  bool has_params_ = false;
  int since_improvement_ = 0;
  std::vector<double> z_, grad_d_;
  std::optional<AdamOptimizer> optimizer_;
};

// One white-box evaluation at z, split at Ψ's output so that Ψ's backward to z can run
// elsewhere (the browser's GPU): the objective of chain(x; Ψ(x, z)) and, with `tape`,
// Ψ's forward tape and dL/dΘ through the chain's backward. Ψ's parameters are clamped
// into `space` (its box and switches) before the chain, and the loss includes the space's
// prior; dL/dΘ is Ψ's output's (zero where the clamp is flat).
struct WhiteBoxEvaluation {
  double loss = 0;
  Params params{};              // Ψ(x, z)
  std::vector<float> grad_params;  // dL/dΘ (46 values; empty without a tape or for a non-finite loss)
};
// `segments`: what the chain processes, when not x itself (the same audio with warm-ups,
// segmented_chain.h); the objective sees its segment bodies.
WhiteBoxEvaluation evaluate_white_box(const models::Converter& psi, const Stereo& x, const std::vector<float>& z,
                                      const Objective& objective, double fs, const SearchSpace& space,
                                      models::Converter::Tape* tape = nullptr,
                                      const SegmentedExcerpt* segments = nullptr);
// dL/dz from a white-box tape and dL/dΘ (Ψ's hand-written backward).
std::vector<float> converter_backward_z(const models::Converter& psi, const models::Converter::Tape& tape,
                                        const std::vector<float>& grad_params);

// The objective of Ψ's result at z (white-box: through the chain) and, with gz, dL/dz, all
// in C++: what ito_on_z() evaluates. params (white-box only) receives Ψ(x, z) clamped into space.
double evaluate_z(const models::Converter& psi, const Stereo& x, const std::vector<float>& z,
                  const Objective& objective, double fs, const SearchSpace& space, Params* params,
                  std::vector<float>* gz, const SegmentedExcerpt* segments = nullptr);

// x: the (Fx-normalized) input excerpt. psi must be folded (inference form). White-box:
// `segments`, when given, is what the chain processes (see evaluate_white_box).
ItoZResult ito_on_z(const Stereo& x, const models::Converter& psi, const std::vector<float>& z_init,
                    const Objective& objective, double fs, const ItoZOptions& options,
                    const ItoZCallback& callback = {}, const SearchSpace& space = {},
                    const SegmentedExcerpt* segments = nullptr);

// Ψ's chain parameters for one input and embedding (white-box).
Params predict_params(const models::Converter& psi, const Stereo& x, const std::vector<float>& z);

}  // namespace ito

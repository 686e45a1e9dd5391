// Inference-time optimization of the reference embedding z (spec 6, the paper's method):
// Φ and Ψ stay frozen; z starts at Φ(reference) and RAdam moves it to minimize an
// objective (the AF loss against a reference by default) of Ψ's result:
//   white-box: objective(chain(x; Ψ(x, z))), gradient through the chain's and Ψ's
//              hand-written backward passes;
//   black-box: objective(Ψ(x, z)).
// Early stopping, step budget and callback as ITO on Θ (ito_theta.h); Adam by default
// (see ItoZOptions for the step size and RAdam).
#pragma once
#include <vector>

#include "dsp/params.h"
#include "ito/ito_theta.h"
#include "models/converter.h"

namespace ito {

struct ItoZOptions {
  int max_steps = 100;
  // Step size relative to the embedding's RMS value (z's scale depends on the trained Φ).
  double relative_lr = 0.05;
  // Ours: before the first update, try Adam's first step (lr * sign(gradient)) at each of
  // these relative step sizes and keep the best as relative_lr. How far z must move depends
  // on the trained networks, so no fixed lr (the paper's 2e-4) suits every model. Each trial
  // counts as one step of max_steps. Empty: use relative_lr as given.
  std::vector<double> step_size_trials = {0.01, 0.03, 0.1, 0.3};
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
  std::vector<double> loss_curve;   // loss at each update's z (trials not included)
  ItoStop stop = ItoStop::Budget;
  double relative_lr = 0;          // the step size used (after the trials)
  int evaluations = 0;             // objective evaluations, trials included (<= max_steps + 1)
};

// x: the (Fx-normalized) input excerpt. psi must be folded (inference form).
ItoZResult ito_on_z(const Stereo& x, const models::Converter& psi, const std::vector<float>& z_init,
                    const Objective& objective, double fs, const ItoZOptions& options,
                    const ItoZCallback& callback = {});

// Ψ's chain parameters for one input and embedding (white-box).
Params predict_params(const models::Converter& psi, const Stereo& x, const std::vector<float>& z);

}  // namespace ito

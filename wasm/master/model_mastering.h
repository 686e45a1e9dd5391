// Reference-based mastering with the learned models (the paper's method):
//   1. Fx-normalize the input (EQ, stereo image, loudness toward the corpus average);
//   2. z_ref = Φ(reference excerpt);
//   3. white-box: Ψ(normalized input excerpt, z) -> the 46 chain parameters, then ITO on z
//      (the loudness-matched AF loss against the whole reference) refines them; the best
//      parameters process the whole normalized input;
//      black-box: Ψ(normalized input, z) is the processed audio (ITO on a shorter excerpt);
//   4. the same final stage as ITO on Θ: target loudness under the true-peak ceiling.
#pragma once
#include <optional>

#include "ito/feature_targets.h"
#include "ito/ito_z.h"
#include "master/finalize.h"
#include "master/fx_normalize.h"
#include "master/match_eq.h"
#include "master/model_defaults.h"
#include "master/musical_prior.h"
#include "models/model_file.h"

namespace ito {

struct ModelMasteringOptions {
  ItoZOptions ito;                    // ito.max_steps = 0: Ψ's prediction as is
  // White-box: then ITO on Θ from ITO on z's best parameters, for this many steps on the same
  // excerpt and objective. ITO on z refines Ψ's prediction but stays near it; this Θ phase can
  // leave that region (models/README.md, "ITO on z, then on Θ"). 0: ITO on z alone (the paper).
  int theta_steps = 0;
  ChainStyle style;                   // white-box: musical ranges and saturation (musical_prior.h)
  double match_eq_amount = kDefaultMatchEqAmount;      // white-box: the Match EQ ahead of Ψ and the chain (0: none)
  double excerpt_seconds = 30.0;      // input and reference excerpts (six segments)
  int excerpt_count = 6;
  double warmup_seconds = 0.5;        // white-box: before each segment the chain processes in ITO
  double blackbox_ito_seconds = 6.0;  // black-box ITO runs on a shorter excerpt (its cost)
  std::optional<double> target_lufs;  // default: the reference's integrated loudness
  double ceiling_dbtp = -1.0;
  bool limit = true;  // false: no final limiter, only the gain to the target (finalize.h)
  std::optional<AfFeatures> target_features;  // default: the reference's (see MasteringOptions)
  std::optional<BandLevels> target_balance;   // the Match EQ's target (see MasteringOptions)
  MatchAmounts amounts;                       // per aspect (see MasteringOptions)
  // The starting embedding, when the caller already has it (e.g. Φ run by ONNX Runtime in
  // the browser); empty: Φ(reference excerpt) here.
  std::vector<float> z_init;
};

// The mix and the reference at the models' rate (model_rate.h) for a white-box master at
// another rate: Φ sees the reference's, Ψ the mix's (with the Fx-normalization and Match EQ
// measured at the master's rate); the chain, ITO's objective and the render run at the
// master's rate, so what ITO optimizes is what is rendered. Black-box's waveform is Ψ's: it
// runs at the models' rate only.
struct ModelRateCopies {
  const Stereo* input = nullptr;
  const Stereo* reference = nullptr;
};

struct ModelMasteringResult {
  Stereo output;
  Stereo normalized_input;       // f_norm(input), what Ψ and the chain see
  FxNormReport fxnorm;
  std::vector<float> z_ref;      // Φ(reference)
  ItoZResult ito;                // z before/after, losses
  ItoResult theta;               // white-box: the Θ phase (loss_curve empty when none ran)
  Params params_before{}, params_after{};  // white-box: Ψ's parameters at z_ref and at the best z
  ProcessorSwitches switches = kAllProcessorsOn;  // white-box: which processors ran
  MatchEq match_eq;              // white-box: ahead of the chain
  double target_lufs = 0;
  FinalizeReport finalize{};
};

// master_with_model() in parts, for callers that run Φ or ITO on z themselves (the
// browser: ONNX Runtime for Φ, a step-wise ITO loop): plan (normalize, excerpts, objective),
// z_ref = Φ(reference_excerpt), ITO on z from z_ref, finish (render).
struct ModelMasteringPlan {
  Stereo normalized_input;   // f_norm(input)
  FxNormReport fxnorm;
  Stereo reference_excerpt;  // what Φ sees
  Stereo psi_excerpt;        // what Ψ's first prediction sees (of the normalized input)
  Stereo excerpt;            // what ITO on z evaluates (= psi_excerpt for white-box)
  // White-box: what the chain processes in ITO (on z and on Θ): the same segments as the
  // excerpt, each with a warm-up (segmented_chain.h); Ψ sees `excerpt`.
  SegmentedExcerpt segments;
  Objective objective;       // the loudness-matched AF loss against the target features
  SearchSpace space;         // white-box: where Ψ's parameters are clamped and ITO on Θ stays
  MatchEq match_eq;          // white-box: ahead of Ψ and the chain (the excerpts have it)
  double target_lufs = 0;
  FinalizeOptions finalize{};
};
// Throws std::invalid_argument for silent input or reference, and for fs other than the
// models' rate without `copies` (or with a black-box model).
ModelMasteringPlan plan_model_mastering(const Stereo& input, const Stereo& reference, double fs,
                                        const models::Model& model, const FxNormStats& stats,
                                        const ModelMasteringOptions& options, const ModelRateCopies& copies = {});
// The embedding ITO on z starts from: z_init when given (std::invalid_argument if its size is
// not Φ's), else Φ(plan.reference_excerpt).
std::vector<float> starting_embedding(const models::Model& model, const ModelMasteringPlan& plan,
                                      const std::vector<float>& z_init);
// The step on Θ's optimizer settings: ITO on Θ's own (lr 0.05, patience 12) with this
// budget, inside the plan's search space.
ItoOptions theta_phase_options(int steps, const SearchSpace& space);
// Whether the step on Θ follows this ITO on z: some steps are asked for and the user did not
// stop ITO on z (the caller checks that the model is white-box).
bool theta_phase_due(int theta_steps, const ItoZResult& ito);
// Where the step on Θ starts: ITO on z's best parameters, or `previous` (a refine: the
// parameters the user has now) when they score better on the plan's objective (both
// measured on plan.segments), so a refine never ends worse than what it refines.
Params theta_phase_start(const ModelMasteringPlan& plan, const ItoZResult& ito, const std::optional<Params>& previous,
                    double fs);
// The loss ITO on Θ sees at `params` on the plan's segments: the objective of the chain
// (with the plan's switches) plus the search space's prior.
double plan_loss(const ModelMasteringPlan& plan, const Params& params, double fs);
// White-box: ITO on Θ (`steps`) from theta_phase_start, on the plan's segments and objective. Its
// best loss is never above ITO on z's: it starts there or lower.
ItoResult run_theta_phase(const ModelMasteringPlan& plan, const ItoZResult& ito, int steps, double fs,
                          const ItoCallback& callback = {}, const std::optional<Params>& previous = {});
// `theta`: the Θ phase's result, if one ran (white-box); its best parameters are rendered.
ModelMasteringResult finish_model_mastering(ModelMasteringPlan plan, const models::Model& model,
                                            std::vector<float> z_ref, ItoZResult ito, double fs,
                                            ItoResult theta = {});

// `model` must be folded. Throws std::invalid_argument for silent input or reference.
ModelMasteringResult master_with_model(const Stereo& input, const Stereo& reference, double fs,
                                       const models::Model& model, const FxNormStats& stats,
                                       const ModelMasteringOptions& options, const ItoZCallback& callback = {},
                                       const ItoCallback& theta_callback = {}, const ModelRateCopies& copies = {});

// Φ's embedding of a track (its analysis excerpt).
std::vector<float> embed(const models::Encoder& phi, const Stereo& x, double fs, double excerpt_seconds = 30.0,
                         int excerpt_count = 6);

// Both phases of a white-box master as one run (summaries, loss plots): ITO on z's curve,
// then the Θ phase's updates (its first evaluation repeats ITO on z's best point).
struct CombinedIto {
  std::vector<double> loss_curve;
  int steps = 0;
  ItoStop stop = ItoStop::Budget;
  double best_loss = 0;
};
CombinedIto combined_ito(const ItoZResult& z, const ItoResult& theta);

// Black-box Ψ over a whole track in overlapping chunks (each with enough context on both
// sides for the receptive field, so the result equals one pass over the whole track).
Stereo run_blackbox(const models::Converter& psi, const Stereo& x, const std::vector<float>& z,
                    double fs, double chunk_seconds = 10.0);

}  // namespace ito

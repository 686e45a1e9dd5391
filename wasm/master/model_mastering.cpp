#include "master/model_mastering.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "analysis/loudness.h"
#include "dsp/chain.h"
#include "ito/objective.h"
#include "master/mastering.h"
#include "master/model_rate.h"
#include "master/partial_targets.h"
#include "models/audio_tensor.h"

namespace ito {
namespace {

// Samples each side that an output sample of a stride-1 Ψ depends on.
std::size_t blackbox_context(const models::ConverterConfig& c) {
  std::size_t reach = 0;
  for (std::size_t n = 0; n < c.channels.size(); ++n)
    reach += static_cast<std::size_t>(c.dilations[n]) * (c.kernel - 1);
  return reach;  // conservative: the whole kernel span on each side
}

}  // namespace

std::vector<float> embed(const models::Encoder& phi, const Stereo& x, double fs, double excerpt_seconds,
                         int excerpt_count) {
  const Stereo excerpt = analysis_excerpt(x, fs, excerpt_seconds, excerpt_count);
  return const_cast<models::Encoder&>(phi).encode(models::to_tensor(excerpt));  // reads weights only
}

Stereo run_blackbox(const models::Converter& psi, const Stereo& x, const std::vector<float>& z, double fs,
                    double chunk_seconds) {
  auto& net = const_cast<models::Converter&>(psi);  // inference reads weights only
  const std::size_t chunk = static_cast<std::size_t>(chunk_seconds * fs);
  const std::size_t context = blackbox_context(psi.config());
  Stereo out(x.frames());
  for (std::size_t start = 0; start < x.frames(); start += chunk) {
    const std::size_t begin = start > context ? start - context : 0;
    const std::size_t end = std::min(x.frames(), start + chunk + context);
    nn::Batch y;
    net.forward({models::to_tensor(slice(x, begin, end - begin))}, {z}, false, nullptr, &y, nullptr);
    const std::size_t count = std::min(chunk, x.frames() - start);
    const float* l = y.front().row(0) + (start - begin);
    const float* r = y.front().row(1) + (start - begin);
    std::copy(l, l + count, out.l.begin() + start);
    std::copy(r, r + count, out.r.begin() + start);
  }
  return out;
}

ModelMasteringPlan plan_model_mastering(const Stereo& input, const Stereo& reference, double fs,
                                        const models::Model& model, const FxNormStats& stats,
                                        const ModelMasteringOptions& options, const ModelRateCopies& copies) {
  if (!model.encoder->folded() || !model.converter->folded())
    throw std::invalid_argument("master_with_model: the model must be folded");
  const bool white = model.converter->kind() == models::ConverterKind::WhiteBox;
  const bool at_model_rate = fs == kModelRate;
  if (!at_model_rate && (!white || !copies.input || !copies.reference))
    throw std::invalid_argument("the models run at 44.1 kHz: a white-box master at another rate needs the mix and "
                                "the reference at 44.1 kHz too, and black-box runs at 44.1 kHz only");
  const double input_lufs = integrated_loudness(input, fs), reference_lufs = integrated_loudness(reference, fs);
  if (!std::isfinite(input_lufs)) throw std::invalid_argument("the input is silent");
  if (!std::isfinite(reference_lufs)) throw std::invalid_argument("the reference is silent");

  ModelMasteringPlan plan;
  std::optional<PartialTargets> partial;  // only some of the reference's character
  if (!options.amounts.all_full())
    partial = partial_targets(input, input_lufs, reference, reference_lufs, fs, options.target_features,
                              options.target_balance, options.target_lufs, options.amounts);
  plan.target_lufs = partial ? partial->lufs : options.target_lufs.value_or(reference_lufs);
  plan.finalize = {.target_lufs = plan.target_lufs, .ceiling_dbtp = options.ceiling_dbtp, .limit = options.limit};
  plan.normalized_input = fx_normalize(input, fs, stats, &plan.fxnorm);
  // What Φ and Ψ see, at their rate: the mix normalized as measured at fs.
  const Stereo psi_input = at_model_rate ? Stereo{} : apply_fx_normalization(*copies.input, kModelRate, plan.fxnorm);
  const Stereo& psi_source = at_model_rate ? plan.normalized_input : psi_input;
  plan.reference_excerpt = analysis_excerpt(at_model_rate ? reference : *copies.reference, kModelRate,
                                            options.excerpt_seconds, options.excerpt_count);
  plan.psi_excerpt = analysis_excerpt(psi_source, kModelRate, options.excerpt_seconds, options.excerpt_count);
  AfFeatures target = partial                   ? partial->features
                      : options.target_features ? *options.target_features
                                                : compute_af_features(reference, fs);
  if (is_mono(input)) target = mono_features(target);  // its master is mono (style_for)
  // At the loudness the target features were measured at (see plan_master).
  plan.objective = loudness_matched_af_objective(target, reference_lufs, fs);
  // Black-box ITO runs on a shorter excerpt: every step runs Ψ at full rate.
  plan.excerpt = white ? plan.psi_excerpt
                       : analysis_excerpt(plan.normalized_input, fs, options.blackbox_ito_seconds,
                                          options.excerpt_count);
  if (white) {
    plan.match_eq =
        design_match_eq(plan.normalized_input, reference, fs, options.match_eq_amount,
                        partial ? std::optional<BandLevels>(partial->balance) : options.target_balance);
    plan.psi_excerpt = apply_match_eq(plan.psi_excerpt, plan.match_eq, kModelRate);
    plan.excerpt = plan.psi_excerpt;
    plan.space = musical_search_space(plan.psi_excerpt, kModelRate, style_for(options.style, input));
    plan.segments = ito_excerpt(plan.normalized_input, MasterSettings{{}, plan.space.enabled, plan.match_eq, 0.0}, fs,
                                     options.excerpt_seconds, options.excerpt_count, options.warmup_seconds);
  }
  return plan;
}

std::vector<float> starting_embedding(const models::Model& model, const ModelMasteringPlan& plan,
                                      const std::vector<float>& z_init) {
  if (z_init.empty()) return const_cast<models::Encoder&>(*model.encoder).encode(models::to_tensor(plan.reference_excerpt));
  if (z_init.size() != static_cast<std::size_t>(model.encoder->z_dim()))
    throw std::invalid_argument("the starting embedding has the wrong size");
  return z_init;
}

ItoOptions theta_phase_options(int steps, const SearchSpace& space) {
  ItoOptions options;  // ITO on Θ's own settings (lr 0.05, patience 12)
  options.max_steps = steps;
  options.space = space;
  return options;
}

bool theta_phase_due(int theta_steps, const ItoZResult& ito) {
  return theta_steps > 0 && ito.stop != ItoStop::Callback;
}

double plan_loss(const ModelMasteringPlan& plan, const Params& params, double fs) {
  SegmentedChain chain(plan.segments, fs);
  chain.set_params(params);
  chain.set_switches(plan.space.enabled);
  Stereo out;
  chain.process(out, false);
  return plan.objective(out, nullptr) + plan.space.prior(params);
}

Params theta_phase_start(const ModelMasteringPlan& plan, const ItoZResult& ito, const std::optional<Params>& previous,
                    double fs) {
  if (!previous) return ito.best_params;
  const Params p = plan.space.project(*previous);  // where ITO on Θ would start from them
  const double loss = plan_loss(plan, p, fs);
  return std::isfinite(loss) && loss < ito.best_loss ? p : ito.best_params;
}

ItoResult run_theta_phase(const ModelMasteringPlan& plan, const ItoZResult& ito, int steps, double fs,
                          const ItoCallback& callback, const std::optional<Params>& previous) {
  return ito_on_theta(plan.segments, plan.objective, fs, theta_phase_start(plan, ito, previous, fs),
                      theta_phase_options(steps, plan.space), callback);
}

CombinedIto combined_ito(const ItoZResult& z, const ItoResult& theta) {
  CombinedIto c{z.loss_curve, z.steps, z.stop, z.best_loss};
  if (!theta.loss_curve.empty()) {
    c.loss_curve.insert(c.loss_curve.end(), theta.loss_curve.begin() + 1, theta.loss_curve.end());
    c.steps += theta.steps;
    c.stop = theta.stop;
    c.best_loss = std::min(c.best_loss, theta.best_loss);
  }
  return c;
}

ModelMasteringResult finish_model_mastering(ModelMasteringPlan plan, const models::Model& model,
                                            std::vector<float> z_ref, ItoZResult ito, double fs, ItoResult theta) {
  ModelMasteringResult result;
  result.target_lufs = plan.target_lufs;
  result.fxnorm = plan.fxnorm;
  result.z_ref = std::move(z_ref);
  result.ito = std::move(ito);
  result.theta = std::move(theta);
  const models::Converter& psi = *model.converter;
  if (psi.kind() == models::ConverterKind::WhiteBox) {
    result.params_before = result.ito.initial_params;
    const bool theta_better = !result.theta.loss_curve.empty() && result.theta.best_loss <= result.ito.best_loss;
    result.params_after = theta_better ? result.theta.best : result.ito.best_params;
    result.switches = plan.space.enabled;
    result.match_eq = plan.match_eq;
    result.output = render_master(plan.normalized_input, {result.params_after, result.switches, result.match_eq, 0.0},
                                  fs, plan.finalize, &result.finalize);
  } else {
    const Stereo processed = run_blackbox(psi, plan.normalized_input, result.ito.best_z, fs);
    result.output = finalize_to_target(processed, fs, plan.finalize, &result.finalize);
  }
  result.normalized_input = std::move(plan.normalized_input);
  return result;
}

ModelMasteringResult master_with_model(const Stereo& input, const Stereo& reference, double fs,
                                       const models::Model& model, const FxNormStats& stats,
                                       const ModelMasteringOptions& options, const ItoZCallback& callback,
                                       const ItoCallback& theta_callback, const ModelRateCopies& copies) {
  ModelMasteringPlan plan = plan_model_mastering(input, reference, fs, model, stats, options, copies);
  std::vector<float> z_ref = starting_embedding(model, plan, options.z_init);
  const bool white = model.converter->kind() == models::ConverterKind::WhiteBox;
  ItoZResult ito = ito_on_z(plan.excerpt, *model.converter, z_ref, plan.objective, fs, options.ito, callback,
                            plan.space, white ? &plan.segments : nullptr);
  ItoResult theta;
  if (white && theta_phase_due(options.theta_steps, ito))
    theta = run_theta_phase(plan, ito, options.theta_steps, fs, theta_callback);
  return finish_model_mastering(std::move(plan), model, std::move(z_ref), std::move(ito), fs, std::move(theta));
}

}  // namespace ito

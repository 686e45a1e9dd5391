#include "master/model_mastering.h"

#include <cmath>
#include <stdexcept>

#include "analysis/loudness.h"
#include "dsp/chain.h"
#include "ito/objective.h"
#include "master/mastering.h"
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

ModelExcerpts model_excerpts(const Stereo& input, const Stereo& reference, double fs, const FxNormStats& stats,
                             const ModelMasteringOptions& options) {
  return {analysis_excerpt(reference, fs, options.excerpt_seconds, options.excerpt_count),
          analysis_excerpt(fx_normalize(input, fs, stats), fs, options.excerpt_seconds, options.excerpt_count)};
}

ModelMasteringResult master_with_model(const Stereo& input, const Stereo& reference, double fs,
                                       const models::Model& model, const FxNormStats& stats,
                                       const ModelMasteringOptions& options, const ItoZCallback& callback) {
  if (!model.encoder->folded() || !model.converter->folded())
    throw std::invalid_argument("master_with_model: the model must be folded");
  const double reference_lufs = integrated_loudness(reference, fs);
  if (!std::isfinite(integrated_loudness(input, fs))) throw std::invalid_argument("the input is silent");
  if (!std::isfinite(reference_lufs)) throw std::invalid_argument("the reference is silent");

  ModelMasteringResult result;
  result.target_lufs = options.target_lufs.value_or(reference_lufs);
  result.normalized_input = fx_normalize(input, fs, stats, &result.fxnorm);
  if (!options.z_init.empty() && options.z_init.size() != static_cast<std::size_t>(model.encoder->z_dim()))
    throw std::invalid_argument("the starting embedding has the wrong size");
  result.z_ref = options.z_init.empty()
                     ? embed(*model.encoder, reference, fs, options.excerpt_seconds, options.excerpt_count)
                     : options.z_init;
  const AfFeatures target = options.target_features ? *options.target_features : compute_af_features(reference, fs);
  const Objective objective = loudness_matched_af_objective(target, result.target_lufs, fs);
  const FinalizeOptions finalize{result.target_lufs, options.ceiling_dbtp};
  const models::Converter& psi = *model.converter;

  if (psi.kind() == models::ConverterKind::WhiteBox) {
    const Stereo excerpt =
        analysis_excerpt(result.normalized_input, fs, options.excerpt_seconds, options.excerpt_count);
    result.ito = ito_on_z(excerpt, psi, result.z_ref, objective, fs, options.ito, callback);
    result.params_before = result.ito.initial_params;
    result.params_after = result.ito.best_params;
    result.output = render_master(result.normalized_input, result.params_after, 0.0, fs, finalize, &result.finalize);
    return result;
  }
  const Stereo excerpt =
      analysis_excerpt(result.normalized_input, fs, options.blackbox_ito_seconds, options.excerpt_count);
  result.ito = ito_on_z(excerpt, psi, result.z_ref, objective, fs, options.ito, callback);
  const Stereo processed = run_blackbox(psi, result.normalized_input, result.ito.best_z, fs);
  result.output = finalize_to_target(processed, fs, finalize, &result.finalize);
  return result;
}

}  // namespace ito

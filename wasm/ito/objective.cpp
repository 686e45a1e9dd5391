#include "ito/objective.h"

#include <cmath>

#include "analysis/loudness.h"
#include "dsp/biquad.h"

namespace ito {

Objective af_objective(const AfFeatures& target, double fs) {
  return [target, fs](const Stereo& y, Stereo* grad) { return af_loss(y, target, fs, grad); };
}

double loudness_matched_af_loss(const Stereo& y, const AfFeatures& target, double target_lufs,
                                double fs, Stereo* grad) {
  const double lufs = integrated_loudness(y, fs);
  if (!std::isfinite(lufs)) return af_loss(y, target, fs, grad);
  const double c = db_to_lin(target_lufs - lufs);
  const std::size_t n = y.frames();
  Stereo scaled = y;
  for (int ch = 0; ch < 2; ++ch)
    for (float& v : ch ? scaled.r : scaled.l) v *= static_cast<float>(c);
  Stereo grad_scaled;
  const double loss = af_loss(scaled, target, fs, grad ? &grad_scaled : nullptr);
  if (!grad) return loss;

  // y_n = c(y) y with c = sqrt(E_target / E(y)), E = sum_i w[i] z[i]^2 over both
  // channels, z = K y, w the gated block weights. Then
  // dL/dy = c g_n + <g_n, y> dc/dy,  dc/dy = -(c / E) K^T (w z).
  const auto k = k_weighting_filters(fs);
  const std::vector<float> w = integrated_loudness_weights(y, fs);
  double energy = 0.0, dot_gy = 0.0;
  Stereo kt_z(n);
  std::vector<float> stage1(n), z(n), scratch(n);
  double unused[5];
  for (int ch = 0; ch < 2; ++ch) {
    const float* x = y.channel(ch);
    biquad_forward(k[0], x, stage1.data(), n);
    biquad_forward(k[1], stage1.data(), z.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      energy += double(w[i]) * z[i] * z[i];
      dot_gy += double(grad_scaled.channel(ch)[i]) * x[i];
      z[i] *= w[i];
    }
    // K^T (w z): the filters' adjoints, last stage first (they read only their
    // input and the gradient, so the output argument is not needed: pass stage1).
    biquad_backward(k[1], stage1.data(), stage1.data(), z.data(), scratch.data(), n, unused);
    biquad_backward(k[0], x, stage1.data(), scratch.data(), kt_z.channel(ch), n, unused);
  }
  const double coef = dot_gy * c / energy;
  grad->resize(n);
  for (int ch = 0; ch < 2; ++ch) {
    const float* gn = grad_scaled.channel(ch);
    const float* kz = kt_z.channel(ch);
    float* g = grad->channel(ch);
    for (std::size_t i = 0; i < n; ++i) g[i] = static_cast<float>(c * gn[i] - coef * kz[i]);
  }
  return loss;
}

Objective loudness_matched_af_objective(const AfFeatures& target, double target_lufs, double fs) {
  return [target, target_lufs, fs](const Stereo& y, Stereo* grad) {
    return loudness_matched_af_loss(y, target, target_lufs, fs, grad);
  };
}

}  // namespace ito

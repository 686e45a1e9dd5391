#include "ito/objective.h"

#include <cmath>

#include "analysis/loudness.h"
#include "core/parallel.h"
#include "dsp/biquad.h"

namespace ito {

Objective af_objective(const AfFeatures& target, double fs) {
  return [target, fs](const Stereo& y, Stereo* grad) { return af_loss(y, target, fs, grad); };
}

double loudness_matched_af_loss(const Stereo& y, const AfFeatures& target, double target_lufs,
                                double fs, Stereo* grad) {
  // The K-weighted channels z, once, each on its own thread: the loudness, its gates and the
  // gradient all come from them (BS.1770's gated mean energy of z; loudness.h's gate_steps).
  const std::size_t n = y.frames(), step = loudness_step_samples(fs);
  const std::size_t steps = step ? n / step : 0;
  const auto k = k_weighting_filters(fs);
  std::vector<float> stage1[2], z[2];
  std::vector<double> channel_steps[2];
  parallel_for(2, [&](int ch) {
    stage1[ch].resize(n);
    z[ch].resize(n);
    biquad_forward(k[0], y.channel(ch), stage1[ch].data(), n);
    biquad_forward(k[1], stage1[ch].data(), z[ch].data(), n);
    channel_steps[ch].assign(steps, 0.0);
    for (std::size_t s = 0; s < steps; ++s) {
      double e = 0.0;
      for (std::size_t i = s * step; i < (s + 1) * step; ++i) e += double(z[ch][i]) * z[ch][i];
      channel_steps[ch][s] = e;
    }
  });
  std::vector<double> step_energies(steps);
  for (std::size_t s = 0; s < steps; ++s) step_energies[s] = channel_steps[0][s] + channel_steps[1][s];
  const GatedSteps gated = gate_steps(step_energies, fs);
  if (!std::isfinite(gated.lufs)) return af_loss(y, target, fs, grad);
  const double c = db_to_lin(target_lufs - gated.lufs);
  Stereo scaled(n);
  for (int ch = 0; ch < 2; ++ch) {
    const float* x = y.channel(ch);
    float* out = scaled.channel(ch);
    for (std::size_t i = 0; i < n; ++i) out[i] = x[i] * static_cast<float>(c);
  }
  Stereo grad_scaled;
  const double loss = af_loss(scaled, target, fs, grad ? &grad_scaled : nullptr);
  if (!grad) return loss;

  // y_n = c(y) y with c = sqrt(E_target / E(y)), E = sum_s w[s] E_s over the 100 ms steps,
  // E_s = sum over the step's samples of both channels' z^2, z = K y, w the gated step weights.
  // Then dL/dy = c g_n + <g_n, y> dc/dy,  dc/dy = -(c / E) K^T (w z).
  double energy = 0.0;
  for (std::size_t s = 0; s < steps; ++s) energy += gated.weights[s] * step_energies[s];
  double channel_dot[2] = {0.0, 0.0};
  Stereo kt_z(n);
  parallel_for(2, [&](int ch) {
    const float* x = y.channel(ch);
    const float* gn = grad_scaled.channel(ch);
    double dot = 0.0;
    for (std::size_t i = 0; i < n; ++i) dot += double(gn[i]) * x[i];
    channel_dot[ch] = dot;
    std::vector<float>& wz = z[ch];
    for (std::size_t s = 0; s < steps; ++s) {
      const float w = static_cast<float>(gated.weights[s]);
      for (std::size_t i = s * step; i < (s + 1) * step; ++i) wz[i] *= w;
    }
    std::fill(wz.begin() + steps * step, wz.end(), 0.0f);  // no block reaches past the last step
    // K^T (w z): the filters' adjoints, last stage first (they read only their input and the
    // gradient, so the output argument is not needed: pass stage1).
    std::vector<float> scratch(n);
    double unused[5];
    biquad_backward(k[1], stage1[ch].data(), stage1[ch].data(), wz.data(), scratch.data(), n, unused);
    biquad_backward(k[0], x, stage1[ch].data(), scratch.data(), kt_z.channel(ch), n, unused);
  });
  const double coef = (channel_dot[0] + channel_dot[1]) * c / energy;
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

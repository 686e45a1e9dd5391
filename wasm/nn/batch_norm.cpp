#include "nn/batch_norm.h"

#include <cmath>

namespace ito::nn {

void batch_norm_train_forward(const Batch& xs, const float* gamma, const float* beta, Batch& ys,
                              BatchNormCache& cache, float* running_mean, float* running_var) {
  const int channels = xs.front().channels, frames = xs.front().frames;
  const double count = static_cast<double>(xs.size()) * frames;
  ys.resize(xs.size());
  cache.normalized.resize(xs.size());
  cache.inv_std.assign(channels, 0.0f);
  for (std::size_t b = 0; b < xs.size(); ++b) {
    ys[b].resize_for_overwrite(channels, frames);
    cache.normalized[b].resize_for_overwrite(channels, frames);
  }
  for (int c = 0; c < channels; ++c) {
    double sum = 0.0;
    for (const Tensor& x : xs)
      for (int t = 0; t < frames; ++t) sum += x.row(c)[t];
    const double mean = sum / count;
    double sq = 0.0;
    for (const Tensor& x : xs)
      for (int t = 0; t < frames; ++t) {
        const double d = x.row(c)[t] - mean;
        sq += d * d;
      }
    const double var = sq / count;
    const float inv_std = static_cast<float>(1.0 / std::sqrt(var + kBatchNormEps));
    cache.inv_std[c] = inv_std;
    for (std::size_t b = 0; b < xs.size(); ++b) {
      const float* x = xs[b].row(c);
      float* xn = cache.normalized[b].row(c);
      float* y = ys[b].row(c);
      for (int t = 0; t < frames; ++t) {
        xn[t] = static_cast<float>(x[t] - mean) * inv_std;
        y[t] = gamma[c] * xn[t] + beta[c];
      }
    }
    if (running_mean && running_var) {
      const double unbiased = count > 1 ? sq / (count - 1) : var;
      running_mean[c] = (1 - kBatchNormMomentum) * running_mean[c] + kBatchNormMomentum * static_cast<float>(mean);
      running_var[c] = (1 - kBatchNormMomentum) * running_var[c] + kBatchNormMomentum * static_cast<float>(unbiased);
    }
  }
}

void batch_norm_backward(const BatchNormCache& cache, const float* gamma, const Batch& gys, Batch& gxs,
                         float* ggamma, float* gbeta) {
  const int channels = gys.front().channels, frames = gys.front().frames;
  const double count = static_cast<double>(gys.size()) * frames;
  gxs.resize(gys.size());
  for (auto& g : gxs) g.resize_for_overwrite(channels, frames);
  for (int c = 0; c < channels; ++c) {
    double sum_g = 0.0, sum_gx = 0.0;
    for (std::size_t b = 0; b < gys.size(); ++b) {
      const float* g = gys[b].row(c);
      const float* xn = cache.normalized[b].row(c);
      for (int t = 0; t < frames; ++t) {
        sum_g += g[t];
        sum_gx += static_cast<double>(g[t]) * xn[t];
      }
    }
    if (ggamma) ggamma[c] += static_cast<float>(sum_gx);
    if (gbeta) gbeta[c] += static_cast<float>(sum_g);
    // dL/dx = gamma * inv_std * (g - mean(g) - xn * mean(g * xn))
    const float scale = gamma[c] * cache.inv_std[c];
    const float mean_g = static_cast<float>(sum_g / count), mean_gx = static_cast<float>(sum_gx / count);
    for (std::size_t b = 0; b < gys.size(); ++b) {
      const float* g = gys[b].row(c);
      const float* xn = cache.normalized[b].row(c);
      float* gx = gxs[b].row(c);
      for (int t = 0; t < frames; ++t) gx[t] = scale * (g[t] - mean_g - xn[t] * mean_gx);
    }
  }
}

void fold_into_conv(int out_channels, int weights_per_output, const float* gamma, const float* beta,
                    const float* running_mean, const float* running_var, float* w, float* b) {
  for (int o = 0; o < out_channels; ++o) {
    const float scale = gamma[o] / std::sqrt(running_var[o] + kBatchNormEps);
    for (int n = 0; n < weights_per_output; ++n) w[static_cast<std::size_t>(o) * weights_per_output + n] *= scale;
    b[o] = (b[o] - running_mean[o]) * scale + beta[o];
  }
}

}  // namespace ito::nn

// Batch normalization over (batch, frames) per channel, as torch.nn.BatchNorm1d:
// training uses the batch's mean and biased variance and updates running statistics
// (momentum 0.1, unbiased variance); inference uses the running statistics, folded
// into the preceding convolution (fold_into_conv) so that no separate layer runs.
#pragma once
#include <vector>

#include "nn/tensor.h"

namespace ito::nn {

constexpr float kBatchNormEps = 1e-5f;
constexpr float kBatchNormMomentum = 0.1f;

// What backward needs: the normalized input and 1/sqrt(var + eps) per channel.
struct BatchNormCache {
  Batch normalized;
  std::vector<float> inv_std;
};

// ys = gamma * (xs - mean) / sqrt(var + eps) + beta, statistics over all of xs.
// running_mean/var (size channels) are updated when non-null.
void batch_norm_train_forward(const Batch& xs, const float* gamma, const float* beta, Batch& ys,
                              BatchNormCache& cache, float* running_mean, float* running_var);

// gxs = dL/dxs (resized); ggamma and gbeta are ADDED to.
void batch_norm_backward(const BatchNormCache& cache, const float* gamma, const Batch& gys, Batch& gxs,
                         float* ggamma, float* gbeta);

// Inference: scale = gamma / sqrt(var + eps); w[o][*] *= scale[o];
// b[o] = (b[o] - mean[o]) * scale[o] + beta[o] (b starts as the conv bias or zeros).
void fold_into_conv(int out_channels, int weights_per_output, const float* gamma, const float* beta,
                    const float* running_mean, const float* running_var, float* w, float* b);

}  // namespace ito::nn

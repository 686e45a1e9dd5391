// Fully connected layer, FiLM modulation and mean pooling over time, with backward passes.
#pragma once
#include <vector>

#include "nn/tensor.h"

namespace ito::nn {

// y[o] = b[o] + sum_i w[o][i] x[i] (w row-major [out][in], as torch.nn.Linear).
void linear_forward(int in, int out, const float* w, const float* b, const float* x, float* y);
// gx (if non-null) is SET; gw, gb (if non-null) are ADDED to.
void linear_backward(int in, int out, const float* w, const float* x, const float* gy, float* gx, float* gw,
                     float* gb);

// FiLM: y[c][t] = gamma[c] * x[c][t] + beta[c], in place on x.
void film_forward(Tensor& x, const float* gamma, const float* beta);
// From the FiLM input x_in (pre-modulation) and dL/dy: ggamma, gbeta are SET; g becomes dL/dx_in.
void film_backward(const Tensor& x_in, const float* gamma, Tensor& g, float* ggamma, float* gbeta);

// y[c] = mean_t x[c][t].
void mean_over_time(const Tensor& x, float* y);
// dL/dx[c][t] = gy[c] / frames.
void mean_over_time_backward(const float* gy, int channels, int frames, Tensor& gx);

}  // namespace ito::nn

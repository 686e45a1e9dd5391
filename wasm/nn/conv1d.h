// 1-D convolution with stride, dilation and "same" zero padding, forward and
// hand-written backward (input, weight and bias gradients).
//
//   y[o][t] = b[o] + sum_i sum_k w[o][i][k] * x[i][t*stride + k*dilation - pad_left]
//
// with pad_left = dilation*(kernel-1)/2 (floor) and out_frames = ceil(frames/stride),
// i.e. ONNX/PyTorch Conv with pads [pad_left, dilation*(kernel-1) - pad_left]. Weights are
// PyTorch's layout w[out][in][kernel]. `depthwise` (in == out) has one kernel per channel:
// w[c][k] acting on channel c alone (groups = channels).
//
// The kernels split the padded input into `stride` phases so that every (i, k) pair reads a
// contiguous slice, and accumulate a block of output channels x frames in registers.
#pragma once
#include <cstddef>

#include "nn/tensor.h"

namespace ito::nn {

struct Conv1dSpec {
  int in = 1, out = 1, kernel = 1, stride = 1, dilation = 1;
  bool depthwise = false;
  bool bias = true;

  std::size_t weight_count() const {
    return static_cast<std::size_t>(out) * (depthwise ? 1 : in) * kernel;
  }
  std::size_t bias_count() const { return bias ? static_cast<std::size_t>(out) : 0; }
  int pad_left() const { return dilation * (kernel - 1) / 2; }
  int pad_right() const { return dilation * (kernel - 1) - pad_left(); }
  int out_frames(int frames) const { return (frames + stride - 1) / stride; }
  double macs(int frames) const {
    return static_cast<double>(out_frames(frames)) * out * (depthwise ? 1 : in) * kernel;
  }
};

// y is resized to (out, out_frames). b may be null when !spec.bias.
void conv1d_forward(const Conv1dSpec& spec, const float* w, const float* b, const Tensor& x, Tensor& y);

// gy: dL/dy. If gx != nullptr it is resized and set to dL/dx. gw (and gb if spec.bias)
// are ADDED to (accumulate over a batch); either may be null to skip it.
void conv1d_backward(const Conv1dSpec& spec, const float* w, const Tensor& x, const Tensor& gy,
                     Tensor* gx, float* gw, float* gb);

}  // namespace ito::nn

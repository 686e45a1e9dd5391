#include "nn/linear.h"

#include <cstddef>

namespace ito::nn {

void linear_forward(int in, int out, const float* w, const float* b, const float* x, float* y) {
  for (int o = 0; o < out; ++o) {
    const float* row = w + static_cast<std::size_t>(o) * in;
    float acc = b ? b[o] : 0.0f;
    for (int i = 0; i < in; ++i) acc += row[i] * x[i];
    y[o] = acc;
  }
}

void linear_backward(int in, int out, const float* w, const float* x, const float* gy, float* gx, float* gw,
                     float* gb) {
  if (gx)
    for (int i = 0; i < in; ++i) gx[i] = 0.0f;
  for (int o = 0; o < out; ++o) {
    const float* row = w + static_cast<std::size_t>(o) * in;
    if (gx)
      for (int i = 0; i < in; ++i) gx[i] += row[i] * gy[o];
    if (gw) {
      float* grow = gw + static_cast<std::size_t>(o) * in;
      for (int i = 0; i < in; ++i) grow[i] += gy[o] * x[i];
    }
    if (gb) gb[o] += gy[o];
  }
}

void film_forward(Tensor& x, const float* gamma, const float* beta) {
  for (int c = 0; c < x.channels; ++c) {
    float* row = x.row(c);
    for (int t = 0; t < x.frames; ++t) row[t] = gamma[c] * row[t] + beta[c];
  }
}

void film_backward(const Tensor& x_in, const float* gamma, Tensor& g, float* ggamma, float* gbeta) {
  for (int c = 0; c < g.channels; ++c) {
    const float* x = x_in.row(c);
    float* gr = g.row(c);
    double sg = 0.0, sgx = 0.0;
    for (int t = 0; t < g.frames; ++t) {
      sg += gr[t];
      sgx += static_cast<double>(gr[t]) * x[t];
      gr[t] *= gamma[c];
    }
    ggamma[c] = static_cast<float>(sgx);
    gbeta[c] = static_cast<float>(sg);
  }
}

void mean_over_time(const Tensor& x, float* y) {
  for (int c = 0; c < x.channels; ++c) {
    double s = 0.0;
    const float* row = x.row(c);
    for (int t = 0; t < x.frames; ++t) s += row[t];
    y[c] = static_cast<float>(s / x.frames);
  }
}

void mean_over_time_backward(const float* gy, int channels, int frames, Tensor& gx) {
  gx.resize_for_overwrite(channels, frames);
  for (int c = 0; c < channels; ++c) {
    const float v = gy[c] / static_cast<float>(frames);
    float* row = gx.row(c);
    for (int t = 0; t < frames; ++t) row[t] = v;
  }
}

}  // namespace ito::nn

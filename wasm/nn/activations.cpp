#include "nn/activations.h"

namespace ito::nn {

void leaky_relu_forward(float* x, std::size_t n, float slope) {
  for (std::size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

void leaky_relu_backward(const float* y, float* g, std::size_t n, float slope) {
  for (std::size_t i = 0; i < n; ++i) g[i] = y[i] > 0.0f ? g[i] : slope * g[i];
}

}  // namespace ito::nn

// Pointwise layers: LeakyReLU (slope 0 = ReLU) and sigmoid, with their backward passes.
#pragma once
#include <cstddef>

namespace ito::nn {

// In place: x = x > 0 ? x : slope * x.
void leaky_relu_forward(float* x, std::size_t n, float slope);
// g *= (y > 0 ? 1 : slope), where y is the layer's output (same sign as its input).
void leaky_relu_backward(const float* y, float* g, std::size_t n, float slope);

inline float sigmoid(float x) { return x >= 0 ? 1.0f / (1.0f + __builtin_expf(-x)) : __builtin_expf(x) / (1.0f + __builtin_expf(x)); }
// dsigmoid/dx from the output y = sigmoid(x).
inline float sigmoid_grad_from_output(float y) { return y * (1.0f - y); }

}  // namespace ito::nn

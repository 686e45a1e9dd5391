// The building block of Φ and Ψ: a 1-D convolution, optionally followed by batch norm.
// Parameters live in one flat vector per network (offsets below) so that the optimizer,
// checkpoints and model files treat a network as a single array of floats.
//
// Every unit has a bias slot. In the training form a unit with batch norm leaves it at 0
// (batch norm cancels it); fold() turns batch norm into the conv's weights and bias, after
// which the unit is a plain biased convolution (the inference form, also what ONNX gets).
#pragma once
#include <cstddef>
#include <vector>

#include "nn/batch_norm.h"
#include "nn/conv1d.h"
#include "nn/tensor.h"

namespace ito::models {

// Hands out consecutive ranges of a flat array.
struct Layout {
  std::size_t size = 0;
  std::size_t add(std::size_t n) {
    const std::size_t at = size;
    size += n;
    return at;
  }
};

// A network's numbers: trained parameters, and buffers (batch-norm running statistics).
struct Weights {
  std::vector<float> params;
  std::vector<float> buffers;
};

struct ConvUnit {
  nn::Conv1dSpec spec;  // spec.bias: the bias slot is used (always true once folded)
  std::size_t w = 0, b = 0;
  bool batch_norm = false;
  std::size_t gamma = 0, beta = 0;  // params
  std::size_t mean = 0, var = 0;    // buffers
};

ConvUnit make_unit(nn::Conv1dSpec spec, bool batch_norm, Layout& params, Layout& buffers);

// Initial values: weights ~ N(0, gain^2 / fan_in), bias 0, gamma 1, beta 0, running
// mean 0, var 1. `rng_state` is advanced (a simple deterministic generator).
void init_unit(const ConvUnit& u, Weights& w, float gain, unsigned long long& rng_state);

// What backward needs from the forward pass (the input is passed in again).
struct UnitTape {
  nn::BatchNormCache bn;
};

// Applies the unit to every example. With batch norm: `training` uses the batch's statistics
// (and updates the running ones in w.buffers), otherwise the running statistics.
void unit_forward(const ConvUnit& u, Weights& w, bool training, const nn::Batch& x, nn::Batch& y,
                  UnitTape* tape);

// dL/dy -> dL/dx (if gx) and parameter gradients added into grad (same layout as params;
// null: no parameter gradients).
// Only for the training form (batch statistics) or units without batch norm.
void unit_backward(const ConvUnit& u, const Weights& w, const nn::Batch& x, const UnitTape& tape,
                   const nn::Batch& gy, nn::Batch* gx, float* grad);

// Batch norm into the conv (see top); afterwards u.batch_norm is false and u.spec.bias true.
void fold_unit(ConvUnit& u, Weights& w);

// Deterministic normal variates for initialization (no platform RNG differences).
float normal_variate(unsigned long long& state);

}  // namespace ito::models

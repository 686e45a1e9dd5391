// Φ, the reference encoder (spec 2.1): residual 1-D conv blocks on the stereo waveform,
// then the average over time -> z (the embedding of the reference's mastering style).
//
//   block: h = ReLU(BN(conv_k,s(x)));  out = h + (shape changes ? conv1x1_s(x) : x)
//
// Same block structure, kernels and strides as the paper; narrower channels (model card
// models/encoder.md), so the embedding has channels.back() dimensions.
#pragma once
#include <vector>

#include "models/conv_unit.h"

namespace ito::models {

struct EncoderConfig {
  std::vector<int> channels, kernels, strides;
};

// Ours: 12 blocks, channels 8..128 (z has 128 dimensions), the paper's kernels and strides.
EncoderConfig default_encoder_config();

class Encoder {
 public:
  explicit Encoder(EncoderConfig config);

  const EncoderConfig& config() const { return config_; }
  int z_dim() const { return config_.channels.back(); }
  std::size_t param_count() const { return params_.size; }
  bool folded() const { return folded_; }
  Weights& weights() { return weights_; }
  const Weights& weights() const { return weights_; }

  void init(unsigned long long seed);
  // Batch norm into the convolutions (inference form).
  void fold();

  struct Tape {
    std::vector<nn::Batch> inputs;  // input of each block, then the last block's output
    std::vector<nn::Batch> hidden;  // ReLU output of each block's main path
    std::vector<UnitTape> units;
  };

  // x: (2, frames) per example. z[e] gets z_dim values. `training`: batch statistics.
  void forward(const nn::Batch& x, bool training, std::vector<std::vector<float>>& z, Tape* tape);
  // dL/dz -> parameter gradients added into grad (size param_count()).
  void backward(const Tape& tape, const std::vector<std::vector<float>>& gz, std::vector<float>& grad) const;

  // One example, inference form.
  std::vector<float> encode(const nn::Tensor& x);

  struct Block {
    ConvUnit main;
    bool projected = false;  // residual through a 1x1 conv (else identity)
    ConvUnit projection;
  };
  const std::vector<Block>& blocks() const { return blocks_; }

 private:
  EncoderConfig config_;
  Layout params_, buffers_;
  std::vector<Block> blocks_;
  Weights weights_;
  bool folded_ = false;
};

double encoder_macs(const EncoderConfig& c, int frames);

}  // namespace ito::models

// Ψ, the converter (spec 2.2 / 2.3): a TCN whose blocks are FiLM-conditioned on z.
//
//   block n: h = LeakyReLU_0.01(BN(conv_k,s_n,d_n(x)));  h = γ_n(z) ⊙ h + β_n(z)
//            out = h + r_n(x),  r_n = 1x1 conv with stride s_n, no bias (depthwise when
//            the channel count stays, else a full 1x1 conv)
//   (γ_n, β_n) = Linear_n(z), γ initialized around 1.
//
// White-box head: c = mean_t(conv1x1(h)) (46 values), then FiLM on those logits,
//   p = sigmoid(γ_h(z) ⊙ c + β_h(z)): the 46 chain parameters in [0, 1].
// Black-box head: y = clamp(conv1x1(h) + conv1x1(x_in), -1, 1), full rate (stride 1).
#pragma once
#include <vector>

#include "models/conv_unit.h"

namespace ito::models {

enum class ConverterKind { WhiteBox, BlackBox };

struct ConverterConfig {
  ConverterKind kind = ConverterKind::WhiteBox;
  int z_dim = 256;
  int kernel = 15;
  float slope = 0.01f;
  std::vector<int> channels, strides, dilations;
};

ConverterConfig default_whitebox_config(int z_dim);
ConverterConfig default_blackbox_config(int z_dim);

constexpr int kWhiteBoxOutputs = 46;

class Converter {
 public:
  explicit Converter(ConverterConfig config);

  const ConverterConfig& config() const { return config_; }
  ConverterKind kind() const { return config_.kind; }
  int out_channels() const { return config_.kind == ConverterKind::WhiteBox ? kWhiteBoxOutputs : 2; }
  std::size_t param_count() const { return params_.size; }
  bool folded() const { return folded_; }
  Weights& weights() { return weights_; }
  const Weights& weights() const { return weights_; }

  void init(unsigned long long seed);
  void fold();

  struct Tape {
    std::vector<nn::Batch> inputs;  // input of each block, then the last block's output
    std::vector<nn::Batch> hidden;  // LeakyReLU output (FiLM input) of each block
    std::vector<UnitTape> units;
    std::vector<std::vector<std::vector<float>>> film;  // [block][example] γ then β
    std::vector<std::vector<float>> z;
    nn::Batch head_out;                       // conv1x1 output of the head
    std::vector<std::vector<float>> head_film, logits_mean;  // white-box
    nn::Batch output;                         // black-box output (after clamp)
  };

  // x: (2, frames) per example, z[e]: z_dim values. White-box: out[e] = 46 values p;
  // black-box: out_audio[e] = (2, frames).
  void forward(const nn::Batch& x, const std::vector<std::vector<float>>& z, bool training,
               std::vector<std::vector<float>>* out_params, nn::Batch* out_audio, Tape* tape);

  // dL/dp (white-box) or dL/dy (black-box) -> parameter gradients added into grad (if non-null)
  // and dL/dz (if gz non-null, set). White-box: g_logits (optional) is added to dL/dlogit,
  // for terms on the logits themselves (training's saturation penalty).
  void backward(const Tape& tape, const std::vector<std::vector<float>>* g_params, const nn::Batch* g_audio,
                std::vector<float>* grad, std::vector<std::vector<float>>* gz,
                const std::vector<std::vector<float>>* g_logits = nullptr) const;

  // White-box: the 46 logits of example e (p = sigmoid(logits)) from a forward tape.
  std::vector<float> head_logits(const Tape& tape, std::size_t e) const;

  struct Block {
    ConvUnit main, residual;
    std::size_t film_w = 0, film_b = 0;  // Linear z -> 2C
  };
  const std::vector<Block>& blocks() const { return blocks_; }
  const ConvUnit& head() const { return head_; }
  const ConvUnit& skip() const { return skip_; }
  std::size_t head_film_w() const { return head_film_w_; }
  std::size_t head_film_b() const { return head_film_b_; }

 private:
  ConverterConfig config_;
  Layout params_, buffers_;
  std::vector<Block> blocks_;
  ConvUnit head_, skip_;
  std::size_t head_film_w_ = 0, head_film_b_ = 0;
  Weights weights_;
  bool folded_ = false;
};

double converter_macs(const ConverterConfig& c, int frames);

}  // namespace ito::models

#include "models/encoder.h"

#include "nn/activations.h"
#include "nn/linear.h"

namespace ito::models {

EncoderConfig default_encoder_config() {
  return {{8, 16, 16, 32, 32, 48, 48, 64, 64, 96, 128, 128},
          {25, 25, 15, 15, 10, 10, 10, 10, 5, 5, 5, 5},
          {4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1}};
}

Encoder::Encoder(EncoderConfig config) : config_(std::move(config)) {
  int in = 2;
  for (std::size_t n = 0; n < config_.channels.size(); ++n) {
    Block b;
    const int out = config_.channels[n], stride = config_.strides[n];
    b.main = make_unit({in, out, config_.kernels[n], stride, 1, false, false}, true, params_, buffers_);
    b.projected = in != out || stride != 1;
    if (b.projected) b.projection = make_unit({in, out, 1, stride, 1, false, false}, false, params_, buffers_);
    blocks_.push_back(b);
    in = out;
  }
  weights_.params.assign(params_.size, 0.0f);
  weights_.buffers.assign(buffers_.size, 0.0f);
}

void Encoder::init(unsigned long long seed) {
  unsigned long long state = seed * 2654435761ULL + 1;
  for (const Block& b : blocks_) {
    init_unit(b.main, weights_, 1.41421356f, state);  // He initialization for ReLU
    if (b.projected) init_unit(b.projection, weights_, 1.0f, state);
  }
}

void Encoder::fold() {
  for (Block& b : blocks_) fold_unit(b.main, weights_);
  folded_ = true;
}

void Encoder::forward(const nn::Batch& x, bool training, std::vector<std::vector<float>>& z, Tape* tape) {
  Tape local;
  Tape& t = tape ? *tape : local;
  t.inputs.assign(1, x);
  t.hidden.clear();
  t.units.assign(blocks_.size(), {});
  for (std::size_t n = 0; n < blocks_.size(); ++n) {
    const Block& b = blocks_[n];
    const nn::Batch& in = t.inputs.back();
    nn::Batch h;
    unit_forward(b.main, weights_, training, in, h, &t.units[n]);
    for (auto& e : h) nn::leaky_relu_forward(e.data.data(), e.size(), 0.0f);
    nn::Batch out;
    if (b.projected) {
      unit_forward(b.projection, weights_, training, in, out, nullptr);
    } else {
      out = in;
    }
    for (std::size_t e = 0; e < h.size(); ++e)
      for (std::size_t i = 0; i < h[e].size(); ++i) out[e].data[i] += h[e].data[i];
    t.hidden.push_back(std::move(h));
    t.inputs.push_back(std::move(out));
    if (!tape) {  // inference: drop what backward would need
      t.inputs.erase(t.inputs.begin());
      t.hidden.clear();
    }
  }
  const nn::Batch& last = t.inputs.back();
  z.assign(last.size(), std::vector<float>(z_dim()));
  for (std::size_t e = 0; e < last.size(); ++e) nn::mean_over_time(last[e], z[e].data());
}

void Encoder::backward(const Tape& t, const std::vector<std::vector<float>>& gz, std::vector<float>& grad) const {
  const nn::Batch& last = t.inputs.back();
  nn::Batch g(last.size());
  for (std::size_t e = 0; e < last.size(); ++e)
    nn::mean_over_time_backward(gz[e].data(), last[e].channels, last[e].frames, g[e]);
  for (std::size_t n = blocks_.size(); n-- > 0;) {
    const Block& b = blocks_[n];
    const nn::Batch& in = t.inputs[n];
    // Main path: through ReLU (mask from its output), batch norm and conv.
    nn::Batch gh = g;
    for (std::size_t e = 0; e < gh.size(); ++e)
      nn::leaky_relu_backward(t.hidden[n][e].data.data(), gh[e].data.data(), gh[e].size(), 0.0f);
    const bool need_gx = n > 0;
    nn::Batch gx_main;
    unit_backward(b.main, weights_, in, t.units[n], gh, need_gx ? &gx_main : nullptr, grad.data());
    // Residual path.
    nn::Batch gx_res;
    if (b.projected) {
      unit_backward(b.projection, weights_, in, {}, g, need_gx ? &gx_res : nullptr, grad.data());
    } else if (need_gx) {
      gx_res = g;
    }
    if (!need_gx) break;
    for (std::size_t e = 0; e < gx_main.size(); ++e)
      for (std::size_t i = 0; i < gx_main[e].size(); ++i) gx_main[e].data[i] += gx_res[e].data[i];
    g = std::move(gx_main);
  }
}

std::vector<float> Encoder::encode(const nn::Tensor& x) {
  std::vector<std::vector<float>> z;
  forward(nn::Batch{x}, false, z, nullptr);
  return z.front();
}

double encoder_macs(const EncoderConfig& c, int frames) {
  double macs = 0.0;
  int in = 2;
  for (std::size_t n = 0; n < c.channels.size(); ++n) {
    nn::Conv1dSpec s{in, c.channels[n], c.kernels[n], c.strides[n], 1, false, true};
    macs += s.macs(frames);
    frames = s.out_frames(frames);
    in = c.channels[n];
  }
  return macs;
}

}  // namespace ito::models

#include "models/converter.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nn/activations.h"
#include "nn/linear.h"

namespace ito::models {

ConverterConfig default_whitebox_config(int z_dim) {
  ConverterConfig c;
  c.kind = ConverterKind::WhiteBox;
  c.z_dim = z_dim;
  c.kernel = 15;
  c.channels = {8, 8, 16, 16, 32, 32, 64, 64, 64, 64, 64, 64, 64, 64};
  for (std::size_t n = 0; n < c.channels.size(); ++n) {
    c.strides.push_back(2);
    c.dilations.push_back(1 << (n % 4));  // see models/whitebox.md: bounded dilation
  }
  return c;
}

ConverterConfig default_blackbox_config(int z_dim) {
  ConverterConfig c;
  c.kind = ConverterKind::BlackBox;
  c.z_dim = z_dim;
  c.kernel = 15;
  c.channels.assign(12, 8);
  for (std::size_t n = 0; n < c.channels.size(); ++n) {
    c.strides.push_back(1);
    c.dilations.push_back(1 << n);
  }
  return c;
}

Converter::Converter(ConverterConfig config) : config_(std::move(config)) {
  if (config_.kind == ConverterKind::BlackBox)
    for (int s : config_.strides)
      if (s != 1) throw std::invalid_argument("a black-box converter runs at full rate: every stride must be 1");
  int in = 2;
  for (std::size_t n = 0; n < config_.channels.size(); ++n) {
    const int out = config_.channels[n], stride = config_.strides[n];
    Block b;
    b.main = make_unit({in, out, config_.kernel, stride, config_.dilations[n], false, false}, true, params_, buffers_);
    b.residual = make_unit({in, out, 1, stride, 1, in == out, false}, false, params_, buffers_);
    b.film_w = params_.add(static_cast<std::size_t>(2 * out) * config_.z_dim);
    b.film_b = params_.add(static_cast<std::size_t>(2 * out));
    blocks_.push_back(b);
    in = out;
  }
  head_ = make_unit({in, out_channels(), 1, 1, 1, false, true}, false, params_, buffers_);
  if (config_.kind == ConverterKind::WhiteBox) {
    head_film_w_ = params_.add(static_cast<std::size_t>(2 * kWhiteBoxOutputs) * config_.z_dim);
    head_film_b_ = params_.add(2 * kWhiteBoxOutputs);
  } else {
    skip_ = make_unit({2, 2, 1, 1, 1, false, false}, false, params_, buffers_);
  }
  weights_.params.assign(params_.size, 0.0f);
  weights_.buffers.assign(buffers_.size, 0.0f);
}

namespace {

// FiLM linear z -> (γ, β): small random weights, γ's bias 1 so that FiLM starts near identity.
void init_film(Weights& w, std::size_t at_w, std::size_t at_b, int channels, int z_dim, unsigned long long& state) {
  const float std_dev = 0.1f / std::sqrt(static_cast<float>(z_dim));
  for (std::size_t n = 0; n < static_cast<std::size_t>(2 * channels) * z_dim; ++n)
    w.params[at_w + n] = std_dev * normal_variate(state);
  for (int c = 0; c < 2 * channels; ++c) w.params[at_b + c] = c < channels ? 1.0f : 0.0f;
}

void film_params(const Weights& w, std::size_t at_w, std::size_t at_b, int channels, const std::vector<float>& z,
                 std::vector<float>& out) {
  out.resize(2 * channels);
  nn::linear_forward(static_cast<int>(z.size()), 2 * channels, w.params.data() + at_w, w.params.data() + at_b,
                     z.data(), out.data());
}

void add_into(nn::Batch& a, const nn::Batch& b) {
  for (std::size_t e = 0; e < a.size(); ++e)
    for (std::size_t i = 0; i < a[e].size(); ++i) a[e].data[i] += b[e].data[i];
}

}  // namespace

void Converter::init(unsigned long long seed) {
  unsigned long long state = seed * 2654435761ULL + 7;
  for (const Block& b : blocks_) {
    init_unit(b.main, weights_, 1.41421356f, state);
    init_unit(b.residual, weights_, 1.0f, state);
    if (b.residual.spec.depthwise)
      for (int c = 0; c < b.residual.spec.out; ++c) weights_.params[b.residual.w + c] = 1.0f;  // identity path
    init_film(weights_, b.film_w, b.film_b, b.main.spec.out, config_.z_dim, state);
  }
  init_unit(head_, weights_, config_.kind == ConverterKind::WhiteBox ? 1.0f : 0.1f, state);
  if (config_.kind == ConverterKind::WhiteBox) {
    init_film(weights_, head_film_w_, head_film_b_, kWhiteBoxOutputs, config_.z_dim, state);
  } else {
    // The skip path starts as the identity: the network first learns a correction.
    for (int n = 0; n < 4; ++n) weights_.params[skip_.w + n] = (n == 0 || n == 3) ? 1.0f : 0.0f;
  }
}

void Converter::fold() {
  for (Block& b : blocks_) fold_unit(b.main, weights_);
  folded_ = true;
}

void Converter::forward(const nn::Batch& x, const std::vector<std::vector<float>>& z, bool training,
                        std::vector<std::vector<float>>* out_params, nn::Batch* out_audio, Tape* tape) {
  Tape local;
  Tape& t = tape ? *tape : local;
  t.inputs.assign(1, x);
  t.hidden.clear();
  t.units.assign(blocks_.size(), {});
  t.film.assign(blocks_.size(), std::vector<std::vector<float>>(x.size()));
  t.z = z;
  for (std::size_t n = 0; n < blocks_.size(); ++n) {
    const Block& b = blocks_[n];
    const int channels = b.main.spec.out;
    nn::Batch h, r;
    unit_forward(b.main, weights_, training, t.inputs.back(), h, &t.units[n]);
    for (auto& e : h) nn::leaky_relu_forward(e.data.data(), e.size(), config_.slope);
    if (tape) t.hidden.push_back(h);
    for (std::size_t e = 0; e < h.size(); ++e) {
      film_params(weights_, b.film_w, b.film_b, channels, z[e], t.film[n][e]);
      nn::film_forward(h[e], t.film[n][e].data(), t.film[n][e].data() + channels);
    }
    unit_forward(b.residual, weights_, training, t.inputs.back(), r, nullptr);
    add_into(h, r);
    if (!tape) t.inputs.clear();  // inference keeps only the current activation
    t.inputs.push_back(std::move(h));
  }

  const nn::Batch& last = t.inputs.back();
  unit_forward(head_, weights_, training, last, t.head_out, nullptr);
  if (config_.kind == ConverterKind::WhiteBox) {
    t.head_film.resize(x.size());
    t.logits_mean.resize(x.size());
    if (out_params) out_params->resize(x.size());
    for (std::size_t e = 0; e < x.size(); ++e) {
      auto& m = t.logits_mean[e];
      m.resize(kWhiteBoxOutputs);
      nn::mean_over_time(t.head_out[e], m.data());
      film_params(weights_, head_film_w_, head_film_b_, kWhiteBoxOutputs, z[e], t.head_film[e]);
      if (!out_params) continue;
      auto& p = (*out_params)[e];
      p = head_logits(t, e);
      for (float& v : p) v = nn::sigmoid(v);
    }
    return;
  }
  nn::Batch skip;
  unit_forward(skip_, weights_, training, x, skip, nullptr);
  add_into(t.head_out, skip);
  t.output = t.head_out;
  for (auto& e : t.output)
    for (float& v : e.data) v = std::clamp(v, -1.0f, 1.0f);
  if (out_audio) *out_audio = t.output;
}

std::vector<float> Converter::head_logits(const Tape& t, std::size_t e) const {
  const auto& m = t.logits_mean.at(e);
  const auto& film = t.head_film.at(e);
  std::vector<float> logits(kWhiteBoxOutputs);
  for (int j = 0; j < kWhiteBoxOutputs; ++j) logits[j] = film[j] * m[j] + film[kWhiteBoxOutputs + j];
  return logits;
}

void Converter::backward(const Tape& t, const std::vector<std::vector<float>>* g_params, const nn::Batch* g_audio,
                         std::vector<float>* grad, std::vector<std::vector<float>>* gz,
                         const std::vector<std::vector<float>>* g_logits) const {
  const std::size_t batch = t.inputs.front().size();
  float* gp = grad ? grad->data() : nullptr;
  if (gz) gz->assign(batch, std::vector<float>(config_.z_dim, 0.0f));
  std::vector<float> gz_part(config_.z_dim);
  auto add_film_grad = [&](std::size_t at_w, std::size_t at_b, int channels, std::size_t e, const std::vector<float>& g) {
    nn::linear_backward(config_.z_dim, 2 * channels, weights_.params.data() + at_w, t.z[e].data(), g.data(),
                        gz ? gz_part.data() : nullptr, gp ? gp + at_w : nullptr, gp ? gp + at_b : nullptr);
    if (gz)
      for (int i = 0; i < config_.z_dim; ++i) (*gz)[e][i] += gz_part[i];
  };

  const nn::Batch& last = t.inputs.back();
  nn::Batch g_head(batch);
  if (config_.kind == ConverterKind::WhiteBox) {
    for (std::size_t e = 0; e < batch; ++e) {
      const auto& m = t.logits_mean[e];
      const auto& film = t.head_film[e];
      const std::vector<float> logits = head_logits(t, e);
      std::vector<float> g_film(2 * kWhiteBoxOutputs), g_mean(kWhiteBoxOutputs);
      for (int j = 0; j < kWhiteBoxOutputs; ++j) {
        const float p = nn::sigmoid(logits[j]);
        const float extra = g_logits ? (*g_logits)[e][j] : 0.0f;
        const float g_logit = (*g_params)[e][j] * nn::sigmoid_grad_from_output(p) + extra;
        g_film[j] = g_logit * m[j];
        g_film[kWhiteBoxOutputs + j] = g_logit;
        g_mean[j] = g_logit * film[j];
      }
      add_film_grad(head_film_w_, head_film_b_, kWhiteBoxOutputs, e, g_film);
      nn::mean_over_time_backward(g_mean.data(), kWhiteBoxOutputs, t.head_out[e].frames, g_head[e]);
    }
  } else {
    for (std::size_t e = 0; e < batch; ++e) {
      g_head[e] = (*g_audio)[e];
      const auto& y = t.output[e].data;
      for (std::size_t i = 0; i < y.size(); ++i)
        if (y[i] <= -1.0f || y[i] >= 1.0f) g_head[e].data[i] = 0.0f;  // clamped: no gradient
    }
    unit_backward(skip_, weights_, t.inputs.front(), {}, g_head, nullptr, gp);
  }
  nn::Batch g;
  unit_backward(head_, weights_, last, {}, g_head, &g, gp);

  for (std::size_t n = blocks_.size(); n-- > 0;) {
    const Block& b = blocks_[n];
    const int channels = b.main.spec.out;
    const nn::Batch& in = t.inputs[n];
    const bool need_gx = n > 0;
    nn::Batch gx_res;
    unit_backward(b.residual, weights_, in, {}, g, need_gx ? &gx_res : nullptr, gp);
    // FiLM, then LeakyReLU (mask from its output, the FiLM input), then BN and conv.
    nn::Batch gh = std::move(g);
    std::vector<float> g_film(2 * channels);
    for (std::size_t e = 0; e < batch; ++e) {
      const float* film = t.film[n][e].data();
      nn::film_backward(t.hidden[n][e], film, gh[e], g_film.data(), g_film.data() + channels);
      add_film_grad(b.film_w, b.film_b, channels, e, g_film);
      nn::leaky_relu_backward(t.hidden[n][e].data.data(), gh[e].data.data(), gh[e].size(), config_.slope);
    }
    nn::Batch gx_main;
    unit_backward(b.main, weights_, in, t.units[n], gh, need_gx ? &gx_main : nullptr, gp);
    if (!need_gx) break;
    add_into(gx_main, gx_res);
    g = std::move(gx_main);
  }
}

double converter_macs(const ConverterConfig& c, int frames) {
  double macs = 0.0;
  int in = 2;
  for (std::size_t n = 0; n < c.channels.size(); ++n) {
    nn::Conv1dSpec s{in, c.channels[n], c.kernel, c.strides[n], c.dilations[n], false, true};
    macs += s.macs(frames) + nn::Conv1dSpec{in, c.channels[n], 1, c.strides[n], 1, false, false}.macs(frames);
    frames = s.out_frames(frames);
    in = c.channels[n];
  }
  return macs;
}

}  // namespace ito::models

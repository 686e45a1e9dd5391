#include "models/conv_unit.h"

#include <algorithm>
#include <cmath>

namespace ito::models {

ConvUnit make_unit(nn::Conv1dSpec spec, bool batch_norm, Layout& params, Layout& buffers) {
  ConvUnit u;
  u.spec = spec;
  u.w = params.add(spec.weight_count());
  u.b = params.add(static_cast<std::size_t>(spec.out));
  u.batch_norm = batch_norm;
  if (batch_norm) {
    u.spec.bias = false;
    u.gamma = params.add(static_cast<std::size_t>(spec.out));
    u.beta = params.add(static_cast<std::size_t>(spec.out));
    u.mean = buffers.add(static_cast<std::size_t>(spec.out));
    u.var = buffers.add(static_cast<std::size_t>(spec.out));
  }
  return u;
}

float normal_variate(unsigned long long& state) {
  auto uniform = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // 64-bit LCG (Knuth)
    return (static_cast<double>(state >> 11) + 0.5) / 9007199254740992.0;
  };
  const double u1 = uniform(), u2 = uniform();
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

void init_unit(const ConvUnit& u, Weights& w, float gain, unsigned long long& rng_state) {
  const int fan_in = (u.spec.depthwise ? 1 : u.spec.in) * u.spec.kernel;
  const float std_dev = gain / std::sqrt(static_cast<float>(fan_in));
  for (std::size_t n = 0; n < u.spec.weight_count(); ++n) w.params[u.w + n] = std_dev * normal_variate(rng_state);
  for (int o = 0; o < u.spec.out; ++o) {
    w.params[u.b + o] = 0.0f;
    if (u.batch_norm) {
      w.params[u.gamma + o] = 1.0f;
      w.params[u.beta + o] = 0.0f;
      w.buffers[u.mean + o] = 0.0f;
      w.buffers[u.var + o] = 1.0f;
    }
  }
}

void unit_forward(const ConvUnit& u, Weights& w, bool training, const nn::Batch& x, nn::Batch& y,
                  UnitTape* tape) {
  const float* wp = w.params.data() + u.w;
  const float* bp = w.params.data() + u.b;
  nn::Batch conv_out(x.size());
  nn::Batch& dst = u.batch_norm ? conv_out : y;
  if (!u.batch_norm) y.resize(x.size());
  for (std::size_t e = 0; e < x.size(); ++e) nn::conv1d_forward(u.spec, wp, bp, x[e], dst[e]);
  if (!u.batch_norm) return;

  const float* gamma = w.params.data() + u.gamma;
  const float* beta = w.params.data() + u.beta;
  if (training) {
    nn::BatchNormCache local;
    nn::batch_norm_train_forward(conv_out, gamma, beta, y, tape ? tape->bn : local, w.buffers.data() + u.mean,
                                 w.buffers.data() + u.var);
    return;
  }
  y = std::move(conv_out);
  for (auto& t : y)
    for (int c = 0; c < t.channels; ++c) {
      const float scale = gamma[c] / std::sqrt(w.buffers[u.var + c] + nn::kBatchNormEps);
      const float shift = beta[c] - w.buffers[u.mean + c] * scale;
      float* row = t.row(c);
      for (int n = 0; n < t.frames; ++n) row[n] = row[n] * scale + shift;
    }
}

void unit_backward(const ConvUnit& u, const Weights& w, const nn::Batch& x, const UnitTape& tape,
                   const nn::Batch& gy, nn::Batch* gx, float* grad) {
  const nn::Batch* g_conv = &gy;
  nn::Batch g_pre;
  if (u.batch_norm) {
    nn::batch_norm_backward(tape.bn, w.params.data() + u.gamma, gy, g_pre, grad ? grad + u.gamma : nullptr,
                            grad ? grad + u.beta : nullptr);
    g_conv = &g_pre;
  }
  if (gx) gx->resize(x.size());
  for (std::size_t e = 0; e < x.size(); ++e)
    nn::conv1d_backward(u.spec, w.params.data() + u.w, x[e], (*g_conv)[e], gx ? &(*gx)[e] : nullptr,
                        grad ? grad + u.w : nullptr, grad && u.spec.bias ? grad + u.b : nullptr);
}

void fold_unit(ConvUnit& u, Weights& w) {
  if (!u.batch_norm) return;
  // The unfolded unit ignores its bias slot (batch norm follows), so folding starts from 0.
  std::fill(w.params.begin() + u.b, w.params.begin() + u.b + u.spec.out, 0.0f);
  const int per_output = static_cast<int>(u.spec.weight_count() / u.spec.out);
  nn::fold_into_conv(u.spec.out, per_output, w.params.data() + u.gamma, w.params.data() + u.beta,
                     w.buffers.data() + u.mean, w.buffers.data() + u.var, w.params.data() + u.w,
                     w.params.data() + u.b);
  u.batch_norm = false;
  u.spec.bias = true;
}

}  // namespace ito::models

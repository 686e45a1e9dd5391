// Every nn backward pass against central finite differences of the forward pass, for a
// random linear functional L = sum(r * y) (so dL/dy = r). Each entry's difference is taken
// with steps h and h/2: for smooth nonlinear layers the two are combined by Richardson
// extrapolation and must agree with each other (a check on the difference itself); for layers
// linear in the perturbed variable both are exact up to rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "nn/activations.h"
#include "nn/batch_norm.h"
#include "nn/conv1d.h"
#include "nn/linear.h"
#include "nn/tensor.h"
#include "nn_test_util.h"

namespace ito::nn {
namespace {

// sum(r * y) in double.
double dot(const float* r, const float* y, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(r[i]) * y[i];
  return s;
}

// One parameter block: the values the loss reads, and the backward pass's dL/dvalues.
struct Block {
  std::string name;
  float* values;
  std::vector<double> analytic;
  std::vector<int> indices;  // entries to check; empty = all
};

struct FdOptions {
  double h = 0.1;
  bool smooth_nonlinear = false;  // Richardson-extrapolate and require h, h/2 to agree
};

// Central difference along entry p, with the step actually representable in float.
double central_difference(const std::function<double()>& loss, float& p, double h) {
  const float v = p;
  const float up = static_cast<float>(v + h), down = static_cast<float>(v - h);
  p = up;
  const double l_up = loss();
  p = down;
  const double l_down = loss();
  p = v;
  return (l_up - l_down) / (static_cast<double>(up) - down);
}

// Checks every block against finite differences; prints and returns the worst relative
// error |analytic - numeric| / max(|analytic|, |numeric|, 1e-2 * max|numeric| of the block).
double check_blocks(const char* label, std::vector<Block>& blocks, const std::function<double()>& loss,
                    const FdOptions& opt, double tolerance) {
  double worst_all = 0.0;
  for (Block& b : blocks) {
    std::vector<int> idx = b.indices;
    if (idx.empty())
      for (std::size_t i = 0; i < b.analytic.size(); ++i) idx.push_back(static_cast<int>(i));
    std::vector<double> numeric;
    double scale = 0.0, worst_fd_disagreement = 0.0;
    for (int i : idx) {
      const double d1 = central_difference(loss, b.values[i], opt.h);
      const double d2 = central_difference(loss, b.values[i], opt.h / 2);
      numeric.push_back(opt.smooth_nonlinear ? (4.0 * d2 - d1) / 3.0 : d2);
      worst_fd_disagreement = std::max(worst_fd_disagreement, std::abs(d1 - d2));
      scale = std::max(scale, std::abs(numeric.back()));
    }
    const double floor = std::max(1e-2 * scale, 1e-12);
    double worst = 0.0;
    int failures = 0;
    for (std::size_t n = 0; n < idx.size(); ++n) {
      const double a = b.analytic[idx[n]], f = numeric[n];
      const double err = std::abs(a - f) / std::max({std::abs(a), std::abs(f), floor});
      worst = std::max(worst, err);
      if (!(err <= tolerance) && failures++ < 5)
        ADD_FAILURE() << label << " " << b.name << "[" << idx[n] << "]: analytic " << a << " vs numeric " << f;
    }
    // The two step sizes must agree to well within the tolerance, or the difference is noise.
    EXPECT_LE(worst_fd_disagreement, 10 * tolerance * std::max(scale, 1e-12)) << label << " " << b.name;
    std::printf("  %-44s %-6s %5zu entries, worst rel err %.2e (|D(h)-D(h/2)|/max %.1e)\n", label, b.name.c_str(),
                idx.size(), worst, worst_fd_disagreement / std::max(scale, 1e-30));
    worst_all = std::max(worst_all, worst);
  }
  return worst_all;
}

// 2 * v, exact in float: what a second accumulation of the same gradient must give.
std::vector<float> doubled(std::vector<float> v) {
  for (float& x : v) x *= 2.0f;
  return v;
}

std::vector<double> to_double(const float* p, std::size_t n) { return std::vector<double>(p, p + n); }

// --- conv1d -------------------------------------------------------------------------------

struct ConvCase {
  int in, out, kernel, stride, dilation, frames;
  bool depthwise, bias;
};

std::string conv_label(const ConvCase& c) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "conv in%d out%d k%d s%d d%d T%d%s%s", c.in, c.out, c.kernel, c.stride, c.dilation,
                c.frames, c.depthwise ? " dw" : "", c.bias ? "" : " nobias");
  return buf;
}

// All of x is checked unless x_samples > 0: then a fixed random subset plus both ends.
double gradcheck_conv(const ConvCase& c, unsigned seed, int x_samples = 0) {
  std::mt19937 rng(seed);
  Conv1dSpec s;
  s.in = c.in;
  s.out = c.out;
  s.kernel = c.kernel;
  s.stride = c.stride;
  s.dilation = c.dilation;
  s.depthwise = c.depthwise;
  s.bias = c.bias;
  Tensor x = random_tensor(c.in, c.frames, rng);
  std::vector<float> w = random_vec(s.weight_count(), rng), b = random_vec(s.out, rng);
  const Tensor r = random_tensor(s.out, s.out_frames(c.frames), rng);
  const std::string label = conv_label(c);

  auto loss = [&] {
    Tensor y;
    conv1d_forward(s, w.data(), s.bias ? b.data() : nullptr, x, y);
    return dot(r.data.data(), y.data.data(), y.size());
  };

  // gx is SET (stale contents of another shape must go), gw and gb are ADDED to.
  Tensor gx(2, 3);
  std::fill(gx.data.begin(), gx.data.end(), 123.0f);
  std::vector<float> gw(w.size(), 0.0f), gb(s.out, 0.0f);
  conv1d_backward(s, w.data(), x, r, &gx, gw.data(), s.bias ? gb.data() : nullptr);
  EXPECT_EQ(gx.channels, x.channels);
  EXPECT_EQ(gx.frames, x.frames);
  {
    Tensor gx2 = gx;
    std::vector<float> gw2 = gw, gb2 = gb;
    conv1d_backward(s, w.data(), x, r, &gx2, gw2.data(), s.bias ? gb2.data() : nullptr);
    EXPECT_EQ(gx2.data, gx.data) << label << ": gx must be set, not added to";
    EXPECT_EQ(gw2, doubled(gw)) << label << ": gw must be added to";
    EXPECT_EQ(gb2, doubled(gb)) << label << ": gb must be added to";
    // Null outputs are skipped; what is computed does not change.
    std::vector<float> gw3(w.size(), 0.0f);
    conv1d_backward(s, w.data(), x, r, nullptr, gw3.data(), nullptr);
    EXPECT_EQ(gw3, gw) << label << ": gw alone";
  }

  std::vector<Block> blocks;
  Block bx{"x", x.data.data(), to_double(gx.data.data(), gx.size()), {}};
  if (x_samples > 0) {
    std::uniform_int_distribution<int> pick(0, static_cast<int>(x.size()) - 1);
    for (int n = 0; n < 8; ++n) {
      bx.indices.push_back(n);
      bx.indices.push_back(static_cast<int>(x.size()) - 1 - n);
    }
    for (int n = 0; n < x_samples; ++n) bx.indices.push_back(pick(rng));
  }
  blocks.push_back(bx);
  blocks.push_back({"w", w.data(), to_double(gw.data(), gw.size()), {}});
  if (s.bias) blocks.push_back({"b", b.data(), to_double(gb.data(), gb.size()), {}});
  // Linear in each of x, w, b: the difference is exact up to float rounding of L, which a
  // large step makes small.
  return check_blocks(label.c_str(), blocks, loss, {2.0, false}, 1e-4);
}

TEST(Conv1dGradcheck, InputWeightAndBias) {
  double worst = 0.0;
  const ConvCase cases[] = {
      {3, 5, 5, 1, 1, 23, false, true},   {2, 6, 4, 2, 3, 19, false, true},    // even kernel, strided, dilated
      {5, 3, 3, 4, 2, 21, false, false},  {1, 1, 1, 1, 1, 9, false, true},     // frames % stride != 0
      {2, 3, 10, 1, 1, 6, false, true},   {4, 9, 15, 2, 2, 40, false, true},   // frames < kernel span
      {3, 4, 25, 4, 8, 17, false, true},  {7, 2, 2, 1, 8, 33, false, true},
      {5, 5, 5, 1, 1, 23, true, true},    {4, 4, 4, 2, 2, 19, true, true},     // depthwise
      {6, 6, 15, 4, 8, 13, true, false},  {1, 1, 25, 1, 1, 9, true, true},
  };
  unsigned seed = 10;
  for (const ConvCase& c : cases) worst = std::max(worst, gradcheck_conv(c, seed++));
  std::printf("  conv1d worst rel err %.2e\n", worst);
}

// Long enough for several frame chunks (8192 output frames each) run in parallel: the
// chunked weight-gradient sums and the gx blocks at chunk borders.
TEST(Conv1dGradcheck, LongInputSplitIntoChunks) {
  double worst = 0.0;
  worst = std::max(worst, gradcheck_conv({2, 5, 3, 1, 2, 20000, false, true}, 30, 150));
  worst = std::max(worst, gradcheck_conv({3, 3, 5, 2, 1, 36001, false, true}, 31, 150));
  std::printf("  conv1d (long) worst rel err %.2e\n", worst);
}

// --- batch norm ----------------------------------------------------------------------------

TEST(BatchNormGradcheck, BatchOfThreeInputGammaBeta) {
  std::mt19937 rng(40);
  const int channels = 4, frames = 11, batch = 3;
  Batch xs;
  for (int b = 0; b < batch; ++b) {
    xs.push_back(random_tensor(channels, frames, rng));
    for (float& v : xs.back().data) v = 1.5f * v + 0.3f;
  }
  std::vector<float> gamma = random_vec(channels, rng, -2.0f, 2.0f), beta = random_vec(channels, rng);
  Batch rs;
  for (int b = 0; b < batch; ++b) rs.push_back(random_tensor(channels, frames, rng));

  auto loss = [&] {
    Batch ys;
    BatchNormCache cache;
    batch_norm_train_forward(xs, gamma.data(), beta.data(), ys, cache, nullptr, nullptr);
    double l = 0.0;
    for (int b = 0; b < batch; ++b) l += dot(rs[b].data.data(), ys[b].data.data(), ys[b].size());
    return l;
  };
  Batch ys, gxs;
  BatchNormCache cache;
  batch_norm_train_forward(xs, gamma.data(), beta.data(), ys, cache, nullptr, nullptr);
  std::vector<float> ggamma(channels, 0.5f), gbeta(channels, -0.25f);  // ADDED to: start off zero
  batch_norm_backward(cache, gamma.data(), rs, gxs, ggamma.data(), gbeta.data());
  ASSERT_EQ(gxs.size(), xs.size());
  std::vector<Block> blocks;
  for (int b = 0; b < batch; ++b)
    blocks.push_back({std::string("x").append(std::to_string(b)), xs[b].data.data(), to_double(gxs[b].data.data(), gxs[b].size()), {}});
  std::vector<double> ag(channels), ab(channels);
  for (int c = 0; c < channels; ++c) {
    ag[c] = static_cast<double>(ggamma[c]) - 0.5;
    ab[c] = static_cast<double>(gbeta[c]) + 0.25;
  }
  blocks.push_back({"gamma", gamma.data(), ag, {}});
  blocks.push_back({"beta", beta.data(), ab, {}});
  const double worst = check_blocks("batch_norm train (B=3, C=4, T=11)", blocks, loss, {0.1, true}, 1e-3);
  std::printf("  batch_norm worst rel err %.2e\n", worst);
}

// --- pointwise, linear, FiLM, mean ----------------------------------------------------------

TEST(LeakyReluGradcheck, ReluAndLeaky) {
  for (float slope : {0.0f, 0.2f}) {
    std::mt19937 rng(50);
    std::vector<float> x = random_vec(64, rng);
    for (float& v : x) v = v < 0 ? v - 0.1f : v + 0.1f;  // away from the kink by more than h
    const std::vector<float> r = random_vec(x.size(), rng);
    auto loss = [&] {
      std::vector<float> y = x;
      leaky_relu_forward(y.data(), y.size(), slope);
      return dot(r.data(), y.data(), y.size());
    };
    std::vector<float> y = x, g = r;
    leaky_relu_forward(y.data(), y.size(), slope);
    leaky_relu_backward(y.data(), g.data(), g.size(), slope);
    std::vector<Block> blocks{{"x", x.data(), to_double(g.data(), g.size()), {}}};
    const std::string label = "leaky_relu slope " + std::to_string(slope);
    check_blocks(label.c_str(), blocks, loss, {0.05, false}, 1e-4);
  }
}

TEST(SigmoidGradcheck, FromOutput) {
  std::mt19937 rng(51);
  std::vector<float> x = random_vec(64, rng, -6.0f, 6.0f);
  const std::vector<float> r = random_vec(x.size(), rng);
  auto loss = [&] {
    double l = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) l += static_cast<double>(r[i]) * sigmoid(x[i]);
    return l;
  };
  std::vector<double> g(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) g[i] = r[i] * sigmoid_grad_from_output(sigmoid(x[i]));
  std::vector<Block> blocks{{"x", x.data(), g, {}}};
  check_blocks("sigmoid", blocks, loss, {0.2, true}, 1e-3);
}

TEST(LinearGradcheck, InputWeightAndBias) {
  std::mt19937 rng(52);
  const int in = 7, out = 5;
  std::vector<float> x = random_vec(in, rng), w = random_vec(static_cast<std::size_t>(in) * out, rng),
                     b = random_vec(out, rng);
  const std::vector<float> r = random_vec(out, rng);
  auto loss = [&] {
    std::vector<float> y(out);
    linear_forward(in, out, w.data(), b.data(), x.data(), y.data());
    return dot(r.data(), y.data(), y.size());
  };
  std::vector<float> gx(in, 99.0f), gw(w.size(), 0.0f), gb(out, 0.0f);  // gx is SET
  linear_backward(in, out, w.data(), x.data(), r.data(), gx.data(), gw.data(), gb.data());
  std::vector<float> gw2 = gw, gb2 = gb;  // gw, gb are ADDED to
  linear_backward(in, out, w.data(), x.data(), r.data(), nullptr, gw2.data(), gb2.data());
  EXPECT_EQ(gw2, doubled(gw));
  EXPECT_EQ(gb2, doubled(gb));
  std::vector<Block> blocks{{"x", x.data(), to_double(gx.data(), gx.size()), {}},
                            {"w", w.data(), to_double(gw.data(), gw.size()), {}},
                            {"b", b.data(), to_double(gb.data(), gb.size()), {}}};
  check_blocks("linear 7->5", blocks, loss, {2.0, false}, 1e-4);
}

TEST(FilmGradcheck, InputGammaBeta) {
  std::mt19937 rng(53);
  const int channels = 6, frames = 13;
  Tensor x = random_tensor(channels, frames, rng);
  std::vector<float> gamma = random_vec(channels, rng, -2.0f, 2.0f), beta = random_vec(channels, rng);
  const Tensor r = random_tensor(channels, frames, rng);
  auto loss = [&] {
    Tensor y = x;
    film_forward(y, gamma.data(), beta.data());
    return dot(r.data.data(), y.data.data(), y.size());
  };
  Tensor g = r;
  std::vector<float> ggamma(channels, 77.0f), gbeta(channels, 77.0f);  // SET, not added to
  film_backward(x, gamma.data(), g, ggamma.data(), gbeta.data());
  std::vector<Block> blocks{{"x", x.data.data(), to_double(g.data.data(), g.size()), {}},
                            {"gamma", gamma.data(), to_double(ggamma.data(), ggamma.size()), {}},
                            {"beta", beta.data(), to_double(gbeta.data(), gbeta.size()), {}}};
  check_blocks("film (C=6, T=13)", blocks, loss, {2.0, false}, 1e-4);
}

TEST(MeanOverTimeGradcheck, Input) {
  std::mt19937 rng(54);
  const int channels = 5, frames = 17;
  Tensor x = random_tensor(channels, frames, rng);
  const std::vector<float> r = random_vec(channels, rng);
  auto loss = [&] {
    std::vector<float> y(channels);
    mean_over_time(x, y.data());
    return dot(r.data(), y.data(), y.size());
  };
  Tensor gx(1, 1);
  mean_over_time_backward(r.data(), channels, frames, gx);
  ASSERT_EQ(gx.channels, channels);
  ASSERT_EQ(gx.frames, frames);
  std::vector<Block> blocks{{"x", x.data.data(), to_double(gx.data.data(), gx.size()), {}}};
  check_blocks("mean_over_time (C=5, T=17)", blocks, loss, {2.0, false}, 1e-4);
}

}  // namespace
}  // namespace ito::nn

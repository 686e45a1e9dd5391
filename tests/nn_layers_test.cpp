// nn layers against references written straight from the formulas in the headers:
// conv1d_forward over many shapes (channels, kernels incl. even ones, stride, dilation,
// short and odd-length inputs, depthwise, bias on/off), its independence of the thread
// count, fold_into_conv against conv + eval-mode batch norm, and the training-mode batch
// norm statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "nn/activations.h"
#include "nn/batch_norm.h"
#include "nn/conv1d.h"
#include "core/parallel.h"
#include "nn_test_util.h"

namespace ito::nn {
namespace {

// Float unit roundoff: the rounding error of any summation order of n products is at most
// about n * u * sum|terms|; 2u per term leaves room for the reference's own rounding.
constexpr double kU = 0x1p-24;

// y[o][t] = b[o] + sum_i sum_k w[o][i][k] * x[i][t*stride + k*dilation - pad_left], zero outside x,
// in double, with sum |terms| per output for the rounding bound. Padding and output length
// come from the header's formulas, not from Conv1dSpec.
struct NaiveConv {
  int out_frames = 0;
  std::vector<double> y, abs_sum;
  int terms = 0;
};

NaiveConv naive_conv(const Conv1dSpec& s, const float* w, const float* b, const Tensor& x) {
  NaiveConv r;
  const int pad = s.dilation * (s.kernel - 1) / 2;
  r.out_frames = (x.frames + s.stride - 1) / s.stride;
  r.terms = (s.depthwise ? 1 : s.in) * s.kernel + 1;
  r.y.assign(static_cast<std::size_t>(s.out) * r.out_frames, 0.0);
  r.abs_sum = r.y;
  for (int o = 0; o < s.out; ++o)
    for (int t = 0; t < r.out_frames; ++t) {
      double acc = (s.bias && b) ? b[o] : 0.0, mag = std::abs(acc);
      for (int i = 0; i < s.in; ++i) {
        if (s.depthwise && i != o) continue;
        for (int k = 0; k < s.kernel; ++k) {
          const long m = static_cast<long>(t) * s.stride + static_cast<long>(k) * s.dilation - pad;
          if (m < 0 || m >= x.frames) continue;
          const double wv = s.depthwise ? w[o * s.kernel + k] : w[(static_cast<std::size_t>(o) * s.in + i) * s.kernel + k];
          acc += wv * x.row(i)[m];
          mag += std::abs(wv * x.row(i)[m]);
        }
      }
      r.y[static_cast<std::size_t>(o) * r.out_frames + t] = acc;
      r.abs_sum[static_cast<std::size_t>(o) * r.out_frames + t] = mag;
    }
  return r;
}

// Runs conv1d_forward on random data and checks it against naive_conv; returns the worst
// error relative to sum|terms| (0 when every output is exact).
double check_conv(const Conv1dSpec& s, int frames, std::mt19937& rng) {
  const Tensor x = random_tensor(s.in, frames, rng);
  const std::vector<float> w = random_vec(s.weight_count(), rng);
  const std::vector<float> b = random_vec(s.out, rng);
  const float* bp = s.bias ? b.data() : nullptr;
  Tensor y(3, 7);  // stale contents of another shape: forward must resize and overwrite
  std::fill(y.data.begin(), y.data.end(), std::numeric_limits<float>::quiet_NaN());
  conv1d_forward(s, w.data(), bp, x, y);
  const NaiveConv ref = naive_conv(s, w.data(), bp, x);

  const auto where = ::testing::Message() << "in=" << s.in << " out=" << s.out << " k=" << s.kernel
                                          << " stride=" << s.stride << " dil=" << s.dilation
                                          << " depthwise=" << s.depthwise << " bias=" << s.bias
                                          << " frames=" << frames;
  EXPECT_EQ(y.channels, s.out) << where;
  EXPECT_EQ(y.frames, (frames + s.stride - 1) / s.stride) << where;
  EXPECT_EQ(y.size(), static_cast<std::size_t>(y.channels) * y.frames) << where;
  if (y.frames != ref.out_frames || y.channels != s.out) return 1.0;
  double worst = 0.0;
  int failures = 0;
  for (std::size_t n = 0; n < ref.y.size(); ++n) {
    const double err = std::abs(y.data[n] - ref.y[n]);
    const double bound = 2.0 * kU * ref.terms * ref.abs_sum[n] + 1e-30;
    worst = std::max(worst, err / (ref.abs_sum[n] + 1e-30));
    if (!(err <= bound) && failures++ < 3)
      ADD_FAILURE() << where << " at o=" << n / ref.out_frames << " t=" << n % ref.out_frames << ": " << y.data[n]
                    << " vs " << ref.y[n];
  }
  return worst;
}

constexpr int kKernels[] = {1, 2, 5, 10, 15, 25};
constexpr int kStrides[] = {1, 2, 4};
constexpr int kDilations[] = {1, 2, 8};

TEST(Conv1dForward, AllChannelCountsOneToNine) {
  std::mt19937 rng(1);
  double worst = 0.0;
  int cases = 0;
  for (int in = 1; in <= 9; ++in)
    for (int out = 1; out <= 9; ++out)
      for (int frames : {1, 6, 37, 130}) {
        Conv1dSpec s;
        s.in = in;
        s.out = out;
        s.kernel = kKernels[(in + out + frames) % 6];
        s.stride = kStrides[(in * out + frames) % 3];
        s.dilation = kDilations[(in + 2 * out) % 3];
        s.bias = (in + out) % 2 == 0;
        worst = std::max(worst, check_conv(s, frames, rng));
        ++cases;
      }
  std::printf("  %d shapes, worst |error| / sum|terms| = %.2e\n", cases, worst);
}

TEST(Conv1dForward, KernelStrideDilationAndFrameCounts) {
  std::mt19937 rng(2);
  double worst = 0.0;
  int cases = 0;
  // Frames shorter than the kernel's span, not multiples of the stride, around the 16-frame
  // register block and the phase split, up to ~3000.
  for (int kernel : kKernels)
    for (int stride : kStrides)
      for (int dilation : kDilations)
        for (int frames : {1, 2, 3, 4, 7, 9, 15, 16, 17, 31, 33, 100, 257, 1001, 2999, 3001}) {
          Conv1dSpec s;
          s.in = 3;
          s.out = (frames % 2) ? 5 : 4;
          s.kernel = kernel;
          s.stride = stride;
          s.dilation = dilation;
          s.bias = (kernel + frames) % 2 == 1;
          worst = std::max(worst, check_conv(s, frames, rng));
          ++cases;
        }
  std::printf("  %d shapes, worst |error| / sum|terms| = %.2e\n", cases, worst);
}

TEST(Conv1dForward, Depthwise) {
  std::mt19937 rng(3);
  double worst = 0.0;
  int cases = 0;
  for (int channels = 1; channels <= 9; ++channels)
    for (int kernel : kKernels)
      for (int stride : kStrides)
        for (int dilation : kDilations)
          for (int frames : {1, 3, 10, 33, 501}) {
            Conv1dSpec s;
            s.in = s.out = channels;
            s.kernel = kernel;
            s.stride = stride;
            s.dilation = dilation;
            s.depthwise = true;
            s.bias = (channels + frames) % 2 == 0;
            worst = std::max(worst, check_conv(s, frames, rng));
            ++cases;
          }
  std::printf("  %d shapes, worst |error| / sum|terms| = %.2e\n", cases, worst);
}

TEST(Conv1dForward, PaddingSplitsTheKernelSpan) {
  for (int kernel : kKernels)
    for (int dilation : kDilations) {
      Conv1dSpec s;
      s.kernel = kernel;
      s.dilation = dilation;
      EXPECT_EQ(s.pad_left(), dilation * (kernel - 1) / 2);
      EXPECT_EQ(s.pad_left() + s.pad_right(), dilation * (kernel - 1));
      for (int stride : kStrides) {
        s.stride = stride;
        for (int frames : {1, 2, 3, 4, 5, 8, 9, 3001}) EXPECT_EQ(s.out_frames(frames), (frames + stride - 1) / stride);
      }
    }
}

// Bitwise comparison of float buffers (NaN-safe, unlike ==).
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// With spec.bias off, a bias pointer passed anyway is ignored, dense and depthwise alike.
TEST(Conv1dForward, BiasOffIgnoresBiasPointer) {
  std::mt19937 rng(7);
  for (bool depthwise : {false, true}) {
    Conv1dSpec s;
    s.in = s.out = 3;
    s.kernel = 5;
    s.depthwise = depthwise;
    s.bias = false;
    const Tensor x = random_tensor(s.in, 40, rng);
    const std::vector<float> w = random_vec(s.weight_count(), rng), b = random_vec(s.out, rng, 1.0f, 2.0f);
    Tensor with_pointer, without;
    conv1d_forward(s, w.data(), b.data(), x, with_pointer);
    conv1d_forward(s, w.data(), nullptr, x, without);
    EXPECT_TRUE(same_bits(with_pointer.data, without.data)) << "depthwise=" << depthwise;
  }
}

struct ConvRun {
  Tensor y, gx;
  std::vector<float> gw, gb;
};

ConvRun run_conv(const Conv1dSpec& s, const std::vector<float>& w, const std::vector<float>& b, const Tensor& x,
                 const Tensor& gy) {
  ConvRun r;
  conv1d_forward(s, w.data(), s.bias ? b.data() : nullptr, x, r.y);
  r.gw.assign(s.weight_count(), 0.0f);
  r.gb.assign(s.out, 0.0f);
  conv1d_backward(s, w.data(), x, gy, &r.gx, r.gw.data(), s.bias ? r.gb.data() : nullptr);
  return r;
}

// Long inputs are split into frame chunks and row blocks spread over the pool; the split
// must not depend on the thread count, so results are bitwise identical for 1, 2 and 3
// threads (forward and all gradients), and the forward still matches the reference.
TEST(Conv1dForward, LargeInputIsThreadCountIndependent) {
  const int saved_threads = num_threads();
  std::mt19937 rng(4);
  struct Case {
    int in, out, kernel, stride, dilation, frames;
    bool depthwise;
  };
  for (const Case c : {Case{8, 9, 15, 1, 2, 40001, false}, Case{5, 6, 10, 2, 1, 39999, false},
                       Case{6, 7, 5, 4, 8, 40000, false}, Case{9, 9, 25, 1, 1, 40003, true}}) {
    Conv1dSpec s;
    s.in = c.in;
    s.out = c.out;
    s.kernel = c.kernel;
    s.stride = c.stride;
    s.dilation = c.dilation;
    s.depthwise = c.depthwise;
    const auto where = ::testing::Message() << "in=" << c.in << " out=" << c.out << " k=" << c.kernel
                                            << " stride=" << c.stride << " dil=" << c.dilation
                                            << " frames=" << c.frames << " depthwise=" << c.depthwise;
    if (!c.depthwise) {
      EXPECT_GT(s.macs(c.frames), 2e6) << "case too small to run in parallel";
    }
    const Tensor x = random_tensor(c.in, c.frames, rng);
    const std::vector<float> w = random_vec(s.weight_count(), rng), b = random_vec(s.out, rng);
    const Tensor gy = random_tensor(s.out, s.out_frames(c.frames), rng);

    set_num_threads(1);
    const ConvRun serial = run_conv(s, w, b, x, gy);
    for (int threads : {2, 3}) {
      set_num_threads(threads);
      const ConvRun par = run_conv(s, w, b, x, gy);
      EXPECT_TRUE(same_bits(serial.y.data, par.y.data)) << where << " threads=" << threads << ": y";
      EXPECT_TRUE(same_bits(serial.gx.data, par.gx.data)) << where << " threads=" << threads << ": gx";
      EXPECT_TRUE(same_bits(serial.gw, par.gw)) << where << " threads=" << threads << ": gw";
      EXPECT_TRUE(same_bits(serial.gb, par.gb)) << where << " threads=" << threads << ": gb";
    }
    // A conv called from inside parallel_for runs serially there and gives the same bits.
    set_num_threads(2);
    std::vector<Tensor> nested(2);
    parallel_for(2, [&](int n) { conv1d_forward(s, w.data(), b.data(), x, nested[n]); });
    for (const Tensor& y : nested) {
      EXPECT_TRUE(same_bits(serial.y.data, y.data)) << where << ": nested";
    }

    set_num_threads(2);
    const NaiveConv ref = naive_conv(s, w.data(), b.data(), x);
    double worst = 0.0;
    for (std::size_t n = 0; n < ref.y.size(); ++n) {
      const double err = std::abs(serial.y.data[n] - ref.y[n]);
      worst = std::max(worst, err / ref.abs_sum[n]);
      ASSERT_LE(err, 2.0 * kU * ref.terms * ref.abs_sum[n]) << where << " at " << n;
    }
    std::printf("  in=%d out=%d k=%d stride=%d dil=%d frames=%d%s: worst |error| / sum|terms| = %.2e\n", c.in, c.out,
                c.kernel, c.stride, c.dilation, c.frames, c.depthwise ? " depthwise" : "", worst);
  }
  set_num_threads(saved_threads);
}

TEST(ParallelFor, CallsEveryIndexOnce) {
  const int saved_threads = num_threads();
  for (int threads : {1, 2, 3, 5}) {
    set_num_threads(threads);
    EXPECT_EQ(num_threads(), threads);
    for (int n : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      parallel_for(n, [&](int i) { hits[i].fetch_add(1); });
      for (int i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "threads=" << threads << " n=" << n << " i=" << i;
    }
  }
  set_num_threads(0);
  EXPECT_EQ(num_threads(), 1);
  set_num_threads(saved_threads);
}

// Eval-mode batch norm with running statistics, in double.
double naive_bn_eval(double v, float gamma, float beta, float mean, float var) {
  return gamma * (v - mean) / std::sqrt(static_cast<double>(var) + kBatchNormEps) + beta;
}

TEST(FoldIntoConv, EqualsConvThenEvalBatchNorm) {
  std::mt19937 rng(5);
  double worst = 0.0;
  for (bool depthwise : {false, true})
    for (bool bias : {false, true})
      for (int stride : {1, 2}) {
        Conv1dSpec s;
        s.in = depthwise ? 7 : 4;
        s.out = 7;
        s.kernel = 5;
        s.stride = stride;
        s.dilation = 2;
        s.depthwise = depthwise;
        s.bias = bias;
        const int frames = 301;
        const Tensor x = random_tensor(s.in, frames, rng);
        const std::vector<float> w = random_vec(s.weight_count(), rng), b = random_vec(s.out, rng);
        const std::vector<float> gamma = random_vec(s.out, rng, -2.0f, 2.0f), beta = random_vec(s.out, rng);
        const std::vector<float> mean = random_vec(s.out, rng), var = random_vec(s.out, rng, 0.05f, 3.0f);

        std::vector<float> wf = w, bf = bias ? b : std::vector<float>(s.out, 0.0f);
        const int per_output = static_cast<int>(s.weight_count()) / s.out;
        fold_into_conv(s.out, per_output, gamma.data(), beta.data(), mean.data(), var.data(), wf.data(), bf.data());
        Conv1dSpec folded = s;
        folded.bias = true;
        Tensor y;
        conv1d_forward(folded, wf.data(), bf.data(), x, y);

        const NaiveConv ref = naive_conv(s, w.data(), bias ? b.data() : nullptr, x);
        ASSERT_EQ(y.frames, ref.out_frames);
        for (int o = 0; o < s.out; ++o) {
          const double scale = std::abs(gamma[o]) / std::sqrt(var[o] + kBatchNormEps);
          for (int t = 0; t < y.frames; ++t) {
            const std::size_t n = static_cast<std::size_t>(o) * y.frames + t;
            const double expect = naive_bn_eval(ref.y[n], gamma[o], beta[o], mean[o], var[o]);
            // Bound: conv rounding on scaled weights plus a few roundings of the folded bias.
            const double mag = scale * (ref.abs_sum[n] + std::abs(mean[o])) + std::abs(beta[o]);
            const double err = std::abs(y.row(o)[t] - expect);
            worst = std::max(worst, err / mag);
            ASSERT_LE(err, 2.0 * kU * (ref.terms + 6) * mag)
                << "depthwise=" << depthwise << " bias=" << bias << " stride=" << stride << " o=" << o << " t=" << t
                << ": " << y.row(o)[t] << " vs " << expect;
          }
        }
      }
  std::printf("  worst |error| / magnitude = %.2e\n", worst);
}

// Training-mode forward: batch mean and biased variance over (batch, frames); running
// statistics move by momentum 0.1 towards the batch mean and UNBIASED variance.
TEST(BatchNormTrain, ForwardAndRunningStatistics) {
  std::mt19937 rng(6);
  const int channels = 5, frames = 37, batch = 3;
  Batch xs;
  for (int b = 0; b < batch; ++b) {
    xs.push_back(random_tensor(channels, frames, rng));
    for (float& v : xs.back().data) v = 2.0f * v + 0.5f;
  }
  const std::vector<float> gamma = random_vec(channels, rng, -2.0f, 2.0f), beta = random_vec(channels, rng);
  std::vector<float> rmean = random_vec(channels, rng), rvar = random_vec(channels, rng, 0.5f, 2.0f);
  const std::vector<float> rmean0 = rmean, rvar0 = rvar;
  Batch ys;
  BatchNormCache cache;
  batch_norm_train_forward(xs, gamma.data(), beta.data(), ys, cache, rmean.data(), rvar.data());
  ASSERT_EQ(ys.size(), xs.size());
  const double n = static_cast<double>(batch) * frames;
  for (int c = 0; c < channels; ++c) {
    double sum = 0.0, sq = 0.0;
    for (const Tensor& x : xs)
      for (int t = 0; t < frames; ++t) sum += x.row(c)[t];
    const double mean = sum / n;
    for (const Tensor& x : xs)
      for (int t = 0; t < frames; ++t) sq += (x.row(c)[t] - mean) * (x.row(c)[t] - mean);
    const double var = sq / n;
    for (int b = 0; b < batch; ++b)
      for (int t = 0; t < frames; ++t) {
        const double expect = gamma[c] * (xs[b].row(c)[t] - mean) / std::sqrt(var + kBatchNormEps) + beta[c];
        EXPECT_NEAR(ys[b].row(c)[t], expect, 1e-5 * (std::abs(gamma[c]) * 4 + 1)) << "c=" << c << " b=" << b;
      }
    EXPECT_NEAR(rmean[c], 0.9 * rmean0[c] + 0.1 * mean, 1e-6) << "c=" << c;
    EXPECT_NEAR(rvar[c], 0.9 * rvar0[c] + 0.1 * sq / (n - 1), 1e-6 * rvar[c]) << "c=" << c;
  }
}

TEST(Activations, LeakyReluAndSigmoid) {
  const float xs[] = {-3.0f, -0.5f, -1e-6f, 0.0f, 1e-6f, 0.25f, 7.0f};
  for (float slope : {0.0f, 0.01f, 0.2f}) {
    std::vector<float> y(std::begin(xs), std::end(xs));
    leaky_relu_forward(y.data(), y.size(), slope);
    for (std::size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], xs[i] > 0 ? xs[i] : slope * xs[i]);
  }
  for (float x : {-80.0f, -20.0f, -1.0f, 0.0f, 0.5f, 20.0f, 100.0f}) {
    const double expect = 1.0 / (1.0 + std::exp(-static_cast<double>(x)));
    EXPECT_NEAR(sigmoid(x), expect, 5e-7 * expect) << x;  // a few float ulps
    EXPECT_TRUE(std::isfinite(sigmoid(x)));
  }
}

}  // namespace
}  // namespace ito::nn

// Φ's and Ψ's backward passes (models/encoder.cpp, models/converter.cpp) against finite
// differences of their forward passes, on tiny configurations that still have every
// structural feature: strides 2 and 4, dilations, odd and even kernels, projected and
// identity (Φ) / depthwise (Ψ) residuals, batch norm in training form (batch statistics,
// batch of 3) and folded form, white-box and black-box heads.
//
// The networks run in float32 and ReLU / LeakyReLU / clamp have kinks, so per-coordinate
// differences of the parameters are noisy. Instead: the directional derivative along random
// directions (all parameters at once), L(θ + εd) - L(θ - εd) against <∇L, Δθ> with Δθ the
// perturbation actually representable in float, for several ε, keeping the best agreement
// (large ε: curvature and kinks; small ε: float rounding). In training form batch norm puts
// many pre-activations near the ReLU kink, and a step of 1e-3 along all parameters already
// crosses enough of them for errors of ~1e-2 (measured: up to 0.3 at ε = 1e-2..1e-3 along
// some directions); ε down to 1e-4 resolves them (float noise stays below ~1e-3 there).
// dL/dz is checked per coordinate the same way. Inputs are small (amplitude 0.05) so the
// black-box clamp at ±1 stays inactive (one test activates it), and batch-norm running
// statistics are restored between evaluations. GRADCHECK_VERBOSE=1 prints every ε.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

#include "analysis/mss_loss.h"
#include "dsp/chain.h"
#include "models/audio_tensor.h"
#include "models/converter.h"
#include "models/encoder.h"
#include "test_signals.h"

namespace ito::models {
namespace {

constexpr double kEps[] = {1e-2, 3e-3, 1e-3, 3e-4, 1e-4};
constexpr double kTolerance = 1e-2;

using Vectors = std::vector<std::vector<float>>;

std::vector<float> normal_vector(std::size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Stereo white noise of amplitude `amp` per example.
nn::Batch random_inputs(int batch, int frames, std::uint32_t seed, double amp = 0.05) {
  nn::Batch x;
  for (int e = 0; e < batch; ++e) x.push_back(to_tensor(testing::white_noise(frames, amp, seed + e)));
  return x;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

double dot(const Vectors& a, const Vectors& b) {
  double s = 0.0;
  for (std::size_t e = 0; e < a.size(); ++e) s += dot(a[e], b[e]);
  return s;
}

double dot(const nn::Batch& a, const nn::Batch& b) {
  double s = 0.0;
  for (std::size_t e = 0; e < a.size(); ++e) s += dot(a[e].data, b[e].data);
  return s;
}

double norm(const std::vector<float>& v) { return std::sqrt(dot(v, v)); }

// Per-block checks: some blocks barely move the loss (e.g. a FiLM shift that the next
// batch norm mostly cancels), and their finite differences are then float noise. Errors
// are relative to at least this fraction of the whole gradient's norm.
constexpr double kBlockFloor = 1e-3;

// Moves a freshly initialized network away from its special initial values (unit BN
// scale, zero shifts and biases) so that every parameter's gradient path is exercised,
// and gives the running statistics non-trivial values (they matter once folded).
// Relative changes keep the scale of each block (e.g. the black-box head's small gain).
void perturb(Weights& w, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f), positive(0.5f, 2.0f);
  for (float& p : w.params) p = p * (1.0f + u(rng)) + 0.1f * u(rng);
  for (float& b : w.buffers) b = positive(rng);  // running means and variances alike
}

// Best agreement over eps_list of the directional derivative of loss(params) along `dir`
// with the analytic gradient `grad` at the current params: |a - n| / max(|a|, |n|, floor)
// on derivatives. `loss` must restore any state it changes.
struct DirectionalResult {
  double best_rel = 1e9, analytic = 0, numeric = 0;
};

DirectionalResult directional_check(std::vector<float>& params, const std::vector<float>& grad,
                                    const std::vector<float>& dir, const std::function<double()>& loss,
                                    const std::vector<double>& eps_list = {std::begin(kEps), std::end(kEps)},
                                    double floor = 1e-12) {
  const std::vector<float> base = params;
  DirectionalResult r;
  for (double eps : eps_list) {
    std::vector<float> plus(base.size()), minus(base.size());
    double analytic = 0.0;
    for (std::size_t i = 0; i < base.size(); ++i) {
      plus[i] = static_cast<float>(base[i] + eps * dir[i]);
      minus[i] = static_cast<float>(base[i] - eps * dir[i]);
      analytic += static_cast<double>(grad[i]) * (static_cast<double>(plus[i]) - minus[i]);
    }
    params = plus;
    const double up = loss();
    params = minus;
    const double down = loss();
    params = base;
    const double rel = std::abs(analytic - (up - down)) / std::max({std::abs(analytic), std::abs(up - down), 2 * eps * floor});
    if (std::getenv("GRADCHECK_VERBOSE"))
      std::printf("  eps %g: analytic %.8g numeric %.8g rel %.2e\n", eps, analytic / (2 * eps), (up - down) / (2 * eps), rel);
    if (rel < r.best_rel) r = {rel, analytic / (2 * eps), (up - down) / (2 * eps)};
  }
  return r;
}

// Best agreement over kEps for one coordinate v of some input, against `analytic`.
double coordinate_check(float& v, double analytic, const std::function<double()>& loss, double floor) {
  const float base = v;
  double best = 1e9;
  for (double eps : kEps) {
    const float up_v = static_cast<float>(base + eps), down_v = static_cast<float>(base - eps);
    v = up_v;
    const double up = loss();
    v = down_v;
    const double down = loss();
    v = base;
    const double numeric = (up - down) / (static_cast<double>(up_v) - down_v);
    best = std::min(best, std::abs(numeric - analytic) / std::max({std::abs(numeric), std::abs(analytic), floor}));
  }
  return best;
}

// --- Φ ------------------------------------------------------------------------------

EncoderConfig tiny_encoder_config() {
  // Block 2 keeps shape and stride 1: identity residual; the others project.
  return {{3, 4, 4, 5}, {5, 4, 5, 3}, {4, 2, 1, 2}};
}

// L = sum_e <r_e, z_e> over a batch of 3, for the training form (batch statistics) or the
// folded form.
void check_encoder(bool folded) {
  Encoder enc(tiny_encoder_config());
  enc.init(3);
  perturb(enc.weights(), 11);
  if (folded) enc.fold();
  const nn::Batch x = random_inputs(3, 200, 40);
  std::mt19937 rng(5);
  Vectors r;
  for (int e = 0; e < 3; ++e) r.push_back(normal_vector(enc.z_dim(), rng));
  const std::vector<float> buffers = enc.weights().buffers;

  auto loss = [&] {
    enc.weights().buffers = buffers;  // training-form forward updates running statistics
    Vectors z;
    enc.forward(x, true, z, nullptr);
    return dot(r, z);
  };
  Encoder::Tape tape;
  Vectors z;
  enc.weights().buffers = buffers;
  enc.forward(x, true, z, &tape);
  ASSERT_EQ(z.size(), 3u);
  std::vector<float> grad(enc.param_count(), 0.0f);
  enc.backward(tape, r, grad);

  double worst = 0.0;
  for (int trial = 0; trial < 3; ++trial) {
    const std::vector<float> dir = normal_vector(enc.param_count(), rng);
    const DirectionalResult res = directional_check(enc.weights().params, grad, dir, loss);
    std::printf("encoder %s: direction %d analytic %.6g numeric %.6g rel %.2e\n", folded ? "folded" : "training",
                trial, res.analytic, res.numeric, res.best_rel);
    worst = std::max(worst, res.best_rel);
  }
  EXPECT_LT(worst, kTolerance);
}

TEST(EncoderGradcheck, TrainingFormBatchStatistics) { check_encoder(false); }
TEST(EncoderGradcheck, FoldedForm) { check_encoder(true); }

// Each parameter block on its own, so a wrong gradient in a small block (e.g. a bias)
// is not hidden by larger ones in a random all-parameters direction.
TEST(EncoderGradcheck, EveryParameterBlockAlone) {
  Encoder enc(tiny_encoder_config());
  enc.init(4);
  perturb(enc.weights(), 12);
  const nn::Batch x = random_inputs(3, 160, 50);
  std::mt19937 rng(6);
  Vectors r;
  for (int e = 0; e < 3; ++e) r.push_back(normal_vector(enc.z_dim(), rng));
  const std::vector<float> buffers = enc.weights().buffers;
  auto loss = [&] {
    enc.weights().buffers = buffers;
    Vectors z;
    enc.forward(x, true, z, nullptr);
    return dot(r, z);
  };
  Encoder::Tape tape;
  Vectors z;
  enc.forward(x, true, z, &tape);
  std::vector<float> grad(enc.param_count(), 0.0f);
  enc.backward(tape, r, grad);

  struct Range { const char* name; std::size_t at, n; };
  std::vector<Range> ranges;
  for (const Encoder::Block& b : enc.blocks()) {
    ranges.push_back({"conv w", b.main.w, b.main.spec.weight_count()});
    ranges.push_back({"bn gamma", b.main.gamma, static_cast<std::size_t>(b.main.spec.out)});
    ranges.push_back({"bn beta", b.main.beta, static_cast<std::size_t>(b.main.spec.out)});
    if (b.projected) ranges.push_back({"projection w", b.projection.w, b.projection.spec.weight_count()});
  }
  double worst = 0.0;
  for (const Range& range : ranges) {
    std::vector<float> dir(enc.param_count(), 0.0f);
    const std::vector<float> part = normal_vector(range.n, rng);
    std::copy(part.begin(), part.end(), dir.begin() + range.at);
    const DirectionalResult res = directional_check(enc.weights().params, grad, dir, loss,
                                                    {std::begin(kEps), std::end(kEps)}, kBlockFloor * norm(grad));
    EXPECT_LT(res.best_rel, kTolerance) << range.name << " at " << range.at;
    worst = std::max(worst, res.best_rel);
  }
  // With batch norm in training form the bias before it has no effect, and none is used.
  for (const Encoder::Block& b : enc.blocks())
    for (int o = 0; o < b.main.spec.out; ++o) EXPECT_EQ(grad[b.main.b + o], 0.0f);
  std::printf("encoder per block: worst rel %.2e over %zu blocks\n", worst, ranges.size());
}

// --- Ψ ------------------------------------------------------------------------------

ConverterConfig tiny_whitebox_config(int kernel) {
  ConverterConfig c;
  c.kind = ConverterKind::WhiteBox;
  c.z_dim = 5;
  c.kernel = kernel;
  c.slope = 0.01f;
  c.channels = {3, 4, 4, 5};  // block 2: 4 -> 4, a depthwise residual
  c.strides = {2, 4, 1, 2};
  c.dilations = {1, 2, 3, 1};
  return c;
}

ConverterConfig tiny_blackbox_config(int kernel) {
  ConverterConfig c;
  c.kind = ConverterKind::BlackBox;
  c.z_dim = 4;
  c.kernel = kernel;
  c.slope = 0.01f;
  c.channels = {3, 3, 4};  // full rate throughout: the output is audio
  c.strides = {1, 1, 1};
  c.dilations = {1, 2, 4};
  return c;
}

// L = sum_e <r_e, out_e> with out the 46 parameters (white-box) or the audio (black-box).
struct ConverterProblem {
  Converter net;
  nn::Batch x;
  Vectors z;
  Vectors r_params;
  nn::Batch r_audio;
  std::vector<float> buffers;

  ConverterProblem(const ConverterConfig& config, bool folded, int frames, std::uint32_t seed, double amp = 0.05)
      : net(config) {
    net.init(seed);
    perturb(net.weights(), seed + 100);
    if (folded) net.fold();
    x = random_inputs(3, frames, seed + 200, amp);
    std::mt19937 rng(seed + 300);
    for (int e = 0; e < 3; ++e) z.push_back(normal_vector(config.z_dim, rng));
    for (int e = 0; e < 3; ++e) {
      if (net.kind() == ConverterKind::WhiteBox) {
        r_params.push_back(normal_vector(kWhiteBoxOutputs, rng));
      } else {
        nn::Tensor t(2, frames);
        t.data = normal_vector(t.size(), rng);
        r_audio.push_back(t);
      }
    }
    buffers = net.weights().buffers;
  }

  bool white() const { return net.kind() == ConverterKind::WhiteBox; }

  // The loss; for black-box also the largest |output| (< 1: the clamp is inactive).
  double loss(float* max_abs = nullptr) {
    net.weights().buffers = buffers;
    Vectors p;
    nn::Batch y;
    net.forward(x, z, true, white() ? &p : nullptr, white() ? nullptr : &y, nullptr);
    if (white()) return dot(r_params, p);
    if (max_abs)
      for (const auto& t : y)
        for (float v : t.data) *max_abs = std::max(*max_abs, std::abs(v));
    return dot(r_audio, y);
  }

  void gradients(std::vector<float>& grad, Vectors& gz) {
    net.weights().buffers = buffers;
    Converter::Tape tape;
    Vectors p;
    nn::Batch y;
    net.forward(x, z, true, white() ? &p : nullptr, white() ? nullptr : &y, &tape);
    grad.assign(net.param_count(), 0.0f);
    net.backward(tape, white() ? &r_params : nullptr, white() ? nullptr : &r_audio, &grad, &gz);
  }
};

void check_converter(const ConverterConfig& config, bool folded, const char* label) {
  ConverterProblem prob(config, folded, 96, 7);
  float max_abs = 0.0f;
  prob.loss(&max_abs);
  if (!prob.white()) {
    ASSERT_LT(max_abs, 0.9f) << "the clamp would be active";
  }
  std::vector<float> grad;
  Vectors gz;
  prob.gradients(grad, gz);
  ASSERT_EQ(gz.size(), 3u);

  std::mt19937 rng(9);
  double worst = 0.0;
  for (int trial = 0; trial < 3; ++trial) {
    const std::vector<float> dir = normal_vector(prob.net.param_count(), rng);
    const DirectionalResult res = directional_check(prob.net.weights().params, grad, dir, [&] { return prob.loss(); });
    std::printf("%s params: direction %d analytic %.6g numeric %.6g rel %.2e\n", label, trial, res.analytic,
                res.numeric, res.best_rel);
    worst = std::max(worst, res.best_rel);
  }
  EXPECT_LT(worst, kTolerance) << label;

  // dL/dz per coordinate. In training form z_e also reaches the other examples through
  // the batch statistics of the following blocks.
  double scale = 0.0;
  for (const auto& g : gz)
    for (float v : g) scale = std::max(scale, static_cast<double>(std::abs(v)));
  ASSERT_GT(scale, 0.0);
  double worst_z = 0.0;
  for (std::size_t e = 0; e < prob.z.size(); ++e)
    for (int i = 0; i < config.z_dim; ++i)
      worst_z = std::max(worst_z, coordinate_check(prob.z[e][i], gz[e][i], [&] { return prob.loss(); }, 1e-2 * scale));
  std::printf("%s dL/dz: worst rel %.2e (max |g| %.4g)\n", label, worst_z, scale);
  EXPECT_LT(worst_z, kTolerance) << label;
}

TEST(ConverterGradcheck, WhiteBoxTrainingKernel5) { check_converter(tiny_whitebox_config(5), false, "whitebox k5 training"); }
TEST(ConverterGradcheck, WhiteBoxTrainingKernel4) { check_converter(tiny_whitebox_config(4), false, "whitebox k4 training"); }
TEST(ConverterGradcheck, WhiteBoxFolded) { check_converter(tiny_whitebox_config(5), true, "whitebox k5 folded"); }
// A term on the white-box logits themselves (training's saturation penalty) enters through
// backward's g_logits: L = sum_e <r_e, p_e> + <s_e, logits_e>.
TEST(ConverterGradcheck, WhiteBoxLogitTerm) {
  ConverterProblem prob(tiny_whitebox_config(5), false, 96, 17);
  std::mt19937 rng(19);
  Vectors s;
  for (int e = 0; e < 3; ++e) s.push_back(normal_vector(kWhiteBoxOutputs, rng));
  auto loss = [&] {
    prob.net.weights().buffers = prob.buffers;
    Converter::Tape tape;
    Vectors p;
    prob.net.forward(prob.x, prob.z, true, &p, nullptr, &tape);
    double l = dot(prob.r_params, p);
    for (int e = 0; e < 3; ++e) l += dot(s[e], prob.net.head_logits(tape, e));
    return l;
  };
  prob.net.weights().buffers = prob.buffers;
  Converter::Tape tape;
  Vectors p, gz;
  prob.net.forward(prob.x, prob.z, true, &p, nullptr, &tape);
  std::vector<float> grad(prob.net.param_count(), 0.0f);
  prob.net.backward(tape, &prob.r_params, nullptr, &grad, &gz, &s);

  double worst = 0.0;
  for (int trial = 0; trial < 2; ++trial) {
    const std::vector<float> dir = normal_vector(prob.net.param_count(), rng);
    worst = std::max(worst, directional_check(prob.net.weights().params, grad, dir, loss).best_rel);
  }
  double worst_z = 0.0;
  for (std::size_t i = 0; i < prob.z[1].size(); ++i)  // every coordinate (z_dim is 5 here, not 8)
    worst_z = std::max(worst_z, coordinate_check(prob.z[1][i], gz[1][i], loss, 1e-2));
  std::printf("logit term: params worst rel %.2e, dL/dz worst rel %.2e\n", worst, worst_z);
  EXPECT_LT(worst, kTolerance);
  EXPECT_LT(worst_z, kTolerance);
}

TEST(ConverterGradcheck, BlackBoxTrainingKernel5) { check_converter(tiny_blackbox_config(5), false, "blackbox k5 training"); }
TEST(ConverterGradcheck, BlackBoxTrainingKernel4) { check_converter(tiny_blackbox_config(4), false, "blackbox k4 training"); }
TEST(ConverterGradcheck, BlackBoxFolded) { check_converter(tiny_blackbox_config(4), true, "blackbox k4 folded"); }

// With the black-box clamp active on part of the output (input amplitude 1.5 through the
// identity skip path), clamped samples pass no gradient.
TEST(ConverterGradcheck, BlackBoxWithTheClampActive) {
  ConverterProblem prob(tiny_blackbox_config(5), false, 96, 8, 1.5);
  float max_abs = 0.0f;
  prob.loss(&max_abs);
  ASSERT_EQ(max_abs, 1.0f) << "the clamp should be active";
  std::vector<float> grad;
  Vectors gz;
  prob.gradients(grad, gz);
  std::mt19937 rng(13);
  double worst = 0.0;
  for (int trial = 0; trial < 3; ++trial) {
    const std::vector<float> dir = normal_vector(prob.net.param_count(), rng);
    worst = std::max(worst, directional_check(prob.net.weights().params, grad, dir, [&] { return prob.loss(); }).best_rel);
  }
  std::printf("blackbox with clamp: worst rel %.2e\n", worst);
  EXPECT_LT(worst, kTolerance);
}

// Every parameter block of Ψ on its own (FiLM linears, head FiLM, residuals, skip, ...).
void check_converter_blocks(const ConverterConfig& config, const char* label) {
  ConverterProblem prob(config, false, 80, 21);
  std::vector<float> grad;
  Vectors gz;
  prob.gradients(grad, gz);
  const Converter& net = prob.net;
  struct Range { std::string name; std::size_t at, n; };
  std::vector<Range> ranges;
  const std::size_t z = static_cast<std::size_t>(config.z_dim);
  for (std::size_t n = 0; n < net.blocks().size(); ++n) {
    const Converter::Block& b = net.blocks()[n];
    const std::size_t c = static_cast<std::size_t>(b.main.spec.out);
    const std::string tag = "block " + std::to_string(n) + " ";
    ranges.push_back({tag + "conv w", b.main.w, b.main.spec.weight_count()});
    ranges.push_back({tag + "bn gamma", b.main.gamma, c});
    ranges.push_back({tag + "bn beta", b.main.beta, c});
    ranges.push_back({tag + "residual w", b.residual.w, b.residual.spec.weight_count()});
    ranges.push_back({tag + "film w", b.film_w, 2 * c * z});
    ranges.push_back({tag + "film b", b.film_b, 2 * c});
  }
  ranges.push_back({"head w", net.head().w, net.head().spec.weight_count()});
  ranges.push_back({"head b", net.head().b, static_cast<std::size_t>(net.head().spec.out)});
  if (prob.white()) {
    ranges.push_back({"head film w", net.head_film_w(), 2 * kWhiteBoxOutputs * z});
    ranges.push_back({"head film b", net.head_film_b(), 2 * kWhiteBoxOutputs});
  } else {
    ranges.push_back({"skip w", net.skip().w, net.skip().spec.weight_count()});
  }
  std::mt19937 rng(10);
  double worst = 0.0;
  for (const Range& range : ranges) {
    std::vector<float> dir(net.param_count(), 0.0f);
    const std::vector<float> part = normal_vector(range.n, rng);
    std::copy(part.begin(), part.end(), dir.begin() + range.at);
    const DirectionalResult res =
        directional_check(prob.net.weights().params, grad, dir, [&] { return prob.loss(); },
                          {std::begin(kEps), std::end(kEps)}, kBlockFloor * norm(grad));
    EXPECT_LT(res.best_rel, kTolerance) << label << ": " << range.name;
    worst = std::max(worst, res.best_rel);
  }
  std::printf("%s per block: worst rel %.2e over %zu blocks\n", label, worst, ranges.size());
}

// The check itself: a gradient that is 3% off in one small block must fail it.
TEST(ConverterGradcheck, DetectsASmallErrorInOneBlock) {
  ConverterProblem prob(tiny_whitebox_config(5), false, 80, 21);
  std::vector<float> grad;
  Vectors gz;
  prob.gradients(grad, gz);
  const Converter::Block& b = prob.net.blocks()[1];
  std::vector<float> dir(prob.net.param_count(), 0.0f);
  std::mt19937 rng(12);
  const std::size_t n = b.residual.spec.weight_count();
  const std::vector<float> part = normal_vector(n, rng);
  std::copy(part.begin(), part.end(), dir.begin() + b.residual.w);
  for (std::size_t i = 0; i < n; ++i) grad[b.residual.w + i] *= 1.03f;
  const DirectionalResult res = directional_check(prob.net.weights().params, grad, dir, [&] { return prob.loss(); },
                                                  {std::begin(kEps), std::end(kEps)}, kBlockFloor * norm(grad));
  EXPECT_GT(res.best_rel, kTolerance);
}

TEST(ConverterGradcheck, WhiteBoxEveryParameterBlockAlone) { check_converter_blocks(tiny_whitebox_config(5), "whitebox"); }
TEST(ConverterGradcheck, BlackBoxEveryParameterBlockAlone) { check_converter_blocks(tiny_blackbox_config(5), "blackbox"); }

// --- The white-box training loss end to end ------------------------------------------
//
// Converter params -> 46 sigmoid parameters -> Chain -> mss_loss against a target, as the
// trainer composes them (mean over a batch of 2, training form), and the same path's dL/dz.
// The chain is put in a smooth regime through the head FiLM's β bias (which sets the
// parameters' logits): compressors and limiter above the signal, expanders at ratio ~1.
//
// mss_loss itself is not smooth everywhere: STFT frame 0 is centred on sample 0 of a
// reflect-padded signal, so it is even-symmetric and its spectrum is real (up to a linear
// phase); its bins cross zero as the parameters move, and log10(|Y| + 1e-7) has a cusp
// there. Each crossing adds a fixed error to a finite difference, whatever ε (measured:
// ~0.07 on a directional derivative whose typical size is ~5). The errors are therefore
// taken relative to the typical directional derivative ||∇L|| as well (the standard
// deviation of <∇L, d> over random d ~ N(0, I)), and the signals are long enough, with a
// noise floor, that interior bins (complex, rarely near 0) dominate.
Stereo broadband_music(std::uint32_t seed) {
  Stereo x = testing::music_like(32768, 0.05, seed);
  const Stereo noise = testing::white_noise(x.frames(), 0.02, seed + 1);
  for (std::size_t i = 0; i < x.frames(); ++i) {
    x.l[i] += noise.l[i];
    x.r[i] += noise.r[i];
  }
  return x;
}

struct WhiteBoxPath {
  Converter net;
  std::vector<Stereo> x, target;
  Vectors z;
  std::vector<float> buffers;

  WhiteBoxPath() : net(tiny_whitebox_config(5)) {
    net.init(31);
    perturb(net.weights(), 32);
    std::mt19937 rng(33);
    std::uniform_real_distribution<float> u(0.3f, 0.7f);
    Params centre;
    for (double& v : centre) v = u(rng);
    centre[13] = 0.3;  // EQ band 4 below the 0.45 fs clamp
    for (int b = 0; b < 3; ++b) {
      centre[23 + 6 * b] = 0.98;  // comp threshold near 0 dB
      centre[24 + 6 * b] = 0.02;  // comp ratio ~1.4
      centre[25 + 6 * b] = 0.02;  // expander threshold near -60 dB
      centre[26 + 6 * b] = 0.98;  // expander ratio ~1
    }
    centre[41] = 0.45;  // gain -2.4 dB
    centre[43] = 0.98;  // limiter threshold near 0 dB
    const std::size_t beta_bias = net.head_film_b() + kWhiteBoxOutputs;
    for (int j = 0; j < kWhiteBoxOutputs; ++j) {
      net.weights().params[net.head_film_b() + j] = 0.2f;  // γ: the logits' data-dependent part stays small
      net.weights().params[beta_bias + j] = static_cast<float>(std::log(centre[j] / (1.0 - centre[j])));
    }
    for (int e = 0; e < 2; ++e) {
      x.push_back(broadband_music(40 + e));
      Params truth = centre;
      truth[0] = 0.6;
      truth[41] = 0.5;
      Chain chain(testing::kFs);
      chain.set_params(truth);
      Stereo y;
      chain.process(x.back(), y);
      target.push_back(y);
      z.push_back(normal_vector(5, rng));
    }
    buffers = net.weights().buffers;
  }

  // Mean mss_loss over the batch; with grad, also dL/dparams and dL/dz.
  double run(std::vector<float>* grad = nullptr, Vectors* gz = nullptr) {
    net.weights().buffers = buffers;
    nn::Batch in;
    for (const Stereo& s : x) in.push_back(to_tensor(s));
    Converter::Tape tape;
    Vectors p;
    net.forward(in, z, true, &p, nullptr, grad ? &tape : nullptr);
    const double n = static_cast<double>(x.size());
    double loss = 0.0;
    Vectors g_params(x.size());
    for (std::size_t e = 0; e < x.size(); ++e) {
      Chain chain(testing::kFs);
      Params params;
      for (int j = 0; j < kNumParams; ++j) params[j] = p[e][j];
      chain.set_params(params);
      ChainTape chain_tape;
      Stereo out, g;
      chain.process(x[e], out, grad ? &chain_tape : nullptr);
      loss += mss_loss(out, target[e], grad ? &g : nullptr) / n;
      if (!grad) continue;
      Params gp{};
      chain.backward(chain_tape, g, nullptr, gp);
      for (int j = 0; j < kNumParams; ++j) g_params[e].push_back(static_cast<float>(gp[j] / n));
    }
    if (grad) {
      grad->assign(net.param_count(), 0.0f);
      net.backward(tape, &g_params, nullptr, grad, gz);
    }
    return loss;
  }
};

TEST(WhiteBoxTrainingLossGradcheck, ConverterParamsAndZThroughChainAndMssLoss) {
  WhiteBoxPath path;
  std::vector<float> grad;
  Vectors gz;
  const double loss0 = path.run(&grad, &gz);
  ASSERT_TRUE(std::isfinite(loss0));
  ASSERT_GT(loss0, 0.0);
  const std::vector<double> eps = {1e-3, 3e-4, 1e-4};  // the chain is smooth here: small steps
  std::mt19937 rng(34);
  double worst = 0.0;
  for (int trial = 0; trial < 2; ++trial) {
    const std::vector<float> dir = normal_vector(path.net.param_count(), rng);
    const DirectionalResult res =
        directional_check(path.net.weights().params, grad, dir, [&] { return path.run(); }, eps, norm(grad));
    std::printf("white-box loss path, params: direction %d analytic %.6g numeric %.6g (|grad| %.4g) rel %.2e\n",
                trial, res.analytic, res.numeric, norm(grad), res.best_rel);
    worst = std::max(worst, res.best_rel);
  }
  EXPECT_LT(worst, kTolerance);

  // dL/dz along a random direction of all z values (both examples), as a flat vector.
  std::vector<float> z_flat, gz_flat;
  for (std::size_t e = 0; e < gz.size(); ++e) {
    z_flat.insert(z_flat.end(), path.z[e].begin(), path.z[e].end());
    gz_flat.insert(gz_flat.end(), gz[e].begin(), gz[e].end());
  }
  auto loss_at_z = [&] {
    for (std::size_t e = 0, at = 0; e < path.z.size(); at += path.z[e].size(), ++e)
      std::copy(z_flat.begin() + at, z_flat.begin() + at + path.z[e].size(), path.z[e].begin());
    return path.run();
  };
  const std::vector<float> zdir = normal_vector(z_flat.size(), rng);
  const DirectionalResult res = directional_check(z_flat, gz_flat, zdir, loss_at_z, eps, norm(gz_flat));
  std::printf("white-box loss path, dL/dz: analytic %.6g numeric %.6g (|gz| %.4g) rel %.2e\n", res.analytic,
              res.numeric, norm(gz_flat), res.best_rel);
  EXPECT_LT(res.best_rel, kTolerance);
}

}  // namespace
}  // namespace ito::models

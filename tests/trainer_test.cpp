// Self-supervised training (train/trainer.h): examples are reproducible per stream and built
// from the pool's segments with one shared effect for x_ref and y; Trainer overfits a fixed
// batch, skips non-finite steps, and is bitwise deterministic for a seed and thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dsp/chain.h"
#include "master/fx_normalize.h"
#include "models/audio_tensor.h"
#include "core/parallel.h"
#include "test_signals.h"
#include "train/trainer.h"

namespace ito::train {
namespace {

constexpr double kFs = testing::kFs;
constexpr double kSegment = 0.5;  // seconds
const std::size_t kLen = static_cast<std::size_t>(kSegment * kFs);

TrainConfig small_config(std::uint64_t seed = 7) {
  TrainConfig c;
  c.fs = kFs;
  c.segment_seconds = kSegment;
  c.batch = 2;
  c.lr = 1e-2;
  c.seed = seed;
  return c;
}

Stereo concat(const Stereo& a, const Stereo& b) {
  Stereo out = a;
  out.l.insert(out.l.end(), b.l.begin(), b.l.end());
  out.r.insert(out.r.end(), b.r.begin(), b.r.end());
  return out;
}

Stereo music(std::size_t frames, std::uint32_t seed) { return testing::music_like(frames, 0.5, seed); }

bool same(const Stereo& a, const Stereo& b) {
  return a.l.size() == b.l.size() && a.r.size() == b.r.size() &&
         std::memcmp(a.l.data(), b.l.data(), a.l.size() * sizeof(float)) == 0 &&
         std::memcmp(a.r.data(), b.r.data(), a.r.size() * sizeof(float)) == 0;
}

double rms(const Stereo& x) {
  double s = 0.0;
  for (std::size_t i = 0; i < x.frames(); ++i) s += double(x.l[i]) * x.l[i] + double(x.r[i]) * x.r[i];
  return std::sqrt(s / (2.0 * x.frames()));
}

bool finite(const Stereo& x) {
  for (std::size_t i = 0; i < x.frames(); ++i)
    if (!std::isfinite(x.l[i]) || !std::isfinite(x.r[i])) return false;
  return true;
}

// --- make_example -------------------------------------------------------------------

TEST(MakeExample, IsReproduciblePerStreamAndDiffersBetweenStreams) {
  const SongPool pool{{music(4 * kLen, 1), music(3 * kLen, 2)}};
  const FxNormStats stats = testing::flat_fxnorm_stats();
  const Example a = make_example(pool, stats, small_config(), 3, 1);
  const Example again = make_example(pool, stats, small_config(), 3, 1);
  EXPECT_TRUE(same(a.x_in, again.x_in));
  EXPECT_TRUE(same(a.x_ref, again.x_ref));
  EXPECT_TRUE(same(a.y, again.y));
  for (const Example& other : {make_example(pool, stats, small_config(), 4, 1),
                               make_example(pool, stats, small_config(), 3, 2),
                               make_example(pool, stats, small_config(8), 3, 1)}) {
    EXPECT_FALSE(same(a.x_in, other.x_in));
    EXPECT_FALSE(same(a.y, other.y));
  }
}

TEST(MakeExample, SegmentsAreFiniteNonSilentAndOneSegmentLong) {
  const SongPool pool{{music(5 * kLen, 3)}};
  for (std::uint64_t slot = 0; slot < 4; ++slot) {
    const Example ex = make_example(pool, testing::flat_fxnorm_stats(), small_config(), 0, slot);
    for (const Stereo* s : {&ex.x_in, &ex.x_ref, &ex.y}) {
      EXPECT_EQ(s->frames(), kLen);
      EXPECT_TRUE(finite(*s));
      EXPECT_GT(rms(*s), 1e-3);
    }
  }
}

// A song exactly two segments long has A and B as its halves. With halves (s1, s2) and
// with (s1, s1), the same stream draws the same positions and effects, so:
//   pool (s1, s1): A = B = s1, hence x_ref = f2(B) and y = f2(A) are identical;
//   pool (s1, s2): where A = s1, y and x_in match the (s1, s1) example and x_ref does not;
//                  where B = s1, x_ref matches and y, x_in do not.
// This shows that the segments are the pool's samples, untouched before the effects, that
// x_ref and y share f2, and that x_in is made from A.
TEST(MakeExample, SegmentsComeFromThePoolAndXrefSharesTheTargetsEffect) {
  const Stereo s1 = music(kLen, 4), s2 = music(kLen, 5);
  const SongPool mixed{{concat(s1, s2)}}, repeated{{concat(s1, s1)}};
  const FxNormStats stats = testing::flat_fxnorm_stats();
  int a_first = 0, b_first = 0;
  for (std::uint64_t step = 0; step < 10; ++step) {
    const Example m = make_example(mixed, stats, small_config(), step, 0);
    const Example r = make_example(repeated, stats, small_config(), step, 0);
    EXPECT_TRUE(same(r.x_ref, r.y)) << step;
    EXPECT_FALSE(same(m.x_ref, m.y)) << step;
    const bool y_match = same(m.y, r.y), ref_match = same(m.x_ref, r.x_ref);
    EXPECT_NE(y_match, ref_match) << step;
    EXPECT_EQ(same(m.x_in, r.x_in), y_match) << step;
    a_first += y_match;
    b_first += ref_match;
  }
  // Both orders occur (B after A and before it).
  EXPECT_GT(a_first, 0);
  EXPECT_GT(b_first, 0);
}

TEST(MakeExample, RejectsPoolsWithoutUsableSongs) {
  const FxNormStats stats = testing::flat_fxnorm_stats();
  const SongPool short_songs{{music(2 * kLen - 1, 6), music(kLen, 7)}};
  EXPECT_THROW(make_example(short_songs, stats, small_config(), 0, 0), std::runtime_error);
  EXPECT_THROW(make_example(SongPool{}, stats, small_config(), 0, 0), std::runtime_error);
  const SongPool silent{{Stereo(3 * kLen)}};
  EXPECT_THROW(make_example(silent, stats, small_config(), 0, 0), std::runtime_error);
  // A short song next to a usable one is simply never drawn.
  const SongPool mixed{{music(kLen, 8), music(3 * kLen, 9)}};
  EXPECT_NO_THROW(make_example(mixed, stats, small_config(), 0, 0));
}

// --- Trainer ------------------------------------------------------------------------

// Tiny networks; Φ's first convolution is large enough (stride 1, kernel 15) to run in
// parallel chunks, so the thread-count test covers the parallel kernels.
models::EncoderConfig tiny_encoder() { return {{8, 8, 8}, {15, 9, 5}, {1, 4, 4}}; }

models::ConverterConfig tiny_converter(models::ConverterKind kind) {
  models::ConverterConfig c;
  c.kind = kind;
  c.z_dim = 8;
  c.kernel = 7;
  c.channels = {4, 6, 6};
  c.dilations = {1, 2, 4};
  c.strides = kind == models::ConverterKind::WhiteBox ? std::vector<int>{2, 4, 4} : std::vector<int>{1, 1, 1};
  return c;
}

struct Nets {
  models::Encoder phi;
  models::Converter psi;
  Nets(models::ConverterKind kind, unsigned long long seed) : phi(tiny_encoder()), psi(tiny_converter(kind)) {
    phi.init(seed);
    psi.init(seed + 1);
  }
};

// A fixed batch: y = a known mastering of x_in, x_ref = the same mastering of other music.
std::vector<Example> fixed_batch() {
  Params truth = neutral_params();
  truth[param_index("eq_low_shelf_gain")] = 0.7;
  truth[param_index("gain")] = 0.6;
  truth[param_index("stereo_width")] = 0.35;
  Chain chain(kFs);
  chain.set_params(truth);
  std::vector<Example> batch(2);
  for (int e = 0; e < 2; ++e) {
    batch[e].x_in = music(kLen, 20 + e);
    chain.process(batch[e].x_in, batch[e].y);
    chain.process(music(kLen, 30 + e), batch[e].x_ref);
  }
  return batch;
}

void check_overfits(models::ConverterKind kind, int steps, double factor) {
  Nets nets(kind, 11);
  Trainer trainer(nets.phi, nets.psi, small_config());
  const std::vector<Example> batch = fixed_batch();
  std::vector<double> losses;
  for (int s = 0; s <= steps; ++s) losses.push_back(trainer.train_step(batch));
  for (double l : losses) ASSERT_TRUE(std::isfinite(l));
  std::printf("%s: training loss %.4f -> %.4f in %d steps\n",
              kind == models::ConverterKind::WhiteBox ? "white-box" : "black-box", losses.front(), losses.back(), steps);
  EXPECT_LT(losses.back(), factor * losses.front());
  EXPECT_EQ(trainer.encoder_adam().steps, steps + 1);
  EXPECT_EQ(trainer.converter_adam().steps, steps + 1);
  EXPECT_TRUE(std::isfinite(trainer.eval_loss(batch)));
}

TEST(Trainer, WhiteBoxOverfitsAFixedBatch) { check_overfits(models::ConverterKind::WhiteBox, 20, 0.8); }
TEST(Trainer, BlackBoxOverfitsAFixedBatch) { check_overfits(models::ConverterKind::BlackBox, 20, 0.8); }

TEST(Trainer, EvalLossChangesNothing) {
  Nets nets(models::ConverterKind::WhiteBox, 12);
  Trainer trainer(nets.phi, nets.psi, small_config());
  const std::vector<Example> batch = fixed_batch();
  trainer.train_step(batch);  // running statistics away from their initial values
  const models::Weights phi = nets.phi.weights(), psi = nets.psi.weights();
  const double a = trainer.eval_loss(batch), b = trainer.eval_loss(batch);
  EXPECT_EQ(a, b);
  EXPECT_EQ(nets.phi.weights().params, phi.params);
  EXPECT_EQ(nets.phi.weights().buffers, phi.buffers);
  EXPECT_EQ(nets.psi.weights().params, psi.params);
  EXPECT_EQ(nets.psi.weights().buffers, psi.buffers);
  // A training step does move parameters and running statistics.
  trainer.train_step(batch);
  EXPECT_NE(nets.phi.weights().params, phi.params);
  EXPECT_NE(nets.psi.weights().buffers, psi.buffers);
}

TEST(Trainer, SkipsTheUpdateForANonFiniteLoss) {
  Nets nets(models::ConverterKind::WhiteBox, 13);
  Trainer trainer(nets.phi, nets.psi, small_config());
  std::vector<Example> batch = fixed_batch();
  batch[1].x_in.l[100] = NAN;
  const models::Weights phi = nets.phi.weights(), psi = nets.psi.weights();
  EXPECT_FALSE(std::isfinite(trainer.train_step(batch)));
  EXPECT_EQ(nets.phi.weights().params, phi.params);
  EXPECT_EQ(nets.psi.weights().params, psi.params);
  EXPECT_EQ(trainer.encoder_adam().steps, 0);
  EXPECT_EQ(trainer.converter_adam().steps, 0);
  // The running statistics are not poisoned by the skipped batch either.
  EXPECT_EQ(nets.phi.weights().buffers, phi.buffers);
  for (float v : nets.psi.weights().buffers) ASSERT_TRUE(std::isfinite(v));
  EXPECT_EQ(nets.psi.weights().buffers, psi.buffers);
  // And training goes on normally with a good batch.
  EXPECT_TRUE(std::isfinite(trainer.train_step(fixed_batch())));
}

// The logit penalty: zero inside the bound, 0.5 w (|l| - bound)^2 outside, added to the
// training loss (not to the validation loss), and it pulls a saturated output back.
TEST(Trainer, LogitPenaltyPullsSaturatedOutputsBack) {
  const std::vector<Example> batch = fixed_batch();
  // The logits of both examples (training form, as train_step sees them; on a copy, since
  // a training forward updates running statistics).
  auto logits_of = [&](Nets nets) {
    nn::Batch x_in, x_ref;
    for (const Example& e : batch) {
      x_in.push_back(models::to_tensor(e.x_in));
      x_ref.push_back(models::to_tensor(e.x_ref));
    }
    std::vector<std::vector<float>> z, p;
    models::Converter::Tape tape;
    nets.phi.forward(x_ref, true, z, nullptr);
    nets.psi.forward(x_in, z, true, &p, nullptr, &tape);
    return std::vector<std::vector<float>>{nets.psi.head_logits(tape, 0), nets.psi.head_logits(tape, 1)};
  };
  const int j = param_index("eq_low_shelf_q");
  std::vector<double> first_loss, logit_after;
  double expected_penalty = 0.0;
  for (double weight : {0.0, 1.0}) {
    Nets nets(models::ConverterKind::WhiteBox, 14);
    // Saturate output j: its FiLM shift bias far below zero.
    nets.psi.weights().params[nets.psi.head_film_b() + models::kWhiteBoxOutputs + j] -= 12.0f;
    TrainConfig cfg = small_config();
    cfg.logit_penalty = weight;
    const auto before = logits_of(nets);
    ASSERT_LT(before[0][j], -cfg.logit_bound - 4);
    expected_penalty = 0.0;
    for (const auto& l : before)
      for (float v : l) {
        const double excess = std::max(0.0, std::fabs(double(v)) - cfg.logit_bound);
        expected_penalty += 0.5 * weight * excess * excess / batch.size();
      }
    Trainer trainer(nets.phi, nets.psi, cfg);
    const models::Weights psi0 = nets.psi.weights(), phi0 = nets.phi.weights();
    const double eval = trainer.eval_loss(batch);
    first_loss.push_back(trainer.train_step(batch));
    for (int s = 0; s < 20; ++s) trainer.train_step(batch);
    const auto after = logits_of(nets);
    // The validation loss is the spectral loss alone, whatever the penalty.
    nets.psi.weights() = psi0, nets.phi.weights() = phi0;
    EXPECT_EQ(Trainer(nets.phi, nets.psi, cfg).eval_loss(batch), eval);
    std::printf("penalty %.1f: first loss %.4f, logit %.2f -> %.2f\n", weight, first_loss.back(), before[0][j],
                after[0][j]);
    logit_after.push_back(after[0][j]);
  }
  EXPECT_GT(expected_penalty, 1.0);
  EXPECT_NEAR(first_loss[1] - first_loss[0], expected_penalty, 1e-4 * expected_penalty);
  // Saturated, the spectral loss leaves the logit there; the penalty pulls it back to where
  // the sigmoid responds.
  EXPECT_LT(logit_after[0], -8.0);
  EXPECT_GT(logit_after[1], -4.5);
}

// A few steps on examples drawn from a pool; returns the losses and the final weights.
struct Run {
  std::vector<double> losses;
  models::Weights phi, psi;
};

Run short_run(models::ConverterKind kind, int threads) {
  const int saved = num_threads();
  set_num_threads(threads);
  const SongPool pool{{music(3 * kLen, 40), music(4 * kLen, 41)}};
  const TrainConfig cfg = small_config(21);
  Nets nets(kind, 14);
  Trainer trainer(nets.phi, nets.psi, cfg);
  Run run;
  for (std::uint64_t step = 0; step < 3; ++step) {
    std::vector<Example> batch;
    for (int slot = 0; slot < cfg.batch; ++slot) batch.push_back(make_example(pool, testing::flat_fxnorm_stats(), cfg, step, slot));
    run.losses.push_back(trainer.train_step(batch));
  }
  run.phi = nets.phi.weights();
  run.psi = nets.psi.weights();
  set_num_threads(saved);
  return run;
}

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void check_same_run(const Run& a, const Run& b) {
  ASSERT_EQ(a.losses.size(), b.losses.size());
  for (std::size_t i = 0; i < a.losses.size(); ++i) EXPECT_EQ(a.losses[i], b.losses[i]) << i;
  EXPECT_TRUE(bitwise_equal(a.phi.params, b.phi.params));
  EXPECT_TRUE(bitwise_equal(a.phi.buffers, b.phi.buffers));
  EXPECT_TRUE(bitwise_equal(a.psi.params, b.psi.params));
  EXPECT_TRUE(bitwise_equal(a.psi.buffers, b.psi.buffers));
}

TEST(Trainer, IsBitwiseDeterministicForASeed) {
  check_same_run(short_run(models::ConverterKind::WhiteBox, 2), short_run(models::ConverterKind::WhiteBox, 2));
}

TEST(Trainer, DoesNotDependOnTheThreadCount) {
  for (auto kind : {models::ConverterKind::WhiteBox, models::ConverterKind::BlackBox})
    check_same_run(short_run(kind, 1), short_run(kind, 2));
}

}  // namespace
}  // namespace ito::train

// ITO on the embedding z (ito/ito_z.h) with small random folded converters: it lowers the
// loudness-matched AF objective toward a reference made by a known chain setting, keeps its
// bookkeeping (best <= initial, one loss per evaluation, the best z reproduces the best
// loss) and obeys the step budget, the callback and early stopping; white-box and black-box.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "analysis/af_loss.h"
#include "analysis/loudness.h"
#include "dsp/chain.h"
#include "ito/ito_z.h"
#include "ito/objective.h"
#include "ito/optimizer.h"
#include "models/audio_tensor.h"
#include "models/encoder.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr double kFs = testing::kFs;

models::ConverterConfig small_config(models::ConverterKind kind) {
  models::ConverterConfig c;
  c.kind = kind;
  c.z_dim = 8;
  c.kernel = 7;
  c.channels = {4, 6, 6};
  c.dilations = {1, 2, 4};
  c.strides = kind == models::ConverterKind::WhiteBox ? std::vector<int>{4, 4, 2} : std::vector<int>{1, 1, 1};
  return c;
}

models::Converter folded_converter(models::ConverterKind kind, unsigned long long seed) {
  models::Converter psi(small_config(kind));
  psi.init(seed);
  psi.fold();
  return psi;
}

// The task: x, and a reference = x through the chain at known settings.
struct Task {
  Stereo x, reference;
  Objective objective;
  std::vector<float> z_init;  // Φ(reference) of a small random encoder
};

Task make_task(double seconds, std::uint32_t seed) {
  Task t;
  t.x = testing::music_like(static_cast<std::size_t>(seconds * kFs), 0.3, seed);
  Params truth = neutral_params();
  truth[param_index("eq_low_shelf_gain")] = 0.7;  // +8 dB lows
  truth[param_index("eq_band1_gain")] = 0.35;     // -6 dB presence
  truth[param_index("stereo_width")] = 0.3;       // narrower
  Chain chain(kFs);
  chain.set_params(truth);
  chain.process(t.x, t.reference);
  t.objective = loudness_matched_af_objective(compute_af_features(t.reference, kFs),
                                              integrated_loudness(t.reference, kFs), kFs);
  models::Encoder phi(models::EncoderConfig{{4, 8, 8}, {15, 9, 5}, {4, 4, 2}});
  phi.init(seed + 1);
  phi.fold();
  t.z_init = phi.encode(models::to_tensor(t.reference));
  return t;
}

// What ITO's objective says about Ψ's result at z (recomputed independently of ito_on_z).
double loss_at(const Task& t, const models::Converter& psi, const std::vector<float>& z) {
  Stereo out;
  if (psi.kind() == models::ConverterKind::WhiteBox) {
    Chain chain(kFs);
    chain.set_params(predict_params(psi, t.x, z));
    chain.process(t.x, out);
  } else {
    nn::Batch y;
    const_cast<models::Converter&>(psi).forward({models::to_tensor(t.x)}, {z}, false, nullptr, &y, nullptr);
    out = models::to_stereo(y.front());
  }
  return t.objective(out, nullptr);
}

void check_lowers_the_objective(models::ConverterKind kind) {
  const Task task = make_task(1.5, 61);
  const models::Converter psi = folded_converter(kind, 62);
  ASSERT_EQ(task.z_init.size(), 8u);
  ItoZOptions options;
  options.max_steps = 30;
  options.relative_lr = 0.2;
  options.patience = 30;
  int callbacks = 0;
  const ItoZResult r = ito_on_z(task.x, psi, task.z_init, task.objective, kFs, options, [&](const ItoZProgress& p) {
    EXPECT_EQ(p.step, callbacks);
    EXPECT_EQ(p.params != nullptr, kind == models::ConverterKind::WhiteBox);
    EXPECT_EQ(p.z.size(), 8u);
    ++callbacks;
    return true;
  });
  std::printf("%s: loss %.5f -> %.5f in %d steps\n", kind == models::ConverterKind::WhiteBox ? "white-box" : "black-box",
              r.initial_loss, r.best_loss, r.steps);
  EXPECT_EQ(r.stop, ItoStop::Budget);
  // The start and one evaluation per update, all within the budget.
  EXPECT_EQ(r.evaluations, options.max_steps + 1);
  EXPECT_EQ(r.steps, options.max_steps);
  ASSERT_EQ(r.loss_curve.size(), static_cast<std::size_t>(r.steps + 1));
  EXPECT_EQ(callbacks, static_cast<int>(r.loss_curve.size()));
  EXPECT_EQ(r.initial_z, task.z_init);
  EXPECT_EQ(r.loss_curve.front(), r.initial_loss);
  EXPECT_EQ(r.initial_loss, loss_at(task, psi, task.z_init));
  // It moved z and found a clearly better one, which reproduces the reported loss.
  EXPECT_LT(r.best_loss, 0.97 * r.initial_loss);
  EXPECT_NE(r.best_z, r.initial_z);
  EXPECT_NEAR(loss_at(task, psi, r.best_z), r.best_loss, 1e-9 * r.best_loss);
  EXPECT_LE(*std::min_element(r.loss_curve.begin(), r.loss_curve.end()), r.best_loss);
  EXPECT_TRUE(std::find(r.loss_curve.begin(), r.loss_curve.end(), r.best_loss) != r.loss_curve.end());
  if (kind == models::ConverterKind::WhiteBox) {
    EXPECT_EQ(r.initial_params, predict_params(psi, task.x, task.z_init));
    EXPECT_EQ(r.best_params, predict_params(psi, task.x, r.best_z));
    EXPECT_NE(r.best_params, r.initial_params);
  }
}

TEST(ItoZ, WhiteBoxLowersTheLoudnessMatchedAfObjective) { check_lowers_the_objective(models::ConverterKind::WhiteBox); }
TEST(ItoZ, BlackBoxLowersTheLoudnessMatchedAfObjective) { check_lowers_the_objective(models::ConverterKind::BlackBox); }

TEST(ItoZ, RespectsTheStepBudget) {
  const Task task = make_task(1.0, 63);
  for (auto kind : {models::ConverterKind::WhiteBox, models::ConverterKind::BlackBox}) {
    const models::Converter psi = folded_converter(kind, 64);
    ItoZOptions options;
    options.max_steps = 3;
    const ItoZResult r = ito_on_z(task.x, psi, task.z_init, task.objective, kFs, options);
    EXPECT_EQ(r.stop, ItoStop::Budget);
    EXPECT_EQ(r.evaluations, 4);  // the start and three updates
    EXPECT_EQ(r.steps, 3);
    EXPECT_EQ(r.loss_curve.size(), 4u);
    EXPECT_LE(r.best_loss, r.initial_loss);
    options.max_steps = 0;  // evaluate only
    const ItoZResult none = ito_on_z(task.x, psi, task.z_init, task.objective, kFs, options);
    EXPECT_EQ(none.steps, 0);
    EXPECT_EQ(none.loss_curve.size(), 1u);
    EXPECT_EQ(none.best_z, task.z_init);
    EXPECT_EQ(none.best_loss, none.initial_loss);
  }
}

TEST(ItoZ, StopsWhenTheCallbackSaysSo) {
  const Task task = make_task(1.0, 65);
  for (auto kind : {models::ConverterKind::WhiteBox, models::ConverterKind::BlackBox}) {
    const models::Converter psi = folded_converter(kind, 66);
    ItoZOptions options;
    options.max_steps = 50;
    const ItoZResult r = ito_on_z(task.x, psi, task.z_init, task.objective, kFs, options,
                                  [](const ItoZProgress& p) { return p.step < 2; });
    EXPECT_EQ(r.stop, ItoStop::Callback);
    EXPECT_EQ(r.steps, 2);
    EXPECT_EQ(r.loss_curve.size(), 3u);
  }
}

TEST(ItoZ, EarlyStopsWithoutImprovement) {
  const Task task = make_task(1.0, 67);
  // An objective that ignores the output: nothing to improve, so it stops after `patience`.
  const Objective flat = [](const Stereo& y, Stereo* grad) {
    if (grad) *grad = Stereo(y.frames());
    return 1.0;
  };
  for (auto kind : {models::ConverterKind::WhiteBox, models::ConverterKind::BlackBox}) {
    const models::Converter psi = folded_converter(kind, 68);
    ItoZOptions options;
    options.max_steps = 100;
    options.patience = 4;
    const ItoZResult r = ito_on_z(task.x, psi, task.z_init, flat, kFs, options);
    EXPECT_EQ(r.stop, ItoStop::EarlyStop);
    EXPECT_EQ(r.steps, 4);
    EXPECT_EQ(r.loss_curve.size(), 5u);
    EXPECT_EQ(r.best_z, task.z_init);
    EXPECT_EQ(r.best_loss, r.initial_loss);
  }
}

TEST(ItoZ, StopsOnANonFiniteLoss) {
  const Task task = make_task(1.0, 69);
  const models::Converter psi = folded_converter(models::ConverterKind::WhiteBox, 70);
  int calls = 0;
  const Objective breaks = [&](const Stereo& y, Stereo* grad) {
    if (grad) *grad = Stereo(y.frames());
    return ++calls < 3 ? 1.0 / calls : NAN;
  };
  ItoZOptions options;
  options.max_steps = 20;
  const ItoZResult r = ito_on_z(task.x, psi, task.z_init, breaks, kFs, options);
  EXPECT_EQ(r.stop, ItoStop::EarlyStop);
  EXPECT_EQ(r.loss_curve.size(), 3u);
  EXPECT_EQ(r.best_loss, 0.5);
  EXPECT_TRUE(std::isfinite(r.best_loss));
}

// The browser drives ItoZStepper itself and splits each update step at Ψ's output (so Ψ's
// backward to z can run on the GPU): with the C++ backward in its place, it takes exactly
// ito_on_z's steps. stop() after a step ends it there, as the callback does.
TEST(ItoZ, ASteppedLoopWithASplitBackwardMatchesItoOnZ) {
  const Task task = make_task(1.0, 73);
  const models::Converter psi = folded_converter(models::ConverterKind::WhiteBox, 74);
  ItoZOptions options;
  options.max_steps = 12;
  options.patience = 12;
  const ItoZResult reference = ito_on_z(task.x, psi, task.z_init, task.objective, kFs, options);
  ASSERT_GT(reference.steps, 3);
  for (int stop_after : {-1, 3}) {
    ItoZStepper stepper(task.z_init, options);
    while (!stepper.done()) {
      const bool gradient = stepper.wants_gradient();
      models::Converter::Tape tape;
      const WhiteBoxEvaluation e =
          evaluate_white_box(psi, task.x, stepper.next_z(), task.objective, kFs, {}, gradient ? &tape : nullptr);
      EXPECT_EQ(e.grad_params.size(), gradient ? 46u : 0u);
      if (gradient) {
        const std::vector<float> gz = converter_backward_z(psi, tape, e.grad_params);
        stepper.report(e.loss, &e.params, &gz);
      } else {
        stepper.report(e.loss, &e.params, nullptr);
      }
      // Only the evaluation that ends the budget goes without a gradient.
      if (!gradient) {
        EXPECT_EQ(stepper.result().stop, ItoStop::Budget);
        EXPECT_TRUE(stepper.done());
      }
      if (stepper.progress().step == stop_after) stepper.stop();
    }
    const ItoZResult& r = stepper.result();
    if (stop_after < 0) {
      EXPECT_EQ(r.loss_curve, reference.loss_curve);
      EXPECT_EQ(r.best_z, reference.best_z);
      EXPECT_EQ(r.best_params, reference.best_params);
      EXPECT_EQ(r.steps, reference.steps);
      EXPECT_EQ(r.evaluations, reference.evaluations);
      EXPECT_EQ(r.stop, reference.stop);
    } else {
      EXPECT_EQ(r.stop, ItoStop::Callback);
      EXPECT_EQ(r.steps, stop_after);
      EXPECT_EQ(r.loss_curve.size(), static_cast<std::size_t>(stop_after + 1));
      EXPECT_TRUE(std::equal(r.loss_curve.begin(), r.loss_curve.end(), reference.loss_curve.begin()));
    }
  }
  // Reporting after the end is a caller's bug.
  ItoZStepper done(task.z_init, options);
  done.stop();
  EXPECT_THROW(done.report(1.0, nullptr, nullptr), std::logic_error);
}

// Backing off: an update whose loss rises more than reject_rise above the best is undone;
// the next update starts from the best z with half the step and fresh Adam moments. A
// smaller rise is kept, and the next update starts from there.
TEST(ItoZ, UndoesAnUpdateThatRaisesTheLossAndHalvesTheStep) {
  ItoZOptions options;
  options.max_steps = 10;
  options.relative_lr = 0.3;
  const std::vector<float> z0 = {1.0f, -1.0f};  // RMS 1: steps are in z's units
  ItoZStepper s(z0, options);
  EXPECT_EQ(s.next_z(), z0);
  const std::vector<float> g0 = {2.0f, -0.5f};
  s.report(1.0, nullptr, &g0);
  // Adam's first step: lr * sign(gradient).
  std::vector<float> z1 = s.next_z();
  EXPECT_NEAR(z1[0], 0.7f, 1e-6);
  EXPECT_NEAR(z1[1], -0.7f, 1e-6);
  const std::vector<float> g1 = {-1.0f, 1.0f};
  s.report(5.0, nullptr, &g1);  // a rise of 400 %: undone
  const std::vector<float>& z2 = s.next_z();
  EXPECT_NEAR(z2[0], 0.85f, 1e-6);  // from z0 again, half the step, along g0
  EXPECT_NEAR(z2[1], -0.85f, 1e-6);
  EXPECT_EQ(s.result().rejected, 1);
  EXPECT_DOUBLE_EQ(s.result().relative_lr, 0.15);
  EXPECT_EQ(s.result().best_z, z0);
  const std::vector<float> z2_copy = z2;
  s.report(1.01, nullptr, &g1);  // a 1 % rise: kept, so the next update continues from z2
  const std::vector<float>& z3 = s.next_z();
  EXPECT_EQ(s.result().rejected, 1);
  // What a fresh Adam (lr 0.15) from z0 takes: g0 to z2, then g1 to z3.
  AdamOptimizer adam(2, AdamConfig{0.15, 0.9, 0.999, 1e-8, false});
  double z[2] = {1.0, -1.0};
  const double d0[2] = {2.0, -0.5}, d1[2] = {-1.0, 1.0};
  adam.step(z, d0);
  EXPECT_NEAR(z2_copy[0], z[0], 1e-6);
  EXPECT_NEAR(z2_copy[1], z[1], 1e-6);
  adam.step(z, d1);
  EXPECT_NEAR(z3[0], z[0], 1e-6);
  EXPECT_NEAR(z3[1], z[1], 1e-6);
  EXPECT_EQ(s.result().loss_curve, (std::vector<double>{1.0, 5.0, 1.01}));
  EXPECT_EQ(s.result().best_loss, 1.0);
  EXPECT_EQ(s.result().steps, 3);
}

TEST(ItoZ, RequiresTheInferenceForm) {
  const Task task = make_task(0.5, 71);
  models::Converter psi(small_config(models::ConverterKind::WhiteBox));
  psi.init(72);
  EXPECT_THROW(ito_on_z(task.x, psi, task.z_init, task.objective, kFs, {}), std::invalid_argument);
}

}  // namespace
}  // namespace ito

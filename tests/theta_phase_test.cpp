// White-box mastering's step on Θ after ITO on z (master/model_mastering.h, the "Θ phase")
// and the stepper it runs on (ito/ito_theta.h), with small random folded networks: the
// stepped loop takes ito_on_theta's steps exactly; the Θ phase starts at ITO on z's best
// point, never ends above it, and the rendered parameters reproduce its loss; a refine's
// parameters are the start only when they score better; a stopped ITO on z gets no Θ phase.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "analysis/af_loss.h"
#include "analysis/loudness.h"
#include "dsp/chain.h"
#include "ito/ito_theta.h"
#include "ito/objective.h"
#include "master/model_mastering.h"
#include "models/converter.h"
#include "models/encoder.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr double kFs = testing::kFs;

// A mix and a reference made from it at known chain settings.
struct Pair {
  Stereo input, reference;
  Params truth = neutral_params();
};

Pair make_pair(std::uint32_t seed) {
  Pair p;
  p.input = testing::music_like(static_cast<std::size_t>(2.0 * kFs), 0.3, seed);
  p.truth[param_index("eq_low_shelf_gain")] = 0.72;
  p.truth[param_index("eq_band1_gain")] = 0.35;
  p.truth[param_index("stereo_width")] = 0.3;
  Chain chain(kFs);
  chain.set_params(p.truth);
  chain.process(p.input, p.reference);
  return p;
}

models::Model small_white_box(unsigned long long seed) {
  models::Model m;
  m.encoder = std::make_unique<models::Encoder>(models::EncoderConfig{{4, 8, 8}, {15, 9, 5}, {4, 4, 2}});
  models::ConverterConfig c;
  c.kind = models::ConverterKind::WhiteBox;
  c.z_dim = 8;
  c.kernel = 7;
  c.channels = {4, 6, 6};
  c.dilations = {1, 2, 4};
  c.strides = {4, 4, 2};
  m.converter = std::make_unique<models::Converter>(c);
  m.encoder->init(seed);
  m.converter->init(seed + 1);
  m.fold();
  return m;
}

double loss_of(const ModelMasteringPlan& plan, const Params& params) { return plan_loss(plan, params, kFs); }

TEST(ItoThetaStepper, ASteppedLoopTakesItoOnThetasSteps) {
  const Pair p = make_pair(71);
  const Objective objective = loudness_matched_af_objective(compute_af_features(p.reference, kFs),
                                                            integrated_loudness(p.reference, kFs), kFs);
  ItoOptions options;
  options.max_steps = 6;
  const ItoResult whole = ito_on_theta(p.input, objective, kFs, neutral_params(), options);
  ItoThetaStepper s(p.input, objective, kFs, neutral_params(), options);
  int evaluations = 0;
  while (!s.done()) {
    const ItoProgress progress = s.evaluate();
    EXPECT_EQ(progress.step, evaluations++);
    s.advance();
  }
  EXPECT_EQ(s.result().loss_curve, whole.loss_curve);
  EXPECT_EQ(s.result().best, whole.best);
  EXPECT_EQ(s.result().steps, 6);
  EXPECT_EQ(evaluations, 7);
  EXPECT_LT(whole.best_loss, whole.initial_loss);
}

TEST(ModelMastering, ThetaPhaseStartsAtItoOnZsBestAndKeepsTheBetter) {
  const Pair p = make_pair(81);
  const models::Model model = small_white_box(82);
  const FxNormStats stats = testing::flat_fxnorm_stats();
  ModelMasteringOptions options;
  options.ito.max_steps = 3;
  const ModelMasteringResult z_only = master_with_model(p.input, p.reference, kFs, model, stats, options);
  options.theta_steps = 8;
  int theta_callbacks = 0;
  const ModelMasteringResult both = master_with_model(p.input, p.reference, kFs, model, stats, options, {},
                                                      [&](const ItoProgress&) { return ++theta_callbacks, true; });
  EXPECT_TRUE(z_only.theta.loss_curve.empty());
  EXPECT_EQ(z_only.params_after, z_only.ito.best_params);
  // The same ITO on z, then the Θ phase from its best point.
  EXPECT_EQ(both.ito.loss_curve, z_only.ito.loss_curve);
  ASSERT_FALSE(both.theta.loss_curve.empty());
  EXPECT_EQ(both.theta.initial, both.ito.best_params);
  EXPECT_EQ(both.theta.initial_loss, both.ito.best_loss);
  EXPECT_EQ(theta_callbacks, static_cast<int>(both.theta.loss_curve.size()));
  // A random Ψ leaves room: the step on Θ finds clearly better settings, and they are rendered.
  std::printf("ITO on z %.5f -> %.5f, then on Θ -> %.5f\n", both.ito.initial_loss, both.ito.best_loss,
              both.theta.best_loss);
  EXPECT_LT(both.theta.best_loss, 0.95 * both.ito.best_loss);
  EXPECT_EQ(both.params_after, both.theta.best);
  EXPECT_EQ(both.params_before, both.ito.initial_params);
  ModelMasteringOptions plan_options;
  const ModelMasteringPlan plan = plan_model_mastering(p.input, p.reference, kFs, model, stats, plan_options);
  EXPECT_NEAR(loss_of(plan, both.params_after), both.theta.best_loss, 1e-9 * both.theta.best_loss);
  // One run over both phases for summaries.
  const CombinedIto c = combined_ito(both.ito, both.theta);
  EXPECT_EQ(c.steps, both.ito.steps + both.theta.steps);
  EXPECT_EQ(c.loss_curve.size(), both.ito.loss_curve.size() + both.theta.loss_curve.size() - 1);
  EXPECT_EQ(c.best_loss, both.theta.best_loss);
  EXPECT_EQ(c.stop, both.theta.stop);
}

TEST(ModelMastering, ARefinesParametersStartTheThetaPhaseOnlyWhenTheyScoreBetter) {
  const Pair p = make_pair(91);
  const models::Model model = small_white_box(92);
  ModelMasteringOptions options;
  options.ito.max_steps = 2;
  const ModelMasteringPlan plan = plan_model_mastering(p.input, p.reference, kFs, model, testing::flat_fxnorm_stats(), options);
  const std::vector<float> z = starting_embedding(model, plan, {});
  const ItoZResult ito = ito_on_z(plan.excerpt, *model.converter, z, plan.objective, kFs, options.ito, {}, plan.space, &plan.segments);
  EXPECT_EQ(theta_phase_start(plan, ito, std::nullopt, kFs), ito.best_params);
  // Settings already found by a long ITO on Θ score better than a random Ψ's: they are the start.
  const ItoOptions long_run = theta_phase_options(25, plan.space);
  const ItoResult good = ito_on_theta(plan.segments, plan.objective, kFs, ito.best_params, long_run);
  ASSERT_LT(good.best_loss, ito.best_loss);
  EXPECT_EQ(theta_phase_start(plan, ito, good.best, kFs), good.best);
  // Extreme settings score worse: ITO on z's best stays the start. (The worst of a few
  // corners of the search space: the musical box leaves no single corner surely bad.)
  Params extreme = plan.space.lo;
  for (int corner = 0; corner < 4; ++corner) {
    Params p;
    for (int i = 0; i < kNumParams; ++i) p[i] = ((i + corner) % (corner + 2)) ? plan.space.hi[i] : plan.space.lo[i];
    if (loss_of(plan, p) > loss_of(plan, extreme)) extreme = p;
  }
  ASSERT_GT(loss_of(plan, extreme), ito.best_loss);
  EXPECT_EQ(theta_phase_start(plan, ito, extreme, kFs), ito.best_params);
  const ItoResult phase = run_theta_phase(plan, ito, 3, kFs, {}, good.best);
  EXPECT_EQ(phase.initial, good.best);
  EXPECT_LE(phase.best_loss, good.best_loss);
}

TEST(ModelMastering, AStoppedItoOnZGetsNoThetaPhase) {
  const Pair p = make_pair(101);
  const models::Model model = small_white_box(102);
  ModelMasteringOptions options;
  options.ito.max_steps = 5;
  options.theta_steps = 5;
  const ModelMasteringResult r = master_with_model(p.input, p.reference, kFs, model, testing::flat_fxnorm_stats(), options,
                                                   [](const ItoZProgress& pr) { return pr.step < 1; });
  EXPECT_EQ(r.ito.stop, ItoStop::Callback);
  EXPECT_TRUE(r.theta.loss_curve.empty());
  EXPECT_EQ(r.params_after, r.ito.best_params);
}

// A white-box master at another rate than the models': Φ and Ψ see the 44.1 kHz copies (the
// same embedding as at 44.1 kHz), the chain and the render run at the master's rate (the
// output has the mix's frames), and without copies, or with black-box, the plan refuses.
TEST(ModelMastering, AtAnotherRateTheModelsSeeTheirCopies) {
  const double fs = 2 * kFs;
  const Stereo input = testing::music_like(static_cast<std::size_t>(2.0 * fs) + 3, 0.3, 91, fs);
  const Stereo reference = testing::music_like(static_cast<std::size_t>(2.0 * fs), 0.8, 92, fs);
  const Stereo input44 = testing::music_like(static_cast<std::size_t>(2.0 * kFs), 0.3, 91);
  const Stereo reference44 = testing::music_like(static_cast<std::size_t>(2.0 * kFs), 0.8, 92);
  const models::Model model = small_white_box(93);
  const FxNormStats stats = testing::flat_fxnorm_stats();
  ModelMasteringOptions options;
  options.ito.max_steps = 2;
  options.theta_steps = 2;
  EXPECT_THROW(plan_model_mastering(input, reference, fs, model, stats, options), std::invalid_argument);
  const ModelRateCopies copies{&input44, &reference44};
  const ModelMasteringPlan plan = plan_model_mastering(input, reference, fs, model, stats, options, copies);
  const ModelMasteringPlan plan44 = plan_model_mastering(input44, reference44, kFs, model, stats, options);
  EXPECT_EQ(plan.reference_excerpt.l, plan44.reference_excerpt.l);
  EXPECT_EQ(starting_embedding(model, plan, {}), starting_embedding(model, plan44, {}));
  EXPECT_EQ(plan.psi_excerpt.frames(), plan44.psi_excerpt.frames());
  EXPECT_EQ(plan.normalized_input.frames(), input.frames());
  const ModelMasteringResult r = master_with_model(input, reference, fs, model, stats, options, {}, {}, copies);
  ASSERT_EQ(r.output.frames(), input.frames());
  EXPECT_NEAR(integrated_loudness(r.output, fs), integrated_loudness(reference, fs), 0.1);
  EXPECT_FALSE(r.theta.loss_curve.empty());

  models::Model black = small_white_box(94);
  models::ConverterConfig c = black.converter->config();
  c.kind = models::ConverterKind::BlackBox;
  c.strides.assign(c.strides.size(), 1);
  black.converter = std::make_unique<models::Converter>(c);
  black.converter->init(95);
  black.fold();
  EXPECT_THROW(plan_model_mastering(input, reference, fs, black, stats, options, copies), std::invalid_argument);
}

}  // namespace
}  // namespace ito

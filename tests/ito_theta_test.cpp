// ITO on the chain parameters recovers a known mastering on a synthetic pair.
#include <gtest/gtest.h>

#include "analysis/af_loss.h"
#include "dsp/chain.h"
#include "ito/ito_theta.h"
#include "master/mastering.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr double kFs = 44100.0;

TEST(ItoTheta, ReducesAfLossTowardAKnownMastering) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(4 * kFs), 0.3, 31);
  // The "reference": the same music through a chain with known settings.
  Params truth = initial_params(x, kFs);
  truth[param_index("eq_low_shelf_gain")] = 0.7;   // +8 dB lows
  truth[param_index("eq_band1_gain")] = 0.35;      // -6 dB presence
  truth[param_index("gain")] = 0.6;                // +4.8 dB
  truth[param_index("stereo_width")] = 0.3;        // narrower
  Chain chain(kFs);
  chain.set_params(truth);
  Stereo reference;
  chain.process(x, reference);
  const AfFeatures target = compute_af_features(reference, kFs);

  ItoOptions options;
  options.max_steps = 80;
  int callbacks = 0;
  const ItoResult r = ito_on_theta(x, af_objective(target, kFs), kFs, initial_params(x, kFs), options,
                                   [&](const ItoProgress& p) { ++callbacks; return p.step >= 0; });
  EXPECT_EQ(callbacks, static_cast<int>(r.loss_curve.size()));
  EXPECT_LT(r.best_loss, r.initial_loss / 10.0) << r.initial_loss << " -> " << r.best_loss;
  // Width is identifiable from the features alone: it must move toward the truth.
  EXPECT_NEAR(r.best[param_index("stereo_width")], 0.3, 0.08);
  EXPECT_GT(r.best[param_index("eq_low_shelf_gain")], 0.55);
}

TEST(ItoTheta, StopsWhenTheCallbackSaysSo) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(2 * kFs), 0.3, 32);
  const AfFeatures target = compute_af_features(testing::music_like(static_cast<std::size_t>(2 * kFs), 0.5, 33), kFs);
  ItoOptions options;
  options.max_steps = 50;
  const ItoResult r = ito_on_theta(x, af_objective(target, kFs), kFs, neutral_params(), options,
                                   [](const ItoProgress& p) { return p.step < 3; });
  EXPECT_EQ(r.stop, ItoStop::Callback);
  EXPECT_EQ(r.steps, 3);
}

TEST(ItoTheta, EarlyStopsAtAPlateau) {
  // Target = the input's own features at the initial point: nothing to improve.
  const Stereo x = testing::music_like(static_cast<std::size_t>(2 * kFs), 0.3, 34);
  const Params init = initial_params(x, kFs);
  Chain chain(kFs);
  chain.set_params(init);
  Stereo y;
  chain.process(x, y);
  ItoOptions options;
  options.max_steps = 200;
  options.patience = 5;
  const ItoResult r = ito_on_theta(x, af_objective(compute_af_features(y, kFs), kFs), kFs, init, options);
  EXPECT_EQ(r.stop, ItoStop::EarlyStop);
  EXPECT_LT(r.steps, 20);
  EXPECT_EQ(r.best, init);
}

TEST(ItoTheta, LargestChangesAreSortedByMagnitude) {
  Params a = neutral_params(), b = a;
  b[5] += 0.3;
  b[42] -= 0.4;
  b[0] += 0.1;
  const auto top = largest_changes(a, b, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0], 42);
  EXPECT_EQ(top[1], 5);
  EXPECT_EQ(top[2], 0);
}

}  // namespace
}  // namespace ito

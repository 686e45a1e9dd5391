// Blended and adjusted AF-feature targets, and ITO on Θ moving toward them.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "analysis/af_loss.h"
#include "dsp/chain.h"
#include "ito/feature_targets.h"
#include "ito/ito_theta.h"
#include "master/mastering.h"
#include "test_signals.h"

namespace ito {
namespace {

TEST(FeatureTargets, BlendIsFeatureWiseAndEndsAtEitherReference) {
  const AfFeatures a = compute_af_features(testing::music_like(44100 * 3, 0.5, 1), testing::kFs);
  const AfFeatures b = compute_af_features(testing::white_noise(44100 * 3, 0.1, 2), testing::kFs);
  const AfFeatures at0 = blend_features(a, b, 0.0), at1 = blend_features(a, b, 1.0),
                   half = blend_features(a, b, 0.5);
  EXPECT_EQ(at0.bark_mid, a.bark_mid);
  EXPECT_EQ(at1.bark_side, b.bark_side);
  EXPECT_DOUBLE_EQ(half.width, 0.5 * (a.width + b.width));
  EXPECT_DOUBLE_EQ(half.crest_db[1], 0.5 * (a.crest_db[1] + b.crest_db[1]));
  for (int k = 0; k < kAfBarkBands; ++k) EXPECT_NEAR(half.bark_mid[k], 0.5 * (a.bark_mid[k] + b.bark_mid[k]), 1e-12);
  // The loss against a blend lies between... at most the larger of the two ends (convexity).
  const Stereo y = testing::music_like(44100 * 3, 0.4, 3);
  const double la = af_loss(y, a, testing::kFs), lb = af_loss(y, b, testing::kFs), lh = af_loss(y, half, testing::kFs);
  EXPECT_LE(lh, std::max(la, lb));
}

TEST(FeatureTargets, AdjustmentsMoveTheRightFeatures) {
  const AfFeatures base = compute_af_features(testing::music_like(44100 * 3, 0.5, 4), testing::kFs);
  FeatureAdjustments adj;
  adj.crest_db = 2.0;
  adj.width_scale = 1.5;
  adj.tilt_db = 6.0;
  adj.band_db[3] = -4.0;
  const AfFeatures t = adjust_features(base, adj);
  EXPECT_DOUBLE_EQ(t.crest_db[0], base.crest_db[0] + 2.0);
  EXPECT_DOUBLE_EQ(t.width, base.width * 1.5);
  EXPECT_EQ(t.rms, base.rms);
  // Tilt: lowest band -3 dB, highest +3 dB; 20 log10 e^(delta) recovers dB.
  auto db = [](double nepers) { return nepers * 20.0 / std::log(10.0); };
  EXPECT_NEAR(db(t.bark_mid.front() - base.bark_mid.front()), -3.0, 1e-9);
  // The side also follows the width: its magnitudes scale by sqrt(1.5), +1.76 dB.
  EXPECT_NEAR(db(t.bark_side.back() - base.bark_side.back()), 3.0 + 10.0 * std::log10(1.5), 1e-9);
  EXPECT_NEAR(db(t.bark_mid[3] - base.bark_mid[3]), -3.0 + 6.0 * 3.0 / 23.0 - 4.0, 1e-9);
  // No adjustment, no change.
  const AfFeatures same = adjust_features(base, {});
  EXPECT_EQ(same.bark_mid, base.bark_mid);
  EXPECT_EQ(same.width, base.width);
}

// Every Bark band belongs to exactly one tone region, each region holds at least one band,
// and the regions follow the frequency axis (the band centres of the spec's filterbank).
TEST(FeatureTargets, ToneRegionsCoverTheBarkBandsOnce) {
  std::array<int, kAfBarkBands> hits{};
  int previous_last = -1;
  for (int r = 0; r < static_cast<int>(kToneRegions.size()); ++r) {
    FeatureAdjustments adj;
    add_tone_region_db(adj, r, 1.0);
    int first = kAfBarkBands, last = -1;
    for (int b = 0; b < kAfBarkBands; ++b) {
      if (adj.band_db[b] == 0.0) continue;
      EXPECT_EQ(adj.band_db[b], 1.0);
      ++hits[b];
      first = std::min(first, b), last = std::max(last, b);
    }
    EXPECT_GE(last, first) << kToneRegions[r].name << " holds no band";
    EXPECT_EQ(first, previous_last + 1) << kToneRegions[r].name;
    previous_last = last;
  }
  for (int b = 0; b < kAfBarkBands; ++b) EXPECT_EQ(hits[b], 1) << "band " << b;
  // The edges from af_loss: the 1 kHz band is in "Mids", the 15 kHz band in "Air".
  const std::vector<double> edges = bark_band_edges_hz();
  FeatureAdjustments mids;
  add_tone_region_db(mids, 2, -3.0);
  for (int b = 0; b < kAfBarkBands; ++b)
    EXPECT_EQ(mids.band_db[b] != 0.0, edges[b + 1] >= 500.0 && edges[b + 1] < 2000.0) << b;
  EXPECT_THROW(add_tone_region_db(mids, 6, 1.0), std::invalid_argument);
}

// ITO on Θ toward "the same track, brighter and wider" makes the chain's output brighter
// (more high-band than low-band level) and wider than the input.
TEST(FeatureTargets, ItoFollowsABrighterWiderTarget) {
  const Stereo x = testing::music_like(44100 * 4, 0.3, 5);
  FeatureAdjustments adj;
  adj.tilt_db = 8.0;
  adj.width_scale = 2.0;
  const AfFeatures target = adjust_features(compute_af_features(x, testing::kFs), adj);
  ItoOptions options;
  options.max_steps = 40;
  const Params init = initial_params(x, testing::kFs);
  const ItoResult r = ito_on_theta(
      x, [&](const Stereo& y, Stereo* g) { return af_loss(y, target, testing::kFs, g); }, testing::kFs, init,
      options);
  EXPECT_LT(r.best_loss, 0.5 * r.initial_loss);
  Chain chain(testing::kFs);
  chain.set_params(r.best);
  Stereo y;
  chain.process(x, y);
  const AfFeatures before = compute_af_features(x, testing::kFs), after = compute_af_features(y, testing::kFs);
  auto tilt = [](const AfFeatures& f) {  // top six bands minus bottom six, log magnitude
    double t = 0;
    for (int k = 0; k < 6; ++k) t += f.bark_mid[kAfBarkBands - 1 - k] - f.bark_mid[k];
    return t / 6;
  };
  EXPECT_GT(tilt(after), tilt(before) + 0.2);
  EXPECT_GT(stereo_width(y), 1.3 * stereo_width(x));
}

}  // namespace
}  // namespace ito

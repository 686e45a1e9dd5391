// The loudness-matched AF objective: invariant to gain, gradient against finite differences.
#include <gtest/gtest.h>

#include "gradcheck_util.h"
#include "ito/objective.h"

namespace ito {
namespace {

constexpr double kFs = 44100.0;

TEST(LoudnessMatchedAf, IsInvariantToGainAndItsGradientKnowsIt) {
  const Stereo x = testing::music_like(3 * 44100, 0.3, 41);
  const AfFeatures target = compute_af_features(testing::music_like(3 * 44100, 0.8, 42), kFs);
  Stereo grad;
  const double loss = loudness_matched_af_loss(x, target, -12.0, kFs, &grad);
  Stereo louder = x;
  for (float& v : louder.l) v *= 2.5f;
  for (float& v : louder.r) v *= 2.5f;
  EXPECT_NEAR(loudness_matched_af_loss(louder, target, -12.0, kFs), loss, 1e-5 * loss);
  // Along y itself the derivative vanishes; compare with the gradient's size.
  const double along_y = testing::dot(grad, x);
  const double norm_terms = std::sqrt(testing::dot(grad, grad) * testing::dot(x, x));
  EXPECT_LT(std::abs(along_y), 1e-4 * norm_terms);
  // And it differs from the plain AF loss, which does care about level.
  EXPECT_GT(std::abs(af_loss(x, target, kFs) - loss), 1e-3);
}

TEST(LoudnessMatchedAfGradcheck, RandomDirections) {
  const Stereo x = testing::music_like(2 * 44100, 0.4, 43);
  const AfFeatures target = compute_af_features(testing::music_like(2 * 44100, 0.9, 44), kFs);
  Stereo grad;
  loudness_matched_af_loss(x, target, -10.0, kFs, &grad);
  auto f = [&](const Stereo& y) { return loudness_matched_af_loss(y, target, -10.0, kFs); };
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    // Directions shaped like the signal (a random mix of it and its reversal of
    // channels), as white noise barely moves the spectral features.
    Stereo d = testing::music_like(x.frames(), 0.4, 100 + seed);
    const double numeric = testing::directional_fd(f, x, d, 1e-3);
    const double analytic = testing::dot(grad, d);
    EXPECT_LT(testing::rel_err(analytic, numeric, 1e-6), 2e-2) << analytic << " vs " << numeric;
  }
}

}  // namespace
}  // namespace ito

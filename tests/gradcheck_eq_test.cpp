// EQ, distortion, gain and imager backward passes against finite differences.
#include <gtest/gtest.h>

#include <random>

#include "dsp/eq.h"
#include "dsp/simple_processors.h"
#include "gradcheck_util.h"

namespace ito {
namespace {

using testing::check_processor;

std::vector<double> random_params(int n, unsigned seed, double lo = 0.1, double hi = 0.9) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> p(n);
  for (double& v : p) v = u(rng);
  return p;
}

TEST(EqGradcheck, AllEighteenParametersAndInput) {
  const Stereo x = testing::music_like(8192, 0.5, 11);
  for (unsigned seed : {1u, 2u, 3u}) {
    auto p = random_params(Eq::kNumParams, seed);
    // Keep the top band below the 0.45 fs clamp so its frequency gradient is non-zero.
    p[13] = 0.3;
    const auto r = check_processor<Eq>(p, x, 44100.0, 1e-3, 1e-3);
    // Float buffers between sections put noise of ~1e-2 on the numeric side, so
    // small components are judged relative to the largest one.
    double scale = 0;
    for (double g : r.numeric) scale = std::max(scale, std::abs(g));
    for (int i = 0; i < Eq::kNumParams; ++i)
      EXPECT_LT(testing::rel_err(r.analytic[i], r.numeric[i], 2e-2 * scale), 1e-2)
          << "seed " << seed << " param " << i << ": " << r.analytic[i] << " vs " << r.numeric[i];
    EXPECT_LT(r.input_rel_err, 1e-3) << r.input_analytic << " vs " << r.input_numeric;
  }
}

TEST(DistortionGradcheck, DriveMixAndInput) {
  const Stereo x = testing::music_like(4096, 0.9, 12);
  for (unsigned seed : {4u, 5u}) {
    const auto r = check_processor<Distortion>(random_params(2, seed), x, 44100.0, 1e-3, 1e-3);
    for (int i = 0; i < 2; ++i)
      EXPECT_LT(testing::rel_err(r.analytic[i], r.numeric[i], 1e-6), 5e-3) << "param " << i;
    EXPECT_LT(r.input_rel_err, 1e-3);
  }
}

TEST(GainGradcheck, GainAndInput) {
  const Stereo x = testing::music_like(4096, 0.5, 13);
  const auto r = check_processor<Gain>({0.63}, x, 44100.0, 1e-4, 1e-3);
  EXPECT_LT(testing::rel_err(r.analytic[0], r.numeric[0], 1e-6), 1e-3);
  EXPECT_LT(r.input_rel_err, 1e-3);
}

TEST(ImagerGradcheck, WidthAndInput) {
  const Stereo x = testing::music_like(4096, 0.5, 14);
  for (double w : {0.1, 0.5, 0.85}) {
    const auto r = check_processor<Imager>({w}, x, 44100.0, 1e-4, 1e-3);
    EXPECT_LT(testing::rel_err(r.analytic[0], r.numeric[0], 1e-6), 1e-3) << w;
    EXPECT_LT(r.input_rel_err, 1e-3);
  }
}

TEST(Imager, WidthConventionMatchesMidSideDefinition) {
  const Stereo x = testing::music_like(1024, 0.5, 15);
  for (double w : {0.0, 0.3, 0.5, 1.0}) {
    Imager im;
    const double p = w;
    im.set_params(&p, 44100.0);
    Stereo y;
    im.process(x, y, nullptr);
    for (std::size_t i = 0; i < x.frames(); i += 97) {
      const double mid = (x.l[i] + x.r[i]) / std::sqrt(2.0) * 2 * (1 - w);
      const double side = (x.l[i] - x.r[i]) / std::sqrt(2.0) * 2 * w;
      EXPECT_NEAR(y.l[i], (mid + side) / std::sqrt(2.0), 1e-6);
      EXPECT_NEAR(y.r[i], (mid - side) / std::sqrt(2.0), 1e-6);
    }
  }
}

}  // namespace
}  // namespace ito

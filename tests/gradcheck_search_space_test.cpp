// The search space (ito/search_space.h) and the musical prior (master/musical_prior.h):
// the prior's hand-written gradient against central differences, the projection, the
// gradient mask, and that the musical box stays inside the paper's ranges.
#include <gtest/gtest.h>

#include <cmath>

#include "dsp/params.h"
#include "ito/search_space.h"
#include "master/musical_prior.h"
#include "test_signals.h"

namespace ito {
namespace {

SearchSpace musical_space() {
  const Stereo x = testing::music_like(static_cast<std::size_t>(3 * testing::kFs), 0.3, 11);
  return musical_search_space(x, testing::kFs, ChainStyle{});
}

TEST(SearchSpace, PriorGradientMatchesFiniteDifferences) {
  const SearchSpace s = musical_space();
  Params p;
  for (int i = 0; i < kNumParams; ++i) p[i] = 0.1 + 0.8 * ((i * 37) % 46) / 46.0;
  Params g{};
  s.prior(p, g.data());
  const double h = 1e-6;
  for (int i = 0; i < kNumParams; ++i) {
    Params a = p, b = p;
    a[i] += h, b[i] -= h;
    EXPECT_NEAR(g[i], (s.prior(a) - s.prior(b)) / (2 * h), 1e-6) << param_table()[i].id;
  }
}

TEST(SearchSpace, ProjectsIntoTheBoxAndMasksWhereItIsFlat) {
  const SearchSpace s = musical_space();
  Params p;
  p.fill(1.0);
  const Params q = s.project(p);
  EXPECT_TRUE(s.contains(q));
  Params g;
  g.fill(1.0);
  s.mask_gradient(p, g.data());
  for (int i = 0; i < kNumParams; ++i) EXPECT_EQ(g[i], s.hi[i] < 1.0 ? 0.0 : 1.0) << param_table()[i].id;
}

TEST(MusicalPrior, MusicalRangesAreInsideThePapersAndNarrowerWhereItMatters) {
  const SearchSpace s = musical_space();
  for (int i = 0; i < kNumParams; ++i) {
    EXPECT_GE(s.lo[i], 0.0);
    EXPECT_LE(s.hi[i], 1.0);
    EXPECT_LE(s.lo[i], s.hi[i]);
  }
  auto value = [](int i, double p) { return denormalize(param_table()[i], p); };
  for (int k = 0; k < 6; ++k) {
    EXPECT_NEAR(value(3 * k, s.lo[3 * k]), -6.0, 1e-9);
    EXPECT_NEAR(value(3 * k, s.hi[3 * k]), 6.0, 1e-9);
  }
  EXPECT_FALSE(s.enabled[static_cast<int>(Processor::Distortion)]);  // character 0: saturator off
  EXPECT_GE(value(45, s.lo[45]), 50.0);                              // limiter release
  for (int b = 0; b < 3; ++b) EXPECT_LE(value(24 + 6 * b, s.hi[24 + 6 * b]), 2.5 + 1e-9);  // ratios
  // Expert ranges: the paper's, but the saturator still follows the character.
  const Stereo x = testing::music_like(static_cast<std::size_t>(3 * testing::kFs), 0.3, 11);
  const SearchSpace expert = musical_search_space(x, testing::kFs, {0.5, true});
  EXPECT_TRUE(expert.enabled[static_cast<int>(Processor::Distortion)]);
  EXPECT_NEAR(value(18, expert.hi[18]), 4.0, 1e-9);
  for (int i = 20; i < kNumParams; ++i) {
    EXPECT_EQ(expert.lo[i], 0.0);
    EXPECT_EQ(expert.hi[i], 1.0);
  }
  EXPECT_EQ(expert.prior(neutral_params()), 0.0);
}

}  // namespace
}  // namespace ito

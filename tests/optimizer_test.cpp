#include <gtest/gtest.h>

#include <cmath>

#include "ito/optimizer.h"

namespace ito {
namespace {

TEST(Optimizer, AdamFirstStepIsLrTimesSignOfGradient) {
  AdamOptimizer opt(2, {0.1, 0.9, 0.999, 1e-12, false});
  double p[2] = {1.0, 1.0};
  const double g[2] = {3.0, -0.002};
  opt.step(p, g);
  EXPECT_NEAR(p[0], 0.9, 1e-9);
  EXPECT_NEAR(p[1], 1.1, 1e-9);
}

TEST(Optimizer, RadamWarmupIsMomentumSgdThenAdaptive) {
  AdamOptimizer opt(1, {0.1, 0.9, 0.999, 1e-8, true});
  double p = 0.0;
  const double g = 2.0;
  opt.step(&p, &g);
  EXPECT_NEAR(p, -0.2, 1e-12);  // first steps: lr * bias-corrected momentum = lr * g
  for (int t = 2; t <= 5; ++t) opt.step(&p, &g);
  EXPECT_NEAR(p, -1.0, 1e-9);   // rho_t <= 5 for t <= 5 with beta2 = 0.999
  const double before = p;
  opt.step(&p, &g);             // t = 6: rectified adaptive step, magnitude < lr
  EXPECT_LT(before - p, 0.1);
  EXPECT_GT(before - p, 0.0);
}

TEST(Optimizer, BothConvergeOnAnIllConditionedQuadratic) {
  for (bool rectified : {false, true}) {
    AdamOptimizer opt(2, {0.02, 0.9, 0.999, 1e-8, rectified});
    double p[2] = {3.0, -2.0};
    for (int t = 0; t < 3000; ++t) {
      const double g[2] = {2.0 * 10.0 * (p[0] - 1.0), 2.0 * 0.1 * (p[1] + 0.5)};
      opt.step(p, g);
    }
    EXPECT_NEAR(p[0], 1.0, 0.05) << rectified;
    EXPECT_NEAR(p[1], -0.5, 0.1) << rectified;
  }
}

}  // namespace
}  // namespace ito

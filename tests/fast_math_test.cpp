#include <gtest/gtest.h>

#include <cmath>

#include "core/fast_math.h"

namespace ito {
namespace {

TEST(FastMath, TanhMatchesStdTanhToFloatPrecision) {
  double worst = 0;
  for (double x = -12.0; x <= 12.0; x += 1e-3) {
    worst = std::max(worst, std::abs(double(fast_tanh(static_cast<float>(x))) - std::tanh(double(static_cast<float>(x)))));
  }
  EXPECT_LT(worst, 2e-6);
  EXPECT_EQ(fast_tanh(0.0f), 0.0f);
  EXPECT_FLOAT_EQ(fast_tanh(1e-4f), 1e-4f);
  EXPECT_EQ(fast_tanh(-0.3f), -fast_tanh(0.3f));
}

}  // namespace
}  // namespace ito

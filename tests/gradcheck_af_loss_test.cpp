// Gradient of the AF loss against central finite differences: along random
// directions (the whole signal moves) and for single samples, per loss term (the
// target equals y's own features except in one feature, so only that term has a
// gradient) and for all terms together, on signals long enough for interior STFT
// frames and on ones shorter than the reflect padding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>

#include "analysis/af_loss.h"
#include "gradcheck_util.h"
#include "test_signals.h"

namespace ito {
namespace {

using testing::kFs;

// L(x + eps d) with the perturbation rounded to float, as the loss sees it.
Stereo perturbed(const Stereo& x, const Stereo& d, double eps) {
  Stereo p = x;
  for (std::size_t i = 0; i < x.frames(); ++i) {
    p.l[i] = static_cast<float>(x.l[i] + eps * d.l[i]);
    p.r[i] = static_cast<float>(x.r[i] + eps * d.r[i]);
  }
  return p;
}

// Music-like signal with a distinct peak in each channel, so the crest factor's
// arg-max cannot switch under the perturbations below.
Stereo test_signal(std::size_t n, std::uint32_t seed) {
  Stereo x = testing::music_like(n, 0.5, seed);
  const Stereo hiss = testing::white_noise(n, 0.02, seed + 100);
  for (std::size_t i = 0; i < n; ++i) {
    x.l[i] += hiss.l[i];
    x.r[i] += hiss.r[i];
  }
  x.l[n / 3] = 0.9f;
  x.r[2 * n / 3] = -0.85f;
  return x;
}

enum class Term { kRms, kCrest, kWidth, kImbalance, kBark, kAll };

// Target features that differ from y's own in the chosen feature only.
AfFeatures target_for(const Stereo& y, Term term) {
  AfFeatures t = compute_af_features(y, kFs);
  switch (term) {
    case Term::kRms:
      t.rms = {t.rms[0] * 1.3, t.rms[1] * 0.8};
      break;
    case Term::kCrest:
      t.crest_db = {t.crest_db[0] + 3.0, t.crest_db[1] - 2.0};
      break;
    case Term::kWidth:
      t.width += 0.2;
      break;
    case Term::kImbalance:
      t.imbalance -= 0.2;
      break;
    case Term::kBark: {
      std::mt19937 rng(5);
      std::uniform_real_distribution<double> u(-0.5, 0.5);
      for (double& v : t.bark_mid) v += u(rng);
      for (double& v : t.bark_side) v += u(rng);
      break;
    }
    case Term::kAll: {
      const Stereo other = testing::music_like(y.frames(), 0.7, 99);
      Stereo mixed = other;
      for (std::size_t i = 0; i < y.frames(); ++i) mixed.l[i] *= 0.5f;
      t = compute_af_features(mixed, kFs);
      break;
    }
  }
  return t;
}

struct Check {
  double analytic, numeric, rel_err;
};

// A random direction shaped like the signal: each channel times a random slowly
// varying gain, plus a random amount of its first difference (a spectral tilt).
// White-noise directions are a poor test here: their derivative nearly cancels
// while the power they add to quiet bins makes the finite differences nonlinear.
Stereo random_direction(const Stereo& x, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Stereo d(x.frames());
  for (int c = 0; c < 2; ++c) {
    const double offset = u(rng), tilt = u(rng);
    double amp[3], freq[3], phase[3];
    for (int j = 0; j < 3; ++j) {
      amp[j] = u(rng);
      freq[j] = 2.0 + 10.0 * std::abs(u(rng));
      phase[j] = 3.14159 * u(rng);
    }
    const float* xs = x.channel(c);
    float* ds = d.channel(c);
    for (std::size_t i = 0; i < x.frames(); ++i) {
      double gain = offset;
      for (int j = 0; j < 3; ++j)
        gain += amp[j] * std::sin(2 * M_PI * freq[j] * i / kFs + phase[j]);
      const double diff = i > 0 ? double(xs[i]) - xs[i - 1] : 0.0;
      ds[i] = static_cast<float>(gain * xs[i] + tilt * diff);
    }
  }
  return d;
}

Check directional(const Stereo& y, const AfFeatures& target, std::uint32_t seed, double eps) {
  Stereo grad;
  af_loss(y, target, kFs, &grad);
  const Stereo d = random_direction(y, seed);
  const double numeric =
      (af_loss(perturbed(y, d, eps), target, kFs) - af_loss(perturbed(y, d, -eps), target, kFs)) /
      (2 * eps);
  const double analytic = testing::dot(grad, d);
  // Relative to |numeric|, unless the projection happens to cancel to below 5% of
  // sum_i |grad_i d_i| (its size without cancellation).
  double no_cancel = 0;
  for (std::size_t i = 0; i < y.frames(); ++i)
    no_cancel += std::abs(double(grad.l[i]) * d.l[i]) + std::abs(double(grad.r[i]) * d.r[i]);
  return {analytic, numeric,
          std::abs(analytic - numeric) / std::max(std::abs(numeric), 0.05 * no_cancel)};
}

void check_directions(std::size_t n, Term term, double tol) {
  const Stereo y = test_signal(n, 7);
  const AfFeatures target = target_for(y, term);
  for (std::uint32_t seed : {11u, 12u, 13u}) {
    const Check c = directional(y, target, seed, 1e-4);
    std::printf("  n=%zu term=%d seed=%u analytic=%.8e numeric=%.8e rel_err=%.2e\n", n,
                static_cast<int>(term), seed, c.analytic, c.numeric, c.rel_err);
    EXPECT_LT(c.rel_err, tol) << "analytic " << c.analytic << " numeric " << c.numeric;
  }
}

// 66150 samples: 9 frames, interior ones included. 12000 samples: shorter than the
// 16384-sample padding, so mirrored positions wrap around more than once.
class AfLossDirectional : public ::testing::TestWithParam<Term> {};

TEST_P(AfLossDirectional, LongSignal) { check_directions(66150, GetParam(), 1e-2); }
TEST_P(AfLossDirectional, ShortSignal) { check_directions(12000, GetParam(), 1e-2); }

INSTANTIATE_TEST_SUITE_P(Terms, AfLossDirectional,
                         ::testing::Values(Term::kRms, Term::kCrest, Term::kWidth, Term::kImbalance,
                                           Term::kBark, Term::kAll));

TEST(AfLossSingleSample, EdgesMiddleAndArgMax) {
  // Short signal (2 frames, padding wraps around) so that each sample carries a
  // gradient well above the float-FFT noise of the loss.
  const std::size_t n = 12000;
  const Stereo y = test_signal(n, 8);
  for (Term term : {Term::kBark, Term::kCrest, Term::kAll}) {
    const AfFeatures target = target_for(y, term);
    Stereo grad;
    af_loss(y, target, kFs, &grad);
    double grad_scale = 0;
    for (std::size_t i = 0; i < n; ++i)
      grad_scale = std::max(grad_scale, double(std::abs(grad.l[i])));
    // Edges (sample 0 is not mirrored, its neighbours are), the middle, the arg-max.
    for (std::size_t i :
         {std::size_t{0}, std::size_t{1}, std::size_t{17}, n / 3, n / 2, n - 2, n - 1}) {
      const double h = 1e-3;
      Stereo plus = y, minus = y;
      plus.l[i] += static_cast<float>(h);
      minus.l[i] -= static_cast<float>(h);
      const double numeric = (af_loss(plus, target, kFs) - af_loss(minus, target, kFs)) /
                             (double(plus.l[i]) - minus.l[i]);
      std::printf("  term=%d i=%zu analytic=%.6e numeric=%.6e\n", static_cast<int>(term), i,
                  grad.l[i], numeric);
      // Relative to the sample's own gradient, floored at 1% of the largest one.
      EXPECT_NEAR(grad.l[i], numeric, 2e-2 * std::max(std::abs(numeric), 0.01 * grad_scale))
          << "sample " << i;
    }
  }
}

}  // namespace
}  // namespace ito

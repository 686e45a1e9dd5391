// Multi-scale spectral loss: value checks (zero for identical signals, an exact
// identity for gain-scaled signals, a double-precision reference) and its gradient
// against central finite differences of that reference along random directions
// and for single samples at the edges.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <utility>
#include <vector>

#include "analysis/mss_loss.h"
#include "gradcheck_util.h"
#include "test_signals.h"

namespace ito {
namespace {

Stereo scaled(const Stereo& x, float g) {
  Stereo y = x;
  for (auto* ch : {&y.l, &y.r})
    for (auto& v : *ch) v *= g;
  return y;
}

TEST(MssLoss, ZeroWithZeroGradientForIdenticalSignals) {
  const Stereo x = testing::music_like(20000, 0.8, 1);
  Stereo grad;
  EXPECT_EQ(mss_loss(x, x, &grad), 0.0);
  ASSERT_EQ(grad.frames(), x.frames());
  for (std::size_t i = 0; i < x.frames(); ++i) ASSERT_EQ(grad.l[i], 0.0f);
}

TEST(MssLoss, GainIdentity) {
  // With Y = g T in every bin, each element contributes 0.9 |g-1| |T| + 0.1 log10(g)^2
  // (up to the 1e-7 guard). Summing the weights (1/4 per scale, 0.5 per view, 4
  // views, 4 scales) gives mss(gx, x) = A |g-1| + 0.2 log10(g)^2 with A independent
  // of g, hence 2 mss(x/2, x) - mss(2x, x) = 0.2 log10(2)^2 exactly.
  const Stereo x = testing::white_noise(30000, 0.5, 2);
  const double half = mss_loss(scaled(x, 0.5f), x);
  const double twice = mss_loss(scaled(x, 2.0f), x);
  const double expected = 0.2 * std::pow(std::log10(2.0), 2);
  EXPECT_NEAR(2 * half - twice, expected, 1e-4 * expected);
  EXPECT_GT(half, expected);  // the magnitude term is there too
}

// --- Double-precision reference of the definition in mss_loss.h -----------------
// Written separately from the engine (own radix-2 FFT, own padding), so finite
// differences of it are free of float noise and of the engine's code.

using Signal = std::vector<double>;

void fft_radix2(std::vector<std::complex<double>>& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::complex<double> w = std::polar(1.0, -2 * M_PI / len);
    for (std::size_t i = 0; i < n; i += len) {
      std::complex<double> wk = 1;
      for (std::size_t k = 0; k < len / 2; ++k, wk *= w) {
        const auto u = a[i + k], v = a[i + k + len / 2] * wk;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
      }
    }
  }
}

// torch.stft(center=True, pad_mode="reflect") magnitudes, frames x (n/2+1).
std::vector<Signal> ref_stft_mag(const Signal& x, int n) {
  const int hop = n / 4, half = n / 2;
  const long len = static_cast<long>(x.size());
  Signal padded(len + n);
  for (long p = 0; p < len + n; ++p) {
    long i = p - half;
    while (i < 0 || i >= len) i = i < 0 ? -i : 2 * (len - 1) - i;  // mirror until inside
    padded[p] = x[i];
  }
  std::vector<Signal> mags;
  for (long start = 0; start + n <= len + n && static_cast<long>(mags.size()) < 1 + len / hop;
       start += hop) {
    std::vector<std::complex<double>> buf(n);
    for (int j = 0; j < n; ++j)
      buf[j] = padded[start + j] * (0.5 - 0.5 * std::cos(2 * M_PI * j / n));
    fft_radix2(buf);
    Signal m(half + 1);
    for (int k = 0; k <= half; ++k) m[k] = std::abs(buf[k]);
    mags.push_back(m);
  }
  return mags;
}

double ref_mss(const Signal& yl, const Signal& yr, const Signal& tl, const Signal& tr) {
  const std::size_t len = yl.size();
  Signal ym(len), ys(len), tm(len), ts(len);
  for (std::size_t i = 0; i < len; ++i) {
    ym[i] = yl[i] + yr[i];
    ys[i] = yl[i] - yr[i];
    tm[i] = tl[i] + tr[i];
    ts[i] = tl[i] - tr[i];
  }
  const std::pair<const Signal*, const Signal*> views[] = {
      {&ym, &tm}, {&ys, &ts}, {&yl, &tl}, {&yr, &tr}};
  double total = 0;
  for (int n : {4096, 2048, 1024, 512}) {
    for (const auto& [yv, tv] : views) {
      const auto my = ref_stft_mag(*yv, n), mt = ref_stft_mag(*tv, n);
      double l1 = 0, l2 = 0, count = 0;
      for (std::size_t t = 0; t < my.size(); ++t)
        for (std::size_t k = 0; k < my[t].size(); ++k) {
          l1 += std::abs(my[t][k] - mt[t][k]);
          const double dl = std::log10(my[t][k] + 1e-7) - std::log10(mt[t][k] + 1e-7);
          l2 += dl * dl;
          ++count;
        }
      total += 0.25 * 0.5 * (0.9 * l1 / count + 0.1 * l2 / count);
    }
  }
  return total;
}

Signal to_double(const std::vector<float>& v) { return Signal(v.begin(), v.end()); }

// Reference loss at y + eps * d (in double, no float rounding).
double ref_at(const Stereo& y, const Stereo& d, double eps, const Stereo& target) {
  Signal l = to_double(y.l), r = to_double(y.r);
  for (std::size_t i = 0; i < l.size(); ++i) {
    l[i] += eps * d.l[i];
    r[i] += eps * d.r[i];
  }
  return ref_mss(l, r, to_double(target.l), to_double(target.r));
}

// Music with hiss against another piece: the magnitudes differ clearly almost
// everywhere, so few bins sit at the L1 kink |Y| = |T|.
struct Pair {
  Stereo y, target;
};
Pair test_pair(std::size_t n) {
  Pair p;
  p.y = testing::music_like(n, 0.6, 3);
  const Stereo hiss = testing::white_noise(n, 0.05, 4);
  for (std::size_t i = 0; i < n; ++i) {
    p.y.l[i] += hiss.l[i];
    p.y.r[i] += hiss.r[i];
  }
  p.target = testing::music_like(n, 0.4, 5);
  const Stereo hiss2 = testing::white_noise(n, 0.1, 6);
  for (std::size_t i = 0; i < n; ++i) {
    p.target.l[i] += hiss2.l[i];
    p.target.r[i] = 0.7f * p.target.r[i] + hiss2.r[i];
  }
  return p;
}

TEST(MssLoss, MatchesDoublePrecisionReference) {
  const Pair p = test_pair(9001);
  const double ref =
      ref_mss(to_double(p.y.l), to_double(p.y.r), to_double(p.target.l), to_double(p.target.r));
  const double ours = mss_loss(p.y, p.target);
  std::printf("  mss %.10e reference %.10e\n", ours, ref);
  EXPECT_NEAR(ours, ref, 1e-5 * ref);
}

// Directional derivatives along white-noise directions, against central differences
// of the double reference (eps 1e-8: frame 0 is mirror-symmetric around sample 0, so
// its spectrum is real and has near-zero bins where |X| is very curved; larger eps
// leaves the linear regime there). With quiet_start > 0 the direction is zero on
// the first quiet_start samples.
void check_directions(const Stereo& y, const Stereo& target, std::size_t quiet_start, double tol) {
  Stereo grad;
  mss_loss(y, target, &grad);
  const double eps = 1e-8;
  for (std::uint32_t seed : {21u, 22u, 23u}) {
    Stereo d = testing::white_noise(y.frames(), 1.0, seed);
    for (std::size_t i = 0; i < quiet_start; ++i) d.l[i] = d.r[i] = 0.0f;
    const double numeric = (ref_at(y, d, eps, target) - ref_at(y, d, -eps, target)) / (2 * eps);
    const double analytic = testing::dot(grad, d);
    const double rel = std::abs(analytic - numeric) / std::abs(numeric);
    std::printf("  n=%zu quiet_start=%zu seed=%u analytic=%.8e numeric=%.8e rel_err=%.2e\n",
                y.frames(), quiet_start, seed, analytic, numeric, rel);
    EXPECT_LT(rel, tol);
  }
}

// Away from frame 0 (the first 2048 samples feed it at the largest scale) the float
// gradient agrees to ~1e-4.
TEST(MssLossGradient, RandomDirectionsAfterFrameZero) {
  const Pair p = test_pair(9001);
  check_directions(p.y, p.target, 2048, 1e-3);
}

// Over the whole signal the near-zero bins of frame 0, whose float-FFT phase and
// magnitude are imprecise but weigh 1/|X| in the log term, limit the agreement
// to a few 1e-3.
TEST(MssLossGradient, RandomDirectionsWholeSignal) {
  const Pair p = test_pair(9001);
  check_directions(p.y, p.target, 0, 2e-2);
}

TEST(MssLossGradient, RandomDirectionsWithoutL1Kinks) {
  // y = 2 * target: |Y| > |T| in every bin, so the L1 part is smooth around y.
  const Stereo target = testing::white_noise(5000, 0.3, 7);
  check_directions(scaled(target, 2.0f), target, 2048, 1e-3);
  check_directions(scaled(target, 2.0f), target, 0, 2e-2);
}

TEST(MssLossGradient, SingleSamples) {
  // Edges (frame 0 is centered on sample 0 and mirrored around it), middle, end.
  const Pair p = test_pair(6000);
  Stereo grad;
  mss_loss(p.y, p.target, &grad);
  double grad_scale = 0;
  for (std::size_t i = 0; i < p.y.frames(); ++i)
    grad_scale = std::max(grad_scale, double(std::abs(grad.r[i])));
  const std::size_t n = p.y.frames();
  for (std::size_t i : {std::size_t{0}, std::size_t{1}, std::size_t{100}, n / 2, n - 2, n - 1}) {
    Stereo e(n);
    e.r[i] = 1.0f;
    const double h = 1e-8;
    const double numeric = (ref_at(p.y, e, h, p.target) - ref_at(p.y, e, -h, p.target)) / (2 * h);
    std::printf("  i=%zu analytic=%.6e numeric=%.6e\n", i, grad.r[i], numeric);
    EXPECT_NEAR(grad.r[i], numeric, 1e-2 * std::max(std::abs(numeric), 0.01 * grad_scale)) << i;
  }
}

}  // namespace
}  // namespace ito

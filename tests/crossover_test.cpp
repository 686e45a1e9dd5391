// LR4 crossover: exact band sum, magnitude responses against the analytic
// Linkwitz-Riley formulas, the allpass sum, and the backward pass.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "dsp/crossover.h"
#include "gradcheck_util.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr double kFs = testing::kFs;
constexpr double kPi = 3.14159265358979323846;

struct Bands {
  std::vector<float> low_a, low, high_a, high, mid;
  explicit Bands(std::size_t n) : low_a(n), low(n), high_a(n), high(n), mid(n) {}
};

Bands split(const Crossover& xo, const std::vector<float>& x) {
  Bands b(x.size());
  xo.split(x.data(), b.low_a.data(), b.low.data(), b.high_a.data(), b.high.data(), b.mid.data(),
           x.size());
  return b;
}

// DTFT of a (decayed) impulse response at f, in double.
std::complex<double> response_at(const std::vector<float>& h, double f) {
  std::complex<double> sum = 0.0;
  const double w = 2.0 * kPi * f / kFs;
  for (std::size_t n = 0; n < h.size(); ++n) sum += double(h[n]) * std::polar(1.0, -w * double(n));
  return sum;
}

// Bilinear-transformed Butterworth squared: |LP4|, |HP4| of a Linkwitz-Riley pair.
double lr4_lowpass_magnitude(double f, double fc) {
  const double r = std::tan(kPi * f / kFs) / std::tan(kPi * fc / kFs);
  return 1.0 / (1.0 + std::pow(r, 4));
}
double lr4_highpass_magnitude(double f, double fc) {
  const double r = std::tan(kPi * f / kFs) / std::tan(kPi * fc / kFs);
  return std::pow(r, 4) / (1.0 + std::pow(r, 4));
}

std::vector<float> impulse(std::size_t n) {
  std::vector<float> x(n, 0.0f);
  x[0] = 1.0f;
  return x;
}

TEST(Crossover, BandsSumToInput) {
  Crossover xo;
  xo.design(120.0, 5000.0, kFs);
  const Stereo x = testing::music_like(44100, 0.9, 1);
  const Bands b = split(xo, x.l);
  double worst = 0.0;
  for (std::size_t i = 0; i < x.frames(); ++i)
    worst = std::max(worst, std::abs(double(b.low[i]) + b.mid[i] + b.high[i] - x.l[i]));
  EXPECT_LT(worst, 1e-6);  // float rounding of mid = x - low - high only
}

TEST(Crossover, MagnitudesMatchLinkwitzRiley) {
  const double f_low = 150.0, f_high = 6000.0;
  Crossover xo;
  xo.design(f_low, f_high, kFs);
  const Bands b = split(xo, impulse(1 << 15));
  for (double f : {20.0, 60.0, 150.0, 400.0, 1000.0, 3000.0, 6000.0, 9000.0, 15000.0}) {
    const double low = std::abs(response_at(b.low, f));
    const double high = std::abs(response_at(b.high, f));
    EXPECT_NEAR(low, lr4_lowpass_magnitude(f, f_low), 1e-6) << f;
    EXPECT_NEAR(high, lr4_highpass_magnitude(f, f_high), 1e-6) << f;
  }
  // -6.02 dB (half amplitude) at each crossover frequency.
  EXPECT_NEAR(20 * std::log10(std::abs(response_at(b.low, f_low))), -6.0206, 1e-4);
  EXPECT_NEAR(20 * std::log10(std::abs(response_at(b.high, f_high))), -6.0206, 1e-4);
}

TEST(Crossover, LowPlusHighIsAllpassAtTheSameFrequency) {
  for (double fc : {200.0, 2500.0}) {
    Crossover xo;
    xo.design(fc, fc, kFs);
    const Bands b = split(xo, impulse(1 << 15));
    std::vector<float> sum(b.low.size());
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] = b.low[i] + b.high[i];
    for (double f : {30.0, 100.0, 200.0, 500.0, 1000.0, 2500.0, 5000.0, 12000.0, 20000.0}) {
      EXPECT_NEAR(std::abs(response_at(sum, f)), 1.0, 1e-6) << "fc " << fc << " f " << f;
      // Each band alone is far from flat there, so the test is not vacuous.
      EXPECT_NEAR(std::abs(response_at(b.low, f)), lr4_lowpass_magnitude(f, fc), 1e-6);
    }
  }
}

// Backward pass against central differences of L = <w_low, low> + <w_mid, mid> + <w_high, high>.
TEST(Crossover, BackwardMatchesFiniteDifferences) {
  const std::size_t n = 8192;
  const std::vector<float> x = testing::music_like(n, 0.8, 5).l;
  const std::vector<float> wl = testing::white_noise(n, 1.0, 6).l;
  const std::vector<float> wm = testing::white_noise(n, 1.0, 7).l;
  const std::vector<float> wh = testing::white_noise(n, 1.0, 8).l;
  const double f_low = 180.0, f_high = 4000.0;
  auto loss = [&](const std::vector<float>& xi, double fl, double fh) {
    Crossover xo;
    xo.design(fl, fh, kFs);
    const Bands b = split(xo, xi);
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      s += double(wl[i]) * b.low[i] + double(wm[i]) * b.mid[i] + double(wh[i]) * b.high[i];
    return s;
  };

  Crossover xo;
  xo.design(f_low, f_high, kFs);
  const Bands b = split(xo, x);
  std::vector<float> gl = wl, gh = wh, gx(n);
  double d_low = 0.0, d_high = 0.0;
  xo.backward(x.data(), b.low_a.data(), b.low.data(), b.high_a.data(), b.high.data(), gl.data(),
              wm.data(), gh.data(), gx.data(), n, &d_low, &d_high);

  const double fd_low = (loss(x, f_low + 0.05, f_high) - loss(x, f_low - 0.05, f_high)) / 0.1;
  const double fd_high = (loss(x, f_low, f_high + 1.0) - loss(x, f_low, f_high - 1.0)) / 2.0;
  EXPECT_LT(testing::rel_err(d_low, fd_low, 1e-9), 1e-3) << d_low << " vs " << fd_low;
  EXPECT_LT(testing::rel_err(d_high, fd_high, 1e-9), 1e-3) << d_high << " vs " << fd_high;

  // Input: along a random direction.
  const std::vector<float> dir = testing::white_noise(n, 1.0, 9).l;
  std::vector<float> xp = x, xm = x;
  const double eps = 1e-3;
  for (std::size_t i = 0; i < n; ++i) {
    xp[i] += static_cast<float>(eps * dir[i]);
    xm[i] -= static_cast<float>(eps * dir[i]);
  }
  const double fd_x = (loss(xp, f_low, f_high) - loss(xm, f_low, f_high)) / (2 * eps);
  double analytic = 0.0;
  for (std::size_t i = 0; i < n; ++i) analytic += double(gx[i]) * dir[i];
  EXPECT_LT(testing::rel_err(analytic, fd_x, 1e-9), 1e-3) << analytic << " vs " << fd_x;
}

}  // namespace
}  // namespace ito

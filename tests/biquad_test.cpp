// Biquad designs against analytic responses, and the filter against its own design.
#include <gtest/gtest.h>

#include <cmath>

#include "dsp/biquad.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr double kFs = 44100.0;
double db(double x) { return 20.0 * std::log10(x); }

TEST(Biquad, PeakingHitsGainAtCentreAndUnityAtExtremes) {
  for (double gain : {-12.0, -3.0, 6.0, 15.0}) {
    const auto c = design_biquad<double>(BiquadType::Peaking, gain, 1000.0, 0.7, kFs);
    EXPECT_NEAR(db(biquad_magnitude(c, 1000.0, kFs)), gain, 1e-9);
    EXPECT_NEAR(db(biquad_magnitude(c, 0.0, kFs)), 0.0, 1e-9);
    EXPECT_NEAR(db(biquad_magnitude(c, kFs / 2, kFs)), 0.0, 1e-9);
  }
}

TEST(Biquad, ShelvesReachFullGainOnTheirSideAndHalfAtCutoff) {
  for (double gain : {-10.0, 8.0}) {
    const auto lo = design_biquad<double>(BiquadType::LowShelf, gain, 300.0, 0.707, kFs);
    EXPECT_NEAR(db(biquad_magnitude(lo, 0.0, kFs)), gain, 1e-9);
    EXPECT_NEAR(db(biquad_magnitude(lo, kFs / 2, kFs)), 0.0, 1e-9);
    EXPECT_NEAR(db(biquad_magnitude(lo, 300.0, kFs)), gain / 2, 1e-9);
    const auto hi = design_biquad<double>(BiquadType::HighShelf, gain, 6000.0, 0.707, kFs);
    EXPECT_NEAR(db(biquad_magnitude(hi, kFs / 2, kFs)), gain, 1e-9);
    EXPECT_NEAR(db(biquad_magnitude(hi, 0.0, kFs)), 0.0, 1e-9);
    EXPECT_NEAR(db(biquad_magnitude(hi, 6000.0, kFs)), gain / 2, 1e-9);
  }
}

TEST(Biquad, ButterworthMatchesBilinearAnalyticMagnitude) {
  // |H|^2 = 1 / (1 + (tan(pi f/fs) / tan(pi fc/fs))^(+-4)) for the bilinear Butterworth.
  const double fc = 2500.0, q = 1.0 / std::sqrt(2.0);
  const auto lp = design_biquad<double>(BiquadType::LowPass, 0.0, fc, q, kFs);
  const auto hp = design_biquad<double>(BiquadType::HighPass, 0.0, fc, q, kFs);
  for (double f : {50.0, 700.0, 2500.0, 6000.0, 15000.0}) {
    const double ratio = std::tan(M_PI * f / kFs) / std::tan(M_PI * fc / kFs);
    EXPECT_NEAR(biquad_magnitude(lp, f, kFs), 1.0 / std::sqrt(1.0 + std::pow(ratio, 4)), 1e-9) << f;
    EXPECT_NEAR(biquad_magnitude(hp, f, kFs), 1.0 / std::sqrt(1.0 + std::pow(ratio, -4)), 1e-9) << f;
  }
}

TEST(Biquad, FilteringASineGivesTheDesignedSteadyStateGain) {
  const auto c = design_biquad<double>(BiquadType::Peaking, 9.0, 2000.0, 2.0, kFs);
  for (double f : {200.0, 1500.0, 2000.0, 5000.0}) {
    Stereo x = testing::sine(44100, f, 0.1);
    biquad_forward(c, x.l.data(), x.l.data(), x.frames());
    double peak = 0.0;
    for (std::size_t i = 22050; i < x.frames(); ++i) peak = std::max(peak, double(std::abs(x.l[i])));
    EXPECT_NEAR(peak / 0.1, biquad_magnitude(c, f, kFs), 2e-3) << f;
  }
}

// A master is rendered at the mix's own rate (docs/SPEC_DEVIATIONS.md, "Sample rate"): the
// EQ's lower bands (low shelf, band 1: up to 2 kHz) at typical settings sound the same at 44.1
// and 96 kHz within 0.1 dB up to 18 kHz; a band at 10 kHz does not (a 44.1 kHz biquad is
// cramped toward Nyquist), which is why ITO runs at the master's rate.
TEST(Biquad, LowBandsSoundTheSameAt44k1And96k) {
  auto worst_db = [](BiquadType type, double gain_db, double f0, double q) {
    const BiquadCoeffs a = design_biquad(type, gain_db, f0, q, 44100.0), b = design_biquad(type, gain_db, f0, q, 96000.0);
    double worst = 0;
    for (double f = 20; f <= 18000; f *= 1.02)
      worst = std::max(worst, std::abs(20 * std::log10(biquad_magnitude(a, f, 44100.0) / biquad_magnitude(b, f, 96000.0))));
    return worst;
  };
  for (double gain : {-6.0, -3.0, 3.0, 6.0})
    for (double q : {0.5, 0.71, 1.0, 2.0}) {
      EXPECT_LT(worst_db(BiquadType::LowShelf, gain, 120.0, q), 0.1) << gain << " dB, Q " << q;
      EXPECT_LT(worst_db(BiquadType::Peaking, gain, 400.0, q), 0.1) << gain << " dB, Q " << q;
    }
  EXPECT_GT(worst_db(BiquadType::Peaking, 6.0, 10000.0, 0.71), 1.0);
}

TEST(Biquad, FrequenciesAboveTheLimitAreClamped) {
  const auto a = design_biquad<double>(BiquadType::Peaking, 6.0, 21000.0, 1.0, kFs);
  const auto b = design_biquad<double>(BiquadType::Peaking, 6.0, 0.45 * kFs, 1.0, kFs);
  EXPECT_DOUBLE_EQ(a.b0, b.b0);
  const auto d = design_biquad_with_jacobian(BiquadType::Peaking, 6.0, 21000.0, 1.0, kFs);
  for (int k = 0; k < 5; ++k) EXPECT_EQ(d.jacobian[k][1], 0.0);
}

}  // namespace
}  // namespace ito

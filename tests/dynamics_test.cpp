// Compressor/expander and limiter behaviour against analytic references: the
// static curve, settled levels of steady signals, and attack/release timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "dsp/ballistics.h"
#include "dsp/gain_computer.h"
#include "dsp/limiter.h"
#include "dsp/multiband.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr double kFs = testing::kFs;
constexpr double kPi = 3.14159265358979323846;

// The spec's curve, written independently of gain_computer.cpp: gain in dB for a
// side-chain sum s, with the smooth level floor.
double reference_gain_db(double s, double ct, double cr, double et, double er) {
  const double x = 20.0 * std::log10(std::sqrt(s * s + 1e-10));
  return std::min({0.0, (1.0 - 1.0 / cr) * (ct - x), (1.0 - 1.0 / std::max(er, 0.05)) * (et - x)});
}

double normalized(int chain_index, double value) {
  return normalize(param_table()[chain_index], value);
}

struct BandSettings {
  double ct = 0.0, cr = 1.0, et = -60.0, er = 1.0, attack_ms = 10.0, release_ms = 50.0;
};

// Normalized multiband parameters from physical values.
std::vector<double> multiband_params(double f_low, double f_high, double mix,
                                     const BandSettings (&bands)[3]) {
  const int first = processor_params(Processor::Multiband).first;
  std::vector<double> p(Multiband::kNumParams);
  p[0] = normalized(first + 0, f_low);
  p[1] = normalized(first + 1, f_high);
  p[2] = normalized(first + 2, mix);
  for (int b = 0; b < 3; ++b) {
    const int k = 3 + 6 * b;
    const double values[6] = {bands[b].ct, bands[b].cr, bands[b].et,
                              bands[b].er, bands[b].attack_ms, bands[b].release_ms};
    for (int j = 0; j < 6; ++j) p[k + j] = normalized(first + k + j, values[j]);
  }
  return p;
}

Stereo constant(std::size_t n, float value) {
  Stereo x(n);
  std::fill(x.l.begin(), x.l.end(), value);
  std::fill(x.r.begin(), x.r.end(), value);
  return x;
}

TEST(GainComputer, MatchesTheStaticCurve) {
  const double settings[][4] = {{-20, 4, -50, 0.5}, {-35, 10, -45, 0.2}, {-10, 1.5, -30, 0.9},
                                {-30, 2, -20, 0.3} /* expander threshold above compressor's */};
  for (const auto& s : settings) {
    const GainCurve c = make_gain_curve(s[0], s[1], s[2], s[3]);
    std::vector<float> left, right;
    float sign = 1.0f;  // alternate the side chain's sign
    for (double db = -110; db <= 6; db += 0.5, sign = -sign) {
      const float half = static_cast<float>(0.5 * std::pow(10.0, db / 20.0));
      left.push_back(sign * half);
      right.push_back(sign * half);
    }
    const std::size_t n = left.size();
    std::vector<float> level(n), gain(n), regained(n);
    gain_computer_forward(c, left.data(), right.data(), level.data(), gain.data(), n);
    gain_from_level(c, level.data(), regained.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      const double sum = double(left[i]) + double(right[i]);
      const double expected = reference_gain_db(sum, s[0], s[1], s[2], s[3]);
      if (expected < -700) continue;  // below float range; clamped
      EXPECT_NEAR(20.0 * std::log10(gain[i]), expected, 2e-3) << "sum " << sum;
      EXPECT_NEAR(static_gain_db(c, 20.0 * std::log10(std::sqrt(sum * sum + 1e-10))), expected, 1e-9);
      EXPECT_EQ(gain[i], regained[i]);  // the backward pass recomputes it bit-identically
    }
  }
}

TEST(GainComputer, ExpanderRatioIsClamped) {
  const GainCurve zero = make_gain_curve(0, 1, -20, 0.0);
  const GainCurve floor = make_gain_curve(0, 1, -20, kMinExpanderRatio);
  EXPECT_EQ(zero.exp_slope, floor.exp_slope);
  EXPECT_NEAR(floor.exp_slope, 1.0 - 1.0 / 0.05, 1e-6);
}

// Ballistics: 10-90 % of a gain step takes the time constant (torchcomp's convention:
// ln 9 / 2.2 = 0.9987 of t_ms), with the attack coefficient for falling gain and
// the release coefficient for rising gain.
double rise_time_ms(const std::vector<float>& y, std::size_t start, double from, double to) {
  auto crossing = [&](double fraction) {
    const double target = from + fraction * (to - from);
    for (std::size_t i = start; i < y.size(); ++i)
      if ((to < from && y[i] <= target) || (to > from && y[i] >= target)) return double(i);
    return -1.0;
  };
  return (crossing(0.9) - crossing(0.1)) * 1000.0 / kFs;
}

TEST(Ballistics, StepResponseTakesTheTimeConstant) {
  for (double attack_ms : {5.0, 20.0, 100.0}) {
    for (double release_ms : {7.0, 60.0}) {
      const Ballistics b{ballistics_alpha(attack_ms, kFs), ballistics_alpha(release_ms, kFs)};
      const std::size_t n = 3 * 44100, down = 1000, up = 44100 + 1000;
      std::vector<float> g(n, 1.0f), y(n);
      std::vector<std::uint8_t> attack(n);
      std::fill(g.begin() + down, g.begin() + up, 0.25f);
      ballistics_forward(b, g.data(), y.data(), attack.data(), n);
      const double one_sample_ms = 1000.0 / kFs;
      EXPECT_NEAR(rise_time_ms({y.begin(), y.begin() + up}, down, 1.0, 0.25), 0.99874 * attack_ms,
                  one_sample_ms);
      EXPECT_NEAR(rise_time_ms(y, up, 0.25, 1.0), 0.99874 * release_ms, one_sample_ms);
      EXPECT_EQ(attack[down], 1);
      EXPECT_EQ(attack[up], 0);
    }
  }
}

TEST(Ballistics, ThreeSideBySideEqualOneByOne) {
  // Attack faster, slower, and equal to release; a rough gain signal.
  const Ballistics b[3] = {{ballistics_alpha(5, kFs), ballistics_alpha(80, kFs)},
                           {ballistics_alpha(60, kFs), ballistics_alpha(8, kFs)},
                           {ballistics_alpha(20, kFs), ballistics_alpha(20, kFs)}};
  const std::size_t n = 20000;
  const Stereo noise = testing::white_noise(n, 0.5, 9);
  std::vector<float> g(n);
  for (std::size_t i = 0; i < n; ++i) g[i] = 0.5f + noise.l[i];
  std::vector<float> together[3], alone[3];
  std::vector<std::uint8_t> flags_together[3], flags_alone[3];
  for (int k = 0; k < 3; ++k) {
    together[k].resize(n), alone[k].resize(n), flags_together[k].resize(n), flags_alone[k].resize(n);
    ballistics_forward(b[k], g.data(), alone[k].data(), flags_alone[k].data(), n);
  }
  const float* gains[3] = {g.data(), g.data(), g.data()};
  float* smoothed[3] = {together[0].data(), together[1].data(), together[2].data()};
  std::uint8_t* flags[3] = {flags_together[0].data(), flags_together[1].data(), flags_together[2].data()};
  double state[3] = {1.0, 1.0, 1.0};
  ballistics_forward3(b, gains, smoothed, flags, n / 2, state);  // in two blocks
  for (auto& p : gains) p += n / 2;
  for (auto& p : smoothed) p += n / 2;
  for (auto& p : flags) p += n / 2;
  ballistics_forward3(b, gains, smoothed, flags, n - n / 2, state);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(together[k], alone[k]) << k;
    EXPECT_EQ(flags_together[k], flags_alone[k]) << k;
    EXPECT_EQ(static_cast<float>(state[k]), alone[k].back()) << k;
  }
}

TEST(Ballistics, AlphaDerivativeMatchesFiniteDifference) {
  for (double t : {5.0, 30.0, 100.0}) {
    const double fd = (ballistics_alpha(t + 1e-4, kFs) - ballistics_alpha(t - 1e-4, kFs)) / 2e-4;
    EXPECT_NEAR(ballistics_alpha_derivative(t, kFs) / fd, 1.0, 1e-6);
  }
}

// A DC level lies entirely in the low band (LR4 low-pass DC gain 1, high-pass 0,
// mid = x - low - high -> 0), whose side chain is then the constant 2a: the output
// settles exactly at (w g + 1 - w) a with g from the static curve.
TEST(Multiband, SteadyLevelSettlesOnTheStaticCurve) {
  BandSettings bands[3];
  bands[0] = {-24.0, 4.0, -40.0, 0.4, 5.0, 20.0};
  const double mix = 0.6;
  Multiband mb;
  mb.set_params(multiband_params(100.0, 5000.0, mix, bands).data(), kFs);
  // Compressed (above -24 dB), untouched (between), expanded (below -40 dB).
  for (double level_db : {-3.0, -12.0, -20.0, -30.0, -45.0, -55.0}) {
    const double a = 0.5 * std::pow(10.0, level_db / 20.0);  // side chain 2a at level_db
    Stereo y;
    mb.process(constant(3 * 44100, static_cast<float>(a)), y, nullptr);
    const double g = std::pow(10.0, reference_gain_db(2 * a, -24.0, 4.0, -40.0, 0.4) / 20.0);
    const double expected = (mix * g + 1.0 - mix) * a;
    EXPECT_NEAR(y.l.back() / expected, 1.0, 1e-5) << level_db << " dB";
    EXPECT_NEAR(y.r.back() / expected, 1.0, 1e-5) << level_db << " dB";
  }
}

// A steady sine in the mid band with equal attack and release: the ballistics is
// then a linear one-pole low-pass of the static gain, so the smoothed gain
// settles at the static gain's mean over a period (computed here by summing the
// reference curve over one period), and the output level follows.
TEST(Multiband, SteadySineSettlesAtTheMeanStaticGain) {
  const double f = 1102.5;  // exactly 40 samples per period
  const int period = 40;
  struct Case { double amp; BandSettings mid; };
  const Case cases[] = {{0.3, {-20.0, 4.0, -60.0, 1.0, 100.0, 100.0}},   // compressor only
                        {0.05, {-30.0, 3.0, -30.0, 0.5, 80.0, 80.0}},     // both
                        {0.01, {0.0, 1.0, -40.0, 0.25, 100.0, 100.0}}};   // expander only
  for (const Case& cs : cases) {
    BandSettings bands[3];
    bands[1] = cs.mid;
    const double mix = 0.7;
    Multiband mb;
    mb.set_params(multiband_params(60.0, 10000.0, mix, bands).data(), kFs);
    const std::size_t n = 3 * 44100;
    const Stereo x = testing::sine(n, f, cs.amp);
    Stereo y;
    Multiband::Tape tape;
    mb.process(x, y, &tape);

    double mean_gain = 0.0;
    for (int k = 0; k < period; ++k) {
      const double s = 2.0 * cs.amp * std::sin(2.0 * kPi * f * k / kFs);
      mean_gain += std::pow(10.0, reference_gain_db(s, cs.mid.ct, cs.mid.cr, cs.mid.et, cs.mid.er) / 20.0);
    }
    mean_gain /= period;

    // Average over the last 0.5 s (a whole number of periods).
    const std::size_t begin = n - 22040;
    double smoothed = 0.0, in_power = 0.0, out_power = 0.0;
    for (std::size_t i = begin; i < n; ++i) {
      smoothed += tape.bands[1].smoothed[i];
      in_power += double(x.l[i]) * x.l[i];
      out_power += double(y.l[i]) * y.l[i];
    }
    smoothed /= double(n - begin);
    EXPECT_NEAR(smoothed / mean_gain, 1.0, 5e-4) << "amp " << cs.amp;
    const double expected_db = 20.0 * std::log10(mix * mean_gain + 1.0 - mix);
    EXPECT_NEAR(10.0 * std::log10(out_power / in_power), expected_db, 0.01) << "amp " << cs.amp;
    EXPECT_LT(expected_db, -0.5);  // the case really changes the level
  }
}

TEST(Multiband, NeutralSettingsAreTransparent) {
  // Ratios 1:1 everywhere: every gain is exactly 1 and the bands sum back to x.
  BandSettings bands[3];
  for (auto& b : bands) b = {0.0, 1.0, -60.0, 1.0, 10.0, 10.0};
  Multiband mb;
  mb.set_params(multiband_params(150.0, 6000.0, 0.7, bands).data(), kFs);
  const Stereo x = testing::music_like(44100, 0.9, 3);
  Stereo y;
  mb.process(x, y, nullptr);
  double worst = 0.0;
  for (std::size_t i = 0; i < x.frames(); ++i)
    worst = std::max({worst, std::abs(double(y.l[i]) - x.l[i]), std::abs(double(y.r[i]) - x.r[i])});
  EXPECT_LT(worst, 2e-6);
}

TEST(Multiband, SameOutputWithAndWithoutTape) {
  // The per-band pipeline runs in blocks and writes to different buffers with a
  // tape; the result must not depend on it (nor on the signal length's remainder).
  BandSettings bands[3];
  bands[0] = {-30.0, 4.0, -50.0, 0.5, 5.0, 40.0};
  bands[1] = {-25.0, 3.0, -45.0, 0.3, 20.0, 20.0};
  bands[2] = {-20.0, 8.0, -40.0, 0.7, 60.0, 10.0};
  Multiband mb;
  mb.set_params(multiband_params(150.0, 6000.0, 0.6, bands).data(), kFs);
  const Stereo x = testing::music_like(10001, 0.9, 5);
  Stereo plain, taped;
  Multiband::Tape tape;
  mb.process(x, plain, nullptr);
  mb.process(x, taped, &tape);
  EXPECT_EQ(plain.l, taped.l);
  EXPECT_EQ(plain.r, taped.r);
}

std::vector<double> limiter_params(double threshold_db, double attack_ms, double release_ms) {
  const int first = processor_params(Processor::Limiter).first;
  return {normalized(first, threshold_db), normalized(first + 1, attack_ms),
          normalized(first + 2, release_ms)};
}

TEST(Limiter, SettledSideChainSitsAtThreshold) {
  const double threshold_db = -12.0, threshold = std::pow(10.0, threshold_db / 20.0);
  Limiter lim;
  lim.set_params(limiter_params(threshold_db, 10.0, 80.0).data(), kFs);
  for (double a : {0.15, 0.3, 0.9}) {  // side chain 2a: above the threshold (0.251)
    Stereo y;
    lim.process(constant(44100, static_cast<float>(a)), y, nullptr);
    EXPECT_NEAR(std::abs(y.l.back() + y.r.back()) / threshold, 1.0, 1e-5) << a;
  }
  // Below the threshold the signal is untouched.
  const Stereo quiet = testing::music_like(44100, 0.1, 4);  // |L + R| <= 0.2 < 0.251
  Stereo y;
  lim.process(quiet, y, nullptr);
  for (std::size_t i = 0; i < quiet.frames(); ++i) ASSERT_EQ(y.l[i], quiet.l[i]);
}

TEST(Limiter, GainFollowsAttackAndRelease) {
  // A DC step above the threshold and back: the gain falls with the attack time and
  // recovers with the release time.
  const double attack_ms = 15.0, release_ms = 70.0;
  Limiter lim;
  lim.set_params(limiter_params(-20.0, attack_ms, release_ms).data(), kFs);
  const std::size_t n = 2 * 44100, on = 1000, off = 44100;
  Stereo x = constant(n, 0.02f);
  for (std::size_t i = on; i < off; ++i) x.l[i] = x.r[i] = 0.5f;
  Limiter::Tape tape;
  Stereo y;
  lim.process(x, y, &tape);
  const double settled = 0.1 / 1.0;  // T / (2 * 0.5)
  const std::vector<float>& g = tape.smoothed;
  const double one_sample_ms = 1000.0 / kFs;
  EXPECT_NEAR(rise_time_ms({g.begin(), g.begin() + off}, on, 1.0, settled), 0.99874 * attack_ms,
              one_sample_ms);
  EXPECT_NEAR(rise_time_ms(g, off, settled, 1.0), 0.99874 * release_ms, one_sample_ms);
}

}  // namespace
}  // namespace ito

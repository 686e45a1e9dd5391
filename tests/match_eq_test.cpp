// Match EQ (master/match_eq.h) and the tonal balance it is designed from
// (analysis/tonal_balance.h), against independent measurements: a sine's level through
// the filter, and tonal balances of signals with known spectra.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/tonal_balance.h"
#include "ito/feature_targets.h"
#include "master/match_eq.h"
#include "test_signals.h"

namespace ito {
namespace {

using testing::kFs;

double rms_db(const std::vector<float>& x, std::size_t from, std::size_t to) {
  double s = 0;
  for (std::size_t i = from; i < to; ++i) s += double(x[i]) * x[i];
  return 10.0 * std::log10(s / (to - from));
}

// A first-order low-pass of white noise: a spectrum falling 6 dB/octave above fc.
Stereo lowpassed_noise(double fc, std::uint32_t seed) {
  Stereo x = testing::white_noise(static_cast<std::size_t>(10 * kFs), 0.5, seed);
  const double a = std::exp(-2.0 * 3.14159265358979 * fc / kFs);
  for (int c = 0; c < 2; ++c) {
    double y = 0;
    for (float& v : c ? x.r : x.l) v = static_cast<float>(y = (1 - a) * v + a * y);
  }
  return x;
}

TEST(TonalBalance, IdenticalSignalsHaveNoErrorAndScaleDoesNotMatter) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(5 * kFs), 0.5, 3);
  Stereo louder = x;
  for (float& v : louder.l) v *= 3.0f;
  for (float& v : louder.r) v *= 3.0f;
  const TonalError e = tonal_error(louder, x, kFs);
  EXPECT_LT(e.mid_mean, 1e-3);
  EXPECT_LT(e.side_mean, 1e-3);
}

TEST(TonalBalance, SeesATiltWhereItIs) {
  // White noise against low-passed noise: the error grows with frequency above 1 kHz.
  const Stereo white = testing::white_noise(static_cast<std::size_t>(10 * kFs), 0.5, 4);
  const TonalError e = tonal_error(lowpassed_noise(1000.0, 5), white, kFs);
  EXPECT_LT(e.mid_db[7], 4.0);    // 100 Hz: both flat there (after normalization, an offset)
  EXPECT_GT(e.mid_db[29], 15.0);  // 16 kHz: about 24 dB down in the low-passed noise
  EXPECT_GT(e.mid_db[29], e.mid_db[23]);
}

// At every rate a master is made at: the FIR grows with the rate, so the 25 Hz band is
// resolved at 96 kHz as at 44.1.
TEST(MatchEq, ResponseFollowsTheCurveAtEveryBand) {
  MatchEq eq;
  eq.amount = 1.0;
  for (int b = 0; b < kThirdOctaveBands; ++b) eq.mid_db[b] = eq.side_db[b] = 8.0 * std::sin(0.4 * b);
  for (double fs : {kFs, 48000.0, 96000.0, 192000.0}) {
    EXPECT_EQ(match_eq_reach_frames(fs), fs > 48000 ? (fs > 96000 ? 16384u : 8192u) : 4096u);
    for (int b = 2; b < kThirdOctaveBands - 1; b += 3) {
      const double f = kThirdOctaveCentres[b];
      const Stereo x = testing::sine(static_cast<std::size_t>(2 * fs), f, 0.1, fs);
      const Stereo y = apply_match_eq(x, eq, fs);
      const std::size_t a = static_cast<std::size_t>(0.5 * fs), z = static_cast<std::size_t>(1.5 * fs);
      EXPECT_NEAR(rms_db(y.l, a, z) - rms_db(x.l, a, z), curve_gain_db(eq.mid_db, 1.0, f), 0.3) << f << " Hz at " << fs;
    }
  }
}

TEST(MatchEq, HasNoDelayAndAmountZeroIsTheInput) {
  MatchEq eq;
  eq.amount = 1.0;
  eq.mid_db.fill(-3.0);  // a flat cut: the impulse response is a scaled, centred impulse
  eq.side_db.fill(-3.0);
  Stereo x(20000);
  x.l[10000] = 1.0f;
  x.r[10000] = 1.0f;
  const Stereo y = apply_match_eq(x, eq, kFs);
  std::size_t peak = 0;
  for (std::size_t i = 0; i < y.frames(); ++i)
    if (std::abs(y.l[i]) > std::abs(y.l[peak])) peak = i;
  EXPECT_EQ(peak, 10000u);
  EXPECT_NEAR(y.l[peak], std::pow(10.0, -3.0 / 20.0), 0.01);
  eq.amount = 0.0;
  EXPECT_FALSE(eq.active());
  EXPECT_EQ(apply_match_eq(x, eq, kFs).l, x.l);
}

TEST(MatchEq, BringsTheTonalBalanceTowardTheReference) {
  const Stereo input = lowpassed_noise(800.0, 6);
  const Stereo reference = lowpassed_noise(4000.0, 7);
  const MatchEq eq = design_match_eq(input, reference, kFs, 1.0);
  for (double g : eq.mid_db) EXPECT_LE(std::abs(g), kMatchEqMaxDb);
  for (double g : eq.side_db) EXPECT_LE(std::abs(g), kMatchEqMaxDb);
  const TonalError before = tonal_error(input, reference, kFs);
  const TonalError after = tonal_error(apply_match_eq(input, eq, kFs), reference, kFs);
  EXPECT_LT(after.mid_mean, 0.4 * before.mid_mean) << before.mid_mean << " -> " << after.mid_mean;
  // Half the amount goes about half way (in dB, band by band).
  const TonalError half = tonal_error(apply_match_eq(input, {eq.mid_db, eq.side_db, 0.5}, kFs), reference, kFs);
  EXPECT_GT(half.mid_mean, after.mid_mean);
  EXPECT_LT(half.mid_mean, before.mid_mean);
}

TEST(MatchEq, NeverBoostsWhatTheInputLacks) {
  // A sine (faded in and out) against broadband music: nothing but the sine's band may be
  // boosted much (its neighbours hold only its skirt, the rest nothing).
  Stereo tone = testing::sine(static_cast<std::size_t>(5 * kFs), 440.0, 0.3);
  const std::size_t fade = static_cast<std::size_t>(0.05 * kFs);
  for (std::size_t i = 0; i < fade; ++i) {
    const float g = static_cast<float>(i) / fade;
    for (int c = 0; c < 2; ++c) {
      tone.channel(c)[i] *= g;
      tone.channel(c)[tone.frames() - 1 - i] *= g;
    }
  }
  const Stereo music = testing::music_like(static_cast<std::size_t>(5 * kFs), 0.5, 8);
  const MatchEq eq = design_match_eq(tone, music, kFs, 1.0);
  for (int b = 0; b < kThirdOctaveBands; ++b) {
    if (std::abs(kThirdOctaveCentres[b] - 440.0) > 200.0) {
      EXPECT_LE(eq.mid_db[b], 0.5) << kThirdOctaveCentres[b];
    }
  }
}

}  // namespace
}  // namespace ito

namespace ito {
namespace {

TEST(MatchEq, FollowsTheItoTargetsBlendAndAdjustments) {
  const Stereo input = lowpassed_noise(800.0, 9);
  const Stereo reference = lowpassed_noise(4000.0, 10);
  const BandLevels in = third_octave_levels(input, kFs), ref = third_octave_levels(reference, kFs);
  // Blended fully toward the input itself: nothing left to match.
  const MatchEq none = design_match_eq(in, blend_balance(ref, in, 1.0), 1.0);
  for (int b = 0; b < kThirdOctaveBands; ++b) EXPECT_NEAR(none.mid_db[b], 0.0, 1e-9);
  // A +12 dB tilt toward the input: the curve rises across the spectrum by about that much.
  FeatureAdjustments tilt;
  tilt.tilt_db = 12.0;
  const MatchEq tilted = design_match_eq(in, adjust_balance(in, tilt), 1.0);
  // 8 kHz vs 63 Hz: their nearest Bark bands sit about 0.8 of the tilt apart.
  EXPECT_NEAR(tilted.mid_db[27] - tilted.mid_db[5], 0.8 * 12.0, 3.0);
  EXPECT_GT(tilted.mid_db[27], tilted.mid_db[16]);
  EXPECT_GT(tilted.mid_db[16], tilted.mid_db[5]);
}

}  // namespace
}  // namespace ito

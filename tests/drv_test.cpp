// Dynamic-range variability (spec section 7, definition in analysis/drv.h).
#include "analysis/drv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "test_signals.h"

namespace ito {
namespace {

using testing::kFs;

// A bright (first-differenced) noise burst with a 5 ms exponential decay.
std::vector<float> burst(std::mt19937& rng, std::size_t len = 1200) {
  std::normal_distribution<double> n01(0.0, 1.0);
  std::vector<float> b(len);
  double prev = 0;
  for (std::size_t k = 0; k < len; ++k) {
    const double v = n01(rng);
    b[k] = static_cast<float>(0.3 * (v - prev) * std::exp(-double(k) / (0.005 * kFs)));
    prev = v;
  }
  return b;
}

// Hits every `spacing` samples with the given linear gains, the same on both channels.
Stereo hits(const std::vector<double>& gains, std::size_t spacing, bool same_burst,
            std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<float> shared = burst(rng);
  Stereo x(spacing * (gains.size() + 1));
  for (std::size_t h = 0; h < gains.size(); ++h) {
    const std::vector<float> b = same_burst ? shared : burst(rng);
    const std::size_t start = spacing / 2 + h * spacing;
    for (std::size_t k = 0; k < b.size(); ++k) {
      x.l[start + k] += static_cast<float>(gains[h] * b[k]);
      x.r[start + k] += static_cast<float>(gains[h] * b[k]);
    }
  }
  return x;
}

TEST(Drv, TwoLevelsSixDbApartGiveThreeDb) {
  // 24 quiet hits (-30 dB) and 8 loud ones alternating 0 dB and -6.02 dB (x0.5). The
  // 75th percentile of the 32 onset peaks lies between the quiet and the loud
  // hits, so exactly the loud ones are kept: two equal groups 20 log10(2) dB
  // apart have a standard deviation of 10 log10(2) = 3.0103 dB. Identical bursts
  // on a hop-aligned grid make the frame levels exact copies up to the gain.
  std::vector<double> gains;
  for (int i = 0; i < 32; ++i) gains.push_back(i % 4 == 3 ? (i % 8 == 3 ? 1.0 : 0.5) : 0.0316);
  const Stereo x = hits(gains, 512 * 22, true, 1);
  EXPECT_NEAR(drv(x, kFs), 10 * std::log10(2.0), 1e-6);
}

TEST(Drv, EvenHitsVaryLessThanUnevenHits) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> db(-24.0, 0.0);
  std::vector<double> even(48, 0.5), uneven;
  for (int i = 0; i < 48; ++i) uneven.push_back(0.5 * std::pow(10.0, db(rng) / 20));
  const double drv_even = drv(hits(even, 11025, false, 4), kFs);
  const double drv_uneven = drv(hits(uneven, 11025, false, 4), kFs);
  std::printf("  DRV even %.3f dB, uneven %.3f dB\n", drv_even, drv_uneven);
  EXPECT_LT(drv_even, 0.5);
  EXPECT_GT(drv_uneven, 1.0);
  EXPECT_GT(drv_uneven, 4 * drv_even);
}

TEST(Drv, InvariantToGain) {
  const Stereo x = testing::music_like(5 * 44100, 0.8, 5);
  Stereo quieter = x;
  for (auto* ch : {&quieter.l, &quieter.r})
    for (auto& v : *ch) v *= 0.25f;
  EXPECT_NEAR(drv(quieter, kFs), drv(x, kFs), 1e-9);
}

// A feed-forward peak compressor: envelope of max(|L|, |R|) with 1 ms attack and
// 80 ms release, 8:1 above -24 dBFS, both channels get the same gain.
Stereo compress(const Stereo& x) {
  const double attack = 1.0 - std::exp(-1.0 / (0.001 * kFs));
  const double release = 1.0 - std::exp(-1.0 / (0.080 * kFs));
  const double threshold_db = -24.0, ratio = 8.0;
  Stereo y = x;
  double env = 0;
  for (std::size_t i = 0; i < x.frames(); ++i) {
    const double level = std::max(std::abs(x.l[i]), std::abs(x.r[i]));
    env += (level > env ? attack : release) * (level - env);
    const double env_db = 20 * std::log10(std::max(env, 1e-9));
    const double gain_db = env_db > threshold_db ? (threshold_db - env_db) * (1 - 1 / ratio) : 0.0;
    const double g = std::pow(10.0, gain_db / 20);
    y.l[i] = static_cast<float>(x.l[i] * g);
    y.r[i] = static_cast<float>(x.r[i] * g);
  }
  return y;
}

TEST(Drv, CompressionLowersDrvOfMusic) {
  for (std::uint32_t seed : {1u, 2u}) {
    const Stereo x = testing::music_like(12 * 44100, 0.8, seed);
    const double before = drv(x, kFs), after = drv(compress(x), kFs);
    std::printf("  music_like seed %u: DRV original %.3f dB, compressed %.3f dB\n", seed, before,
                after);
    EXPECT_LT(after, 0.8 * before);
  }
}

TEST(Drv, CompressionLowersDrvOfAccentedMusic) {
  // Notes with random loudness (music_like draws each note's amplitude) plus a
  // random per-beat accent so the strong onsets differ in level.
  Stereo x = testing::music_like(12 * 44100, 0.8, 6);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> db(-12.0, 0.0);
  const std::size_t beat = 11025;
  for (std::size_t start = 0; start < x.frames(); start += beat) {
    const float g = static_cast<float>(std::pow(10.0, db(rng) / 20));
    for (std::size_t i = start; i < std::min(x.frames(), start + beat); ++i) {
      x.l[i] *= g;
      x.r[i] *= g;
    }
  }
  const double before = drv(x, kFs), after = drv(compress(x), kFs);
  std::printf("  DRV original %.3f dB, compressed %.3f dB\n", before, after);
  EXPECT_LT(after, 0.6 * before);
}

TEST(Drv, DegenerateInputs) {
  EXPECT_EQ(drv(Stereo(), kFs), 0.0);
  EXPECT_EQ(drv(Stereo(44100), kFs), 0.0);  // silence: no onsets
}

}  // namespace
}  // namespace ito

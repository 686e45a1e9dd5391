// The sections of a track the engine listens to: analysis_excerpt (evenly spread segments
// for ITO and the networks) and loudest_section (the black-box preview).
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/loudness.h"
#include "master/mastering.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr double kFs = testing::kFs;

// Quiet noise with one loud passage at [loud_from, loud_from + loud_seconds).
Stereo quiet_with_loud_passage(double seconds, double loud_from, double loud_seconds) {
  Stereo x = testing::white_noise(static_cast<std::size_t>(seconds * kFs), 0.01, 7);
  const std::size_t a = static_cast<std::size_t>(loud_from * kFs), b = static_cast<std::size_t>((loud_from + loud_seconds) * kFs);
  for (std::size_t i = a; i < b && i < x.frames(); ++i) x.l[i] *= 30.0f, x.r[i] *= 30.0f;
  return x;
}

TEST(Excerpts, LoudestSectionFindsTheLoudPassage) {
  const Stereo x = quiet_with_loud_passage(60.0, 37.0, 12.0);
  const Stereo s = loudest_section(x, kFs, 12.0);
  ASSERT_EQ(s.frames(), static_cast<std::size_t>(12.0 * kFs));
  // Within a second of the passage: its loudness is the passage's, 30 dB above the rest.
  const double passage = integrated_loudness(slice(x, static_cast<std::size_t>(37 * kFs), s.frames()), kFs);
  EXPECT_NEAR(integrated_loudness(s, kFs), passage, 1.0);
  EXPECT_GT(integrated_loudness(s, kFs), integrated_loudness(slice(x, 0, s.frames()), kFs) + 20.0);
}

TEST(Excerpts, LoudestSectionOfAShortTrackIsTheTrack) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(5 * kFs), 0.3, 1);
  const Stereo s = loudest_section(x, kFs, 15.0);
  EXPECT_EQ(s.l, x.l);
  EXPECT_EQ(s.r, x.r);
  // At the very end: the section stays inside the signal.
  const Stereo y = quiet_with_loud_passage(40.0, 35.0, 5.0);
  const Stereo t = loudest_section(y, kFs, 10.0);
  ASSERT_EQ(t.frames(), static_cast<std::size_t>(10 * kFs));
  EXPECT_EQ(t.l.back(), y.l.back());
}

TEST(Excerpts, AnalysisExcerptConcatenatesEvenlySpreadSegments) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(60 * kFs), 0.3, 2);
  const Stereo e = analysis_excerpt(x, kFs, 12.0, 4);
  ASSERT_EQ(e.frames(), static_cast<std::size_t>(12 * kFs));
  // Segment 0 is centred at 1/8 of the track: 7.5 s, so it starts at 6 s.
  const std::size_t segment = static_cast<std::size_t>(3 * kFs);
  EXPECT_EQ(e.l[0], x.l[static_cast<std::size_t>(7.5 * kFs) - segment / 2]);
  EXPECT_EQ(e.r[segment], x.r[static_cast<std::size_t>(22.5 * kFs) - segment / 2]);
  EXPECT_EQ(analysis_excerpt(x, kFs, 90.0, 4).frames(), x.frames());
}

}  // namespace
}  // namespace ito

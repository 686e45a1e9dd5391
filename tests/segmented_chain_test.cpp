// The chain over an excerpt of independent, warmed-up segments (ito/segmented_chain.h):
// the same bits on one thread or two, the whole-track result where the segments tile the
// track, and a gradient that is the sum of the segments' (against finite differences).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "analysis/loudness.h"
#include "core/parallel.h"
#include "gradcheck_util.h"
#include "ito/segmented_chain.h"
#include "master/mastering.h"

namespace ito {
namespace {

constexpr double kFs = testing::kFs;

// A musical chain with the dynamics working: EQ moves, 2:1 compression near the band
// levels, the limiter catching peaks.
Params working_params(const Stereo& x) {
  Params p = initial_params(x, kFs);
  p[1] = 0.6, p[4] = 0.4, p[16] = 0.55;  // a few EQ gains off 0 dB
  p[42] = 0.55;                          // a little wider
  return p;
}

double max_abs_diff(const Stereo& a, const Stereo& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.frames(); ++i)
    d = std::max({d, double(std::abs(a.l[i] - b.l[i])), double(std::abs(a.r[i] - b.r[i]))});
  return d;
}

TEST(SegmentedChain, ShortTrackIsTiledAndWarmUpsComeFromTheTrack) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(12 * kFs), 0.3, 3);
  const SegmentedExcerpt e = ito_excerpt(x, MasterSettings{}, kFs, 30.0, 6, 0.5);
  ASSERT_EQ(e.segments.size(), 6u);
  EXPECT_EQ(e.segments[0].warmup, 0u);  // nothing before the track's start
  EXPECT_EQ(e.segments[1].warmup, static_cast<std::size_t>(0.5 * kFs));
  const Stereo bodies = excerpt_bodies(e);
  EXPECT_EQ(bodies.l, x.l);  // the bodies are the whole track, once
  EXPECT_EQ(bodies.r, x.r);
  // A warm-up is the audio just before its segment.
  const ExcerptSegment& s = e.segments[3];
  EXPECT_EQ(e.audio.l[s.begin + s.warmup], x.l[3 * x.frames() / 6]);
  EXPECT_EQ(e.audio.l[s.begin], x.l[3 * x.frames() / 6 - s.warmup]);
}

TEST(SegmentedChain, LongTrackSegmentsAreAnalysisExcerptsWithWarmUps) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(60 * kFs), 0.3, 4);
  const SegmentedExcerpt e = ito_excerpt(x, MasterSettings{}, kFs, 12.0, 4, 0.5);
  const Stereo plain = analysis_excerpt(x, kFs, 12.0, 4);
  const Stereo bodies = excerpt_bodies(e);
  EXPECT_EQ(bodies.l, plain.l);
  EXPECT_EQ(bodies.r, plain.r);
  EXPECT_EQ(e.audio.frames(), plain.frames() + 4 * static_cast<std::size_t>(0.5 * kFs));
}

TEST(SegmentedChain, PiecesAreLevelMatchedAndMatchEqdAsInTheWholeTrack) {
  // The FIR sees the track on both sides of each piece, never a splice: every warm-up and
  // body equals the whole track's gain and Match EQ at the same place.
  const Stereo x = testing::music_like(static_cast<std::size_t>(40 * kFs), 0.3, 11);
  MasterSettings settings;
  settings.input_gain_db = -4.0;
  settings.match_eq.amount = 1.0;
  for (std::size_t b = 0; b < settings.match_eq.mid_db.size(); ++b) {
    settings.match_eq.mid_db[b] = 6.0 * std::sin(0.7 * b);
    settings.match_eq.side_db[b] = -3.0 + 0.2 * b;
  }
  Stereo whole = x;
  const float g = static_cast<float>(db_to_lin(-4.0));
  for (int c = 0; c < 2; ++c)
    for (float& v : c ? whole.r : whole.l) v *= g;
  whole = apply_match_eq(whole, settings.match_eq, kFs);
  const SegmentedExcerpt e = ito_excerpt(x, settings, kFs, 12.0, 4, 0.5);
  const Stereo plain = analysis_excerpt(x, kFs, 12.0, 4);
  std::size_t body_at = 0;
  double worst = 0;
  for (const ExcerptSegment& s : e.segments) {
    // Where this body starts in the track (analysis_excerpt centres its segments at (s + 0.5) / 4).
    const std::size_t centre_index = &s - e.segments.data();
    const std::size_t segment = static_cast<std::size_t>(3 * kFs);
    const std::size_t track_begin = static_cast<std::size_t>((centre_index + 0.5) / 4 * x.frames()) - segment / 2;
    EXPECT_EQ(plain.l[body_at], x.l[track_begin]);
    for (std::size_t i = 0; i < s.warmup + s.length; ++i)
      for (int c = 0; c < 2; ++c)
        worst = std::max(worst, double(std::abs(e.audio.channel(c)[s.begin + i] -
                                                 whole.channel(c)[track_begin - s.warmup + i])));
    body_at += s.length;
  }
  EXPECT_LT(worst, 1e-6);
}

TEST(SegmentedChain, TiledTrackMatchesTheWholeTrackAfterWarmUp) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(12 * kFs), 0.3, 5);
  const Params p = working_params(x);
  Chain whole(kFs);
  whole.set_params(p);
  Stereo expected;
  whole.process(x, expected);
  auto segmented_output = [&](double warmup_seconds) {
    const SegmentedExcerpt e = ito_excerpt(x, MasterSettings{}, kFs, 30.0, 6, warmup_seconds);
    SegmentedChain chain(e, kFs);
    chain.set_params(p);
    Stereo y;
    chain.process(y, false);
    return y;
  };
  const double warm = max_abs_diff(segmented_output(0.5), expected);
  const double cold = max_abs_diff(segmented_output(0.0), expected);
  EXPECT_LT(warm, 1e-3);     // settled: within 0.1 % of full scale of the continuous run
  EXPECT_GT(cold, 10 * warm);  // and the warm-up is what settles it
}

TEST(SegmentedChain, OneThreadAndTwoGiveTheSameBits) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(20 * kFs), 0.3, 6);
  const SegmentedExcerpt e = ito_excerpt(x, MasterSettings{}, kFs, 8.0, 4, 0.5);
  const Params p = working_params(x);
  const testing::RandomProjection loss(body_frames(e), 9);
  const int saved = num_threads();
  auto run = [&](int threads, Stereo& y, Params& grad) {
    set_num_threads(threads);
    SegmentedChain chain(e, kFs);
    chain.set_params(p);
    chain.process(y, true);
    chain.backward(loss.w, grad);
  };
  Stereo y1, y2;
  Params g1{}, g2{};
  run(1, y1, g1);
  run(2, y2, g2);
  set_num_threads(saved);
  EXPECT_EQ(y1.l, y2.l);
  EXPECT_EQ(y1.r, y2.r);
  for (int i = 0; i < kNumParams; ++i) EXPECT_EQ(g1[i], g2[i]) << param_table()[i].id;
}

TEST(SegmentedChain, AWholeMasterIsTheSameOnOneThreadOrTwo) {
  // Every threaded part of a master (segments, AF loss, Match EQ, true peak) at once.
  const Stereo x = testing::music_like(static_cast<std::size_t>(12 * kFs), 0.2, 12);
  const Stereo ref = testing::white_noise(static_cast<std::size_t>(10 * kFs), 0.3, 13);  // far brighter
  MasteringOptions options;
  options.ito.max_steps = 3;
  const int saved = num_threads();
  set_num_threads(1);
  const MasteringResult one = master_with_reference(x, ref, kFs, options);
  set_num_threads(2);
  const MasteringResult two = master_with_reference(x, ref, kFs, options);
  set_num_threads(saved);
  EXPECT_EQ(one.ito.loss_curve, two.ito.loss_curve);
  EXPECT_EQ(one.params, two.params);
  EXPECT_EQ(one.output.l, two.output.l);
  EXPECT_EQ(one.output.r, two.output.r);
  EXPECT_LT(one.ito.best_loss, one.ito.initial_loss);  // it did optimize
}

TEST(SegmentedChainGradcheck, ParametersAgainstFiniteDifferences) {
  // The smooth regime of the chain's own gradcheck (thresholds above the signal), so
  // finite differences of the float chain are meaningful for every parameter.
  const Stereo x = testing::music_like(static_cast<std::size_t>(1.2 * kFs), 0.05, 7);
  const SegmentedExcerpt e = ito_excerpt(x, MasterSettings{}, kFs, 30.0, 3, 0.1);
  ASSERT_EQ(e.segments.size(), 3u);
  std::mt19937 rng(8);
  std::uniform_real_distribution<double> u(0.2, 0.8);
  Params p;
  for (double& v : p) v = u(rng);
  p[13] = 0.3;
  for (int q : {2, 5, 8, 11, 14, 17}) p[q] = 0.1 + 0.1 * u(rng);
  for (int b = 0; b < 3; ++b) p[23 + 6 * b] = 1.0, p[26 + 6 * b] = 1.0;
  p[41] = 0.45;
  p[43] = 1.0;
  const testing::RandomProjection loss(body_frames(e), 10);
  auto eval = [&](const Params& q) {
    SegmentedChain chain(e, kFs);
    chain.set_params(q);
    Stereo y;
    chain.process(y, false);
    return loss(y);
  };
  SegmentedChain chain(e, kFs);
  chain.set_params(p);
  Stereo y;
  chain.process(y, true);
  Params grad{};
  chain.backward(loss.w, grad);
  double scale = 0;
  std::vector<double> numeric(kNumParams);
  for (int i = 0; i < kNumParams; ++i) scale = std::max(scale, std::abs(numeric[i] = testing::param_fd<Params>(eval, p, i, 1e-3)));
  int checked = 0;
  for (int i = 0; i < kNumParams; ++i) {
    if (i == 26 || i == 32 || i == 38) continue;  // expander ratio 1: a kink (see gradcheck_chain_test)
    EXPECT_LT(testing::rel_err(grad[i], numeric[i], 1e-2 * scale), 1e-2) << param_table()[i].id;
    checked += std::abs(numeric[i]) > 1e-2 * scale;
  }
  EXPECT_GE(checked, 20);
}

}  // namespace
}  // namespace ito

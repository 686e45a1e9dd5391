// Bounded-memory rendering: the chain block by block with its state carried (ChainState),
// and process_track (level match, Match EQ, chain in blocks) against one pass over the
// whole array.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "analysis/loudness.h"
#include "dsp/chain.h"
#include "master/mastering.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr double kFs = testing::kFs;

// Every processor on and working: EQ moves, saturation, compression near the band levels,
// a wider image, the limiter catching peaks.
MasterSettings working_settings(const Stereo& x) {
  MasterSettings s;
  s.params = initial_params(x, kFs);
  s.params[1] = 0.6, s.params[4] = 0.4, s.params[16] = 0.55;
  s.params[18] = 0.3, s.params[19] = 0.4;  // some drive and mix
  s.params[42] = 0.55;
  s.input_gain_db = 2.0;
  s.match_eq.amount = 1.0;
  for (std::size_t b = 0; b < s.match_eq.mid_db.size(); ++b) {
    s.match_eq.mid_db[b] = 5.0 * std::sin(0.5 * b);
    s.match_eq.side_db[b] = -2.0 + 0.1 * b;
  }
  return s;
}

double max_abs_diff(const Stereo& a, const Stereo& b) {
  EXPECT_EQ(a.frames(), b.frames());
  double d = 0;
  for (std::size_t i = 0; i < std::min(a.frames(), b.frames()); ++i)
    d = std::max({d, double(std::abs(a.l[i] - b.l[i])), double(std::abs(a.r[i] - b.r[i]))});
  return d;
}

TEST(StreamingRender, ChainInBlocksGivesTheSameBits) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(12 * kFs), 0.5, 41);
  Chain chain(kFs);
  chain.set_params(working_settings(x).params);
  Stereo whole;
  chain.process(x, whole);
  // Blocks of odd sizes, so no boundary lines up with an internal block of 2048.
  ChainState state;
  Stereo blocked, out;
  for (std::size_t begin = 0, k = 0; begin < x.frames(); ++k) {
    const std::size_t length = std::min<std::size_t>(3001 + 7919 * (k % 5), x.frames() - begin);
    chain.process(slice(x, begin, length), out, nullptr, &state);
    blocked.l.insert(blocked.l.end(), out.l.begin(), out.l.end());
    blocked.r.insert(blocked.r.end(), out.r.begin(), out.r.end());
    begin += length;
  }
  EXPECT_EQ(blocked.l, whole.l);
  EXPECT_EQ(blocked.r, whole.r);
  // Without the state, every block starts cold: the test would see it.
  Chain cold(kFs);
  cold.set_params(working_settings(x).params);
  Stereo first, second;
  cold.process(slice(x, 0, x.frames() / 2), first);
  cold.process(slice(x, x.frames() / 2, x.frames() - x.frames() / 2), second);
  EXPECT_NE(second.l.front(), whole.l[x.frames() / 2]);
}

TEST(StreamingRender, ProcessTrackEqualsOnePassOverTheWholeArray) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(23.3 * kFs), 0.3, 42);
  const MasterSettings s = working_settings(x);
  // The whole-array path: level match, Match EQ and chain, each over all of it.
  Stereo leveled = x;
  const float g = static_cast<float>(db_to_lin(s.input_gain_db));
  for (int c = 0; c < 2; ++c)
    for (float& v : c ? leveled.r : leveled.l) v *= g;
  leveled = apply_match_eq(leveled, s.match_eq, kFs);
  Chain chain(kFs);
  chain.set_params(s.params);
  Stereo whole;
  chain.process(leveled, whole);
  for (double block_seconds : {5.0, 1.37, 60.0}) {
    const double d = max_abs_diff(process_track(x, s, kFs, block_seconds), whole);
    EXPECT_LT(d, 1e-6) << "blocks of " << block_seconds << " s";
  }
}

TEST(StreamingRender, InPlaceGivesTheSameBitsAsACopy) {
  const Stereo x = testing::music_like(static_cast<std::size_t>(17.1 * kFs), 0.3, 43);
  const MasterSettings s = working_settings(x);
  for (double block_seconds : {5.0, 0.05}) {  // 0.05 s: shorter than the Match EQ's reach
    Stereo y = x;
    process_track_in_place(y, s, kFs, block_seconds);
    const Stereo expected = process_track(x, s, kFs, block_seconds);
    EXPECT_EQ(y.l, expected.l) << block_seconds;
    EXPECT_EQ(y.r, expected.r) << block_seconds;
  }
  // The whole render, final stage included.
  const FinalizeOptions finalize{.target_lufs = -12.0, .ceiling_dbtp = -1.0};
  FinalizeReport copied{}, in_place{};
  const Stereo expected = render_master(x, s, kFs, finalize, &copied);
  Stereo y = x;
  render_master_in_place(y, s, kFs, finalize, &in_place);
  EXPECT_EQ(y.l, expected.l);
  EXPECT_EQ(y.r, expected.r);
  EXPECT_EQ(in_place.output_lufs, copied.output_lufs);
  EXPECT_NEAR(copied.output_lufs, -12.0, 0.05);
}

}  // namespace
}  // namespace ito

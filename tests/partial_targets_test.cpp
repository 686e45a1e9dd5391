// Per-aspect match amounts: the targets between the input's own features and the
// reference's, and whole masters that take 0, 50 and 100 % of one aspect.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "analysis/af_loss.h"
#include "analysis/loudness.h"
#include "analysis/tonal_balance.h"
#include "dsp/biquad.h"
#include "ito/feature_targets.h"
#include "master/mastering.h"
#include "master/metrics.h"
#include "master/partial_targets.h"
#include "test_signals.h"

namespace ito {
namespace {

using testing::kFs;

// A dark, narrow, quiet mix and a bright, wide, loud reference.
Stereo dark_narrow_mix() {
  Stereo x = testing::music_like(static_cast<std::size_t>(8 * kFs), 0.4, 5);
  const auto lp = design_biquad<double>(BiquadType::HighShelf, -12.0, 1500.0, 0.7071, kFs);
  for (int c = 0; c < 2; ++c) biquad_forward(lp, x.channel(c), x.channel(c), x.frames());
  for (std::size_t i = 0; i < x.frames(); ++i) x.r[i] = 0.6f * x.l[i] + 0.4f * x.r[i];
  return x;
}
Stereo bright_wide_reference() {
  Stereo x = testing::music_like(static_cast<std::size_t>(8 * kFs), 0.9, 7);
  const auto hs = design_biquad<double>(BiquadType::HighShelf, 9.0, 2000.0, 0.7071, kFs);
  for (int c = 0; c < 2; ++c) biquad_forward(hs, x.channel(c), x.channel(c), x.frames());
  for (std::size_t i = 0; i < x.frames(); ++i) {
    const float mid = 0.5f * (x.l[i] + x.r[i]), side = 0.5f * (x.l[i] - x.r[i]);
    x.l[i] = mid + 1.3f * side;
    x.r[i] = mid - 1.3f * side;
  }
  return x;
}

TEST(MatchAmounts, FullAmountsAreTheTargetAndZeroKeepsTheInput) {
  const Stereo in = dark_narrow_mix(), ref = bright_wide_reference();
  const AfFeatures a = compute_af_features(in, kFs), b = compute_af_features(ref, kFs);
  const AfFeatures full = apply_match_amounts(a, b, MatchAmounts{});
  EXPECT_EQ(full.bark_mid, b.bark_mid);
  EXPECT_EQ(full.bark_side, b.bark_side);
  EXPECT_EQ(full.crest_db, b.crest_db);
  EXPECT_EQ(full.width, b.width);
  const AfFeatures none = apply_match_amounts(a, b, MatchAmounts{0.0, 0.0, 0.0, 0.0});
  EXPECT_EQ(none.bark_mid, a.bark_mid);
  EXPECT_EQ(none.crest_db, a.crest_db);
  EXPECT_NEAR(none.width, a.width, 1e-12 * a.width);
  for (std::size_t k = 0; k < a.bark_side.size(); ++k) EXPECT_NEAR(none.bark_side[k], a.bark_side[k], 1e-12);
  // Tone alone: the spectra's shapes are the input's; the side's mean level over the mid
  // (width's) is the reference's.
  const AfFeatures tone0 = apply_match_amounts(a, b, MatchAmounts{0.0, 1.0, 1.0, 1.0});
  EXPECT_EQ(tone0.bark_mid, a.bark_mid);
  double side_mean = 0, ref_side_mean = 0;
  for (int k = 0; k < kAfBarkBands; ++k) {
    side_mean += (tone0.bark_side[k] - tone0.bark_mid[k]) / kAfBarkBands;
    ref_side_mean += (b.bark_side[k] - b.bark_mid[k]) / kAfBarkBands;
    EXPECT_NEAR(tone0.bark_side[k] - tone0.bark_side[0], a.bark_side[k] - a.bark_side[0], 1e-9);  // input's shape
  }
  EXPECT_NEAR(side_mean, ref_side_mean, 1e-9);
  EXPECT_EQ(tone0.width, b.width);
  EXPECT_EQ(apply_match_amount_lufs(-20.0, -10.0, MatchAmounts{1, 1, 1, 0.5}), -15.0);
}

struct Outcome {
  double tone_to_input, tone_to_reference, width, crest, lufs;
};

Outcome master_with(const MatchAmounts& amounts) {
  const Stereo in = dark_narrow_mix(), ref = bright_wide_reference();
  MasteringOptions options;
  options.ito.max_steps = 12;
  options.amounts = amounts;
  const MasteringResult r = master_with_reference(in, ref, kFs, options);
  const TrackMetrics m = measure_track(r.output, kFs);
  return {tonal_error(r.output, in, kFs).mid_mean, tonal_error(r.output, ref, kFs).mid_mean, stereo_width(r.output),
          m.crest_db, m.lufs};
}

TEST(MatchAmounts, EachAspectMovesFromTheInputToTheReference) {
  const Stereo in = dark_narrow_mix(), ref = bright_wide_reference();
  const double in_lufs = integrated_loudness(in, kFs), ref_lufs = integrated_loudness(ref, kFs);
  const double in_width = stereo_width(in), ref_width = stereo_width(ref);
  std::printf("input: %.1f LUFS, width %.3f; reference: %.1f LUFS, width %.3f; tone error input to reference %.2f dB\n", in_lufs, in_width, ref_lufs,
              ref_width, tonal_error(in, ref, kFs).mid_mean);
  Outcome tone[3], width[3], loud[3];
  const double steps[3] = {0.0, 0.5, 1.0};
  for (int i = 0; i < 3; ++i) {
    tone[i] = master_with({steps[i], 1.0, 1.0, 1.0});
    width[i] = master_with({1.0, 1.0, steps[i], 1.0});
    loud[i] = master_with({1.0, 1.0, 1.0, steps[i]});
    std::printf("amount %3.0f %%: tone error to input %.2f dB, to reference %.2f dB; width %.3f; %.2f LUFS\n",
                100 * steps[i], tone[i].tone_to_input, tone[i].tone_to_reference, width[i].width, loud[i].lufs);
  }
  // Tone: at 0 % the master keeps the input's balance (within a third of the input's
  // distance to the reference: ITO's pursuit of the other aspects moves it a little), and
  // moves toward the reference's as the amount grows.
  const double apart = tonal_error(in, ref, kFs).mid_mean;
  EXPECT_LT(tone[0].tone_to_input, apart / 3);
  EXPECT_LT(tone[2].tone_to_reference, apart / 3);
  EXPECT_GT(tone[0].tone_to_reference, tone[1].tone_to_reference);
  EXPECT_GT(tone[1].tone_to_reference, tone[2].tone_to_reference);
  // Width (a ratio: compared as logs): at 0 % within a quarter of the way from the input's
  // to the reference's, rising with the amount.
  EXPECT_LT(std::abs(std::log(width[0].width / in_width)), 0.25 * std::log(ref_width / in_width));
  EXPECT_LT(width[0].width, width[1].width);
  EXPECT_LT(width[1].width, width[2].width);
  // Loudness: the final stage lands on the interpolated target.
  EXPECT_NEAR(loud[0].lufs, in_lufs, 0.1);
  EXPECT_NEAR(loud[1].lufs, 0.5 * (in_lufs + ref_lufs), 0.1);
  EXPECT_NEAR(loud[2].lufs, ref_lufs, 0.1);
}

}  // namespace
}  // namespace ito

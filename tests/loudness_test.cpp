// BS.1770 / R128 loudness against libebur128 and analytic values.
#include <gtest/gtest.h>
#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "analysis/loudness.h"
#include "test_signals.h"

namespace ito {
namespace {

using testing::music_like;
using testing::sine;
using testing::white_noise;

// libebur128's view of a stereo signal, fed in 100 ms chunks so that the
// momentary / short-term readings after each chunk are the windows ending there.
struct Reference {
  double integrated = 0, range = 0, max_momentary = -INFINITY, max_short_term = -INFINITY;
};

Reference reference(const Stereo& x, double fs) {
  ebur128_state* st = ebur128_init(2, static_cast<unsigned long>(fs),
                                   EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_S);
  const std::size_t step = static_cast<std::size_t>(std::lround(fs / 10));
  std::vector<float> interleaved(2 * step);
  Reference ref;
  std::size_t chunks = 0;
  for (std::size_t start = 0; start + step <= x.frames(); start += step) {
    for (std::size_t i = 0; i < step; ++i) {
      interleaved[2 * i] = x.l[start + i];
      interleaved[2 * i + 1] = x.r[start + i];
    }
    ebur128_add_frames_float(st, interleaved.data(), step);
    ++chunks;
    double v;
    if (chunks >= 4 && ebur128_loudness_momentary(st, &v) == EBUR128_SUCCESS)
      ref.max_momentary = std::max(ref.max_momentary, v);
    if (chunks >= 30 && ebur128_loudness_shortterm(st, &v) == EBUR128_SUCCESS)
      ref.max_short_term = std::max(ref.max_short_term, v);
  }
  ebur128_loudness_global(st, &ref.integrated);
  ebur128_loudness_range(st, &ref.range);
  ebur128_destroy(&st);
  return ref;
}

double max_of(const std::vector<double>& v) {
  return v.empty() ? -INFINITY : *std::max_element(v.begin(), v.end());
}

Stereo scaled(Stereo x, double gl, double gr) {
  for (float& v : x.l) v = static_cast<float>(v * gl);
  for (float& v : x.r) v = static_cast<float>(v * gr);
  return x;
}

// Music whose level steps through sections (dB per section), including gaps
// far below the relative gate and digital silence, so both gates matter.
Stereo sectioned(std::size_t frames, double fs, std::vector<double> section_db, std::uint32_t seed) {
  Stereo x = music_like(frames, 0.9, seed, fs);
  const std::size_t len = frames / section_db.size();
  for (std::size_t i = 0; i < frames; ++i) {
    const double db = section_db[std::min(section_db.size() - 1, i / len)];
    const float g = db <= -200 ? 0.0f : static_cast<float>(db_to_lin(db));
    x.l[i] *= g;
    x.r[i] *= g;
  }
  return x;
}

struct Case {
  std::string name;
  double fs;
  std::function<Stereo(double)> make;
};

std::vector<Case> cases() {
  const auto secs = [](double s, double fs) { return static_cast<std::size_t>(s * fs); };
  std::vector<Case> out;
  for (double fs : {44100.0, 48000.0, 96000.0}) {  // the rates masters are made at, natively
    const std::string tag = fs == 44100.0 ? "@44k1" : fs == 48000.0 ? "@48k" : "@96k";
    for (double peak : {1.0, 0.25, 0.02})
      out.push_back({"music peak " + std::to_string(peak) + tag, fs,
                     [=](double f) { return music_like(secs(10, f), peak, 3, f); }});
    out.push_back({"white noise" + tag, fs, [=](double f) { return white_noise(secs(8, f), 0.5, 7); }});
    for (double hz : {100.0, 1000.0, 10000.0, 0.45 * fs})
      out.push_back({"sine " + std::to_string(hz) + tag, fs,
                     [=](double f) { return sine(secs(5, f), hz, 0.5, f); }});
    out.push_back({"sine 1k, R at -12 dB" + tag, fs,
                   [=](double f) { return sine(secs(5, f), 1000.0, 0.5, f, 0.25); }});
    out.push_back({"music, R at -9 dB" + tag, fs,
                   [=](double f) { return scaled(music_like(secs(10, f), 0.8, 5, f), 1.0, 0.35); }});
    out.push_back({"music with gaps" + tag, fs, [=](double f) {
                     return sectioned(secs(24, f), f, {0, -6, -300, -3, -40, -12, -85, 0}, 11);
                   }});
    out.push_back({"music, wide dynamics" + tag, fs, [=](double f) {
                     return sectioned(secs(30, f), f, {-25, -18, -12, -6, 0, -9, -20, -3, -15, -1}, 13);
                   }});
  }
  return out;
}

TEST(Loudness, KWeightingReproducesBs1770CoefficientsAt48k) {
  const auto k = k_weighting_filters(48000.0);
  // ITU-R BS.1770-4, Tables 1 and 2.
  EXPECT_NEAR(k[0].b0, 1.53512485958697, 1e-9);
  EXPECT_NEAR(k[0].b1, -2.69169618940638, 1e-9);
  EXPECT_NEAR(k[0].b2, 1.19839281085285, 1e-9);
  EXPECT_NEAR(k[0].a1, -1.69065929318241, 1e-9);
  EXPECT_NEAR(k[0].a2, 0.73248077421585, 1e-9);
  EXPECT_EQ(k[1].b0, 1.0);
  EXPECT_EQ(k[1].b1, -2.0);
  EXPECT_EQ(k[1].b2, 1.0);
  EXPECT_NEAR(k[1].a1, -1.99004745483398, 1e-9);
  EXPECT_NEAR(k[1].a2, 0.99007225036621, 1e-9);
}

TEST(Loudness, KWeightingShapeAt44k1) {
  // Shelf: about +4 dB at high frequencies; high pass: strong cut at 10 Hz.
  const auto k = k_weighting_filters(44100.0);
  const auto gain_db = [&](double f) {
    return lin_to_db(biquad_magnitude(k[0], f, 44100.0) * biquad_magnitude(k[1], f, 44100.0));
  };
  EXPECT_NEAR(gain_db(10000.0), 4.0, 0.1);
  EXPECT_NEAR(gain_db(997.0), 0.691, 0.05);  // what the -0.691 offset cancels
  EXPECT_LT(gain_db(10.0), -10.0);
}

TEST(Loudness, StereoSineAt997HzReadsItsPeakLevel) {
  // Two channels of a sine with amplitude A: mean square A^2/2 each, summed
  // A^2, so L = -0.691 + 20 log10(A |K(997 Hz)|) ~= 20 log10(A) (Tech 3341 test 1).
  for (double fs : {44100.0, 48000.0}) {
    for (double level_db : {-23.0, -18.0}) {
      const Stereo x = sine(static_cast<std::size_t>(10 * fs), 997.0, db_to_lin(level_db), fs);
      const auto k = k_weighting_filters(fs);
      const double k_gain = biquad_magnitude(k[0], 997.0, fs) * biquad_magnitude(k[1], 997.0, fs);
      const double exact = -0.691 + lin_to_db(db_to_lin(level_db) * k_gain);
      EXPECT_NEAR(integrated_loudness(x, fs), exact, 0.005);
      EXPECT_NEAR(integrated_loudness(x, fs), level_db, 0.05);
      const auto m = momentary_loudness(x, fs);
      EXPECT_NEAR(m[10], exact, 0.01);
      EXPECT_NEAR(short_term_loudness(x, fs)[5], exact, 0.01);
    }
  }
}

TEST(Loudness, AgreesWithLibebur128) {
  double worst_i = 0, worst_m = 0, worst_s = 0, worst_lra = 0;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const Stereo x = c.make(c.fs);
    const Reference ref = reference(x, c.fs);
    const double i = integrated_loudness(x, c.fs);
    const double lra = loudness_range(x, c.fs);
    const double m = max_of(momentary_loudness(x, c.fs));
    const double s = max_of(short_term_loudness(x, c.fs));
    EXPECT_NEAR(i, ref.integrated, 0.1);
    EXPECT_NEAR(m, ref.max_momentary, 0.1);
    EXPECT_NEAR(s, ref.max_short_term, 0.1);
    EXPECT_NEAR(lra, ref.range, 0.2);
    worst_i = std::max(worst_i, std::abs(i - ref.integrated));
    worst_m = std::max(worst_m, std::abs(m - ref.max_momentary));
    worst_s = std::max(worst_s, std::abs(s - ref.max_short_term));
    worst_lra = std::max(worst_lra, std::abs(lra - ref.range));
    std::printf("  %-28s I %8.3f (ref %8.3f)  LRA %6.2f (ref %6.2f)\n", c.name.c_str(), i,
                ref.integrated, lra, ref.range);
  }
  std::printf("worst |diff| vs libebur128: integrated %.2e LU, momentary max %.2e, "
              "short-term max %.2e, LRA %.2e\n", worst_i, worst_m, worst_s, worst_lra);
}

TEST(Loudness, GatingMatters) {
  // A loud half and a digitally silent half: silence is gated out, so the
  // integrated loudness is that of the loud half alone (the plain mean square
  // over everything would be 3 dB lower). The few blocks straddling the edge
  // pass the gates at reduced level and cost ~0.15 LU.
  const double fs = 44100.0;
  const Stereo loud = music_like(static_cast<std::size_t>(6 * fs), 0.8, 21, fs);
  Stereo both = loud;
  both.resize(2 * loud.frames());
  EXPECT_NEAR(integrated_loudness(both, fs), integrated_loudness(loud, fs), 0.25);
  // A section 20 dB down is under the relative gate (-10 LU) and ignored too.
  Stereo quiet_tail = loud;
  quiet_tail.resize(2 * loud.frames());
  for (std::size_t i = loud.frames(); i < quiet_tail.frames(); ++i) {
    quiet_tail.l[i] = 0.1f * loud.l[i - loud.frames()];
    quiet_tail.r[i] = 0.1f * loud.r[i - loud.frames()];
  }
  EXPECT_NEAR(integrated_loudness(quiet_tail, fs), integrated_loudness(loud, fs), 0.25);
  // ...but it widens the loudness range to about 20 LU.
  EXPECT_NEAR(loudness_range(quiet_tail, fs), 20.0, 2.0);
}

TEST(Loudness, SilenceAndShortSignals) {
  const double fs = 48000.0;
  const Stereo silence(static_cast<std::size_t>(5 * fs));
  EXPECT_EQ(integrated_loudness(silence, fs), -INFINITY);
  EXPECT_EQ(loudness_range(silence, fs), 0.0);
  const auto m = momentary_loudness(silence, fs);
  ASSERT_EQ(m.size(), 47u);  // windows of 0.4 s every 0.1 s in 5 s
  for (double v : m) EXPECT_EQ(v, -INFINITY);
  const auto s = short_term_loudness(silence, fs, 0.5);
  ASSERT_EQ(s.size(), 5u);  // 3 s windows every 0.5 s in 5 s
  for (double v : s) EXPECT_EQ(v, -INFINITY);

  const Stereo short_sine = sine(static_cast<std::size_t>(0.3 * fs), 1000.0, 0.5, fs);
  EXPECT_EQ(integrated_loudness(short_sine, fs), -INFINITY);
  EXPECT_TRUE(momentary_loudness(short_sine, fs).empty());
  EXPECT_EQ(loudness_range(short_sine, fs), 0.0);

  // Below the absolute gate: -80 dBFS sine is gated out entirely.
  const Stereo whisper = sine(static_cast<std::size_t>(2 * fs), 1000.0, db_to_lin(-80.0), fs);
  EXPECT_EQ(integrated_loudness(whisper, fs), -INFINITY);
  EXPECT_NEAR(max_of(momentary_loudness(whisper, fs)), -80.0, 0.1);  // not gated
}

TEST(Loudness, MomentaryHopAndChannelBalance) {
  const double fs = 44100.0;
  const Stereo x = music_like(static_cast<std::size_t>(4 * fs), 0.7, 9, fs);
  // Windows at a finer hop include the 100 ms ones.
  const auto coarse = momentary_loudness(x, fs, 0.1);
  const auto fine = momentary_loudness(x, fs, 0.05);
  ASSERT_EQ(fine.size(), 2 * coarse.size() - 1);
  for (std::size_t k = 0; k < coarse.size(); ++k) EXPECT_NEAR(fine[2 * k], coarse[k], 1e-9);
  // Both channels weigh 1: swapping them changes nothing, a mono signal in
  // one channel reads 3 dB under the same signal in both.
  Stereo swapped = x;
  std::swap(swapped.l, swapped.r);
  EXPECT_NEAR(integrated_loudness(swapped, fs), integrated_loudness(x, fs), 1e-9);
  Stereo left_only = x;
  left_only.r = left_only.l;
  const double both = integrated_loudness(left_only, fs);
  std::fill(left_only.r.begin(), left_only.r.end(), 0.0f);
  EXPECT_NEAR(integrated_loudness(left_only, fs), both - 10.0 * std::log10(2.0), 0.01);
  EXPECT_NEAR(lin_to_db(0.5), -6.0206, 1e-4);
  EXPECT_EQ(lin_to_db(0.0), -INFINITY);
  EXPECT_NEAR(db_to_lin(-6.0206), 0.5, 1e-5);
}

}  // namespace
}  // namespace ito

namespace ito {
namespace {

TEST(Loudness, MeterFedInBlocksEqualsTheWholeSignal) {
  // The final stage measures its trials block by block without keeping them.
  const Stereo x = testing::music_like(static_cast<std::size_t>(9.3 * 44100), 0.3, 51);
  LoudnessMeter meter(44100.0);
  for (std::size_t begin = 0, k = 0; begin < x.frames(); ++k) {
    const std::size_t n = std::min<std::size_t>(1000 + 4567 * (k % 3), x.frames() - begin);
    meter.add(x.l.data() + begin, x.r.data() + begin, n);
    begin += n;
  }
  EXPECT_EQ(meter.integrated(), integrated_loudness(x, 44100.0));
  EXPECT_TRUE(std::isinf(LoudnessMeter(44100.0).integrated()));  // nothing fed: no block
}

}  // namespace
}  // namespace ito

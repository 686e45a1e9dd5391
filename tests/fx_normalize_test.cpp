// Tests for the input's Fx-normalization (spec section 4) and the fxnorm-stats tool.
#include "master/fx_normalize.h"

#include <ebur128.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <complex>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "analysis/fft.h"
#include "analysis/loudness.h"
#include "cli/args.h"
#include "cli/audio_io.h"
#include "cli/cmd_fxnorm_stats.h"
#include "test_signals.h"

namespace ito {
namespace {

using testing::kFs;

// Periodic Gaussian-like noise whose power spectral density falls by slope_db_per_oct
// per octave above 1 kHz (rises below), made by an inverse FFT of random-phase bins.
std::vector<float> colored_noise(int log2_frames, double slope_db_per_oct, std::uint32_t seed) {
  const int n = 1 << log2_frames;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> phase(0.0, 2.0 * 3.14159265358979323846);
  std::vector<std::complex<float>> bins(n / 2 + 1);
  for (int k = 1; k < n / 2; ++k) {
    const double f = k * kFs / n;
    const double amp = std::pow(10.0, slope_db_per_oct * std::log2(f / 1000.0) / 20.0);
    bins[k] = std::polar(static_cast<float>(amp), static_cast<float>(phase(rng)));
  }
  std::vector<float> x(n);
  cached_real_fft(n).backward(bins.data(), x.data());
  double energy = 0.0;
  for (float v : x) energy += double(v) * v;
  const float scale = static_cast<float>(0.1 / std::sqrt(energy / n));  // RMS 0.1
  for (float& v : x) v *= scale;
  return x;
}

// L = mid + side, R = mid - side (so side/mid energy ratio = E[side^2] / E[mid^2]).
Stereo from_mid_side(const std::vector<float>& mid, const std::vector<float>& side, float side_gain) {
  Stereo x(mid.size());
  for (std::size_t i = 0; i < mid.size(); ++i) {
    x.l[i] = mid[i] + side_gain * side[i];
    x.r[i] = mid[i] - side_gain * side[i];
  }
  return x;
}

double rms_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s / a.size());
}

// Integrated loudness from libebur128, the independent reference.
double ebur128_lufs(const Stereo& x) {
  ebur128_state* st = ebur128_init(2, static_cast<unsigned long>(kFs), EBUR128_MODE_I);
  std::vector<float> interleaved(2 * x.frames());
  for (std::size_t i = 0; i < x.frames(); ++i) {
    interleaved[2 * i] = x.l[i];
    interleaved[2 * i + 1] = x.r[i];
  }
  ebur128_add_frames_float(st, interleaved.data(), x.frames());
  double lufs = 0.0;
  ebur128_loudness_global(st, &lufs);
  ebur128_destroy(&st);
  return lufs;
}

FxNormStats example_stats() {
  FxNormStats s;
  s.band_hz = default_fxnorm_band_hz();
  for (std::size_t b = 0; b < s.band_hz.size(); ++b) s.band_db.push_back(0.37 * b - 5.18 + 0.001 * b * b);
  s.side_mid_ratio_db = -9.876543;
  s.target_lufs = -16.0;
  return s;
}

// --- Text format -------------------------------------------------------------------

TEST(FxNormStatsFormat, RoundTrips) {
  const FxNormStats s = example_stats();
  const std::string text = format_fxnorm_stats(s);
  EXPECT_NE(text.find('#'), std::string::npos) << "the format carries explanatory comments";
  const FxNormStats p = parse_fxnorm_stats(text);
  ASSERT_EQ(p.band_hz.size(), s.band_hz.size());
  ASSERT_EQ(p.band_db.size(), s.band_db.size());
  for (std::size_t b = 0; b < s.band_hz.size(); ++b) {
    EXPECT_NEAR(p.band_hz[b], s.band_hz[b], 1e-6);
    EXPECT_NEAR(p.band_db[b], s.band_db[b], 1e-6);
  }
  EXPECT_NEAR(p.side_mid_ratio_db, s.side_mid_ratio_db, 1e-6);
  EXPECT_NEAR(p.target_lufs, s.target_lufs, 1e-6);
  // Comments, blank lines and CRLF line ends are fine.
  EXPECT_NO_THROW(parse_fxnorm_stats("# c\r\n\nversion 1\r\ntarget_lufs -14\nside_mid_ratio_db -8\n"
                                     "bands 2\n100 1.5\n# between\n200 -1.5\n"));
}

TEST(FxNormStatsFormat, RejectsBadText) {
  const std::string good = "version 1\ntarget_lufs -14\nside_mid_ratio_db -8\nbands 2\n100 1.5\n200 -1.5\n";
  ASSERT_NO_THROW(parse_fxnorm_stats(good));
  const char* bad[] = {
      "",                                                                            // nothing
      "target_lufs -14\nside_mid_ratio_db -8\nbands 2\n100 1.5\n200 -1.5\n",         // no version
      "version 2\ntarget_lufs -14\nside_mid_ratio_db -8\nbands 2\n100 1.5\n200 -1.5\n",
      "version 1\nside_mid_ratio_db -8\nbands 2\n100 1.5\n200 -1.5\n",               // no target
      "version 1\ntarget_lufs -14\nbands 2\n100 1.5\n200 -1.5\n",                    // no ratio
      "version 1\ntarget_lufs -14\nside_mid_ratio_db -8\n",                          // no bands
      "version 1\ntarget_lufs -14\nside_mid_ratio_db -8\nbands 3\n100 1.5\n200 -1.5\n",  // too few
      "version 1\ntarget_lufs -14\nside_mid_ratio_db -8\nbands 2\n100 1.5\n200 -1.5\n300 0\n",  // too many
      "version 1\ntarget_lufs loud\nside_mid_ratio_db -8\nbands 2\n100 1.5\n200 -1.5\n",
      "version 1\ntarget_lufs nan\nside_mid_ratio_db -8\nbands 2\n100 1.5\n200 -1.5\n",
      "version 1\ntarget_lufs -14dB\nside_mid_ratio_db -8\nbands 2\n100 1.5\n200 -1.5\n",
      "version 1\ntarget_lufs -14\nside_mid_ratio_db -8\nbands 2\n200 1.5\n100 -1.5\n",  // decreasing
      "version 1\ntarget_lufs -14\nside_mid_ratio_db -8\nbands 2\n-100 1.5\n200 -1.5\n",
      "version 1\ntarget_lufs -14\nside_mid_ratio_db -8\nbands 2\n100 1.5 7\n200 -1.5\n",
      "version 1\ntarget_lufs -14\nside_mid_ratio_db -8\nbands 2.5\n100 1.5\n200 -1.5\n",
      "version 1\nloudness -14\ntarget_lufs -14\nside_mid_ratio_db -8\nbands 2\n100 1.5\n200 -1.5\n",
  };
  for (const char* text : bad) EXPECT_THROW(parse_fxnorm_stats(text), std::runtime_error) << text;
}

// --- Measurements --------------------------------------------------------------------

TEST(LongTermBandDb, WhiteNoiseFollowsBandwidth) {
  // White noise has equal power per Hz, so band energy grows with the bandwidth, which
  // is proportional to the centre frequency: 10 log10(fc) up to a constant. Bands from
  // 200 Hz hold >= 15 bins, so bin quantization stays small there.
  const Stereo x = testing::white_noise(20 * 44100, 0.3, 7);
  const std::vector<double> hz = default_fxnorm_band_hz();
  const std::vector<double> db = long_term_band_db(x, kFs, hz);
  ASSERT_EQ(db.size(), hz.size());
  double mean_all = 0.0;
  for (double v : db) mean_all += v;
  EXPECT_NEAR(mean_all, 0.0, 1e-9) << "the shape has zero mean";

  std::vector<double> measured, expected;
  for (std::size_t b = 0; b < hz.size(); ++b) {
    if (hz[b] < 200.0) continue;
    measured.push_back(db[b]);
    expected.push_back(10.0 * std::log10(hz[b]));
  }
  double offset = 0.0;
  for (std::size_t i = 0; i < measured.size(); ++i) offset += (measured[i] - expected[i]) / measured.size();
  for (std::size_t i = 0; i < measured.size(); ++i) EXPECT_NEAR(measured[i] - offset, expected[i], 0.5) << i;
}

TEST(LongTermBandDb, LevelIndependentAndPeaksAtASine) {
  const std::vector<double> hz = default_fxnorm_band_hz();
  Stereo x = testing::music_like(5 * 44100, 0.8, 3);
  Stereo quiet = x;
  for (std::size_t i = 0; i < x.frames(); ++i) quiet.l[i] *= 0.01f, quiet.r[i] *= 0.01f;
  const std::vector<double> a = long_term_band_db(x, kFs, hz), b = long_term_band_db(quiet, kFs, hz);
  for (std::size_t i = 0; i < hz.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-3);

  // A 1 kHz sine (band index 16) dominates its band by far over bands two octaves away.
  const std::vector<double> s = long_term_band_db(testing::sine(3 * 44100, 1000.0, 0.5), kFs, hz);
  EXPECT_NEAR(hz[16], 1000.0, 1e-9);
  for (std::size_t i = 0; i < hz.size(); ++i) {
    if (i != 16) {
      EXPECT_LT(s[i], s[16]) << i;
    }
  }
  EXPECT_GT(s[16] - s[10], 40.0);
  EXPECT_GT(s[16] - s[22], 40.0);

  // Silence has no shape: zeros, not NaN.
  for (double v : long_term_band_db(Stereo(44100), kFs, hz)) EXPECT_EQ(v, 0.0);
}

TEST(SideMidRatioDb, MatchesDirectSums) {
  const std::vector<float> mid = colored_noise(16, 0.0, 1), side = colored_noise(16, -1.0, 2);
  const float g = 0.3f;
  const Stereo x = from_mid_side(mid, side, g);
  double e_mid = 0.0, e_side = 0.0;
  for (std::size_t i = 0; i < mid.size(); ++i) {
    e_mid += double(mid[i]) * mid[i];
    e_side += double(g * side[i]) * (g * side[i]);
  }
  EXPECT_NEAR(side_mid_ratio_db(x), 10.0 * std::log10(e_side / e_mid), 1e-4);

  Stereo mono = x;
  mono.r = mono.l;
  EXPECT_EQ(side_mid_ratio_db(mono), -INFINITY);
  Stereo antiphase = x;
  for (std::size_t i = 0; i < x.frames(); ++i) antiphase.r[i] = -antiphase.l[i];
  EXPECT_EQ(side_mid_ratio_db(antiphase), INFINITY);
  EXPECT_EQ(side_mid_ratio_db(Stereo(1000)), 0.0);
}

// --- Normalization -------------------------------------------------------------------

// Corpus-like target statistics taken from a reference signal (pink-ish, narrow).
FxNormStats stats_from(const Stereo& reference, double target_lufs) {
  FxNormStats s;
  s.band_hz = default_fxnorm_band_hz();
  s.band_db = long_term_band_db(reference, kFs, s.band_hz);
  s.side_mid_ratio_db = side_mid_ratio_db(reference);
  s.target_lufs = target_lufs;
  return s;
}

TEST(FxNormalize, PullsTiltedSpectrumWidthAndLoudnessToTarget) {
  const Stereo reference = from_mid_side(colored_noise(20, -3.0, 11), colored_noise(20, -3.0, 12), 0.35f);
  const FxNormStats stats = stats_from(reference, -16.0);
  ASSERT_NEAR(stats.side_mid_ratio_db, -9.1, 0.2);

  // Input: -1 dB/octave against the reference's -3, i.e. tilted up by 2 dB/octave
  // relative to the target (about +-9 dB over the bands), and much wider (side 0.9 x mid).
  const Stereo x = from_mid_side(colored_noise(20, -1.0, 21), colored_noise(20, -1.0, 22), 0.9f);
  const double before = rms_difference(long_term_band_db(x, kFs, stats.band_hz), stats.band_db);
  ASSERT_GT(before, 4.0) << "the input must be strongly tilted for this test to mean something";

  FxNormReport report;
  const Stereo y = fx_normalize(x, kFs, stats, &report);
  ASSERT_EQ(y.frames(), x.frames());
  const double after = rms_difference(long_term_band_db(y, kFs, stats.band_hz), stats.band_db);
  EXPECT_LT(after * 3.0, before) << "before " << before << " dB, after " << after << " dB";
  EXPECT_LT(after, 1.0);
  std::printf("band shape error: %.2f dB -> %.2f dB\n", before, after);

  // The correction is a tilt down of about 2 dB/octave: bass up, treble down.
  ASSERT_EQ(report.eq_correction_db.size(), stats.band_hz.size());
  EXPECT_GT(report.eq_correction_db.front(), 5.0);
  EXPECT_LT(report.eq_correction_db.back(), -5.0);
  for (double c : report.eq_correction_db) EXPECT_LE(std::abs(c), kFxNormMaxCorrectionDb);

  EXPECT_NEAR(side_mid_ratio_db(y), stats.side_mid_ratio_db, 0.5);
  EXPECT_LT(report.side_gain_db, -5.0);
  EXPECT_NEAR(ebur128_lufs(y), stats.target_lufs, 0.1);

  // Zero phase: the output lines up with the input (cross-correlation peaks at lag 0).
  auto correlation = [&](int lag) {
    double s = 0.0;
    for (std::size_t i = 100; i + 100 < x.frames(); ++i) s += double(x.l[i]) * y.l[i + lag];
    return s;
  };
  const double at_zero = correlation(0);
  for (int lag : {-3, -2, -1, 1, 2, 3}) EXPECT_GT(at_zero, correlation(lag)) << lag;

  // The report applied again is the same normalization; and at another rate (a master at the
  // mix's own rate) the same band shape, side ratio and loudness.
  EXPECT_EQ(apply_fx_normalization(x, kFs, report).l, y.l);
  const double fs2 = 2 * kFs;
  Stereo x2(2 * x.frames());  // x at twice the rate: each sample held twice, then smoothed by the EQ alike
  for (std::size_t i = 0; i < x2.frames(); ++i) x2.l[i] = x.l[i / 2], x2.r[i] = x.r[i / 2];
  const Stereo y2 = apply_fx_normalization(x2, fs2, report);
  const std::vector<double> shape = long_term_band_db(y, kFs, stats.band_hz), shape2 = long_term_band_db(y2, fs2, stats.band_hz);
  for (std::size_t b = 0; b + 3 < shape.size(); ++b)  // below 8 kHz, where holding samples barely filters
    EXPECT_NEAR(shape2[b] - long_term_band_db(x2, fs2, stats.band_hz)[b], shape[b] - long_term_band_db(x, kFs, stats.band_hz)[b], 0.3)
        << stats.band_hz[b] << " Hz";
  EXPECT_NEAR(side_mid_ratio_db(y2) - side_mid_ratio_db(x2), side_mid_ratio_db(y) - side_mid_ratio_db(x), 0.1);
  FxNormReport bad = report;
  bad.band_hz.pop_back();
  EXPECT_THROW(apply_fx_normalization(x, kFs, bad), std::invalid_argument);
}

TEST(FxNormalize, InputAlreadyAtTargetOnlyChangesLevel) {
  const Stereo x = testing::music_like(6 * 44100, 0.5, 5);
  const FxNormStats stats = stats_from(x, -14.0);
  FxNormReport report;
  const Stereo y = fx_normalize(x, kFs, stats, &report);
  for (double c : report.eq_correction_db) EXPECT_NEAR(c, 0.0, 1e-9);
  EXPECT_NEAR(report.side_gain_db, 0.0, 0.01);
  const double g = db_to_lin(report.loudness_gain_db);
  double worst = 0.0;
  for (std::size_t i = 0; i < x.frames(); ++i)
    worst = std::max({worst, std::abs(y.l[i] - g * x.l[i]), std::abs(y.r[i] - g * x.r[i])});
  EXPECT_LT(worst, 1e-3 * g * 0.5) << "the no-op EQ must not shift or colour the signal";
  EXPECT_NEAR(ebur128_lufs(y), -14.0, 0.1);
}

TEST(FxNormalize, MonoStaysMono) {
  Stereo x = testing::music_like(6 * 44100, 0.5, 9);
  x.r = x.l;
  const Stereo reference = from_mid_side(colored_noise(18, -3.0, 1), colored_noise(18, -3.0, 2), 0.5f);
  FxNormReport report;
  const Stereo y = fx_normalize(x, kFs, stats_from(reference, -16.0), &report);
  EXPECT_EQ(report.side_gain_db, 0.0);
  for (std::size_t i = 0; i < y.frames(); ++i) ASSERT_EQ(y.l[i], y.r[i]) << i;
  EXPECT_NEAR(ebur128_lufs(y), -16.0, 0.1);
}

TEST(FxNormalize, ClampsCorrections) {
  // A sine is as far from a music spectrum as it gets: every correction hits +-12 dB
  // somewhere, and nothing goes beyond.
  const Stereo x = testing::sine(4 * 44100, 1000.0, 0.5, kFs, 0.2);  // R = 0.2 L
  const Stereo reference = from_mid_side(colored_noise(18, -3.0, 1), colored_noise(18, -3.0, 2), 0.1f);
  FxNormReport report;
  const Stereo y = fx_normalize(x, kFs, stats_from(reference, -16.0), &report);
  double largest = 0.0;
  for (double c : report.eq_correction_db) largest = std::max(largest, std::abs(c));
  EXPECT_DOUBLE_EQ(largest, kFxNormMaxCorrectionDb);
  EXPECT_LE(std::abs(report.side_gain_db), kFxNormMaxCorrectionDb);
  for (std::size_t i = 0; i < y.frames(); ++i) ASSERT_TRUE(std::isfinite(y.l[i]) && std::isfinite(y.r[i]));
}

TEST(FxNormalize, SilencePassesThroughUnchanged) {
  const Stereo reference = from_mid_side(colored_noise(18, -3.0, 1), colored_noise(18, -3.0, 2), 0.5f);
  FxNormReport report;
  const Stereo silence(3 * 44100);
  const Stereo y = fx_normalize(silence, kFs, stats_from(reference, -16.0), &report);
  ASSERT_EQ(y.frames(), silence.frames());
  for (std::size_t i = 0; i < y.frames(); ++i) ASSERT_TRUE(y.l[i] == 0.0f && y.r[i] == 0.0f);
  EXPECT_EQ(report.loudness_gain_db, 0.0);
  EXPECT_EQ(report.side_gain_db, 0.0);
  for (double c : report.eq_correction_db) EXPECT_EQ(c, 0.0);

  FxNormStats broken = stats_from(reference, -16.0);
  broken.band_db.pop_back();
  EXPECT_THROW(fx_normalize(reference, kFs, broken), std::invalid_argument);
}

// --- The stats tool ------------------------------------------------------------------

class FxNormStatsTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ito_fxnorm_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FxNormStatsTool, AveragesTrainSongsEquallyAndSkipsMonoForWidth) {
  // Three train songs (one exactly mono) and one val song that must be ignored.
  const Stereo a = from_mid_side(colored_noise(17, -3.0, 1), colored_noise(17, -3.0, 2), 0.3f);
  const Stereo b = from_mid_side(colored_noise(17, 0.0, 3), colored_noise(17, -2.0, 4), 0.6f);
  Stereo mono = testing::music_like(3 * 44100, 0.5, 5);
  mono.r = mono.l;
  const Stereo val = from_mid_side(colored_noise(17, 3.0, 6), colored_noise(17, 3.0, 7), 1.0f);
  write_wav_float((dir_ / "a.wav").string(), a, kFs);
  write_wav_float((dir_ / "b.wav").string(), b, kFs);
  write_wav_float((dir_ / "mono.wav").string(), mono, kFs);
  write_wav_float((dir_ / "val.wav").string(), val, kFs);
  // Paths relative to the index's folder are resolved there.
  std::ofstream((dir_ / "index.tsv").string()) << "path\tpackage\tseconds\tsplit\n"
                                                  "a.wav\tp1\t3.0\ttrain\n"
                                                  "b.wav\tp2\t3.0\ttrain\n"
                                                  "mono.wav\tp2\t3.0\ttrain\n"
                                                  "val.wav\tp1\t3.0\tval\n";
  const std::string out = (dir_ / "stats.txt").string();
  ASSERT_EQ(run_fxnorm_stats({"--index", (dir_ / "index.tsv").string(), "--split", "train", "--out", out,
                              "--target-lufs", "-15"}),
            0);
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const FxNormStats s = parse_fxnorm_stats(text);

  const std::vector<double> hz = default_fxnorm_band_hz();
  const auto da = long_term_band_db(a, kFs, hz), db = long_term_band_db(b, kFs, hz),
             dm = long_term_band_db(mono, kFs, hz);
  ASSERT_EQ(s.band_hz.size(), hz.size());
  for (std::size_t i = 0; i < hz.size(); ++i) EXPECT_NEAR(s.band_db[i], (da[i] + db[i] + dm[i]) / 3.0, 1e-4) << i;
  EXPECT_NEAR(s.side_mid_ratio_db, 0.5 * (side_mid_ratio_db(a) + side_mid_ratio_db(b)), 1e-4);
  EXPECT_EQ(s.target_lufs, -15.0);
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp-" + std::to_string(::getpid())));
}

TEST_F(FxNormStatsTool, ReportsBadInput) {
  const std::string out = (dir_ / "stats.txt").string();
  EXPECT_THROW(run_fxnorm_stats({"--index", (dir_ / "missing.tsv").string(), "--out", out}), std::runtime_error);
  EXPECT_THROW(run_fxnorm_stats({"--index", (dir_ / "missing.tsv").string()}), UsageError);
  EXPECT_THROW(run_fxnorm_stats({"--index", "x", "--out", out, "--bogus", "1"}), UsageError);
  std::ofstream((dir_ / "index.tsv").string()) << "path\tpackage\tseconds\tsplit\nnothere.ogg\tp\t1\tval\n";
  EXPECT_EQ(run_fxnorm_stats({"--index", (dir_ / "index.tsv").string(), "--out", out}), 1)
      << "no train songs";
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace ito

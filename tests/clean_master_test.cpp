// Clean masters (master/musical_prior.h, master/match_eq.h): a clean tonal test signal
// (sustained sine notes with one slow swell) mastered against references of three
// loudnesses must come out without audible distortion: energy outside the notes'
// frequencies at most -40 dB of the total for references at -13 LUFS or quieter, and for
// a loud reference no worse than the final stage's transparent look-ahead limiter alone
// reaching the same loudness. Both product defaults are checked: ITO on Θ and the shipped
// white-box model. The expert ranges (the paper's) are the counter-check: they do distort.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/fft.h"
#include "analysis/loudness.h"
#include "master/mastering.h"
#include "master/model_mastering.h"
#include "models/model_file.h"
#include "test_signals.h"

namespace ito {
namespace {

using testing::kFs;
constexpr int kFft = 16384, kHop = 4096;
constexpr double kPi = 3.14159265358979323846;

// Notes on exact FFT bins (no window leakage beyond the main lobe), no two an octave or
// a twelfth apart, so the 2nd and 3rd harmonics land outside the notes.
constexpr int kNoteBins[] = {41, 61, 103, 154, 275, 367};
constexpr double kNoteAmps[] = {1.0, 0.8, 0.6, 0.45, 0.3, 0.4};

double bin_hz(int bin) { return bin * kFs / kFft; }

// 12 s of the chord, with a 12 dB swell from 2 s to 10 s (top at 6 s), peak -6 dBFS, the
// right channel 1 dB quieter and each note panned a little.
Stereo tone_test_signal() {
  const std::size_t n = static_cast<std::size_t>(12.0 * kFs);
  Stereo x(n);
  double peak = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = i / kFs;
    const double swell_db = t < 2 || t > 10 ? 0.0 : 12.0 * std::sin(kPi * (t - 2) / 8.0);
    const double fade = std::min({1.0, t / 0.5, (12.0 - t) / 0.5});
    const double env = fade * std::pow(10.0, (swell_db - 12.0) / 20.0);
    double l = 0, r = 0;
    for (int k = 0; k < 6; ++k) {
      const double s = kNoteAmps[k] * std::sin(2 * kPi * bin_hz(kNoteBins[k]) * t);
      const double pan = 0.1 * (k % 3 - 1);
      l += s * (1 - pan), r += s * (1 + pan);
    }
    x.l[i] = static_cast<float>(env * l);
    x.r[i] = static_cast<float>(env * r * 0.891);
    peak = std::max({peak, std::abs(env * l), std::abs(env * r)});
  }
  const float g = static_cast<float>(db_to_lin(-6.0) / peak);
  for (float& v : x.l) v *= g;
  for (float& v : x.r) v *= g;
  return x;
}

// Energy outside the notes (±max(3 bins, 1.5 %) around each) relative to the total above
// 20 Hz, in dB, both channels: what distortion and modulation add.
double outside_notes_db(const Stereo& y) {
  const RealFft& fft = cached_real_fft(kFft);
  const std::vector<float> window = hann_window(kFft);
  std::vector<float> frame(kFft);
  std::vector<std::complex<float>> spectrum(fft.num_bins());
  std::vector<bool> in_note(fft.num_bins(), false);
  for (int bin : kNoteBins) {
    const int halfwidth = std::max(3, static_cast<int>(std::ceil(0.015 * bin)));
    for (int k = bin - halfwidth; k <= bin + halfwidth; ++k) in_note[k] = true;
  }
  const int first = static_cast<int>(std::ceil(20.0 * kFft / kFs));
  double outside = 0, total = 0;
  for (int c = 0; c < 2; ++c) {
    for (int t = 0; t < stft_num_frames(y.frames(), kHop); ++t) {
      stft_frame(y.channel(c), y.frames(), t, kHop, window.data(), kFft, frame.data());
      fft.forward(frame.data(), spectrum.data());
      for (int k = first; k < fft.num_bins(); ++k) {
        const double p = std::norm(spectrum[k]);
        total += p;
        if (!in_note[k]) outside += p;
      }
    }
  }
  return 10.0 * std::log10(outside / total);
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A music-like reference at `lufs`; `dense` soft-clips it first (a loud, low-crest master).
Stereo reference_at(double lufs, bool dense) {
  Stereo r = testing::music_like(static_cast<std::size_t>(15.0 * kFs), 0.9, 7);
  if (dense)
    for (int c = 0; c < 2; ++c)
      for (float& v : c ? r.r : r.l) v = std::tanh(3.0f * v);
  const float g = static_cast<float>(db_to_lin(lufs - integrated_loudness(r, kFs)));
  for (float& v : r.l) v *= g;
  for (float& v : r.r) v *= g;
  return r;
}

// The final stage alone on the level-matched input: a transparent look-ahead limiter
// reaching the same loudness, the yardstick for loud references.
double limiter_only_db(const Stereo& input, double target_lufs) {
  return outside_notes_db(finalize_to_target(input, kFs, {.target_lufs = target_lufs, .ceiling_dbtp = -1.0}));
}

struct Case {
  double lufs;
  bool dense;
};
const Case kCases[] = {{-18.0, false}, {-13.0, false}, {-8.0, true}};

void expect_clean(const Stereo& master, const Stereo& input, double lufs, const char* what) {
  const double outside = outside_notes_db(master);
  std::printf("[  clean   ] %s, reference %.0f LUFS: %.1f dB outside the notes\n", what, lufs, outside);
  if (lufs <= -13.0) {
    EXPECT_LE(outside, -40.0) << "reference at " << lufs << " LUFS";
  } else {
    const double yardstick = limiter_only_db(input, lufs);
    std::printf("[  clean   ] the final stage's limiter alone: %.1f dB\n", yardstick);
    EXPECT_LE(outside, yardstick + 1.0) << "reference at " << lufs << " LUFS; limiter alone " << yardstick;
  }
}

TEST(CleanMaster, TheTestSignalIsClean) {
  const Stereo x = tone_test_signal();
  EXPECT_LE(outside_notes_db(x), -60.0);
  Stereo clipped = x;  // and the metric hears a saturator
  for (float& v : clipped.l) v = std::tanh(6.0f * v);
  for (float& v : clipped.r) v = std::tanh(6.0f * v);
  EXPECT_GE(outside_notes_db(clipped), -30.0);
}

TEST(CleanMaster, ItoOnThetaAddsNoAudibleDistortion) {
  const Stereo x = tone_test_signal();
  for (const Case& c : kCases) {
    const Stereo ref = reference_at(c.lufs, c.dense);
    const MasteringResult r = master_with_reference(x, ref, kFs, MasteringOptions{});
    expect_clean(r.output, x, c.lufs, "ITO on Θ");
    EXPECT_FALSE(r.switches[static_cast<int>(Processor::Distortion)]) << "the saturator is off by default";
  }
}

TEST(CleanMaster, ExpertRangesAreThePapersAndDistort) {
  // The counter-check that the test can fail: the paper's whole space lets ITO distort.
  const Stereo x = tone_test_signal();
  MasteringOptions options;
  options.style = {1.0, true};
  const MasteringResult r = master_with_reference(x, reference_at(-13.0, false), kFs, options);
  const double outside = outside_notes_db(r.output);
  std::printf("[  clean   ] expert ranges, character 1, reference -13 LUFS: %.1f dB\n", outside);
  EXPECT_GT(outside, -40.0);
}

TEST(CleanMaster, WhiteBoxModelAddsNoAudibleDistortion) {
  const std::filesystem::path dir = std::filesystem::path(ITO_SOURCE_DIR) / "models";
  if (!std::filesystem::exists(dir / "whitebox.itom")) GTEST_SKIP() << "no models/whitebox.itom";
  models::Model model = models::parse_model(read_text(dir / "whitebox.itom"));
  model.fold();
  const FxNormStats stats = parse_fxnorm_stats(read_text(dir / "fxnorm_stats.txt"));
  const Stereo x = tone_test_signal();
  for (const Case& c : kCases) {
    ModelMasteringOptions options;
    options.ito.max_steps = kDefaultItoZSteps;
    options.theta_steps = kDefaultThetaSteps;
    const ModelMasteringResult r = master_with_model(x, reference_at(c.lufs, c.dense), kFs, model, stats, options);
    expect_clean(r.output, x, c.lufs, "white-box");
  }
}

}  // namespace
}  // namespace ito

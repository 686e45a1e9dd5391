// Tests for the CLI platform layer: audio file loading/writing, progress bar, JSON writer.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sndfile.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "cli/audio_io.h"
#include "cli/progress.h"
#include "test_signals.h"

namespace ito {
namespace {

namespace fs = std::filesystem;
constexpr double kPi = 3.14159265358979323846;

// A fresh directory per test, removed afterwards.
class AudioIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("ito_audio_io_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> dir_listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

// Writes interleaved samples with libsndfile directly (any format, any channel count).
void write_sndfile(const std::string& path, const std::vector<float>& interleaved, int channels, int rate,
                   int format) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  ASSERT_TRUE(sf_format_check(&info)) << "format not supported";
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  sf_command(f, SFC_SET_CLIPPING, nullptr, SF_TRUE);  // integer formats clip instead of wrapping
  const auto frames = static_cast<sf_count_t>(interleaved.size() / channels);
  ASSERT_EQ(sf_writef_float(f, interleaved.data(), frames), frames);
  ASSERT_EQ(sf_close(f), 0);
}

std::vector<float> interleave(const Stereo& x) {
  std::vector<float> v(2 * x.frames());
  for (std::size_t i = 0; i < x.frames(); ++i) {
    v[2 * i] = x.l[i];
    v[2 * i + 1] = x.r[i];
  }
  return v;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]));
  return m;
}

// Frequency from rising zero crossings (linear interpolation between samples).
double zero_crossing_frequency(const std::vector<float>& x, double fs, std::size_t skip) {
  double first = -1.0, last = -1.0;
  int count = 0;
  for (std::size_t i = skip + 1; i + skip < x.size(); ++i) {
    if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
      const double t = (i - 1) + x[i - 1] / (double(x[i - 1]) - x[i]);
      if (first < 0.0) first = t; else ++count;
      last = t;
    }
  }
  return count > 0 ? count * fs / (last - first) : 0.0;
}

double rms(const std::vector<float>& x, std::size_t skip) {
  double s = 0.0;
  for (std::size_t i = skip; i + skip < x.size(); ++i) s += double(x[i]) * x[i];
  return std::sqrt(s / (x.size() - 2 * skip));
}

// Normalized cross-correlation of a and b at lag 0 over the interior.
double correlation(const std::vector<float>& a, const std::vector<float>& b, std::size_t skip) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = skip; i + skip < std::min(a.size(), b.size()); ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs load_audio, expecting AudioError with all of the given phrases in the message.
void expect_load_error(const std::string& path, const std::vector<std::string>& phrases,
                       const LoadOptions& opt = {}) {
  try {
    load_audio(path, opt);
    ADD_FAILURE() << "no AudioError for " << path;
  } catch (const AudioError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(fs::path(path).filename().string()), std::string::npos) << msg;
    for (const auto& p : phrases) EXPECT_NE(msg.find(p), std::string::npos) << "missing '" << p << "' in: " << msg;
  }
}

// ---------------------------------------------------------------------------
// Round trips

TEST_F(AudioIoTest, Wav24RoundTripIsExactTo24Bits) {
  const Stereo x = testing::music_like(2 * 44100, 0.9, 7);
  const std::string path = file("master.wav");
  EXPECT_EQ(write_wav24_atomic(path, x, 44100.0, false), 0u);

  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  ASSERT_NE(f, nullptr);
  sf_close(f);
  EXPECT_EQ(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_24);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.samplerate, 44100);

  const LoadedAudio a = load_audio(path);
  EXPECT_EQ(a.sample_rate, 44100.0);
  EXPECT_EQ(a.source_rate, 44100.0);
  EXPECT_EQ(a.source_channels, 2);
  EXPECT_NEAR(a.source_seconds, 2.0, 1e-12);
  EXPECT_TRUE(a.warnings.empty());
  EXPECT_LT(max_abs_diff(a.audio.l, x.l), std::ldexp(1.0, -22));
  EXPECT_LT(max_abs_diff(a.audio.r, x.r), std::ldexp(1.0, -22));
}

TEST_F(AudioIoTest, Wav24ClampsOnlyOutOfRangeSamplesAndCountsThem) {
  Stereo x(1000);
  x.l[10] = 1.5f;
  x.l[11] = -2.0f;
  x.r[12] = std::numeric_limits<float>::quiet_NaN();
  x.r[13] = 1.0f;    // 1.0 itself is not representable in 24-bit PCM
  x.r[14] = -1.0f;   // but -1.0 is
  x.r[15] = 0.999f;  // in range
  const std::string path = file("c.wav");
  EXPECT_EQ(write_wav24_atomic(path, x, 44100.0, false), 4u);
  const LoadedAudio a = load_audio(path, LoadOptions{.min_seconds = 0.0});
  const double max24 = 1.0 - std::ldexp(1.0, -23);
  EXPECT_NEAR(a.audio.l[10], max24, 1e-9);
  EXPECT_NEAR(a.audio.l[11], -1.0, 1e-9);
  EXPECT_EQ(a.audio.r[12], 0.0f);
  EXPECT_NEAR(a.audio.r[13], max24, 1e-9);
  EXPECT_NEAR(a.audio.r[14], -1.0, 1e-9);
  EXPECT_NEAR(a.audio.r[15], 0.999, std::ldexp(1.0, -22));
}

TEST_F(AudioIoTest, MonoLoadsAsIdenticalChannels) {
  const Stereo s = testing::music_like(44100, 0.7, 3);
  const std::string path = file("mono.wav");
  write_sndfile(path, s.l, 1, 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const LoadedAudio a = load_audio(path);
  EXPECT_EQ(a.source_channels, 1);
  ASSERT_EQ(a.audio.frames(), s.frames());
  EXPECT_EQ(a.audio.l, a.audio.r);
  EXPECT_LE(max_abs_diff(a.audio.l, s.l), std::ldexp(1.0, -15));  // 16-bit quantization
}

// A 1 kHz sine resampled to 44.1 kHz must match the analytic sine sampled at 44.1 kHz:
// same length (+-1 frame), same frequency, amplitude and phase (no delay).
void check_resampled_sine(const std::string& path, int rate, ResampleQuality q, double tol) {
  const double amp = 0.5, f0 = 1000.0, seconds = 2.0;
  const std::size_t n = static_cast<std::size_t>(rate * seconds);
  std::vector<float> src(n);
  for (std::size_t i = 0; i < n; ++i) src[i] = static_cast<float>(amp * std::sin(2 * kPi * f0 * i / rate));
  write_sndfile(path, src, 1, rate, SF_FORMAT_WAV | SF_FORMAT_FLOAT);

  LoadOptions opt;
  opt.quality = q;
  const LoadedAudio a = load_audio(path, opt);
  EXPECT_EQ(a.source_rate, rate);
  EXPECT_NEAR(double(a.audio.frames()), 44100.0 * seconds, 1.0);
  EXPECT_NEAR(zero_crossing_frequency(a.audio.l, 44100.0, 2000), f0, 0.01);
  EXPECT_NEAR(rms(a.audio.l, 2000), amp / std::sqrt(2.0), 1e-3);
  double err = 0.0;
  for (std::size_t i = 2000; i + 2000 < a.audio.frames(); ++i) {
    err = std::max(err, std::fabs(a.audio.l[i] - amp * std::sin(2 * kPi * f0 * i / 44100.0)));
  }
  EXPECT_LT(err, tol) << "rate " << rate;
  EXPECT_EQ(a.audio.l, a.audio.r);
}

TEST_F(AudioIoTest, Resamples48kTo44k1) {
  check_resampled_sine(file("48k_best.wav"), 48000, ResampleQuality::Best, 2e-6);
  check_resampled_sine(file("48k_medium.wav"), 48000, ResampleQuality::Medium, 5e-6);
}

TEST_F(AudioIoTest, Resamples22k05To44k1) {
  check_resampled_sine(file("22k_best.wav"), 22050, ResampleQuality::Best, 2e-6);
  check_resampled_sine(file("22k_medium.wav"), 22050, ResampleQuality::Medium, 5e-6);
}

TEST_F(AudioIoTest, ResampleFunctionKeepsLengthAndIdentityAtSameRate) {
  const Stereo x = testing::music_like(48000, 0.5, 11, 48000.0);
  const Stereo y = resample(x, 48000.0, 44100.0);
  EXPECT_EQ(y.frames(), 44100u);
  EXPECT_EQ(y.r.size(), 44100u);
  const Stereo same = resample(x, 48000.0, 48000.0);
  EXPECT_EQ(same.l, x.l);
  EXPECT_THROW(resample(x, 0.0, 44100.0), AudioError);
}

TEST_F(AudioIoTest, FlacRoundTripIsLossless) {
  const Stereo x = testing::music_like(44100, 0.8, 5);
  const std::string path = file("song.flac");
  write_sndfile(path, interleave(x), 2, 44100, SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
  const LoadedAudio a = load_audio(path);
  EXPECT_EQ(a.source_channels, 2);
  EXPECT_LT(max_abs_diff(a.audio.l, x.l), std::ldexp(1.0, -22));
  EXPECT_LT(max_abs_diff(a.audio.r, x.r), std::ldexp(1.0, -22));
}

// Lossy codecs (decoded gaplessly by libsndfile): same length, same level and a
// high correlation with the source at lag 0 (a non-periodic signal, so a shifted
// decode would fail).
void check_lossy_round_trip(const std::string& path, int format) {
  const std::size_t n = 2 * 44100;
  const Stereo x = testing::music_like(n, 0.5, 21);
  write_sndfile(path, interleave(x), 2, 44100, format);
  const LoadedAudio a = load_audio(path);
  EXPECT_EQ(a.source_channels, 2);
  EXPECT_NEAR(double(a.audio.frames()), double(n), 1.0);
  for (int c = 0; c < 2; ++c) {
    const auto& got = c == 0 ? a.audio.l : a.audio.r;
    const auto& want = c == 0 ? x.l : x.r;
    EXPECT_GT(correlation(got, want, 2000), 0.98) << "channel " << c;
    EXPECT_NEAR(20 * std::log10(rms(got, 2000) / rms(want, 2000)), 0.0, 0.5) << "channel " << c;
  }
}

TEST_F(AudioIoTest, OggVorbisRoundTrip) {
  check_lossy_round_trip(file("song.ogg"), SF_FORMAT_OGG | SF_FORMAT_VORBIS);
}

TEST_F(AudioIoTest, Mp3RoundTrip) {
  SF_INFO probe{};
  probe.samplerate = 44100;
  probe.channels = 2;
  probe.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
  if (!sf_format_check(&probe)) GTEST_SKIP() << "this libsndfile cannot write MP3";
  check_lossy_round_trip(file("song.mp3"), probe.format);
}

// ---------------------------------------------------------------------------
// Level checks

TEST_F(AudioIoTest, ClippedInputLoadsWithWarning) {
  const Stereo hot = testing::sine(44100, 100.0, 1.3);  // flat tops at 16-bit full scale
  const std::string path = file("hot.wav");
  write_sndfile(path, interleave(hot), 2, 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const LoadedAudio a = load_audio(path);
  ASSERT_EQ(a.warnings.size(), 1u);
  EXPECT_NE(a.warnings[0].find("clipped"), std::string::npos) << a.warnings[0];
  EXPECT_NE(a.warnings[0].find("hot.wav"), std::string::npos);

  // A clean file normalized to exactly 0 dBFS is not flagged.
  Stereo clean = testing::sine(44100, 1000.0, 0.5);
  clean.l[5000] = 1.0f;
  const std::string clean_path = file("clean.wav");
  write_sndfile(clean_path, interleave(clean), 2, 44100, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  EXPECT_TRUE(load_audio(clean_path).warnings.empty());
}

TEST_F(AudioIoTest, FloatFileAboveFullScaleWarnsAndKeepsSamples) {
  const Stereo x = testing::sine(44100, 1000.0, 2.0);  // +6 dBFS peaks
  const std::string path = file("over.wav");
  write_wav_float(path, x, 44100.0);
  const LoadedAudio a = load_audio(path);
  EXPECT_NEAR(*std::max_element(a.audio.l.begin(), a.audio.l.end()), 2.0, 1e-3);
  ASSERT_EQ(a.warnings.size(), 1u);  // above 0 dBFS, but not clipped (no flat tops)
  EXPECT_NE(a.warnings[0].find("peaks above 0 dBFS (+6.0 dBFS)"), std::string::npos) << a.warnings[0];
}

// A WAV cut off in the middle of its data loads what is there, with a warning.
TEST_F(AudioIoTest, TruncatedWavDataLoadsWithWarning) {
  const Stereo x = testing::music_like(10 * 44100, 0.5, 4);
  write_wav_float(file("full.wav"), x, 44100.0);
  const std::string bytes = read_text(file("full.wav"));
  std::ofstream(file("cut.wav"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const LoadedAudio a = load_audio(file("cut.wav"));
  EXPECT_NEAR(a.source_seconds, 5.0, 0.01);
  ASSERT_EQ(a.warnings.size(), 1u);
  EXPECT_NE(a.warnings[0].find("seems truncated"), std::string::npos) << a.warnings[0];
  EXPECT_NE(a.warnings[0].find("10.00 s"), std::string::npos) << a.warnings[0];
  EXPECT_EQ(a.audio.l, std::vector<float>(x.l.begin(), x.l.begin() + a.audio.frames()));
  EXPECT_TRUE(load_audio(file("full.wav")).warnings.empty());
}

// ---------------------------------------------------------------------------
// Loading from memory (load_audio_from_memory: the same checks through libsndfile's virtual I/O)

TEST_F(AudioIoTest, LoadFromMemoryMatchesLoadingTheFile) {
  const Stereo x = testing::music_like(44100, 0.5, 8);
  write_sndfile(file("a.flac"), interleave(x), 2, 48000, SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
  const LoadedAudio from_file = load_audio(file("a.flac"));
  const LoadedAudio from_memory = load_audio_from_memory(read_text(file("a.flac")), {}, "a.flac");
  EXPECT_EQ(from_memory.audio.l, from_file.audio.l);
  EXPECT_EQ(from_memory.audio.r, from_file.audio.r);
  EXPECT_EQ(from_memory.source_rate, 48000.0);
  EXPECT_EQ(from_memory.source_seconds, from_file.source_seconds);
  try {
    load_audio_from_memory(std::string(), {}, "upload.wav");
    ADD_FAILURE() << "empty bytes loaded";
  } catch (const AudioError& e) {
    EXPECT_NE(std::string(e.what()).find("\"upload.wav\" is empty"), std::string::npos) << e.what();
  }
}

// Found by fuzz_load_audio: a truncated Ogg Vorbis header, which libsndfile 1.2.0 refuses
// (leaking libvorbis' vorbis_info, suppressed in tests/sanitizers/lsan.supp). A clear refusal.
TEST_F(AudioIoTest, LoadFromMemoryRefusesATruncatedOggHeader) {
  const unsigned char ogg[] = {
      0x4f, 0x67, 0x67, 0x53, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd1, 0xc8,
      0xfd, 0x70, 0x00, 0x00, 0x00, 0x00, 0xea, 0xf4, 0xf8, 0xb6, 0x01, 0x1e, 0x01, 0x76, 0x6f, 0x72,
      0x62, 0x69, 0x73, 0x00, 0x00, 0x00, 0x00, 0x02, 0x44, 0xac, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0xfa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x01};
  try {
    load_audio_from_memory(std::string(std::begin(ogg), std::end(ogg)), {}, "cut.ogg");
    ADD_FAILURE() << "a 58-byte Ogg header loaded";
  } catch (const AudioError& e) {
    EXPECT_NE(std::string(e.what()).find("is not an audio file ITO-Master can read"), std::string::npos) << e.what();
  }
}

// Found by fuzz_load_audio: a float WAV at 4164 Hz with samples near FLT_MAX (0x7f7f7f7f).
// They passed the NaN/Inf check, with a "+770.6 dBFS" warning, and resampling to 44.1 kHz
// turned them into Inf. Now refused before resampling.
TEST_F(AudioIoTest, LoadFromMemoryRefusesFloatSamplesNearTheFloatMaximum) {
  const unsigned char wav[] = {
      0x52, 0x49, 0x46, 0x46, 0x12, 0x07, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20, 0x12, 0x00,
      0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x44, 0x10, 0x00, 0x00, 0x20, 0x62, 0x05, 0x00, 0x08, 0x00, 0x20, 0x00,
      0x00, 0x00, 0x66, 0x61, 0x63, 0x74, 0x04, 0x00, 0x00, 0x00, 0xdc, 0x00, 0x00, 0x00, 0x64, 0x61, 0x74, 0x61,
      0xf7, 0xbe, 0xec, 0x4c, 0xf7, 0xbe, 0xd6, 0xf5, 0x0e, 0xea, 0xab, 0xa5, 0xe0, 0x20, 0x63, 0x4f, 0x4f, 0x57,
      0x4f, 0x4f, 0x4f, 0x4f, 0x4f, 0x4f, 0x4f, 0x4f, 0xda, 0x2b, 0x3d, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f,
      0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f,
      0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x80, 0x86, 0x2f, 0x3c, 0x7a, 0x54, 0xbd, 0x40, 0xfc};
  try {
    load_audio_from_memory(std::string(std::begin(wav), std::end(wav)), LoadOptions{.min_seconds = 0.0}, "huge.wav");
    ADD_FAILURE() << "samples near FLT_MAX loaded";
  } catch (const AudioError& e) {
    EXPECT_NE(std::string(e.what()).find("\"huge.wav\" has peaks at +770.6 dBFS, far beyond full scale"),
              std::string::npos) << e.what();
  }
  // The same in a file of the usual length: +60 dBFS is the most a float file may hold.
  Stereo x = testing::sine(44100, 440.0, 0.5);
  x.l[1000] = 999.0f;
  write_wav_float(file("loud.wav"), x, 48000.0);
  EXPECT_NO_THROW(load_audio(file("loud.wav")));
  x.r[2000] = 3e38f;
  write_wav_float(file("damaged.wav"), x, 48000.0);
  expect_load_error(file("damaged.wav"), {"far beyond full scale"});
}

// A tiny FLAC whose header announces two hours: the loader reads what is there and does not
// reserve memory for what the header claims (it reserved 2.5 GB before reading).
TEST_F(AudioIoTest, TinyFileAnnouncingHoursReservesNoGigabytes) {
  write_sndfile(file("short.flac"), interleave(testing::sine(44100, 440.0, 0.5)), 2, 44100,
                SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  std::string bytes = read_text(file("short.flac"));
  // STREAMINFO follows "fLaC" and its block header; the total sample count is the low 36
  // bits of its bytes 10..17 (big-endian).
  ASSERT_EQ(bytes.substr(0, 4), "fLaC");
  const std::uint64_t announced = 2 * 3600 * 44100 - 10;  // just under LoadOptions' 2 hours
  for (int i = 0; i < 5; ++i) {
    const int at = 8 + 17 - i;
    const std::uint64_t byte = (announced >> (8 * i)) & 0xff;
    if (i < 4) bytes[at] = static_cast<char>(byte);
    else bytes[at] = static_cast<char>((static_cast<unsigned char>(bytes[at]) & 0xf0) | (byte & 0x0f));
  }
  // Room for the test itself, not for 2 x 1.3 GB of floats.
  std::ifstream statm("/proc/self/statm");
  std::size_t vm_pages = 0;
  statm >> vm_pages;
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &old), 0);
  rlimit tight = old;
  tight.rlim_cur = vm_pages * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + (512u << 20);
  ASSERT_EQ(setrlimit(RLIMIT_AS, &tight), 0);
  LoadedAudio a;
  std::string failure;
  try {
    a = load_audio_from_memory(bytes, {}, "claims.flac");
  } catch (const std::exception& e) {
    failure = e.what();
  }
  setrlimit(RLIMIT_AS, &old);
  ASSERT_EQ(failure, "");
  EXPECT_EQ(a.audio.frames(), 44100u);
  ASSERT_EQ(a.warnings.size(), 1u);
  EXPECT_NE(a.warnings[0].find("seems truncated"), std::string::npos) << a.warnings[0];
}

// ---------------------------------------------------------------------------
// Load errors

TEST_F(AudioIoTest, ErrorNonexistentFile) { expect_load_error(file("nowhere.wav"), {"not found"}); }

TEST_F(AudioIoTest, ErrorFolder) {
  fs::create_directory(file("album.wav"));
  expect_load_error(file("album.wav"), {"is a folder"});
}

TEST_F(AudioIoTest, ErrorTextFileNamedWav) {
  std::ofstream(file("notes.wav")) << "These are my lyrics, not audio.\n";
  expect_load_error(file("notes.wav"), {"not an audio file"});
}

TEST_F(AudioIoTest, ErrorTruncatedWavHeader) {
  write_wav_float(file("full.wav"), testing::sine(44100, 440.0, 0.5), 44100.0);
  const std::string bytes = read_text(file("full.wav"));
  std::ofstream(file("cut.wav"), std::ios::binary) << bytes.substr(0, 30);  // inside the fmt chunk
  expect_load_error(file("cut.wav"), {"not an audio file", "damaged"});
}

TEST_F(AudioIoTest, ErrorZeroByteFile) {
  std::ofstream(file("empty.wav")).close();
  expect_load_error(file("empty.wav"), {"is empty"});
}

TEST_F(AudioIoTest, ErrorWavWithoutSamples) {
  write_sndfile(file("nothing.wav"), {}, 2, 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  expect_load_error(file("nothing.wav"), {"contains no audio"});
}

TEST_F(AudioIoTest, ErrorSixChannels) {
  std::vector<float> surround(6 * 44100, 0.1f);
  write_sndfile(file("surround.wav"), surround, 6, 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  expect_load_error(file("surround.wav"),
                    {"has 6 channels; ITO-Master masters mono or stereo files. Downmix it to stereo first."});
}

TEST_F(AudioIoTest, ErrorNaNSamplesReportsPosition) {
  const int rate = 8000;
  std::vector<float> x(90 * rate);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(0.3 * std::sin(0.1 * i));
  x[static_cast<std::size_t>(83.4 * rate)] = std::numeric_limits<float>::quiet_NaN();
  write_sndfile(file("broken.wav"), x, 1, rate, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  expect_load_error(file("broken.wav"), {"contains invalid samples (NaN/Inf) at 1:23.4"});

  Stereo y = testing::sine(44100, 440.0, 0.5);
  y.r[22050] = std::numeric_limits<float>::infinity();
  write_wav_float(file("inf.wav"), y, 44100.0);
  expect_load_error(file("inf.wav"), {"invalid samples (NaN/Inf) at 0:00.5"});
}

TEST_F(AudioIoTest, ErrorSilentFile) {
  write_wav_float(file("zeros.wav"), Stereo(44100), 44100.0);
  expect_load_error(file("zeros.wav"), {"is silent"});
  // +-1 LSB of 16-bit dither (-90.3 dBFS) is still silence.
  std::vector<float> dither(2 * 44100);
  for (std::size_t i = 0; i < dither.size(); ++i) dither[i] = (i % 3 == 0 ? 1.0f : -1.0f) / 32768.0f;
  write_sndfile(file("dither.wav"), dither, 2, 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  expect_load_error(file("dither.wav"), {"is silent"});
  // -80 dBFS is quiet but not silent.
  write_wav_float(file("quiet.wav"), testing::sine(44100, 440.0, 1e-4), 44100.0);
  EXPECT_NO_THROW(load_audio(file("quiet.wav")));
}

TEST_F(AudioIoTest, ErrorTooShortAndTooLong) {
  write_wav_float(file("blip.wav"), testing::sine(8820, 440.0, 0.5), 44100.0);  // 0.2 s
  expect_load_error(file("blip.wav"), {"too short", "0.20 s", "0.50 s"});
  write_wav_float(file("long.wav"), testing::sine(3 * 44100, 440.0, 0.5), 44100.0);
  LoadOptions opt;
  opt.max_seconds = 2.0;
  expect_load_error(file("long.wav"), {"too long", "3.00 s"}, opt);
}

// ---------------------------------------------------------------------------
// Safe writing

TEST_F(AudioIoTest, WriteRefusesToOverwriteUnlessAllowed) {
  const std::string path = file("out.wav");
  const Stereo first = testing::sine(44100, 440.0, 0.5);
  const Stereo second = testing::sine(44100, 880.0, 0.25);
  write_wav24_atomic(path, first, 44100.0, false);
  const std::string before = read_text(path);
  try {
    write_wav24_atomic(path, second, 44100.0, false);
    ADD_FAILURE() << "overwrote without permission";
  } catch (const AudioError& e) {
    EXPECT_NE(std::string(e.what()).find("out.wav\" already exists"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_text(path), before);
  write_wav24_atomic(path, second, 44100.0, true);
  EXPECT_LT(max_abs_diff(load_audio(path).audio.l, second.l), std::ldexp(1.0, -22));
  EXPECT_EQ(dir_listing(), std::vector<std::string>{"out.wav"});
}

TEST_F(AudioIoTest, WriteRefusesToReplaceAnInputEvenWithOverwrite) {
  const std::string input = file("mix.wav");
  write_wav_float(input, testing::sine(44100, 440.0, 0.5), 44100.0);
  const std::string before = read_text(input);
  fs::create_directory(dir_ / "sub");
  fs::create_symlink(input, dir_ / "link.wav");
  const std::vector<std::string> same_file = {input, (dir_ / "sub" / ".." / "mix.wav").string(),
                                              (dir_ / "link.wav").string()};
  for (const std::string& target : same_file) {
    try {
      write_wav24_atomic(target, testing::sine(44100, 880.0, 0.5), 44100.0, true, {"unrelated.wav", input});
      ADD_FAILURE() << "wrote onto the input via " << target;
    } catch (const AudioError& e) {
      EXPECT_NE(std::string(e.what()).find("is the input file"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(read_text(input), before);
  EXPECT_EQ(dir_listing(), (std::vector<std::string>{"link.wav", "mix.wav", "sub"}));
  // A different name next to the input is fine.
  EXPECT_EQ(write_wav24_atomic(file("mix_master.wav"), testing::sine(44100, 880.0, 0.5), 44100.0, false, {input}),
            0u);
}

// A write that fails half way (file size limit hit) leaves no temp file and the old file intact.
TEST_F(AudioIoTest, FailedWriteLeavesNoTempFileAndKeepsOldFile) {
  const std::string path = file("out.wav");
  write_wav24_atomic(path, testing::sine(4410, 440.0, 0.5), 44100.0, false);  // ~26 kB
  const std::string before = read_text(path);

  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // make writes fail with EFBIG instead
  rlimit small = old;
  small.rlim_cur = 100 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  EXPECT_THROW(write_wav24_atomic(path, testing::sine(10 * 44100, 440.0, 0.5), 44100.0, true), AudioError);
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_EQ(read_text(path), before);
  EXPECT_EQ(dir_listing(), std::vector<std::string>{"out.wav"});
  // Unwritable location: clear error, nothing created.
  EXPECT_THROW(write_wav24_atomic(file("missing_dir/out.wav"), Stereo(10), 44100.0, false), AudioError);
  EXPECT_EQ(dir_listing(), std::vector<std::string>{"out.wav"});
}

// ---------------------------------------------------------------------------
// Load time of a realistic file (reported, not asserted).

double time_load(const std::string& path, ResampleQuality q) {
  LoadOptions opt;
  opt.quality = q;
  const auto t0 = std::chrono::steady_clock::now();
  const LoadedAudio a = load_audio(path, opt);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NEAR(double(a.audio.frames()), 180.0 * 44100.0, 1.0);
  return s;
}

void write_three_minute_flac(const std::string& path) {
  const int rate = 48000;
  const std::size_t n = 180 * rate;
  const Stereo noise = testing::white_noise(n, 0.05, 9);
  std::vector<float> x(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = double(i) / rate;
    x[2 * i] = static_cast<float>(0.4 * std::sin(2 * kPi * 220.0 * t) + noise.l[i]);
    x[2 * i + 1] = static_cast<float>(0.4 * std::sin(2 * kPi * 330.0 * t) + noise.r[i]);
  }
  write_sndfile(path, x, 2, rate, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
}

TEST_F(AudioIoTest, LoadTimeThreeMinute48kFlac) {
  const std::string path = file("album_track.flac");
  write_three_minute_flac(path);
  const double s = time_load(path, ResampleQuality::Auto);
  std::printf("[ timing ] load 3-min 48 kHz stereo FLAC (auto quality = medium): %.2f s\n", s);
}

// Slow (~10 s); run with --gtest_also_run_disabled_tests to compare.
TEST_F(AudioIoTest, DISABLED_LoadTimeThreeMinute48kFlacBestQuality) {
  const std::string path = file("album_track.flac");
  write_three_minute_flac(path);
  std::printf("[ timing ] medium: %.2f s\n", time_load(path, ResampleQuality::Medium));
  std::printf("[ timing ] best:   %.2f s\n", time_load(path, ResampleQuality::Best));
}

// ---------------------------------------------------------------------------
// Progress bar

TEST(ProgressBar, FormatsLine) {
  EXPECT_EQ(format_progress_line("ITO", 45, 100, "loss 0.0123", 3.2),
            "ITO  [#########...........]  45/100  loss 0.0123  ETA 3s");
  EXPECT_EQ(format_progress_line("ITO", 0, 100, "", -1.0), "ITO  [....................]  0/100  ETA --");
  EXPECT_EQ(format_progress_line("ITO", 100, 100, "", 0.0), "ITO  [####################]  100/100  ETA 0s");
  EXPECT_EQ(format_progress_line("x", 1, 2, "", 125.0), "x  [##########..........]  1/2  ETA 2m05s");
  EXPECT_EQ(format_progress_line("x", 1, 2, "", 3725.0), "x  [##########..........]  1/2  ETA 1h02m");
}

TEST(ProgressBar, SilentWhenNotATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("ITO", 10, f);
    EXPECT_FALSE(bar.enabled());
    for (int i = 1; i <= 10; ++i) bar.update(i, "loss 1");
    bar.finish();
  }
  EXPECT_EQ(std::ftell(f), 0L);
  std::fclose(f);
}

TEST(ProgressBar, DrawsOnATerminal) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  std::FILE* slave = std::fopen(::ptsname(master), "w");
  ASSERT_NE(slave, nullptr);
  {
    ProgressBar bar("ITO", 3, slave);
    EXPECT_TRUE(bar.enabled());
    bar.update(1, "loss 0.5");
    bar.update(3, "loss 0.25");  // the last step is always drawn
  }  // destructor finishes the line
  std::fclose(slave);
  std::string got;
  char buf[512];
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  for (ssize_t k; (k = ::read(master, buf, sizeof buf)) > 0;) got.append(buf, k);
  ::close(master);
  EXPECT_NE(got.find("\rITO  [######..............]  1/3  loss 0.5  ETA"), std::string::npos) << got;
  EXPECT_NE(got.find("\rITO  [####################]  3/3  loss 0.25  ETA 0s"), std::string::npos) << got;
  EXPECT_NE(got.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace ito

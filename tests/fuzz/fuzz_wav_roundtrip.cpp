// libFuzzer target: our WAV writers and reader together. The bytes choose a sample rate, a
// writer (24-bit PCM, atomic; or 32-bit float) and stereo samples (raw floats: NaN, Inf,
// denormals and overloads included); the file is written to a temporary path and loaded
// back at its own rate. The loaded audio must equal what was written, within 24-bit
// quantization (after clamping to full scale, NaN as 0) or exactly for float, or be
// refused for the reason the loader gives (no samples, NaN/Inf, silence, peaks beyond
// +60 dBFS); anything else aborts.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/audio_io.h"

namespace {

// The loader's silence threshold (-90 dBFS), its largest peak (+60 dBFS), 24-bit full scale.
constexpr double kSilencePeak = 3.1622776601683795e-5;
constexpr double kMaxPeak = 1000.0;
constexpr float kMax24 = 8388607.0f / 8388608.0f;

void check(bool ok) {
  if (!ok) std::abort();
}

const std::string& temp_path() {
  static const std::string path = [] {
    const std::filesystem::path shm = "/dev/shm";  // no disk traffic where there is one
    const auto dir = std::filesystem::is_directory(shm) ? shm : std::filesystem::temp_directory_path();
    return (dir / ("fuzz_wav_roundtrip_" + std::to_string(::getpid()) + ".wav")).string();
  }();
  static const bool cleanup = std::atexit([] { std::remove(path.c_str()); }) == 0;
  (void)cleanup;
  return path;
}

// What the 24-bit writer is given for v after its last-resort clamp.
float clamped24(float v) { return std::isnan(v) ? 0.0f : std::clamp(v, -1.0f, kMax24); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  std::uint32_t head;
  std::memcpy(&head, data, 4);
  const bool pcm24 = head & 1;
  const double rate = 1 + (head >> 1) % 384000;  // 1 Hz .. 384 kHz
  const std::size_t frames = (size - 4) / 8;
  ito::Stereo x(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    std::memcpy(&x.l[i], data + 4 + 8 * i, 4);
    std::memcpy(&x.r[i], data + 8 + 8 * i, 4);
  }

  // libsndfile quantizes to 24 bits by truncation after rounding in float: within 2 steps.
  const float tolerance = pcm24 ? std::ldexp(1.0f, -22) : 0.0f;
  ito::Stereo expected(frames);
  bool finite = true;
  double peak = 0.0;
  for (std::size_t i = 0; i < frames; ++i) {
    expected.l[i] = pcm24 ? clamped24(x.l[i]) : x.l[i];
    expected.r[i] = pcm24 ? clamped24(x.r[i]) : x.r[i];
    finite = finite && std::isfinite(expected.l[i]) && std::isfinite(expected.r[i]);
    if (finite) peak = std::max({peak, std::fabs(double(expected.l[i])), std::fabs(double(expected.r[i]))});
  }
  auto close = [&](const std::vector<float>& a, const std::vector<float>& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!(std::fabs(a[i] - b[i]) <= tolerance)) return false;
    return a.size() == b.size();
  };

  const std::string& path = temp_path();
  if (pcm24) ito::write_wav24_atomic(path, x, rate, true);
  else ito::write_wav_float(path, x, rate);
  ito::LoadOptions opt;
  opt.target_rate = rate;  // no resampling: the samples come back as they were stored
  opt.min_seconds = 0.0;
  opt.max_seconds = 1e9;
  try {
    const ito::LoadedAudio a = ito::load_audio(path, opt);
    check(frames > 0 && finite && peak + tolerance >= kSilencePeak && peak <= kMaxPeak);
    check(a.source_channels == 2 && a.source_rate == rate && a.audio.frames() == frames);
    check(close(a.audio.l, expected.l) && close(a.audio.r, expected.r));
  } catch (const ito::AudioError& e) {
    const std::string why = e.what();
    const bool explained = (frames == 0 && why.find("contains no audio") != std::string::npos) ||
                           (!finite && why.find("NaN/Inf") != std::string::npos) ||
                           (finite && peak - tolerance < kSilencePeak && why.find("is silent") != std::string::npos) ||
                           (finite && peak > kMaxPeak && why.find("far beyond full scale") != std::string::npos);
    check(explained);
  }
  return 0;
}

// How a master's float samples become a file's: 16-bit PCM with TPDF dither, 24-bit PCM, or
// 32-bit float; and WAV bytes for the page (the CLI writes through libsndfile with the same
// quantization, so a 16-bit WAV or FLAC from either holds the same samples).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/stereo.h"

namespace ito {

enum class SampleFormat { Pcm16, Pcm24, Float32 };

// "16", "24", "32f" -> the format; nullopt for anything else.
std::optional<SampleFormat> parse_sample_format(const std::string& text);
const char* sample_format_name(SampleFormat f);  // "16", "24", "32f"
int bits_per_sample(SampleFormat f);

// Integer codes of a PCM format: x * 2^(bits-1), rounded, clamped to the format's range.
// 16-bit adds TPDF dither (the difference of two uniform variables, +-1 LSB) before rounding, so
// the quantization error is signal-independent noise at -101 dBFS instead of distortion
// (a clean fade or a quiet tone would otherwise grow harmonics). The dither is seeded: the
// same master gives the same file. Returns how many samples were clamped (NaN counts, as 0).
class Quantizer {
 public:
  explicit Quantizer(SampleFormat f, std::uint64_t seed = 0x1705DA7Aull);
  std::size_t quantize(const float* x, std::size_t n, std::int32_t* codes);

 private:
  double uniform();  // [0, 1)
  SampleFormat format_;
  std::uint64_t state_;
};

// Channel `channel`'s quantizer: each channel dithers with its own noise, and every writer
// (the page's WAV, the CLI's WAV and FLAC) uses these, so their files hold the same samples.
Quantizer channel_quantizer(SampleFormat f, int channel);

// A WAV file's bytes: PCM (16 with dither, 24) or IEEE float (32f), `channels` 1 (x.l only)
// or 2, interleaved. *clamped (if given): samples clamped by the PCM formats.
std::vector<std::uint8_t> encode_wav(const Stereo& x, int channels, double fs, SampleFormat f,
                                     std::size_t* clamped = nullptr);

}  // namespace ito

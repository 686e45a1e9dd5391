// The master's sample formats (master/sample_format.h): 16-bit TPDF dither, 24-bit rounding,
// 32-bit float, and the WAV bytes the page exports.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "master/sample_format.h"

namespace ito {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kFs = 44100.0;

std::vector<float> sine(double freq, double amplitude, std::size_t n) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(amplitude * std::sin(2 * kPi * freq * i / kFs));
  return x;
}

// Amplitude (in LSB) of the component of e at freq (a DFT bin: whole periods in n samples).
double amplitude_at(const std::vector<double>& e, double freq) {
  double re = 0, im = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    re += e[i] * std::cos(2 * kPi * freq * i / kFs);
    im += e[i] * std::sin(2 * kPi * freq * i / kFs);
  }
  return 2.0 * std::hypot(re, im) / static_cast<double>(e.size());
}

TEST(SampleFormat, NamesRoundTrip) {
  for (SampleFormat f : {SampleFormat::Pcm16, SampleFormat::Pcm24, SampleFormat::Float32})
    EXPECT_EQ(parse_sample_format(sample_format_name(f)), f);
  EXPECT_FALSE(parse_sample_format("32"));
  EXPECT_FALSE(parse_sample_format("8"));
  EXPECT_EQ(bits_per_sample(SampleFormat::Pcm16), 16);
  EXPECT_EQ(bits_per_sample(SampleFormat::Float32), 32);
}

TEST(SampleFormat, TwentyFourBitsRoundToTheNearestCodeAndClamp) {
  const std::vector<float> x = {0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 1.5f, -3.0f, 1e-7f, -0.999999f, NAN};
  std::vector<std::int32_t> codes(x.size());
  Quantizer q(SampleFormat::Pcm24);
  EXPECT_EQ(q.quantize(x.data(), x.size(), codes.data()), 4u);  // 1.0, 1.5, -3 and NaN
  const std::vector<std::int32_t> expected = {0, 4194304, -4194304, 8388607, -8388608, 8388607, -8388608, 1,
                                              -8388600, 0};
  EXPECT_EQ(codes, expected);
}

// TPDF dither: the error stays within 1.5 LSB, its power is that of rounding plus the dither
// (1/12 + 1/6 = 1/4 LSB^2), and it no longer follows the signal: a -80 dBFS sine (3.3 LSB)
// rounded without dither grows a 3rd harmonic; with dither the harmonic drops into the noise.
TEST(SampleFormat, SixteenBitDitherTurnsDistortionIntoNoise) {
  const std::size_t n = 44100;  // whole periods of 1 kHz and 3 kHz
  const double amplitude = std::pow(10.0, -80.0 / 20.0);
  const std::vector<float> x = sine(1000.0, amplitude, n);
  std::vector<std::int32_t> codes(n);
  Quantizer q(SampleFormat::Pcm16);
  EXPECT_EQ(q.quantize(x.data(), n, codes.data()), 0u);
  std::vector<double> dithered(n), rounded(n);
  double power = 0, mean = 0;
  for (std::size_t i = 0; i < n; ++i) {
    dithered[i] = codes[i] - x[i] * 32768.0;
    rounded[i] = std::round(x[i] * 32768.0) - x[i] * 32768.0;
    EXPECT_LE(std::abs(dithered[i]), 1.5);
    power += dithered[i] * dithered[i];
    mean += dithered[i];
  }
  power /= n;
  mean /= n;
  EXPECT_NEAR(power, 0.25, 0.02);
  EXPECT_NEAR(mean, 0.0, 0.02);
  const double h3_rounded = amplitude_at(rounded, 3000.0), h3_dithered = amplitude_at(dithered, 3000.0);
  std::printf("3rd harmonic of a -80 dBFS sine at 16 bits: %.1f dBFS rounded, %.1f dBFS dithered\n",
              20 * std::log10(h3_rounded / 32768), 20 * std::log10(h3_dithered / 32768));
  EXPECT_GT(h3_rounded, 0.05);                // rounding alone: a harmonic of 0.05+ LSB
  EXPECT_LT(h3_dithered, h3_rounded / 10.0);  // dithered: 20 dB lower, in the noise
  // The same seed gives the same file.
  std::vector<std::int32_t> again(n);
  Quantizer(SampleFormat::Pcm16).quantize(x.data(), n, again.data());
  EXPECT_EQ(again, codes);
}

std::uint32_t u32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
std::uint16_t u16(const std::vector<std::uint8_t>& b, std::size_t at) { return b[at] | b[at + 1] << 8; }

TEST(SampleFormat, WavBytesHoldTheQuantizedSamples) {
  Stereo x;
  x.l = sine(440.0, 0.5, 1000);
  x.r = sine(660.0, 0.25, 1000);
  for (auto [f, channels] : {std::pair{SampleFormat::Pcm16, 1}, {SampleFormat::Pcm24, 2}, {SampleFormat::Float32, 2}}) {
    SCOPED_TRACE(sample_format_name(f));
    const std::vector<std::uint8_t> b = encode_wav(x, channels, 48000.0, f);
    const int bytes = bits_per_sample(f) / 8;
    ASSERT_EQ(b.size(), 44u + 1000u * channels * bytes);
    EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "RIFF");
    EXPECT_EQ(u32(b, 4), b.size() - 8);
    EXPECT_EQ(u16(b, 20), f == SampleFormat::Float32 ? 3 : 1);
    EXPECT_EQ(u16(b, 22), channels);
    EXPECT_EQ(u32(b, 24), 48000u);
    EXPECT_EQ(u32(b, 28), 48000u * channels * bytes);
    EXPECT_EQ(u16(b, 34), bits_per_sample(f));
    EXPECT_EQ(u32(b, 40), 1000u * channels * bytes);
    for (int c = 0; c < channels; ++c) {
      std::vector<std::int32_t> codes(1000);
      if (f != SampleFormat::Float32) channel_quantizer(f, c).quantize(x.channel(c), 1000, codes.data());
      for (std::size_t i = 0; i < 1000; ++i) {
        const std::size_t at = 44 + (i * channels + c) * bytes;
        if (f == SampleFormat::Float32) {
          float v;
          std::memcpy(&v, &b[at], 4);
          ASSERT_EQ(v, x.channel(c)[i]);
        } else {
          std::int32_t v = 0;
          for (int k = 0; k < bytes; ++k) v |= static_cast<std::int32_t>(b[at + k]) << (8 * k);
          v = (v << (32 - 8 * bytes)) >> (32 - 8 * bytes);  // sign-extend
          ASSERT_EQ(v, codes[i]);
        }
      }
    }
  }
  EXPECT_THROW(encode_wav(x, 3, kFs, SampleFormat::Pcm24), std::invalid_argument);
}

}  // namespace
}  // namespace ito

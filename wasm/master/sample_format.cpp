#include "master/sample_format.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace ito {

std::optional<SampleFormat> parse_sample_format(const std::string& text) {
  if (text == "16") return SampleFormat::Pcm16;
  if (text == "24") return SampleFormat::Pcm24;
  if (text == "32f") return SampleFormat::Float32;
  return std::nullopt;
}

const char* sample_format_name(SampleFormat f) {
  switch (f) {
    case SampleFormat::Pcm16: return "16";
    case SampleFormat::Pcm24: return "24";
    case SampleFormat::Float32: break;
  }
  return "32f";
}

int bits_per_sample(SampleFormat f) { return f == SampleFormat::Pcm16 ? 16 : f == SampleFormat::Pcm24 ? 24 : 32; }

Quantizer::Quantizer(SampleFormat f, std::uint64_t seed) : format_(f), state_(seed ? seed : 1) {
  if (f == SampleFormat::Float32) throw std::invalid_argument("32-bit float is not quantized");
}

double Quantizer::uniform() {  // xorshift64*: fast, and plenty for dither
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return static_cast<double>((state_ * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53;
}

std::size_t Quantizer::quantize(const float* x, std::size_t n, std::int32_t* codes) {
  const bool dither = format_ == SampleFormat::Pcm16;
  const double scale = dither ? 32768.0 : 8388608.0;
  std::size_t clamped = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double v = std::isnan(x[i]) ? 0.0 : static_cast<double>(x[i]) * scale;
    if (dither) v += uniform() - uniform();  // TPDF: triangular on (-1, 1) LSB
    v = std::round(v);
    const double lo = -scale, hi = scale - 1.0;
    if (std::isnan(x[i]) || v < lo || v > hi) ++clamped;
    codes[i] = static_cast<std::int32_t>(std::clamp(v, lo, hi));
  }
  return clamped;
}

Quantizer channel_quantizer(SampleFormat f, int channel) { return Quantizer(f, 0x1705DA7Aull + channel); }

namespace {

void put(std::vector<std::uint8_t>& b, std::uint32_t v, int bytes) {
  for (int k = 0; k < bytes; ++k) b.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
}
void put_tag(std::vector<std::uint8_t>& b, const char* tag) { b.insert(b.end(), tag, tag + 4); }

}  // namespace

std::vector<std::uint8_t> encode_wav(const Stereo& x, int channels, double fs, SampleFormat f, std::size_t* clamped) {
  if (channels != 1 && channels != 2) throw std::invalid_argument("a WAV master has 1 or 2 channels");
  const std::size_t frames = x.frames();
  const int bytes = bits_per_sample(f) / 8;
  const std::uint64_t data_bytes = static_cast<std::uint64_t>(frames) * channels * bytes;
  if (data_bytes > 0xFFFFFFFFull - 44) throw std::invalid_argument("the master is too long for a WAV file (4 GB)");
  const std::uint32_t rate = static_cast<std::uint32_t>(std::lround(fs));
  std::vector<std::uint8_t> b;
  b.reserve(44 + data_bytes);
  put_tag(b, "RIFF");
  put(b, static_cast<std::uint32_t>(36 + data_bytes), 4);
  put_tag(b, "WAVE");
  put_tag(b, "fmt ");
  put(b, 16, 4);
  put(b, f == SampleFormat::Float32 ? 3 : 1, 2);  // IEEE float or PCM
  put(b, channels, 2);
  put(b, rate, 4);
  put(b, rate * channels * bytes, 4);
  put(b, channels * bytes, 2);
  put(b, bits_per_sample(f), 2);
  put_tag(b, "data");
  put(b, static_cast<std::uint32_t>(data_bytes), 4);

  std::size_t total_clamped = 0;
  constexpr std::size_t kBlock = 8192;
  std::vector<std::int32_t> codes[2] = {std::vector<std::int32_t>(kBlock), std::vector<std::int32_t>(kBlock)};
  std::optional<Quantizer> q[2];
  if (f != SampleFormat::Float32)
    for (int c = 0; c < channels; ++c) q[c] = channel_quantizer(f, c);
  for (std::size_t start = 0; start < frames; start += kBlock) {
    const std::size_t n = std::min(kBlock, frames - start);
    if (f != SampleFormat::Float32)
      for (int c = 0; c < channels; ++c) total_clamped += q[c]->quantize(x.channel(c) + start, n, codes[c].data());
    for (std::size_t i = 0; i < n; ++i) {
      for (int c = 0; c < channels; ++c) {
        if (f == SampleFormat::Float32) {
          std::uint32_t bits;
          std::memcpy(&bits, x.channel(c) + start + i, 4);
          put(b, bits, 4);
        } else {
          put(b, static_cast<std::uint32_t>(codes[c][i]), bytes);
        }
      }
    }
  }
  if (clamped) *clamped = total_clamped;
  return b;
}

}  // namespace ito

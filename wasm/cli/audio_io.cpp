#include "cli/audio_io.h"

#include <samplerate.h>
#include <sndfile.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <thread>

#include "cli/atomic_file.h"

namespace ito {
namespace {

namespace fs = std::filesystem;

constexpr sf_count_t kBlockFrames = 1 << 16;
// Peak below this (-90 dBFS) is "digital silence": at most 16-bit dither noise.
constexpr double kSilencePeak = 3.1622776601683795e-5;
// Float files may peak above 0 dBFS (kept, with a warning), but not beyond +60 dBFS: such
// values are damage, and near FLT_MAX they overflow the resampler and the chain to Inf.
constexpr double kMaxPeak = 1000.0;
// 16-bit positive full scale (32767/32768); samples at or above it count as full scale.
constexpr float kFullScale = 1.0f - 1.0f / 32768.0f;
// A run of this many consecutive identical samples at full scale is a flat top, i.e.
// clipping. (A single full-scale sample is just a file normalized to 0 dBFS; float
// files above 0 dBFS vary from sample to sample and are not clipped.)
constexpr int kClipRun = 3;
constexpr std::size_t kClipWarnSamples = 10;
// Auto quality: SINC_BEST costs about 40 ms of CPU per second of 48 kHz audio per
// channel on a desktop core; beyond this many input samples we use SINC_MEDIUM
// (97 dB SNR, still far below audibility) so long files load in seconds.
constexpr double kBestQualityMaxSamples = 15e6;  // ~2.6 min of 48 kHz stereo
// Frames per byte of file beyond which a header's length is not believed for reserving
// memory: lossy codecs at their lowest bitrates reach about 20 (Opus at 16 kb/s).
constexpr std::size_t kMaxFramesPerByte = 32;

std::string quoted(const std::string& path) { return "\"" + path + "\""; }

std::string format_duration(double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  return seconds < 60.0 ? std::string(buf) : format_time(seconds);
}

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// Errors that can be told before libsndfile looks at the bytes.
void check_file_is_readable(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) throw AudioError(quoted(path) + " was not found. Check the file name and folder.");
  if (fs::is_directory(st)) throw AudioError(quoted(path) + " is a folder, not an audio file.");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    throw AudioError(quoted(path) + " cannot be opened for reading (" + std::strerror(errno) + ").");
  }
  std::fclose(f);
  if (fs::is_regular_file(st) && fs::file_size(path, ec) == 0 && !ec) {
    throw AudioError(quoted(path) + " is empty (0 bytes); it is not an audio file.");
  }
}

// f: what sf_open or sf_open_virtual returned.
SndfilePtr opened_or_throw(SNDFILE* f, const std::string& path) {
  if (!f) {
    throw AudioError(quoted(path) + " is not an audio file ITO-Master can read, or it is damaged (" +
                     sf_strerror(nullptr) + "). Use WAV, AIFF, FLAC, OGG or MP3.");
  }
  return SndfilePtr(f);
}

// A file's bytes already in memory, read through libsndfile's virtual I/O.
struct MemoryFile {
  const std::string& bytes;
  sf_count_t pos = 0;

  static MemoryFile& of(void* user) { return *static_cast<MemoryFile*>(user); }
  static sf_count_t length(void* user) { return static_cast<sf_count_t>(of(user).bytes.size()); }
  static sf_count_t seek(sf_count_t offset, int whence, void* user) {
    MemoryFile& m = of(user);
    const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m.pos : length(user);
    if (offset < -base || offset > std::numeric_limits<sf_count_t>::max() - base) return -1;
    m.pos = base + offset;
    return m.pos;
  }
  static sf_count_t read(void* ptr, sf_count_t count, void* user) {
    MemoryFile& m = of(user);
    const sf_count_t n = std::clamp<sf_count_t>(length(user) - m.pos, 0, std::max<sf_count_t>(count, 0));
    if (n > 0) std::memcpy(ptr, m.bytes.data() + m.pos, static_cast<std::size_t>(n));
    m.pos += n;
    return n;
  }
  static sf_count_t write(const void*, sf_count_t, void*) { return 0; }
  static sf_count_t tell(void* user) { return of(user).pos; }
};

// Reads the whole file as planar float (mono fills only l). Stops after max_frames
// so a lying header cannot make us read forever, and reserves what the header announces
// only up to what `file_bytes` can plausibly hold, so a tiny file announcing hours does not
// allocate gigabytes up front.
Stereo read_planar(SNDFILE* f, int channels, sf_count_t max_frames, const std::string& path,
                   double rate, sf_count_t header_frames, std::size_t file_bytes) {
  Stereo out;
  if (header_frames > 0 && header_frames <= max_frames &&
      static_cast<std::size_t>(header_frames) / kMaxFramesPerByte <= file_bytes) {
    out.l.reserve(static_cast<std::size_t>(header_frames));
    if (channels == 2) out.r.reserve(static_cast<std::size_t>(header_frames));
  }
  std::vector<float> block(static_cast<std::size_t>(kBlockFrames) * channels);
  sf_count_t total = 0;
  while (total <= max_frames) {
    const sf_count_t got = sf_readf_float(f, block.data(), kBlockFrames);
    if (got <= 0) break;
    for (sf_count_t i = 0; i < got; ++i) {
      out.l.push_back(block[i * channels]);
      if (channels == 2) out.r.push_back(block[i * channels + 1]);
    }
    total += got;
  }
  if (sf_error(f) != SF_ERR_NO_ERROR) {
    throw AudioError(quoted(path) + " is damaged: reading stopped at " + format_time(total / rate) + " (" +
                     sf_strerror(f) + ").");
  }
  return out;
}

// libsndfile silently reads a truncated WAV up to where it ends; its log keeps the
// sizes ("data : 3528000 (should be 999912)"). Returns the frame count the header
// announced, or `frames` if the log says nothing about it.
double announced_frames(SNDFILE* f, sf_count_t frames) {
  char log[8192] = {};
  sf_command(f, SFC_GET_LOG_INFO, log, sizeof log);
  const char* line = std::strstr(log, "\ndata : ");
  double declared = 0.0, actual = 0.0;
  if (line && std::sscanf(line, "\ndata : %lf (should be %lf)", &declared, &actual) == 2 && actual > 0.0) {
    return frames * (declared / actual);
  }
  return static_cast<double>(frames);
}

struct SampleScan {
  std::size_t first_bad_frame = SIZE_MAX;  // first NaN/Inf, SIZE_MAX if none
  double peak = 0.0;
  std::size_t clipped_samples = 0;  // samples in flat-top runs of >= kClipRun at full scale
};

void scan_channel(const std::vector<float>& x, SampleScan& s) {
  int run = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float v = x[i];
    if (!std::isfinite(v)) {
      s.first_bad_frame = std::min(s.first_bad_frame, i);
      run = 0;
      continue;
    }
    const float a = std::fabs(v);
    s.peak = std::max(s.peak, static_cast<double>(a));
    if (a >= kFullScale) {
      run = (run > 0 && v == x[i - 1]) ? run + 1 : 1;
      if (run == kClipRun) s.clipped_samples += kClipRun;
      if (run > kClipRun) ++s.clipped_samples;
    } else {
      run = 0;
    }
  }
}

int converter_for(ResampleQuality q, double input_samples) {
  if (q == ResampleQuality::Best) return SRC_SINC_BEST_QUALITY;
  if (q == ResampleQuality::Medium) return SRC_SINC_MEDIUM_QUALITY;
  return input_samples <= kBestQualityMaxSamples ? SRC_SINC_BEST_QUALITY : SRC_SINC_MEDIUM_QUALITY;
}

// One channel through libsamplerate, padded/trimmed to exactly out_frames.
std::vector<float> resample_channel(const std::vector<float>& x, double ratio, int converter,
                                    std::size_t out_frames, int& error) {
  std::vector<float> y(out_frames + 64, 0.0f);
  SRC_DATA d{};
  d.data_in = x.data();
  d.input_frames = static_cast<long>(x.size());
  d.data_out = y.data();
  d.output_frames = static_cast<long>(y.size());
  d.src_ratio = ratio;
  error = src_simple(&d, converter, 1);
  std::size_t got = static_cast<std::size_t>(std::max(0L, d.output_frames_gen));
  // libsamplerate can stop a frame short at the very end; hold the last value
  // rather than stepping to zero.
  const float last = got > 0 ? y[got - 1] : 0.0f;
  for (; got < out_frames; ++got) y[got] = last;
  y.resize(out_frames);
  return y;
}

// Resamples the channels of x (mono: only l) in parallel, one thread per channel.
Stereo resample_planar(const Stereo& x, bool stereo, double from, double to, ResampleQuality q) {
  if (!(from > 0.0) || !(to > 0.0) || to / from > 256.0 || from / to > 256.0) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "Cannot resample from %.0f Hz to %.0f Hz.", from, to);
    throw AudioError(buf);
  }
  if (from == to) return x;
  const double ratio = to / from;
  const std::size_t out_frames = static_cast<std::size_t>(std::llround(x.l.size() * ratio));
  const int converter = converter_for(q, static_cast<double>(x.l.size()) * (stereo ? 2 : 1));
  Stereo y;
  int err_l = 0, err_r = 0;
  if (stereo) {
    std::thread right([&] { y.r = resample_channel(x.r, ratio, converter, out_frames, err_r); });
    y.l = resample_channel(x.l, ratio, converter, out_frames, err_l);
    right.join();
  } else {
    y.l = resample_channel(x.l, ratio, converter, out_frames, err_l);
  }
  if (err_l || err_r) throw AudioError(std::string("Resampling failed: ") + src_strerror(err_l ? err_l : err_r));
  return y;
}

void append_level_warnings(const std::string& path, const SampleScan& s, std::vector<std::string>& warnings) {
  char buf[256];
  if (s.peak > 1.0001) {
    std::snprintf(buf, sizeof buf, " has peaks above 0 dBFS (%+.1f dBFS). They are kept as they are.",
                  20.0 * std::log10(s.peak));
    warnings.push_back(quoted(path) + buf);
  }
  if (s.clipped_samples >= kClipWarnSamples) {
    std::snprintf(buf, sizeof buf,
                  " looks clipped: %zu samples sit at full scale. ITO-Master will master it, but clipping "
                  "already in the file cannot be undone.",
                  s.clipped_samples);
    warnings.push_back(quoted(path) + buf);
  }
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::equivalent(a, b, ec) && !ec) return true;
  const fs::path ca = fs::weakly_canonical(a, ec);
  if (ec) return false;
  const fs::path cb = fs::weakly_canonical(b, ec);
  return !ec && ca == cb;
}

int integer_rate(double fs, const std::string& path) {
  const long rate = std::lround(fs);
  if (!(fs > 0.0) || std::fabs(fs - rate) > 1e-6 || rate > 10'000'000) {
    throw AudioError("Cannot write " + quoted(path) + ": invalid sample rate " + std::to_string(fs) + " Hz.");
  }
  return static_cast<int>(rate);
}

}  // namespace

std::string format_time(double seconds) {
  if (!(seconds >= 0.0)) seconds = 0.0;
  const long tenths = std::lround(seconds * 10.0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%ld:%02ld.%ld", tenths / 600, (tenths / 10) % 60, tenths % 10);
  return buf;
}

namespace {

// Everything after opening, for a file and for bytes in memory alike: decode, check,
// resample. `path` names the audio in messages.
LoadedAudio decode_and_check(SndfilePtr file, const SF_INFO& info, std::size_t file_bytes, const std::string& path,
                             const LoadOptions& opt) {
  const double rate = info.samplerate;
  if (info.channels > 2) {
    throw AudioError(quoted(path) + " has " + std::to_string(info.channels) +
                     " channels; ITO-Master masters mono or stereo files. Downmix it to stereo first.");
  }
  if (info.channels < 1 || !(rate > 0.0)) {
    throw AudioError(quoted(path) + " is damaged: its header declares " + std::to_string(info.channels) +
                     " channels at " + std::to_string(info.samplerate) + " Hz.");
  }
  const std::string too_long = " is too long; ITO-Master accepts at most " + format_duration(opt.max_seconds) +
                               " of audio. Trim or split it first.";
  if (info.frames > 0 && info.frames / rate > opt.max_seconds) {
    throw AudioError(quoted(path) + " (" + format_duration(info.frames / rate) + ")" + too_long);
  }

  LoadedAudio out;
  out.source_rate = rate;
  out.source_channels = info.channels;
  const auto max_frames = static_cast<sf_count_t>(opt.max_seconds * rate) + 1;
  Stereo x = read_planar(file.get(), info.channels, max_frames, path, rate, info.frames, file_bytes);
  const double announced = announced_frames(file.get(), info.frames);
  file.reset();
  if (announced > x.l.size() + 0.01 * rate) {
    out.warnings.push_back(quoted(path) + " seems truncated: its header announces " +
                           format_duration(announced / rate) + " but the file holds only " +
                           format_duration(x.l.size() / rate) + ". The end of the audio is missing.");
  }

  const std::size_t frames = x.l.size();
  out.source_seconds = frames / rate;
  if (frames == 0) throw AudioError(quoted(path) + " contains no audio (0 samples).");
  if (out.source_seconds > opt.max_seconds) throw AudioError(quoted(path) + too_long);
  if (out.source_seconds < opt.min_seconds) {
    throw AudioError(quoted(path) + " is too short (" + format_duration(out.source_seconds) +
                     "); ITO-Master needs at least " + format_duration(opt.min_seconds) + " of audio.");
  }

  SampleScan scan;
  scan_channel(x.l, scan);
  if (info.channels == 2) scan_channel(x.r, scan);
  if (scan.first_bad_frame != SIZE_MAX) {
    throw AudioError(quoted(path) + " contains invalid samples (NaN/Inf) at " +
                     format_time(scan.first_bad_frame / rate) +
                     "; the file is damaged or was exported incorrectly.");
  }
  if (scan.peak < kSilencePeak) {
    throw AudioError(quoted(path) + " is silent (peak below -90 dBFS); there is nothing to master.");
  }
  if (scan.peak > kMaxPeak) {
    char buf[160];
    std::snprintf(buf, sizeof buf, " has peaks at %+.1f dBFS, far beyond full scale; the file is damaged or was "
                  "exported incorrectly.", 20.0 * std::log10(scan.peak));
    throw AudioError(quoted(path) + buf);
  }
  append_level_warnings(path, scan, out.warnings);

  // Resample before duplicating mono, so mono costs one channel of work. At the target rate
  // already, the decoded buffer is the audio (no copy of a long track).
  const double target = opt.target_rate > 0 ? opt.target_rate : master_rate_for(rate);
  out.audio = rate == target ? std::move(x) : resample_planar(x, info.channels == 2, rate, target, opt.quality);
  if (info.channels == 1) out.audio.r = out.audio.l;
  out.sample_rate = target;
  return out;
}

}  // namespace

double master_rate_for(double source_rate) {
  return is_master_rate(source_rate) ? source_rate : kModelRate;
}

LoadedAudio load_audio(const std::string& path, const LoadOptions& opt) {
  check_file_is_readable(path);
  SF_INFO info{};
  SndfilePtr file = opened_or_throw(sf_open(path.c_str(), SFM_READ, &info), path);
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);  // 0 for a pipe: then nothing is reserved
  return decode_and_check(std::move(file), info, ec ? 0 : static_cast<std::size_t>(size), path, opt);
}

LoadedAudio load_audio_from_memory(const std::string& bytes, const LoadOptions& opt, const std::string& name) {
  if (bytes.empty()) throw AudioError(quoted(name) + " is empty (0 bytes); it is not an audio file.");
  MemoryFile memory{bytes};
  SF_VIRTUAL_IO io{&MemoryFile::length, &MemoryFile::seek, &MemoryFile::read, &MemoryFile::write, &MemoryFile::tell};
  SF_INFO info{};
  SndfilePtr file = opened_or_throw(sf_open_virtual(&io, SFM_READ, &info, &memory), name);
  return decode_and_check(std::move(file), info, bytes.size(), name, opt);
}

Stereo resample(const Stereo& x, double from_rate, double to_rate, ResampleQuality quality) {
  return resample_planar(x, true, from_rate, to_rate, quality);
}

std::size_t write_master_atomic(const std::string& path, const Stereo& audio, double fs, const OutputFormat& format,
                                bool overwrite, const std::vector<std::string>& protected_inputs) {
  for (const std::string& input : protected_inputs) {
    if (same_file(path, input)) {
      throw AudioError("Refusing to write to " + quoted(path) + ": it is the input file " + quoted(input) +
                       ". Choose a different output name.");
    }
  }
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) throw AudioError("Cannot write " + quoted(path) + ": it is a folder.");
  // (A file created between this check and the rename would be replaced; acceptable for a CLI.)
  if (fs::exists(st) && !overwrite) {
    throw AudioError(quoted(path) + " already exists; not replacing it (use --force to replace it).");
  }
  if (audio.l.size() != audio.r.size()) throw AudioError("Cannot write " + quoted(path) + ": channel lengths differ.");
  if (format.channels != 1 && format.channels != 2) throw AudioError("A master has 1 or 2 channels.");
  const bool flac = format.container == Container::Flac;
  if (flac && format.sample == SampleFormat::Float32) throw AudioError("FLAC holds 16 or 24 bits, not 32-bit float.");

  SF_INFO info{};
  info.samplerate = integer_rate(fs, path);
  info.channels = format.channels;
  info.format = (flac ? SF_FORMAT_FLAC : SF_FORMAT_WAV) |
                (format.sample == SampleFormat::Pcm16 ? SF_FORMAT_PCM_16
                 : format.sample == SampleFormat::Pcm24 ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT);

  TempFile tmp(path);
  SNDFILE* f = sf_open_fd(tmp.fd(), SFM_WRITE, &info, SF_FALSE);
  if (!f) throw AudioError("Cannot write " + quoted(path) + ": " + sf_strerror(nullptr) + ".");
  SndfilePtr file(f);

  const int channels = format.channels;
  const bool pcm = format.sample != SampleFormat::Float32;
  // libsndfile's int samples are full-scale 32-bit: a 16- or 24-bit code is shifted up, and
  // libsndfile shifts it back down exactly.
  const int shift = format.sample == SampleFormat::Pcm16 ? 16 : 8;
  std::vector<Quantizer> quantizers;
  if (pcm)
    for (int c = 0; c < channels; ++c) quantizers.push_back(channel_quantizer(format.sample, c));
  std::size_t clamped = 0;
  std::vector<std::int32_t> codes(kBlockFrames), ints(static_cast<std::size_t>(kBlockFrames) * channels);
  std::vector<float> floats(static_cast<std::size_t>(kBlockFrames) * channels);
  for (std::size_t start = 0; start < audio.frames(); start += kBlockFrames) {
    const std::size_t n = std::min<std::size_t>(kBlockFrames, audio.frames() - start);
    sf_count_t written;
    if (pcm) {
      for (int c = 0; c < channels; ++c) {
        clamped += quantizers[c].quantize(audio.channel(c) + start, n, codes.data());
        for (std::size_t i = 0; i < n; ++i)
          ints[i * channels + c] = static_cast<std::int32_t>(static_cast<std::uint32_t>(codes[i]) << shift);
      }
      written = sf_writef_int(f, ints.data(), static_cast<sf_count_t>(n));
    } else {
      for (int c = 0; c < channels; ++c)
        for (std::size_t i = 0; i < n; ++i) floats[i * channels + c] = audio.channel(c)[start + i];
      written = sf_writef_float(f, floats.data(), static_cast<sf_count_t>(n));
    }
    if (written != static_cast<sf_count_t>(n)) throw AudioError("Cannot write " + quoted(path) + ": " + sf_strerror(f) + ".");
  }
  if (sf_close(file.release()) != 0) throw AudioError("Cannot write " + quoted(path) + ": closing failed.");
  tmp.commit();
  return clamped;
}

void write_wav_float(const std::string& path, const Stereo& audio, double fs) {
  write_master_atomic(path, audio, fs, OutputFormat{.sample = SampleFormat::Float32}, true);
}

}  // namespace ito

// Audio file input/output for the native CLI (libsndfile + libsamplerate).
// This is platform code: it reads and writes files. The engine never includes it.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/stereo.h"
#include "master/model_rate.h"
#include "master/sample_format.h"

namespace ito {

// A problem with an audio file, worded for a musician and naming the file.
struct AudioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LoadedAudio {
  Stereo audio;         // stereo at the requested rate (mono is duplicated to both channels)
  double sample_rate;   // the requested rate (or, for target_rate 0, the master's rate)
  double source_rate;
  int source_channels;
  double source_seconds;
  std::vector<std::string> warnings;  // e.g. "the file is probably clipped"; not errors
};

// Which libsamplerate converter to use. Auto picks Best for short files and Medium
// for long ones (Best costs about 40 ms of CPU per second of 48 kHz audio per channel).
enum class ResampleQuality { Auto, Best, Medium };

// The rate a master of a mix at source_rate has: its own if is_master_rate (model_rate.h),
// else 44.1 kHz.
double master_rate_for(double source_rate);

struct LoadOptions {
  double target_rate = kModelRate;  // 0: master_rate_for(the file's rate)
  double max_seconds = 120 * 60;  // a DJ mix or a live set; about 1 GB per 30 min to master
  double min_seconds = 0.5;
  ResampleQuality quality = ResampleQuality::Auto;
};

// Reads any file libsndfile decodes (WAV, AIFF, FLAC, OGG/Vorbis, Opus, MP3, ...) as
// float, validates it, converts it to stereo and resamples it to opt.target_rate.
// Throws AudioError for: missing/unreadable file, not audio or damaged, no samples,
// too short, too long, more than 2 channels, NaN/Inf samples, digital silence, peaks
// beyond +60 dBFS (damage in a float file).
LoadedAudio load_audio(const std::string& path, const LoadOptions& opt = {});
// The same for a file's bytes already in memory; `name` stands for the file in messages.
LoadedAudio load_audio_from_memory(const std::string& bytes, const LoadOptions& opt = {},
                                   const std::string& name = "the audio");

// A master's file: WAV or FLAC, 16-bit (TPDF dither), 24-bit or 32-bit float (WAV only),
// mono (the left channel) or stereo.
enum class Container { Wav, Flac };
struct OutputFormat {
  Container container = Container::Wav;
  SampleFormat sample = SampleFormat::Pcm24;
  int channels = 2;
};

// Writes a master atomically: "<path>.tmp-<pid>" is written, fsynced and renamed onto path,
// so path is never seen half-written. Refuses (AudioError) when path exists and !overwrite,
// and always when path is the same file as one of protected_inputs. PCM samples are
// quantized as master/sample_format.h's Quantizer does (the page's WAV export too); samples
// outside [-1, 1) (and NaN) are clamped as a last resort: returns how many (the caller
// guarantees headroom, so normally 0). 32-bit float keeps every sample as it is.
std::size_t write_master_atomic(const std::string& path, const Stereo& audio, double fs, const OutputFormat& format,
                                bool overwrite, const std::vector<std::string>& protected_inputs = {});
// The same as a 24-bit stereo WAV.
inline std::size_t write_wav24_atomic(const std::string& path, const Stereo& audio, double fs, bool overwrite,
                                      const std::vector<std::string>& protected_inputs = {}) {
  return write_master_atomic(path, audio, fs, OutputFormat{}, overwrite, protected_inputs);
}

// Writes a 32-bit float WAV atomically (no clamping, overwrites). For tests and tools.
void write_wav_float(const std::string& path, const Stereo& audio, double fs);

// Band-limited resampling with libsamplerate; output has round(frames * to / from)
// frames and is time-aligned with the input. Returns a copy when the rates match.
Stereo resample(const Stereo& x, double from_rate, double to_rate,
                ResampleQuality quality = ResampleQuality::Auto);

// "m:ss.s" for a position in seconds, e.g. 83.4 -> "1:23.4" (used in messages).
std::string format_time(double seconds);

}  // namespace ito

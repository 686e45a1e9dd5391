// libFuzzer target: the audio-loading path (libsndfile decode through our virtual I/O, the
// channel, rate, length and sample checks, resampling to 44.1 kHz) on arbitrary bytes.
// Refusals (AudioError) are expected; anything else that escapes, and any loaded audio that
// breaks the loader's promises, is a finding.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli/audio_io.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ito::LoadOptions opt;
  // Short limits keep every run fast and small; the checks on long declared lengths run all
  // the same (a header announcing minutes is refused before anything is decoded).
  opt.max_seconds = 1.0;
  opt.min_seconds = 0.001;
  opt.quality = ito::ResampleQuality::Medium;
  try {
    const ito::LoadedAudio a =
        ito::load_audio_from_memory(std::string(reinterpret_cast<const char*>(data), size), opt, "fuzz input");
    check(a.sample_rate == opt.target_rate);
    check(a.source_channels == 1 || a.source_channels == 2);
    check(a.audio.l.size() == a.audio.r.size() && !a.audio.empty());
    check(a.source_seconds >= opt.min_seconds && a.source_seconds <= opt.max_seconds);
    for (std::size_t i = 0; i < a.audio.frames(); ++i) check(std::isfinite(a.audio.l[i]) && std::isfinite(a.audio.r[i]));
  } catch (const ito::AudioError&) {
  }
  return 0;
}

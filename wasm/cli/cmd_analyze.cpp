#include <cstdio>

#include "cli/args.h"
#include "cli/audio_io.h"
#include "cli/commands.h"
#include "cli/report.h"

namespace ito {

int run_analyze(const std::vector<std::string>& argv) {
  const Args args(argv, {}, {"json"});
  if (args.positional().size() != 1) throw UsageError("analyze takes exactly one FILE");
  const std::string path = args.positional()[0];
  const LoadedAudio audio = load_audio(path);
  for (const std::string& w : audio.warnings) std::fprintf(stderr, "itomaster: warning: %s\n", w.c_str());
  const TrackMetrics m = measure_track(audio.audio, audio.sample_rate);
  if (args.has("json")) {
    JsonWriter w(2);
    w.begin_object().field("file", path).field("seconds", audio.source_seconds)
        .field("source_rate", audio.source_rate).field("source_channels", audio.source_channels);
    write_metrics(w, "metrics", m);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::fputs(describe_metrics(path, m).c_str(), stdout);
  }
  return 0;
}

}  // namespace ito

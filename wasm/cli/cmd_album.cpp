// itomaster album: several mixes toward one reference, one after the other (one track's audio
// in memory at a time), each through `master` with the same options, so the album shares one
// target loudness and ceiling; --same-settings renders every track with the first track's
// settings (ITO runs once). Prints each master's loudness, true peak and loudness range.
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/audio_io.h"
#include "cli/commands.h"
#include "core/json_writer.h"
#include "master/metrics.h"

namespace ito {
namespace fs = std::filesystem;

namespace {

struct AlbumTrack {
  std::string input, output;
  bool ok = false;
  TrackMetrics metrics{};
};

// The master options given on the command line, to pass on to every track's `master`.
std::vector<std::string> passed_on(const std::vector<std::string>& argv, const std::set<std::string>& options) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i].rfind("--", 0) != 0) continue;  // a mix (positional)
    const std::string name = argv[i].substr(2);
    const bool takes_value = options.count(name) > 0;
    if (name != "output-dir" && name != "same-settings" && name != "json") {
      out.push_back(argv[i]);
      if (takes_value && i + 1 < argv.size()) out.push_back(argv[i + 1]);
    }
    if (takes_value) ++i;
  }
  return out;
}

}  // namespace

int run_album(const std::vector<std::string>& argv) {
  std::set<std::string> options = kMasterOptions, flags = kMasterFlags;
  for (const char* per_track : {"input", "output", "params-in", "params-out", "report"}) options.erase(per_track);
  options.insert("output-dir");
  flags.insert("same-settings");
  const Args args(argv, options, flags);
  const std::vector<std::string>& mixes = args.positional();
  if (mixes.empty()) throw UsageError("album: name the mixes after the options");
  const std::string dir = args.require("output-dir");
  args.require("reference");
  const bool same = args.has("same-settings");
  if (same && args.get("model", "theta") != "theta")
    throw UsageError("--same-settings needs ITO on the settings (--model theta): a model's settings apply to "
                     "each mix's own Fx-normalized input");
  const std::string extension = args.get("format", "wav") == "flac" ? ".flac" : ".wav";

  // Every output name is known, and free, before the first track starts.
  std::vector<AlbumTrack> tracks;
  std::set<std::string> names;
  for (const std::string& mix : mixes) {
    const std::string name = fs::path(mix).stem().string() + extension;
    if (!names.insert(name).second) throw UsageError("two mixes would both be written as " + name + ": rename one");
    tracks.push_back({mix, (fs::path(dir) / name).string()});
    if (!args.has("force") && fs::exists(tracks.back().output))
      throw AudioError("'" + tracks.back().output + "' already exists (use --force to replace it)");
  }
  fs::create_directories(dir);
  const std::string settings = (fs::path(dir) / "album-settings.json").string();
  const std::vector<std::string> common = passed_on(argv, options);

  int failed = 0;
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    AlbumTrack& t = tracks[i];
    std::fprintf(stderr, "album: %zu of %zu: %s\n", i + 1, tracks.size(), t.input.c_str());
    std::vector<std::string> a = {"--input", t.input, "--output", t.output};
    a.insert(a.end(), common.begin(), common.end());
    if (same) a.insert(a.end(), {i == 0 ? "--params-out" : "--params-in", settings});
    if (same && i == 0 && args.has("force")) fs::remove(settings);
    try {
      t.ok = run_master(a) == 0;
    } catch (const std::exception& e) {  // one damaged mix does not stop the album
      std::fprintf(stderr, "album: %s: %s\n", t.input.c_str(), e.what());
    }
    if (!t.ok) {
      ++failed;
      if (same && i == 0) {
        std::fprintf(stderr, "album: the first track gives the settings: stopping\n");
        break;
      }
      continue;
    }
    const LoadedAudio out = load_audio(t.output);
    t.metrics = measure_track(out.audio, out.sample_rate);
  }

  std::printf("| track | master | LUFS | true peak dBTP | LRA LU |\n|---|---|---|---|---|\n");
  for (const AlbumTrack& t : tracks)
    if (t.ok)
      std::printf("| %s | %s | %.2f | %.2f | %.1f |\n", t.input.c_str(), t.output.c_str(), t.metrics.lufs,
                  t.metrics.true_peak_dbtp, t.metrics.lra);
    else
      std::printf("| %s | failed | | | |\n", t.input.c_str());
  if (args.has("json")) {
    JsonWriter w(2);
    w.begin_array();
    for (const AlbumTrack& t : tracks) {
      w.begin_object().field("input", t.input).field("output", t.output).field("ok", t.ok);
      if (t.ok)
        w.field("lufs", t.metrics.lufs).field("true_peak_dbtp", t.metrics.true_peak_dbtp).field("lra", t.metrics.lra);
      w.end_object();
    }
    w.end_array();
    std::printf("%s\n", w.str().c_str());
  }
  return failed ? 1 : 0;
}

}  // namespace ito

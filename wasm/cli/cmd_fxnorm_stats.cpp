#include "cli/cmd_fxnorm_stats.h"

#include "cli/atomic_file.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

#include "cli/args.h"
#include "cli/audio_io.h"
#include "cli/progress.h"
#include "master/fx_normalize.h"

namespace ito {
namespace {

struct IndexEntry {
  std::string path, package;
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, '\t')) cells.push_back(cell);
  return cells;
}

// Rows of the index whose split matches ("all" takes every row). Relative paths are
// taken from the working directory, or else from the index's own folder.
std::vector<IndexEntry> read_index(const std::string& index_path, const std::string& split) {
  std::ifstream in(index_path);
  if (!in) throw std::runtime_error("cannot read the index " + index_path);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(index_path + " is empty");
  const std::vector<std::string> header = split_tabs(line);
  std::map<std::string, std::size_t> column;
  for (std::size_t c = 0; c < header.size(); ++c) column[header[c]] = c;
  for (const char* needed : {"path", "package", "split"})
    if (!column.count(needed)) throw std::runtime_error(index_path + ": no '" + needed + "' column");

  const std::filesystem::path index_dir = std::filesystem::path(index_path).parent_path();
  std::vector<IndexEntry> entries;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_tabs(line);
    if (cells.size() < header.size()) throw std::runtime_error(index_path + ": short row '" + line + "'");
    if (split != "all" && cells[column["split"]] != split) continue;
    std::filesystem::path p = cells[column["path"]];
    if (p.is_relative() && !std::filesystem::exists(p) && std::filesystem::exists(index_dir / p))
      p = index_dir / p;
    entries.push_back({p.string(), cells[column["package"]]});
  }
  return entries;
}

struct PackageSummary {
  int songs = 0;
  double ratio_sum = 0.0;
  int ratio_count = 0;
};

}  // namespace

int run_fxnorm_stats(const std::vector<std::string>& argv) {
  const Args args(argv, {"index", "split", "out", "target-lufs", "limit"}, {});
  if (!args.positional().empty()) throw UsageError("fxnorm-stats takes no positional arguments");
  const std::string index_path = args.require("index");
  const std::string out_path = args.require("out");
  const std::string split = args.get("split", "train");
  const double target_lufs = args.number("target-lufs", -16.0);
  const double limit = args.number("limit", 0.0);
  if (limit < 0 || limit != std::floor(limit)) throw UsageError("--limit expects a whole number");

  std::vector<IndexEntry> songs = read_index(index_path, split);
  if (limit > 0 && songs.size() > limit) songs.resize(static_cast<std::size_t>(limit));
  if (songs.empty()) {
    std::fprintf(stderr, "itomaster fxnorm-stats: no songs with split '%s' in %s\n", split.c_str(),
                 index_path.c_str());
    return 1;
  }

  FxNormStats stats;
  stats.band_hz = default_fxnorm_band_hz();
  stats.band_db.assign(stats.band_hz.size(), 0.0);
  stats.target_lufs = target_lufs;
  double ratio_sum = 0.0;
  int measured = 0, failed = 0, ratio_count = 0;
  std::map<std::string, PackageSummary> packages;

  ProgressBar bar("fxnorm-stats", static_cast<int>(songs.size()));
  for (std::size_t i = 0; i < songs.size(); ++i) {
    try {
      const LoadedAudio loaded = load_audio(songs[i].path);
      const std::vector<double> shape = long_term_band_db(loaded.audio, loaded.sample_rate, stats.band_hz);
      for (std::size_t b = 0; b < shape.size(); ++b) stats.band_db[b] += shape[b];
      ++measured;
      PackageSummary& pkg = packages[songs[i].package];
      ++pkg.songs;
      const double ratio = side_mid_ratio_db(loaded.audio);
      if (std::isfinite(ratio)) {
        ratio_sum += ratio;
        ++ratio_count;
        pkg.ratio_sum += ratio;
        ++pkg.ratio_count;
      }
    } catch (const AudioError& e) {
      ++failed;
      std::fprintf(stderr, "itomaster fxnorm-stats: skipping: %s\n", e.what());
    }
    bar.update(static_cast<int>(i + 1), songs[i].package);
  }
  bar.finish();
  if (measured == 0 || ratio_count == 0) {
    std::fprintf(stderr, "itomaster fxnorm-stats: no usable (stereo) songs\n");
    return 1;
  }
  for (double& v : stats.band_db) v /= measured;
  stats.side_mid_ratio_db = ratio_sum / ratio_count;

  std::string text = "# written by: itomaster fxnorm-stats --index " + index_path + " --split " + split + "\n";
  text += "# songs: " + std::to_string(measured) + " (" + std::to_string(measured - ratio_count) +
          " exactly mono, left out of side_mid_ratio_db), skipped: " + std::to_string(failed) + "\n";
  text += format_fxnorm_stats(stats);
  write_file_atomic(out_path, text);

  std::fprintf(stderr, "itomaster fxnorm-stats: %d songs (%d skipped) -> %s\n", measured, failed, out_path.c_str());
  std::fprintf(stderr, "  side/mid ratio %.2f dB, target %.1f LUFS\n", stats.side_mid_ratio_db, stats.target_lufs);
  for (const auto& [name, pkg] : packages)
    std::fprintf(stderr, "  %-24s %3d songs, side/mid %6.2f dB\n", name.c_str(), pkg.songs,
                 pkg.ratio_count ? pkg.ratio_sum / pkg.ratio_count : NAN);
  return 0;
}

}  // namespace ito

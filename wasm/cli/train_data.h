// Training audio for `itomaster train`: the song lists written by scripts/fetch_music.sh
// and scripts/render_midi.sh (index.tsv: path, package, seconds, split) and a pool of
// windows decoded from them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/trainer.h"

namespace ito {

struct SongEntry {
  std::string path;  // resolved: usable from the current directory
  std::string package;
  double seconds = 0.0;
  std::string split;  // "train" or "val"
};

// Reads one index.tsv. Relative paths are taken from the current directory, or else from
// the folder two levels above the index (the repository root for data/<set>/index.tsv).
// Throws std::runtime_error for a missing file or a malformed line.
std::vector<SongEntry> read_song_index(const std::string& index_path);

// Frames [start_s, start_s + seconds) of an audio file as stereo at fs (mono duplicated,
// resampled if needed); shorter if the file ends first. Throws AudioError.
Stereo load_window(const std::string& path, double start_s, double seconds, double fs);

// One window of up to window_s seconds from each song of `split` (at most max_songs of
// them, the choice and positions drawn from seed), decoded in parallel. Unreadable songs
// are reported on stderr and skipped.
train::SongPool load_song_pool(const std::vector<SongEntry>& songs, const std::string& split, double window_s,
                               int max_songs, std::uint64_t seed, double fs);

}  // namespace ito

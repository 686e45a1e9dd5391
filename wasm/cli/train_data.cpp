#include "cli/train_data.h"

#include <sndfile.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "cli/audio_io.h"
#include "core/parallel.h"
#include "train/rng.h"

namespace ito {

std::vector<SongEntry> read_song_index(const std::string& index_path) {
  std::ifstream in(index_path);
  if (!in) throw std::runtime_error("cannot read song index '" + index_path + "'");
  const auto root = std::filesystem::path(index_path).parent_path().parent_path().parent_path();
  std::vector<SongEntry> songs;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.rfind("path\t", 0) == 0) continue;
    std::istringstream fields(line);
    SongEntry s;
    std::string seconds;
    if (!std::getline(fields, s.path, '\t') || !std::getline(fields, s.package, '\t') ||
        !std::getline(fields, seconds, '\t') || !std::getline(fields, s.split, '\t'))
      throw std::runtime_error(index_path + ":" + std::to_string(number) + ": expected 4 tab-separated fields");
    s.seconds = std::stod(seconds);
    if (!std::filesystem::exists(s.path) && std::filesystem::path(s.path).is_relative())
      s.path = (root / s.path).string();
    songs.push_back(s);
  }
  return songs;
}

Stereo load_window(const std::string& path, double start_s, double seconds, double fs) {
  SF_INFO info{};
  std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> f(sf_open(path.c_str(), SFM_READ, &info), sf_close);
  if (!f) throw AudioError("cannot decode '" + path + "' (" + sf_strerror(nullptr) + ")");
  if (info.channels < 1 || info.channels > 2) throw AudioError("'" + path + "' has " + std::to_string(info.channels) + " channels");
  const sf_count_t start = static_cast<sf_count_t>(start_s * info.samplerate);
  if (start > 0 && sf_seek(f.get(), start, SEEK_SET) < 0) throw AudioError("cannot seek in '" + path + "'");
  const sf_count_t want = static_cast<sf_count_t>(seconds * info.samplerate);
  std::vector<float> buf(static_cast<std::size_t>(want) * info.channels);
  const sf_count_t got = sf_readf_float(f.get(), buf.data(), want);
  Stereo x(static_cast<std::size_t>(std::max<sf_count_t>(got, 0)));
  for (std::size_t i = 0; i < x.frames(); ++i) {
    x.l[i] = buf[i * info.channels];
    x.r[i] = buf[i * info.channels + (info.channels - 1)];
  }
  return info.samplerate == static_cast<int>(fs) ? x : resample(x, info.samplerate, fs);
}

train::SongPool load_song_pool(const std::vector<SongEntry>& songs, const std::string& split, double window_s,
                               int max_songs, std::uint64_t seed, double fs) {
  std::vector<const SongEntry*> chosen;
  for (const auto& s : songs)
    if (s.split == split) chosen.push_back(&s);
  train::Rng rng(seed);
  for (std::size_t i = chosen.size(); i > 1; --i) std::swap(chosen[i - 1], chosen[rng.below(i)]);  // shuffle
  if (max_songs > 0 && static_cast<int>(chosen.size()) > max_songs) chosen.resize(max_songs);
  std::vector<double> starts;
  for (const SongEntry* s : chosen) starts.push_back(rng.uniform() * std::max(0.0, s->seconds - window_s));

  train::SongPool pool;
  pool.songs.resize(chosen.size());
  parallel_for(static_cast<int>(chosen.size()), [&](int i) {
    try {
      pool.songs[i] = load_window(chosen[i]->path, starts[i], window_s, fs);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "train: skipping %s: %s\n", chosen[i]->path.c_str(), e.what());
    }
  });
  pool.songs.erase(std::remove_if(pool.songs.begin(), pool.songs.end(), [](const Stereo& s) { return s.empty(); }),
                   pool.songs.end());
  return pool;
}

}  // namespace ito

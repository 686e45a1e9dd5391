// A stereo signal as two planar float channels. The whole engine works on this.
#pragma once
#include <cstddef>
#include <vector>

namespace ito {

struct Stereo {
  std::vector<float> l, r;

  Stereo() = default;
  explicit Stereo(std::size_t frames) : l(frames, 0.0f), r(frames, 0.0f) {}

  std::size_t frames() const { return l.size(); }
  bool empty() const { return l.empty(); }
  void resize(std::size_t frames) { l.resize(frames, 0.0f); r.resize(frames, 0.0f); }
  void zero() { l.assign(l.size(), 0.0f); r.assign(r.size(), 0.0f); }

  float* channel(int c) { return c == 0 ? l.data() : r.data(); }
  const float* channel(int c) const { return c == 0 ? l.data() : r.data(); }
};

// Frames [begin, begin + count) of x, clamped to its length.
Stereo slice(const Stereo& x, std::size_t begin, std::size_t count);

}  // namespace ito

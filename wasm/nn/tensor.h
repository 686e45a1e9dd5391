// A 1-D feature map of one example: `channels` rows of `frames` floats, row-major
// (x[c * frames + t]). Batches are std::vector<Tensor> with equal shapes.
#pragma once
#include <cstddef>
#include <vector>

namespace ito::nn {

struct Tensor {
  int channels = 0;
  int frames = 0;
  std::vector<float> data;

  Tensor() = default;
  Tensor(int c, int t) : channels(c), frames(t), data(static_cast<std::size_t>(c) * t, 0.0f) {}

  void resize(int c, int t) {
    channels = c;
    frames = t;
    data.assign(static_cast<std::size_t>(c) * t, 0.0f);
  }
  // Same as resize() but leaves the values unspecified when the size changes; for outputs
  // that are about to be overwritten entirely (skips zero-filling large buffers).
  void resize_for_overwrite(int c, int t) {
    channels = c;
    frames = t;
    data.resize(static_cast<std::size_t>(c) * t);
  }
  std::size_t size() const { return data.size(); }
  float* row(int c) { return data.data() + static_cast<std::size_t>(c) * frames; }
  const float* row(int c) const { return data.data() + static_cast<std::size_t>(c) * frames; }
};

using Batch = std::vector<Tensor>;

}  // namespace ito::nn

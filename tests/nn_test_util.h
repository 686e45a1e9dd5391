// Random inputs for the neural-net layer tests.
#pragma once
#include <random>
#include <vector>

#include "nn/tensor.h"

namespace ito::nn {

inline std::vector<float> random_vec(std::size_t n, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

inline Tensor random_tensor(int channels, int frames, std::mt19937& rng) {
  Tensor t(channels, frames);
  t.data = random_vec(t.size(), rng);
  return t;
}

}  // namespace ito::nn

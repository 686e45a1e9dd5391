// Sum of f(i) over [0, n) in a form the compiler vectorizes: kLanes float partial
// sums per block, blocks added in double (a plain double accumulator would force a
// strict sequential order and stay scalar).
#pragma once
#include <algorithm>
#include <cstddef>

namespace ito {

template <class F>
double lane_sum(std::size_t n, F f) {
  constexpr int kLanes = 8;
  constexpr std::size_t kBlock = 1024;
  double total = 0.0;
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t end = std::min(n, start + kBlock);
    const std::size_t full_end = start + (end - start) / kLanes * kLanes;
    float lanes[kLanes] = {};
    for (std::size_t base = start; base < full_end; base += kLanes)
      for (int j = 0; j < kLanes; ++j) lanes[j] += f(base + j);
    for (std::size_t i = full_end; i < end; ++i) lanes[0] += f(i);
    for (float v : lanes) total += v;
  }
  return total;
}

}  // namespace ito

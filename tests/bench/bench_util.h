// What every benchmark shares: 30 s of 44.1 kHz stereo, and the real-time factor
// (audio seconds processed per second) as the "x_realtime" counter.
#pragma once
#include <benchmark/benchmark.h>

#include <cstddef>

#include "test_signals.h"

namespace ito::bench {

constexpr double kSeconds = 30.0;
constexpr std::size_t kFrames = static_cast<std::size_t>(kSeconds * testing::kFs);

inline void set_realtime(benchmark::State& state) {
  state.counters["x_realtime"] = benchmark::Counter(kSeconds * state.iterations(), benchmark::Counter::kIsRate);
}

}  // namespace ito::bench

// Loss timings on 30 s of stereo audio at 44.1 kHz, single thread.
#include <benchmark/benchmark.h>

#include "analysis/af_loss.h"
#include "analysis/drv.h"
#include "analysis/mss_loss.h"
#include "bench_util.h"
#include "ito/objective.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr std::size_t kThirtySeconds = bench::kFrames;

const Stereo& signal_y() {
  static const Stereo y = testing::music_like(kThirtySeconds, 0.8, 1);
  return y;
}
const Stereo& signal_target() {
  static const Stereo t = testing::music_like(kThirtySeconds, 0.6, 2);
  return t;
}

void BM_AfLossValue(benchmark::State& state) {
  signal_y();  // build the signals outside the timed loop
  const AfFeatures target = compute_af_features(signal_target(), testing::kFs);
  for (auto _ : state) benchmark::DoNotOptimize(af_loss(signal_y(), target, testing::kFs));
}
BENCHMARK(BM_AfLossValue)->Unit(benchmark::kMillisecond);

void BM_AfLossWithGradient(benchmark::State& state) {
  const AfFeatures target = compute_af_features(signal_target(), testing::kFs);
  Stereo grad;
  for (auto _ : state) benchmark::DoNotOptimize(af_loss(signal_y(), target, testing::kFs, &grad));
}
BENCHMARK(BM_AfLossWithGradient)->Unit(benchmark::kMillisecond);

// ITO's objective: the AF loss of the output matched to the target loudness (ito/objective.h).
void BM_LoudnessMatchedAfLossWithGradient(benchmark::State& state) {
  const AfFeatures target = compute_af_features(signal_target(), testing::kFs);
  Stereo grad;
  for (auto _ : state)
    benchmark::DoNotOptimize(loudness_matched_af_loss(signal_y(), target, -14.0, testing::kFs, &grad));
}
BENCHMARK(BM_LoudnessMatchedAfLossWithGradient)->Unit(benchmark::kMillisecond);

void BM_MssLossValue(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(mss_loss(signal_y(), signal_target()));
}
BENCHMARK(BM_MssLossValue)->Unit(benchmark::kMillisecond);

void BM_MssLossWithGradient(benchmark::State& state) {
  Stereo grad;
  for (auto _ : state) benchmark::DoNotOptimize(mss_loss(signal_y(), signal_target(), &grad));
}
BENCHMARK(BM_MssLossWithGradient)->Unit(benchmark::kMillisecond);

void BM_Drv(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(drv(signal_y(), testing::kFs));
}
BENCHMARK(BM_Drv)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ito

// Loudness, true peak and the final loudness/true-peak stage on 30 s of
// stereo music at 44.1 kHz.
#include <benchmark/benchmark.h>

#include "analysis/loudness.h"
#include "analysis/true_peak.h"
#include "master/finalize.h"
#include "bench_util.h"
#include "test_signals.h"

namespace {

const ito::Stereo& thirty_seconds() {
  static const ito::Stereo x =
      ito::testing::music_like(ito::bench::kFrames, 0.5, 1);
  return x;
}

void BM_IntegratedLoudness(benchmark::State& state) {
  const ito::Stereo& x = thirty_seconds();
  for (auto _ : state) benchmark::DoNotOptimize(ito::integrated_loudness(x, ito::testing::kFs));
}
BENCHMARK(BM_IntegratedLoudness)->Unit(benchmark::kMillisecond);

void BM_TruePeak(benchmark::State& state) {
  const ito::Stereo& x = thirty_seconds();
  for (auto _ : state) benchmark::DoNotOptimize(ito::true_peak(x, ito::testing::kFs));
}
BENCHMARK(BM_TruePeak)->Unit(benchmark::kMillisecond);

// Arg: target LUFS. -14 needs light limiting, -8 heavy.
void BM_FinalizeMaster(benchmark::State& state) {
  const ito::Stereo& x = thirty_seconds();
  ito::FinalizeOptions opt;
  opt.target_lufs = static_cast<double>(state.range(0));
  ito::FinalizeReport report{};
  for (auto _ : state) benchmark::DoNotOptimize(ito::finalize_master(x, ito::testing::kFs, opt, &report));
  state.counters["passes"] = report.iterations;
}
BENCHMARK(BM_FinalizeMaster)->Arg(-14)->Arg(-8)->Unit(benchmark::kMillisecond);

}  // namespace

// Chain forward, forward+backward and one ITO step on 30 s of 44.1 kHz stereo.
// Real-time factor = 30 s / (time per iteration); reported as the "x_realtime" counter.
#include <benchmark/benchmark.h>

#include "analysis/af_loss.h"
#include "dsp/chain.h"
#include "ito/segmented_chain.h"
#include "master/mastering.h"
#include "bench_util.h"
#include "test_signals.h"

namespace {

using namespace ito;
using bench::kFrames;
using bench::set_realtime;

const Stereo& input() {
  static const Stereo x = testing::music_like(kFrames, 0.5, 1);
  return x;
}

Params busy_params() {
  // Every processor active: EQ boosts/cuts, drive, compression in all bands, limiting.
  Params p = initial_params(input(), testing::kFs);
  for (int i : {0, 3, 6, 9, 12, 15}) p[i] = 0.6;
  p[18] = 0.5;
  p[19] = 0.5;
  p[42] = 0.6;
  return p;
}

void BM_ChainForward(benchmark::State& state) {
  Chain chain(testing::kFs);
  chain.set_params(busy_params());
  Stereo y;
  for (auto _ : state) {
    chain.process(input(), y);
    benchmark::DoNotOptimize(y.l.data());
  }
  set_realtime(state);
}
BENCHMARK(BM_ChainForward)->Unit(benchmark::kMillisecond);

void BM_ChainForwardBackward(benchmark::State& state) {
  Chain chain(testing::kFs);
  chain.set_params(busy_params());
  ChainTape tape;
  Stereo y, grad_in;
  Params grad{};
  const Stereo grad_out = testing::white_noise(input().frames(), 1e-3, 2);
  chain.process(input(), y, &tape);  // warm-up: first-touch page faults of the tape
  chain.backward(tape, grad_out, &grad_in, grad);
  for (auto _ : state) {
    chain.process(input(), y, &tape);
    chain.backward(tape, grad_out, &grad_in, grad);
    benchmark::DoNotOptimize(grad.data());
  }
  set_realtime(state);
}
BENCHMARK(BM_ChainForwardBackward)->Unit(benchmark::kMillisecond);

void BM_ItoStep(benchmark::State& state) {
  // One ITO-on-theta step: chain forward with tape, AF loss with gradient, chain backward.
  Chain chain(testing::kFs);
  chain.set_params(busy_params());
  const AfFeatures target = compute_af_features(testing::music_like(input().frames(), 0.9, 3), testing::kFs);
  ChainTape tape;
  Stereo y, grad_out;
  Params grad{};
  auto step = [&] {
    chain.process(input(), y, &tape);
    benchmark::DoNotOptimize(af_loss(y, target, testing::kFs, &grad_out));
    chain.backward(tape, grad_out, nullptr, grad);
  };
  step();  // warm-up: first-touch page faults of the tape and scratch buffers
  for (auto _ : state) step();
  set_realtime(state);
}
BENCHMARK(BM_ItoStep)->Unit(benchmark::kMillisecond);

void BM_ItoStepSegmented(benchmark::State& state) {
  // The same step as ITO on Θ takes it: 30 s as six segments with 0.5 s warm-ups
  // (segmented_chain.h), the segments on separate threads where there are several.
  SegmentedExcerpt excerpt;
  const std::size_t body = input().frames() / 6, warmup = static_cast<std::size_t>(0.5 * testing::kFs);
  const Stereo track = testing::music_like(6 * (body + warmup), 0.5, 1);
  excerpt.audio = track;
  for (std::size_t s = 0; s < 6; ++s) excerpt.segments.push_back({s * (body + warmup), warmup, body});
  SegmentedChain chain(excerpt, testing::kFs);
  chain.set_params(busy_params());
  const AfFeatures target = compute_af_features(testing::music_like(input().frames(), 0.9, 3), testing::kFs);
  Stereo y, grad_out;
  Params grad{};
  auto step = [&] {
    chain.process(y, true);
    benchmark::DoNotOptimize(af_loss(y, target, testing::kFs, &grad_out));
    chain.backward(grad_out, grad);
  };
  step();
  for (auto _ : state) step();
  set_realtime(state);
}
BENCHMARK(BM_ItoStepSegmented)->Unit(benchmark::kMillisecond);

}  // namespace

// Multiband compressor/expander and limiter: forward and forward+backward on 30 s
// of 44.1 kHz stereo. Real-time factor = 30 s / (time per iteration), reported as
// the "x_realtime" counter.
#include <benchmark/benchmark.h>

#include <vector>

#include "dsp/limiter.h"
#include "dsp/multiband.h"
#include "bench_util.h"
#include "test_signals.h"

namespace {

using namespace ito;
using bench::kFrames;
using bench::set_realtime;

const Stereo& music() {
  static const Stereo x = testing::music_like(kFrames, 0.7, 7);
  return x;
}
const Stereo& upstream_gradient() {
  static const Stereo g = testing::white_noise(music().frames(), 1e-3, 8);
  return g;
}

// Builds the shared signals outside the timed loops.
void warm_up() {
  music();
  upstream_gradient();
}
// Each benchmark also makes one untimed call first: processors and tapes keep their
// full-length buffers, so this measures the steady state of an ITO loop rather than
// the first call's allocation (which page-faults ~150 MB of fresh memory for 30 s).

// Every band compressing and expanding, different time constants.
Multiband busy_multiband() {
  std::vector<double> p(Multiband::kNumParams, 0.5);
  for (int b = 0; b < 3; ++b) {
    const int k = 3 + 6 * b;
    p[k + 0] = 0.6 + 0.1 * b;  // comp threshold -24..-12 dB
    p[k + 1] = 0.2;            // ratio 4.8:1
    p[k + 2] = 0.3;            // exp threshold -42 dB
    p[k + 3] = 0.5;            // exp ratio 0.5
    p[k + 4] = 0.1 * (b + 1);  // attack
    p[k + 5] = 0.5;            // release
  }
  Multiband mb;
  mb.set_params(p.data(), testing::kFs);
  return mb;
}

Limiter busy_limiter() {
  const double p[Limiter::kNumParams] = {0.85, 0.1, 0.5};  // -9 dB, 14.5 ms, 52.5 ms
  Limiter lim;
  lim.set_params(p, testing::kFs);
  return lim;
}

void BM_MultibandForward(benchmark::State& state) {
  const Multiband mb = busy_multiband();
  Stereo y;
  warm_up();
  mb.process(music(), y, nullptr);
  for (auto _ : state) {
    mb.process(music(), y, nullptr);
    benchmark::DoNotOptimize(y.l.data());
  }
  set_realtime(state);
}
BENCHMARK(BM_MultibandForward)->Unit(benchmark::kMillisecond);

void BM_MultibandForwardBackward(benchmark::State& state) {
  const Multiband mb = busy_multiband();
  Multiband::Tape tape;
  Stereo y, grad_in;
  warm_up();
  std::vector<double> grad(Multiband::kNumParams);
  for (auto _ : state) {
    mb.process(music(), y, &tape);
    mb.backward(tape, upstream_gradient(), grad_in, grad.data());
    benchmark::DoNotOptimize(grad.data());
  }
  set_realtime(state);
}
BENCHMARK(BM_MultibandForwardBackward)->Unit(benchmark::kMillisecond);

void BM_LimiterForward(benchmark::State& state) {
  const Limiter lim = busy_limiter();
  Stereo y;
  warm_up();
  lim.process(music(), y, nullptr);
  for (auto _ : state) {
    lim.process(music(), y, nullptr);
    benchmark::DoNotOptimize(y.l.data());
  }
  set_realtime(state);
}
BENCHMARK(BM_LimiterForward)->Unit(benchmark::kMillisecond);

void BM_LimiterForwardBackward(benchmark::State& state) {
  const Limiter lim = busy_limiter();
  Limiter::Tape tape;
  Stereo y, grad_in;
  warm_up();
  double grad[Limiter::kNumParams] = {};
  for (auto _ : state) {
    lim.process(music(), y, &tape);
    lim.backward(tape, upstream_gradient(), grad_in, grad);
    benchmark::DoNotOptimize(grad);
  }
  set_realtime(state);
}
BENCHMARK(BM_LimiterForwardBackward)->Unit(benchmark::kMillisecond);

}  // namespace

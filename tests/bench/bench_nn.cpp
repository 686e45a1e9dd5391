// The neural-net core and the networks: conv1d forward/backward throughput (GFLOP/s, one
// thread) on typical layer shapes, and Φ + white-box Ψ inference and ITO-on-z backward
// on a 30 s excerpt.
#include <random>

#include "bench_util.h"
#include "models/audio_tensor.h"
#include "models/converter.h"
#include "models/encoder.h"
#include "nn/conv1d.h"
#include "core/parallel.h"

namespace ito::bench {
namespace {

// Args: in, out, kernel, stride, dilation, frames.
nn::Conv1dSpec spec_of(const benchmark::State& s) {
  return {static_cast<int>(s.range(0)), static_cast<int>(s.range(1)), static_cast<int>(s.range(2)),
          static_cast<int>(s.range(3)), static_cast<int>(s.range(4)), false, true};
}

nn::Tensor noise(int channels, int frames) {
  std::mt19937 rng(1);
  std::normal_distribution<float> n;
  nn::Tensor t(channels, frames);
  for (float& v : t.data) v = n(rng);
  return t;
}

void BM_Conv1dForward(benchmark::State& state) {
  set_num_threads(1);
  const nn::Conv1dSpec s = spec_of(state);
  const nn::Tensor x = noise(s.in, static_cast<int>(state.range(5)));
  const std::vector<float> w = noise(1, static_cast<int>(s.weight_count())).data, b(s.out, 0.1f);
  nn::Tensor y;
  for (auto _ : state) nn::conv1d_forward(s, w.data(), b.data(), x, y);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * s.macs(x.frames) * state.iterations() / 1e9,
                                                 benchmark::Counter::kIsRate);
}

void BM_Conv1dBackward(benchmark::State& state) {
  set_num_threads(1);
  const nn::Conv1dSpec s = spec_of(state);
  const nn::Tensor x = noise(s.in, static_cast<int>(state.range(5)));
  const std::vector<float> w = noise(1, static_cast<int>(s.weight_count())).data;
  const nn::Tensor gy = noise(s.out, s.out_frames(x.frames));
  std::vector<float> gw(w.size()), gb(s.out);
  nn::Tensor gx;
  for (auto _ : state) nn::conv1d_backward(s, w.data(), x, gy, &gx, gw.data(), gb.data());
  // Input and weight gradients: twice the forward's multiply-adds.
  state.counters["GFLOP/s"] = benchmark::Counter(4.0 * s.macs(x.frames) * state.iterations() / 1e9,
                                                 benchmark::Counter::kIsRate);
}

void conv_shapes(benchmark::internal::Benchmark* b) {
  b->Args({16, 32, 15, 2, 1, 200000})->Args({32, 32, 15, 2, 2, 100000})->Args({32, 32, 15, 1, 4, 50000})
      ->Args({64, 64, 15, 2, 8, 20000})->Args({2, 8, 15, 4, 1, 400000})->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_Conv1dForward)->Apply(conv_shapes);
BENCHMARK(BM_Conv1dBackward)->Apply(conv_shapes);

// Φ on the reference excerpt, then white-box Ψ on the input excerpt (inference form).
void BM_WhiteBoxInference(benchmark::State& state) {
  set_num_threads(1);
  models::Encoder phi(models::default_encoder_config());
  phi.init(1);
  phi.fold();
  models::Converter psi(models::default_whitebox_config(phi.z_dim()));
  psi.init(2);
  psi.fold();
  const nn::Tensor x = models::to_tensor(testing::music_like(kFrames, 0.5, 3));
  std::vector<std::vector<float>> p;
  for (auto _ : state) {
    const std::vector<float> z = phi.encode(x);
    psi.forward({x}, {z}, false, &p, nullptr, nullptr);
  }
  set_realtime(state);
}
BENCHMARK(BM_WhiteBoxInference)->Unit(benchmark::kMillisecond);

// Ψ forward with a tape and the backward to z alone (the network's share of an ITO-on-z step).
void BM_WhiteBoxBackwardToZ(benchmark::State& state) {
  set_num_threads(1);
  models::Converter psi(models::default_whitebox_config(128));
  psi.init(2);
  psi.fold();
  const nn::Tensor x = models::to_tensor(testing::music_like(kFrames, 0.5, 3));
  const std::vector<float> z(128, 0.1f);
  const std::vector<std::vector<float>> g_params{std::vector<float>(models::kWhiteBoxOutputs, 0.01f)};
  for (auto _ : state) {
    models::Converter::Tape tape;
    std::vector<std::vector<float>> p, gz;
    psi.forward({x}, {z}, false, &p, nullptr, &tape);
    psi.backward(tape, &g_params, nullptr, nullptr, &gz);
  }
  set_realtime(state);
}
BENCHMARK(BM_WhiteBoxBackwardToZ)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ito::bench

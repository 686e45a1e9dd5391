// Φ and Ψ inference time on a 30 s excerpt, built with Emscripten (-O3 -msimd128) and run
// under Node: one core of WASM SIMD, as in the browser's worker. Random weights (the time
// does not depend on their values); scripts/bench_models_wasm.sh builds and runs it.
#include <chrono>
#include <cstdio>

#include "models/converter.h"
#include "models/encoder.h"

using namespace ito::models;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main() {
  const int frames = 30 * 44100;
  ito::nn::Tensor x(2, frames);
  unsigned long long state = 5;
  for (float& v : x.data) v = 0.1f * normal_variate(state);
  Encoder phi(default_encoder_config());
  phi.init(1);
  phi.fold();
  Converter white(default_whitebox_config(phi.z_dim()));
  white.init(2);
  white.fold();
  for (int run = 0; run < 3; ++run) {
    auto t = std::chrono::steady_clock::now();
    const std::vector<float> z = phi.encode(x);
    const double t_phi = seconds_since(t);
    t = std::chrono::steady_clock::now();
    std::vector<std::vector<float>> p;
    white.forward({x}, {z}, false, &p, nullptr, nullptr);
    const double t_psi = seconds_since(t);
    std::printf("run %d: encoder %.3f s (%.2f GMAC), white-box converter %.3f s (%.2f GMAC), total %.3f s\n", run,
                t_phi, encoder_macs(phi.config(), frames) / 1e9, t_psi,
                converter_macs(white.config(), frames) / 1e9, t_phi + t_psi);
  }
  return 0;
}

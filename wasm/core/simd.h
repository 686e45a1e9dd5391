// Two-lane double vectors (GCC/Clang vector extension): the left and right channel
// run side by side through recursive filters, which are otherwise bound by the
// latency of one long dependency chain. Maps to SSE2 natively and to WASM SIMD128
// (f64x2) under Emscripten.
#pragma once
#include <cstddef>

namespace ito {

using f64x2 = double __attribute__((vector_size(16)));

inline f64x2 splat(double v) { return f64x2{v, v}; }
inline f64x2 load_stereo(const float* l, const float* r, std::size_t i) { return f64x2{l[i], r[i]}; }
inline void store_stereo(float* l, float* r, std::size_t i, f64x2 v) {
  l[i] = static_cast<float>(v[0]);
  r[i] = static_cast<float>(v[1]);
}

}  // namespace ito

#include "nn/conv1d.h"

#include <algorithm>
#include <vector>

#include "nn/kernel_clones.h"
#include "core/parallel.h"

namespace ito::nn {
namespace {

constexpr int kOB = 4;   // output rows per register block
constexpr int kTB = 16;  // frames per register block

int round_up(int v, int m) { return (v + m - 1) / m * m; }

// Eight floats as one GCC/Clang vector: one AVX register, two SSE or WASM SIMD128 ones.
typedef float v8f __attribute__((vector_size(32)));
__attribute__((always_inline)) inline v8f load8(const float* p) {
  v8f v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// out[j][t] = sum_n coefs[n*OB + j] * rows[n][offset + t], j < OB, t < kTB.
// The accumulators stay in registers; every loaded input vector feeds OB multiply-adds.
ITO_NN_KERNEL
void block4(int terms, const float* const* rows, int offset, const float* coefs, float* out) {
  static_assert(kTB == 16);
  v8f acc[kOB][2] = {};
  for (int n = 0; n < terms; ++n) {
    const float* r = rows[n] + offset;
    const v8f r0 = load8(r), r1 = load8(r + 8);
    const float* c = coefs + n * kOB;
    for (int j = 0; j < kOB; ++j) {
      acc[j][0] += c[j] * r0;
      acc[j][1] += c[j] * r1;
    }
  }
  for (int j = 0; j < kOB; ++j) {
    __builtin_memcpy(out + j * kTB, &acc[j][0], sizeof(v8f));
    __builtin_memcpy(out + j * kTB + 8, &acc[j][1], sizeof(v8f));
  }
}

// Sums of products of rows: out[j] += sum_{t<len} a[j][t] * b[t] for j < kOB
// (vector lanes per 512-frame block, blocks added in double).
ITO_NN_KERNEL
void dots4(const float* const* a, const float* b, int len, double* out) {
  constexpr int kBlock = 512;
  for (int start = 0; start < len; start += kBlock) {
    const int end = std::min(len, start + kBlock);
    const int full = start + (end - start) / 8 * 8;
    v8f lanes[kOB] = {};
    for (int t = start; t < full; t += 8) {
      const v8f bv = load8(b + t);
      for (int j = 0; j < kOB; ++j) lanes[j] += load8(a[j] + t) * bv;
    }
    for (int j = 0; j < kOB; ++j) {
      double s = 0.0;
      for (int l = 0; l < 8; ++l) s += lanes[j][l];
      for (int t = full; t < end; ++t) s += static_cast<double>(a[j][t]) * b[t];
      out[j] += s;
    }
  }
}

// The zero-padded input split into `stride` phases: phase(c, p)[u] = x[c][u*stride + p - pad].
// Tap k of a kernel then reads phase (k*dilation) % stride from offset (k*dilation) / stride.
struct Phases {
  int stride = 1, length = 0;
  std::vector<float> data;
  const float* row(int c, int p) const {
    return data.data() + (static_cast<std::size_t>(c) * stride + p) * length;
  }
};

Phases split_phases(const Tensor& x, int pad, int stride, int length) {
  Phases ph{stride, length, {}};
  ph.data.resize(static_cast<std::size_t>(x.channels) * stride * length);
  for (int c = 0; c < x.channels; ++c) {
    const float* src = x.row(c);
    for (int p = 0; p < stride; ++p) {
      float* dst = ph.data.data() + (static_cast<std::size_t>(c) * stride + p) * length;
      // u maps to x[u*stride + p - pad]: zeros before and after x, a strided copy between.
      const long first = std::clamp<long>((pad - p + stride - 1) / stride, 0, length);
      const long span = x.frames - 1L + pad - p;  // last u is floor(span / stride)
      const long last = span < 0 ? first : std::clamp<long>(span / stride + 1, first, length);
      std::fill(dst, dst + first, 0.0f);
      const float* s = src + (first * stride + p - pad);
      for (long u = first; u < last; ++u, s += stride) dst[u] = *s;
      std::fill(dst + last, dst + length, 0.0f);
    }
  }
  return ph;
}

int tap_phase(const Conv1dSpec& s, int k) { return k * s.dilation % s.stride; }
int tap_offset(const Conv1dSpec& s, int k) { return k * s.dilation / s.stride; }

// Output rows [o0, o0+kOB) (rows past spec.out are computed from zero weights and dropped).
void forward_rows(const Conv1dSpec& s, const float* w, const float* b, const Phases& ph, int o0, int t_begin,
                  int t_end, Tensor& y) {
  const int terms = s.in * s.kernel;
  std::vector<const float*> rows(terms);
  std::vector<float> coefs(static_cast<std::size_t>(terms) * kOB, 0.0f);
  for (int i = 0; i < s.in; ++i)
    for (int k = 0; k < s.kernel; ++k) {
      const int n = i * s.kernel + k;
      rows[n] = ph.row(i, tap_phase(s, k)) + tap_offset(s, k);
      for (int j = 0; j < kOB && o0 + j < s.out; ++j)
        coefs[n * kOB + j] = w[(static_cast<std::size_t>(o0 + j) * s.in + i) * s.kernel + k];
    }
  float block[kOB * kTB];
  for (int t0 = t_begin; t0 < t_end; t0 += kTB) {
    block4(terms, rows.data(), t0, coefs.data(), block);
    const int count = std::min(kTB, t_end - t0);
    for (int j = 0; j < kOB && o0 + j < s.out; ++j) {
      const float bias = b ? b[o0 + j] : 0.0f;
      float* dst = y.row(o0 + j) + t0;
      for (int t = 0; t < count; ++t) dst[t] = block[j * kTB + t] + bias;
    }
  }
}

void depthwise_forward(const Conv1dSpec& s, const float* w, const float* b, const Tensor& x, Tensor& y) {
  const int pad = s.pad_left();
  for (int c = 0; c < s.out; ++c) {
    const float* src = x.row(c);
    float* dst = y.row(c);
    for (int t = 0; t < y.frames; ++t) {
      float acc = b ? b[c] : 0.0f;
      for (int k = 0; k < s.kernel; ++k) {
        const long m = static_cast<long>(t) * s.stride + k * s.dilation - pad;
        if (m >= 0 && m < x.frames) acc += w[c * s.kernel + k] * src[m];
      }
      dst[t] = acc;
    }
  }
}

void depthwise_backward(const Conv1dSpec& s, const float* w, const Tensor& x, const Tensor& gy, Tensor* gx,
                        float* gw, float* gb) {
  const int pad = s.pad_left();
  if (gx) gx->resize(x.channels, x.frames);
  for (int c = 0; c < s.out; ++c) {
    const float* src = x.row(c);
    const float* g = gy.row(c);
    std::vector<double> wsum(s.kernel, 0.0);
    double bsum = 0.0;
    for (int t = 0; t < gy.frames; ++t) {
      bsum += g[t];
      for (int k = 0; k < s.kernel; ++k) {
        const long m = static_cast<long>(t) * s.stride + k * s.dilation - pad;
        if (m < 0 || m >= x.frames) continue;
        wsum[k] += static_cast<double>(g[t]) * src[m];
        if (gx) gx->row(c)[m] += w[c * s.kernel + k] * g[t];
      }
    }
    if (gw)
      for (int k = 0; k < s.kernel; ++k) gw[c * s.kernel + k] += static_cast<float>(wsum[k]);
    if (gb && s.bias) gb[c] += static_cast<float>(bsum);
  }
}

// Work is split into blocks of kOB rows times chunks of frames (a multiple of kTB);
// the split depends on the shape alone, so results do not depend on the thread count.
constexpr int kChunk = 8192;

int chunk_count(int frames) { return std::max(1, std::min(16, (frames + kChunk - 1) / kChunk)); }

// Calls fn(row0, begin, end) for every row block and frame chunk, in parallel when worth it.
void for_blocks(int rows, int frames, double macs, const std::function<void(int, int, int)>& fn) {
  const int blocks = (rows + kOB - 1) / kOB;
  const int chunks = chunk_count(frames);
  const int per_chunk = round_up((frames + chunks - 1) / chunks, kTB);
  auto item = [&](int n) {
    const int begin = (n % chunks) * per_chunk;
    const int end = std::min(frames, begin + per_chunk);
    if (begin < end) fn((n / chunks) * kOB, begin, end);
  };
  if (macs > 2e6) {
    parallel_for(blocks * chunks, item);
  } else {
    for (int n = 0; n < blocks * chunks; ++n) item(n);
  }
}

}  // namespace

void conv1d_forward(const Conv1dSpec& s, const float* w, const float* b, const Tensor& x, Tensor& y) {
  y.resize_for_overwrite(s.out, s.out_frames(x.frames));
  if (s.depthwise) {
    depthwise_forward(s, w, s.bias ? b : nullptr, x, y);
    return;
  }
  const int length = round_up(y.frames, kTB) + tap_offset(s, s.kernel - 1) + 1;
  const Phases ph = split_phases(x, s.pad_left(), s.stride, length);
  for_blocks(s.out, y.frames, s.macs(x.frames),
             [&](int o0, int begin, int end) { forward_rows(s, w, s.bias ? b : nullptr, ph, o0, begin, end, y); });
}

void conv1d_backward(const Conv1dSpec& s, const float* w, const Tensor& x, const Tensor& gy, Tensor* gx,
                     float* gw, float* gb) {
  if (s.depthwise) {
    depthwise_backward(s, w, x, gy, gx, gw, gb);
    return;
  }
  const int out_frames = gy.frames;
  if (gb && s.bias)
    for (int o = 0; o < s.out; ++o) {
      double sum = 0.0;
      for (int t = 0; t < out_frames; ++t) sum += gy.row(o)[t];
      gb[o] += static_cast<float>(sum);
    }

  if (gw) {
    // Each frame chunk sums into its own copy of the weight gradient; the copies are then
    // added in a fixed order.
    const int length = round_up(out_frames, kTB) + tap_offset(s, s.kernel - 1) + 1;
    const Phases ph = split_phases(x, s.pad_left(), s.stride, length);
    const int chunks = chunk_count(out_frames);
    const std::size_t wn = s.weight_count();
    std::vector<double> partial(wn * chunks, 0.0);
    std::vector<float> zero_row(out_frames, 0.0f);
    for_blocks(s.out, out_frames, s.macs(x.frames), [&](int o0, int begin, int end) {
      const int chunk = begin / round_up((out_frames + chunks - 1) / chunks, kTB);
      double* acc = partial.data() + wn * chunk;
      const float* a[kOB];
      for (int j = 0; j < kOB; ++j) a[j] = (o0 + j < s.out ? gy.row(o0 + j) : zero_row.data()) + begin;
      for (int i = 0; i < s.in; ++i)
        for (int k = 0; k < s.kernel; ++k) {
          double sums[kOB] = {};
          dots4(a, ph.row(i, tap_phase(s, k)) + tap_offset(s, k) + begin, end - begin, sums);
          for (int j = 0; j < kOB && o0 + j < s.out; ++j)
            acc[(static_cast<std::size_t>(o0 + j) * s.in + i) * s.kernel + k] += sums[j];
        }
    });
    for (std::size_t n = 0; n < wn; ++n) {
      double sum = 0.0;
      for (int c = 0; c < chunks; ++c) sum += partial[wn * c + n];
      gw[n] += static_cast<float>(sum);
    }
  }

  if (!gx) return;
  // dL/dx in phase space: phase p at u collects w[o][i][k] * gy[o][u - q_k] over taps k of
  // phase p, read from gy shifted right by the largest tap offset (zeros outside).
  gx->resize(x.channels, x.frames);
  const int pad = s.pad_left();
  const int qmax = tap_offset(s, s.kernel - 1);
  const int needed = (x.frames - 1 + pad) / s.stride + 1;  // phase positions that map into x
  const int span = round_up(needed, kTB);
  const int padded_len = span + qmax + kTB;
  std::vector<float> gyp(static_cast<std::size_t>(s.out) * padded_len, 0.0f);
  for (int o = 0; o < s.out; ++o)
    std::copy(gy.row(o), gy.row(o) + out_frames, gyp.begin() + static_cast<std::size_t>(o) * padded_len + qmax);

  for_blocks(s.in, needed, s.macs(x.frames), [&](int i0, int u_begin, int u_end) {
    std::vector<const float*> rows;
    std::vector<float> coefs;
    float block[kOB * kTB];
    for (int p = 0; p < s.stride; ++p) {
      rows.clear();
      coefs.clear();
      for (int o = 0; o < s.out; ++o)
        for (int k = 0; k < s.kernel; ++k) {
          if (tap_phase(s, k) != p) continue;
          rows.push_back(gyp.data() + static_cast<std::size_t>(o) * padded_len + qmax - tap_offset(s, k));
          for (int j = 0; j < kOB; ++j)
            coefs.push_back(i0 + j < s.in ? w[(static_cast<std::size_t>(o) * s.in + i0 + j) * s.kernel + k] : 0.0f);
        }
      if (rows.empty()) continue;
      for (int u0 = u_begin; u0 < u_end; u0 += kTB) {
        block4(static_cast<int>(rows.size()), rows.data(), u0, coefs.data(), block);
        for (int j = 0; j < kOB && i0 + j < s.in; ++j) {
          float* dst = gx->row(i0 + j);
          for (int t = 0; t < kTB && u0 + t < u_end; ++t) {
            const long m = static_cast<long>(u0 + t) * s.stride + p - pad;
            if (m >= 0 && m < x.frames) dst[m] = block[j * kTB + t];
          }
        }
      }
    }
  });
}

}  // namespace ito::nn

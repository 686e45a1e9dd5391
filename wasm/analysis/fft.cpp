#include "analysis/fft.h"

#include <kissfft/kiss_fftr.h>

#include <cassert>
#include <cmath>
#include <map>

namespace ito {

static_assert(sizeof(kiss_fft_cpx) == sizeof(std::complex<float>),
              "kiss_fft_cpx and std::complex<float> must share a layout");

void RealFft::Free::operator()(kiss_fftr_state* p) const { kiss_fftr_free(p); }

RealFft::RealFft(int n)
    : n_(n),
      forward_plan_(kiss_fftr_alloc(n, 0, nullptr, nullptr)),
      inverse_plan_(kiss_fftr_alloc(n, 1, nullptr, nullptr)),
      scratch_(n / 2 + 1) {
  assert(n > 0 && n % 2 == 0);
}

void RealFft::forward(const float* in, std::complex<float>* out) const {
  kiss_fftr(forward_plan_.get(), in, reinterpret_cast<kiss_fft_cpx*>(out));
}

void RealFft::backward(const std::complex<float>* grad_bins, float* grad_in) const {
  // dL/dx_j = sum_{k=0}^{n/2} Re(G_k e^{+i theta_jk}). The inverse real FFT computes
  // sum over all n bins of the Hermitian extension, i.e. Y_0 + Y_{n/2}(-1)^j
  // + 2 Re(sum_{interior} Y_k e^{+i theta}), so halve the interior bins.
  const int half = n_ / 2;
  scratch_[0] = grad_bins[0];
  for (int k = 1; k < half; ++k) scratch_[k] = 0.5f * grad_bins[k];
  scratch_[half] = grad_bins[half];
  kiss_fftri(inverse_plan_.get(), reinterpret_cast<const kiss_fft_cpx*>(scratch_.data()), grad_in);
}

const RealFft& cached_real_fft(int n) {
  thread_local std::map<int, std::unique_ptr<RealFft>> cache;
  auto& slot = cache[n];
  if (!slot) slot = std::make_unique<RealFft>(n);
  return *slot;
}

std::vector<float> hann_window(int n) {
  std::vector<float> w(n);
  const double kTwoPi = 6.283185307179586476925286766559;
  for (int j = 0; j < n; ++j) w[j] = static_cast<float>(0.5 - 0.5 * std::cos(kTwoPi * j / n));
  return w;
}

int stft_num_frames(std::size_t len, int hop) { return 1 + static_cast<int>(len / hop); }

std::size_t reflect_index(std::ptrdiff_t i, std::size_t len) {
  if (len <= 1) return 0;
  const std::ptrdiff_t period = 2 * static_cast<std::ptrdiff_t>(len - 1);
  std::ptrdiff_t m = i % period;
  if (m < 0) m += period;
  if (m >= static_cast<std::ptrdiff_t>(len)) m = period - m;
  return static_cast<std::size_t>(m);
}

void stft_frame(const float* x, std::size_t len, int t, int hop, const float* window, int n,
                float* frame) {
  const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(t) * hop - n / 2;
  if (start >= 0 && start + n <= static_cast<std::ptrdiff_t>(len)) {
    const float* src = x + start;
    for (int j = 0; j < n; ++j) frame[j] = window[j] * src[j];
    return;
  }
  for (int j = 0; j < n; ++j) frame[j] = window[j] * x[reflect_index(start + j, len)];
}

void stft_frame_backward(const float* grad_frame, std::size_t len, int t, int hop,
                         const float* window, int n, float* grad_x) {
  const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(t) * hop - n / 2;
  if (start >= 0 && start + n <= static_cast<std::ptrdiff_t>(len)) {
    float* dst = grad_x + start;
    for (int j = 0; j < n; ++j) dst[j] += window[j] * grad_frame[j];
    return;
  }
  for (int j = 0; j < n; ++j) grad_x[reflect_index(start + j, len)] += window[j] * grad_frame[j];
}

}  // namespace ito

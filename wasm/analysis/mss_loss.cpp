#include "analysis/mss_loss.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <vector>

#include "analysis/fft.h"

namespace ito {
namespace {

constexpr std::array<int, 4> kFftSizes = {4096, 2048, 1024, 512};
constexpr float kLogEps = 1e-7f;
constexpr double kViewWeight = 0.5;
constexpr double kMagWeight = 0.9, kLogWeight = 0.1;
constexpr float kInvLn10 = 0.43429448190325182765f;

using Bins = std::vector<std::complex<float>>;

inline float magnitude(std::complex<float> z) {
  return std::sqrt(z.real() * z.real() + z.imag() * z.imag());  // std::abs uses slow hypot
}

// One view's contribution at one bin: adds the (unweighted) L1 and squared log
// differences and returns dl/dY (complex gradient convention of
// RealFft::backward) times `scale`.
inline std::complex<float> view_term(std::complex<float> y, std::complex<float> t, float scale,
                                     bool want_grad, double& mag_sum, double& log_sum) {
  const float my = magnitude(y), mt = magnitude(t);
  const float d_mag = my - mt;
  const float d_log = std::log10((my + kLogEps) / (mt + kLogEps));
  mag_sum += std::abs(d_mag);
  log_sum += d_log * d_log;
  if (!want_grad || my <= 0.0f) return {0.0f, 0.0f};
  const float sign = d_mag > 0.0f ? 1.0f : (d_mag < 0.0f ? -1.0f : 0.0f);
  const float g_mag = scale * (float(kMagWeight) * sign +
                               float(kLogWeight) * 2.0f * d_log * kInvLn10 / (my + kLogEps));
  return y * (g_mag / my);  // d|Y|/dY = Y/|Y|
}

// Loss of one scale, averaged over its frames and bins and weighted per view;
// adds its gradient (times `scale_weight`) into grad when given.
double scale_loss(const Stereo& y, const Stereo& target, std::size_t len, int n,
                  double scale_weight, Stereo* grad) {
  const int hop = n / 4;
  const int num_bins = n / 2 + 1;
  const int frames = stft_num_frames(len, hop);
  const RealFft& fft = cached_real_fft(n);
  const std::vector<float> window = hann_window(n);
  std::vector<float> frame(n);
  Bins yl(num_bins), yr(num_bins), tl(num_bins), tr(num_bins), gl(num_bins), gr(num_bins);
  const bool want_grad = grad != nullptr;
  // Every element of every view's mean carries this factor.
  const double element_weight = scale_weight * kViewWeight / (double(frames) * num_bins);
  const float g_scale = static_cast<float>(element_weight);

  auto transform = [&](const float* x, int t, Bins& out) {
    stft_frame(x, len, t, hop, window.data(), n, frame.data());
    fft.forward(frame.data(), out.data());
  };

  double mag_sum = 0, log_sum = 0;
  for (int t = 0; t < frames; ++t) {
    transform(y.l.data(), t, yl);
    transform(y.r.data(), t, yr);
    transform(target.l.data(), t, tl);
    transform(target.r.data(), t, tr);
    for (int k = 0; k < num_bins; ++k) {
      // M and S spectra follow from L and R by linearity of the FFT.
      const auto g_m =
          view_term(yl[k] + yr[k], tl[k] + tr[k], g_scale, want_grad, mag_sum, log_sum);
      const auto g_s =
          view_term(yl[k] - yr[k], tl[k] - tr[k], g_scale, want_grad, mag_sum, log_sum);
      const auto g_l = view_term(yl[k], tl[k], g_scale, want_grad, mag_sum, log_sum);
      const auto g_r = view_term(yr[k], tr[k], g_scale, want_grad, mag_sum, log_sum);
      gl[k] = g_m + g_s + g_l;
      gr[k] = g_m - g_s + g_r;
    }
    if (!want_grad) continue;
    fft.backward(gl.data(), frame.data());
    stft_frame_backward(frame.data(), len, t, hop, window.data(), n, grad->l.data());
    fft.backward(gr.data(), frame.data());
    stft_frame_backward(frame.data(), len, t, hop, window.data(), n, grad->r.data());
  }
  return element_weight * (kMagWeight * mag_sum + kLogWeight * log_sum);
}

}  // namespace

double mss_loss(const Stereo& y, const Stereo& target, Stereo* grad) {
  const std::size_t len = std::min(y.frames(), target.frames());
  if (grad) {
    grad->l.assign(y.frames(), 0.0f);
    grad->r.assign(y.frames(), 0.0f);
  }
  if (len == 0) return 0.0;
  const double scale_weight = 1.0 / kFftSizes.size();
  double loss = 0;
  for (int n : kFftSizes) loss += scale_loss(y, target, len, n, scale_weight, grad);
  return loss;
}

}  // namespace ito

#include "analysis/display_spectrum.h"

#include <algorithm>
#include <cmath>
#include <complex>

#include "analysis/fft.h"

namespace ito {
namespace {
constexpr int kFft = 4096;
constexpr int kMaxFrames = 256;  // frames averaged, evenly spread over the track
}  // namespace

double display_spectrum_edge_hz(int b) {
  const double lo = std::log(20.0), hi = std::log(20000.0);
  return std::exp(lo + (hi - lo) * b / kDisplaySpectrumBands);
}

std::vector<float> display_spectrum_db(const Stereo& x, double fs) {
  const int n = kFft, bins = n / 2 + 1;
  const RealFft& fft = cached_real_fft(n);
  const std::vector<float> window = hann_window(n);
  std::vector<double> power(bins, 0.0);
  std::vector<float> frame(n);
  std::vector<std::complex<float>> spectrum(bins);
  const std::size_t len = x.frames();
  const int frames = len >= static_cast<std::size_t>(n)
                         ? static_cast<int>(std::min<std::size_t>(kMaxFrames, (len - n) / (n / 2) + 1))
                         : 1;
  for (int f = 0; f < frames; ++f) {
    const std::size_t start = frames > 1 ? (len - n) * f / (frames - 1) : 0;
    for (int j = 0; j < n; ++j) {
      const std::size_t i = start + j;
      frame[j] = i < len ? 0.5f * (x.l[i] + x.r[i]) * window[j] : 0.0f;
    }
    fft.forward(frame.data(), spectrum.data());
    for (int k = 0; k < bins; ++k) power[k] += std::norm(spectrum[k]);
  }
  // A full-scale sine gives |X| = n/4 at its bin with a Hann window.
  const double full_scale = (n / 4.0) * (n / 4.0) * frames;
  std::vector<float> bands(kDisplaySpectrumBands);
  const double bin_hz = fs / n;
  for (int b = 0; b < kDisplaySpectrumBands; ++b) {
    int k0 = static_cast<int>(std::floor(display_spectrum_edge_hz(b) / bin_hz));
    int k1 = static_cast<int>(std::ceil(display_spectrum_edge_hz(b + 1) / bin_hz));
    k0 = std::clamp(k0, 0, bins - 1);
    k1 = std::clamp(std::max(k1, k0 + 1), 1, bins);
    double sum = 0;
    for (int k = k0; k < k1; ++k) sum += power[k];
    // Mean power per bin (the max over a band's bins would be noisy).
    bands[b] = static_cast<float>(std::max(-120.0, 10.0 * std::log10(sum / (k1 - k0) / full_scale + 1e-12)));
  }
  return bands;
}

}  // namespace ito

#include "analysis/drv.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "analysis/fft.h"

namespace ito {
namespace {

constexpr int kFftSize = 2048;
constexpr int kHop = 512;
constexpr int kPeakHalfWidth = 3;  // frames on each side
constexpr double kPercentile = 75.0;
constexpr double kRmsFloor = 1e-5;

// High-frequency-content onset function, one value per frame.
std::vector<double> hfc_onsets(const float* x, std::size_t len) {
  const int frames = stft_num_frames(len, kHop);
  const RealFft& fft = cached_real_fft(kFftSize);
  const std::vector<float> window = hann_window(kFftSize);
  std::vector<float> frame(kFftSize);
  std::vector<std::complex<float>> bins(kFftSize / 2 + 1);
  std::vector<double> hfc(frames);
  for (int t = 0; t < frames; ++t) {
    stft_frame(x, len, t, kHop, window.data(), kFftSize, frame.data());
    fft.forward(frame.data(), bins.data());
    double sum = 0;
    for (int k = 1; k < kFftSize / 2 + 1; ++k) sum += k * double(std::norm(bins[k]));
    hfc[t] = sum;
  }
  return hfc;
}

std::vector<int> pick_peaks(const std::vector<double>& f) {
  std::vector<int> peaks;
  const int n = static_cast<int>(f.size());
  for (int t = 0; t < n; ++t) {
    if (f[t] <= 0.0 || (t > 0 && f[t] <= f[t - 1])) continue;
    bool is_max = true;
    for (int u = std::max(0, t - kPeakHalfWidth); u <= std::min(n - 1, t + kPeakHalfWidth); ++u)
      if (f[u] > f[t]) is_max = false;
    if (is_max) peaks.push_back(t);
  }
  return peaks;
}

// numpy.percentile with linear interpolation.
double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q / 100.0 * (v.size() - 1);
  const std::size_t i = static_cast<std::size_t>(pos);
  if (i + 1 >= v.size()) return v.back();
  return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

double frame_level_db(const float* x, std::size_t len, int t) {
  const long long begin = std::max<long long>(0, static_cast<long long>(t) * kHop - kFftSize / 2);
  const long long end = std::min<long long>(static_cast<long long>(len),
                                            static_cast<long long>(t) * kHop + kFftSize / 2);
  double sq = 0;
  for (long long i = begin; i < end; ++i) sq += double(x[i]) * x[i];
  const double rms = end > begin ? std::sqrt(sq / (end - begin)) : 0.0;
  return 20.0 * std::log10(std::max(rms, kRmsFloor));
}

double channel_drv(const float* x, std::size_t len) {
  if (len == 0) return 0.0;
  const std::vector<double> hfc = hfc_onsets(x, len);
  const std::vector<int> peaks = pick_peaks(hfc);
  if (peaks.size() < 2) return 0.0;
  std::vector<double> values;
  for (int t : peaks) values.push_back(hfc[t]);
  const double threshold = percentile(values, kPercentile);
  std::vector<double> levels;
  for (int t : peaks)
    if (hfc[t] >= threshold) levels.push_back(frame_level_db(x, len, t));
  if (levels.size() < 2) return 0.0;
  double mean = 0;
  for (double v : levels) mean += v;
  mean /= levels.size();
  double var = 0;
  for (double v : levels) var += (v - mean) * (v - mean);
  return std::sqrt(var / levels.size());
}

}  // namespace

double drv(const Stereo& x, double /*fs*/) {
  return 0.5 * (channel_drv(x.l.data(), x.frames()) + channel_drv(x.r.data(), x.frames()));
}

}  // namespace ito

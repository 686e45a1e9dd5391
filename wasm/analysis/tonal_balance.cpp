#include "analysis/tonal_balance.h"

#include <algorithm>
#include <cmath>
#include <complex>

#include "analysis/fft.h"

namespace ito {
namespace {

constexpr int kFftSize = 8192, kHop = 2048;

double to_db(double power) { return 10.0 * std::log10(std::max(power, 1e-20)); }

// Mean over bands [first, last] of the two spectra's difference, in dB.
double mean_over(const std::array<double, kThirdOctaveBands>& v, double lo_hz, double hi_hz) {
  double sum = 0;
  int n = 0;
  for (int b = 0; b < kThirdOctaveBands; ++b)
    if (kThirdOctaveCentres[b] >= lo_hz && kThirdOctaveCentres[b] <= hi_hz) sum += v[b], ++n;
  return n ? sum / n : 0.0;
}

}  // namespace

BandLevels third_octave_levels(const Stereo& x, double fs) {
  const std::size_t n = x.frames();
  // Mid and side sample by sample (no copy of a long track).
  const auto mid = [&x](std::size_t i) { return 0.5f * (x.l[i] + x.r[i]); };
  const auto side = [&x](std::size_t i) { return 0.5f * (x.l[i] - x.r[i]); };
  const RealFft& fft = cached_real_fft(kFftSize);
  const std::vector<float> window = hann_window(kFftSize);
  const int bins = fft.num_bins();
  std::vector<double> power[2] = {std::vector<double>(bins), std::vector<double>(bins)};
  std::vector<float> frame(kFftSize);
  std::vector<std::complex<float>> spectrum(bins);
  const int frames = n ? stft_num_frames(n, kHop) : 0;
  for (int c = 0; c < 2; ++c) {
    for (int t = 0; t < frames; ++t) {
      if (c) stft_frame_of(side, n, t, kHop, window.data(), kFftSize, frame.data());
      else stft_frame_of(mid, n, t, kHop, window.data(), kFftSize, frame.data());
      fft.forward(frame.data(), spectrum.data());
      for (int k = 0; k < bins; ++k) power[c][k] += std::norm(spectrum[k]);
    }
  }
  BandLevels out;
  const double bin_hz = fs / kFftSize;
  for (int b = 0; b < kThirdOctaveBands; ++b) {
    const double fc = kThirdOctaveCentres[b];
    int k0 = static_cast<int>(std::ceil(fc * std::pow(2.0, -1.0 / 6.0) / bin_hz));
    int k1 = static_cast<int>(std::ceil(fc * std::pow(2.0, 1.0 / 6.0) / bin_hz));  // exclusive
    k0 = std::clamp(k0, 1, bins - 1);
    k1 = std::clamp(k1, 1, bins);
    if (k1 <= k0) k0 = std::clamp(static_cast<int>(std::lround(fc / bin_hz)), 1, bins - 1), k1 = k0 + 1;
    for (int c = 0; c < 2; ++c) {
      double sum = 0;
      std::vector<double> band(power[c].begin() + k0, power[c].begin() + k1);
      for (double p : band) sum += p;
      const double scale = frames ? 1.0 / frames : 0.0;
      std::nth_element(band.begin(), band.begin() + band.size() / 2, band.end());
      (c ? out.side_db : out.mid_db)[b] = to_db(sum / (k1 - k0) * scale);
      (c ? out.side_floor_db : out.mid_floor_db)[b] = to_db(band[band.size() / 2] * scale);
    }
  }
  return out;
}

BandLevels normalized_balance(const BandLevels& levels) {
  BandLevels out = levels;
  // The mid's reference level normalizes both, so the side keeps its level relative to the mid.
  double sum = 0;
  int n = 0;
  for (int b = 0; b < kThirdOctaveBands; ++b)
    if (kThirdOctaveCentres[b] >= 100 && kThirdOctaveCentres[b] <= 10000)
      sum += std::pow(10.0, levels.mid_db[b] / 10.0), ++n;
  const double level = to_db(sum / n);
  for (int b = 0; b < kThirdOctaveBands; ++b) {
    out.mid_db[b] -= level, out.side_db[b] -= level;
    out.mid_floor_db[b] -= level, out.side_floor_db[b] -= level;
  }
  return out;
}

TonalError tonal_error(const BandLevels& output, const BandLevels& reference) {
  const BandLevels a = normalized_balance(output), r = normalized_balance(reference);
  TonalError e;
  for (int b = 0; b < kThirdOctaveBands; ++b) {
    e.mid_db[b] = std::abs(a.mid_db[b] - r.mid_db[b]);
    e.side_db[b] = std::abs(a.side_db[b] - r.side_db[b]);
  }
  e.mid_mean = mean_over(e.mid_db, 25, 16000);
  e.side_mean = mean_over(e.side_db, 25, 16000);
  e.mid_bass_mean = mean_over(e.mid_db, 25, 159);
  e.mid_low_mid_mean = mean_over(e.mid_db, 160, 800);
  return e;
}

TonalError tonal_error(const Stereo& output, const Stereo& reference, double fs) {
  return tonal_error(third_octave_levels(output, fs), third_octave_levels(reference, fs));
}

}  // namespace ito

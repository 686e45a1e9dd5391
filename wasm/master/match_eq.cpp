#include "master/match_eq.h"

#include <algorithm>
#include <cmath>
#include <complex>

#include "analysis/fft.h"

namespace ito {
namespace {

constexpr int kTaps = 8192;      // FIR length (resolution about 5 Hz at 44.1 kHz: the 20-40 Hz bands)
constexpr int kFftSize = 16384;  // overlap-add block: kFftSize - kTaps new samples per FFT
// A band's boost is capped at its level (dB, normalized) + kBoostRoom: bands the input
// leaves nearly empty get little or no boost (it would only raise noise and leakage).
constexpr double kBoostRoom = 24.0;

// The exact inverse real FFT: RealFft::backward() is the forward's adjoint, which counts
// the interior bins once; the inverse counts them twice and divides by n.
void inverse_fft(const RealFft& fft, std::vector<std::complex<float>>& bins, float* out) {
  const int half = fft.size() / 2;
  for (int k = 1; k < half; ++k) bins[k] *= 2.0f;
  fft.backward(bins.data(), out);
  const float scale = 1.0f / fft.size();
  for (int j = 0; j < fft.size(); ++j) out[j] *= scale;
}

// The FIR's frequency response sampled on the FFT grid, zero phase, then centred and windowed.
std::vector<float> design_kernel(const MatchEq& eq, double fs) {
  const RealFft& fft = cached_real_fft(kTaps);
  std::vector<std::complex<float>> response(fft.num_bins());
  for (int k = 0; k < fft.num_bins(); ++k)
    response[k] = static_cast<float>(std::pow(10.0, eq.gain_db_at(k * fs / kTaps) / 20.0));
  std::vector<float> impulse(kTaps);
  inverse_fft(fft, response, impulse.data());
  std::vector<float> kernel(kTaps);
  for (int j = 0; j < kTaps; ++j) kernel[j] = impulse[(j + kTaps / 2) % kTaps];  // centre at kTaps/2
  const std::vector<float> window = hann_window(kTaps);
  for (int j = 0; j < kTaps; ++j) kernel[j] *= window[j];
  return kernel;
}

// y = kernel * x, delayed back by kTaps / 2 so that y lines up with x (same length).
void convolve(const std::vector<float>& kernel, const float* x, float* y, std::size_t n) {
  const RealFft& fft = cached_real_fft(kFftSize);
  const int bins = fft.num_bins();
  std::vector<float> buf(kFftSize, 0.0f);
  std::copy(kernel.begin(), kernel.end(), buf.begin());
  std::vector<std::complex<float>> h(bins), spectrum(bins);
  fft.forward(buf.data(), h.data());
  const std::size_t block = kFftSize - kTaps;
  const std::size_t delay = kTaps / 2;
  std::vector<float> out(n + kFftSize, 0.0f), time(kFftSize);
  for (std::size_t start = 0; start < n + delay; start += block) {
    std::fill(buf.begin(), buf.end(), 0.0f);
    for (std::size_t i = 0; i < block && start + i < n; ++i) buf[i] = x[start + i];
    fft.forward(buf.data(), spectrum.data());
    for (int k = 0; k < bins; ++k) spectrum[k] *= h[k];
    inverse_fft(fft, spectrum, time.data());
    for (int i = 0; i < kFftSize && start + i < out.size(); ++i) out[start + i] += time[i];
  }
  for (std::size_t i = 0; i < n; ++i) y[i] = out[i + delay];
}

}  // namespace

bool MatchEq::active() const {
  if (amount == 0.0) return false;
  return std::any_of(gains_db.begin(), gains_db.end(), [](double g) { return g != 0.0; });
}

double MatchEq::gain_db_at(double f) const {
  const auto& c = kThirdOctaveCentres;
  double g;
  if (f <= c.front()) {
    g = std::min(gains_db.front(), 0.0);
  } else if (f >= c.back()) {
    g = gains_db.back();
  } else {
    int b = 0;
    while (c[b + 1] < f) ++b;
    const double t = std::log(f / c[b]) / std::log(c[b + 1] / c[b]);
    g = gains_db[b] + t * (gains_db[b + 1] - gains_db[b]);
  }
  return amount * g;
}

MatchEq design_match_eq(const BandLevels& input, const BandLevels& reference, double amount) {
  const BandLevels in = normalized_balance(input), ref = normalized_balance(reference);
  std::array<double, kThirdOctaveBands> diff{};
  for (int b = 0; b < kThirdOctaveBands; ++b) diff[b] = ref.mid_db[b] - in.mid_db[b];
  MatchEq eq;
  eq.amount = amount;
  std::array<double, kThirdOctaveBands> smooth{};
  for (int b = 0; b < kThirdOctaveBands; ++b) {
    // [1 2 1]/4 over neighbouring bands: about 2/3-octave resolution.
    const double left = diff[std::max(b - 1, 0)], right = diff[std::min(b + 1, kThirdOctaveBands - 1)];
    smooth[b] = 0.25 * left + 0.5 * diff[b] + 0.25 * right;
  }
  // Loudness-neutral on the input: the curve's mean gain, weighted by where the input's
  // energy is, is 0 dB. So a sparse input (a few notes) is not cut where its notes are
  // and left with its noise floor; the final stage sets the loudness anyway.
  double weighted = 0.0, total = 0.0;
  for (int b = 0; b < kThirdOctaveBands; ++b) {
    const double power = std::pow(10.0, in.mid_db[b] / 10.0);
    weighted += power * std::pow(10.0, smooth[b] / 10.0);
    total += power;
  }
  const double offset = total > 0 ? 10.0 * std::log10(weighted / total) : 0.0;
  for (int b = 0; b < kThirdOctaveBands; ++b) {
    double g = std::clamp(smooth[b] - offset, -kMatchEqMaxDb, kMatchEqMaxDb);
    eq.gains_db[b] = std::min(g, std::max(0.0, in.mid_db[b] + kBoostRoom));
  }
  return eq;
}

MatchEq design_match_eq(const Stereo& input, const Stereo& reference, double fs, double amount) {
  return design_match_eq(third_octave_levels(input, fs), third_octave_levels(reference, fs), amount);
}

Stereo apply_match_eq(const Stereo& x, const MatchEq& eq, double fs) {
  if (!eq.active() || x.frames() == 0) return x;
  const std::vector<float> kernel = design_kernel(eq, fs);
  Stereo y(x.frames());
  for (int c = 0; c < 2; ++c) convolve(kernel, x.channel(c), y.channel(c), x.frames());
  return y;
}

}  // namespace ito

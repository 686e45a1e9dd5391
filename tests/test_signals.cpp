#include "test_signals.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace ito::testing {

Stereo white_noise(std::size_t frames, double amp, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-static_cast<float>(amp), static_cast<float>(amp));
  Stereo x(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    x.l[i] = u(rng);
    x.r[i] = u(rng);
  }
  return x;
}

Stereo music_like(std::size_t frames, double peak, std::uint32_t seed, double fs) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> n01(0.0, 1.0);
  std::vector<double> l(frames, 0.0), r(frames, 0.0);
  const double kPi = 3.14159265358979323846;
  const std::size_t beat = static_cast<std::size_t>(0.25 * fs);
  // Notes: harmonic tones with exponential decay, panned.
  for (std::size_t start = 0; start < frames; start += beat / 2) {
    const double f0 = 110.0 * std::pow(2.0, std::floor(u(rng) * 24.0) / 12.0);
    const double pan = u(rng);
    const double amp = 0.2 + 0.3 * u(rng);
    const std::size_t len = std::min(frames - start, static_cast<std::size_t>(0.6 * fs));
    for (std::size_t k = 0; k < len; ++k) {
      const double t = k / fs;
      double s = 0.0;
      for (int h = 1; h <= 6; ++h) s += std::sin(2 * kPi * f0 * h * t) / h;
      s *= amp * std::exp(-4.0 * t);
      l[start + k] += s * (1.0 - 0.5 * pan);
      r[start + k] += s * (0.5 + 0.5 * pan);
    }
  }
  // Kick-like thumps on every beat, centered.
  for (std::size_t start = 0; start < frames; start += beat) {
    const std::size_t len = std::min(frames - start, static_cast<std::size_t>(0.2 * fs));
    for (std::size_t k = 0; k < len; ++k) {
      const double t = k / fs;
      const double s = 0.8 * std::sin(2 * kPi * (50.0 + 80.0 * std::exp(-30.0 * t)) * t) * std::exp(-15.0 * t);
      l[start + k] += s;
      r[start + k] += s;
    }
  }
  // Hi-hat-like noise hits, first-difference filtered (bright), independent channels.
  for (std::size_t start = beat / 2; start < frames; start += beat) {
    const std::size_t len = std::min(frames - start, static_cast<std::size_t>(0.05 * fs));
    double pl = 0.0, pr = 0.0;
    for (std::size_t k = 0; k < len; ++k) {
      const double env = 0.15 * std::exp(-60.0 * k / fs);
      const double a = n01(rng), b = n01(rng);
      l[start + k] += env * (a - pl);
      r[start + k] += env * (b - pr);
      pl = a;
      pr = b;
    }
  }
  double m = 1e-12;
  for (std::size_t i = 0; i < frames; ++i) m = std::max({m, std::abs(l[i]), std::abs(r[i])});
  Stereo x(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    x.l[i] = static_cast<float>(l[i] * peak / m);
    x.r[i] = static_cast<float>(r[i] * peak / m);
  }
  return x;
}

Stereo sine(std::size_t frames, double freq, double amp, double fs, double r_gain) {
  Stereo x(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    const double s = amp * std::sin(2.0 * 3.14159265358979323846 * freq * i / fs);
    x.l[i] = static_cast<float>(s);
    x.r[i] = static_cast<float>(s * r_gain);
  }
  return x;
}

RandomProjection::RandomProjection(std::size_t frames, std::uint32_t seed)
    : w(white_noise(frames, 1.0, seed)) {}

double RandomProjection::operator()(const Stereo& x) const {
  double s = 0.0;
  for (std::size_t i = 0; i < x.frames(); ++i) s += w.l[i] * x.l[i] + w.r[i] * x.r[i];
  return s;
}

FxNormStats flat_fxnorm_stats() {
  FxNormStats s;
  s.band_hz = default_fxnorm_band_hz();
  s.band_db.assign(s.band_hz.size(), 0.0);
  s.side_mid_ratio_db = -10.0;
  s.target_lufs = -16.0;
  return s;
}

}  // namespace ito::testing

// Deterministic test signals shared by the tests and benchmarks.
#pragma once
#include <cstdint>

#include "core/stereo.h"
#include "master/fx_normalize.h"

namespace ito::testing {

constexpr double kFs = 44100.0;

// Uniform white noise in [-amp, amp], independent channels.
Stereo white_noise(std::size_t frames, double amp, std::uint32_t seed);

// A music-like stereo signal: decaying harmonic notes, a kick-like low thump,
// noise hits with a spectral tilt, partly correlated channels, peak about `peak`.
Stereo music_like(std::size_t frames, double peak, std::uint32_t seed, double fs = kFs);

// A sine at `freq` Hz with amplitude `amp` on both channels (right scaled by `r_gain`).
Stereo sine(std::size_t frames, double freq, double amp, double fs = kFs, double r_gain = 1.0);

// Sum over both channels of w[i] * x[i] with fixed random weights: a generic
// scalar "loss" whose gradient w.r.t. x is the weights, for gradient checks.
struct RandomProjection {
  Stereo w;
  RandomProjection(std::size_t frames, std::uint32_t seed);
  double operator()(const Stereo& x) const;
};

// Fx-normalization statistics of a flat corpus spectrum (side 10 dB below mid, -16 LUFS),
// for tests that need some statistics, not the shipped ones.
FxNormStats flat_fxnorm_stats();

}  // namespace ito::testing

// Tonal balance: the long-term average spectrum of a track in 1/3-octave bands, for the
// mid ((L+R)/2) and side ((L-R)/2) signals. The Match EQ stage (master/match_eq.h) is
// designed from it and `itomaster eval` reports the tonal error with it, so what the
// product matches and what we measure are one computation.
//
// Spectrum: Welch average of |X|^2 (Hann, 8192 points, hop 2048), averaged over the FFT
// bins inside each band [fc 2^-1/6, fc 2^1/6) (the nearest bin when a band holds none).
#pragma once
#include <array>
#include <vector>

#include "core/stereo.h"

namespace ito {

// ISO 1/3-octave centres, 20 Hz ... 20 kHz (31 bands).
inline constexpr std::array<double, 31> kThirdOctaveCentres = {
    20,   25,   31.5, 40,   50,   63,   80,   100,  125,  160,  200,   250,   315,   400,   500,  630,
    800,  1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000, 20000};
constexpr int kThirdOctaveBands = static_cast<int>(kThirdOctaveCentres.size());

struct BandLevels {
  std::array<double, kThirdOctaveBands> mid_db{}, side_db{};  // mean power per band, dB
  // The median bin's power per band, dB: near the mean for broadband content, far below it
  // where a band holds only a tone's skirt or nothing (the Match EQ boosts only content).
  std::array<double, kThirdOctaveBands> mid_floor_db{}, side_floor_db{};
};
BandLevels third_octave_levels(const Stereo& x, double fs);

// Level-normalized: each spectrum (and floor) minus the mid's power-weighted mean over the
// 100 Hz-10 kHz bands, so that two tracks' tonal balance compares independently of their
// loudness (the side keeps its level relative to the mid).
BandLevels normalized_balance(const BandLevels& levels);

// |output - reference| per band of the level-normalized balances, and means over ranges of
// bands (the 25 Hz-16 kHz bands; bass < 160 Hz; low mids 160-800 Hz).
struct TonalError {
  std::array<double, kThirdOctaveBands> mid_db{}, side_db{};
  double mid_mean = 0, side_mean = 0, mid_bass_mean = 0, mid_low_mid_mean = 0;
};
TonalError tonal_error(const BandLevels& output, const BandLevels& reference);
TonalError tonal_error(const Stereo& output, const Stereo& reference, double fs);

}  // namespace ito

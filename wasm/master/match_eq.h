// Match EQ: a smoothed long-term spectral match of the chain's input to the reference (the
// way Matchering works), ahead of the chain. The 6-band EQ has one bell below 2 kHz, so
// alone it cannot follow the reference's bass and low mids; ITO then drove it 15-20 dB.
// This stage takes the broad tonal match, the chain's EQ only trims around it.
//
// The curve is the difference of the two level-normalized 1/3-octave mid spectra
// (analysis/tonal_balance.h), smoothed over neighbouring bands (a reference is another
// song: its exact peaks are content, not style), within ±12 dB, boosting a band the input
// leaves nearly empty little or not at all (its level + 24 dB at most: boosting there only
// raises noise). `amount` scales it (the
// user's slider: 0 = off, 1 = the full match). Applied as a linear-phase FIR (8192 taps,
// FFT overlap-add, latency compensated), the same on both channels.
#pragma once
#include <array>

#include "analysis/tonal_balance.h"
#include "core/stereo.h"

namespace ito {

struct MatchEq {
  std::array<double, kThirdOctaveBands> gains_db{};  // the full match at kThirdOctaveCentres
  double amount = 0.0;                               // 0: off

  bool active() const;
  // The gain (dB, amount applied) at f Hz: linear in log frequency between the centres,
  // held above the last, and never a boost below the first.
  double gain_db_at(double f) const;
};

inline constexpr double kMatchEqMaxDb = 12.0;
// The amount by default, in every mode that has a chain (models/README.md, "Clean masters").
inline constexpr double kDefaultMatchEqAmount = 1.0;

MatchEq design_match_eq(const BandLevels& input, const BandLevels& reference, double amount);
MatchEq design_match_eq(const Stereo& input, const Stereo& reference, double fs, double amount);

// x through the Match EQ (x itself when it is not active). Same length, no delay.
Stereo apply_match_eq(const Stereo& x, const MatchEq& eq, double fs);

}  // namespace ito

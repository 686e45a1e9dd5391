// Match EQ: a smoothed long-term spectral match of the chain's input to the reference, on
// the mid and the side signals separately (the way Matchering works), ahead of the chain.
// The 6-band EQ has one bell below 2 kHz, so alone it cannot follow the reference's bass
// and low mids; ITO then drove it 15-20 dB. This stage takes the broad tonal match, the
// chain's EQ only trims around it.
//
// Each curve is the difference of the two level-normalized 1/3-octave spectra
// (analysis/tonal_balance.h; the side relative to the mid's level, so the side curve also
// carries the target's width per band), lightly smoothed over neighbouring bands (a
// reference is another song: its exact peaks are content, not style), shifted so that the
// mid curve leaves the input's loudness alone (the final stage sets loudness). Within ±kMatchEqMaxDb; a band the input leaves nearly empty, or
// fills only with a tone's skirt, is boosted little or not at all (its median bin + 36 dB
// at most, normalized: boosting there only raises noise and leakage). `amount` scales both
// (the user's slider: 0 = off, 1 = the full match). Applied as linear-phase FIRs (8192 taps, FFT overlap-add, latency
// compensated) on mid and side.
#pragma once
#include <array>
#include <cstddef>
#include <optional>

#include "analysis/tonal_balance.h"
#include "core/stereo.h"

namespace ito {

using BandCurve = std::array<double, kThirdOctaveBands>;  // dB at kThirdOctaveCentres

struct MatchEq {
  BandCurve mid_db{}, side_db{};  // the full match
  double amount = 0.0;            // 0: off

  bool active() const;
};

// A curve's gain (dB, times `amount`) at f Hz: linear in log frequency between the centres,
// held above the last, and never a boost below the first.
double curve_gain_db(const BandCurve& curve, double amount, double f);

inline constexpr double kMatchEqMaxDb = 12.0;
// The amount by default, in every mode that has a chain (models/README.md, "Clean masters").
inline constexpr double kDefaultMatchEqAmount = 1.0;
// How far the FIR reaches on either side of a sample: a part of a track run through
// apply_match_eq with this much of the track on both sides is exact in its middle. The FIR
// is 8192 taps at 44.1 and 48 kHz, twice that at 88.2/96 kHz, four times at 176.4/192 kHz,
// so its frequency resolution (about 5 Hz: the 20-40 Hz bands) is the same at every rate.
std::size_t match_eq_reach_frames(double fs);

MatchEq design_match_eq(const BandLevels& input, const BandLevels& reference, double amount);
// From the signals: toward `target` when given (an ITO target's balance, ito/feature_targets.h),
// else toward the reference's balance.
MatchEq design_match_eq(const Stereo& input, const Stereo& reference, double fs, double amount,
                        const std::optional<BandLevels>& target = std::nullopt);

// x through the Match EQ (x itself when it is not active). Same length, no delay.
Stereo apply_match_eq(const Stereo& x, const MatchEq& eq, double fs);

}  // namespace ito

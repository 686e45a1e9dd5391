// Targets for ITO other than one reference (the paper notes ITO takes any differentiable
// objective). They are all AF-feature targets, so the same (loudness-matched) AF loss
// drives ITO on Θ and ITO on z toward them:
//   - blend_features: between two references (a mix of two styles), feature by feature;
//     the Bark bands are log magnitudes, so the blend is a geometric mean of the spectra;
//   - adjust_features: a musician's moves relative to a starting point (e.g. the current
//     master): crest factor, stereo width, spectral tilt and per-band Bark levels.
// Loudness is not a feature target: the final stage sets it (target LUFS).
#pragma once
#include <array>

#include "analysis/af_loss.h"
#include "analysis/tonal_balance.h"

namespace ito {

// (1 - amount) * a + amount * b for every feature; amount in [0, 1].
AfFeatures blend_features(const AfFeatures& a, const AfFeatures& b, double amount);

struct FeatureAdjustments {
  double crest_db = 0.0;      // added to both channels' crest factor (more = more dynamic)
  double width_scale = 1.0;   // multiplies the side/mid energy ratio (0 = mono) and the side's
                              // Bark magnitudes by its square root
  double tilt_db = 0.0;       // spectral tilt: +tilt_db/2 at 20 kHz, -tilt_db/2 at 20 Hz,
                              // linear in Bark band index (brighter when positive)
  std::array<double, kAfBarkBands> band_db{};  // per Bark band, on mid and side alike
};

AfFeatures adjust_features(const AfFeatures& base, const FeatureAdjustments& adjust);

// The same targets for the Match EQ (master/match_eq.h), which matches 1/3-octave tonal
// balances: a blend of two balances (in dB, i.e. a geometric mean, as blend_features), and
// the adjustments' tilt and per-band moves at each 1/3-octave centre (the nearest Bark band's)
// and the width scale on the side's level.
BandLevels blend_balance(const BandLevels& a, const BandLevels& b, double amount);
BandLevels adjust_balance(const BandLevels& base, const FeatureAdjustments& adjust);

// How much of each aspect of a target to take, relative to the input's own features:
// 0 keeps the input's, 1 takes the target's, up to 1.5 goes beyond it. "Only some of the
// reference's character." Spectra and width interpolate in their log domain (a geometric
// mean, as blend_features).
struct MatchAmounts {
  double tone = 1.0;      // the spectra's shapes: the mid's, and the side's relative to the mid
                          // (Bark bands for ITO; the Match EQ's curves)
  double dynamics = 1.0;  // the crest factor
  double width = 1.0;     // side/mid energy ratio, imbalance, the side's mean level over the mid
  double loudness = 1.0;  // the target loudness, between the input's and the target's
  bool all_full() const { return tone == 1.0 && dynamics == 1.0 && width == 1.0 && loudness == 1.0; }
};
constexpr double kMaxMatchAmount = 1.5;

// The target's features with each aspect taken by its amount from `input` toward `target`
// (both measured at the same loudness, so that the spectra compare). Amount 1 everywhere
// returns `target` exactly.
AfFeatures apply_match_amounts(const AfFeatures& input, const AfFeatures& target, const MatchAmounts& amounts);
// The same for the Match EQ's tonal balances (level-normalized first).
BandLevels apply_match_amounts(const BandLevels& input, const BandLevels& target, const MatchAmounts& amounts);
// The loudness target: input_lufs + amounts.loudness * (target_lufs - input_lufs).
double apply_match_amount_lufs(double input_lufs, double target_lufs, const MatchAmounts& amounts);

// Six regions of the spectrum for tone sliders (a musician's words, not 24 Bark bands):
// each moves the Bark bands whose centre frequency falls in [low_hz, high_hz).
struct ToneRegion {
  const char* name;
  double low_hz, high_hz;
};
constexpr std::array<ToneRegion, 6> kToneRegions = {{{"Bass", 0.0, 120.0},
                                                     {"Low mids", 120.0, 500.0},
                                                     {"Mids", 500.0, 2000.0},
                                                     {"Presence", 2000.0, 5000.0},
                                                     {"Brilliance", 5000.0, 10000.0},
                                                     {"Air", 10000.0, 1e9}}};
// Adds db to adjust.band_db of every Bark band in kToneRegions[region].
void add_tone_region_db(FeatureAdjustments& adjust, int region, double db);

}  // namespace ito

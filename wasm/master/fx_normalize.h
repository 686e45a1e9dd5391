// Fx-normalization of the input mix (spec section 4): before the converter, the input
// is pulled toward the average statistics of a music corpus, in this order:
//   1. EQ: a smooth correction of its long-term mid spectrum toward the corpus shape,
//   2. stereo image: its side/mid energy ratio scaled to the corpus mean,
//   3. loudness: a fixed integrated loudness.
// The corpus statistics are computed by `itomaster fxnorm-stats` with the same
// measurement functions as below and shipped in models/fxnorm_stats.txt.
#pragma once
#include <string>
#include <vector>

#include "core/stereo.h"

namespace ito {

struct FxNormStats {
  std::vector<double> band_hz;  // band centre frequencies, increasing
  std::vector<double> band_db;  // corpus-mean long-term MID spectrum per band, in dB relative
                                // to the mean over bands (a level-independent shape)
  double side_mid_ratio_db = 0.0;  // corpus mean of 10 log10(E_side / E_mid)
  double target_lufs = -16.0;      // loudness the normalized input is brought to
};

// 1/3-octave band centres 1000 * 2^(k/3) Hz for k = -16..12: 24.8 Hz .. 16 kHz (29 bands).
std::vector<double> default_fxnorm_band_hz();

// Small text format: "# comment" lines, "key value" lines (version, target_lufs,
// side_mid_ratio_db, bands N), then N lines "band_hz band_db".
std::string format_fxnorm_stats(const FxNormStats& stats);
// Throws std::runtime_error, naming the line, on anything malformed: unknown keys,
// missing keys, a wrong band count, non-numbers, NaN/Inf, non-increasing frequencies.
FxNormStats parse_fxnorm_stats(const std::string& text);

// --- Measurements (used by the stats tool and by fx_normalize alike) -------------

// Long-term spectrum of the mid signal (L+R)/sqrt2 per band: Welch average of Hann-
// windowed 16384-point power spectra (hop 8192), summed over the bins inside each band
// [fc / 2^(1/6), fc * 2^(1/6)) (at least the nearest bin), in dB, minus the mean over
// bands, so the result describes the shape only. Bands more than 120 dB below the
// strongest are floored there. Digital silence gives all zeros. Signals shorter than
// one frame are zero-padded.
std::vector<double> long_term_band_db(const Stereo& x, double fs, const std::vector<double>& band_hz);

// 10 log10(E_side / E_mid) with mid = (L+R)/sqrt2, side = (L-R)/sqrt2 over the whole
// signal: -INFINITY for an exactly mono signal, +INFINITY for a purely anti-phase one,
// 0 for digital silence.
double side_mid_ratio_db(const Stereo& x);

// --- Normalization ------------------------------------------------------------------

struct FxNormReport {
  std::vector<double> band_hz;           // the stats' bands
  std::vector<double> eq_correction_db;  // applied gain per band
  double side_gain_db = 0.0;             // applied to the side signal
  double loudness_gain_db = 0.0;         // applied to both channels at the end
};

// Largest EQ or side-gain correction, in dB either way.
constexpr double kFxNormMaxCorrectionDb = 12.0;

// EQ, stereo image, then loudness, as described at the top. The EQ correction is
// (corpus shape - input shape), smoothed across neighbouring bands, clamped to
// +-12 dB, interpolated over log frequency, and applied as one zero-phase
// (linear-phase FIR, delay compensated) filter to both channels. The side gain is
// measured after the EQ and clamped to +-12 dB; an exactly mono input stays mono
// (gain 0 dB). The loudness gain is target_lufs - integrated_loudness, with no
// limiting: the result may exceed 0 dBFS in float (the mastering chain follows).
// Signals too short or too quiet for a gated loudness (< 0.4 s, below -70 LUFS) get
// no loudness gain. Digital silence is passed through unchanged (all gains 0, no NaN).
// Throws std::invalid_argument for malformed stats (band counts differ or empty).
Stereo fx_normalize(const Stereo& x, double fs, const FxNormStats& stats, FxNormReport* report = nullptr);

// The corrections fx_normalize measured (`report`) applied as they are, at any rate: the mix
// at its own rate gets what its 44.1 kHz copy got (the EQ designed for fs). Throws
// std::invalid_argument when the report has not one correction per band.
Stereo apply_fx_normalization(const Stereo& x, double fs, const FxNormReport& report);

}  // namespace ito

// The product's final stage (spec 1.6 "ours"): bring a master to a target
// integrated loudness under a true-peak ceiling, with a look-ahead true-peak
// limiter (a smooth gain, not a clipper).
//
// Offline and non-causal on the whole buffer:
//  1. static makeup gain G (dB) toward the target;
//  2. limiter gain from the stereo-linked true-peak envelope tp[n]:
//     required r[n] = min(1, ceiling / (G tp[n])); minimum of r over the
//     look-ahead window [n, n + L]; release smoothing (falls instantly, recovers
//     with a one-pole of time constant release_ms); then a moving average over
//     [n - L, n], so the gain ramps down during the L samples BEFORE each peak
//     and never exceeds what any peak needs;
//  3. G is iterated (Newton, then secant on the LUFS error) until the output is
//     within 0.05 LU of the target; each trial's loudness is measured as it is
//     produced, block by block, without keeping it;
//  4. the chosen output's true peak is measured the same way; if the gain-modulated
//     signal still overshoots between samples, the limiter's internal ceiling is
//     lowered and G searched again, so the result never exceeds the ceiling;
//  5. when the target is out of reach within kMaxLimiterReductionDb, shorter
//     releases (fallback_release_ms) are tried; then the output is written once.
// The ceiling is capped at 0 dBTP, so no sample ever exceeds 1.
// Makeup is capped so the limiter's deepest reduction stays within
// kMaxLimiterReductionDb; when the target needs more, the output falls short of
// it (report->output_lufs tells by how much) rather than being crushed.
#pragma once
#include <vector>

#include "core/stereo.h"

namespace ito {

struct FinalizeOptions {
  double target_lufs = -14.0;
  double ceiling_dbtp = -1.0;
  double lookahead_ms = 2.0;
  double release_ms = 100.0;
  // Shorter releases tried in turn when the target is not met within
  // kMaxLimiterReductionDb at release_ms (dense, loud targets); only those below it count.
  std::vector<double> fallback_release_ms{};
  // The look-ahead envelope in one byte per frame (0.06 dB steps, rounded up) instead of a
  // float: 1 yes, 0 no, -1 beyond 20 minutes of audio (a long track's memory).
  int compact_envelope = -1;
  // false: no limiter and no ceiling, only the static gain to the target loudness (the
  // "unlimited" export, for users who limit elsewhere: peaks may exceed 0 dBFS, so it is
  // written as 32-bit float).
  bool limit = true;
};

struct FinalizeReport {
  double input_lufs, output_lufs, output_true_peak_dbtp;
  double makeup_gain_db;         // static gain applied before the limiter
  double max_gain_reduction_db;  // limiter's deepest reduction (>= 0)
  int iterations;                // makeup trials measured (0 when nothing was measurable)
};

// Most reduction the limiter may apply at the loudest true peak; bounds the makeup.
constexpr double kMaxLimiterReductionDb = 12.0;

// Silence (or anything gated out as below -70 LUFS) is returned unchanged
// (scaled down only if it would break the ceiling), with -INFINITY loudness.
Stereo finalize_master(const Stereo& x, double fs, const FinalizeOptions& opt,
                       FinalizeReport* report = nullptr);
// The same, writing the master over x: besides x it holds the true-peak envelope (2 bytes
// per frame) and a few blocks, so a long track needs no second copy.
void finalize_master_in_place(Stereo& x, double fs, const FinalizeOptions& opt, FinalizeReport* report = nullptr);

}  // namespace ito

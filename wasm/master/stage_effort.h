// How hard each nonlinear stage of the chain works on a signal, for the reports (CLI JSON,
// `itomaster eval`) and the clean-master checks: an engineer reads these before listening.
//   saturator: energy of its nonlinear residual (its output minus the best linear fit of its
//     input) relative to its output, dB; -inf when the saturator is off;
//   limiter and each compressor band: gain reduction, mean over time and its 99th
//     percentile (the busiest 1 % of the time), dB >= 0; with the release time in effect.
//     A band counts only where its side chain is at -40 dB or more (|L + R|): in
//     near-silence the expander's reduction is not the compressor working on the music.
#pragma once
#include <array>

#include "core/stereo.h"
#include "dsp/params.h"

namespace ito {

struct GainReduction {
  double mean_db = 0, p99_db = 0, release_ms = 0;
};

struct StageEffort {
  double saturator_residual_db = 0;
  GainReduction limiter;
  std::array<GainReduction, 3> compressor;  // low, mid, high band
};

// `chain_input`: what the chain processes (level-matched, after the Match EQ).
StageEffort measure_stage_effort(const Stereo& chain_input, const Params& params, const ProcessorSwitches& switches,
                                 double fs);

}  // namespace ito

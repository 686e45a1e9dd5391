// The product's prior on how hard each stage of the chain may work: the search space ITO
// (on Θ and on z) is confined to, chosen so that masters stay clean (issue "masters an
// engineer would sign off"). Left alone, ITO walks to wherever the AF loss is lowest:
// EQ moves of 15-20 dB, the saturator at full drive, 30 dB of limiting with 5 ms release,
// 9:1 compressors modulating inside the waveform. The AF loss cannot hear any of that.
//
// Musical ranges (real units; "level" = a level of the chain's input, measured here):
//   EQ gains ±6 dB; bell Q 0.3-3, shelf Q 0.4-1.2 (no resonant peaks)
//   saturator off unless `character` > 0: then drive ≤ 8·character dB, mix ≤ 20 + 50·character %
//   compressors: threshold ≥ the band's loud level (90th percentile) - 6 dB, ratio ≤ 2.5:1,
//     attack ≥ 50 ms (low band) / 30 ms, release 100 ms (low) / ≥ 90 ms (the side chain is
//     the rectified sample level, so shorter times ripple the gain at twice a note's frequency)
//   expanders: threshold ≤ -45 dB, ratio ≥ 0.8 (at most 1:1.25, only on near-silence: a
//     deeper expander gates fades and reverb tails)
//   output gain -6..+3 dB (less for a hot input, see below); stereo width 60-140 %
//   limiter: threshold ≥ the input's peak level (99.9th percentile) + 10 dB (the EQ and the
//     gain can add 9 dB: it only catches the top 0.1 % of peaks), release ≥ 50 ms
// plus a prior toward neutral on the EQ gains and the output gain (0.003 of loss at 6 dB).
// The final stage (finalize.h) still brings every master to the target loudness under the
// true-peak ceiling with its transparent look-ahead limiter; the chain's limiter only
// shapes the peaks a little. `expert_ranges` gives the paper's full ranges back (the
// saturator still follows `character`). The 46 parameters keep the paper's meaning.
#pragma once
#include "core/stereo.h"
#include "ito/search_space.h"

namespace ito {

struct ChainStyle {
  double character = 0.0;      // 0..1: how much saturation the user asks for (0 = off)
  bool expert_ranges = false;  // the paper's full ranges instead of the musical ones
  bool mono = false;           // a mono input (is_mono): the stereo imager is off
};

// Whether both channels hold the same samples (a mono file, or one copied to both channels):
// its master is mono too, and the stereo imager has nothing to widen.
bool is_mono(const Stereo& x);
// The style with `mono` set for x.
ChainStyle style_for(ChainStyle style, const Stereo& x);

// The crossovers ITO starts from (initial_params) and the band levels are measured at.
inline constexpr double kStartLowXoverHz = 120.0, kStartHighXoverHz = 5000.0;

// Levels of the chain's input that the prior and the starting point are set from (dBFS of
// |L + R|, the side chains' level), at the starting crossovers.
struct ChainInputLevels {
  double peak_db = 0;               // 99.9th percentile, whole band
  double band_loud_db[3] = {0, 0, 0};  // 90th percentile of the low, mid and high bands
};
ChainInputLevels measure_chain_input(const Stereo& chain_input, double fs);

// The processors' switches for a style: the saturator runs only when character > 0.
ProcessorSwitches style_switches(const ChainStyle& style);

SearchSpace musical_search_space(const ChainInputLevels& levels, const ChainStyle& style);
SearchSpace musical_search_space(const Stereo& chain_input, double fs, const ChainStyle& style);

}  // namespace ito

// The long-term spectrum shown to the user (the page's spectrum view, the mastering report):
// the mid signal's power averaged over frames spread evenly over the track, in log-spaced
// bands from 20 Hz to 20 kHz, in dB relative to a full-scale sine. For display only: the AF
// loss and the Match EQ have their own measures (af_loss.h, tonal_balance.h).
#pragma once
#include <vector>

#include "core/stereo.h"

namespace ito {

constexpr int kDisplaySpectrumBands = 128;

// kDisplaySpectrumBands values (Hann window of 4096 samples, at most 256 frames), -120 dB floor.
std::vector<float> display_spectrum_db(const Stereo& x, double fs);
// Band b's lower edge in Hz (b = kDisplaySpectrumBands gives 20 kHz).
double display_spectrum_edge_hz(int b);

}  // namespace ito

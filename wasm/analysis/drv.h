// Dynamic-range variability (DRV), the metric of spec section 7: how much the level
// of the strong onsets varies. Lower = more consistent dynamics (e.g. after a
// compressor or limiter). The paper names the ingredients (HFC onset function,
// peaks above the 75th percentile, standard deviation, mean over channels) but not
// what the deviation is taken of; **ours** (also to be noted in the spec):
//
// Per channel c:
//  1. STFT n_fft 2048, hop 512, periodic Hann, centered reflect-padded frames
//     (analysis/fft.h). Onset function HFC[t] = sum_k k |X_tk|^2.
//  2. Onset peaks: frames t with HFC[t] > 0, HFC[t] > HFC[t-1] and HFC[t] >= every
//     HFC in [t-3, t+3] (a local maximum within about +-35 ms at 44.1 kHz; the
//     window is 3 frames at any rate).
//  3. Keep the peaks whose HFC value is >= the 75th percentile of all peak values
//     (linear interpolation between order statistics, as numpy.percentile).
//  4. Level of each kept onset: the RMS of the raw channel over the samples of that
//     STFT frame, [t*hop - 1024, t*hop + 1024) clipped to the signal, in dB
//     (20 log10(max(rms, 1e-5))). The level, not the HFC value, is used so that the
//     metric measures loudness variation rather than brightness.
//  5. DRV_c = population standard deviation (dB) of these levels; 0 with fewer
//     than two kept onsets.
// DRV = mean of DRV_L and DRV_R, in dB. Invariant to overall gain.
#pragma once
#include "core/stereo.h"

namespace ito {

double drv(const Stereo& x, double fs);

}  // namespace ito

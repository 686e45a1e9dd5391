// Multi-scale spectral loss of spec section 3.1 (the training loss).
//
// For each scale n in {4096, 2048, 1024, 512} with hop n/4 and a periodic Hann
// window, STFT frames are centered and reflect-padded (torch.stft(center=True);
// see analysis/fft.h) and magnitudes are unnormalized: |X_tk| for the 1 + len/hop
// frames t and the n/2+1 bins k. For each of the four views
//   v in {M = L+R, S = L-R, L, R}, each with weight 0.5,
// and Y = STFT of y's view, T = STFT of target's view:
//   l_{n,v} = 0.9 * mean_{t,k} | |Y_tk| - |T_tk| |
//           + 0.1 * mean_{t,k} (log10(|Y_tk| + 1e-7) - log10(|T_tk| + 1e-7))^2
// and
//   mss_loss = (1/4) * sum_n sum_v 0.5 * l_{n,v}       (mean over the 4 scales).
// The means run over all frames and all n/2+1 bins of that scale.
//
// y and target should have the same length; if not, only the first
// min(len_y, len_target) samples are compared (the rest of grad is zero).
// Gradient: exact; the L1 takes sign 0 where |Y| = |T|, bins with |Y| = 0 get zero
// gradient. STFTs and their adjoints run in float, sums in double.
#pragma once
#include "core/stereo.h"

namespace ito {

// If grad != nullptr it is resized to y's length and receives dL/dy.
double mss_loss(const Stereo& y, const Stereo& target, Stereo* grad = nullptr);

}  // namespace ito

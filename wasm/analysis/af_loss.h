// The audio-feature (AF) loss of spec section 3.2: the ITO objective and the
// evaluation metric. Features follow Diff-MST's mst/loss.py (the paper's code),
// with the spec's Hann window and an exact Bark filterbank definition (below).
//
// Features of a stereo signal x = (L, R) with N samples:
//   ms_c      = mean(x_c^2)
//   rms_c     = sqrt(max(ms_c, 1e-8))          (Diff-MST clamps the mean square, so
//                                               the RMS floor is effectively 1e-4)
//   crest_c   = 20 log10(max(peak_c / rms_c, 1e-8)),  peak_c = max |x_c|
//   width     = mean((L-R)^2) / max(mean((L+R)^2), 1e-8)
//   imbalance = (mean R^2 - mean L^2) / max(mean R^2 + mean L^2, 1e-8)
//   bark_mid / bark_side: for M = L+R and S = L-R,
//     |STFT| with n_fft 32768, hop 8192, periodic Hann, centered frames with reflect
//     padding (analysis/fft.h), unnormalized; mean over frames -> m_k (k = 0..16384);
//     band b = log(sum_k fb_b(f_k) m_k + 1e-8) with f_k = k fs / n_fft.
//   Bark filterbank: Traunmueller z(f) = 26.81 f / (1960 + f) - 0.53 (no low/high
//   corrections), inverse f(z) = 1960 (z + 0.53) / (26.28 - z). 26 edges z_i equally
//   spaced from z(20 Hz) to z(20 kHz), f_i = f(z_i); band b (0..23) is the triangle
//   that rises linearly in Hz from f_b to 1 at f_{b+1} and falls to 0 at f_{b+2}
//   (torchaudio's triangular filterbank, peak 1, no area normalization).
//   Deviation from Diff-MST: its torch.stft call passes no window (rectangular) and
//   its Bark->Hz conversion applies a low-Bark correction inconsistently; we use the
//   spec's Hann window and the plain formula above.
//
// Loss: sum over features of weight * MSE, MSE = mean over the feature's elements
// (2 for rms and crest, 1 for width and imbalance, 48 for the Bark bands together);
// weights rms 0.1, crest 0.001, width 1, imbalance 1, bark 0.1.
// Gradient: exact for the formulas above; the max in the crest factor takes the
// subgradient at the first arg-max sample; clamped quantities have zero gradient
// while clamped; |X| = 0 bins get zero gradient.
#pragma once
#include <array>
#include <vector>

#include "core/stereo.h"

namespace ito {

struct AfFeatures {
  std::array<double, 2> rms{};       // per channel
  std::array<double, 2> crest_db{};  // per channel
  double width = 0, imbalance = 0;
  std::vector<double> bark_mid, bark_side;  // 24 each, log(filtered mean magnitude + 1e-8)
};

AfFeatures compute_af_features(const Stereo& x, double fs);

// The target a mono master can reach: f without its side (no side spectrum, width or
// imbalance, as a master with L = R measures). Against a stereo reference the side terms would
// otherwise add a constant the chain cannot change (about 30 against a usual 0.03), which hides
// ITO's progress from its relative early stopping.
AfFeatures mono_features(AfFeatures f);

// Each term is already weighted (weight * MSE); total is their sum.
struct AfLossTerms {
  double rms = 0, crest = 0, width = 0, imbalance = 0, bark = 0, total = 0;
};

// Weighted sum of MSEs between the features of y and `target`. If grad != nullptr it
// is resized to y's length and receives dL/dy.
double af_loss(const Stereo& y, const AfFeatures& target, double fs, Stereo* grad = nullptr,
               AfLossTerms* terms = nullptr);

// Constants of the definition, for tests and UI.
constexpr int kAfBarkFftSize = 32768;
constexpr int kAfBarkHop = 8192;
constexpr int kAfBarkBands = 24;
constexpr double kAfWeightRms = 0.1, kAfWeightCrest = 0.001, kAfWeightWidth = 1.0,
                 kAfWeightImbalance = 1.0, kAfWeightBark = 0.1;

// Edges f_0..f_25 of the Bark filterbank in Hz (see above).
std::vector<double> bark_band_edges_hz();

// --- Metrics for display (same formulas as the features above) --------------

// Crest factor of the stereo signal in dB: the larger of the two channels'
// crest_c (as defined above), so a peaky channel is not hidden by a dense one.
double crest_factor_db(const Stereo& x);

// mean((L-R)^2) / max(mean((L+R)^2), 1e-8): 0 for mono, 1 for uncorrelated equal
// channels, large for out-of-phase material.
double stereo_width(const Stereo& x);

}  // namespace ito

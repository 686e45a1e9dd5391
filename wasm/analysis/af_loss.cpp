#include "analysis/af_loss.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>

#include "analysis/fft.h"
#include "core/parallel.h"

namespace ito {
namespace {

constexpr double kMeanSquareFloor = 1e-8;
constexpr double kRatioFloor = 1e-8;
constexpr double kEnergyFloor = 1e-8;
constexpr double kLogEps = 1e-8;
constexpr double kBarkMinHz = 20.0, kBarkMaxHz = 20000.0;
constexpr double kDbPerNeper = 8.6858896380650365530;  // 20 / ln(10)

double hz_to_bark(double f) { return 26.81 * f / (1960.0 + f) - 0.53; }
double bark_to_hz(double z) { return 1960.0 * (z + 0.53) / (26.28 - z); }

// One triangular band as a contiguous run of nonzero weights.
struct BarkBand {
  int first_bin = 0;
  std::vector<double> weights;
};

struct BarkFilterbank {
  double fs = 0;
  std::vector<BarkBand> bands;
};

const BarkFilterbank& bark_filterbank(double fs) {
  thread_local BarkFilterbank fb;
  if (fb.fs == fs && !fb.bands.empty()) return fb;
  fb.fs = fs;
  fb.bands.assign(kAfBarkBands, {});
  const std::vector<double> edges = bark_band_edges_hz();
  const int num_bins = kAfBarkFftSize / 2 + 1;
  for (int b = 0; b < kAfBarkBands; ++b) {
    const double lo = edges[b], mid = edges[b + 1], hi = edges[b + 2];
    BarkBand& band = fb.bands[b];
    band.first_bin = -1;
    for (int k = 0; k < num_bins; ++k) {
      const double f = k * fs / kAfBarkFftSize;
      const double w = std::max(0.0, std::min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
      if (w <= 0.0) {
        if (band.first_bin >= 0) break;  // past the triangle
        continue;
      }
      if (band.first_bin < 0) band.first_bin = k;
      band.weights.push_back(w);
    }
    if (band.first_bin < 0) band.first_bin = 0;  // empty band (tiny fs): contributes 0
  }
  return fb;
}

inline float magnitude(std::complex<float> z) {
  return std::sqrt(z.real() * z.real() + z.imag() * z.imag());  // std::abs uses slow hypot
}

// Reusable buffers for one STFT size, so the frame loop never allocates.
struct StftWork {
  const RealFft& fft = cached_real_fft(kAfBarkFftSize);
  std::vector<float> window = hann_window(kAfBarkFftSize);
  std::vector<float> frame = std::vector<float>(kAfBarkFftSize);
  std::vector<std::complex<float>> bins = std::vector<std::complex<float>>(kAfBarkFftSize / 2 + 1);
};

// The frames' spectra kept from the forward pass for the backward one (which needs their
// phases), when they fit in kSpectraCacheBytes (the 30 s ITO excerpt: about 21 MB per
// signal); otherwise the backward pass recomputes them, frame by frame.
constexpr std::size_t kSpectraCacheBytes = std::size_t{64} << 20;
using FrameSpectra = std::vector<std::complex<float>>;  // frames x bins, frame-major

// Mean over frames of |STFT(s)| per bin, s given as sample(i) for i in [0, len) (stft_frame_of);
// with `keep`, the frames' spectra go into it (when they fit the cache).
template <class Sample>
std::vector<double> mean_magnitude(const Sample& sample, std::size_t len, StftWork& work,
                                   FrameSpectra* keep = nullptr) {
  const int num_bins = kAfBarkFftSize / 2 + 1;
  std::vector<double> mean(num_bins, 0.0);
  if (len == 0) return mean;
  const int frames = stft_num_frames(len, kAfBarkHop);
  const std::size_t cells = static_cast<std::size_t>(frames) * num_bins;
  if (keep && cells * sizeof(std::complex<float>) <= kSpectraCacheBytes) keep->resize(cells);
  for (int t = 0; t < frames; ++t) {
    stft_frame_of(sample, len, t, kAfBarkHop, work.window.data(), kAfBarkFftSize, work.frame.data());
    work.fft.forward(work.frame.data(), work.bins.data());
    for (int k = 0; k < num_bins; ++k) mean[k] += magnitude(work.bins[k]);
    if (keep && !keep->empty())
      std::copy(work.bins.begin(), work.bins.end(), keep->begin() + static_cast<std::size_t>(t) * num_bins);
  }
  for (double& m : mean) m /= frames;
  return mean;
}

// Filtered band sums s_b = sum_k fb_b(k) m_k (before the log).
std::vector<double> band_sums(const std::vector<double>& mean_mag, const BarkFilterbank& fb) {
  std::vector<double> sums(kAfBarkBands, 0.0);
  for (int b = 0; b < kAfBarkBands; ++b) {
    const BarkBand& band = fb.bands[b];
    for (std::size_t i = 0; i < band.weights.size(); ++i)
      sums[b] += band.weights[i] * mean_mag[band.first_bin + i];
  }
  return sums;
}

// Adjoint of mean_magnitude: given dL/dm_k, adds dL/ds into grad_s. `kept`: the forward
// pass's spectra (empty: recompute them).
void mean_magnitude_backward(const std::vector<float>& s, const std::vector<double>& grad_mean,
                             const FrameSpectra& kept, StftWork& work, std::vector<float>& grad_s) {
  if (s.empty()) return;
  const int num_bins = kAfBarkFftSize / 2 + 1;
  const int frames = stft_num_frames(s.size(), kAfBarkHop);
  for (int t = 0; t < frames; ++t) {
    // The frame's spectrum, for its phase: kept by the forward pass, or recomputed (a long
    // signal's would cost memory proportional to its length).
    if (!kept.empty()) {
      const auto first = kept.begin() + static_cast<std::size_t>(t) * num_bins;
      std::copy(first, first + num_bins, work.bins.begin());
    } else {
      stft_frame(s.data(), s.size(), t, kAfBarkHop, work.window.data(), kAfBarkFftSize,
                 work.frame.data());
      work.fft.forward(work.frame.data(), work.bins.data());
    }
    for (int k = 0; k < num_bins; ++k) {
      const float mag = magnitude(work.bins[k]);
      // d|X|/dX = X/|X|; the mean over frames contributes 1/frames.
      work.bins[k] = mag > 0.0f ? work.bins[k] * static_cast<float>(grad_mean[k] / frames / mag)
                                : std::complex<float>(0.0f, 0.0f);
    }
    work.fft.backward(work.bins.data(), work.frame.data());
    stft_frame_backward(work.frame.data(), s.size(), t, kAfBarkHop, work.window.data(),
                        kAfBarkFftSize, grad_s.data());
  }
}

// Everything the loss and its gradient need from one signal.
struct Analysis {
  std::size_t n = 0;
  std::array<double, 2> mean_square{}, peak{};
  std::array<std::size_t, 2> argmax{};
  double mid_energy = 0, side_energy = 0;   // mean((L+R)^2), mean((L-R)^2)
  std::vector<float> mid, side;             // M and S signals
  std::vector<double> mid_sums, side_sums;  // Bark band sums before the log
  FrameSpectra mid_spectra, side_spectra;   // kept for the backward pass (keep_signals)
  AfFeatures features;
};

Analysis analyze(const Stereo& x, double fs, bool keep_signals) {
  Analysis a;
  a.n = x.frames();
  const std::size_t n = a.n;
  double ll = 0, rr = 0, mm = 0, ss = 0;
  // M and S are stored only for the gradient; otherwise the STFT takes them sample by sample
  // (a long track's features then need no copy of it).
  if (keep_signals) {
    a.mid.resize(n);
    a.side.resize(n);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const float l = x.l[i], r = x.r[i];
    ll += double(l) * l;
    rr += double(r) * r;
    const double m = double(l) + r, s = double(l) - r;
    mm += m * m;
    ss += s * s;
    if (keep_signals) {
      a.mid[i] = static_cast<float>(m);
      a.side[i] = static_cast<float>(s);
    }
    for (int c = 0; c < 2; ++c) {
      const double v = std::abs(c == 0 ? l : r);
      if (v > a.peak[c]) {
        a.peak[c] = v;
        a.argmax[c] = i;
      }
    }
  }
  const double inv_n = n > 0 ? 1.0 / n : 0.0;
  a.mean_square = {ll * inv_n, rr * inv_n};
  a.mid_energy = mm * inv_n;
  a.side_energy = ss * inv_n;

  AfFeatures& f = a.features;
  for (int c = 0; c < 2; ++c) {
    f.rms[c] = std::sqrt(std::max(a.mean_square[c], kMeanSquareFloor));
    f.crest_db[c] = 20.0 * std::log10(std::max(a.peak[c] / f.rms[c], kRatioFloor));
  }
  f.width = a.side_energy / std::max(a.mid_energy, kEnergyFloor);
  const double total = a.mean_square[0] + a.mean_square[1];
  f.imbalance = (a.mean_square[1] - a.mean_square[0]) / std::max(total, kEnergyFloor);

  // Mid and side are independent STFTs: one per thread where there are two (each thread
  // has its own FFT plan and buffers), with the same result as one after the other.
  parallel_for(2, [&](int which) {
    const BarkFilterbank& fb = bark_filterbank(fs);
    StftWork work;
    FrameSpectra* keep = keep_signals ? (which == 0 ? &a.mid_spectra : &a.side_spectra) : nullptr;
    // The same float values as the stored M and S.
    const auto mid = [&x](std::size_t i) { return static_cast<float>(double(x.l[i]) + x.r[i]); };
    const auto side = [&x](std::size_t i) { return static_cast<float>(double(x.l[i]) - x.r[i]); };
    const std::vector<double> mean = which == 0 ? mean_magnitude(mid, n, work, keep) : mean_magnitude(side, n, work, keep);
    (which == 0 ? a.mid_sums : a.side_sums) = band_sums(mean, fb);
  });
  f.bark_mid.resize(kAfBarkBands);
  f.bark_side.resize(kAfBarkBands);
  for (int b = 0; b < kAfBarkBands; ++b) {
    f.bark_mid[b] = std::log(a.mid_sums[b] + kLogEps);
    f.bark_side[b] = std::log(a.side_sums[b] + kLogEps);
  }
  return a;
}

// dL/dm_k for one of the Bark spectra, given dL/dband for its 24 bands.
std::vector<double> bark_backward(const std::vector<double>& grad_band,
                                  const std::vector<double>& sums, const BarkFilterbank& fb) {
  std::vector<double> grad_mean(kAfBarkFftSize / 2 + 1, 0.0);
  for (int b = 0; b < kAfBarkBands; ++b) {
    const double g = grad_band[b] / (sums[b] + kLogEps);  // d log(s + eps)/ds
    const BarkBand& band = fb.bands[b];
    for (std::size_t i = 0; i < band.weights.size(); ++i)
      grad_mean[band.first_bin + i] += g * band.weights[i];
  }
  return grad_mean;
}

}  // namespace

std::vector<double> bark_band_edges_hz() {
  const double z_min = hz_to_bark(kBarkMinHz), z_max = hz_to_bark(kBarkMaxHz);
  std::vector<double> edges(kAfBarkBands + 2);
  for (int i = 0; i < kAfBarkBands + 2; ++i)
    edges[i] = bark_to_hz(z_min + (z_max - z_min) * i / (kAfBarkBands + 1));
  return edges;
}

AfFeatures compute_af_features(const Stereo& x, double fs) {
  return analyze(x, fs, false).features;
}

AfFeatures mono_features(AfFeatures f) {
  f.bark_side.assign(kAfBarkBands, std::log(kLogEps));  // the log of an empty band
  f.width = 0.0;
  f.imbalance = 0.0;
  return f;
}

double af_loss(const Stereo& y, const AfFeatures& target, double fs, Stereo* grad,
               AfLossTerms* terms) {
  Analysis a = analyze(y, fs, grad != nullptr);
  const AfFeatures& f = a.features;

  // Residuals and weighted MSEs.
  AfLossTerms t;
  std::array<double, 2> d_rms{}, d_crest{};
  for (int c = 0; c < 2; ++c) {
    d_rms[c] = f.rms[c] - target.rms[c];
    d_crest[c] = f.crest_db[c] - target.crest_db[c];
  }
  const double d_width = f.width - target.width;
  const double d_imb = f.imbalance - target.imbalance;
  t.rms = kAfWeightRms * 0.5 * (d_rms[0] * d_rms[0] + d_rms[1] * d_rms[1]);
  t.crest = kAfWeightCrest * 0.5 * (d_crest[0] * d_crest[0] + d_crest[1] * d_crest[1]);
  t.width = kAfWeightWidth * d_width * d_width;
  t.imbalance = kAfWeightImbalance * d_imb * d_imb;
  std::vector<double> d_mid(kAfBarkBands), d_side(kAfBarkBands);
  double bark_sq = 0;
  for (int b = 0; b < kAfBarkBands; ++b) {
    d_mid[b] = f.bark_mid[b] - target.bark_mid.at(b);
    d_side[b] = f.bark_side[b] - target.bark_side.at(b);
    bark_sq += d_mid[b] * d_mid[b] + d_side[b] * d_side[b];
  }
  t.bark = kAfWeightBark * bark_sq / (2 * kAfBarkBands);
  t.total = t.rms + t.crest + t.width + t.imbalance + t.bark;
  if (terms) *terms = t;
  if (!grad) return t.total;

  // --- Backward ---------------------------------------------------------------
  const std::size_t n = a.n;
  grad->l.assign(n, 0.0f);
  grad->r.assign(n, 0.0f);
  if (n == 0) return t.total;

  // Scalar statistics: dL/d(mean square per channel), dL/d(mid and side energy),
  // dL/d(peak per channel).
  std::array<double, 2> g_ms{}, g_peak{};
  for (int c = 0; c < 2; ++c) {
    const double rms = f.rms[c];
    double g_rms = kAfWeightRms * d_rms[c];  // d/d rms of 0.1 * mean_c d^2
    const double g_crest = kAfWeightCrest * d_crest[c];
    if (a.peak[c] / rms > kRatioFloor) {
      g_rms -= g_crest * kDbPerNeper / rms;
      g_peak[c] = g_crest * kDbPerNeper / a.peak[c];
    }
    if (a.mean_square[c] > kMeanSquareFloor) g_ms[c] = g_rms / (2.0 * rms);
  }
  const double total = a.mean_square[0] + a.mean_square[1];
  if (total > kEnergyFloor) {
    const double g_imb = 2.0 * kAfWeightImbalance * d_imb;
    g_ms[0] += g_imb * (-2.0 * a.mean_square[1] / (total * total));
    g_ms[1] += g_imb * (2.0 * a.mean_square[0] / (total * total));
  }
  const double g_w = 2.0 * kAfWeightWidth * d_width;
  const double mid_e = std::max(a.mid_energy, kEnergyFloor);
  const double g_side_e = g_w / mid_e;
  const double g_mid_e = a.mid_energy > kEnergyFloor ? -g_w * a.side_energy / (mid_e * mid_e) : 0.0;

  // Bark spectra -> dL/dM, dL/dS (float, accumulated frame by frame).
  const double g_band = 2.0 * kAfWeightBark / (2 * kAfBarkBands);
  for (int b = 0; b < kAfBarkBands; ++b) {
    d_mid[b] *= g_band;
    d_side[b] *= g_band;
  }
  std::vector<float> g_mid(n, 0.0f), g_side(n, 0.0f);
  parallel_for(2, [&](int which) {  // as in analyze(): mid and side are independent
    const BarkFilterbank& fb = bark_filterbank(fs);
    StftWork work;
    if (which == 0)
      mean_magnitude_backward(a.mid, bark_backward(d_mid, a.mid_sums, fb), a.mid_spectra, work, g_mid);
    else
      mean_magnitude_backward(a.side, bark_backward(d_side, a.side_sums, fb), a.side_spectra, work, g_side);
  });

  // Energies are means of squares: d mean(v^2)/dv_i = 2 v_i / n.
  const double k = 2.0 / n;
  const double cl = k * g_ms[0], cr = k * g_ms[1], cm = k * g_mid_e, cs = k * g_side_e;
  for (std::size_t i = 0; i < n; ++i) {
    const double l = y.l[i], r = y.r[i];
    const double m = l + r, s = l - r;
    const double gm = cm * m + g_mid[i], gs = cs * s + g_side[i];
    grad->l[i] = static_cast<float>(cl * l + gm + gs);
    grad->r[i] = static_cast<float>(cr * r + gm - gs);
  }
  for (int c = 0; c < 2; ++c) {
    if (a.peak[c] <= 0.0) continue;
    const std::size_t i = a.argmax[c];
    const float v = c == 0 ? y.l[i] : y.r[i];
    float& g = c == 0 ? grad->l[i] : grad->r[i];
    g += static_cast<float>(g_peak[c] * (v > 0 ? 1.0 : -1.0));
  }
  return t.total;
}

double crest_factor_db(const Stereo& x) {
  double best = -1e300;
  const std::size_t n = x.frames();
  for (int c = 0; c < 2; ++c) {
    const float* v = x.channel(c);
    double sq = 0, peak = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sq += double(v[i]) * v[i];
      peak = std::max(peak, double(std::abs(v[i])));
    }
    const double rms = std::sqrt(std::max(n > 0 ? sq / n : 0.0, kMeanSquareFloor));
    best = std::max(best, 20.0 * std::log10(std::max(peak / rms, kRatioFloor)));
  }
  return best;
}

double stereo_width(const Stereo& x) {
  double mm = 0, ss = 0;
  for (std::size_t i = 0; i < x.frames(); ++i) {
    const double m = double(x.l[i]) + x.r[i], s = double(x.l[i]) - x.r[i];
    mm += m * m;
    ss += s * s;
  }
  const std::size_t n = x.frames();
  if (n == 0) return 0.0;
  return (ss / n) / std::max(mm / n, kEnergyFloor);
}

}  // namespace ito

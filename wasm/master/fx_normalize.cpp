#include "master/fx_normalize.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <complex>
#include <cstdio>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "analysis/fft.h"
#include "analysis/loudness.h"

namespace ito {
namespace {

constexpr int kSpectrumFft = 16384;  // 2.7 Hz bins at 44.1 kHz: >= 2 bins in the 25 Hz band
constexpr int kSpectrumHop = kSpectrumFft / 2;
constexpr double kBandFloorDb = -120.0;  // relative to the strongest band
constexpr int kKernelGrid = 16384;       // EQ kernel: kKernelGrid - 1 taps
constexpr int kConvFft = 2 * kKernelGrid;

double band_edge_factor() { return std::pow(2.0, 1.0 / 6.0); }

// --- Text format helpers ---------------------------------------------------------

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Locale-independent, whole-word number parsing.
double parse_number(const std::string& word, int line_no) {
  double v = 0.0;
  const char* end = word.data() + word.size();
  const auto [ptr, ec] = std::from_chars(word.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v))
    throw std::runtime_error("fxnorm stats line " + std::to_string(line_no) + ": '" + word +
                             "' is not a finite number");
  return v;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// --- Measurement -------------------------------------------------------------------

// Mean power spectrum (Welch, Hann) of the mid signal, kSpectrumFft/2 + 1 bins.
std::vector<double> mid_power_spectrum(const Stereo& x) {
  const std::size_t len = x.frames();
  const RealFft& fft = cached_real_fft(kSpectrumFft);
  const std::vector<float> window = hann_window(kSpectrumFft);
  std::vector<float> frame(kSpectrumFft);
  std::vector<std::complex<float>> bins(fft.num_bins());
  std::vector<double> power(fft.num_bins(), 0.0);
  const float inv_sqrt2 = static_cast<float>(1.0 / std::sqrt(2.0));

  // Full frames only; a signal shorter than one frame is one zero-padded frame.
  std::size_t start = 0;
  do {
    for (int j = 0; j < kSpectrumFft; ++j) {
      const std::size_t i = start + j;
      const float mid = i < len ? (x.l[i] + x.r[i]) * inv_sqrt2 : 0.0f;
      frame[j] = mid * window[j];
    }
    fft.forward(frame.data(), bins.data());
    for (std::size_t k = 0; k < bins.size(); ++k) power[k] += std::norm(bins[k]);
    start += kSpectrumHop;
  } while (start + kSpectrumFft <= len);
  return power;
}

// Smooths a per-band curve with two passes of a [1 2 1]/4 kernel (about one band of
// spread each way), renormalized at the ends so a constant stays constant.
std::vector<double> smooth_across_bands(std::vector<double> v) {
  const std::size_t n = v.size();
  if (n < 2) return v;
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<double> s(n);
    s[0] = (2.0 * v[0] + v[1]) / 3.0;
    s[n - 1] = (2.0 * v[n - 1] + v[n - 2]) / 3.0;
    for (std::size_t b = 1; b + 1 < n; ++b) s[b] = 0.25 * v[b - 1] + 0.5 * v[b] + 0.25 * v[b + 1];
    v = std::move(s);
  }
  return v;
}

// The per-band correction in dB at frequency f: linear in log frequency between band
// centres, held constant below the first and above the last centre.
double correction_at(double f, const std::vector<double>& band_hz, const std::vector<double>& corr_db) {
  if (f <= band_hz.front()) return corr_db.front();
  if (f >= band_hz.back()) return corr_db.back();
  const auto upper = std::upper_bound(band_hz.begin(), band_hz.end(), f);
  const std::size_t b = static_cast<std::size_t>(upper - band_hz.begin());
  const double t = std::log(f / band_hz[b - 1]) / std::log(band_hz[b] / band_hz[b - 1]);
  return (1.0 - t) * corr_db[b - 1] + t * corr_db[b];
}

// Applies the zero-phase EQ described by corr_db to both channels. The filter is a
// linear-phase FIR (frequency sampling, Hann-windowed, kKernelGrid - 1 taps) run by
// FFT overlap-add; its delay is removed, so the output is time-aligned with x.
Stereo apply_eq(const Stereo& x, double fs, const std::vector<double>& band_hz,
                const std::vector<double>& corr_db) {
  const int half = kKernelGrid / 2 - 1;  // taps -half..half
  const int taps = 2 * half + 1;

  // Zero-phase impulse response of the sampled magnitude response. RealFft::backward
  // computes sum_k Re(G_k e^{+2 pi i j k / n}) counting each bin once, so the
  // interior bins are doubled to get the inverse DFT of a real, even spectrum.
  const RealFft& grid_fft = cached_real_fft(kKernelGrid);
  std::vector<std::complex<float>> response(grid_fft.num_bins());
  for (int k = 0; k < grid_fft.num_bins(); ++k) {
    const double gain = db_to_lin(correction_at(k * fs / kKernelGrid, band_hz, corr_db));
    const bool interior = k > 0 && k < kKernelGrid / 2;
    response[k] = static_cast<float>((interior ? 2.0 : 1.0) * gain / kKernelGrid);
  }
  std::vector<float> impulse(kKernelGrid);
  grid_fft.backward(response.data(), impulse.data());

  // Causal kernel: tap m (-half..half) at position m + half, Hann-tapered.
  const RealFft& conv_fft = cached_real_fft(kConvFft);
  std::vector<float> kernel(kConvFft, 0.0f);
  for (int m = -half; m <= half; ++m) {
    const double taper = 0.5 + 0.5 * std::cos(std::numbers::pi * m / (half + 1));
    kernel[m + half] = static_cast<float>(taper * impulse[(m + kKernelGrid) % kKernelGrid]);
  }
  // Kernel spectrum, pre-scaled so that backward() of a product is the convolution.
  std::vector<std::complex<float>> kernel_bins(conv_fft.num_bins());
  conv_fft.forward(kernel.data(), kernel_bins.data());
  for (int k = 0; k < conv_fft.num_bins(); ++k) {
    const bool interior = k > 0 && k < kConvFft / 2;
    kernel_bins[k] *= static_cast<float>((interior ? 2.0 : 1.0) / kConvFft);
  }

  const std::size_t len = x.frames();
  const std::size_t block = kConvFft - taps + 1;  // block + taps - 1 == kConvFft: no wrap-around
  Stereo y(len);
  std::vector<float> buf(kConvFft);
  std::vector<std::complex<float>> bins(conv_fft.num_bins());
  for (int c = 0; c < 2; ++c) {
    const float* in = x.channel(c);
    float* out = y.channel(c);
    for (std::size_t start = 0; start < len; start += block) {
      const std::size_t n = std::min(block, len - start);
      std::fill(buf.begin(), buf.end(), 0.0f);
      std::copy(in + start, in + start + n, buf.begin());
      conv_fft.forward(buf.data(), bins.data());
      for (std::size_t k = 0; k < bins.size(); ++k) bins[k] *= kernel_bins[k];
      conv_fft.backward(bins.data(), buf.data());
      // Full-convolution sample start + i is output sample start + i - half.
      for (std::size_t i = 0; i < static_cast<std::size_t>(kConvFft); ++i) {
        const std::ptrdiff_t dst = static_cast<std::ptrdiff_t>(start + i) - half;
        if (dst >= 0 && dst < static_cast<std::ptrdiff_t>(len)) out[dst] += buf[i];
      }
    }
  }
  return y;
}

double signal_energy(const Stereo& x) {
  double e = 0.0;
  for (std::size_t i = 0; i < x.frames(); ++i) e += double(x.l[i]) * x.l[i] + double(x.r[i]) * x.r[i];
  return e;
}

}  // namespace

std::vector<double> default_fxnorm_band_hz() {
  std::vector<double> hz;
  for (int k = -16; k <= 12; ++k) hz.push_back(1000.0 * std::pow(2.0, k / 3.0));
  return hz;
}

// --- Text format -------------------------------------------------------------------

std::string format_fxnorm_stats(const FxNormStats& stats) {
  std::string s;
  s += "# ITO-Master Fx-normalization statistics (spec section 4): corpus averages.\n";
  s += "# band_db: long-term spectrum of the mid signal per band, dB relative to the band mean.\n";
  s += "# side_mid_ratio_db: mean 10 log10(E_side / E_mid). target_lufs: normalized loudness.\n";
  s += "version 1\n";
  s += "target_lufs " + fixed(stats.target_lufs, 6) + "\n";
  s += "side_mid_ratio_db " + fixed(stats.side_mid_ratio_db, 6) + "\n";
  s += "bands " + std::to_string(stats.band_hz.size()) + "\n";
  s += "# band_hz band_db\n";
  for (std::size_t b = 0; b < stats.band_hz.size(); ++b) {
    const double db = b < stats.band_db.size() ? stats.band_db[b] : 0.0;
    s += fixed(stats.band_hz[b], 6) + " " + fixed(db, 6) + "\n";
  }
  return s;
}

FxNormStats parse_fxnorm_stats(const std::string& text) {
  FxNormStats stats;
  bool has_version = false, has_target = false, has_ratio = false;
  long expected_bands = -1;
  std::istringstream in(text);
  int line_no = 0;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error("fxnorm stats line " + std::to_string(line_no) + ": " + what);
  };
  for (std::string raw; std::getline(in, raw);) {
    ++line_no;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> w = split_words(line);
    if (expected_bands >= 0 && static_cast<long>(stats.band_hz.size()) < expected_bands) {
      if (w.size() != 2) fail("expected 'band_hz band_db', got '" + line + "'");
      const double hz = parse_number(w[0], line_no);
      if (hz <= 0.0) fail("band frequency must be positive");
      if (!stats.band_hz.empty() && hz <= stats.band_hz.back()) fail("band frequencies must increase");
      stats.band_hz.push_back(hz);
      stats.band_db.push_back(parse_number(w[1], line_no));
      continue;
    }
    if (w.size() != 2) fail("expected 'key value', got '" + line + "'");
    const std::string& key = w[0];
    if (key == "version") {
      if (w[1] != "1") fail("unsupported version '" + w[1] + "'");
      has_version = true;
    } else if (key == "target_lufs") {
      stats.target_lufs = parse_number(w[1], line_no);
      has_target = true;
    } else if (key == "side_mid_ratio_db") {
      stats.side_mid_ratio_db = parse_number(w[1], line_no);
      has_ratio = true;
    } else if (key == "bands") {
      if (expected_bands >= 0) fail("'bands' given twice");
      const double n = parse_number(w[1], line_no);
      if (n < 1 || n > 1000 || n != std::floor(n)) fail("band count must be an integer 1..1000");
      expected_bands = static_cast<long>(n);
    } else {
      fail("unknown key '" + key + "'");
    }
  }
  if (!has_version) throw std::runtime_error("fxnorm stats: missing 'version'");
  if (!has_target) throw std::runtime_error("fxnorm stats: missing 'target_lufs'");
  if (!has_ratio) throw std::runtime_error("fxnorm stats: missing 'side_mid_ratio_db'");
  if (expected_bands < 0) throw std::runtime_error("fxnorm stats: missing 'bands'");
  if (static_cast<long>(stats.band_hz.size()) != expected_bands)
    throw std::runtime_error("fxnorm stats: expected " + std::to_string(expected_bands) + " bands, found " +
                             std::to_string(stats.band_hz.size()));
  return stats;
}

// --- Measurement -------------------------------------------------------------------

std::vector<double> long_term_band_db(const Stereo& x, double fs, const std::vector<double>& band_hz) {
  const std::vector<double> power = mid_power_spectrum(x);
  const double bin_hz = fs / kSpectrumFft;
  const int last_bin = kSpectrumFft / 2;
  const double edge = band_edge_factor();

  std::vector<double> band_power(band_hz.size(), 0.0);
  for (std::size_t b = 0; b < band_hz.size(); ++b) {
    const int lo = static_cast<int>(std::ceil(band_hz[b] / edge / bin_hz));
    const int hi = static_cast<int>(std::ceil(band_hz[b] * edge / bin_hz));  // exclusive
    int count = 0;
    for (int k = std::max(lo, 0); k < std::min(hi, last_bin + 1); ++k, ++count) band_power[b] += power[k];
    if (count == 0) band_power[b] = power[std::clamp(static_cast<int>(std::lround(band_hz[b] / bin_hz)), 0, last_bin)];
  }

  const double strongest = band_power.empty() ? 0.0 : *std::max_element(band_power.begin(), band_power.end());
  std::vector<double> db(band_hz.size(), 0.0);
  if (!(strongest > 0.0)) return db;  // silence: no shape
  const double floor = strongest * std::pow(10.0, kBandFloorDb / 10.0);
  double mean = 0.0;
  for (std::size_t b = 0; b < db.size(); ++b) {
    db[b] = 10.0 * std::log10(std::max(band_power[b], floor));
    mean += db[b];
  }
  mean /= static_cast<double>(db.size());
  for (double& v : db) v -= mean;
  return db;
}

double side_mid_ratio_db(const Stereo& x) {
  double e_mid = 0.0, e_side = 0.0;
  for (std::size_t i = 0; i < x.frames(); ++i) {
    const double l = x.l[i], r = x.r[i];
    e_mid += 0.5 * (l + r) * (l + r);
    e_side += 0.5 * (l - r) * (l - r);
  }
  if (e_mid == 0.0 && e_side == 0.0) return 0.0;
  if (e_side == 0.0) return -INFINITY;
  if (e_mid == 0.0) return INFINITY;
  return 10.0 * std::log10(e_side / e_mid);
}

// --- Normalization -------------------------------------------------------------------

namespace {

void scale_side(Stereo& y, double gain_db) {
  const float g = static_cast<float>(db_to_lin(gain_db));
  for (std::size_t i = 0; i < y.frames(); ++i) {
    const float mid = 0.5f * (y.l[i] + y.r[i]);
    const float side = 0.5f * (y.l[i] - y.r[i]) * g;
    y.l[i] = mid + side;
    y.r[i] = mid - side;
  }
}

void scale(Stereo& y, double gain_db) {
  const float g = static_cast<float>(db_to_lin(gain_db));
  for (std::size_t i = 0; i < y.frames(); ++i) {
    y.l[i] *= g;
    y.r[i] *= g;
  }
}

}  // namespace

Stereo apply_fx_normalization(const Stereo& x, double fs, const FxNormReport& rep) {
  if (rep.eq_correction_db.size() != rep.band_hz.size())
    throw std::invalid_argument("apply_fx_normalization: one correction per band");
  if (x.empty() || signal_energy(x) == 0.0) return x;
  Stereo y = apply_eq(x, fs, rep.band_hz, rep.eq_correction_db);
  if (rep.side_gain_db != 0.0) scale_side(y, rep.side_gain_db);
  if (rep.loudness_gain_db != 0.0) scale(y, rep.loudness_gain_db);
  return y;
}

Stereo fx_normalize(const Stereo& x, double fs, const FxNormStats& stats, FxNormReport* report) {
  if (stats.band_hz.empty() || stats.band_hz.size() != stats.band_db.size())
    throw std::invalid_argument("fx_normalize: stats need as many band levels as band frequencies");
  FxNormReport rep;
  rep.band_hz = stats.band_hz;
  rep.eq_correction_db.assign(stats.band_hz.size(), 0.0);
  if (x.empty() || signal_energy(x) == 0.0) {  // digital silence: nothing to measure
    if (report) *report = rep;
    return x;
  }

  // 1. EQ toward the corpus shape.
  const std::vector<double> shape = long_term_band_db(x, fs, stats.band_hz);
  std::vector<double> corr(shape.size());
  for (std::size_t b = 0; b < corr.size(); ++b) corr[b] = stats.band_db[b] - shape[b];
  corr = smooth_across_bands(std::move(corr));
  for (double& c : corr) c = std::clamp(c, -kFxNormMaxCorrectionDb, kFxNormMaxCorrectionDb);
  rep.eq_correction_db = corr;
  Stereo y = apply_eq(x, fs, stats.band_hz, corr);

  // 2. Stereo image: scale the side amplitude by g, which moves the ratio by 20 log10 g
  // (measured after the EQ). An exactly mono signal has no side and is left alone.
  const double ratio = side_mid_ratio_db(y);
  if (ratio != -INFINITY) {
    rep.side_gain_db =
        std::clamp(stats.side_mid_ratio_db - ratio, -kFxNormMaxCorrectionDb, kFxNormMaxCorrectionDb);
    scale_side(y, rep.side_gain_db);
  }

  // 3. Loudness, without limiting.
  const double lufs = integrated_loudness(y, fs);
  if (std::isfinite(lufs)) {
    rep.loudness_gain_db = stats.target_lufs - lufs;
    scale(y, rep.loudness_gain_db);
  }
  if (report) *report = std::move(rep);
  return y;
}

}  // namespace ito

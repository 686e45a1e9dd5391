#include "analysis/loudness.h"

#include <algorithm>
#include <cstddef>

namespace ito {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kAbsoluteGateLufs = -70.0;
constexpr double kIntegratedRelativeGateLu = -10.0;
constexpr double kRangeRelativeGateLu = -20.0;

double energy_to_lufs(double mean_square) { return -0.691 + 10.0 * std::log10(mean_square); }
double lufs_to_energy(double lufs) { return std::pow(10.0, (lufs + 0.691) / 10.0); }

// Samples in the 100 ms step all block lengths are built from.
std::size_t step_samples(double fs) { return static_cast<std::size_t>(std::lround(fs * 0.1)); }

// K-weighted energy (sum over both channels of z^2) of each segment
// [marks[k], marks[k + 1]). marks must be sorted ascending and <= frames.
// Summing per segment (not a running total) keeps quiet windows accurate in long files.
std::vector<double> segment_energies(const Stereo& x, double fs, const std::vector<std::size_t>& marks) {
  std::vector<double> out(marks.empty() ? 0 : marks.size() - 1, 0.0);
  if (out.empty()) return out;
  KWeighting kl(fs), kr(fs);
  std::size_t seg = 0;
  double acc = 0.0;
  const std::size_t end = marks.back();
  for (std::size_t i = 0; i < end; ++i) {
    while (i == marks[seg + 1]) {  // close every segment ending here
      out[seg++] = acc;
      acc = 0.0;
    }
    const double zl = kl(x.l[i]);
    const double zr = kr(x.r[i]);
    if (i >= marks[0]) acc += zl * zl + zr * zr;
  }
  while (seg < out.size()) {
    out[seg++] = acc;
    acc = 0.0;
  }
  return out;
}

// Mean-square energies of windows of `window_steps` steps starting every `hop_steps` steps,
// complete windows only, from the energies of consecutive steps of `step` samples.
std::vector<double> window_energies(const std::vector<double>& steps, std::size_t step, std::size_t window_steps,
                                    std::size_t hop_steps) {
  std::vector<double> out;
  for (std::size_t first = 0; first + window_steps <= steps.size(); first += hop_steps) {
    double e = 0.0;
    for (std::size_t k = first; k < first + window_steps; ++k) e += steps[k];
    out.push_back(e / static_cast<double>(window_steps * step));
  }
  return out;
}

// The same for x, with steps of 100 ms (LoudnessMeter's).
std::vector<double> stepped_window_energies(const Stereo& x, double fs, std::size_t window_steps,
                                            std::size_t hop_steps) {
  LoudnessMeter meter(fs);
  meter.add(x.l.data(), x.r.data(), x.frames());
  return window_energies(meter.step_energies(), step_samples(fs), window_steps, hop_steps);
}

// Loudness of windows of `window_s` seconds every hop_s seconds.
std::vector<double> windowed_loudness(const Stereo& x, double fs, double window_s, double hop_s) {
  const std::size_t window = static_cast<std::size_t>(std::lround(window_s * 10.0)) * step_samples(fs);
  const std::size_t hop = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(hop_s * fs)));
  const std::size_t n = x.frames();
  if (window == 0 || n < window) return {};
  const std::size_t count = (n - window) / hop + 1;
  // Segment boundaries: every window start and end.
  std::vector<std::size_t> marks;
  marks.reserve(2 * count);
  for (std::size_t k = 0; k < count; ++k) {
    marks.push_back(k * hop);
    marks.push_back(k * hop + window);
  }
  std::sort(marks.begin(), marks.end());
  marks.erase(std::unique(marks.begin(), marks.end()), marks.end());
  const std::vector<double> seg = segment_energies(x, fs, marks);
  std::vector<double> out(count);
  std::size_t first = 0;  // index of the mark at the window start
  for (std::size_t k = 0; k < count; ++k) {
    while (marks[first] < k * hop) ++first;
    double e = 0.0;
    for (std::size_t s = first; marks[s] < k * hop + window; ++s) e += seg[s];
    out[k] = energy_to_lufs(e / static_cast<double>(window));  // log10(0) = -inf
  }
  return out;
}

}  // namespace

std::array<BiquadCoeffs, 2> k_weighting_filters(double fs) {
  // Analog prototype parameters that reproduce BS.1770's 48 kHz coefficients
  // (the derivation used by libebur128).
  std::array<BiquadCoeffs, 2> f;
  {  // Stage 1: high shelf, +4 dB above ~1.7 kHz (head acoustics).
    const double f0 = 1681.974450955533, gain_db = 3.999843853973347, q = 0.7071752369554196;
    const double k = std::tan(kPi * f0 / fs);
    const double vh = std::pow(10.0, gain_db / 20.0);
    const double vb = std::pow(vh, 0.4996667741545416);
    const double a0 = 1.0 + k / q + k * k;
    f[0] = {(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
            2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0};
  }
  {  // Stage 2: RLB high pass at ~38 Hz.
    const double f0 = 38.13547087602444, q = 0.5003270373238773;
    const double k = std::tan(kPi * f0 / fs);
    const double a0 = 1.0 + k / q + k * k;
    f[1] = {1.0, -2.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0};
  }
  return f;
}

namespace {

// Which 400 ms blocks pass the absolute and the relative gate of BS.1770-4.
std::vector<bool> gated_blocks(const std::vector<double>& blocks) {
  const double abs_gate = lufs_to_energy(kAbsoluteGateLufs);
  double sum = 0.0;
  std::size_t count = 0;
  for (double e : blocks)
    if (e >= abs_gate) sum += e, ++count;
  std::vector<bool> pass(blocks.size(), false);
  if (count == 0) return pass;
  const double rel_gate = sum / count * std::pow(10.0, kIntegratedRelativeGateLu / 10.0);
  for (std::size_t j = 0; j < blocks.size(); ++j) pass[j] = blocks[j] >= abs_gate && blocks[j] >= rel_gate;
  return pass;
}

}  // namespace

LoudnessMeter::LoudnessMeter(double fs) : kl_(fs), kr_(fs), fs_(fs), step_(step_samples(fs)) {}

void LoudnessMeter::add(const float* l, const float* r, std::size_t n) {
  if (step_ == 0) return;
  for (std::size_t i = 0; i < n; ++i) {  // as segment_energies: a sum per step, in order
    const double zl = kl_(l[i]);
    const double zr = kr_(r[i]);
    acc_ += zl * zl + zr * zr;
    if (++in_step_ == step_) {
      steps_.push_back(acc_);
      acc_ = 0.0;
      in_step_ = 0;
    }
  }
}

std::size_t loudness_step_samples(double fs) { return step_samples(fs); }

GatedSteps gate_steps(const std::vector<double>& step_energies, double fs) {
  const std::size_t step = step_samples(fs);
  const std::vector<double> blocks = window_energies(step_energies, step, 4, 1);  // 400 ms every 100 ms
  const std::vector<bool> pass = gated_blocks(blocks);
  GatedSteps out;
  out.weights.assign(step_energies.size(), 0.0);
  double gated = 0.0;
  std::size_t kept = 0;
  for (std::size_t j = 0; j < blocks.size(); ++j)
    if (pass[j]) gated += blocks[j], ++kept;
  if (kept == 0) return out;
  out.lufs = energy_to_lufs(gated / kept);
  // Block j spans steps j..j+3; each passing block weighs its samples by 1 / (kept * block length).
  const double unit = 1.0 / (static_cast<double>(kept) * 4.0 * step);
  for (std::size_t j = 0; j < blocks.size(); ++j)
    if (pass[j])
      for (std::size_t s = j; s < j + 4; ++s) out.weights[s] += unit;
  return out;
}

double LoudnessMeter::integrated() const { return gate_steps(steps_, fs_).lufs; }

double integrated_loudness(const Stereo& x, double fs) {
  LoudnessMeter meter(fs);
  meter.add(x.l.data(), x.r.data(), x.frames());
  return meter.integrated();
}

double loudness_range(const Stereo& x, double fs) {
  const double abs_gate = lufs_to_energy(kAbsoluteGateLufs);
  std::vector<double> blocks;
  for (double e : stepped_window_energies(x, fs, 30, 10))
    if (e >= abs_gate) blocks.push_back(e);
  if (blocks.empty()) return 0.0;
  double mean = 0.0;
  for (double e : blocks) mean += e;
  mean /= static_cast<double>(blocks.size());
  const double rel_gate = mean * std::pow(10.0, kRangeRelativeGateLu / 10.0);
  std::sort(blocks.begin(), blocks.end());
  const auto first = std::lower_bound(blocks.begin(), blocks.end(), rel_gate);
  const std::size_t lo = static_cast<std::size_t>(first - blocks.begin());
  const std::size_t n = blocks.size() - lo;
  if (n == 0) return 0.0;
  // Nearest-rank percentiles, as libebur128 takes them.
  const auto percentile = [&](double p) {
    return blocks[lo + static_cast<std::size_t>(static_cast<double>(n - 1) * p + 0.5)];
  };
  return energy_to_lufs(percentile(0.95)) - energy_to_lufs(percentile(0.10));
}

std::vector<double> momentary_loudness(const Stereo& x, double fs, double hop_s) {
  return windowed_loudness(x, fs, 0.4, hop_s);
}

std::vector<double> short_term_loudness(const Stereo& x, double fs, double hop_s) {
  return windowed_loudness(x, fs, 3.0, hop_s);
}

}  // namespace ito

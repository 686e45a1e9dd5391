#include "analysis/true_peak.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "analysis/loudness.h"
#include "core/parallel.h"

namespace ito {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr std::size_t kBlock = 1024;  // frames interpolated per block
constexpr std::size_t kGroup = 8;     // outputs computed together (2 x 4 lanes)

// BS.1770-4's factors, which libebur128 uses: 4x below 96 kHz, 2x below 192 kHz, none above.
int bs1770_factor(double fs) { return fs < 96000.0 ? 4 : (fs < 192000.0 ? 2 : 1); }
// Ours, finer: a 4x grid under-reads a peak between its points by up to 0.7 dB for
// content near Nyquist (0.15 dB measured on a real master); 8x plus the parabolic
// refinement below leaves thousandths of a dB.
int precise_factor(double fs) { return fs < 192000.0 ? 8 : 4; }

double bessel_i0(double x) {
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 50; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

// The fractional-delay filters of one polyphase interpolator: phase p
// (1 <= p < factor) computes y(n + p/factor) from x[n - half + 1] .. x[n + half],
// so phases p and factor - p mirror each other (phase 0 is the sample itself).
struct PhaseFilters {
  int factor = 1;
  int half = 0;
  std::vector<float> coef;  // phase p's 2 * half taps start at (p - 1) * 2 * half

  const float* phase(int p) const { return coef.data() + (p - 1) * 2 * half; }
};

// window(t) for t = distance in input samples; the sinc cuts off at Nyquist.
template <class Window>
PhaseFilters design(int factor, int half, bool unit_dc, Window window) {
  PhaseFilters f;
  f.factor = factor;
  f.half = half;
  for (int p = 1; p < factor; ++p) {
    std::vector<double> c(2 * half);
    double sum = 0.0;
    for (int tap = 0; tap < 2 * half; ++tap) {
      const double t = static_cast<double>(p) / factor - (tap - half + 1);  // never an integer
      c[tap] = std::sin(kPi * t) / (kPi * t) * window(t);
      sum += c[tap];
    }
    for (double v : c) f.coef.push_back(static_cast<float>(unit_dc ? v / sum : v));
  }
  return f;
}

// A Kaiser-windowed (beta 5) sinc reaching `half` input samples on each side, unit DC
// gain per phase.
PhaseFilters kaiser_sinc(int factor, int half) {
  const double beta = 5.0;
  return design(factor, half, true, [=](double t) {
    const double r = t / half;
    return bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / bessel_i0(beta);
  });
}

// Ours: 64 taps per phase; flat within 0.03 dB up to 0.47 fs.
const PhaseFilters& precise_filters(int factor) {
  static const PhaseFilters x8 = kaiser_sinc(8, 32), x4 = kaiser_sinc(4, 32), x2 = kaiser_sinc(2, 32);
  return factor == 8 ? x8 : (factor == 4 ? x4 : x2);
}

// The short interpolator common meters use (BS.1770-4 Annex 2 style, as in
// libebur128): a Hann-windowed sinc of 49 taps at the oversampled rate. It
// rolls off from ~0.4 fs and rings differently on bright material, so on
// content near Nyquist the two readings differ either way by tenths of a dB.
const PhaseFilters& bs1770_filters(int factor) {
  static const auto make = [](int l) {
    const double reach = 24.0 / l;  // window half-length in input samples
    return design(l, static_cast<int>(reach), false, [=](double t) {
      return std::abs(t) >= reach ? 0.0 : 0.5 * (1.0 + std::cos(kPi * t / reach));
    });
  };
  static const PhaseFilters x4 = make(4), x2 = make(2);
  return factor == 4 ? x4 : x2;
}

// The interpolator of scipy.signal.resample_poly(x, factor, 1), a common 8x reference
// meter: the same window reaching 10 input samples, cut at Nyquist. Its transition band
// straddles Nyquist, so on content there it reads above the ideal waveform (tenths of a
// dB on a limited bright master), where ours reads it.
const PhaseFilters& resample_poly_filters(int factor) {
  static const PhaseFilters x8 = kaiser_sinc(8, 10), x4 = kaiser_sinc(4, 10), x2 = kaiser_sinc(2, 10);
  return factor == 8 ? x8 : (factor == 4 ? x4 : x2);
}

// Four floats in SIMD lanes (GCC/Clang vector extension; Emscripten maps it to
// wasm simd128). Plain loops here get vectorized along the taps instead, with a
// slow in-order horizontal sum.
typedef float Lanes __attribute__((vector_size(16)));

Lanes load_lanes(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

constexpr int kMaxHalf = 32;  // the widest filter's reach

// Runs f's phases over the `count` outputs whose inputs start at buf[kMaxHalf - f.half]
// (count a multiple of kGroup): emit(p, i, lo, hi) gets y(i + j + p/factor) for j = 0..7
// of phase p, in two groups of four lanes.
template <class Emit>
void for_each_phase_output(const PhaseFilters& f, const float* buf, std::size_t count, Emit emit) {
  const int taps = 2 * f.half;
  const float* base = buf + (kMaxHalf - f.half);
  for (int p = 1; p < f.factor; ++p) {
    const float* c = f.phase(p);
    for (std::size_t i = 0; i < count; i += kGroup) {
      Lanes acc0 = {}, acc1 = {};
      const float* xp = base + i;
      for (int tap = 0; tap < taps; ++tap) {
        acc0 += c[tap] * load_lanes(xp + tap);
        acc1 += c[tap] * load_lanes(xp + tap + 4);
      }
      emit(p, i, acc0, acc1);
    }
  }
}

// peak[i] = max(peak[i], |y(i + p/factor)|) over the phases of f.
void phase_peaks(const PhaseFilters& f, const float* buf, std::size_t count, float* peak) {
  for_each_phase_output(f, buf, count, [&](int, std::size_t i, Lanes lo, Lanes hi) {
    for (std::size_t j = 0; j < 4; ++j) {
      peak[i + j] = std::max(peak[i + j], std::abs(lo[j]));
      peak[i + 4 + j] = std::max(peak[i + 4 + j], std::abs(hi[j]));
    }
  });
}

// values[(p - 1) * stride + i] = y(i + p/factor) for the phases of f.
void phase_values(const PhaseFilters& f, const float* buf, std::size_t count, float* values, std::size_t stride) {
  for_each_phase_output(f, buf, count, [&](int p, std::size_t i, Lanes lo, Lanes hi) {
    float* out = values + (p - 1) * stride + i;
    std::memcpy(out, &lo, sizeof lo);
    std::memcpy(out + 4, &hi, sizeof hi);
  });
}

// Which peaks of the parabolas refine_peaks counts: all of them at interpolated points; at a
// sample, only one lying on the interval's side of it (the other belongs to the one before).
enum class Side { Both, After, Before };

// The parabola through (-1, a[k]), (0, b[k]), (1, c[k]) where |b[k]| is a local maximum of
// the three: its peak, the waveform's peak between grid points to within thousandths of a dB
// on an 8x grid. best[k] = max(best[k], that peak, and |b[k]| itself unless b is a sample).
// Four k at a time in SIMD lanes without branches; `count` is rounded up to a multiple of
// four (the arrays have room).
void refine_peaks(const float* a, const float* b, const float* c, std::size_t count, Side side, float* best) {
  typedef int Mask __attribute__((vector_size(16)));
  const Lanes zero = {}, minus_one = zero - 1.0f;
  for (std::size_t k = 0; k < count; k += 4) {
    const Lanes bk = load_lanes(b + k);
    const Lanes sign = bk < zero ? minus_one : zero + 1.0f;
    const Lanes l = sign * load_lanes(a + k), m = sign * bk, r = sign * load_lanes(c + k);
    const Lanes curvature = l - 2.0f * m + r;
    const Mask local_max = (l <= m) & (r <= m) & (curvature < zero);
    const Lanes offset = 0.5f * (l - r) / (local_max ? curvature : minus_one);  // within [-1/2, 1/2]
    const Lanes vertex = m - 0.25f * (l - r) * offset;
    const Mask counts = side == Side::Both ? local_max : local_max & (side == Side::After ? offset > zero : offset < zero);
    Lanes found = counts ? vertex : (side == Side::Both ? m : zero);
    Lanes current = load_lanes(best + k);
    found = found > current ? found : current;
    std::memcpy(best + k, &found, sizeof found);
  }
}

// Calls visit(i, peak) for i = 0..n-1 in order, where peak is the largest
// |interpolated value| strictly between samples i and i + 1 (zeros outside),
// the largest of the three meters' readings (ours with its parabolic refinement).
// Only for i in [first, last) when given (the same values: each depends on x alone).
template <class Visit>
void for_each_intersample_peak(const float* x, std::size_t n, double fs, Visit visit, std::size_t first,
                               std::size_t last) {
  const PhaseFilters& precise = precise_filters(precise_factor(fs));
  const int factor = precise.factor;
  const int bs1770 = bs1770_factor(fs);
  const PhaseFilters* bs1770_meter = bs1770 > 1 ? &bs1770_filters(bs1770) : nullptr;
  const PhaseFilters& resample_poly_meter = resample_poly_filters(factor);
  constexpr std::size_t kStride = kBlock + 2 * kGroup;
  constexpr std::ptrdiff_t kBefore = kMaxHalf;  // history samples a block needs, with one interval before it
  std::vector<float> buf(kStride + 2 * kMaxHalf);
  std::vector<float> values((factor - 1) * kStride);
  std::vector<float> peak(kStride);
  for (std::size_t start = first; start < last; start += kBlock) {
    const std::size_t len = std::min(kBlock, last - start);
    // Outputs k = 0..len + 1 are the intervals after samples start - 1 + k: the ones
    // before and after the block give the grid points beside its end samples.
    const std::size_t padded = (len + 2 + kGroup - 1) / kGroup * kGroup;
    // buf[m] = x[start - kBefore + m], zero outside the signal.
    for (std::size_t m = 0; m < padded + 2 * kMaxHalf - 1; ++m) {
      const std::ptrdiff_t src = static_cast<std::ptrdiff_t>(start + m) - kBefore;
      buf[m] = (src >= 0 && static_cast<std::size_t>(src) < n) ? x[src] : 0.0f;
    }
    phase_values(precise, buf.data(), padded, values.data(), kStride);
    std::fill(peak.begin(), peak.end(), 0.0f);
    if (bs1770_meter) phase_peaks(*bs1770_meter, buf.data(), padded, peak.data());
    phase_peaks(resample_poly_meter, buf.data(), padded, peak.data());
    // The grid in order, row j at output k: the point before sample i = start - 1 + k,
    // sample i, the interpolated points, sample i + 1, the point after it.
    const float* sample = buf.data() + kMaxHalf - 1;  // sample[k] = x[start - 1 + k]
    const auto row = [&](int j) -> const float* {
      if (j == 0) return values.data() + (factor - 2) * kStride - 1;
      if (j == 1) return sample;
      if (j <= factor) return values.data() + (j - 2) * kStride;
      return j == factor + 1 ? sample + 1 : values.data() + 1;
    };
    float* best = peak.data() + 1;  // intervals k = 1..len
    const std::size_t lanes = (len + 3) / 4 * 4;  // the buffers reach that far
    refine_peaks(row(0) + 1, row(1) + 1, row(2) + 1, lanes, Side::After, best);
    for (int j = 2; j <= factor; ++j) refine_peaks(row(j - 1) + 1, row(j) + 1, row(j + 1) + 1, lanes, Side::Both, best);
    refine_peaks(row(factor) + 1, row(factor + 1) + 1, row(factor + 2) + 1, lanes, Side::Before, best);
    for (std::size_t k = 1; k <= len; ++k) visit(start - 1 + k, peak[k]);
  }
}

// A signal that ends abruptly rings on after its last sample, as a player's
// reconstruction filter renders it: the intervals up to kTail samples after the end
// count (zeros there).
constexpr std::size_t kTail = kMaxHalf;

template <class Visit>
void dispatch(const float* x, std::size_t n, double fs, Visit visit, std::size_t first = 0,
              std::size_t last = SIZE_MAX) {
  for_each_intersample_peak(x, n, fs, visit, first, std::min(last, n + kTail));
}

double channel_true_peak(const float* x, std::size_t n, double fs) {
  float peak = 0.0f;
  for (std::size_t i = 0; i < n; ++i) peak = std::max(peak, std::abs(x[i]));
  dispatch(x, n, fs, [&](std::size_t, float p) { peak = std::max(peak, p); });
  return peak;
}

}  // namespace

double true_peak(const Stereo& x, double fs) {
  double peak[2] = {};
  parallel_for(2, [&](int c) { peak[c] = channel_true_peak(x.channel(c), x.frames(), fs); });  // independent
  return std::max(peak[0], peak[1]);
}

double true_peak_dbtp(const Stereo& x, double fs) { return lin_to_db(true_peak(x, fs)); }

std::vector<float> true_peak_envelope(const float* x, std::size_t n, double fs) {
  return true_peak_envelope(x, n, fs, 0, n);
}

std::vector<float> true_peak_envelope(const float* x, std::size_t n, double fs, std::size_t begin,
                                      std::size_t end) {
  std::vector<float> tp(end - begin);
  if (end <= begin) return tp;
  for (std::size_t i = begin; i < end; ++i) tp[i - begin] = std::abs(x[i]);
  // The intervals after samples begin - 1 .. end - 1: each touches the samples on both
  // sides. The ringing after the signal's end belongs to its last sample.
  dispatch(x, n, fs, [&](std::size_t i, float p) {
    if (i >= begin) tp[std::min(i, end - 1) - begin] = std::max(tp[std::min(i, end - 1) - begin], p);  // after i
    if (i + 1 < end) tp[i + 1 - begin] = std::max(tp[i + 1 - begin], p);  // before sample i + 1
  }, begin > 0 ? begin - 1 : 0, end == n ? SIZE_MAX : end);
  return tp;
}

void TruePeakMeter::add(const float* l, const float* r, std::size_t n) {
  for (int c = 0; c < 2; ++c) {
    const float* x = c ? r : l;
    for (std::size_t i = 0; i < n; ++i) peak_ = std::max(peak_, std::abs(x[i]));
    buf_[c].insert(buf_[c].end(), x, x + n);
  }
  // The interval after sample i needs samples up to i + kMaxHalf.
  const std::size_t end = base_ + buf_[0].size();
  if (end > done_ + kMaxHalf + 8 * kBlock) evaluate(end - kMaxHalf);
}

double TruePeakMeter::finish() {
  evaluate(base_ + buf_[0].size() + kTail);  // zeros after the end, as true_peak() has
  return peak_;
}

void TruePeakMeter::evaluate(std::size_t last) {
  if (last <= done_) return;
  const std::size_t n = buf_[0].size();
  // Each interval's values depend on the samples around it alone (zeros before the signal's
  // start, which is buf_'s start while base_ == 0), so evaluating in pieces changes nothing.
  float peak[2] = {peak_, peak_};
  parallel_for(2, [&](int c) {  // the channels are independent
    dispatch(buf_[c].data(), n, fs_, [&](std::size_t, float p) { peak[c] = std::max(peak[c], p); }, done_ - base_,
             last - base_);
  });
  peak_ = std::max(peak[0], peak[1]);
  done_ = last;
  // Keep the context the next intervals need: kMaxHalf samples before done_.
  const std::size_t keep_from = done_ > kMaxHalf ? done_ - kMaxHalf : 0;
  if (keep_from > base_) {
    for (auto& b : buf_) b.erase(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(keep_from - base_));
    base_ = keep_from;
  }
}

}  // namespace ito

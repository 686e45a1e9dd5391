// True peak: the peak of the signal between its samples, read conservatively.
//
// Meters disagree on content near Nyquist, where their interpolators differ, by
// tenths of a dB on a heavily limited bright master. So three interpolators run side by
// side and the largest reading counts:
//  - ours: 64 taps per phase, Kaiser-windowed sinc, flat within 0.03 dB up to
//    0.47 fs, on an 8x grid below 96 kHz (4x below 192 kHz, 2x above), with the
//    peak between grid points refined by a parabola: close to the ideal band-limited
//    waveform's peak;
//  - the short Hann-windowed sinc of BS.1770-4 meters such as libebur128, at BS.1770's
//    4x (2x, none), which rolls off early but rings differently on bright material;
//  - scipy's resample_poly on our grid, a common 8x reference, whose transition band
//    straddles Nyquist and reads above the ideal waveform there.
// BS.1770's 4x grid alone under-reads peaks formed by bright content (by 0.15 dB on a
// real master). With the largest of the three, a limiter driven by this meter stays
// under its ceiling on any of these meters (tests/true_peak_ceiling_test.cpp).
#pragma once
#include <cstddef>
#include <vector>

#include "core/stereo.h"

namespace ito {

// Linear true peak: max over both channels of |oversampled x| (raw samples included).
double true_peak(const Stereo& x, double fs);

// The same in dBTP (-INFINITY for silence).
double true_peak_dbtp(const Stereo& x, double fs);

// Per-sample true-peak envelope of one channel: tp[n] = max(|x[n]|, |y(t)|) over
// the interpolated points t strictly between n - 1 and n + 1, so a gain that
// holds every tp[n] under a ceiling also covers the intervals on both sides of
// each sample. Used by the look-ahead limiter.
std::vector<float> true_peak_envelope(const float* x, std::size_t n, double fs);
// The same for samples [begin, end) only (the rest of x is their context): a long signal's
// envelope in parts, with bounded scratch.
std::vector<float> true_peak_envelope(const float* x, std::size_t n, double fs, std::size_t begin,
                                      std::size_t end);

// true_peak() of a signal fed in consecutive blocks: the same value, holding a few
// thousand samples of it instead of all of it (the final stage measures its output this way
// before it writes it).
class TruePeakMeter {
 public:
  explicit TruePeakMeter(double fs) : fs_(fs) {}
  void add(const float* l, const float* r, std::size_t n);
  // The true peak of everything added, as if the signal ended there; call it once, last.
  double finish();

 private:
  void evaluate(std::size_t last);  // the intervals after samples [done_, last)

  double fs_;
  std::vector<float> buf_[2];  // samples [base_, base_ + buf_[0].size()) of the signal
  std::size_t base_ = 0, done_ = 0;
  float peak_ = 0.0f;
};

}  // namespace ito

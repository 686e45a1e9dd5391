// The final stage's true-peak ceiling, read by meters that are not ours: libebur128's
// true peak and an 8x oversampling as scipy's resample_poly does it. Loud targets on
// material whose inter-sample peaks are hard to catch: clipped square waves, a dense
// EDM-like mix, clicks and tones near Nyquist, at 44.1, 48 and 96 kHz.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "analysis/loudness.h"
#include "analysis/true_peak.h"
#include "master/finalize.h"
#include "libebur128_reference.h"
#include "test_signals.h"

namespace ito {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Peak of each channel upsampled 8x the way scipy.signal.resample_poly(x, 8, 1) does
// it (a common reference meter, designed unlike ours): zero-stuffing, then a 161-tap
// Kaiser (beta 5) low-pass cut at the original Nyquist, DC gain 8. Raw samples included.
double resample_poly_8x_peak(const Stereo& x) {
  constexpr int kUp = 8, kHalf = 10 * kUp, kTaps = 2 * kHalf + 1;
  const auto bessel_i0 = [](double v) {
    double sum = 1, term = 1;
    for (int k = 1; k < 60; ++k) sum += (term *= (v / (2.0 * k)) * (v / (2.0 * k)));
    return sum;
  };
  std::vector<double> h(kTaps);
  double dc = 0;
  for (int k = 0; k < kTaps; ++k) {
    const double t = (k - kHalf) / static_cast<double>(kUp);
    const double r = static_cast<double>(k - kHalf) / kHalf;
    const double sinc = t == 0 ? 1.0 : std::sin(kPi * t) / (kPi * t);
    dc += (h[k] = sinc * bessel_i0(5.0 * std::sqrt(std::max(0.0, 1 - r * r))) / bessel_i0(5.0));
  }
  for (double& v : h) v *= kUp / dc;
  double peak = 0;
  for (int c = 0; c < 2; ++c) {
    const float* in = x.channel(c);
    const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(x.frames());
    for (std::ptrdiff_t i = 0; i < n; ++i) peak = std::max(peak, static_cast<double>(std::abs(in[i])));
    // Output m = kUp * i + p sums h[p + kUp * j] * x[i - j]: time i - kHalf / kUp + p / kUp.
    // From the first sample on, as scipy's output starts there, to the ringing after the end.
    for (std::ptrdiff_t i = kHalf / kUp; i < n + kTaps / kUp; ++i)
      for (int p = 0; p < kUp; ++p) {
        double acc = 0;
        for (int tap = p, j = 0; tap < kTaps; tap += kUp, ++j)
          if (i - j >= 0 && i - j < n) acc += h[tap] * in[i - j];
        peak = std::max(peak, std::abs(acc));
      }
  }
  return peak;
}

float naive_square(double phase) { return std::fmod(phase, 1.0) < 0.5 ? 1.0f : -1.0f; }
float naive_saw(double phase) { return static_cast<float>(2.0 * std::fmod(phase, 1.0) - 1.0); }

// Square waves hard-clipped again: flat tops with aliased edges, as from an
// over-driven master.
Stereo clipped_squares(std::size_t n, double fs) {
  Stereo x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = i / fs;
    const float v = 0.5f * naive_square(110.0 * t) + 0.4f * naive_square(441.7 * t) + 0.2f * naive_saw(1234.5 * t);
    x.l[i] = std::clamp(v, -0.6f, 0.6f);
    x.r[i] = std::clamp(0.9f * v + 0.1f * naive_square(220.3 * t), -0.6f, 0.6f);
  }
  return x;
}

// Kick every half second, a saw bass, a detuned-saw chord and bright hats on sixteenths.
Stereo dense_edm(std::size_t n, double fs) {
  Stereo x(n);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> noise(-1.0f, 1.0f);
  const double chord[] = {220.0, 277.18, 329.63};
  float previous_noise = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = i / fs;
    const double beat = std::fmod(t, 0.5);
    const double kick = std::sin(2 * kPi * (50.0 * beat + 25.0 * (1 - std::exp(-beat * 30)))) * std::exp(-beat * 8);
    const double bass = 0.3 * naive_saw(55.0 * t);
    double pad_l = 0, pad_r = 0;
    for (double f : chord)
      for (int v = -3; v <= 3; ++v) {
        pad_l += naive_saw(f * (1 + 0.003 * v) * t + 0.1 * v);
        pad_r += naive_saw(f * (1 - 0.003 * v) * t + 0.2 * v);
      }
    const double sixteenth = std::fmod(t, 0.125);
    const float white = noise(rng);
    const double hat = (white - previous_noise) * std::exp(-sixteenth * 60);  // differenced: bright
    previous_noise = white;
    x.l[i] = static_cast<float>(0.5 * kick + bass + 0.03 * pad_l + 0.25 * hat);
    x.r[i] = static_cast<float>(0.5 * kick + bass + 0.03 * pad_r + 0.2 * hat);
  }
  return x;
}

// Single-sample clicks, alternating-sign bursts at Nyquist and a tone at 0.43 fs over a mix.
Stereo near_nyquist(std::size_t n, double fs) {
  Stereo x = testing::music_like(n, 0.4, 3, fs);
  const double tone = 0.43 * fs;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = i / fs;
    const std::size_t period = static_cast<std::size_t>(0.1 * fs);
    float extra = 0;
    if (i % period == 0) extra += 0.7f;                                                 // click
    if (i % (3 * period) < 64) extra += (i & 1) ? -0.3f : 0.3f;                          // Nyquist burst
    if (std::fmod(t, 1.0) < 0.3) extra += static_cast<float>(0.2 * std::sin(2 * kPi * tone * t));
    x.l[i] += extra;
    x.r[i] += 0.8f * extra;
  }
  return x;
}

struct Material {
  const char* name;
  std::function<Stereo(std::size_t, double)> make;
};

TEST(TruePeakCeiling, HoldsUnderIndependentMeters) {
  const Material materials[] = {
      {"clipped squares", clipped_squares},
      {"dense EDM", dense_edm},
      {"near Nyquist", near_nyquist},
      {"music-like", [](std::size_t n, double fs) { return testing::music_like(n, 0.5, 1, fs); }},
  };
  double worst_margin_db = INFINITY;
  for (const double fs : {44100.0, 48000.0, 96000.0}) {
    for (const Material& m : materials) {
      for (const double target : {-14.0, -8.0}) {
        SCOPED_TRACE(std::string(m.name) + " at " + std::to_string(fs) + " Hz, " + std::to_string(target) + " LUFS");
        const Stereo x = m.make(static_cast<std::size_t>(6 * fs), fs);
        FinalizeOptions opt;
        opt.target_lufs = target;
        opt.ceiling_dbtp = -1.0;
        opt.fallback_release_ms = {50.0, 25.0, 12.0};
        FinalizeReport rep{};
        const Stereo y = finalize_master(x, fs, opt, &rep);
        const double ebu = lin_to_db(testing::libebur128_true_peak(y, fs));
        const double x8 = lin_to_db(resample_poly_8x_peak(y));
        std::printf("%-15s %6.0f Hz %5.1f LUFS: reduction %5.2f dB, ours %.3f, libebur128 %.3f, 8x %.3f dBTP\n",
                    m.name, fs, target, rep.max_gain_reduction_db, rep.output_true_peak_dbtp, ebu, x8);
        EXPECT_LE(ebu, opt.ceiling_dbtp);
        EXPECT_LE(x8, opt.ceiling_dbtp);
        worst_margin_db = std::min({worst_margin_db, opt.ceiling_dbtp - ebu, opt.ceiling_dbtp - x8});
      }
    }
  }
  std::printf("worst margin under the ceiling: %.3f dB\n", worst_margin_db);
}

}  // namespace
}  // namespace ito

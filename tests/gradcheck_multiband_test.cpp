// Multiband compressor/expander backward pass against central finite differences,
// for all 21 parameters and the input, on music-like signals with random parameters.
//
// The differences are taken on an independent double-precision implementation of
// the spec (below), with small steps. The float processor itself is not used for
// them: its side chain works per sample, so every zero crossing of a band passes
// through the expander's steep or cusped low end and every crossing of a threshold
// or of the smoothed gain is a kink. The loss is differentiable almost everywhere
// and the backward pass gives its exact derivative, but it is rough on the scale
// of float-sized steps (differences over steps of 1e-3 can be off by tens of
// percent for the crossover frequencies, while steps of 1e-7 in double agree to
// 1e-4). A separate test checks that the float processor computes
// the same function as the reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "dsp/multiband.h"
#include "gradcheck_util.h"

namespace ito {
namespace {

constexpr double kFs = testing::kFs;
constexpr double kPi = 3.14159265358979323846;

using Signal = testing::DoubleStereo;
using testing::to_double;

// RBJ Butterworth section (Q = 1/sqrt 2) in direct form I.
std::vector<double> butterworth(const std::vector<double>& x, double f, bool highpass) {
  const double w0 = 2.0 * kPi * f / kFs, cw = std::cos(w0), alpha = std::sin(w0) / std::sqrt(2.0);
  const double b0 = highpass ? (1 + cw) / 2 : (1 - cw) / 2;
  const double b1 = highpass ? -(1 + cw) : 1 - cw;
  const double b2 = b0, a0 = 1 + alpha, a1 = -2 * cw, a2 = 1 - alpha;
  std::vector<double> y(x.size());
  double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    y[i] = (b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0;
    x2 = x1, x1 = x[i], y2 = y1, y1 = y[i];
  }
  return y;
}

// The spec's multiband processor in double precision, from normalized parameters.
Signal reference_multiband(const std::vector<double>& p, const Signal& x) {
  const int first = processor_params(Processor::Multiband).first;
  auto value = [&](int k) { return denormalize(param_table()[first + k], p[k]); };
  const std::size_t n = x.l.size();
  Signal bands[3];
  for (int c = 0; c < 2; ++c) {
    const std::vector<double>& xc = c == 0 ? x.l : x.r;
    std::vector<double> low = butterworth(butterworth(xc, value(0), false), value(0), false);
    std::vector<double> high = butterworth(butterworth(xc, value(1), true), value(1), true);
    std::vector<double> mid(n);
    for (std::size_t i = 0; i < n; ++i) mid[i] = xc[i] - low[i] - high[i];
    (c == 0 ? bands[0].l : bands[0].r) = low;
    (c == 0 ? bands[1].l : bands[1].r) = mid;
    (c == 0 ? bands[2].l : bands[2].r) = high;
  }
  const double mix = value(2);
  Signal y{std::vector<double>(n), std::vector<double>(n)};
  for (std::size_t i = 0; i < n; ++i) y.l[i] = (1 - mix) * x.l[i], y.r[i] = (1 - mix) * x.r[i];
  for (int b = 0; b < 3; ++b) {
    const int k = 3 + 6 * b;
    const double ct = value(k), cr = value(k + 1), et = value(k + 2);
    const double er = std::max(value(k + 3), 0.05);
    const double attack = 1 - std::exp(-2200 / (value(k + 4) * kFs));
    const double release = 1 - std::exp(-2200 / (value(k + 5) * kFs));
    double smoothed = 1.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double s = bands[b].l[i] + bands[b].r[i];
      const double level_db = 20 * std::log10(std::sqrt(s * s + 1e-10));
      const double gain_db = std::min({0.0, (1 - 1 / cr) * (ct - level_db), (1 - 1 / er) * (et - level_db)});
      const double g = std::pow(10.0, gain_db / 20);
      const double a = g < smoothed ? attack : release;
      smoothed = a * g + (1 - a) * smoothed;
      y.l[i] += mix * smoothed * bands[b].l[i];
      y.r[i] += mix * smoothed * bands[b].r[i];
    }
  }
  return y;
}

double projection(const Stereo& w, const Signal& y) {
  double s = 0.0;
  for (std::size_t i = 0; i < y.l.size(); ++i) s += w.l[i] * y.l[i] + w.r[i] * y.r[i];
  return s;
}

// Random normalized parameters in [0.1, 0.9]: away from the ends of every range
// (the expander ratio, 0.1..0.9, stays above its 0.05 clamp).
std::vector<double> random_params(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.1, 0.9);
  std::vector<double> p(Multiband::kNumParams);
  for (double& v : p) v = u(rng);
  return p;
}

TEST(MultibandGradcheck, FloatProcessorMatchesTheDoubleReference) {
  for (unsigned seed : {1u, 2u}) {
    const Stereo x = testing::music_like(22050, 0.8, 20 + seed);
    const std::vector<double> p = random_params(seed);
    Multiband mb;
    mb.set_params(p.data(), kFs);
    Stereo y;
    mb.process(x, y, nullptr);
    const Signal ref = reference_multiband(p, to_double(x));
    double worst = 0.0;
    for (std::size_t i = 0; i < x.frames(); ++i)
      worst = std::max({worst, std::abs(y.l[i] - ref.l[i]), std::abs(y.r[i] - ref.r[i])});
    EXPECT_LT(worst, 1e-6) << "seed " << seed;
  }
}

TEST(MultibandGradcheck, AllParametersAndInput) {
  const int first = processor_params(Processor::Multiband).first;
  double worst = 0.0, worst_input = 0.0;
  for (unsigned seed : {1u, 2u, 3u, 4u}) {
    const Stereo x = testing::music_like(22050, 0.8, 20 + seed);
    const Signal xd = to_double(x);
    const Stereo w = testing::white_noise(x.frames(), 1.0, 30 + seed);
    const std::vector<double> p = random_params(seed);

    Multiband mb;
    mb.set_params(p.data(), kFs);
    Multiband::Tape tape;
    Stereo y, grad_in;
    mb.process(x, y, &tape);
    std::vector<double> analytic(Multiband::kNumParams, 0.0);
    mb.backward(tape, w, grad_in, analytic.data());

    std::vector<double> numeric(Multiband::kNumParams);
    const double h = 1e-7;
    for (int k = 0; k < Multiband::kNumParams; ++k) {
      std::vector<double> up = p, down = p;
      up[k] += h;
      down[k] -= h;
      numeric[k] = (projection(w, reference_multiband(up, xd)) -
                    projection(w, reference_multiband(down, xd))) / (2 * h);
    }
    double scale = 0.0;
    for (double g : numeric) scale = std::max(scale, std::abs(g));
    for (int k = 0; k < Multiband::kNumParams; ++k) {
      // Gradients far below the largest are judged against 1e-3 of it.
      const double err = testing::rel_err(analytic[k], numeric[k], 1e-3 * scale);
      worst = std::max(worst, err);
      EXPECT_LT(err, 2e-3) << "seed " << seed << " " << param_table()[first + k].id << ": "
                           << analytic[k] << " vs " << numeric[k];
    }

    // Input: directional derivative along random noise.
    const Stereo dir = testing::white_noise(x.frames(), 1.0, 40 + seed);
    Signal up = xd, down = xd;
    const double eps = 1e-8;
    for (std::size_t i = 0; i < x.frames(); ++i) {
      up.l[i] += eps * dir.l[i], up.r[i] += eps * dir.r[i];
      down.l[i] -= eps * dir.l[i], down.r[i] -= eps * dir.r[i];
    }
    const double fd = (projection(w, reference_multiband(p, up)) -
                       projection(w, reference_multiband(p, down))) / (2 * eps);
    const double err = testing::rel_err(testing::dot(grad_in, dir), fd, 1e-9);
    worst_input = std::max(worst_input, err);
    EXPECT_LT(err, 2e-3) << "seed " << seed << ": " << testing::dot(grad_in, dir) << " vs " << fd;
  }
  std::printf("multiband gradcheck: worst relative error %.2e (parameters), %.2e (input)\n",
              worst, worst_input);
}

}  // namespace
}  // namespace ito

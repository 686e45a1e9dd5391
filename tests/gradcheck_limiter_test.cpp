// Limiter backward pass against central finite differences, for its 3 parameters
// and the input, on music-like signals with random parameters. As for the
// multiband (see gradcheck_multiband_test.cpp), the differences are taken on an
// independent double-precision implementation with small steps, because the
// per-sample gain (a kink wherever |L + R| crosses the threshold or the smoothed
// gain crosses the static one) makes the loss rough on float-sized steps; a
// separate test checks that the float processor computes the same function.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "dsp/limiter.h"
#include "gradcheck_util.h"

namespace ito {
namespace {

constexpr double kFs = testing::kFs;

using Signal = testing::DoubleStereo;
using testing::to_double;

// The spec's limiter in double precision: static gain min(1, T / |L + R|), then
// attack/release smoothing, applied to both channels.
Signal reference_limiter(const std::vector<double>& p, const Signal& x) {
  const int first = processor_params(Processor::Limiter).first;
  auto value = [&](int k) { return denormalize(param_table()[first + k], p[k]); };
  const double threshold = std::pow(10.0, value(0) / 20);
  const double attack = 1 - std::exp(-2200 / (value(1) * kFs));
  const double release = 1 - std::exp(-2200 / (value(2) * kFs));
  Signal y{x.l, x.r};
  double smoothed = 1.0;
  for (std::size_t i = 0; i < x.l.size(); ++i) {
    const double g = std::min(1.0, threshold / std::abs(x.l[i] + x.r[i]));
    const double a = g < smoothed ? attack : release;
    smoothed = a * g + (1 - a) * smoothed;
    y.l[i] *= smoothed;
    y.r[i] *= smoothed;
  }
  return y;
}

double projection(const Stereo& w, const Signal& y) {
  double s = 0.0;
  for (std::size_t i = 0; i < y.l.size(); ++i) s += w.l[i] * y.l[i] + w.r[i] * y.r[i];
  return s;
}

// Random normalized parameters; the threshold (-30..-3 dB) is kept below the
// signal's side-chain peaks so that the limiter is busy.
std::vector<double> random_params(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.1, 0.9);
  std::vector<double> p(Limiter::kNumParams);
  for (double& v : p) v = u(rng);
  p[0] = 0.5 + 0.45 * u(rng);
  return p;
}

TEST(LimiterGradcheck, FloatProcessorMatchesTheDoubleReference) {
  for (unsigned seed : {1u, 2u}) {
    const Stereo x = testing::music_like(22050, 0.8, 50 + seed);
    const std::vector<double> p = random_params(seed);
    Limiter lim;
    lim.set_params(p.data(), kFs);
    Stereo y;
    lim.process(x, y, nullptr);
    const Signal ref = reference_limiter(p, to_double(x));
    double worst = 0.0;
    for (std::size_t i = 0; i < x.frames(); ++i)
      worst = std::max({worst, std::abs(y.l[i] - ref.l[i]), std::abs(y.r[i] - ref.r[i])});
    EXPECT_LT(worst, 1e-6) << "seed " << seed;
  }
}

TEST(LimiterGradcheck, AllParametersAndInput) {
  const int first = processor_params(Processor::Limiter).first;
  double worst = 0.0, worst_input = 0.0;
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    const Stereo x = testing::music_like(22050, 0.8, 50 + seed);
    const Signal xd = to_double(x);
    const Stereo w = testing::white_noise(x.frames(), 1.0, 60 + seed);
    const std::vector<double> p = random_params(seed);

    Limiter lim;
    lim.set_params(p.data(), kFs);
    Limiter::Tape tape;
    Stereo y, grad_in;
    lim.process(x, y, &tape);
    double analytic[Limiter::kNumParams] = {0, 0, 0};
    lim.backward(tape, w, grad_in, analytic);

    const double h = 1e-7;
    for (int k = 0; k < Limiter::kNumParams; ++k) {
      std::vector<double> up = p, down = p;
      up[k] += h;
      down[k] -= h;
      const double numeric = (projection(w, reference_limiter(up, xd)) -
                              projection(w, reference_limiter(down, xd))) / (2 * h);
      const double err = testing::rel_err(analytic[k], numeric, 1e-6);
      worst = std::max(worst, err);
      EXPECT_LT(err, 2e-3) << "seed " << seed << " " << param_table()[first + k].id << ": "
                           << analytic[k] << " vs " << numeric;
    }

    const Stereo dir = testing::white_noise(x.frames(), 1.0, 70 + seed);
    Signal up = xd, down = xd;
    const double eps = 1e-8;
    for (std::size_t i = 0; i < x.frames(); ++i) {
      up.l[i] += eps * dir.l[i], up.r[i] += eps * dir.r[i];
      down.l[i] -= eps * dir.l[i], down.r[i] -= eps * dir.r[i];
    }
    const double fd = (projection(w, reference_limiter(p, up)) -
                       projection(w, reference_limiter(p, down))) / (2 * eps);
    const double err = testing::rel_err(testing::dot(grad_in, dir), fd, 1e-9);

    // grad_in may alias grad_out.
    Stereo in_place = w;
    double unused[Limiter::kNumParams] = {0, 0, 0};
    lim.backward(tape, in_place, in_place, unused);
    EXPECT_EQ(in_place.l, grad_in.l);
    EXPECT_EQ(in_place.r, grad_in.r);
    worst_input = std::max(worst_input, err);
    EXPECT_LT(err, 2e-3) << "seed " << seed << ": " << testing::dot(grad_in, dir) << " vs " << fd;
  }
  std::printf("limiter gradcheck: worst relative error %.2e (parameters), %.2e (input)\n", worst,
              worst_input);
}

}  // namespace
}  // namespace ito

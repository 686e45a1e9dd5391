// The whole 46-parameter chain's backward pass against finite differences.
#include <gtest/gtest.h>

#include <random>

#include "dsp/chain.h"
#include "gradcheck_util.h"

namespace ito {
namespace {

// Each processor's backward pass is checked on its own (the dynamics against a
// double-precision reference, since their per-sample switching makes float finite
// differences rough). This test checks the composition: order, parameter offsets and
// the gradient hand-off between stages. The compressors and the limiter sit in a
// smooth regime here (thresholds above the signal, expanders at ratio 1), so
// finite differences of the float chain are meaningful for every parameter.
TEST(ChainGradcheck, AllParametersAndInput) {
  const double fs = 44100.0;
  const Stereo x = testing::music_like(16384, 0.05, 21);
  const testing::RandomProjection loss(x.frames(), 5);
  std::mt19937 rng(8);
  std::uniform_real_distribution<double> u(0.2, 0.8);
  Params p;
  for (double& v : p) v = u(rng);
  p[13] = 0.3;  // keep EQ band 4 below the 0.45 fs clamp
  for (int q : {2, 5, 8, 11, 14, 17}) p[q] = 0.1 + 0.1 * u(rng);  // Q about 0.6-1.1
  for (int b = 0; b < 3; ++b) {
    p[23 + 6 * b] = 1.0;  // comp threshold 0 dB: above the band level
    p[26 + 6 * b] = 1.0;  // expander ratio 1: off
  }
  p[41] = 0.45;  // gain -2.4 dB
  p[43] = 1.0;   // limiter threshold 0 dB: above the signal

  auto eval = [&](const Params& q) {
    Chain chain(fs);
    chain.set_params(q);
    Stereo y;
    chain.process(x, y);
    return loss(y);
  };
  Chain chain(fs);
  chain.set_params(p);
  ChainTape tape;
  Stereo y, grad_in;
  chain.process(x, y, &tape);
  Params grad{};
  chain.backward(tape, loss.w, &grad_in, grad);

  std::vector<double> numeric(kNumParams);
  double scale = 0;
  for (int i = 0; i < kNumParams; ++i) {
    numeric[i] = testing::param_fd<Params>(eval, p, i, 1e-3);
    scale = std::max(scale, std::abs(numeric[i]));
  }
  int checked_nonzero = 0;
  for (int i = 0; i < kNumParams; ++i) {
    // Expander ratio 1 is both the range's end and the tie of min(0, ., .) where the
    // subgradient is 0 by design; finite differences straddle that kink.
    if (i == 26 || i == 32 || i == 38) continue;
    EXPECT_LT(testing::rel_err(grad[i], numeric[i], 1e-2 * scale), 1e-2)
        << param_table()[i].id << ": analytic " << grad[i] << " numeric " << numeric[i];
    if (std::abs(numeric[i]) > 1e-2 * scale) ++checked_nonzero;
  }
  EXPECT_GE(checked_nonzero, 20);  // EQ, distortion, gain and width carry real gradients

  const Stereo direction = testing::white_noise(x.frames(), 1.0, 6);
  auto eval_x = [&](const Stereo& xi) {
    Stereo yi;
    chain.process(xi, yi);
    return loss(yi);
  };
  const double numeric_dir = testing::directional_fd(eval_x, x, direction, 1e-4);
  EXPECT_LT(testing::rel_err(testing::dot(grad_in, direction), numeric_dir, 1e-9), 1e-2);
}

TEST(Chain, DisabledProcessorsPassThroughAndGetNoGradient) {
  const Stereo x = testing::music_like(4096, 0.5, 22);
  Chain chain(44100.0);
  Params p;
  p.fill(0.7);
  chain.set_params(p);
  for (int k = 0; k < kNumProcessors; ++k) chain.set_enabled(static_cast<Processor>(k), false);
  ChainTape tape;
  Stereo y, gi;
  chain.process(x, y, &tape);
  EXPECT_EQ(y.l, x.l);
  EXPECT_EQ(y.r, x.r);
  Params grad{};
  chain.backward(tape, x, &gi, grad);
  for (double g : grad) EXPECT_EQ(g, 0.0);
  EXPECT_EQ(gi.l, x.l);
}

TEST(Chain, NeutralParametersAreNearlyTransparentForModerateLevels) {
  // At the neutral point only the distortion's minimum 20 % tanh mix remains.
  const Stereo x = testing::music_like(44100, 0.1, 23);
  Chain chain(44100.0);
  chain.set_params(neutral_params());
  Stereo y;
  chain.process(x, y);
  double err = 0, ref = 0;
  for (std::size_t i = 0; i < x.frames(); ++i) {
    err += std::pow(y.l[i] - x.l[i], 2) + std::pow(y.r[i] - x.r[i], 2);
    ref += std::pow(x.l[i], 2) + std::pow(x.r[i], 2);
  }
  EXPECT_LT(10 * std::log10(err / ref), -40.0);
}

}  // namespace
}  // namespace ito

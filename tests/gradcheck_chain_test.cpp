// The whole 46-parameter chain's backward pass against finite differences.
#include <gtest/gtest.h>

#include <random>

#include "dsp/chain.h"
#include "gradcheck_util.h"

namespace ito {
namespace {

TEST(ChainGradcheck, AllParametersAndInput) {
  const double fs = 44100.0;
  const Stereo x = testing::music_like(16384, 0.7, 21);
  const testing::RandomProjection loss(x.frames(), 5);
  std::mt19937 rng(8);
  std::uniform_real_distribution<double> u(0.2, 0.8);
  Params p;
  for (double& v : p) v = u(rng);
  p[13] = 0.3;  // keep EQ band 4 below the 0.45 fs clamp

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
  int bad = 0;
  for (int i = 0; i < kNumParams; ++i) {
    const double err = testing::rel_err(grad[i], numeric[i], 2e-2 * scale);
    if (err > 3e-2) {
      ++bad;
      ADD_FAILURE() << param_table()[i].id << ": analytic " << grad[i] << " numeric " << numeric[i];
    }
  }
  EXPECT_EQ(bad, 0);

  const Stereo direction = testing::white_noise(x.frames(), 1.0, 6);
  auto eval_x = [&](const Stereo& xi) {
    Stereo yi;
    chain.process(xi, yi);
    return loss(yi);
  };
  const double numeric_dir = testing::directional_fd(eval_x, x, direction, 1e-3);
  EXPECT_LT(testing::rel_err(testing::dot(grad_in, direction), numeric_dir, 1e-9), 2e-2);
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

// AF loss (spec 3.2) against an independent numpy implementation
// (tests/python/af_loss_reference.py), analytic feature values and behavior; plus
// the RealFft wrapper and the reflect-padded framing it relies on.
#include "analysis/af_loss.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/fft.h"
#include "core/parallel.h"
#include "test_signals.h"

namespace ito {
namespace {

using testing::kFs;
namespace fs = std::filesystem;

// --- RealFft ------------------------------------------------------------------

TEST(RealFft, ForwardMatchesNaiveDft) {
  const int n = 64;
  std::vector<float> x(n);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  for (float& v : x) v = u(rng);
  std::vector<std::complex<float>> X(n / 2 + 1);
  RealFft(n).forward(x.data(), X.data());
  for (int k = 0; k <= n / 2; ++k) {
    std::complex<double> ref = 0;
    for (int j = 0; j < n; ++j) ref += double(x[j]) * std::polar(1.0, -2 * M_PI * j * k / n);
    EXPECT_NEAR(X[k].real(), ref.real(), 1e-5) << k;
    EXPECT_NEAR(X[k].imag(), ref.imag(), 1e-5) << k;
  }
}

TEST(RealFft, BackwardIsTheVectorJacobianProduct) {
  // L = sum_k a_k Re X_k + b_k Im X_k, so dL/dx_j = sum_k a_k cos(th) - b_k sin(th).
  const int n = 32;
  std::vector<std::complex<float>> g(n / 2 + 1);
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto& v : g) v = {u(rng), u(rng)};
  std::vector<float> grad(n);
  RealFft(n).backward(g.data(), grad.data());
  for (int j = 0; j < n; ++j) {
    double ref = 0;
    for (int k = 0; k <= n / 2; ++k) {
      const double th = 2 * M_PI * j * k / n;
      ref += g[k].real() * std::cos(th) - g[k].imag() * std::sin(th);
    }
    EXPECT_NEAR(grad[j], ref, 1e-5) << j;
  }
}

TEST(RealFft, HannIsPeriodic) {
  const auto w = hann_window(8);
  const double expected[8] = {0, 0.1464466, 0.5, 0.8535534, 1, 0.8535534, 0.5, 0.1464466};
  for (int j = 0; j < 8; ++j) EXPECT_NEAR(w[j], expected[j], 1e-6);
}

TEST(StftFraming, ReflectIndexMirrorsWithoutRepeatingTheEdge) {
  // x = 0 1 2 3 4: extended ... 2 1 | 0 1 2 3 4 | 3 2 1 0 1 ...
  const std::size_t len = 5;
  EXPECT_EQ(reflect_index(-1, len), 1u);
  EXPECT_EQ(reflect_index(-2, len), 2u);
  EXPECT_EQ(reflect_index(5, len), 3u);
  EXPECT_EQ(reflect_index(8, len), 0u);
  EXPECT_EQ(reflect_index(9, len), 1u);
  EXPECT_EQ(reflect_index(-9, len), 1u);
  EXPECT_EQ(stft_num_frames(100, 25), 5);
}

// --- Analytic feature values ----------------------------------------------------

TEST(AfFeatures, SineRmsCrestWidthImbalance) {
  // 441 Hz at 44.1 kHz: exactly 100 samples per period, 2 s = 200 periods.
  const Stereo x = testing::sine(88200, 441.0, 0.5, kFs, 0.5);
  const AfFeatures f = compute_af_features(x, kFs);
  EXPECT_NEAR(f.rms[0], 0.5 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(f.rms[1], 0.25 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(f.crest_db[0], 10 * std::log10(2.0), 1e-4);  // peak/rms = sqrt(2)
  EXPECT_NEAR(f.crest_db[1], 10 * std::log10(2.0), 1e-4);
  EXPECT_NEAR(f.width, std::pow(0.5 / 1.5, 2), 1e-6);  // (1-g)^2/(1+g)^2
  EXPECT_NEAR(f.imbalance, (0.25 - 1.0) / 1.25, 1e-6);
  EXPECT_NEAR(crest_factor_db(x), 10 * std::log10(2.0), 1e-4);
  EXPECT_NEAR(stereo_width(x), f.width, 1e-12);
}

TEST(AfFeatures, MonoHasZeroWidthAndSilentSide) {
  const Stereo x = testing::music_like(44100, 0.8, 5);
  Stereo mono = x;
  mono.r = mono.l;
  const AfFeatures f = compute_af_features(mono, kFs);
  EXPECT_EQ(f.width, 0.0);
  EXPECT_EQ(f.imbalance, 0.0);
  EXPECT_EQ(stereo_width(mono), 0.0);
  for (double v : f.bark_side) EXPECT_NEAR(v, std::log(1e-8), 1e-12);
}

TEST(AfFeatures, ImbalanceSignFollowsTheLouderChannel) {
  const Stereo x = testing::white_noise(44100, 0.3, 7);
  Stereo right_loud = x, left_loud = x;
  for (auto& v : right_loud.l) v *= 0.5f;
  for (auto& v : left_loud.r) v *= 0.5f;
  EXPECT_GT(compute_af_features(right_loud, kFs).imbalance, 0.5);
  EXPECT_LT(compute_af_features(left_loud, kFs).imbalance, -0.5);
}

TEST(AfFeatures, UncorrelatedEqualChannelsHaveWidthOne) {
  const Stereo x = testing::white_noise(441000, 0.3, 9);
  EXPECT_NEAR(compute_af_features(x, kFs).width, 1.0, 0.01);
}

TEST(AfFeatures, BarkEdgesAndSinePeakBand) {
  const auto edges = bark_band_edges_hz();
  ASSERT_EQ(edges.size(), 26u);
  EXPECT_NEAR(edges.front(), 20.0, 1e-9);
  EXPECT_NEAR(edges.back(), 20000.0, 1e-6);
  const double tone = 1000.0;
  const AfFeatures f = compute_af_features(testing::sine(88200, tone, 0.5), kFs);
  int best = 0;
  for (int b = 1; b < kAfBarkBands; ++b)
    if (f.bark_mid[b] > f.bark_mid[best]) best = b;
  EXPECT_LT(edges[best], tone);
  EXPECT_GT(edges[best + 2], tone);
}

TEST(AfFeatures, BarkShiftsByLogGain) {
  // The STFT magnitude is linear in the signal: scaling by g adds log(g) to every
  // band whose energy is far above the 1e-8 guard.
  const Stereo x = testing::white_noise(60000, 0.3, 11);
  Stereo y = x;
  for (auto* ch : {&y.l, &y.r})
    for (auto& v : *ch) v *= 0.25f;
  const AfFeatures fx = compute_af_features(x, kFs), fy = compute_af_features(y, kFs);
  for (int b = 0; b < kAfBarkBands; ++b) {
    EXPECT_NEAR(fy.bark_mid[b] - fx.bark_mid[b], std::log(0.25), 1e-5);
    EXPECT_NEAR(fy.bark_side[b] - fx.bark_side[b], std::log(0.25), 1e-5);
  }
}

// --- Loss behavior ------------------------------------------------------------

TEST(AfLoss, ZeroWithZeroGradientForIdenticalSignals) {
  const Stereo x = testing::music_like(3 * 44100, 0.8, 3);
  Stereo grad;
  AfLossTerms terms;
  EXPECT_EQ(af_loss(x, compute_af_features(x, kFs), kFs, &grad, &terms), 0.0);
  EXPECT_EQ(terms.total, 0.0);
  ASSERT_EQ(grad.frames(), x.frames());
  for (std::size_t i = 0; i < x.frames(); ++i) {
    ASSERT_EQ(grad.l[i], 0.0f);
    ASSERT_EQ(grad.r[i], 0.0f);
  }
}

TEST(AfLoss, NearlyInvariantToLength) {
  // A 4 s signal and the same signal looped three times have nearly the same
  // features, far closer than the original and a 3 dB quieter copy.
  const std::size_t n = 4 * 44100;
  const Stereo x = testing::music_like(n, 0.8, 13);
  Stereo looped(3 * n), quieter = x;
  for (std::size_t i = 0; i < 3 * n; ++i) {
    looped.l[i] = x.l[i % n];
    looped.r[i] = x.r[i % n];
  }
  for (auto* ch : {&quieter.l, &quieter.r})
    for (auto& v : *ch) v *= static_cast<float>(std::pow(10.0, -3.0 / 20));
  const AfFeatures fx = compute_af_features(x, kFs);
  const AfFeatures fl = compute_af_features(looped, kFs);
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR(fl.rms[c], fx.rms[c], 1e-6);
    EXPECT_NEAR(fl.crest_db[c], fx.crest_db[c], 1e-4);
  }
  EXPECT_NEAR(fl.width, fx.width, 1e-6);
  EXPECT_NEAR(fl.imbalance, fx.imbalance, 1e-6);
  for (int b = 0; b < kAfBarkBands; ++b) {
    EXPECT_NEAR(fl.bark_mid[b], fx.bark_mid[b], 0.1) << b;
    EXPECT_NEAR(fl.bark_side[b], fx.bark_side[b], 0.1) << b;
  }
  const double loss_looped = af_loss(looped, fx, kFs);
  const double loss_quieter = af_loss(quieter, fx, kFs);
  EXPECT_LT(loss_looped, 0.1 * loss_quieter);
}

TEST(AfLoss, OneThreadAndTwoGiveTheSameBits) {
  // Mid and side run on separate threads where there are two; nothing is shared.
  const Stereo x = testing::music_like(200000, 0.4, 31), ref = testing::music_like(200000, 0.2, 32);
  const AfFeatures target = compute_af_features(ref, 44100.0);
  const int saved = num_threads();
  Stereo g1, g2;
  set_num_threads(1);
  const double l1 = af_loss(x, target, 44100.0, &g1);
  set_num_threads(2);
  const double l2 = af_loss(x, target, 44100.0, &g2);
  set_num_threads(saved);
  EXPECT_EQ(l1, l2);
  EXPECT_EQ(g1.l, g2.l);
  EXPECT_EQ(g1.r, g2.r);
}

TEST(AfLoss, ShortSignalsAreHandled) {
  // Shorter than the 16384-sample reflect padding: mirrored repeatedly.
  const Stereo x = testing::white_noise(1000, 0.3, 17);
  const AfFeatures f = compute_af_features(x, kFs);
  for (double v : f.bark_mid) EXPECT_TRUE(std::isfinite(v));
  Stereo grad;
  const double loss = af_loss(testing::white_noise(1000, 0.2, 18), f, kFs, &grad);
  EXPECT_GT(loss, 0.0);
  EXPECT_EQ(grad.frames(), 1000u);
}

// --- numpy reference ----------------------------------------------------------

fs::path source_dir() {
  if (const char* env = std::getenv("ITO_SOURCE_DIR")) return env;
  return fs::path(__FILE__).parent_path().parent_path();
}

bool python_has_numpy() {
  return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

void write_planar_f32(const fs::path& path, const Stereo& x) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(x.l.data()), x.frames() * sizeof(float));
  out.write(reinterpret_cast<const char*>(x.r.data()), x.frames() * sizeof(float));
}

// Runs the reference and returns its "name v1 v2 ..." lines as a map.
std::map<std::string, std::vector<double>> run_reference(const Stereo& y, const Stereo& t,
                                                         const std::string& tag) {
  const fs::path dir =
      fs::temp_directory_path() / ("ito_af_ref_" + std::to_string(::getpid()) + "_" + tag);
  fs::create_directories(dir);
  write_planar_f32(dir / "y.f32", y);
  write_planar_f32(dir / "t.f32", t);
  const std::string cmd = "/usr/bin/python3 '" +
                          (source_dir() / "tests/python/af_loss_reference.py").string() + "' '" +
                          (dir / "y.f32").string() + "' '" + (dir / "t.f32").string() + "' " +
                          std::to_string(y.frames()) + " 44100";
  std::map<std::string, std::vector<double>> result;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return result;
  std::string text;
  char buf[4096];
  while (std::size_t got = std::fread(buf, 1, sizeof buf, pipe)) text.append(buf, got);
  const int status = pclose(pipe);
  fs::remove_all(dir);
  EXPECT_EQ(status, 0) << cmd;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    double v;
    while (fields >> v) result[name].push_back(v);
  }
  return result;
}

void expect_close(double actual, double expected, double rel, const std::string& what) {
  EXPECT_NEAR(actual, expected, rel * std::max(std::abs(expected), 1e-2)) << what;
}

void expect_features_match(const AfFeatures& f, std::map<std::string, std::vector<double>>& ref,
                           const std::string& prefix) {
  ASSERT_EQ(ref[prefix + "rms"].size(), 2u);
  ASSERT_EQ(ref[prefix + "bark_mid"].size(), 24u);
  ASSERT_EQ(ref[prefix + "bark_side"].size(), 24u);
  for (int c = 0; c < 2; ++c) {
    expect_close(f.rms[c], ref[prefix + "rms"][c], 1e-5, prefix + "rms");
    expect_close(f.crest_db[c], ref[prefix + "crest"][c], 1e-5, prefix + "crest");
  }
  expect_close(f.width, ref[prefix + "width"][0], 1e-5, prefix + "width");
  expect_close(f.imbalance, ref[prefix + "imbalance"][0], 1e-5, prefix + "imbalance");
  for (int b = 0; b < kAfBarkBands; ++b) {
    // Bark values are logs: compare absolutely (1e-4 relative on the magnitudes).
    EXPECT_NEAR(f.bark_mid[b], ref[prefix + "bark_mid"][b], 1e-4) << prefix << "bark_mid " << b;
    EXPECT_NEAR(f.bark_side[b], ref[prefix + "bark_side"][b], 1e-4) << prefix << "bark_side " << b;
  }
}

void compare_with_reference(const Stereo& y, const Stereo& t, const std::string& tag) {
  auto ref = run_reference(y, t, tag);
  ASSERT_FALSE(ref.empty()) << "reference produced no output";
  const AfFeatures fy = compute_af_features(y, kFs), ft = compute_af_features(t, kFs);
  expect_features_match(fy, ref, "y_");
  expect_features_match(ft, ref, "t_");
  AfLossTerms terms;
  const double total = af_loss(y, ft, kFs, nullptr, &terms);
  const std::pair<double, const char*> checks[] = {
      {terms.rms, "loss_rms"},     {terms.crest, "loss_crest"},
      {terms.width, "loss_width"}, {terms.imbalance, "loss_imbalance"},
      {terms.bark, "loss_bark"},   {total, "loss_total"}};
  for (const auto& [value, name] : checks) {
    ASSERT_EQ(ref[name].size(), 1u) << name;
    EXPECT_NEAR(value, ref[name][0], 1e-4 * std::abs(ref[name][0]) + 1e-12) << name;
  }
  EXPECT_NEAR(terms.total, total, 1e-15);
}

TEST(AfLossReference, MusicAgainstProcessedMusic) {
  if (!python_has_numpy()) GTEST_SKIP() << "/usr/bin/python3 lacks numpy";
  const Stereo y = testing::music_like(3 * 44100 + 123, 0.7, 21);
  // Target: another piece, quieter on the left, with added bright noise.
  Stereo t = testing::music_like(3 * 44100 + 123, 0.9, 22);
  const Stereo noise = testing::white_noise(t.frames(), 0.05, 23);
  for (std::size_t i = 0; i < t.frames(); ++i) {
    t.l[i] = 0.6f * t.l[i] + noise.l[i];
    t.r[i] = t.r[i] + noise.r[i];
  }
  compare_with_reference(y, t, "music");
}

TEST(AfLossReference, ShortSignalsWithRepeatedMirroring) {
  if (!python_has_numpy()) GTEST_SKIP() << "/usr/bin/python3 lacks numpy";
  // 10000 samples < n_fft/2: the reflect padding wraps around several times.
  Stereo y = testing::white_noise(10000, 0.2, 31);
  const Stereo s = testing::sine(10000, 3000.0, 0.3, kFs, -0.5);
  Stereo t = testing::white_noise(10000, 0.1, 32);
  for (std::size_t i = 0; i < y.frames(); ++i) {
    y.l[i] += s.l[i];
    y.r[i] += s.r[i];
  }
  compare_with_reference(y, t, "short");
}

}  // namespace
}  // namespace ito

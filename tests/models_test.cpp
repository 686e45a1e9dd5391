// Φ and Ψ as whole networks (models/encoder.h, models/converter.h) and the model file
// (models/model_file.h): folding batch norm keeps the inference outputs, the file round-trips
// bit for bit and rejects malformed data with a readable reason, and the outputs have the
// documented shapes and ranges and respond to their inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include "models/audio_tensor.h"
#include "models/model_file.h"
#include "test_signals.h"

namespace ito::models {
namespace {

using Vectors = std::vector<std::vector<float>>;

EncoderConfig small_encoder_config() { return {{4, 6, 6, 8}, {9, 5, 5, 3}, {4, 2, 1, 2}}; }

ConverterConfig small_converter_config(ConverterKind kind) {
  ConverterConfig c;
  c.kind = kind;
  c.z_dim = 8;  // = small_encoder_config().channels.back()
  c.kernel = 7;
  c.channels = {4, 6, 6};
  c.strides = kind == ConverterKind::WhiteBox ? std::vector<int>{2, 4, 1} : std::vector<int>{1, 1, 1};
  c.dilations = {1, 2, 4};
  return c;
}

nn::Tensor noise_tensor(int frames, double amp, std::uint32_t seed) {
  return to_tensor(testing::white_noise(static_cast<std::size_t>(frames), amp, seed));
}

nn::Batch music_batch(int batch, int frames, std::uint32_t seed) {
  nn::Batch x;
  for (int e = 0; e < batch; ++e)
    x.push_back(to_tensor(testing::music_like(static_cast<std::size_t>(frames), 0.5, seed + e)));
  return x;
}

// Moves trained parameters away from their initial values (BN scale 1, shifts 0) and
// trains the running statistics on a few batches, so that folding has real work to do.
// The unused bias slot of a unit with batch norm stays 0, as training leaves it (its
// gradient is 0); fold() starts the folded bias from it.
template <class Net, class Forward>
void make_trained_looking(Net& net, std::uint32_t seed, Forward training_forward) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  for (float& p : net.weights().params) p = p * (1.0f + u(rng)) + 0.1f * u(rng);  // keeps each block's scale
  for (const auto& b : net.blocks())
    for (int o = 0; o < b.main.spec.out; ++o) net.weights().params[b.main.b + o] = 0.0f;
  for (int step = 0; step < 4; ++step) training_forward(music_batch(3, 3000, seed + 10 * step));
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
  return m;
}

double max_abs(const std::vector<float>& a) {
  double m = 0.0;
  for (float v : a) m = std::max(m, static_cast<double>(std::abs(v)));
  return m;
}

// --- fold() -----------------------------------------------------------------------

TEST(Fold, EncoderKeepsTheInferenceOutput) {
  Encoder enc(small_encoder_config());
  enc.init(1);
  make_trained_looking(enc, 2, [&](const nn::Batch& x) {
    Vectors z;
    enc.forward(x, true, z, nullptr);
  });
  const nn::Batch x = music_batch(2, 5000, 77);
  Vectors before, after;
  enc.forward(x, false, before, nullptr);
  const std::vector<float> running = enc.weights().buffers;
  enc.fold();
  EXPECT_TRUE(enc.folded());
  enc.forward(x, false, after, nullptr);
  ASSERT_EQ(after.size(), 2u);
  for (int e = 0; e < 2; ++e) {
    ASSERT_EQ(after[e].size(), before[e].size());
    EXPECT_LE(max_abs_diff(before[e], after[e]), 1e-5 * std::max(1.0, max_abs(before[e])));
  }
  // Folded, the training flag no longer matters (no batch norm left) and nothing is updated.
  Vectors trained;
  enc.forward(x, true, trained, nullptr);
  for (int e = 0; e < 2; ++e) EXPECT_EQ(trained[e], after[e]);
  EXPECT_EQ(enc.weights().buffers, running);
}

void check_converter_fold(ConverterKind kind) {
  Converter net(small_converter_config(kind));
  net.init(3);
  std::mt19937 rng(4);
  std::normal_distribution<float> n01;
  auto random_z = [&](int batch) {
    Vectors z(batch, std::vector<float>(8));
    for (auto& v : z)
      for (float& x : v) x = n01(rng);
    return z;
  };
  const bool white = kind == ConverterKind::WhiteBox;
  make_trained_looking(net, 5, [&](const nn::Batch& x) {
    Vectors p;
    nn::Batch y;
    net.forward(x, random_z(static_cast<int>(x.size())), true, white ? &p : nullptr, white ? nullptr : &y, nullptr);
  });
  nn::Batch x = music_batch(2, 4000, 88);
  for (auto& t : x)
    for (float& v : t.data) v *= 0.3f;  // keep the black-box output away from the clamp
  const Vectors z = random_z(2);
  Vectors p0, p1;
  nn::Batch y0, y1;
  net.forward(x, z, false, white ? &p0 : nullptr, white ? nullptr : &y0, nullptr);
  net.fold();
  EXPECT_TRUE(net.folded());
  net.forward(x, z, false, white ? &p1 : nullptr, white ? nullptr : &y1, nullptr);
  for (int e = 0; e < 2; ++e) {
    if (white) {
      ASSERT_EQ(p1[e].size(), static_cast<std::size_t>(kWhiteBoxOutputs));
      EXPECT_LE(max_abs_diff(p0[e], p1[e]), 1e-5);
    } else {
      ASSERT_EQ(y1[e].size(), y0[e].size());
      EXPECT_LT(max_abs(y0[e].data), 0.99) << "clamp active: the comparison would hide differences";
      EXPECT_LE(max_abs_diff(y0[e].data, y1[e].data), 1e-5);
    }
  }
}

TEST(Fold, WhiteBoxConverterKeepsTheInferenceOutput) { check_converter_fold(ConverterKind::WhiteBox); }
TEST(Fold, BlackBoxConverterKeepsTheInferenceOutput) { check_converter_fold(ConverterKind::BlackBox); }

TEST(Fold, FoldedNetworksCannotBeSaved) {
  Encoder enc(small_encoder_config());
  Converter conv(small_converter_config(ConverterKind::WhiteBox));
  enc.init(1);
  conv.init(1);
  EXPECT_NO_THROW(serialize_model(enc, conv, {}));
  conv.fold();
  EXPECT_THROW(serialize_model(enc, conv, {}), std::logic_error);
  enc.fold();
  EXPECT_THROW(serialize_model(enc, conv, {}), std::logic_error);
}

// --- Φ ------------------------------------------------------------------------------

TEST(Encoder, EmbeddingHasZDimFiniteValuesAndDependsOnTheInput) {
  Encoder enc(small_encoder_config());
  enc.init(7);
  EXPECT_EQ(enc.z_dim(), 8);
  enc.fold();
  const std::vector<float> za = enc.encode(noise_tensor(4000, 0.3, 1));
  const std::vector<float> zb = enc.encode(noise_tensor(4000, 0.3, 2));
  const std::vector<float> zc = enc.encode(to_tensor(testing::music_like(4000, 0.3, 3)));
  ASSERT_EQ(za.size(), 8u);
  for (float v : za) EXPECT_TRUE(std::isfinite(v));
  EXPECT_GT(max_abs_diff(za, zb), 1e-4);
  EXPECT_GT(max_abs_diff(za, zc), 1e-3 * max_abs(za));
  // The same input gives the same embedding; a louder input a different one (Φ sees level).
  EXPECT_EQ(enc.encode(noise_tensor(4000, 0.3, 1)), za);
  EXPECT_GT(max_abs_diff(za, enc.encode(noise_tensor(4000, 0.6, 1))), 1e-4);
}

TEST(Encoder, InferenceTreatsExamplesIndependently) {
  Encoder enc(small_encoder_config());
  enc.init(8);
  const nn::Batch x = music_batch(3, 3000, 30);
  Vectors batch;
  enc.forward(x, false, batch, nullptr);
  ASSERT_EQ(batch.size(), 3u);
  for (int e = 0; e < 3; ++e) EXPECT_EQ(batch[e], enc.encode(x[e])) << e;
  // Training form couples the examples through the batch statistics.
  Vectors trained;
  enc.forward(x, true, trained, nullptr);
  EXPECT_GT(max_abs_diff(trained[0], batch[0]), 1e-6);
}

TEST(Encoder, DefaultConfigurationMatchesTheModelCard) {
  const EncoderConfig c = default_encoder_config();
  ASSERT_EQ(c.channels.size(), 12u);
  EXPECT_EQ(c.kernels.size(), 12u);
  EXPECT_EQ(c.strides.size(), 12u);
  Encoder enc(c);
  EXPECT_EQ(enc.z_dim(), 128);
  EXPECT_EQ(enc.weights().params.size(), enc.param_count());
  EXPECT_GT(encoder_macs(c, 44100), 0.0);
}

// --- Ψ ------------------------------------------------------------------------------

TEST(Converter, WhiteBoxGives46ParametersInTheUnitIntervalThatDependOnXAndZ) {
  Converter net(small_converter_config(ConverterKind::WhiteBox));
  net.init(9);
  net.fold();
  EXPECT_EQ(net.out_channels(), kWhiteBoxOutputs);
  auto predict = [&](const nn::Tensor& x, const std::vector<float>& z) {
    Vectors p;
    net.forward({x}, {z}, false, &p, nullptr, nullptr);
    return p.front();
  };
  const nn::Tensor x = to_tensor(testing::music_like(4000, 0.5, 12));
  std::vector<float> z(8, 0.5f);
  const std::vector<float> p = predict(x, z);
  ASSERT_EQ(p.size(), static_cast<std::size_t>(kWhiteBoxOutputs));
  for (float v : p) {
    EXPECT_GT(v, 0.0f);
    EXPECT_LT(v, 1.0f);
  }
  std::vector<float> z2 = z;
  z2[3] += 1.0f;
  EXPECT_GT(max_abs_diff(p, predict(x, z2)), 1e-4);
  EXPECT_GT(max_abs_diff(p, predict(noise_tensor(4000, 0.5, 13), z)), 1e-4);
  // A tape does not change the result.
  Converter::Tape tape;
  Vectors taped;
  net.forward({x}, {z}, false, &taped, nullptr, &tape);
  EXPECT_EQ(taped.front(), p);
}

TEST(Converter, BlackBoxIsClampedAudioOfTheInputsShape) {
  Converter net(small_converter_config(ConverterKind::BlackBox));
  net.init(10);
  net.fold();
  const nn::Tensor x = noise_tensor(3001, 1.5, 14);  // odd length; beyond the clamp
  const std::vector<float> z(8, 0.2f);
  nn::Batch y;
  net.forward({x}, {z}, false, nullptr, &y, nullptr);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].channels, 2);
  EXPECT_EQ(y[0].frames, 3001);
  for (float v : y[0].data) {
    EXPECT_GE(v, -1.0f);
    EXPECT_LE(v, 1.0f);
  }
  // With the head silenced, what is left is the skip path, initialized to the identity.
  for (std::size_t i = 0; i < net.head().spec.weight_count(); ++i) net.weights().params[net.head().w + i] = 0.0f;
  for (int o = 0; o < 2; ++o) net.weights().params[net.head().b + o] = 0.0f;
  net.forward({x}, {z}, false, nullptr, &y, nullptr);
  for (std::size_t i = 0; i < x.data.size(); ++i) ASSERT_EQ(y[0].data[i], std::clamp(x.data[i], -1.0f, 1.0f)) << i;
}

TEST(Converter, DefaultConfigurationsBuild) {
  Converter white(default_whitebox_config(128)), black(default_blackbox_config(128));
  EXPECT_EQ(white.out_channels(), kWhiteBoxOutputs);
  EXPECT_EQ(black.out_channels(), 2);
  EXPECT_EQ(white.weights().params.size(), white.param_count());
  for (int s : default_blackbox_config(128).strides) EXPECT_EQ(s, 1);  // audio out at full rate
  EXPECT_GT(converter_macs(white.config(), 44100), 0.0);
}

// --- Model file ---------------------------------------------------------------------

struct Pair {
  Encoder enc{small_encoder_config()};
  Converter conv;
  explicit Pair(ConverterKind kind, unsigned long long seed = 1) : conv(small_converter_config(kind)) {
    enc.init(seed);
    conv.init(seed + 1);
    // Non-trivial buffers and values that need all 32 bits.
    std::mt19937 rng(static_cast<std::uint32_t>(seed));
    std::uniform_real_distribution<float> u(0.1f, 3.0f);
    for (float& v : enc.weights().buffers) v = u(rng);
    for (float& v : conv.weights().buffers) v = u(rng);
    enc.weights().params[0] = std::numeric_limits<float>::denorm_min();
    conv.weights().params[0] = -std::numeric_limits<float>::max();
  }
  std::string bytes(const std::map<std::string, std::string>& info = {}) const {
    return serialize_model(enc, conv, info);
  }
};

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void check_round_trip(ConverterKind kind) {
  const Pair pair(kind, 5);
  const std::map<std::string, std::string> info = {
      {"steps", "12000"}, {"audio_hours", "3.25"}, {"note", "trained on a laptop, twice"}};
  const std::string bytes = pair.bytes(info);
  const Model m = parse_model(bytes);
  ASSERT_TRUE(m.encoder && m.converter);
  EXPECT_EQ(m.info, info);
  EXPECT_EQ(m.encoder->config().channels, pair.enc.config().channels);
  EXPECT_EQ(m.encoder->config().kernels, pair.enc.config().kernels);
  EXPECT_EQ(m.encoder->config().strides, pair.enc.config().strides);
  const ConverterConfig& c = m.converter->config();
  EXPECT_EQ(c.kind, kind);
  EXPECT_EQ(c.z_dim, pair.conv.config().z_dim);
  EXPECT_EQ(c.kernel, pair.conv.config().kernel);
  EXPECT_EQ(c.slope, pair.conv.config().slope);
  EXPECT_EQ(c.channels, pair.conv.config().channels);
  EXPECT_EQ(c.strides, pair.conv.config().strides);
  EXPECT_EQ(c.dilations, pair.conv.config().dilations);
  EXPECT_TRUE(bitwise_equal(m.encoder->weights().params, pair.enc.weights().params));
  EXPECT_TRUE(bitwise_equal(m.encoder->weights().buffers, pair.enc.weights().buffers));
  EXPECT_TRUE(bitwise_equal(m.converter->weights().params, pair.conv.weights().params));
  EXPECT_TRUE(bitwise_equal(m.converter->weights().buffers, pair.conv.weights().buffers));
  EXPECT_FALSE(m.encoder->folded());
  EXPECT_FALSE(m.converter->folded());
  // Saving what was read gives the same file.
  EXPECT_EQ(serialize_model(*m.encoder, *m.converter, m.info), bytes);
}

TEST(ModelFile, WhiteBoxRoundTripsBitForBit) { check_round_trip(ConverterKind::WhiteBox); }
TEST(ModelFile, BlackBoxRoundTripsBitForBit) { check_round_trip(ConverterKind::BlackBox); }

TEST(ModelFile, SlopeRoundTripsExactly) {
  Encoder enc(small_encoder_config());
  for (float slope : {0.2f, 0.0123456789f, 1.0f / 3.0f}) {
    ConverterConfig cc = small_converter_config(ConverterKind::WhiteBox);
    cc.slope = slope;
    Converter conv(cc);
    const std::string bytes = serialize_model(enc, conv, {});
    EXPECT_EQ(parse_model(bytes).converter->config().slope, slope);
  }
  // The usual value stays short in the header.
  Converter conv(small_converter_config(ConverterKind::WhiteBox));
  EXPECT_NE(serialize_model(enc, conv, {}).find(" slope=0.01 "), std::string::npos);
}

TEST(ModelFile, ParsedModelComputesWhatTheOriginalComputes) {
  Pair pair(ConverterKind::WhiteBox, 6);
  for (float& v : pair.enc.weights().buffers) v = 1.0f;  // plausible running statistics
  for (float& v : pair.conv.weights().buffers) v = 1.0f;
  pair.enc.weights().params[0] = 0.1f;
  pair.conv.weights().params[0] = 0.1f;
  Model m = parse_model(pair.bytes());
  m.fold();
  pair.enc.fold();
  pair.conv.fold();
  const nn::Tensor x = to_tensor(testing::music_like(3000, 0.5, 15));
  const std::vector<float> z = pair.enc.encode(x);
  EXPECT_EQ(m.encoder->encode(x), z);
  Vectors p0, p1;
  pair.conv.forward({x}, {z}, false, &p0, nullptr, nullptr);
  m.converter->forward({x}, {z}, false, &p1, nullptr, nullptr);
  EXPECT_EQ(p0, p1);
}

// The reason parse_model gives for rejecting `bytes` ("" if it accepts them).
std::string rejection(const std::string& bytes) {
  try {
    parse_model(bytes);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

bool mentions(const std::string& message, const std::string& word) {
  return message.find(word) != std::string::npos;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(ModelFile, RejectsABadHeader) {
  const std::string good = Pair(ConverterKind::WhiteBox).bytes();
  EXPECT_TRUE(mentions(rejection(""), "header"));
  EXPECT_TRUE(mentions(rejection("RIFF....WAVEfmt "), "header"));
  EXPECT_TRUE(mentions(rejection(replace_once(good, "ITOMODEL 1", "ITOMODEL 2")), "header"));
  EXPECT_TRUE(mentions(rejection(replace_once(good, "\ndata\n", "\nDATA\n")), "header"));
  EXPECT_TRUE(mentions(rejection(replace_once(good, "\nencoder ", "\nencoded ")), "unknown line"));
  EXPECT_TRUE(mentions(rejection(replace_once(good, "kind=whitebox", "kind=greybox")), "kind"));
  EXPECT_TRUE(mentions(rejection(replace_once(good, " kernel=7", "")), "kernel"));
  EXPECT_TRUE(mentions(rejection(replace_once(good, "strides=2,4,1", "strides=2,4")), "length"));
  // z must be Φ's embedding size.
  EXPECT_TRUE(mentions(rejection(replace_once(good, " z=8", " z=9")), "z size"));
}

TEST(ModelFile, RejectsTruncatedData) {
  const std::string good = Pair(ConverterKind::BlackBox).bytes();
  ASSERT_EQ(rejection(good), "");
  for (std::size_t cut : {std::size_t{1}, std::size_t{4}, std::size_t{1000}})
    EXPECT_TRUE(mentions(rejection(good.substr(0, good.size() - cut)), "truncated")) << cut;
  const std::size_t data = good.find("\ndata\n") + 6;
  EXPECT_TRUE(mentions(rejection(good.substr(0, data)), "truncated"));
  // Cut inside the header: no data marker left.
  EXPECT_TRUE(mentions(rejection(good.substr(0, data - 3)), "header"));
  // And the other way: bytes after the last float.
  EXPECT_TRUE(mentions(rejection(good + std::string(4, '\0')), "trailing"));
}

TEST(ModelFile, RejectsWrongCounts) {
  const Pair pair(ConverterKind::WhiteBox);
  const std::string good = pair.bytes();
  const std::string counts = "floats " + std::to_string(pair.enc.weights().params.size()) + " " +
                             std::to_string(pair.enc.weights().buffers.size()) + " " +
                             std::to_string(pair.conv.weights().params.size()) + " " +
                             std::to_string(pair.conv.weights().buffers.size());
  ASSERT_NE(good.find(counts + "\n"), std::string::npos);
  const std::string wrong_conv = "floats " + std::to_string(pair.enc.weights().params.size()) + " " +
                                 std::to_string(pair.enc.weights().buffers.size()) + " " +
                                 std::to_string(pair.conv.weights().params.size() - 1) + " " +
                                 std::to_string(pair.conv.weights().buffers.size() + 1);
  EXPECT_TRUE(mentions(rejection(replace_once(good, counts, wrong_conv)), "count"));
  // The header's architecture and the data disagree: one more channel in the encoder.
  EXPECT_TRUE(mentions(rejection(replace_once(good, "channels=4,6,6,8", "channels=4,6,7,8")), "count"));
  EXPECT_TRUE(mentions(rejection(replace_once(good, counts, "floats 1 2 3")), "header"));
}

TEST(ModelFile, RejectsNonFiniteWeights) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    Pair pair(ConverterKind::WhiteBox);
    pair.conv.weights().params[pair.conv.param_count() / 2] = bad;
    EXPECT_TRUE(mentions(rejection(pair.bytes()), "non-finite"));
    Pair pair2(ConverterKind::BlackBox);
    pair2.enc.weights().buffers.back() = -bad;
    EXPECT_TRUE(mentions(rejection(pair2.bytes()), "non-finite"));
  }
}

// parse_model promises std::runtime_error for anything malformed, also in number fields.
TEST(ModelFile, RejectsMalformedNumbersAsRuntimeErrors) {
  const std::string good = Pair(ConverterKind::WhiteBox).bytes();
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"channels=4,6,6,8", "channels=4,x,6,8"},
           {"channels=4,6,6,8", "channels=4,6,6,-8"},
           {"channels=4,6,6,8", "channels=4,6,6,99999999999999"},
           {" z=8", " z=eight"},
           {" kernel=7", " kernel=seven"},
           {" kernel=7", " kernel=0"},
           {" kernel=7", " kernel=-3"},
           {" kernel=7", " kernel=7x"},
           {" slope=", " slope=x"},
           {" slope=", " slope=nan"}})
    EXPECT_TRUE(mentions(rejection(replace_once(good, from, to)), "model file: bad")) << to;
}

// Found while fuzzing the loader (tests/fuzz/fuzz_model_file.cpp): a header of a few lines
// asked for petabytes of weights, which parse_model allocated before comparing them with
// the file (std::bad_alloc, or gigabytes zero-filled). Refused before anything is built.
TEST(ModelFile, RejectsAHugeArchitectureBeforeAllocatingIt) {
  const std::string convolutions =
      "ITOMODEL 1\nencoder channels=65536,65536 kernels=65536,65536 strides=1,1\n"
      "converter kind=whitebox z=65536 kernel=3 slope=0.01 channels=2 strides=1 dilations=1\n"
      "floats 1 1 1 1\ndata\n";
  EXPECT_TRUE(mentions(rejection(convolutions), "needs more weights than the file holds"));
  // Small convolutions, but a FiLM of 65536 x 65536 behind them.
  const std::string film =
      "ITOMODEL 1\nencoder channels=65536 kernels=1 strides=1\n"
      "converter kind=blackbox z=65536 kernel=1 slope=0.01 channels=65536 strides=1 dilations=1\n"
      "floats 1 1 1 1\ndata\n" + std::string(4 * 65536 * 5, '\0');
  EXPECT_TRUE(mentions(rejection(film), "needs more weights than the file holds"));
}

}  // namespace
}  // namespace ito::models

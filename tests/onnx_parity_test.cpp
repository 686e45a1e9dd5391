// ONNX export (models/onnx_export.h): the exported graphs, run by ONNX Runtime (the npm
// package onnxruntime-node, CPU, through tests/onnx/run_onnx.mjs), give what our C++
// forward pass gives for the same folded networks.
//
// The parity tests need `node` on PATH and node_modules/onnxruntime-node in the source
// tree: without them they are skipped, or fail when the environment variable CI is set.
// The protobuf writer's own tests need neither.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "models/model_file.h"
#include "models/onnx_export.h"
#include "models/onnx_writer.h"
#include "nn/batch_norm.h"

namespace fs = std::filesystem;

namespace ito::models {

// Readable parameter values in test names ("whitebox", not "4-byte object <00-00 00-00>").
void PrintTo(ConverterKind kind, std::ostream* os) { *os << converter_kind_name(kind); }

namespace {

constexpr double kTolerance = 1e-4;  // |ours - ORT| / max(1, |ORT|)
constexpr int kSampleRate = 44100;

// ---------------------------------------------------------------------------------------
// The protobuf writer, byte for byte against the wire format.

std::string bytes_of(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

TEST(OnnxWriter, VarintsFollowTheWireFormat) {
  onnx::ProtoWriter w;
  w.varint(1, 8);
  EXPECT_EQ(w.str(), bytes_of({0x08, 0x08}));
  onnx::ProtoWriter big;
  big.varint(2, 300);  // 300 = 0b10_0101100 -> 0xAC 0x02
  EXPECT_EQ(big.str(), bytes_of({0x10, 0xAC, 0x02}));
  onnx::ProtoWriter negative;  // int64 -1: ten bytes, two's complement
  negative.varint(3, static_cast<std::uint64_t>(std::int64_t{-1}));
  EXPECT_EQ(negative.str(), bytes_of({0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
  onnx::ProtoWriter high_field;  // field 20 (AttributeProto.type): tag (20 << 3) = 160 -> 0xA0 0x01
  high_field.varint(20, 7);
  EXPECT_EQ(high_field.str(), bytes_of({0xA0, 0x01, 0x07}));
}

TEST(OnnxWriter, FloatsAndLengthDelimitedFields) {
  onnx::ProtoWriter f;
  f.fixed32(2, 1.0f);  // wire type 5, IEEE 754 little-endian
  EXPECT_EQ(f.str(), bytes_of({0x15, 0x00, 0x00, 0x80, 0x3F}));
  onnx::ProtoWriter s;
  s.bytes(4, "Conv");
  EXPECT_EQ(s.str(), bytes_of({0x22, 0x04, 'C', 'o', 'n', 'v'}));
  const std::string long_value(200, 'x');  // the length is a varint too
  onnx::ProtoWriter l;
  l.bytes(1, long_value);
  EXPECT_EQ(l.str().substr(0, 3), bytes_of({0x0A, 0xC8, 0x01}));
  EXPECT_EQ(l.str().size(), 3u + 200u);
}

TEST(OnnxWriter, ModelStartsWithIrVersionAndEndsWithOpset) {
  onnx::Graph g;
  g.name = "g";
  const std::string m = onnx::serialize_model(g, "p");
  EXPECT_EQ(m.substr(0, 2), bytes_of({0x08, 0x08}));  // ir_version 8
  // opset_import {domain "", version 17} as the last field.
  EXPECT_EQ(m.substr(m.size() - 6), bytes_of({0x42, 0x04, 0x0A, 0x00, 0x10, 0x11}));
}

// ---------------------------------------------------------------------------------------
// Small random networks with the real structure.

// Every parameter moves a little (biases, FiLM, the identity-initialized depthwise and skip
// convolutions, batch-norm γ and β); running statistics move away from (0, 1). Folding then
// changes every convolution.
void perturb(Weights& w, unsigned long long seed) {
  unsigned long long state = seed;
  for (float& p : w.params) p += 0.05f * normal_variate(state);
}
void perturb_bn(const ConvUnit& u, Weights& w, bool stats, unsigned long long& state) {
  if (!u.batch_norm) return;
  for (int c = 0; c < u.spec.out; ++c) {
    w.params[u.gamma + c] = 1.0f + 0.3f * normal_variate(state);
    w.params[u.beta + c] = 0.2f * normal_variate(state);
    if (!stats) continue;
    w.buffers[u.mean + c] = 0.3f * normal_variate(state);
    w.buffers[u.var + c] = std::exp(0.5f * normal_variate(state));
  }
}
void perturb(Encoder& e, unsigned long long seed) {
  perturb(e.weights(), seed);
  unsigned long long state = seed + 11;
  for (const auto& b : e.blocks()) perturb_bn(b.main, e.weights(), true, state);
}
void perturb(Converter& c, unsigned long long seed) {
  perturb(c.weights(), seed);
  unsigned long long state = seed + 13;
  for (const auto& b : c.blocks()) perturb_bn(b.main, c.weights(), true, state);
}

// Deep networks with made-up running statistics blow up (every output saturates). Instead,
// the statistics one training step sees on `x`, as a trained network would have them:
// running = (1 - m) running + m batch, solved for batch. Then γ and β move.
void set_running_stats_from_batch(Weights& w, const std::vector<float>& before) {
  const float m = nn::kBatchNormMomentum;
  for (std::size_t i = 0; i < w.buffers.size(); ++i) w.buffers[i] = (w.buffers[i] - (1.0f - m) * before[i]) / m;
}
void calibrate(Encoder& e, const nn::Batch& x, unsigned long long seed) {
  const std::vector<float> before = e.weights().buffers;
  std::vector<std::vector<float>> z;
  e.forward(x, true, z, nullptr);
  set_running_stats_from_batch(e.weights(), before);
  unsigned long long state = seed;
  for (const auto& b : e.blocks()) perturb_bn(b.main, e.weights(), false, state);
}
void calibrate(Converter& c, const nn::Batch& x, const std::vector<float>& z, unsigned long long seed) {
  const std::vector<float> before = c.weights().buffers;
  c.forward(x, std::vector<std::vector<float>>(x.size(), z), true, nullptr, nullptr, nullptr);
  set_running_stats_from_batch(c.weights(), before);
  unsigned long long state = seed;
  for (const auto& b : c.blocks()) perturb_bn(b.main, c.weights(), false, state);
}

// Strides 4, 2, 1 and 2 (total 16), an even kernel, an identity residual (block 3).
EncoderConfig tiny_encoder_config() { return {{4, 6, 6, 8}, {5, 4, 3, 3}, {4, 2, 1, 2}}; }

// White-box: strides 2 and 4 (total 32), dilations up to 4, full and depthwise residuals (the
// second block: 4 -> 4 at stride 4, the fourth: 6 -> 6 at stride 2). Black-box: stride 1
// throughout (its skip path adds the input), dilations up to 8.
ConverterConfig tiny_converter_config(ConverterKind kind, int kernel, int z_dim) {
  ConverterConfig c;
  c.kind = kind;
  c.z_dim = z_dim;
  c.kernel = kernel;
  c.slope = 0.05f;
  if (kind == ConverterKind::WhiteBox) {
    c.channels = {4, 4, 6, 6, 8};
    c.strides = {2, 4, 1, 2, 2};
    c.dilations = {1, 2, 4, 1, 3};
  } else {
    c.channels = {4, 4, 4, 5};
    c.strides = {1, 1, 1, 1};
    c.dilations = {1, 2, 8, 3};
  }
  return c;
}

nn::Tensor noise(int frames, float amplitude, unsigned long long seed) {
  nn::Tensor x(2, frames);
  unsigned long long state = seed;
  for (float& v : x.data) v = amplitude * normal_variate(state);
  return x;
}

std::vector<float> random_vector(int n, unsigned long long seed) {
  std::vector<float> z(n);
  unsigned long long state = seed;
  for (float& v : z) v = normal_variate(state);
  return z;
}

// ---------------------------------------------------------------------------------------
// Running ONNX Runtime.

fs::path source_root() { return fs::path(__FILE__).parent_path().parent_path(); }

std::string find_on_path(const std::string& exe) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path p = fs::path(dir.empty() ? "." : dir) / exe;
    if (::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p)) return p.string();
  }
  return "";
}

struct Input {
  std::string name;
  std::vector<int> shape;
  const std::vector<float>* values;
};

struct Output {
  std::vector<float> values;
  std::string shape_json;  // as the script writes it, e.g. [1,8]
};

std::string shape_json(const std::vector<int>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

void write_bytes(const fs::path& p, const void* data, std::size_t n) {
  std::ofstream out(p, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class OnnxParity : public ::testing::Test {
 public:
  void SetUp() override {
    node_ = find_on_path("node");
    script_ = source_root() / "tests" / "onnx" / "run_onnx.mjs";
    std::string problem;
    if (node_.empty()) {
      problem = "node is not on PATH";
    } else if (!fs::exists(source_root() / "node_modules" / "onnxruntime-node" / "package.json")) {
      problem = "node_modules/onnxruntime-node is missing in " + source_root().string() +
                " (npm install --ignore-scripts --no-save onnxruntime-node@1.30.0)";
    } else if (!fs::exists(script_)) {
      problem = script_.string() + " is missing";
    }
    if (!problem.empty()) {
      if (std::getenv("CI")) FAIL() << "ONNX Runtime parity cannot run: " << problem;
      GTEST_SKIP() << "ONNX Runtime parity skipped: " << problem;
    }
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(test.begin(), test.end(), '/', '_');  // parameterized: "Name/0"
    dir_ = fs::temp_directory_path() / ("itomaster_onnx_" + std::to_string(::getpid()) + "_" + test);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs `model` on the inputs with ORT; the outputs by name.
  std::map<std::string, Output> run_ort(const std::string& model, const std::vector<Input>& inputs) {
    for (const auto& entry : fs::directory_iterator(dir_)) fs::remove(entry.path());
    write_bytes(dir_ / "model.onnx", model.data(), model.size());
    std::string spec = "{\"inputs\":[";
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const Input& in = inputs[i];
      write_bytes(dir_ / (in.name + ".bin"), in.values->data(), in.values->size() * sizeof(float));
      spec += std::string(i ? "," : "") + "{\"name\":\"" + in.name + "\",\"shape\":" + shape_json(in.shape) + "}";
    }
    spec += "]}";
    write_bytes(dir_ / "inputs.json", spec.data(), spec.size());

    const std::string cmd = "'" + node_ + "' '" + script_.string() + "' '" + (dir_ / "model.onnx").string() + "' '" +
                            dir_.string() + "' 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot start " + cmd);
    std::string log;
    std::array<char, 4096> buf;
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) log.append(buf.data(), n);
    const int status = ::pclose(pipe);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error("run_onnx.mjs failed (status " + std::to_string(status) + "):\n" + log);

    const std::string listing = read_bytes(dir_ / "outputs.json");
    std::map<std::string, Output> outputs;
    std::size_t at = 0;
    const std::string key = "{\"name\":\"";
    while ((at = listing.find(key, at)) != std::string::npos) {
      at += key.size();
      const std::string name = listing.substr(at, listing.find('"', at) - at);
      const std::size_t open = listing.find('[', at), close = listing.find(']', open);
      Output& o = outputs[name];
      o.shape_json = listing.substr(open, close - open + 1);
      const std::string raw = read_bytes(dir_ / (name + ".out.bin"));
      o.values.resize(raw.size() / sizeof(float));
      std::copy(raw.begin(), raw.end(), reinterpret_cast<char*>(o.values.data()));
    }
    return outputs;
  }

 private:
  fs::path dir_;
  std::string node_;
  fs::path script_;
};

// max |ours - ORT| / max(1, |ORT|), after checking the shape.
double compare(const std::map<std::string, Output>& ort, const std::string& name, const std::vector<int>& shape,
               const std::vector<float>& ours) {
  const auto it = ort.find(name);
  if (it == ort.end()) {
    ADD_FAILURE() << "ORT gave no output '" << name << "'";
    return INFINITY;
  }
  EXPECT_EQ(it->second.shape_json, shape_json(shape)) << name;
  if (it->second.values.size() != ours.size()) {
    ADD_FAILURE() << name << ": " << it->second.values.size() << " values from ORT, " << ours.size() << " ours";
    return INFINITY;
  }
  double worst = 0.0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const double ref = it->second.values[i];
    worst = std::max(worst, std::abs(ours[i] - ref) / std::max(1.0, std::abs(ref)));
  }
  return worst;
}

void report(const std::string& what, double diff) {
  std::printf("[  parity  ] %-40s max diff %.3g\n", what.c_str(), diff);
  EXPECT_LE(diff, kTolerance) << what;
}

std::vector<float> as_vector(const nn::Tensor& t) { return t.data; }

// The encoder's z from ORT against Encoder::encode, for one input length.
double encoder_parity(OnnxParity& t, Encoder& encoder, const std::string& model, const nn::Tensor& audio) {
  const std::vector<float> z = encoder.encode(audio);
  const std::vector<float> audio_values = as_vector(audio);
  const auto ort = t.run_ort(model, {{"audio", {1, 2, audio.frames}, &audio_values}});
  return compare(ort, "z", {1, encoder.z_dim()}, z);
}

// Whatever the converter outputs (white-box params or black-box audio) from ORT against
// Converter::forward. `inside`: the fraction of outputs away from the sigmoid's or the
// clip's saturation, so that the comparison means something.
double converter_parity(OnnxParity& t, Converter& converter, const std::string& model, const nn::Tensor& audio,
                        const std::vector<float>& z, double& inside) {
  std::vector<std::vector<float>> params;
  nn::Batch out_audio;
  converter.forward(nn::Batch{audio}, {z}, false, &params, &out_audio, nullptr);
  const std::vector<float> audio_values = as_vector(audio);
  const auto ort = t.run_ort(model, {{"audio", {1, 2, audio.frames}, &audio_values},
                                     {"z", {1, static_cast<int>(z.size())}, &z}});
  const bool white_box = converter.kind() == ConverterKind::WhiteBox;
  const std::vector<float>& ours = white_box ? params.front() : out_audio.front().data;
  const float lo = white_box ? 0.01f : -0.999f, hi = white_box ? 0.99f : 0.999f;
  inside = static_cast<double>(std::count_if(ours.begin(), ours.end(), [&](float v) { return v > lo && v < hi; })) /
           static_cast<double>(ours.size());
  return white_box ? compare(ort, "params", {1, kWhiteBoxOutputs}, ours)
                   : compare(ort, "audio_out", {1, 2, audio.frames}, ours);
}

TEST_F(OnnxParity, EncoderMatchesForAnyLength) {
  Encoder encoder(tiny_encoder_config());
  encoder.init(3);
  perturb(encoder, 101);
  encoder.fold();
  const std::string model = encoder_to_onnx(encoder);
  // Lengths that are not multiples of the total stride (16); the graph's "frames" is symbolic.
  for (int frames : {3001, 1237}) {
    const double diff = encoder_parity(*this, encoder, model, noise(frames, 0.3f, frames));
    report("encoder, " + std::to_string(frames) + " frames", diff);
  }
}

class ConverterParity : public OnnxParity, public ::testing::WithParamInterface<std::tuple<ConverterKind, int>> {};

TEST_P(ConverterParity, MatchesOurForward) {
  const auto [kind, kernel] = GetParam();
  const int z_dim = 8;
  Converter converter(tiny_converter_config(kind, kernel, z_dim));
  converter.init(5 + kernel);
  perturb(converter, 200 + kernel);
  converter.fold();
  const std::string model = converter_to_onnx(converter);
  double inside = 0.0;
  const double diff = converter_parity(*this, converter, model, noise(2999, 0.4f, 17), random_vector(z_dim, 23),
                                       inside);
  report(converter_kind_name(kind) + " converter, kernel " + std::to_string(kernel), diff);
  EXPECT_GT(inside, 0.5) << "most outputs saturated: the comparison would mean little";
}

INSTANTIATE_TEST_SUITE_P(Kinds, ConverterParity,
                         ::testing::Combine(::testing::Values(ConverterKind::WhiteBox, ConverterKind::BlackBox),
                                            ::testing::Values(4, 5)),
                         [](const auto& info) {
                           return converter_kind_name(std::get<0>(info.param)) + "_kernel" +
                                  std::to_string(std::get<1>(info.param));
                         });

// Φ then Ψ on 3 s of noise, as the exported pair would be used: the converter gets our z.
// Returns the fraction of the converter's outputs that are not saturated.
// `z`: the converter's z instead of the encoder's (an untrained encoder's z is far larger
// than the converter's initial FiLM expects).
double check_model(OnnxParity& t, Model& m, const std::string& what, const std::vector<float>* z_override = nullptr) {
  m.fold();
  const std::string encoder_model = encoder_to_onnx(*m.encoder);
  const std::string converter_model = converter_to_onnx(*m.converter);
  const int frames = 3 * kSampleRate;
  const nn::Tensor reference = noise(frames, 0.2f, 31), input = noise(frames, 0.2f, 37);
  report(what + ": encoder", encoder_parity(t, *m.encoder, encoder_model, reference));
  double inside = 0.0;
  const std::vector<float> z = z_override ? *z_override : m.encoder->encode(reference);
  report(what + ": converter", converter_parity(t, *m.converter, converter_model, input, z, inside));
  std::printf("[  parity  ] %s: %.0f%% of the converter's outputs unsaturated\n", what.c_str(), 100.0 * inside);
  return inside;
}

// The trained models shipped in models/, when there are any.
TEST_F(OnnxParity, ShippedModels) {
  int found = 0;
  for (const char* name : {"whitebox.itom", "blackbox.itom"}) {
    const fs::path p = source_root() / "models" / name;
    if (!fs::exists(p)) continue;
    ++found;
    Model m = parse_model(read_bytes(p));
    check_model(*this, m, name);
  }
  if (found == 0) GTEST_SKIP() << "no models/whitebox.itom or models/blackbox.itom";
}

// The default (full-size) architectures, randomly initialized with batch-norm statistics
// from a training step, through the model file as the CLI reads it.
class DefaultSizeParity : public OnnxParity, public ::testing::WithParamInterface<ConverterKind> {};

TEST_P(DefaultSizeParity, MatchesOurForward) {
  const ConverterKind kind = GetParam();
  const EncoderConfig ec = default_encoder_config();
  Encoder encoder(ec);
  Converter converter(kind == ConverterKind::WhiteBox ? default_whitebox_config(ec.channels.back())
                                                      : default_blackbox_config(ec.channels.back()));
  encoder.init(41);
  converter.init(43);
  // Enough frames that the deepest layers (total stride 16384) see a few per example.
  nn::Batch x;
  for (int e = 0; e < 4; ++e) x.push_back(noise(65536, 0.2f, 59 + e));
  calibrate(encoder, x, 47);
  const std::vector<float> z = random_vector(ec.channels.back(), 61);
  calibrate(converter, x, z, 53);
  Model m = parse_model(serialize_model(encoder, converter, {}));
  EXPECT_GT(check_model(*this, m, "default " + converter_kind_name(kind), &z), 1.0 / 3.0)
      << "most outputs saturated: the comparison would mean little";
}

INSTANTIATE_TEST_SUITE_P(Kinds, DefaultSizeParity, ::testing::Values(ConverterKind::WhiteBox, ConverterKind::BlackBox),
                         [](const auto& info) { return converter_kind_name(info.param); });

// ---------------------------------------------------------------------------------------
// What the exporters refuse.

TEST(OnnxExport, RefusesUnfoldedNetworks) {
  Encoder encoder(tiny_encoder_config());
  encoder.init(1);
  EXPECT_THROW(encoder_to_onnx(encoder), std::logic_error);
  Converter converter(tiny_converter_config(ConverterKind::WhiteBox, 3, 8));
  converter.init(1);
  EXPECT_THROW(converter_to_onnx(converter), std::logic_error);
  encoder.fold();
  converter.fold();
  EXPECT_FALSE(encoder_to_onnx(encoder).empty());
  EXPECT_FALSE(converter_to_onnx(converter).empty());
}

// A black-box converter must run at full rate; one with a stride cannot even be built,
// so no such model reaches the exporter (or a model file).
TEST(OnnxExport, StridedBlackBoxCannotBeBuilt) {
  ConverterConfig c = tiny_converter_config(ConverterKind::BlackBox, 3, 8);
  c.strides[1] = 2;
  EXPECT_THROW(Converter{c}, std::invalid_argument);
}

}  // namespace
}  // namespace ito::models

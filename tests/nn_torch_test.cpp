// nn layers against PyTorch: random inputs and weights are written to a temp dir, and
// tests/torch/nn_reference.py computes the same ops with torch (float64, CPU) -- conv1d as
// F.pad + F.conv1d (stride, dilation, groups), training-mode batch norm with its running
// statistics, leaky relu, linear, FiLM, mean over time, sigmoid, and a small network of them
// all -- plus autograd gradients of the same random functional L = sum(r * y). Forward values
// and every gradient must agree to 1e-4 relative to the largest reference entry.
// Skipped when no python3 can import torch (Debian: apt-get install python3-torch).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "nn/activations.h"
#include "nn/batch_norm.h"
#include "nn/conv1d.h"
#include "nn/linear.h"
#include "nn/tensor.h"
#include "nn_test_util.h"

namespace ito::nn {
namespace {

namespace fs = std::filesystem;

constexpr double kTolerance = 1e-4;

fs::path reference_script() {
#ifdef ITO_SOURCE_DIR
  return fs::path(ITO_SOURCE_DIR) / "tests" / "torch" / "nn_reference.py";
#else
  return fs::path(__FILE__).parent_path() / "torch" / "nn_reference.py";
#endif
}

// Interpreters to try in turn: `python3` from PATH, then the system one (Debian's
// python3-torch lives there even when PATH points at another python3).
constexpr const char* kPythons[] = {"python3", "/usr/bin/python3"};
// nn_reference.py exits with this when it cannot import torch (importing it is slow, so
// the script itself is the probe).
constexpr int kNoTorch = 77;

Batch random_batch(int batch, int channels, int frames, std::mt19937& rng) {
  Batch b;
  for (int i = 0; i < batch; ++i) b.push_back(random_tensor(channels, frames, rng));
  return b;
}

// Concatenation of a batch's tensors: torch's (batch, channels, frames) layout.
std::vector<float> flatten(const Batch& b) {
  std::vector<float> v;
  for (const Tensor& t : b) v.insert(v.end(), t.data.begin(), t.data.end());
  return v;
}

// --- The cases: inputs (written for python) and what the library computes from them --------

// Named float arrays of one op; `inputs` go to python, `ours` are compared with its output.
struct OpCase {
  std::string desc;  // the desc.txt line
  std::string name;
  std::map<std::string, std::vector<float>> inputs, ours;
  // Outputs that are zero in exact arithmetic, judged against another output's scale.
  std::map<std::string, std::string> scale_of;
};

OpCase conv_case(const std::string& name, int batch, Conv1dSpec s, int frames, std::mt19937& rng) {
  OpCase c;
  c.name = name;
  std::ostringstream d;
  d << "conv " << name << ' ' << batch << ' ' << s.in << ' ' << s.out << ' ' << s.kernel << ' ' << s.stride << ' '
    << s.dilation << ' ' << int(s.depthwise) << ' ' << int(s.bias) << ' ' << frames;
  c.desc = d.str();
  const Batch x = random_batch(batch, s.in, frames, rng);
  const std::vector<float> w = random_vec(s.weight_count(), rng), b = random_vec(s.out, rng);
  const Batch r = random_batch(batch, s.out, s.out_frames(frames), rng);
  c.inputs = {{"x", flatten(x)}, {"w", w}, {"r", flatten(r)}};
  if (s.bias) c.inputs["b"] = b;

  Batch y(batch), gx(batch);
  std::vector<float> gw(w.size(), 0.0f), gb(s.out, 0.0f);
  for (int i = 0; i < batch; ++i) {
    conv1d_forward(s, w.data(), s.bias ? b.data() : nullptr, x[i], y[i]);
    conv1d_backward(s, w.data(), x[i], r[i], &gx[i], gw.data(), s.bias ? gb.data() : nullptr);  // sums over batch
  }
  c.ours = {{"y", flatten(y)}, {"gx", flatten(gx)}, {"gw", gw}};
  if (s.bias) c.ours["gb"] = gb;
  return c;
}

Conv1dSpec spec(int in, int out, int kernel, int stride, int dilation, bool depthwise, bool bias) {
  Conv1dSpec s;
  s.in = in;
  s.out = out;
  s.kernel = kernel;
  s.stride = stride;
  s.dilation = dilation;
  s.depthwise = depthwise;
  s.bias = bias;
  return s;
}

OpCase bn_case(const std::string& name, int batch, int channels, int frames, std::mt19937& rng) {
  OpCase c;
  c.name = name;
  c.desc = "bn " + name + ' ' + std::to_string(batch) + ' ' + std::to_string(channels) + ' ' + std::to_string(frames);
  Batch x = random_batch(batch, channels, frames, rng);
  for (Tensor& t : x)
    for (float& v : t.data) v = 2.0f * v + 0.7f;
  const std::vector<float> gamma = random_vec(channels, rng, -2.0f, 2.0f), beta = random_vec(channels, rng);
  std::vector<float> rm = random_vec(channels, rng), rv = random_vec(channels, rng, 0.5f, 2.0f);
  const Batch r = random_batch(batch, channels, frames, rng);
  c.inputs = {{"x", flatten(x)}, {"gamma", gamma}, {"beta", beta}, {"rm", rm}, {"rv", rv}, {"r", flatten(r)}};

  Batch y, gx;
  BatchNormCache cache;
  batch_norm_train_forward(x, gamma.data(), beta.data(), y, cache, rm.data(), rv.data());
  std::vector<float> ggamma(channels, 0.0f), gbeta(channels, 0.0f);
  batch_norm_backward(cache, gamma.data(), r, gx, ggamma.data(), gbeta.data());
  c.ours = {{"y", flatten(y)}, {"gx", flatten(gx)}, {"ggamma", ggamma}, {"gbeta", gbeta}, {"rm", rm}, {"rv", rv}};
  return c;
}

OpCase lrelu_case(const std::string& name, int n, float slope, std::mt19937& rng) {
  OpCase c;
  c.name = name;
  std::ostringstream d;
  d.precision(9);
  d << "lrelu " << name << ' ' << n << ' ' << slope;
  c.desc = d.str();
  const std::vector<float> x = random_vec(n, rng, -3.0f, 3.0f), r = random_vec(n, rng);
  c.inputs = {{"x", x}, {"r", r}};
  std::vector<float> y = x, g = r;
  leaky_relu_forward(y.data(), y.size(), slope);
  leaky_relu_backward(y.data(), g.data(), g.size(), slope);
  c.ours = {{"y", y}, {"gx", g}};
  return c;
}

OpCase sigmoid_case(const std::string& name, int n, std::mt19937& rng) {
  OpCase c;
  c.name = name;
  c.desc = "sigmoid " + name + ' ' + std::to_string(n);
  const std::vector<float> x = random_vec(n, rng, -8.0f, 8.0f), r = random_vec(n, rng);
  c.inputs = {{"x", x}, {"r", r}};
  std::vector<float> y(n), g(n);
  for (int i = 0; i < n; ++i) {
    y[i] = sigmoid(x[i]);
    g[i] = r[i] * sigmoid_grad_from_output(y[i]);
  }
  c.ours = {{"y", y}, {"gx", g}};
  return c;
}

OpCase linear_case(const std::string& name, int in, int out, std::mt19937& rng) {
  OpCase c;
  c.name = name;
  c.desc = "linear " + name + ' ' + std::to_string(in) + ' ' + std::to_string(out);
  const std::vector<float> x = random_vec(in, rng), w = random_vec(static_cast<std::size_t>(in) * out, rng),
                           b = random_vec(out, rng), r = random_vec(out, rng);
  c.inputs = {{"x", x}, {"w", w}, {"b", b}, {"r", r}};
  std::vector<float> y(out), gx(in), gw(w.size(), 0.0f), gb(out, 0.0f);
  linear_forward(in, out, w.data(), b.data(), x.data(), y.data());
  linear_backward(in, out, w.data(), x.data(), r.data(), gx.data(), gw.data(), gb.data());
  c.ours = {{"y", y}, {"gx", gx}, {"gw", gw}, {"gb", gb}};
  return c;
}

OpCase film_case(const std::string& name, int channels, int frames, std::mt19937& rng) {
  OpCase c;
  c.name = name;
  c.desc = "film " + name + ' ' + std::to_string(channels) + ' ' + std::to_string(frames);
  const Tensor x = random_tensor(channels, frames, rng);
  const std::vector<float> gamma = random_vec(channels, rng, -2.0f, 2.0f), beta = random_vec(channels, rng);
  const Tensor r = random_tensor(channels, frames, rng);
  c.inputs = {{"x", x.data}, {"gamma", gamma}, {"beta", beta}, {"r", r.data}};
  Tensor y = x, g = r;
  film_forward(y, gamma.data(), beta.data());
  std::vector<float> ggamma(channels), gbeta(channels);
  film_backward(x, gamma.data(), g, ggamma.data(), gbeta.data());
  c.ours = {{"y", y.data}, {"gx", g.data}, {"ggamma", ggamma}, {"gbeta", gbeta}};
  return c;
}

OpCase mean_case(const std::string& name, int channels, int frames, std::mt19937& rng) {
  OpCase c;
  c.name = name;
  c.desc = "mean " + name + ' ' + std::to_string(channels) + ' ' + std::to_string(frames);
  const Tensor x = random_tensor(channels, frames, rng);
  const std::vector<float> r = random_vec(channels, rng);
  c.inputs = {{"x", x.data}, {"r", r}};
  std::vector<float> y(channels);
  mean_over_time(x, y.data());
  Tensor gx;
  mean_over_time_backward(r.data(), channels, frames, gx);
  c.ours = {{"y", y}, {"gx", gx.data}};
  return c;
}

// conv -> batch norm (train) -> leaky relu -> depthwise conv -> FiLM from linear(cond) ->
// mean over time -> linear -> sigmoid, backpropagated with the library's passes alone.
OpCase chain_case(const std::string& name, std::mt19937& rng) {
  const int batch = 3, cin = 2, frames = 45, mid = 6, k1 = 5, s1 = 2, k2 = 3, d2 = 2, cond_dim = 3, cout = 2;
  const float slope = 0.2f;
  OpCase c;
  c.name = name;
  std::ostringstream d;
  d << "chain " << name << ' ' << batch << ' ' << cin << ' ' << frames << ' ' << mid << ' ' << k1 << ' ' << s1 << ' '
    << k2 << ' ' << d2 << ' ' << cond_dim << ' ' << cout << ' ' << slope;
  c.desc = d.str();
  const Conv1dSpec conv1 = spec(cin, mid, k1, s1, 1, false, true), conv2 = spec(mid, mid, k2, 1, d2, true, true);
  const Batch x = random_batch(batch, cin, frames, rng);
  const std::vector<float> w1 = random_vec(conv1.weight_count(), rng), b1 = random_vec(mid, rng);
  const std::vector<float> gamma = random_vec(mid, rng, 0.5f, 2.0f), beta = random_vec(mid, rng);
  const std::vector<float> w2 = random_vec(conv2.weight_count(), rng), b2 = random_vec(mid, rng);
  const std::vector<float> cond = random_vec(static_cast<std::size_t>(batch) * cond_dim, rng);
  const std::vector<float> wf = random_vec(2 * mid * cond_dim, rng), bf = random_vec(2 * mid, rng);
  const std::vector<float> wo = random_vec(cout * mid, rng), bo = random_vec(cout, rng);
  const std::vector<float> r = random_vec(static_cast<std::size_t>(batch) * cout, rng);
  c.inputs = {{"x", flatten(x)}, {"w1", w1}, {"b1", b1}, {"gamma", gamma}, {"beta", beta}, {"w2", w2},
              {"b2", b2},        {"cond", cond}, {"wf", wf}, {"bf", bf}, {"wo", wo}, {"bo", bo}, {"r", r}};

  // Forward.
  Batch h1(batch), h2, h4(batch);
  for (int i = 0; i < batch; ++i) conv1d_forward(conv1, w1.data(), b1.data(), x[i], h1[i]);
  BatchNormCache cache;
  batch_norm_train_forward(h1, gamma.data(), beta.data(), h2, cache, nullptr, nullptr);
  Batch h3 = h2;
  for (Tensor& t : h3) leaky_relu_forward(t.data.data(), t.size(), slope);
  std::vector<std::vector<float>> film(batch, std::vector<float>(2 * mid)), m(batch, std::vector<float>(mid));
  std::vector<float> y(static_cast<std::size_t>(batch) * cout);
  for (int i = 0; i < batch; ++i) {
    conv1d_forward(conv2, w2.data(), b2.data(), h3[i], h4[i]);
    linear_forward(cond_dim, 2 * mid, wf.data(), bf.data(), cond.data() + i * cond_dim, film[i].data());
    Tensor h5 = h4[i];
    film_forward(h5, film[i].data(), film[i].data() + mid);
    mean_over_time(h5, m[i].data());
    linear_forward(mid, cout, wo.data(), bo.data(), m[i].data(), y.data() + i * cout);
    for (int o = 0; o < cout; ++o) y[i * cout + o] = sigmoid(y[i * cout + o]);
  }

  // Backward.
  std::vector<float> gw1(w1.size(), 0.0f), gb1(mid, 0.0f), ggamma(mid, 0.0f), gbeta(mid, 0.0f);
  std::vector<float> gw2(w2.size(), 0.0f), gb2(mid, 0.0f), gcond(cond.size()), gwf(wf.size(), 0.0f),
      gbf(bf.size(), 0.0f), gwo(wo.size(), 0.0f), gbo(cout, 0.0f);
  Batch gh3(batch), gh1, gx(batch);
  for (int i = 0; i < batch; ++i) {
    std::vector<float> gz(cout), gm(mid), gfilm(2 * mid);
    for (int o = 0; o < cout; ++o) gz[o] = r[i * cout + o] * sigmoid_grad_from_output(y[i * cout + o]);
    linear_backward(mid, cout, wo.data(), m[i].data(), gz.data(), gm.data(), gwo.data(), gbo.data());
    Tensor gh;
    mean_over_time_backward(gm.data(), mid, h4[i].frames, gh);
    film_backward(h4[i], film[i].data(), gh, gfilm.data(), gfilm.data() + mid);
    linear_backward(cond_dim, 2 * mid, wf.data(), cond.data() + i * cond_dim, gfilm.data(),
                    gcond.data() + i * cond_dim, gwf.data(), gbf.data());
    conv1d_backward(conv2, w2.data(), h3[i], gh, &gh3[i], gw2.data(), gb2.data());
    leaky_relu_backward(h3[i].data.data(), gh3[i].data.data(), gh3[i].size(), slope);
  }
  batch_norm_backward(cache, gamma.data(), gh3, gh1, ggamma.data(), gbeta.data());
  for (int i = 0; i < batch; ++i) conv1d_backward(conv1, w1.data(), x[i], gh1[i], &gx[i], gw1.data(), gb1.data());
  c.ours = {{"y", y},           {"gx", flatten(gx)}, {"gw1", gw1}, {"gb1", gb1}, {"ggamma", ggamma},
            {"gbeta", gbeta},   {"gw2", gw2},        {"gb2", gb2}, {"gcond", gcond}, {"gwf", gwf},
            {"gbf", gbf},       {"gwo", gwo},        {"gbo", gbo}};
  // Batch norm removes any per-channel constant, so dL/db1 = 0 up to rounding.
  c.scale_of["gb1"] = "gw1";
  return c;
}

std::vector<OpCase> make_cases() {
  std::mt19937 rng(2024);
  std::vector<OpCase> cases;
  // Convs over a batch of 2 (weight gradients summed over it): even kernels, stride and
  // dilation, frames not a multiple of the stride and shorter than the kernel's span,
  // depthwise, no bias, and a long input split into chunks run in parallel.
  cases.push_back(conv_case("conv_k5", 2, spec(3, 5, 5, 1, 1, false, true), 50, rng));
  cases.push_back(conv_case("conv_k4_s2_d3", 2, spec(4, 6, 4, 2, 3, false, true), 37, rng));
  cases.push_back(conv_case("conv_k10_s4_d2_nobias", 2, spec(2, 7, 10, 4, 2, false, false), 23, rng));
  cases.push_back(conv_case("conv_k15_d8_short", 2, spec(5, 3, 15, 1, 8, false, true), 9, rng));
  cases.push_back(conv_case("conv_k25_s4_c9", 2, spec(9, 9, 25, 4, 1, false, true), 3001, rng));
  cases.push_back(conv_case("conv_k2_s2_d1", 2, spec(1, 4, 2, 2, 1, false, true), 16, rng));
  cases.push_back(conv_case("conv_long", 2, spec(2, 5, 3, 2, 2, false, true), 20001, rng));
  cases.push_back(conv_case("dw_k5_s2_d2", 2, spec(6, 6, 5, 2, 2, true, true), 31, rng));
  cases.push_back(conv_case("dw_k25_nobias", 2, spec(3, 3, 25, 1, 1, true, false), 12, rng));
  cases.push_back(conv_case("dw_k10_s4_d8", 2, spec(5, 5, 10, 4, 8, true, true), 101, rng));
  cases.push_back(bn_case("bn_small", 3, 4, 11, rng));
  cases.push_back(bn_case("bn_wide", 3, 7, 100, rng));
  cases.push_back(lrelu_case("lrelu", 200, 0.2f, rng));
  cases.push_back(lrelu_case("relu", 200, 0.0f, rng));
  cases.push_back(sigmoid_case("sigmoid", 200, rng));
  cases.push_back(linear_case("linear_small", 7, 5, rng));
  cases.push_back(linear_case("linear_wide", 32, 3, rng));
  cases.push_back(film_case("film", 6, 13, rng));
  cases.push_back(mean_case("mean", 5, 17, rng));
  cases.push_back(chain_case("chain", rng));
  return cases;
}

// --- Running the reference ----------------------------------------------------------------

void write_f32(const fs::path& path, const std::vector<float>& v) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
}

// The file's doubles, or an empty vector with `error` set.
std::vector<double> read_f64(const fs::path& path, std::string& error) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    error = "missing " + path.string();
    return {};
  }
  std::vector<double> v(static_cast<std::size_t>(in.tellg()) / sizeof(double));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
  return v;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the reference on the cases written to `dir`. Returns false when no interpreter can
// import torch; otherwise `error` is empty on success.
bool run_reference(const fs::path& dir, std::string& error) {
  for (const char* python : kPythons) {
    const std::string cmd = std::string(python) + " '" + reference_script().string() + "' '" + dir.string() +
                            "' > '" + (dir / "python.log").string() + "' 2>&1";
    const int status = std::system(cmd.c_str());
    const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (rc == kNoTorch || rc == 127) continue;  // no torch, or no such interpreter
    if (rc != 0 || !fs::exists(dir / "done"))
      error = "`" + cmd + "` failed (exit " + std::to_string(rc) + "):\n" + read_text(dir / "python.log");
    return true;
  }
  return false;
}

// Compares every output of one case; returns the worst max|ours - torch| / max|torch|.
double compare(const fs::path& dir, const OpCase& c) {
  double worst = 0.0;
  for (const auto& [key, ours] : c.ours) {
    std::string error;
    const std::vector<double> ref = read_f64(dir / (c.name + '.' + key + ".f64"), error);
    EXPECT_TRUE(error.empty()) << error;
    EXPECT_EQ(ref.size(), ours.size()) << c.name << '.' << key << ": torch and the library disagree on the shape";
    if (ref.size() != ours.size()) continue;
    double max_ref = 0.0, max_err = 0.0;
    std::size_t at = 0;
    const auto scale_key = c.scale_of.find(key);
    if (scale_key != c.scale_of.end())
      for (double v : read_f64(dir / (c.name + '.' + scale_key->second + ".f64"), error))
        max_ref = std::max(max_ref, std::abs(v));
    for (std::size_t n = 0; n < ref.size(); ++n) {
      max_ref = std::max(max_ref, std::abs(ref[n]));
      const double err = std::abs(ours[n] - ref[n]);
      if (!(err <= max_err)) {  // NaN-safe
        max_err = err;
        at = n;
      }
    }
    const double rel = max_err / std::max(max_ref, 1e-30);
    EXPECT_LE(rel, kTolerance) << c.name << '.' << key << " at " << at << ": " << ours[at] << " vs torch " << ref[at];
    EXPECT_GT(max_ref, 0.0) << c.name << '.' << key << " is all zero: a degenerate case";
    std::printf("  %-24s %-7s %6zu values, max|err| / max|torch| = %.2e\n", c.name.c_str(), key.c_str(), ref.size(),
                rel);
    worst = std::max(worst, rel);
  }
  return worst;
}

// One test, so that torch (slow to import) is loaded once per run of the suite.
TEST(NnTorch, ForwardAndGradientsMatchPyTorch) {
  const fs::path dir = fs::temp_directory_path() / ("ito_nn_torch_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { fs::remove_all(dir); }
  } cleanup{dir};

  const std::vector<OpCase> cases = make_cases();
  std::ofstream desc(dir / "desc.txt");
  for (const OpCase& c : cases) {
    desc << c.desc << '\n';
    for (const auto& [key, values] : c.inputs) write_f32(dir / (c.name + '.' + key + ".f32"), values);
  }
  desc.close();

  std::string error;
  if (!run_reference(dir, error))
    GTEST_SKIP() << "neither python3 nor /usr/bin/python3 can `import torch` (install python3-torch); "
                    "skipping the PyTorch reference comparison";
  ASSERT_TRUE(error.empty()) << error;
  std::printf("  reference: %s", read_text(dir / "done").c_str());

  double worst = 0.0;
  for (const OpCase& c : cases) worst = std::max(worst, compare(dir, c));
  std::printf("  worst over all ops and gradients: %.2e (tolerance %.0e)\n", worst, kTolerance);
}

}  // namespace
}  // namespace ito::nn

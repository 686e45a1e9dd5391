// Ψ's forward tape for the GPU backward (web/gpu_backward.js, shaders/*.wgsl), and the C++
// reference dL/dz it is checked against. Embind, worker side:
//
//   psiLoad(bytes: Uint8Array)              -> {kind, zDim, blocks} | {error}
//   psiTape(left, right, z)                 -> the tape (below) | {error}
//   psiBackwardZ(left, right, z, gParams)   -> Float32Array(zDim) dL/dz | {error}
//
// The model is parsed and folded into a slot of its own (engine_api.cpp keeps its model in
// an anonymous namespace), so the worker hands the same .itom bytes to psiLoad. Only the
// white-box converter: its head (mean over time, FiLM, sigmoid) is what gpu_backward.js runs.
//
// Tape (all arrays Float32Array, row-major (channels, frames) as nn::Tensor):
//   {zDim, slope, frames, p: (46), blocks: [{in, out, kernel, stride, dilation, padLeft,
//     depthwise (the residual), framesIn, framesOut, input: (in, framesIn),
//     hidden: (out, framesOut) LeakyReLU output = FiLM input, gamma: (out), beta: (out),
//     convW: (out, in, kernel), convB: (out), resW: (out) or (out, in),
//     filmW: (2*out, zDim), filmB: (2*out)}],
//    head: {in, out, frames, logitsMean: (46), gamma: (46), beta: (46), w: (46, in), b: (46),
//     filmW: (92, zDim), filmB: (92)}}
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/model_file.h"

using emscripten::val;

namespace ito {
namespace {

using models::Converter;

std::unique_ptr<models::Model>& psi_slot() {
  static std::unique_ptr<models::Model> m;
  return m;
}

Converter& loaded_psi() {
  if (!psi_slot()) throw std::runtime_error("no model: call psiLoad(bytes) first");
  return *psi_slot()->converter;
}

val error_object(const std::string& message) {
  val out = val::object();
  out.set("error", message);
  return out;
}

// Copies (views into wasm memory go stale when memory grows).
val f32(const float* data, std::size_t n) {
  return val::global("Float32Array").new_(emscripten::typed_memory_view(n, data));
}
val f32(const std::vector<float>& v) { return f32(v.data(), v.size()); }

std::vector<float> floats(const val& array) { return emscripten::convertJSArrayToNumberVector<float>(array); }

nn::Batch audio_batch(const val& left, const val& right) {
  const std::vector<float> l = floats(left), r = floats(right);
  if (l.size() != r.size()) throw std::invalid_argument("left and right differ in length");
  if (l.empty()) throw std::invalid_argument("empty audio");
  nn::Tensor x(2, static_cast<int>(l.size()));
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (!std::isfinite(l[i]) || !std::isfinite(r[i])) throw std::invalid_argument("audio holds NaN or Inf samples");
    x.row(0)[i] = l[i];
    x.row(1)[i] = r[i];
  }
  return {x};
}

std::vector<float> z_vector(const Converter& psi, const val& z_js) {
  std::vector<float> z = floats(z_js);
  if (static_cast<int>(z.size()) != psi.config().z_dim)
    throw std::invalid_argument("z has " + std::to_string(z.size()) + " values, the model expects " +
                                std::to_string(psi.config().z_dim));
  return z;
}

// A range of the converter's flat parameter vector.
val param_slice(const Converter& psi, std::size_t at, std::size_t n) {
  return f32(psi.weights().params.data() + at, n);
}

val load(val bytes) {
  try {
    const std::vector<uint8_t> data = emscripten::convertJSArrayToNumberVector<uint8_t>(bytes);
    auto m = std::make_unique<models::Model>(models::parse_model(std::string(data.begin(), data.end())));
    m->fold();
    if (m->converter->kind() != models::ConverterKind::WhiteBox)
      throw std::invalid_argument("psiLoad: only the white-box converter has a GPU backward");
    val out = val::object();
    out.set("kind", models::converter_kind_name(m->converter->kind()));
    out.set("zDim", m->converter->config().z_dim);
    out.set("blocks", static_cast<int>(m->converter->blocks().size()));
    psi_slot() = std::move(m);
    return out;
  } catch (const std::exception& e) {
    return error_object(e.what());
  }
}

val block_object(const Converter& psi, const Converter::Tape& t, std::size_t n) {
  const Converter::Block& b = psi.blocks()[n];
  const nn::Conv1dSpec& s = b.main.spec;
  const int channels = s.out;
  const nn::Tensor& in = t.inputs[n].front();
  const nn::Tensor& hidden = t.hidden[n].front();
  const std::vector<float>& film = t.film[n].front();  // γ then β
  val o = val::object();
  o.set("in", s.in);
  o.set("out", s.out);
  o.set("kernel", s.kernel);
  o.set("stride", s.stride);
  o.set("dilation", s.dilation);
  o.set("padLeft", s.pad_left());
  o.set("depthwise", b.residual.spec.depthwise);
  o.set("framesIn", in.frames);
  o.set("framesOut", hidden.frames);
  o.set("input", f32(in.data));
  o.set("hidden", f32(hidden.data));
  o.set("gamma", f32(film.data(), channels));
  o.set("beta", f32(film.data() + channels, channels));
  o.set("convW", param_slice(psi, b.main.w, s.weight_count()));
  o.set("convB", param_slice(psi, b.main.b, s.bias_count()));
  o.set("resW", param_slice(psi, b.residual.w, b.residual.spec.weight_count()));
  const std::size_t z_dim = psi.config().z_dim;
  o.set("filmW", param_slice(psi, b.film_w, 2 * channels * z_dim));
  o.set("filmB", param_slice(psi, b.film_b, 2 * channels));
  return o;
}

val head_object(const Converter& psi, const Converter::Tape& t) {
  const int outs = models::kWhiteBoxOutputs;
  const nn::Conv1dSpec& s = psi.head().spec;
  const std::vector<float>& film = t.head_film.front();
  val o = val::object();
  o.set("in", s.in);
  o.set("out", s.out);
  o.set("frames", t.head_out.front().frames);
  o.set("logitsMean", f32(t.logits_mean.front()));
  o.set("gamma", f32(film.data(), outs));
  o.set("beta", f32(film.data() + outs, outs));
  o.set("w", param_slice(psi, psi.head().w, s.weight_count()));
  o.set("b", param_slice(psi, psi.head().b, s.bias_count()));
  const std::size_t z_dim = psi.config().z_dim;
  o.set("filmW", param_slice(psi, psi.head_film_w(), 2 * outs * z_dim));
  o.set("filmB", param_slice(psi, psi.head_film_b(), 2 * outs));
  return o;
}

val tape_js(val left, val right, val z_js) {
  try {
    Converter& psi = loaded_psi();
    const std::vector<float> z = z_vector(psi, z_js);
    const nn::Batch x = audio_batch(left, right);
    Converter::Tape t;
    std::vector<std::vector<float>> p;
    psi.forward(x, {z}, false, &p, nullptr, &t);
    val out = val::object();
    out.set("zDim", psi.config().z_dim);
    out.set("slope", psi.config().slope);
    out.set("frames", x.front().frames);
    out.set("p", f32(p.front()));
    val blocks = val::array();
    for (std::size_t n = 0; n < psi.blocks().size(); ++n) blocks.call<void>("push", block_object(psi, t, n));
    out.set("blocks", blocks);
    out.set("head", head_object(psi, t));
    return out;
  } catch (const std::exception& e) {
    return error_object(e.what());
  }
}

val backward_z_js(val left, val right, val z_js, val g_params_js) {
  try {
    Converter& psi = loaded_psi();
    const std::vector<float> z = z_vector(psi, z_js);
    const std::vector<float> gp = floats(g_params_js);
    if (gp.size() != static_cast<std::size_t>(models::kWhiteBoxOutputs))
      throw std::invalid_argument("gParams must hold 46 values");
    Converter::Tape t;
    std::vector<std::vector<float>> p, gz;
    psi.forward(audio_batch(left, right), {z}, false, &p, nullptr, &t);
    const std::vector<std::vector<float>> g_params{gp};
    psi.backward(t, &g_params, nullptr, nullptr, &gz);
    return f32(gz.front());
  } catch (const std::exception& e) {
    return error_object(e.what());
  }
}

}  // namespace
}  // namespace ito

EMSCRIPTEN_BINDINGS(ito_psi_tape) {
  emscripten::function("psiLoad", &ito::load);
  emscripten::function("psiTape", &ito::tape_js);
  emscripten::function("psiBackwardZ", &ito::backward_z_js);
}

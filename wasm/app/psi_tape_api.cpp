// Ψ's forward tape for the GPU backward (web/gpu_backward.js, shaders/*.wgsl), and the C++
// reference dL/dz it is checked against. Embind, worker side:
//
//   psiLoad(bytes: Uint8Array)              -> {kind, zDim, blocks} | {error}
//   psiTape(left, right, z)                 -> the tape (below) | {error}
//   psiBackwardZ(left, right, z, gParams)   -> Float32Array(zDim) dL/dz | {error}
//
// A test and benchmark surface: the model is parsed and folded into a slot of its own, apart
// from the engine's (the page's ITO loop uses ito_session_api.cpp). Only the white-box
// converter: its head (mean over time, FiLM, sigmoid) is what gpu_backward.js runs.
//
// The tape's layout: psi_tape_js.h.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/js_convert.h"
#include "app/psi_tape_js.h"
#include "ito/ito_z.h"
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

using js::float32_array;
using js::floats;

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

val load(val bytes) {
  return js::guarded([&]() -> val {
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
  });
}

val tape_js(val left, val right, val z_js) {
  return js::guarded([&]() -> val {
    Converter& psi = loaded_psi();
    const std::vector<float> z = z_vector(psi, z_js);
    const nn::Batch x = audio_batch(left, right);
    Converter::Tape t;
    std::vector<std::vector<float>> p;
    psi.forward(x, {z}, false, &p, nullptr, &t);
    return app::psi_tape_object(psi, t, x.front().frames, p.front());
  });
}

val backward_z_js(val left, val right, val z_js, val g_params_js) {
  return js::guarded([&]() -> val {
    Converter& psi = loaded_psi();
    const std::vector<float> z = z_vector(psi, z_js);
    const std::vector<float> gp = floats(g_params_js);
    if (gp.size() != static_cast<std::size_t>(models::kWhiteBoxOutputs))
      throw std::invalid_argument("gParams must hold 46 values");
    Converter::Tape t;
    std::vector<std::vector<float>> p;
    psi.forward(audio_batch(left, right), {z}, false, &p, nullptr, &t);
    return float32_array(converter_backward_z(psi, t, gp));
  });
}

}  // namespace
}  // namespace ito

EMSCRIPTEN_BINDINGS(ito_psi_tape) {
  emscripten::function("psiLoad", &ito::load);
  emscripten::function("psiTape", &ito::tape_js);
  emscripten::function("psiBackwardZ", &ito::backward_z_js);
}

#include "app/psi_tape_js.h"

#include "app/js_convert.h"

namespace ito::app {
namespace {

using emscripten::val;
using models::Converter;

// A range of the converter's flat parameter vector.
val param_slice(const Converter& psi, std::size_t at, std::size_t n) {
  return js::float32_array(psi.weights().params.data() + at, n);
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
  o.set("input", js::float32_array(in.data));
  o.set("hidden", js::float32_array(hidden.data));
  o.set("gamma", js::float32_array(film.data(), channels));
  o.set("beta", js::float32_array(film.data() + channels, channels));
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
  o.set("logitsMean", js::float32_array(t.logits_mean.front()));
  o.set("gamma", js::float32_array(film.data(), outs));
  o.set("beta", js::float32_array(film.data() + outs, outs));
  o.set("w", param_slice(psi, psi.head().w, s.weight_count()));
  o.set("b", param_slice(psi, psi.head().b, s.bias_count()));
  const std::size_t z_dim = psi.config().z_dim;
  o.set("filmW", param_slice(psi, psi.head_film_w(), 2 * outs * z_dim));
  o.set("filmB", param_slice(psi, psi.head_film_b(), 2 * outs));
  return o;
}

}  // namespace

val psi_tape_object(const Converter& psi, const Converter::Tape& t, int frames, const std::vector<float>& p) {
  val out = val::object();
  out.set("zDim", psi.config().z_dim);
  out.set("slope", psi.config().slope);
  out.set("frames", frames);
  out.set("p", js::float32_array(p));
  val blocks = val::array();
  for (std::size_t n = 0; n < psi.blocks().size(); ++n) blocks.call<void>("push", block_object(psi, t, n));
  out.set("blocks", blocks);
  out.set("head", head_object(psi, t));
  return out;
}

}  // namespace ito::app

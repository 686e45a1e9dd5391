#include "models/onnx_export.h"

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "models/onnx_writer.h"

namespace ito::models {
namespace {

using onnx::Attribute;

// Builds one graph: fresh value names, initializers from the flat parameter vector.
class GraphBuilder {
 public:
  GraphBuilder(std::string name, const Weights& w) : params_(w.params) { graph_.name = std::move(name); }

  onnx::Graph& graph() { return graph_; }

  std::string fresh(const std::string& stem) { return stem + "_" + std::to_string(counter_++); }

  std::string constant(const std::string& stem, std::vector<std::int64_t> dims, const float* values) {
    const std::string name = fresh(stem);
    graph_.initializers.push_back(onnx::float_initializer(name, std::move(dims), values));
    return name;
  }
  std::string params(const std::string& stem, std::vector<std::int64_t> dims, std::size_t offset) {
    return constant(stem, std::move(dims), params_.data() + offset);
  }

  // One node with one output; returns the output's name (`out`, or a fresh one).
  std::string node(const std::string& op, std::vector<std::string> inputs, std::vector<Attribute> attrs = {},
                   std::string out = "") {
    if (out.empty()) out = fresh(op);
    graph_.nodes.push_back({op, std::move(inputs), {out}, std::move(attrs), out});
    return out;
  }

  // The unit's convolution (folded: no batch norm left). Weights [out, in/group, kernel] as
  // PyTorch stores them; pads as Conv1dSpec's "same" padding (asymmetric for even kernels).
  std::string conv(const ConvUnit& u, const std::string& x) {
    const nn::Conv1dSpec& s = u.spec;
    const std::int64_t per_group_in = s.depthwise ? 1 : s.in;
    std::vector<std::string> inputs{x, params("w", {s.out, per_group_in, s.kernel}, u.w)};
    if (s.bias) inputs.push_back(params("b", {s.out}, u.b));
    return node("Conv", std::move(inputs),
                {Attribute::make_ints("dilations", {s.dilation}), Attribute::make_int("group", s.depthwise ? s.out : 1),
                 Attribute::make_ints("kernel_shape", {s.kernel}),
                 Attribute::make_ints("pads", {s.pad_left(), s.pad_right()}),
                 Attribute::make_ints("strides", {s.stride})});
  }

  // FiLM from z through Linear(z_dim -> 2C) stored [2C][z_dim]: γ = rows 0..C-1, β = rows C..2C-1.
  // Returns (γ, β), each [1, C].
  std::pair<std::string, std::string> film(std::size_t at_w, std::size_t at_b, int channels, int z_dim,
                                           const std::string& z) {
    const Attribute trans_b = Attribute::make_int("transB", 1);
    const std::size_t half = static_cast<std::size_t>(channels) * z_dim;
    const std::string gamma =
        node("Gemm", {z, params("film_gamma_w", {channels, z_dim}, at_w), params("film_gamma_b", {channels}, at_b)},
             {trans_b});
    const std::string beta = node(
        "Gemm",
        {z, params("film_beta_w", {channels, z_dim}, at_w + half), params("film_beta_b", {channels}, at_b + channels)},
        {trans_b});
    return {gamma, beta};
  }

  // [1, C] -> [1, C, 1] so that it broadcasts over time.
  std::string unsqueeze_time(const std::string& x) {
    if (axes_.empty()) {
      axes_ = fresh("axes_time");
      graph_.initializers.push_back(onnx::int64_initializer(axes_, {1}, {2}));
    }
    return node("Unsqueeze", {x, axes_});
  }

  std::string mean_over_time(const std::string& x, std::string out = "") {
    return node("ReduceMean", {x}, {Attribute::make_ints("axes", {2}), Attribute::make_int("keepdims", 0)},
                std::move(out));
  }

 private:
  const std::vector<float>& params_;
  onnx::Graph graph_;
  int counter_ = 0;
  std::string axes_;
};

onnx::ValueInfo audio_info(const std::string& name) { return {name, {{1, ""}, {2, ""}, {0, "frames"}}}; }

onnx::ValueInfo vector_info(const std::string& name, int size) { return {name, {{1, ""}, {size, ""}}}; }

}  // namespace

std::string encoder_to_onnx(const Encoder& encoder) {
  if (!encoder.folded()) throw std::logic_error("encoder_to_onnx: the encoder is not folded (call fold() first)");
  GraphBuilder g("itomaster_encoder", encoder.weights());
  g.graph().inputs.push_back(audio_info("audio"));
  std::string x = "audio";
  for (const Encoder::Block& b : encoder.blocks()) {
    const std::string h = g.node("Relu", {g.conv(b.main, x)});
    const std::string residual = b.projected ? g.conv(b.projection, x) : x;
    x = g.node("Add", {h, residual});
  }
  g.mean_over_time(x, "z");
  g.graph().outputs.push_back(vector_info("z", encoder.z_dim()));
  return onnx::serialize_model(g.graph());
}

std::string converter_to_onnx(const Converter& converter) {
  if (!converter.folded()) throw std::logic_error("converter_to_onnx: the converter is not folded (call fold() first)");
  const ConverterConfig& c = converter.config();
  const bool white_box = converter.kind() == ConverterKind::WhiteBox;
  if (!white_box)
    for (int s : c.strides)
      if (s != 1) throw std::invalid_argument("converter_to_onnx: a black-box converter needs stride 1 in every block");

  GraphBuilder g(white_box ? "itomaster_converter_whitebox" : "itomaster_converter_blackbox", converter.weights());
  g.graph().inputs.push_back(audio_info("audio"));
  g.graph().inputs.push_back(vector_info("z", c.z_dim));
  std::string x = "audio";
  for (const Converter::Block& b : converter.blocks()) {
    const int channels = b.main.spec.out;
    std::string h = g.node("LeakyRelu", {g.conv(b.main, x)}, {Attribute::make_float("alpha", c.slope)});
    const auto [gamma, beta] = g.film(b.film_w, b.film_b, channels, c.z_dim, "z");
    h = g.node("Add", {g.node("Mul", {h, g.unsqueeze_time(gamma)}), g.unsqueeze_time(beta)});
    x = g.node("Add", {h, g.conv(b.residual, x)});
  }
  const std::string head = g.conv(converter.head(), x);

  if (white_box) {
    const std::string logits = g.mean_over_time(head);
    const auto [gamma, beta] =
        g.film(converter.head_film_w(), converter.head_film_b(), kWhiteBoxOutputs, c.z_dim, "z");
    g.node("Sigmoid", {g.node("Add", {g.node("Mul", {logits, gamma}), beta})}, {}, "params");
    g.graph().outputs.push_back(vector_info("params", kWhiteBoxOutputs));
  } else {
    const std::string y = g.node("Add", {head, g.conv(converter.skip(), "audio")});
    const float lo = -1.0f, hi = 1.0f;
    g.node("Clip", {y, g.constant("clip_min", {}, &lo), g.constant("clip_max", {}, &hi)}, {}, "audio_out");
    g.graph().outputs.push_back(audio_info("audio_out"));
  }
  return onnx::serialize_model(g.graph());
}

}  // namespace ito::models

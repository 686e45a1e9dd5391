#include "models/model_file.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace ito::models {
namespace {

std::string join(const std::vector<int>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

// A whole-string integer in [1, 65536]; std::stoi's own exceptions (invalid_argument,
// out_of_range) would not be the runtime_error that parse_model promises.
int positive_int(const std::string& s, const std::string& what) {
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(s, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || value <= 0 || value > 65536)
    throw std::runtime_error("model file: bad " + what + ": '" + s + "'");
  return static_cast<int>(value);
}

std::vector<int> split_ints(const std::string& s) {
  std::vector<int> v;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) v.push_back(positive_int(item, "number list " + s));
  return v;
}

float finite_float(const std::string& s, const std::string& what) {
  std::size_t used = 0;
  float value = NAN;
  try {
    value = std::stof(s, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || !std::isfinite(value))
    throw std::runtime_error("model file: bad " + what + ": '" + s + "'");
  return value;
}

// The shortest decimal text (at least 6 digits) that reads back as exactly v.
std::string float_text(float v) {
  for (int digits = 6;; ++digits) {
    std::ostringstream s;
    s << std::setprecision(digits) << v;
    if (digits >= 9 || std::strtof(s.str().c_str(), nullptr) == v) return s.str();
  }
}

// "key=value key=value" after the line's first word.
std::map<std::string, std::string> fields(std::istringstream& line) {
  std::map<std::string, std::string> out;
  std::string token;
  while (line >> token) {
    const auto eq = token.find('=');
    if (eq == std::string::npos) throw std::runtime_error("expected key=value, got '" + token + "'");
    out[token.substr(0, eq)] = token.substr(eq + 1);
  }
  return out;
}

const std::string& need(const std::map<std::string, std::string>& f, const std::string& key) {
  auto it = f.find(key);
  if (it == f.end()) throw std::runtime_error("model file: missing '" + key + "'");
  return it->second;
}

// A lower bound on the numbers the networks hold: each block's main convolution has
// in x out x kernel weights, and each converter block's FiLM 2 x out x z. (In double: a
// hostile header's sizes may overflow an integer.)
double least_weights(const EncoderConfig& e, const ConverterConfig& c) {
  double n = 0.0, in = 2.0;
  for (std::size_t i = 0; i < e.channels.size(); ++i) {
    n += in * e.channels[i] * e.kernels[i];
    in = e.channels[i];
  }
  in = 2.0;
  for (int out : c.channels) {
    n += in * out * c.kernel + 2.0 * out * c.z_dim;
    in = out;
  }
  return n;
}

void append_floats(std::string& out, const std::vector<float>& v) {
  const std::size_t at = out.size();
  out.resize(at + v.size() * sizeof(float));
  std::memcpy(out.data() + at, v.data(), v.size() * sizeof(float));  // little-endian hosts only
}

}  // namespace

std::string converter_kind_name(ConverterKind kind) {
  return kind == ConverterKind::WhiteBox ? "whitebox" : "blackbox";
}

void Model::fold() {
  encoder->fold();
  converter->fold();
}

std::string serialize_model(const Encoder& encoder, const Converter& converter,
                            const std::map<std::string, std::string>& info) {
  if (encoder.folded() || converter.folded()) throw std::logic_error("serialize_model: networks are folded");
  std::ostringstream head;
  head << "ITOMODEL 1\n";
  for (const auto& [key, value] : info) head << "info " << key << ' ' << value << '\n';
  const EncoderConfig& e = encoder.config();
  head << "encoder channels=" << join(e.channels) << " kernels=" << join(e.kernels) << " strides=" << join(e.strides)
       << '\n';
  const ConverterConfig& c = converter.config();
  head << "converter kind=" << converter_kind_name(c.kind) << " z=" << c.z_dim << " kernel=" << c.kernel
       << " slope=" << float_text(c.slope) << " channels=" << join(c.channels) << " strides=" << join(c.strides)
       << " dilations=" << join(c.dilations) << '\n';
  const Weights& ew = encoder.weights();
  const Weights& cw = converter.weights();
  head << "floats " << ew.params.size() << ' ' << ew.buffers.size() << ' ' << cw.params.size() << ' '
       << cw.buffers.size() << "\ndata\n";
  std::string out = head.str();
  for (const auto* v : {&ew.params, &ew.buffers, &cw.params, &cw.buffers}) append_floats(out, *v);
  return out;
}

Model parse_model(const std::string& bytes) {
  const auto data_at = bytes.find("\ndata\n");
  if (bytes.rfind("ITOMODEL 1\n", 0) != 0 || data_at == std::string::npos)
    throw std::runtime_error("not an ITO-Master model file (bad header)");
  std::istringstream head(bytes.substr(0, data_at + 1));
  std::string line;
  std::getline(head, line);
  Model model;
  std::map<std::string, std::string> enc, conv;
  std::size_t counts[4] = {};
  bool have_counts = false;
  while (std::getline(head, line)) {
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    if (kind == "info") {
      std::string key, value;
      words >> key;
      std::getline(words, value);
      model.info[key] = value.empty() ? value : value.substr(1);
    } else if (kind == "encoder") {
      enc = fields(words);
    } else if (kind == "converter") {
      conv = fields(words);
    } else if (kind == "floats") {
      for (auto& n : counts) words >> n;
      have_counts = !words.fail();
    } else if (!kind.empty()) {
      throw std::runtime_error("model file: unknown line '" + line + "'");
    }
  }
  if (enc.empty() || conv.empty() || !have_counts) throw std::runtime_error("model file: incomplete header");

  EncoderConfig ec{split_ints(need(enc, "channels")), split_ints(need(enc, "kernels")), split_ints(need(enc, "strides"))};
  if (ec.channels.empty() || ec.kernels.size() != ec.channels.size() || ec.strides.size() != ec.channels.size())
    throw std::runtime_error("model file: encoder lists differ in length");
  ConverterConfig cc;
  const std::string& kind = need(conv, "kind");
  if (kind != "whitebox" && kind != "blackbox") throw std::runtime_error("model file: unknown converter kind " + kind);
  cc.kind = kind == "whitebox" ? ConverterKind::WhiteBox : ConverterKind::BlackBox;
  cc.z_dim = positive_int(need(conv, "z"), "z");
  cc.kernel = positive_int(need(conv, "kernel"), "kernel");
  cc.slope = finite_float(need(conv, "slope"), "slope");
  cc.channels = split_ints(need(conv, "channels"));
  cc.strides = split_ints(need(conv, "strides"));
  cc.dilations = split_ints(need(conv, "dilations"));
  if (cc.channels.empty() || cc.strides.size() != cc.channels.size() || cc.dilations.size() != cc.channels.size())
    throw std::runtime_error("model file: converter lists differ in length");
  if (cc.z_dim != ec.channels.back()) throw std::runtime_error("model file: z size differs between encoder and converter");
  // Before the networks are built (and their weights allocated): a few header lines must
  // not ask for gigabytes that the file cannot fill.
  const std::size_t data_floats = (bytes.size() - data_at - 6) / sizeof(float);
  if (least_weights(ec, cc) > static_cast<double>(data_floats))
    throw std::runtime_error("model file: truncated: the architecture needs more weights than the file holds");

  model.encoder = std::make_unique<Encoder>(ec);
  try {
    model.converter = std::make_unique<Converter>(cc);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("model file: ") + e.what());
  }
  std::vector<float>* targets[4] = {&model.encoder->weights().params, &model.encoder->weights().buffers,
                                    &model.converter->weights().params, &model.converter->weights().buffers};
  std::size_t at = data_at + 6;
  for (int i = 0; i < 4; ++i) {
    if (counts[i] != targets[i]->size())
      throw std::runtime_error("model file: weight count " + std::to_string(counts[i]) + " does not match the architecture (" +
                               std::to_string(targets[i]->size()) + ")");
    const std::size_t n = counts[i] * sizeof(float);
    if (bytes.size() < at + n) throw std::runtime_error("model file: truncated");
    std::memcpy(targets[i]->data(), bytes.data() + at, n);
    at += n;
    for (float v : *targets[i])
      if (!std::isfinite(v)) throw std::runtime_error("model file: non-finite weight");
  }
  if (at != bytes.size()) throw std::runtime_error("model file: trailing bytes");
  return model;
}

}  // namespace ito::models

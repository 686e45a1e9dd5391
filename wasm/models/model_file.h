// The raw model file the C++ reads (CLI, browser, training): Φ and Ψ together, in their
// training form (batch norm unfolded), so a file can be both resumed and served.
//
//   ITOMODEL 1
//   info <key> <value>                 (any number: training steps, audio hours, ...)
//   encoder channels=8,16,.. kernels=.. strides=..
//   converter kind=whitebox z=128 kernel=15 slope=0.01 channels=.. strides=.. dilations=..
//   floats <encoder params> <encoder buffers> <converter params> <converter buffers>
//   data
//   <that many little-endian float32>
#pragma once
#include <map>
#include <memory>
#include <string>

#include "models/converter.h"
#include "models/encoder.h"

namespace ito::models {

struct Model {
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Converter> converter;
  std::map<std::string, std::string> info;

  // Both networks in inference form (batch norm folded).
  void fold();
};

// Throws std::logic_error for folded networks (their training form is gone).
std::string serialize_model(const Encoder& encoder, const Converter& converter,
                            const std::map<std::string, std::string>& info);

// Throws std::runtime_error with a readable reason for anything malformed or truncated.
Model parse_model(const std::string& bytes);

std::string converter_kind_name(ConverterKind kind);  // "whitebox" / "blackbox"

}  // namespace ito::models

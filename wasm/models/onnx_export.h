// Φ and Ψ as ONNX models (opset 17), for running the trained networks outside this engine
// (ONNX Runtime, other hosts). Only the inference form is exported: the networks must be
// folded (Model::fold()), else std::logic_error.
//
//   encoder:   "audio" float [1, 2, frames]                 -> "z" [1, z_dim]
//   converter: "audio" [1, 2, frames], "z" [1, z_dim]       -> white-box "params" [1, 46]
//                                                              black-box "audio_out" [1, 2, frames]
//
// "frames" is a symbolic dimension: any length works, as with Encoder::forward /
// Converter::forward. The graphs use Conv, Relu, LeakyRelu, Add, Mul, Gemm, Unsqueeze,
// ReduceMean, Sigmoid and Clip only.
#pragma once
#include <string>

#include "models/converter.h"
#include "models/encoder.h"

namespace ito::models {

std::string encoder_to_onnx(const Encoder& encoder);
// Throws std::invalid_argument for a black-box converter with a stride other than 1 (its
// head and skip paths would differ in length; Converter::forward cannot run it either).
std::string converter_to_onnx(const Converter& converter);

}  // namespace ito::models

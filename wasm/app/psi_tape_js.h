// Ψ's forward tape as a JS object, for the GPU backward (web/gpu_backward.js,
// shaders/*.wgsl). Layout (all arrays Float32Array, row-major (channels, frames) as nn::Tensor):
//   {zDim, slope, frames, p: (46), blocks: [{in, out, kernel, stride, dilation, padLeft,
//     depthwise (the residual), framesIn, framesOut, input: (in, framesIn),
//     hidden: (out, framesOut) LeakyReLU output = FiLM input, gamma: (out), beta: (out),
//     convW: (out, in, kernel), convB: (out), resW: (out) or (out, in),
//     filmW: (2*out, zDim), filmB: (2*out)}],
//    head: {in, out, frames, logitsMean: (46), gamma: (46), beta: (46), w: (46, in), b: (46),
//     filmW: (92, zDim), filmB: (92)}}
// Only the white-box converter: its head (mean over time, FiLM, sigmoid) is what the GPU runs.
#pragma once
#include <emscripten/val.h>

#include <vector>

#include "models/converter.h"

namespace ito::app {

// t: the tape of psi.forward() on `frames` input frames, p: the 46 parameters it gave.
emscripten::val psi_tape_object(const models::Converter& psi, const models::Converter::Tape& t, int frames,
                                const std::vector<float>& p);

}  // namespace ito::app

// Stereo signals <-> the networks' (2, frames) tensors (row 0 left, row 1 right).
#pragma once
#include <algorithm>

#include "core/stereo.h"
#include "nn/tensor.h"

namespace ito::models {

inline nn::Tensor to_tensor(const Stereo& x) {
  nn::Tensor t(2, static_cast<int>(x.frames()));
  std::copy(x.l.begin(), x.l.end(), t.row(0));
  std::copy(x.r.begin(), x.r.end(), t.row(1));
  return t;
}

inline Stereo to_stereo(const nn::Tensor& t) {
  Stereo x(static_cast<std::size_t>(t.frames));
  std::copy(t.row(0), t.row(0) + t.frames, x.l.begin());
  std::copy(t.row(1), t.row(1) + t.frames, x.r.begin());
  return x;
}

}  // namespace ito::models

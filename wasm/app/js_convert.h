// Conversions between embind values and the engine's types, shared by the worker-side APIs
// (engine_api.cpp, ito_session_api.cpp, psi_tape_api.cpp). Returned arrays are copies: views
// into wasm memory go stale when memory grows.
#pragma once
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/stereo.h"
#include "dsp/params.h"

namespace ito::js {

using emscripten::val;

inline std::vector<float> floats(const val& array) { return emscripten::convertJSArrayToNumberVector<float>(array); }

// Two Float32Arrays of equal length, finite samples.
inline Stereo to_stereo(const val& left, const val& right) {
  Stereo x;
  x.l = floats(left);
  x.r = floats(right);
  if (x.l.size() != x.r.size()) throw std::invalid_argument("left and right differ in length");
  for (std::size_t i = 0; i < x.frames(); ++i) {
    if (!std::isfinite(x.l[i]) || !std::isfinite(x.r[i])) throw std::invalid_argument("audio holds NaN or Inf samples");
  }
  return x;
}

inline val float32_array(const float* data, std::size_t n) {
  return val::global("Float32Array").new_(emscripten::typed_memory_view(n, data));
}
inline val float32_array(const std::vector<float>& v) { return float32_array(v.data(), v.size()); }

inline val float64_array(const double* data, std::size_t n) {
  return val::global("Float64Array").new_(emscripten::typed_memory_view(n, data));
}
inline val params_array(const Params& p) { return float64_array(p.data(), p.size()); }

// 46 normalized parameters from a JS array: clamped to [0, 1], a non-finite one at 0.5.
inline Params to_params(const val& array) {
  const std::vector<double> v = emscripten::convertJSArrayToNumberVector<double>(array);
  if (v.size() != static_cast<std::size_t>(kNumParams)) throw std::invalid_argument("expected 46 parameters");
  Params p{};
  for (int i = 0; i < kNumParams; ++i) p[i] = std::clamp(std::isfinite(v[i]) ? v[i] : 0.5, 0.0, 1.0);
  return p;
}

// {left, right} of a stereo signal.
inline val stereo_object(const Stereo& x) {
  val o = val::object();
  o.set("left", float32_array(x.l));
  o.set("right", float32_array(x.r));
  return o;
}

// Errors never escape as C++ exceptions: a call returns {error: "message"} instead.
inline val error_object(const std::string& message) {
  val out = val::object();
  out.set("error", message);
  return out;
}

// The body of a call the page makes: its value, or {error: "message"} when it throws (one
// place for what every binding does with an error).
template <class Body>
val guarded(Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return error_object(e.what());
  }
}

// JSON can't carry -Infinity; a silent track reads as -100 LUFS / dBTP.
inline double finite_or(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

// options[key] when it is a number, else the fallback.
inline double number_or(const val& options, const char* key, double fallback) {
  return options.hasOwnProperty(key) && options[key].isNumber() ? options[key].as<double>() : fallback;
}

inline bool has_value(const val& options, const char* key) {
  return options.hasOwnProperty(key) && !options[key].isNull() && !options[key].isUndefined();
}

}  // namespace ito::js

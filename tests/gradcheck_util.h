// Finite-difference helpers for gradient checks.
#pragma once
#include <cmath>
#include <functional>
#include <vector>

#include "core/stereo.h"
#include "test_signals.h"

namespace ito::testing {

// A stereo signal in double precision, for double-precision reference implementations.
struct DoubleStereo {
  std::vector<double> l, r;
};
inline DoubleStereo to_double(const Stereo& x) {
  return {std::vector<double>(x.l.begin(), x.l.end()), std::vector<double>(x.r.begin(), x.r.end())};
}

// Central difference of f along `direction` (a signal of the same shape as x).
inline double directional_fd(const std::function<double(const Stereo&)>& f, const Stereo& x,
                             const Stereo& direction, double eps) {
  Stereo plus = x, minus = x;
  for (std::size_t i = 0; i < x.frames(); ++i) {
    plus.l[i] += static_cast<float>(eps * direction.l[i]);
    plus.r[i] += static_cast<float>(eps * direction.r[i]);
    minus.l[i] -= static_cast<float>(eps * direction.l[i]);
    minus.r[i] -= static_cast<float>(eps * direction.r[i]);
  }
  return (f(plus) - f(minus)) / (2.0 * eps);
}

inline double dot(const Stereo& a, const Stereo& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.frames(); ++i) s += double(a.l[i]) * b.l[i] + double(a.r[i]) * b.r[i];
  return s;
}

// Central difference of f with respect to p[index].
template <class Vec>
double param_fd(const std::function<double(const Vec&)>& f, Vec p, int index, double h) {
  const double v = p[index];
  p[index] = v + h;
  const double up = f(p);
  p[index] = v - h;
  const double down = f(p);
  return (up - down) / (2.0 * h);
}

// |a - b| relative to max(|a|, |b|, floor).
inline double rel_err(double a, double b, double floor) {
  return std::abs(a - b) / std::max({std::abs(a), std::abs(b), floor});
}

}  // namespace ito::testing

namespace ito::testing {

// Worst relative errors of a processor's backward pass (processor.h convention)
// against central differences of a random projection of its output.
struct ProcessorGradcheck {
  std::vector<double> analytic, numeric;  // per parameter
  double input_analytic = 0, input_numeric = 0;
  double worst_param_rel_err = 0;
  double input_rel_err = 0;
};

template <class Proc>
ProcessorGradcheck check_processor(std::vector<double> p, const Stereo& x, double fs, double h,
                                   double input_eps) {
  const RandomProjection loss(x.frames(), 77);
  auto eval = [&](const std::vector<double>& q) {
    Proc proc;
    proc.set_params(q.data(), fs);
    Stereo y;
    proc.process(x, y, nullptr);
    return loss(y);
  };
  Proc proc;
  proc.set_params(p.data(), fs);
  typename Proc::Tape tape;
  Stereo y, grad_in;
  proc.process(x, y, &tape);
  ProcessorGradcheck r;
  r.analytic.assign(p.size(), 0.0);
  proc.backward(tape, loss.w, grad_in, r.analytic.data());
  double scale = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    r.numeric.push_back(param_fd<std::vector<double>>(eval, p, static_cast<int>(i), h));
    scale = std::max(scale, std::abs(r.numeric.back()));
  }
  for (std::size_t i = 0; i < p.size(); ++i)
    r.worst_param_rel_err = std::max(r.worst_param_rel_err, rel_err(r.analytic[i], r.numeric[i], 1e-3 * scale));
  const Stereo direction = white_noise(x.frames(), 1.0, 99);
  auto eval_x = [&](const Stereo& xi) {
    Stereo yi;
    proc.process(xi, yi, nullptr);
    return loss(yi);
  };
  r.input_numeric = directional_fd(eval_x, x, direction, input_eps);
  r.input_analytic = dot(grad_in, direction);
  r.input_rel_err = rel_err(r.input_analytic, r.input_numeric, 1e-9);
  return r;
}

}  // namespace ito::testing

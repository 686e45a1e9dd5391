// Forward-mode dual numbers with N derivative slots. Used where a handful of
// parameters map to a few coefficients (biquad design, time constants): the
// exact Jacobian comes for free instead of hand-deriving every formula.
#pragma once
#include <array>
#include <cmath>

namespace ito {

template <int N>
struct Dual {
  double v = 0.0;
  std::array<double, N> d{};

  Dual() = default;
  Dual(double value) : v(value) {}  // NOLINT: constants promote implicitly
  static Dual variable(double value, int slot) {
    Dual x(value);
    x.d[slot] = 1.0;
    return x;
  }
};

template <int N> Dual<N> operator+(Dual<N> a, const Dual<N>& b) {
  a.v += b.v;
  for (int i = 0; i < N; ++i) a.d[i] += b.d[i];
  return a;
}
template <int N> Dual<N> operator-(Dual<N> a, const Dual<N>& b) {
  a.v -= b.v;
  for (int i = 0; i < N; ++i) a.d[i] -= b.d[i];
  return a;
}
template <int N> Dual<N> operator-(Dual<N> a) {
  a.v = -a.v;
  for (int i = 0; i < N; ++i) a.d[i] = -a.d[i];
  return a;
}
template <int N> Dual<N> operator*(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> r(a.v * b.v);
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] * b.v + a.v * b.d[i];
  return r;
}
template <int N> Dual<N> operator/(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> r(a.v / b.v);
  const double inv_b2 = 1.0 / (b.v * b.v);
  for (int i = 0; i < N; ++i) r.d[i] = (a.d[i] * b.v - a.v * b.d[i]) * inv_b2;
  return r;
}
template <int N> Dual<N> operator+(double a, const Dual<N>& b) { return Dual<N>(a) + b; }
template <int N> Dual<N> operator-(double a, const Dual<N>& b) { return Dual<N>(a) - b; }
template <int N> Dual<N> operator*(double a, const Dual<N>& b) { return Dual<N>(a) * b; }
template <int N> Dual<N> operator/(double a, const Dual<N>& b) { return Dual<N>(a) / b; }
template <int N> Dual<N> operator+(const Dual<N>& a, double b) { return a + Dual<N>(b); }
template <int N> Dual<N> operator-(const Dual<N>& a, double b) { return a - Dual<N>(b); }
template <int N> Dual<N> operator*(const Dual<N>& a, double b) { return a * Dual<N>(b); }
template <int N> Dual<N> operator/(const Dual<N>& a, double b) { return a / Dual<N>(b); }

// Applies f(v) with derivative df to every slot.
template <int N> Dual<N> chain_rule(const Dual<N>& a, double f, double df) {
  Dual<N> r(f);
  for (int i = 0; i < N; ++i) r.d[i] = df * a.d[i];
  return r;
}
template <int N> Dual<N> sin(const Dual<N>& a) { return chain_rule(a, std::sin(a.v), std::cos(a.v)); }
template <int N> Dual<N> cos(const Dual<N>& a) { return chain_rule(a, std::cos(a.v), -std::sin(a.v)); }
template <int N> Dual<N> exp(const Dual<N>& a) {
  const double e = std::exp(a.v);
  return chain_rule(a, e, e);
}
template <int N> Dual<N> sqrt(const Dual<N>& a) {
  const double s = std::sqrt(a.v);
  return chain_rule(a, s, 0.5 / s);
}
// 10^(a/k): decibel-style conversions.
template <int N> Dual<N> pow10_over(const Dual<N>& a, double k) {
  const double e = std::pow(10.0, a.v / k);
  return chain_rule(a, e, e * std::log(10.0) / k);
}

// Plain-double versions so templated formulas work for both double and Dual.
inline double sin(double x) { return std::sin(x); }
inline double cos(double x) { return std::cos(x); }
inline double exp(double x) { return std::exp(x); }
inline double sqrt(double x) { return std::sqrt(x); }
inline double pow10_over(double x, double k) { return std::pow(10.0, x / k); }

inline double value_of(double x) { return x; }
template <int N> double value_of(const Dual<N>& x) { return x.v; }

}  // namespace ito

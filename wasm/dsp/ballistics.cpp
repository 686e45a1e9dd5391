#include "dsp/ballistics.h"

#include <cmath>

namespace ito {

double ballistics_alpha(double time_ms, double fs) {
  return 1.0 - std::exp(-2200.0 / (time_ms * fs));
}

double ballistics_alpha_derivative(double time_ms, double fs) {
  const double k = 2200.0 / fs;
  return -std::exp(-k / time_ms) * k / (time_ms * time_ms);
}

namespace {

// The recursion with the branch chosen by selecting between both candidates:
// a_att g + (1 - a_att) s minus a_rel g + (1 - a_rel) s is (a_att - a_rel)(g - s),
// so when attack is the faster coefficient the falling branch is always the
// smaller candidate, and otherwise the larger. Tracking q = sign * s with
// sign = +1 or -1 accordingly turns both cases into a min (bit-identically: the
// sign flips are exact). The sequential dependency is then two multiply-adds and a
// min, with no unpredictable branch; the recorded flag is the comparison itself,
// off the critical path. K smoothers run side by side in one loop so that the CPU
// overlaps their (independent, latency-bound) recursions.
template <int K>
void smooth(const Ballistics* b, const float* const* gain, float* const* smoothed,
            std::uint8_t* const* attack, std::size_t n, double* state) {
  double sign[K], keep_attack[K], keep_release[K], take_attack[K], take_release[K], q[K];
  for (int k = 0; k < K; ++k) {
    sign[k] = b[k].attack >= b[k].release ? 1.0 : -1.0;
    keep_attack[k] = 1.0 - b[k].attack;
    keep_release[k] = 1.0 - b[k].release;
    take_attack[k] = sign[k] * b[k].attack;
    take_release[k] = sign[k] * b[k].release;
    q[k] = sign[k] * state[k];
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < K; ++k) {
      const double g = gain[k][i];
      attack[k][i] = g < sign[k] * q[k];
      const double via_attack = keep_attack[k] * q[k] + take_attack[k] * g;
      const double via_release = keep_release[k] * q[k] + take_release[k] * g;
      q[k] = via_attack < via_release ? via_attack : via_release;
      smoothed[k][i] = static_cast<float>(sign[k] * q[k]);
    }
  }
  for (int k = 0; k < K; ++k) state[k] = sign[k] * q[k];
}

}  // namespace

void ballistics_forward(const Ballistics& b, const float* gain, float* smoothed,
                        std::uint8_t* attack, std::size_t n, double& state) {
  smooth<1>(&b, &gain, &smoothed, &attack, n, &state);
}

void ballistics_forward(const Ballistics& b, const float* gain, float* smoothed,
                        std::uint8_t* attack, std::size_t n) {
  double state = 1.0;
  ballistics_forward(b, gain, smoothed, attack, n, state);
}

void ballistics_forward3(const Ballistics b[3], const float* const gain[3],
                         float* const smoothed[3], std::uint8_t* const attack[3], std::size_t n,
                         double state[3]) {
  smooth<3>(b, gain, smoothed, attack, n, state);
}

void ballistics_backward(const Ballistics& b, const float* gain, const float* smoothed,
                         const std::uint8_t* attack, const float* grad_smoothed,
                         float* grad_gain, std::size_t n, double* grad_alpha_attack,
                         double* grad_alpha_release) {
  // u[k] = dL/dsmoothed[k] through the recursion: u[k] = grad[k] + (1 - a[k+1]) u[k+1].
  // Then dL/dgain[k] = a[k] u[k] and dL/da[k] = u[k] (gain[k] - smoothed[k-1]).
  // The branch flag enters as a 0/1 weight (no data-dependent branches).
  const double aa = b.attack, ar = b.release;
  double u_next = 0.0, keep_next = 0.0;  // u[k+1] and 1 - a[k+1]
  double sum_attack = 0.0, sum_release = 0.0;
  auto step = [&](std::size_t k, double prev) {
    const double falling = attack[k];
    const double a = ar + (aa - ar) * falling;
    const double u = grad_smoothed[k] + keep_next * u_next;
    const double da = u * (gain[k] - prev);
    sum_attack += falling * da;
    sum_release += (1.0 - falling) * da;
    grad_gain[k] = static_cast<float>(a * u);
    u_next = u;
    keep_next = 1.0 - a;
  };
  for (std::size_t k = n; k-- > 1;) step(k, smoothed[k - 1]);
  if (n > 0) step(0, 1.0);
  *grad_alpha_attack += sum_attack;
  *grad_alpha_release += sum_release;
}

}  // namespace ito

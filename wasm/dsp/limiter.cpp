#include "dsp/limiter.h"

#include <algorithm>
#include <cmath>

#include "core/lane_sum.h"

namespace ito {
namespace {

// Local parameter indices: p points at the processor's first parameter.
constexpr int kFirst = param::LimiterThreshold;
constexpr int kThreshold = param::LimiterThreshold - kFirst, kAttack = param::LimiterAttack - kFirst,
              kRelease = param::LimiterRelease - kFirst;
constexpr double kLn10Over20 = 0.11512925464970228420;  // d ln(gain) / d dB

const ParamInfo& info(int local) { return param_table()[kFirst + local]; }
double value(const double* p, int local) { return denormalize(info(local), p[local]); }
double span(int local) { return info(local).max - info(local).min; }

// min(1, T / |s|) written as T / max(|s|, T) (exactly 1 below the threshold), so
// the division is unconditional and the loop vectorizes.
void static_gain(float threshold, const float* left, const float* right, float* gain,
                 std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float e = std::abs(left[i] + right[i]);
    gain[i] = threshold / (e > threshold ? e : threshold);
  }
}

// Where limiting (|s| > T), g = T / |s|: dg/ds = -g / s and dg/dT = g / T. Returns
// sum dL/dg * g over the limiting samples and overwrites grad_gain with dL/ds.
double limiter_gain_backward(float threshold, const float* left, const float* right,
                             const float* gain, float* grad_gain, std::size_t n) {
  // 0/1 weights and an unconditional division keep both loops branch-free.
  auto limiting = [&](float s) { return static_cast<float>(std::abs(s) > threshold); };
  const double threshold_sum = lane_sum(n, [&](std::size_t i) {
    return limiting(left[i] + right[i]) * grad_gain[i] * gain[i];
  });
  for (std::size_t i = 0; i < n; ++i) {
    const float s = left[i] + right[i];
    const float e = std::abs(s);
    // -g / s where limiting, else 0 (then the numerator is 0 and the denominator 1).
    const float on = limiting(s);
    const float denominator = e > threshold ? s : 1.0f;
    grad_gain[i] = -on * grad_gain[i] * gain[i] / denominator;
  }
  return threshold_sum;
}

}  // namespace

void Limiter::set_params(const double* p, double fs) {
  threshold = std::pow(10.0, value(p, kThreshold) / 20.0);
  const double attack_ms = value(p, kAttack), release_ms = value(p, kRelease);
  ballistics = {ballistics_alpha(attack_ms, fs), ballistics_alpha(release_ms, fs)};
  attack_alpha_per_ms = ballistics_alpha_derivative(attack_ms, fs);
  release_alpha_per_ms = ballistics_alpha_derivative(release_ms, fs);
}

void Limiter::process(const Stereo& in, Stereo& out, Tape* tape, State* state_in) const {
  const std::size_t n = in.frames();
  if (tape) {
    tape->input = in;
    tape->smoothed.resize(n);
    tape->attack.resize(n);
  }
  out.resize(n);
  Workspace& w = work_;
  for (auto* v : {&w.block_gain, &w.block_smoothed}) v->resize(kBlock);
  w.block_attack.resize(kBlock);
  State fresh;
  double& state = (state_in ? state_in : &fresh)->smoothed;  // carried across blocks
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t m = std::min(kBlock, n - start);
    float* smoothed = tape ? tape->smoothed.data() + start : w.block_smoothed.data();
    std::uint8_t* attack = tape ? tape->attack.data() + start : w.block_attack.data();
    static_gain(static_cast<float>(threshold), in.l.data() + start, in.r.data() + start,
                w.block_gain.data(), m);
    ballistics_forward(ballistics, w.block_gain.data(), smoothed, attack, m, state);
    for (int c = 0; c < 2; ++c) {
      const float* x = in.channel(c) + start;
      float* y = out.channel(c) + start;
      for (std::size_t i = 0; i < m; ++i) y[i] = smoothed[i] * x[i];
    }
  }
}

void Limiter::backward(const Tape& t, const Stereo& grad_out, Stereo& grad_in,
                       double* grad_p) const {
  const std::size_t n = grad_out.frames();
  const float* xl = t.input.l.data();
  const float* xr = t.input.r.data();
  const float* gl = grad_out.l.data();
  const float* gr = grad_out.r.data();
  const float* smoothed = t.smoothed.data();
  const float thr = static_cast<float>(threshold);

  std::vector<float>& grad_gain = work_.grad_gain;
  std::vector<float>& gain = work_.gain;
  grad_gain.resize(n);
  gain.resize(n);
  for (std::size_t i = 0; i < n; ++i) grad_gain[i] = gl[i] * xl[i] + gr[i] * xr[i];
  static_gain(thr, xl, xr, gain.data(), n);
  double grad_attack = 0.0, grad_release = 0.0;
  ballistics_backward(ballistics, gain.data(), smoothed, t.attack.data(), grad_gain.data(),
                      grad_gain.data(), n, &grad_attack, &grad_release);

  const double grad_threshold = limiter_gain_backward(thr, xl, xr, gain.data(), grad_gain.data(), n);
  grad_in.resize(n);
  for (int c = 0; c < 2; ++c) {
    const float* go = grad_out.channel(c);
    float* gi = grad_in.channel(c);
    for (std::size_t i = 0; i < n; ++i) gi[i] = go[i] * smoothed[i] + grad_gain[i];
  }
  grad_p[kThreshold] += grad_threshold * kLn10Over20 * span(kThreshold);
  grad_p[kAttack] += grad_attack * attack_alpha_per_ms * span(kAttack);
  grad_p[kRelease] += grad_release * release_alpha_per_ms * span(kRelease);
}

}  // namespace ito

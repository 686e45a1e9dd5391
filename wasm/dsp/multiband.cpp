#include "dsp/multiband.h"

#include <algorithm>

#include "core/lane_sum.h"

namespace ito {
namespace {

// Local parameter indices: p points at the processor's first parameter.
constexpr int kFirst = param::MbLowMidXover;
constexpr int kLowHz = param::MbLowMidXover - kFirst, kHighHz = param::MbMidHighXover - kFirst,
              kMix = param::MbMix - kFirst;
constexpr int kBandFirst = param::LowCompThreshold - kFirst, kPerBand = param::BandFields;
constexpr int kCompThreshold = param::CompThreshold, kCompRatio = param::CompRatio,
              kExpThreshold = param::ExpThreshold, kExpRatio = param::ExpRatio, kAttack = param::Attack,
              kRelease = param::Release;

const ParamInfo& info(int local) { return param_table()[kFirst + local]; }
double value(const double* p, int local) { return denormalize(info(local), p[local]); }
double span(int local) { return info(local).max - info(local).min; }

}  // namespace

void Multiband::set_params(const double* p, double fs) {
  crossover.design(value(p, kLowHz), value(p, kHighHz), fs);
  mix = value(p, kMix);
  for (int b = 0; b < kBands; ++b) {
    const int k = kBandFirst + kPerBand * b;
    curves[b] = make_gain_curve(value(p, k + kCompThreshold), value(p, k + kCompRatio),
                                value(p, k + kExpThreshold), value(p, k + kExpRatio));
    const double attack_ms = value(p, k + kAttack), release_ms = value(p, k + kRelease);
    ballistics[b] = {ballistics_alpha(attack_ms, fs), ballistics_alpha(release_ms, fs)};
    attack_alpha_per_ms[b] = ballistics_alpha_derivative(attack_ms, fs);
    release_alpha_per_ms[b] = ballistics_alpha_derivative(release_ms, fs);
  }
}

void Multiband::process(const Stereo& in, Stereo& out, Tape* tape, State* state) const {
  const std::size_t n = in.frames();
  Workspace& w = work_;
  Stereo& low = tape ? tape->low : w.low;
  Stereo& high = tape ? tape->high : w.high;
  low.resize(n);
  high.resize(n);
  out.resize(n);
  if (tape) {
    tape->input = in;
    tape->low_a.resize(n);
    tape->high_a.resize(n);
    for (BandTape& bt : tape->bands) {
      bt.level.resize(n);
      bt.smoothed.resize(n);
      bt.attack.resize(n);
    }
  }
  // Without a tape the first sections' outputs go to `out`, unused until the mix.
  for (int c = 0; c < 2; ++c) {
    float* low_a = tape ? tape->low_a.channel(c) : out.l.data();
    float* high_a = tape ? tape->high_a.channel(c) : out.r.data();
    crossover.split(in.channel(c), low_a, low.channel(c), high_a, high.channel(c), nullptr, n,
                    state ? &state->crossover[c] : nullptr);
  }

  w.block_mid.resize(kBlock);
  for (int b = 0; b < kBands; ++b) {
    for (auto* v : {&w.block_level[b], &w.block_gain[b], &w.block_smoothed[b]}) v->resize(kBlock);
    w.block_attack[b].resize(kBlock);
  }
  const float wet = static_cast<float>(mix), dry = static_cast<float>(1.0 - mix);
  State fresh;
  double* smoothed_state = (state ? state : &fresh)->smoothed;  // carried across blocks
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t m = std::min(kBlock, n - start);
    for (int c = 0; c < 2; ++c)
      compute_mid(in.channel(c) + start, low.channel(c) + start, high.channel(c) + start,
                  w.block_mid.channel(c), m);
    const float* bands[kBands][2];
    const float* gain[kBands];
    float* smoothed[kBands];
    std::uint8_t* attack[kBands];
    for (int b = 0; b < kBands; ++b) {
      for (int c = 0; c < 2; ++c)
        bands[b][c] = b == 0 ? low.channel(c) + start
                             : (b == 1 ? w.block_mid.channel(c) : high.channel(c) + start);
      float* level = tape ? tape->bands[b].level.data() + start : w.block_level[b].data();
      smoothed[b] = tape ? tape->bands[b].smoothed.data() + start : w.block_smoothed[b].data();
      attack[b] = tape ? tape->bands[b].attack.data() + start : w.block_attack[b].data();
      gain_computer_forward(curves[b], bands[b][0], bands[b][1], level, w.block_gain[b].data(), m);
      gain[b] = w.block_gain[b].data();
    }
    ballistics_forward3(ballistics.data(), gain, smoothed, attack, m, smoothed_state);
    // out = (1 - w) x + w sum_b smoothed_b band_b
    for (int c = 0; c < 2; ++c) {
      const float* x = in.channel(c) + start;
      const float *b0 = bands[0][c], *b1 = bands[1][c], *b2 = bands[2][c];
      const float *g0 = smoothed[0], *g1 = smoothed[1], *g2 = smoothed[2];
      float* y = out.channel(c) + start;
      for (std::size_t i = 0; i < m; ++i)
        y[i] = dry * x[i] + wet * (g0[i] * b0[i] + g1[i] * b1[i] + g2[i] * b2[i]);
    }
  }
}

void Multiband::backward(const Tape& t, const Stereo& grad_out, Stereo& grad_in,
                         double* grad_p) const {
  const std::size_t n = grad_out.frames();
  const float wet = static_cast<float>(mix), dry = static_cast<float>(1.0 - mix);
  const float* gl = grad_out.l.data();
  const float* gr = grad_out.r.data();

  Workspace& ws = work_;
  // Recompute the mid band exactly as split() did.
  Stereo& mid = ws.mid;
  mid.resize(n);
  for (int c = 0; c < 2; ++c) {
    const float* x = t.input.channel(c);
    const float* lo = t.low.channel(c);
    const float* hi = t.high.channel(c);
    compute_mid(x, lo, hi, mid.channel(c), n);
  }

  // dL/dw = sum grad . (sum_b smoothed_b band_b - x).
  double grad_mix = -lane_sum(n, [&](std::size_t i) {
    return gl[i] * t.input.l[i] + gr[i] * t.input.r[i];
  });

  const Stereo* bands[kBands] = {&t.low, &mid, &t.high};
  std::array<Stereo, kBands>& grad_bands = ws.grad_bands;
  std::vector<float>& grad_gain = ws.grad_gain;
  std::vector<float>& gain = ws.gain;
  std::vector<float>& grad_side = ws.grad_side;
  for (std::vector<float>* v : {&grad_gain, &gain, &grad_side}) v->resize(n);
  for (int b = 0; b < kBands; ++b) {
    const BandTape& bt = t.bands[b];
    const Stereo& band = *bands[b];
    const float* bl = band.l.data();
    const float* br = band.r.data();
    const float* g = bt.smoothed.data();

    // The band output is w g b_c: dL/dg = w (grad_L b_L + grad_R b_R).
    for (std::size_t i = 0; i < n; ++i) grad_gain[i] = wet * (gl[i] * bl[i] + gr[i] * br[i]);
    grad_mix += lane_sum(n, [&](std::size_t i) { return g[i] * (gl[i] * bl[i] + gr[i] * br[i]); });

    gain_from_level(curves[b], bt.level.data(), gain.data(), n);
    double grad_attack = 0.0, grad_release = 0.0;
    ballistics_backward(ballistics[b], gain.data(), g, bt.attack.data(), grad_gain.data(),
                        grad_gain.data(), n, &grad_attack, &grad_release);
    GainCurveGrad curve_grad;
    gain_computer_backward(curves[b], bl, br, bt.level.data(), gain.data(), grad_gain.data(),
                           grad_side.data(), n, curve_grad);

    // Each band channel feeds its output (w g b_c) and the side chain (b_L + b_R).
    Stereo& grad_band = grad_bands[b];
    grad_band.resize(n);
    for (int c = 0; c < 2; ++c) {
      const float* go = grad_out.channel(c);
      float* gb = grad_band.channel(c);
      for (std::size_t i = 0; i < n; ++i) gb[i] = wet * go[i] * g[i] + grad_side[i];
    }

    const int k = kBandFirst + kPerBand * b;
    grad_p[k + kCompThreshold] += curve_grad.comp_threshold_db * span(k + kCompThreshold);
    grad_p[k + kCompRatio] += curve_grad.comp_ratio * span(k + kCompRatio);
    grad_p[k + kExpThreshold] += curve_grad.exp_threshold_db * span(k + kExpThreshold);
    grad_p[k + kExpRatio] += curve_grad.exp_ratio * span(k + kExpRatio);
    grad_p[k + kAttack] += grad_attack * attack_alpha_per_ms[b] * span(k + kAttack);
    grad_p[k + kRelease] += grad_release * release_alpha_per_ms[b] * span(k + kRelease);
  }

  grad_in.resize(n);
  double grad_low_hz = 0.0, grad_high_hz = 0.0;
  for (int c = 0; c < 2; ++c) {
    crossover.backward(t.input.channel(c), t.low_a.channel(c), t.low.channel(c),
                       t.high_a.channel(c), t.high.channel(c), grad_bands[0].channel(c),
                       grad_bands[1].channel(c), grad_bands[2].channel(c), grad_in.channel(c), n,
                       &grad_low_hz, &grad_high_hz);
    // Plus the dry path (1 - w) x.
    const float* go = grad_out.channel(c);
    float* gi = grad_in.channel(c);
    for (std::size_t i = 0; i < n; ++i) gi[i] += dry * go[i];
  }
  grad_p[kLowHz] += grad_low_hz * span(kLowHz);
  grad_p[kHighHz] += grad_high_hz * span(kHighHz);
  grad_p[kMix] += grad_mix * span(kMix);
}

}  // namespace ito

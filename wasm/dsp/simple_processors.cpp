#include "dsp/simple_processors.h"

#include <algorithm>
#include <cmath>

#include "core/fast_math.h"

namespace ito {
namespace {
constexpr double kLn10 = 2.302585092994046;
const ParamInfo& info(int index) { return param_table()[index]; }
}  // namespace

// --- Distortion ---------------------------------------------------------------
void Distortion::set_params(const double* p, double) {
  drive_gain = std::pow(10.0, denormalize(info(param::DistDrive), p[0]) / 20.0);
  mix = denormalize(info(param::DistMix), p[1]);
}

void Distortion::process(const Stereo& in, Stereo& out, Tape* tape) const {
  if (tape) tape->input = in;
  out.resize(in.frames());
  const float g = static_cast<float>(drive_gain), w = static_cast<float>(mix);
  for (int c = 0; c < 2; ++c) {
    const float* x = in.channel(c);
    float* y = out.channel(c);
    for (std::size_t i = 0; i < in.frames(); ++i) y[i] = w * fast_tanh(g * x[i]) + (1.0f - w) * x[i];
  }
}

void Distortion::backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const {
  const float g = static_cast<float>(drive_gain), w = static_cast<float>(mix);
  double d_gain = 0.0, d_mix = 0.0;
  grad_in.resize(grad_out.frames());
  for (int c = 0; c < 2; ++c) {
    const float* x = tape.input.channel(c);
    const float* go = grad_out.channel(c);
    float* gi = grad_in.channel(c);
    // Partial sums in float over short blocks keep the loop vectorizable; the
    // blocks are summed in double.
    constexpr std::size_t kBlock = 256;
    for (std::size_t start = 0; start < grad_out.frames(); start += kBlock) {
      const std::size_t end = std::min(grad_out.frames(), start + kBlock);
      float block_mix = 0.0f, block_gain = 0.0f;
      for (std::size_t i = start; i < end; ++i) {
        const float t = fast_tanh(g * x[i]);
        const float sech2 = 1.0f - t * t;
        block_mix += go[i] * (t - x[i]);
        block_gain += go[i] * x[i] * sech2;
        gi[i] = go[i] * (w * g * sech2 + 1.0f - w);
      }
      d_mix += block_mix;
      d_gain += w * static_cast<double>(block_gain);
    }
  }
  // d(gain)/d(drive dB) = gain ln10 / 20; then scale to normalized units.
  grad_p[0] += d_gain * drive_gain * kLn10 / 20.0 * (info(param::DistDrive).max - info(param::DistDrive).min);
  grad_p[1] += d_mix * (info(param::DistMix).max - info(param::DistMix).min);
}

// --- Gain -----------------------------------------------------------------------
void Gain::set_params(const double* p, double) { gain = std::pow(10.0, denormalize(info(param::OutputGain), p[0]) / 20.0); }

void Gain::process(const Stereo& in, Stereo& out, Tape* tape) const {
  if (tape) tape->input = in;
  out.resize(in.frames());
  const float g = static_cast<float>(gain);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < in.frames(); ++i) out.channel(c)[i] = g * in.channel(c)[i];
}

void Gain::backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const {
  double d_gain = 0.0;
  grad_in.resize(grad_out.frames());
  for (int c = 0; c < 2; ++c) {
    const float* x = tape.input.channel(c);
    const float* go = grad_out.channel(c);
    float* gi = grad_in.channel(c);
    for (std::size_t i = 0; i < grad_out.frames(); ++i) {
      d_gain += static_cast<double>(go[i]) * x[i];
      gi[i] = static_cast<float>(gain * go[i]);
    }
  }
  grad_p[0] += d_gain * gain * kLn10 / 20.0 * (info(param::OutputGain).max - info(param::OutputGain).min);
}

// --- Imager ---------------------------------------------------------------------
void Imager::set_params(const double* p, double) { width = denormalize(info(param::StereoWidth), p[0]); }

void Imager::process(const Stereo& in, Stereo& out, Tape* tape) const {
  if (tape) tape->input = in;
  out.resize(in.frames());
  const float k = static_cast<float>(1.0 - 2.0 * width);
  for (std::size_t i = 0; i < in.frames(); ++i) {
    const float l = in.l[i], r = in.r[i];
    out.l[i] = l + k * r;
    out.r[i] = r + k * l;
  }
}

void Imager::backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const {
  const double k = 1.0 - 2.0 * width;
  double d_k = 0.0;
  grad_in.resize(grad_out.frames());
  for (std::size_t i = 0; i < grad_out.frames(); ++i) {
    const double gl = grad_out.l[i], gr = grad_out.r[i];
    d_k += gl * tape.input.r[i] + gr * tape.input.l[i];
    grad_in.l[i] = static_cast<float>(gl + k * gr);
    grad_in.r[i] = static_cast<float>(gr + k * gl);
  }
  grad_p[0] += -2.0 * d_k * (info(param::StereoWidth).max - info(param::StereoWidth).min);
}

}  // namespace ito

#include "dsp/eq.h"

namespace ito {
namespace {
constexpr BiquadType kTypes[Eq::kSections] = {BiquadType::LowShelf, BiquadType::Peaking,
                                              BiquadType::Peaking,  BiquadType::Peaking,
                                              BiquadType::Peaking,  BiquadType::HighShelf};
}

void Eq::set_params(const double* p, double fs) {
  const auto& table = param_table();
  for (int k = 0; k < kSections; ++k) {
    const int i = 3 * k;
    sections[k] = design_biquad_with_jacobian(kTypes[k], denormalize(table[i], p[0 + i]),
                                              denormalize(table[i + 1], p[1 + i]),
                                              denormalize(table[i + 2], p[2 + i]), fs);
  }
}

void Eq::process(const Stereo& in, Stereo& out, Tape* tape) const {
  const std::size_t n = in.frames();
  out = in;
  for (int k = 0; k < kSections; ++k) {
    if (tape) tape->inputs[k] = out;
    for (int c = 0; c < 2; ++c) biquad_forward(sections[k].c, out.channel(c), out.channel(c), n);
  }
  if (tape) tape->output = out;
}

void Eq::backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const {
  const auto& table = param_table();
  const std::size_t n = grad_out.frames();
  if (&grad_in != &grad_out) grad_in = grad_out;
  for (int k = kSections - 1; k >= 0; --k) {
    const Stereo& x = tape.inputs[k];
    const Stereo& y = k + 1 < kSections ? tape.inputs[k + 1] : tape.output;
    double grad_c[5] = {0, 0, 0, 0, 0};
    for (int c = 0; c < 2; ++c)
      biquad_backward(sections[k].c, x.channel(c), y.channel(c), grad_in.channel(c),
                      grad_in.channel(c), n, grad_c);
    double grad_phys[3] = {0, 0, 0};
    biquad_param_gradient(sections[k], grad_c, grad_phys);
    for (int j = 0; j < 3; ++j) {
      const ParamInfo& info = table[3 * k + j];
      grad_p[3 * k + j] += grad_phys[j] * (info.max - info.min);
    }
  }
}

}  // namespace ito

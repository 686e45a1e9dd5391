// Six-band parametric EQ (params 0-17): low shelf, four peaking bands, high shelf,
// RBJ biquads in series, same coefficients on both channels.
#pragma once
#include <array>

#include "core/simd.h"
#include "dsp/biquad.h"
#include "dsp/processor.h"

namespace ito {

struct Eq {
  static constexpr int kNumParams = 18;
  static constexpr int kSections = param::kEqSections;

  struct Tape {
    std::array<Stereo, kSections> inputs;  // input of each section; section k's output is inputs[k+1] or out
    Stereo output;
  };

  struct State {  // each section's two TDF-II states, both channels side by side
    std::array<f64x2, kSections> s1{}, s2{};
  };

  void set_params(const double* p, double fs);
  void process(const Stereo& in, Stereo& out, Tape* tape, State* state = nullptr) const;
  // grad_in may alias grad_out.
  void backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const;

  std::array<BiquadDesign, kSections> sections{};
};

}  // namespace ito

// The three memoryless processors of the chain: distortion (params 18-19),
// gain (41) and stereo imager (42). See processor.h for the convention.
#pragma once
#include "dsp/processor.h"

namespace ito {

// y = w tanh(g x) + (1 - w) x with g = 10^(drive/20): parallel soft saturation.
struct Distortion {
  static constexpr int kNumParams = 2;
  struct Tape { Stereo input; };
  void set_params(const double* p, double fs);
  void process(const Stereo& in, Stereo& out, Tape* tape) const;
  void backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const;
  double drive_gain = 1.0, mix = 0.2;
};

// y = 10^(gain_db/20) x.
struct Gain {
  static constexpr int kNumParams = 1;
  struct Tape { Stereo input; };
  void set_params(const double* p, double fs);
  void process(const Stereo& in, Stereo& out, Tape* tape) const;
  void backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const;
  double gain = 1.0;
};

// Mid/side width w in [0,1] (dasp convention): mid x 2(1-w), side x 2w, which
// reduces to L' = L + (1-2w) R, R' = R + (1-2w) L. w = 0.5 leaves the signal as is.
struct Imager {
  static constexpr int kNumParams = 1;
  struct Tape { Stereo input; };
  void set_params(const double* p, double fs);
  void process(const Stereo& in, Stereo& out, Tape* tape) const;
  void backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const;
  double width = 0.5;
};

}  // namespace ito

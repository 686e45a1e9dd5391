// The white-box mastering chain: EQ -> distortion -> multiband compressor/expander
// -> gain -> stereo imager -> limiter, 46 normalized parameters (params.h).
#pragma once
#include <array>

#include "dsp/eq.h"
#include "dsp/limiter.h"
#include "dsp/multiband.h"
#include "dsp/simple_processors.h"

namespace ito {

struct ChainTape {
  Eq::Tape eq;
  Distortion::Tape distortion;
  Multiband::Tape multiband;
  Gain::Tape gain;
  Imager::Tape imager;
  Limiter::Tape limiter;
};

// The processors' memory between blocks: a long signal run through Chain::process block
// by block with one ChainState gives the same samples as one call over all of it.
struct ChainState {
  Eq::State eq;
  Multiband::State multiband;
  Limiter::State limiter;
};

class Chain {
 public:
  explicit Chain(double fs) : fs_(fs) { set_params(neutral_params()); }

  void set_params(const Params& p);
  const Params& params() const { return params_; }
  double sample_rate() const { return fs_; }

  // A disabled processor passes its input through untouched (used by the random
  // mastering effect in training, which applies each module with some probability).
  void set_enabled(Processor p, bool on) { enabled_[static_cast<int>(p)] = on; }
  bool enabled(Processor p) const { return enabled_[static_cast<int>(p)]; }
  void set_switches(const ProcessorSwitches& on) { enabled_ = on; }
  const ProcessorSwitches& switches() const { return enabled_; }

  // Forward pass. With a tape, stores what backward() needs (about 35 floats per frame).
  // With a state, continues from it (block-wise processing; see ChainState); without, starts
  // fresh. Reuses internal scratch buffers between calls: one Chain per thread.
  void process(const Stereo& in, Stereo& out, ChainTape* tape = nullptr, ChainState* state = nullptr) const;

  // Vector-Jacobian product: dL/dout -> dL/din (if grad_in) and dL/dparams (set,
  // not added; normalized units). Parameters of disabled processors get 0.
  void backward(const ChainTape& tape, const Stereo& grad_out, Stereo* grad_in, Params& grad_params) const;

 private:
  int enabled_count() const;

  double fs_;
  Params params_{};
  ProcessorSwitches enabled_ = kAllProcessorsOn;
  Eq eq_;
  Distortion distortion_;
  Multiband multiband_;
  Gain gain_;
  Imager imager_;
  Limiter limiter_;
  mutable Stereo scratch_[2];  // ping-pong buffers between stages (no allocation per call)
  mutable Stereo unused_grad_in_;  // backward()'s last stage output when the caller wants none
};

}  // namespace ito

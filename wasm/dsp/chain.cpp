#include "dsp/chain.h"

#include <utility>

namespace ito {
namespace {

template <class Proc>
void forward_stage(const Proc& proc, bool on, Stereo& signal, Stereo& scratch,
                   typename Proc::Tape* tape) {
  if (!on) return;
  proc.process(signal, scratch, tape);
  std::swap(signal, scratch);
}

template <class Proc>
void backward_stage(const Proc& proc, bool on, Processor which, const typename Proc::Tape& tape,
                    Stereo& grad, Stereo& scratch, Params& grad_params) {
  if (!on) return;
  proc.backward(tape, grad, scratch, grad_params.data() + processor_params(which).first);
  std::swap(grad, scratch);
}

}  // namespace

void Chain::set_params(const Params& p) {
  params_ = p;
  const double* d = params_.data();
  eq_.set_params(d + processor_params(Processor::Eq).first, fs_);
  distortion_.set_params(d + processor_params(Processor::Distortion).first, fs_);
  multiband_.set_params(d + processor_params(Processor::Multiband).first, fs_);
  gain_.set_params(d + processor_params(Processor::Gain).first, fs_);
  imager_.set_params(d + processor_params(Processor::Imager).first, fs_);
  limiter_.set_params(d + processor_params(Processor::Limiter).first, fs_);
}

void Chain::process(const Stereo& in, Stereo& out, ChainTape* tape) const {
  Stereo signal = in, scratch;
  forward_stage(eq_, enabled(Processor::Eq), signal, scratch, tape ? &tape->eq : nullptr);
  forward_stage(distortion_, enabled(Processor::Distortion), signal, scratch, tape ? &tape->distortion : nullptr);
  forward_stage(multiband_, enabled(Processor::Multiband), signal, scratch, tape ? &tape->multiband : nullptr);
  forward_stage(gain_, enabled(Processor::Gain), signal, scratch, tape ? &tape->gain : nullptr);
  forward_stage(imager_, enabled(Processor::Imager), signal, scratch, tape ? &tape->imager : nullptr);
  forward_stage(limiter_, enabled(Processor::Limiter), signal, scratch, tape ? &tape->limiter : nullptr);
  out = std::move(signal);
}

void Chain::backward(const ChainTape& tape, const Stereo& grad_out, Stereo* grad_in, Params& grad_params) const {
  grad_params.fill(0.0);
  Stereo grad = grad_out, scratch;
  backward_stage(limiter_, enabled(Processor::Limiter), Processor::Limiter, tape.limiter, grad, scratch, grad_params);
  backward_stage(imager_, enabled(Processor::Imager), Processor::Imager, tape.imager, grad, scratch, grad_params);
  backward_stage(gain_, enabled(Processor::Gain), Processor::Gain, tape.gain, grad, scratch, grad_params);
  backward_stage(multiband_, enabled(Processor::Multiband), Processor::Multiband, tape.multiband, grad, scratch, grad_params);
  backward_stage(distortion_, enabled(Processor::Distortion), Processor::Distortion, tape.distortion, grad, scratch, grad_params);
  backward_stage(eq_, enabled(Processor::Eq), Processor::Eq, tape.eq, grad, scratch, grad_params);
  if (grad_in) *grad_in = std::move(grad);
}

}  // namespace ito

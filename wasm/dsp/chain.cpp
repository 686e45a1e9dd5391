#include "dsp/chain.h"

#include <utility>

namespace ito {

static_assert(ProcessorWithState<Eq> && ChainProcessor<Distortion> && ProcessorWithState<Multiband> &&
              ChainProcessor<Gain> && ChainProcessor<Imager> && ProcessorWithState<Limiter>);
static_assert(!ProcessorWithState<Gain> && !ProcessorWithState<Imager>, "stateless: nothing carries over");
static_assert(Eq::kNumParams + Distortion::kNumParams + Multiband::kNumParams + Gain::kNumParams +
                  Imager::kNumParams + Limiter::kNumParams == kNumParams,
              "the processors' parameters make up the chain's");

namespace {

// Runs the enabled stages in order, each writing into the next ping-pong buffer and
// the last one straight into `out`, so no signal is copied or allocated per call.
class StageRunner {
 public:
  StageRunner(const Stereo& in, Stereo& out, Stereo (&scratch)[2], int stages)
      : current_(&in), out_(out), scratch_(scratch), remaining_(stages) {}

  // extra: the tape, and the state of a processor with memory.
  template <class Proc, class... Extra>
  void forward(const Proc& proc, bool on, Extra... extra) {
    if (!on) return;
    Stereo* dst = --remaining_ == 0 ? &out_ : &scratch_[next_ ^= 1];
    proc.process(*current_, *dst, extra...);
    current_ = dst;
  }

  template <class Proc, class Tape>
  void backward(const Proc& proc, bool on, const Tape& tape, double* grad_params) {
    if (!on) return;
    Stereo* dst = --remaining_ == 0 ? &out_ : &scratch_[next_ ^= 1];
    proc.backward(tape, *current_, *dst, grad_params);
    current_ = dst;
  }

  void finish() {
    if (current_ != &out_) out_ = *current_;  // no stage ran
  }

 private:
  const Stereo* current_;
  Stereo& out_;
  Stereo (&scratch_)[2];
  int remaining_;
  int next_ = 0;
};

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

int Chain::enabled_count() const {
  int n = 0;
  for (bool on : enabled_) n += on;
  return n;
}

void Chain::process(const Stereo& in, Stereo& out, ChainTape* tape, ChainState* state) const {
  StageRunner run(in, out, scratch_, enabled_count());
  run.forward(eq_, enabled(Processor::Eq), tape ? &tape->eq : nullptr, state ? &state->eq : nullptr);
  run.forward(distortion_, enabled(Processor::Distortion), tape ? &tape->distortion : nullptr);
  run.forward(multiband_, enabled(Processor::Multiband), tape ? &tape->multiband : nullptr,
              state ? &state->multiband : nullptr);
  run.forward(gain_, enabled(Processor::Gain), tape ? &tape->gain : nullptr);
  run.forward(imager_, enabled(Processor::Imager), tape ? &tape->imager : nullptr);
  run.forward(limiter_, enabled(Processor::Limiter), tape ? &tape->limiter : nullptr,
              state ? &state->limiter : nullptr);
  run.finish();
}

void Chain::backward(const ChainTape& tape, const Stereo& grad_out, Stereo* grad_in, Params& grad_params) const {
  grad_params.fill(0.0);
  StageRunner run(grad_out, grad_in ? *grad_in : unused_grad_in_, scratch_, enabled_count());
  auto at = [&](Processor p) { return grad_params.data() + processor_params(p).first; };
  run.backward(limiter_, enabled(Processor::Limiter), tape.limiter, at(Processor::Limiter));
  run.backward(imager_, enabled(Processor::Imager), tape.imager, at(Processor::Imager));
  run.backward(gain_, enabled(Processor::Gain), tape.gain, at(Processor::Gain));
  run.backward(multiband_, enabled(Processor::Multiband), tape.multiband, at(Processor::Multiband));
  run.backward(distortion_, enabled(Processor::Distortion), tape.distortion, at(Processor::Distortion));
  run.backward(eq_, enabled(Processor::Eq), tape.eq, at(Processor::Eq));
  run.finish();
}

}  // namespace ito

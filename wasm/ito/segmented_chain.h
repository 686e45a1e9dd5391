// The chain over an ITO excerpt made of independent segments, processed in parallel.
//
// An excerpt is a few stretches of a track, concatenated. Each segment is preceded by a
// warm-up: the audio just before it in the track, which the chain processes from a
// fresh state so that its filters and envelopes have settled when the segment starts,
// and which the loss never sees. Segments share nothing, so they run on separate
// threads (core/parallel.h) with the same result, bit for bit, as one after another:
// each segment's gradient is computed alone and the sum runs in segment order.
#pragma once
#include <cstddef>
#include <vector>

#include "dsp/chain.h"

namespace ito {

// Where one segment lies in the excerpt's audio: `warmup` frames from `begin`, then `length`
// frames that the loss sees.
struct ExcerptSegment {
  std::size_t begin = 0, warmup = 0, length = 0;
};

// An excerpt's audio (warm-ups included) and its segments, in order and without gaps.
struct SegmentedExcerpt {
  Stereo audio;
  std::vector<ExcerptSegment> segments;
};

// The whole of x as one segment without warm-up (what a plain chain does).
SegmentedExcerpt single_segment(Stereo x);
// The segments' bodies concatenated: what the loss sees.
Stereo excerpt_bodies(const SegmentedExcerpt& excerpt);
std::size_t body_frames(const SegmentedExcerpt& excerpt);

class SegmentedChain {
 public:
  SegmentedChain(const SegmentedExcerpt& excerpt, double fs);
  void set_params(const Params& p);
  void set_switches(const ProcessorSwitches& on);

  // The bodies' output, concatenated (body_frames() long); with tapes, keeps what backward needs.
  void process(Stereo& out, bool keep_tapes);
  // dL/dparams given dL/d(out) of the last process() with tapes.
  void backward(const Stereo& grad_out, Params& grad_params);

 private:
  const SegmentedExcerpt& excerpt_;
  std::vector<Chain> chains_;
  std::vector<ChainTape> tapes_;
  std::vector<Stereo> inputs_, outputs_, grads_;
  std::vector<Params> grad_params_;
  std::vector<std::size_t> out_offset_;  // where each body starts in process()'s output
};

}  // namespace ito

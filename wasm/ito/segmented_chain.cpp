#include "ito/segmented_chain.h"

#include <algorithm>

#include "core/parallel.h"

namespace ito {

SegmentedExcerpt single_segment(Stereo x) {
  SegmentedExcerpt e;
  e.segments = {{0, 0, x.frames()}};
  e.audio = std::move(x);
  return e;
}

std::size_t body_frames(const SegmentedExcerpt& excerpt) {
  std::size_t n = 0;
  for (const ExcerptSegment& s : excerpt.segments) n += s.length;
  return n;
}

Stereo excerpt_bodies(const SegmentedExcerpt& excerpt) {
  Stereo out;
  out.l.reserve(body_frames(excerpt));
  out.r.reserve(body_frames(excerpt));
  for (const ExcerptSegment& s : excerpt.segments) {
    const auto first = static_cast<std::ptrdiff_t>(s.begin + s.warmup), last = first + static_cast<std::ptrdiff_t>(s.length);
    out.l.insert(out.l.end(), excerpt.audio.l.begin() + first, excerpt.audio.l.begin() + last);
    out.r.insert(out.r.end(), excerpt.audio.r.begin() + first, excerpt.audio.r.begin() + last);
  }
  return out;
}

SegmentedChain::SegmentedChain(const SegmentedExcerpt& excerpt, double fs) : excerpt_(excerpt) {
  const std::size_t k = excerpt.segments.size();
  chains_.assign(k, Chain(fs));
  tapes_.resize(k);
  inputs_.resize(k);
  outputs_.resize(k);
  grads_.resize(k);
  grad_params_.resize(k);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const ExcerptSegment& s = excerpt.segments[i];
    inputs_[i] = slice(excerpt.audio, s.begin, s.warmup + s.length);
    out_offset_.push_back(offset);
    offset += s.length;
  }
}

void SegmentedChain::set_params(const Params& p) {
  for (Chain& c : chains_) c.set_params(p);
}

void SegmentedChain::set_switches(const ProcessorSwitches& on) {
  for (Chain& c : chains_) c.set_switches(on);
}

void SegmentedChain::process(Stereo& out, bool keep_tapes) {
  const std::size_t n = body_frames(excerpt_);
  out.l.resize(n);
  out.r.resize(n);
  parallel_for(static_cast<int>(chains_.size()), [&](int i) {
    const ExcerptSegment& s = excerpt_.segments[i];
    chains_[i].process(inputs_[i], outputs_[i], keep_tapes ? &tapes_[i] : nullptr);
    for (int c = 0; c < 2; ++c) {
      const float* src = outputs_[i].channel(c) + s.warmup;
      std::copy(src, src + s.length, out.channel(c) + out_offset_[i]);
    }
  });
}

void SegmentedChain::backward(const Stereo& grad_out, Params& grad_params) {
  parallel_for(static_cast<int>(chains_.size()), [&](int i) {
    const ExcerptSegment& s = excerpt_.segments[i];
    Stereo& g = grads_[i];
    g.l.assign(s.warmup + s.length, 0.0f);  // the loss does not see the warm-up
    g.r.assign(s.warmup + s.length, 0.0f);
    for (int c = 0; c < 2; ++c) {
      const float* src = grad_out.channel(c) + out_offset_[i];
      std::copy(src, src + s.length, g.channel(c) + s.warmup);
    }
    chains_[i].backward(tapes_[i], g, nullptr, grad_params_[i]);
  });
  grad_params.fill(0.0);
  for (const Params& g : grad_params_)  // in segment order, whatever the threads
    for (int j = 0; j < kNumParams; ++j) grad_params[j] += g[j];
}

}  // namespace ito

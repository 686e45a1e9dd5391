// The convention every chain processor follows (plain structs, no virtuals), written as the
// concepts below and checked for each processor in dsp/chain.cpp:
//
//   struct Foo {
//     static constexpr int kNumParams = N;
//     struct Tape { ... };   // what backward() needs from the forward pass
//     void set_params(const double* p, double fs);  // p: N normalized params in [0,1]
//     void process(const Stereo& in, Stereo& out, Tape* tape) const;  // tape may be null
//     // Vector-Jacobian product: given dL/dout, writes dL/din into grad_in and ADDS
//     // dL/dp (normalized parameter units) into grad_p[0..N).
//     void backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in,
//                   double* grad_p) const;
//   };
//
// A processor with memory (filters, envelopes) also has a `struct State` and takes a
// trailing `State* state` in process(): null starts fresh (the whole signal in one
// call); otherwise processing starts from *state and leaves it at the block's end, so a
// long signal can run block by block with the same result (dsp/chain.h, ChainState).
//
// `in` and `out` may not alias. grad_in may alias grad_out only where a processor
// says so. Recursive parts (filters, envelope followers) get exact adjoint
// recursions run backwards in time.
#pragma once
#include <concepts>

#include "core/stereo.h"
#include "dsp/params.h"

namespace ito {

template <class P>
concept ChainProcessor = requires(P& p, const P& cp, const double* params, double fs, const Stereo& in, Stereo& out,
                                  typename P::Tape* tape, const typename P::Tape& kept, double* grad_p) {
  { P::kNumParams } -> std::convertible_to<int>;
  p.set_params(params, fs);
  cp.process(in, out, tape);
  cp.backward(kept, in, out, grad_p);
};

// A processor with memory: process() also continues from a State.
template <class P>
concept ProcessorWithState =
    ChainProcessor<P> && requires(const P& cp, const Stereo& in, Stereo& out, typename P::State* state) {
      cp.process(in, out, nullptr, state);
    };

}  // namespace ito

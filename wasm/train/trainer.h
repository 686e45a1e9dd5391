// Self-supervised training of Φ and Ψ (spec section 5), shared by `itomaster train`, its
// tests and any other driver: examples are made from two segments A, B of one song,
//   x_in = f1(f_norm(A)),  x_ref = f2(B),  y = f2(A)   (f1, f2 random mastering effects),
// and Φ, Ψ are trained jointly on the multi-scale spectral loss (M/S and L/R) between
// Ψ's output (white-box: the chain with Ψ's parameters applied to x_in) and y.
#pragma once
#include <cstdint>
#include <vector>

#include "core/stereo.h"
#include "master/fx_normalize.h"
#include "models/converter.h"
#include "models/encoder.h"
#include "train/adam.h"

namespace ito::train {

struct TrainConfig {
  double fs = 44100.0;
  double segment_seconds = 5.0;
  int batch = 4;
  double lr = 3e-4;
  std::uint64_t seed = 1;
  // White-box: a penalty weight/2 * sum_j max(0, |logit_j| - logit_bound)^2 per example
  // keeps Ψ's 46 logits where the sigmoid still responds. A saturated output has no
  // gradient, so neither training nor ITO on z could move that parameter again.
  double logit_penalty = 0.0;
  double logit_bound = 4.0;  // |logit| 4: p in [0.018, 0.982]
};

// Songs at cfg.fs, each at least two segments long (shorter ones are never drawn).
struct SongPool {
  std::vector<Stereo> songs;
};

struct Example {
  Stereo x_in, x_ref, y;
};

// The example for stream (a, b) of cfg.seed, e.g. (step, slot): the same numbers give the
// same example. Segments that are near silent are skipped. Throws std::runtime_error when
// the pool has no song long enough.
Example make_example(const SongPool& pool, const FxNormStats& stats, const TrainConfig& cfg, std::uint64_t a,
                     std::uint64_t b);

class Trainer {
 public:
  Trainer(models::Encoder& encoder, models::Converter& converter, TrainConfig cfg);

  // One Adam step on the batch; returns its mean loss (spectral loss plus logit penalty). A
  // non-finite loss or gradient skips the step: parameters and running statistics stay as
  // they were.
  double train_step(const std::vector<Example>& batch);
  // Mean spectral loss with the running batch-norm statistics (inference behaviour), no update.
  double eval_loss(const std::vector<Example>& batch);

  Adam& encoder_adam() { return encoder_adam_; }
  Adam& converter_adam() { return converter_adam_; }

 private:
  // Forward (and, with grads, backward) of the whole model on a batch.
  double run(const std::vector<Example>& batch, bool training, std::vector<float>* enc_grad,
             std::vector<float>* conv_grad);

  // The white-box logit penalty of a training batch and its dL/dlogit.
  double logit_penalty(const models::Converter::Tape& tape, int n, std::vector<std::vector<float>>& g_logits) const;

  models::Encoder& encoder_;
  models::Converter& converter_;
  TrainConfig cfg_;
  Adam encoder_adam_, converter_adam_;
};

}  // namespace ito::train

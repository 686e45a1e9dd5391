#include "train/trainer.h"

#include <cmath>
#include <stdexcept>

#include "analysis/mss_loss.h"
#include "dsp/chain.h"
#include "models/audio_tensor.h"
#include "core/parallel.h"
#include "train/random_effect.h"

namespace ito::train {
namespace {

double rms(const Stereo& x) {
  double s = 0.0;
  for (std::size_t i = 0; i < x.frames(); ++i) s += double(x.l[i]) * x.l[i] + double(x.r[i]) * x.r[i];
  return std::sqrt(s / (2.0 * std::max<std::size_t>(1, x.frames())));
}

bool finite(const Stereo& x) {
  for (std::size_t i = 0; i < x.frames(); ++i)
    if (!std::isfinite(x.l[i]) || !std::isfinite(x.r[i])) return false;
  return true;
}

}  // namespace

Example make_example(const SongPool& pool, const FxNormStats& stats, const TrainConfig& cfg, std::uint64_t a,
                     std::uint64_t b) {
  const std::size_t len = static_cast<std::size_t>(cfg.segment_seconds * cfg.fs);
  std::vector<std::size_t> usable;
  for (std::size_t s = 0; s < pool.songs.size(); ++s)
    if (pool.songs[s].frames() >= 2 * len) usable.push_back(s);
  if (usable.empty()) throw std::runtime_error("no training song is two segments long");
  Rng rng = Rng::stream(cfg.seed, a, b);
  for (int attempt = 0; attempt < 64; ++attempt) {
    const Stereo& song = pool.songs[usable[rng.below(usable.size())]];
    // Two non-overlapping segments: A somewhere, B in the room left before or after it.
    const std::size_t span = song.frames() - 2 * len;
    const std::size_t gap_before = rng.below(span + 1), gap_between = rng.below(span - gap_before + 1);
    std::size_t start_a = gap_before, start_b = gap_before + len + gap_between;
    if (rng.chance(0.5)) std::swap(start_a, start_b);
    const Stereo seg_a = slice(song, start_a, len), seg_b = slice(song, start_b, len);
    if (rms(seg_a) < 1e-3 || rms(seg_b) < 1e-3) continue;  // below -60 dBFS: nothing to learn

    const RandomEffect f1 = sample_random_effect(rng), f2 = sample_random_effect(rng);
    Example ex;
    apply_effect(f1, fx_normalize(seg_a, cfg.fs, stats), ex.x_in, cfg.fs);
    apply_effect(f2, seg_b, ex.x_ref, cfg.fs);
    apply_effect(f2, seg_a, ex.y, cfg.fs);
    if (finite(ex.x_in) && finite(ex.x_ref) && finite(ex.y) && rms(ex.x_in) > 1e-4 && rms(ex.x_ref) > 1e-4) return ex;
  }
  throw std::runtime_error("could not draw a non-silent training example");
}

Trainer::Trainer(models::Encoder& encoder, models::Converter& converter, TrainConfig cfg)
    : encoder_(encoder), converter_(converter), cfg_(cfg) {}

double Trainer::logit_penalty(const models::Converter::Tape& tape, int n,
                              std::vector<std::vector<float>>& g_logits) const {
  double penalty = 0.0;
  g_logits.assign(n, std::vector<float>(models::kWhiteBoxOutputs, 0.0f));
  for (int e = 0; e < n; ++e) {
    const std::vector<float> logits = converter_.head_logits(tape, e);
    for (int j = 0; j < models::kWhiteBoxOutputs; ++j) {
      const double excess = std::max(0.0, std::fabs(double(logits[j])) - cfg_.logit_bound);
      penalty += 0.5 * cfg_.logit_penalty * excess * excess / n;
      g_logits[e][j] = static_cast<float>(std::copysign(cfg_.logit_penalty * excess / n, double(logits[j])));
    }
  }
  return penalty;
}

double Trainer::run(const std::vector<Example>& batch, bool training, std::vector<float>* enc_grad,
                    std::vector<float>* conv_grad) {
  const int n = static_cast<int>(batch.size());
  nn::Batch x_in(n), x_ref(n);
  for (int e = 0; e < n; ++e) {
    x_in[e] = models::to_tensor(batch[e].x_in);
    x_ref[e] = models::to_tensor(batch[e].x_ref);
  }
  const bool backward = enc_grad && conv_grad;
  models::Encoder::Tape enc_tape;
  models::Converter::Tape conv_tape;
  std::vector<std::vector<float>> z, p;
  encoder_.forward(x_ref, training, z, backward ? &enc_tape : nullptr);

  std::vector<double> losses(n, 0.0);
  std::vector<std::vector<float>> g_params;
  nn::Batch y_hat, g_audio;
  const bool white = converter_.kind() == models::ConverterKind::WhiteBox;
  converter_.forward(x_in, z, training, white ? &p : nullptr, white ? nullptr : &y_hat, backward ? &conv_tape : nullptr);
  if (white) {
    g_params.assign(n, std::vector<float>(models::kWhiteBoxOutputs, 0.0f));
    parallel_for(n, [&](int e) {
      Chain chain(cfg_.fs);
      Params params;
      for (int j = 0; j < kNumParams; ++j) params[j] = p[e][j];
      chain.set_params(params);
      Stereo out, g;
      ChainTape tape;
      chain.process(batch[e].x_in, out, backward ? &tape : nullptr);
      losses[e] = mss_loss(out, batch[e].y, backward ? &g : nullptr);
      if (!backward) return;
      Params gp{};
      chain.backward(tape, g, nullptr, gp);
      for (int j = 0; j < kNumParams; ++j) g_params[e][j] = static_cast<float>(gp[j] / n);
    });
  } else {
    g_audio.resize(n);
    parallel_for(n, [&](int e) {
      Stereo g;
      losses[e] = mss_loss(models::to_stereo(y_hat[e]), batch[e].y, backward ? &g : nullptr);
      if (!backward) return;
      for (auto& v : g.l) v /= n;
      for (auto& v : g.r) v /= n;
      g_audio[e] = models::to_tensor(g);
    });
  }
  double loss = 0.0;
  for (double l : losses) loss += l / n;
  if (!backward || !std::isfinite(loss)) return loss;

  std::vector<std::vector<float>> g_logits;
  if (white && cfg_.logit_penalty > 0) loss += logit_penalty(conv_tape, n, g_logits);

  std::vector<std::vector<float>> gz;
  conv_grad->assign(converter_.param_count(), 0.0f);
  enc_grad->assign(encoder_.param_count(), 0.0f);
  converter_.backward(conv_tape, white ? &g_params : nullptr, white ? nullptr : &g_audio, conv_grad, &gz,
                      g_logits.empty() ? nullptr : &g_logits);
  encoder_.backward(enc_tape, gz, *enc_grad);
  return loss;
}

double Trainer::train_step(const std::vector<Example>& batch) {
  // The training forward pass updates the running statistics; a skipped step restores them,
  // or one bad batch would leave NaN there for good (and in every model saved afterwards).
  const std::vector<float> enc_buffers = encoder_.weights().buffers, conv_buffers = converter_.weights().buffers;
  auto skip = [&](double loss) {
    encoder_.weights().buffers = enc_buffers;
    converter_.weights().buffers = conv_buffers;
    return loss;
  };
  std::vector<float> enc_grad, conv_grad;
  const double loss = run(batch, true, &enc_grad, &conv_grad);
  if (!std::isfinite(loss)) return skip(loss);
  for (float g : enc_grad)
    if (!std::isfinite(g)) return skip(NAN);
  for (float g : conv_grad)
    if (!std::isfinite(g)) return skip(NAN);
  encoder_adam_.update(encoder_.weights().params, enc_grad, cfg_.lr);
  converter_adam_.update(converter_.weights().params, conv_grad, cfg_.lr);
  return loss;
}

double Trainer::eval_loss(const std::vector<Example>& batch) { return run(batch, false, nullptr, nullptr); }

}  // namespace ito::train

#include "ito/ito_z.h"

#include <cmath>
#include <optional>
#include <stdexcept>

#include "dsp/chain.h"
#include "ito/optimizer.h"
#include "models/audio_tensor.h"

namespace ito {
namespace {

Params to_params(const std::vector<float>& p) {
  Params out{};
  for (int j = 0; j < kNumParams; ++j) out[j] = p[j];
  return out;
}

}  // namespace

Params predict_params(const models::Converter& psi, const Stereo& x, const std::vector<float>& z) {
  std::vector<std::vector<float>> p;
  // forward() only reads the weights when not training; the const_cast keeps one code path.
  const_cast<models::Converter&>(psi).forward({models::to_tensor(x)}, {z}, false, &p, nullptr, nullptr);
  return to_params(p.front());
}

namespace {

// Ψ (and for white-box the chain) at one z: the objective and, on request, dL/dz.
struct ZEvaluator {
  const Stereo& x;
  models::Converter& net;
  const Objective& objective;
  double fs;
  bool white;
  nn::Batch input{models::to_tensor(x)};
  Chain chain{fs};

  double operator()(const std::vector<float>& z, Params* params, std::vector<float>* gz) {
    models::Converter::Tape tape;
    ChainTape chain_tape;
    std::vector<std::vector<float>> p;
    nn::Batch y;
    Stereo output, grad_output;
    net.forward(input, {z}, false, white ? &p : nullptr, white ? nullptr : &y, gz ? &tape : nullptr);
    if (white) {
      *params = to_params(p.front());
      chain.set_params(*params);
      chain.process(x, output, gz ? &chain_tape : nullptr);
    } else {
      output = models::to_stereo(y.front());
    }
    const double loss = objective(output, gz ? &grad_output : nullptr);
    if (!gz || !std::isfinite(loss)) return loss;
    std::vector<std::vector<float>> g;
    if (white) {
      Params gp{};
      chain.backward(chain_tape, grad_output, nullptr, gp);
      const std::vector<std::vector<float>> g_params{std::vector<float>(gp.begin(), gp.end())};
      net.backward(tape, &g_params, nullptr, nullptr, &g);
    } else {
      const nn::Batch g_audio{models::to_tensor(grad_output)};
      net.backward(tape, nullptr, &g_audio, nullptr, &g);
    }
    *gz = g.front();
    return loss;
  }
};

}  // namespace

ItoZResult ito_on_z(const Stereo& x, const models::Converter& psi, const std::vector<float>& z_init,
                    const Objective& objective, double fs, const ItoZOptions& options,
                    const ItoZCallback& callback) {
  if (!psi.folded()) throw std::invalid_argument("ito_on_z: the converter must be in inference form (folded)");
  const bool white = psi.kind() == models::ConverterKind::WhiteBox;
  // forward() and backward() only read the weights when not training.
  ZEvaluator evaluate{x, const_cast<models::Converter&>(psi), objective, fs, white};

  double mean_square = 0.0;
  for (float v : z_init) mean_square += double(v) * v;
  const double z_scale = std::max(std::sqrt(mean_square / std::max<std::size_t>(1, z_init.size())), 1e-3);

  ItoZResult result;
  result.initial_z = result.best_z = z_init;
  std::vector<float> zf = z_init, gz;
  std::vector<double> z(z_init.begin(), z_init.end()), gz_d(z.size());
  std::optional<AdamOptimizer> optimizer;
  double relative_lr = options.relative_lr;
  int since_improvement = 0, evaluations = 0;
  for (int step = 0;; ++step) {
    Params params{};
    const double loss = evaluate(zf, &params, &gz);
    ++evaluations;
    result.loss_curve.push_back(loss);
    if (step == 0) {
      result.initial_loss = result.best_loss = loss;
      result.initial_params = result.best_params = params;
    }
    if (std::isfinite(loss) && loss < result.best_loss * (1.0 - options.min_rel_improvement)) {
      result.best_loss = loss;
      result.best_z = zf;
      result.best_params = params;
      since_improvement = 0;
    } else if (step > 0) {
      ++since_improvement;
    }
    if (callback && !callback({step, loss, result.best_loss, zf, white ? &params : nullptr})) {
      result.stop = ItoStop::Callback;
      break;
    }
    if (evaluations > options.max_steps) {
      result.stop = ItoStop::Budget;
      break;
    }
    if (since_improvement >= options.patience || !std::isfinite(loss)) {
      result.stop = ItoStop::EarlyStop;
      break;
    }
    if (!optimizer) {
      // Step-size trials along Adam's first direction, within the step budget.
      double best_trial = loss;
      for (double c : options.step_size_trials) {
        if (evaluations >= options.max_steps) break;
        std::vector<float> trial = zf;
        for (std::size_t i = 0; i < trial.size(); ++i)
          trial[i] -= static_cast<float>(c * z_scale * ((gz[i] > 0) - (gz[i] < 0)));
        Params trial_params{};
        const double trial_loss = evaluate(trial, &trial_params, nullptr);
        ++evaluations;
        if (std::isfinite(trial_loss) && trial_loss < best_trial) best_trial = trial_loss, relative_lr = c;
      }
      optimizer.emplace(z.size(), AdamConfig{relative_lr * z_scale, 0.9, 0.999, 1e-8, options.rectified});
    }
    for (std::size_t i = 0; i < z.size(); ++i) gz_d[i] = gz[i];
    optimizer->step(z.data(), gz_d.data());
    for (std::size_t i = 0; i < z.size(); ++i) zf[i] = static_cast<float>(z[i]);
    result.steps = step + 1;
  }
  result.relative_lr = relative_lr;
  result.evaluations = evaluations;
  return result;
}

}  // namespace ito

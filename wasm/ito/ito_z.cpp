#include "ito/ito_z.h"

#include <cmath>
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

ItoZResult ito_on_z(const Stereo& x, const models::Converter& psi, const std::vector<float>& z_init,
                    const Objective& objective, double fs, const ItoZOptions& options,
                    const ItoZCallback& callback) {
  if (!psi.folded()) throw std::invalid_argument("ito_on_z: the converter must be in inference form (folded)");
  models::Converter& net = const_cast<models::Converter&>(psi);  // read-only when not training
  const bool white = psi.kind() == models::ConverterKind::WhiteBox;
  const nn::Batch input{models::to_tensor(x)};

  double mean_square = 0.0;
  for (float v : z_init) mean_square += double(v) * v;
  const double z_rms = std::sqrt(mean_square / std::max<std::size_t>(1, z_init.size()));
  AdamOptimizer optimizer(z_init.size(), {options.relative_lr * std::max(z_rms, 1e-3), 0.9, 0.999, 1e-8, true});

  ItoZResult result;
  result.initial_z = result.best_z = z_init;
  std::vector<double> z(z_init.begin(), z_init.end()), gz_d(z.size());
  std::vector<float> zf = z_init;
  Chain chain(fs);
  ChainTape tape;
  Stereo output, grad_output;
  int since_improvement = 0;
  for (int step = 0;; ++step) {
    models::Converter::Tape psi_tape;
    std::vector<std::vector<float>> p;
    nn::Batch y;
    net.forward(input, {zf}, false, white ? &p : nullptr, white ? nullptr : &y, &psi_tape);
    Params params{};
    if (white) {
      params = to_params(p.front());
      chain.set_params(params);
      chain.process(x, output, &tape);
    } else {
      output = models::to_stereo(y.front());
    }
    const double loss = objective(output, &grad_output);
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
    if (step >= options.max_steps) {
      result.stop = ItoStop::Budget;
      break;
    }
    if (since_improvement >= options.patience || !std::isfinite(loss)) {
      result.stop = ItoStop::EarlyStop;
      break;
    }
    // Backward: objective -> (chain ->) Ψ -> z.
    std::vector<std::vector<float>> gz;
    if (white) {
      Params gp{};
      chain.backward(tape, grad_output, nullptr, gp);
      std::vector<std::vector<float>> g_params{std::vector<float>(gp.begin(), gp.end())};
      psi.backward(psi_tape, &g_params, nullptr, nullptr, &gz);
    } else {
      const nn::Batch g_audio{models::to_tensor(grad_output)};
      psi.backward(psi_tape, nullptr, &g_audio, nullptr, &gz);
    }
    for (std::size_t i = 0; i < z.size(); ++i) gz_d[i] = gz.front()[i];
    optimizer.step(z.data(), gz_d.data());
    for (std::size_t i = 0; i < z.size(); ++i) zf[i] = static_cast<float>(z[i]);
    result.steps = step + 1;
  }
  return result;
}

}  // namespace ito

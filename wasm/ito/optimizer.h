// Adam and RAdam (Liu et al. 2020, "On the Variance of the Adaptive Learning
// Rate"), the update rules of torch.optim.Adam / RAdam without weight decay.
#pragma once
#include <cstddef>
#include <vector>

namespace ito {

struct AdamConfig {
  double lr = 1e-2;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  bool rectified = true;  // RAdam when true, plain Adam when false
};

class AdamOptimizer {
 public:
  AdamOptimizer(std::size_t size, const AdamConfig& config);
  // One update of params (in place) from grads. Returns nothing: the caller owns
  // any projection (e.g. clamping to [0,1]).
  void step(double* params, const double* grads);
  int steps_taken() const { return t_; }
  const AdamConfig& config() const { return config_; }

 private:
  AdamConfig config_;
  std::vector<double> m_, v_;
  int t_ = 0;
};

}  // namespace ito

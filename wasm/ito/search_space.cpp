#include "ito/search_space.h"

#include <algorithm>

namespace ito {

Params SearchSpace::project(const Params& p) const {
  Params out;
  for (int i = 0; i < kNumParams; ++i) out[i] = std::clamp(p[i], lo[i], hi[i]);
  return out;
}

void SearchSpace::mask_gradient(const Params& raw, double* grad) const {
  for (int i = 0; i < kNumParams; ++i)
    if (raw[i] < lo[i] || raw[i] > hi[i]) grad[i] = 0.0;
}

double SearchSpace::prior(const Params& p, double* grad) const {
  double value = 0.0;
  for (int i = 0; i < kNumParams; ++i) {
    if (weight[i] == 0.0) continue;
    const double d = p[i] - centre[i];
    value += weight[i] * d * d;
    if (grad) grad[i] += 2.0 * weight[i] * d;
  }
  return value;
}

bool SearchSpace::contains(const Params& p) const {
  for (int i = 0; i < kNumParams; ++i)
    if (p[i] < lo[i] || p[i] > hi[i]) return false;
  return true;
}

}  // namespace ito

// The product's default ITO budgets for the learned models (CLI and page), in one place.
#pragma once

namespace ito {

// White-box: ITO on z, then ITO on Θ from its best parameters (models/README.md, "ITO on z,
// then on Θ": chosen on tuning pairs from training songs).
inline constexpr int kDefaultItoZSteps = 5;
inline constexpr int kDefaultThetaSteps = 25;
// Black-box: ITO on z alone (it has no parameters to optimize).
inline constexpr int kDefaultBlackBoxItoSteps = 30;

}  // namespace ito

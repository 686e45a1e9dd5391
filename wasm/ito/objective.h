// What ITO minimizes: a scalar loss of the chain's output with its gradient.
#pragma once
#include <functional>

#include "analysis/af_loss.h"
#include "core/stereo.h"

namespace ito {

// Returns the loss of y; if grad != nullptr, writes dL/dy into it.
using Objective = std::function<double(const Stereo& y, Stereo* grad)>;

// The AF loss against `target` (spec 3.2), as the paper's ITO uses it.
Objective af_objective(const AfFeatures& target, double fs);

// The AF loss of y after the static gain that brings it to `target_lufs`, i.e. of
// what the final stage will deliver (ours): the product always matches the
// reference's loudness afterwards, so level is not the chain's business and the
// loss is invariant to the chain's overall gain. The gain's value comes from the
// gated integrated loudness; its gradient from the ungated K-weighted power, which
// agrees exactly along the pure-gain direction (so <grad, y> = 0).
// Falls back to the plain AF loss for silent y.
double loudness_matched_af_loss(const Stereo& y, const AfFeatures& target, double target_lufs,
                                double fs, Stereo* grad = nullptr);
Objective loudness_matched_af_objective(const AfFeatures& target, double target_lufs, double fs);

}  // namespace ito

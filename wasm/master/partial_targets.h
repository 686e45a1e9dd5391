// A master that takes only some of the reference's character (MatchAmounts in
// ito/feature_targets.h): ITO's features, the Match EQ's balance and the loudness, each
// between the input's own and the full target's. Both pipelines (mastering.h,
// model_mastering.h) call this when any amount is not 100 %.
#pragma once
#include <optional>

#include "analysis/af_loss.h"
#include "analysis/tonal_balance.h"
#include "core/stereo.h"
#include "ito/feature_targets.h"

namespace ito {

struct PartialTargets {
  AfFeatures features;      // ITO's target
  BandLevels balance;       // the Match EQ's target
  BandLevels input_balance; // the input's own, measured on the way (the Match EQ needs it too)
  double lufs = 0;          // the final stage's target
};

// The full targets are the given ones, else the reference's (features and balance) and its
// loudness. The input's features are compared at the reference's loudness. The two
// loudnesses are the callers', who measured them already.
PartialTargets partial_targets(const Stereo& input, double input_lufs, const Stereo& reference,
                               double reference_lufs, double fs, const std::optional<AfFeatures>& target_features,
                               const std::optional<BandLevels>& target_balance, std::optional<double> target_lufs,
                               const MatchAmounts& amounts);

}  // namespace ito

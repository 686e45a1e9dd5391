#include "master/partial_targets.h"

#include <cmath>

#include "analysis/loudness.h"

namespace ito {

PartialTargets partial_targets(const Stereo& input, double input_lufs, const Stereo& reference,
                               double reference_lufs, double fs, const std::optional<AfFeatures>& target_features,
                               const std::optional<BandLevels>& target_balance, std::optional<double> target_lufs,
                               const MatchAmounts& amounts) {
  PartialTargets t;
  t.lufs = apply_match_amount_lufs(input_lufs, target_lufs.value_or(reference_lufs), amounts);

  // The input's features as if it were at the reference's loudness: a gain g multiplies the
  // RMS and adds ln g to every Bark log-magnitude; crest, width and imbalance do not move.
  AfFeatures input_features = compute_af_features(input, fs);
  const double gain_db = std::isfinite(input_lufs) ? reference_lufs - input_lufs : 0.0;
  const double gain = db_to_lin(gain_db), log_gain = std::log(gain);
  for (double& r : input_features.rms) r *= gain;
  for (double& v : input_features.bark_mid) v += log_gain;
  for (double& v : input_features.bark_side) v += log_gain;
  t.features = apply_match_amounts(input_features, target_features ? *target_features : compute_af_features(reference, fs),
                                   amounts);

  t.input_balance = third_octave_levels(input, fs);
  t.balance = apply_match_amounts(t.input_balance, target_balance ? *target_balance : third_octave_levels(reference, fs),
                                  amounts);
  return t;
}

}  // namespace ito

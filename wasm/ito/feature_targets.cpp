#include "ito/feature_targets.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ito {

AfFeatures blend_features(const AfFeatures& a, const AfFeatures& b, double amount) {
  if (a.bark_mid.size() != b.bark_mid.size() || a.bark_side.size() != b.bark_side.size())
    throw std::invalid_argument("blend_features: the two feature sets differ in size");
  const double t = std::clamp(amount, 0.0, 1.0);
  auto mix = [t](double x, double y) { return (1.0 - t) * x + t * y; };
  AfFeatures out = a;
  for (int c = 0; c < 2; ++c) {
    out.rms[c] = mix(a.rms[c], b.rms[c]);
    out.crest_db[c] = mix(a.crest_db[c], b.crest_db[c]);
  }
  out.width = mix(a.width, b.width);
  out.imbalance = mix(a.imbalance, b.imbalance);
  for (std::size_t k = 0; k < a.bark_mid.size(); ++k) out.bark_mid[k] = mix(a.bark_mid[k], b.bark_mid[k]);
  for (std::size_t k = 0; k < a.bark_side.size(); ++k) out.bark_side[k] = mix(a.bark_side[k], b.bark_side[k]);
  return out;
}

AfFeatures adjust_features(const AfFeatures& base, const FeatureAdjustments& adjust) {
  AfFeatures out = base;
  for (double& c : out.crest_db) c += adjust.crest_db;
  out.width *= std::max(0.0, adjust.width_scale);
  // The side's Bark spectrum follows the width (the side/mid energy ratio), else the two
  // features pull ITO's imager in opposite directions: magnitudes scale by sqrt(width_scale).
  const double side_shift = 0.5 * std::log(std::max(adjust.width_scale, 1e-3));
  for (double& v : out.bark_side) v += side_shift;
  // Bark bands hold natural logs of magnitudes: +x dB is +x ln(10)/20.
  constexpr double kNepersPerDb = 0.11512925464970229;
  const int n = static_cast<int>(out.bark_mid.size());
  for (int b = 0; b < n && b < kAfBarkBands; ++b) {
    const double position = n > 1 ? static_cast<double>(b) / (n - 1) - 0.5 : 0.0;  // -0.5 .. 0.5
    const double db = adjust.tilt_db * position + adjust.band_db[b];
    out.bark_mid[b] += db * kNepersPerDb;
    if (b < static_cast<int>(out.bark_side.size())) out.bark_side[b] += db * kNepersPerDb;
  }
  return out;
}

BandLevels blend_balance(const BandLevels& a, const BandLevels& b, double amount) {
  const double t = std::clamp(amount, 0.0, 1.0);
  BandLevels out;
  for (int k = 0; k < kThirdOctaveBands; ++k) {
    out.mid_db[k] = (1 - t) * a.mid_db[k] + t * b.mid_db[k];
    out.side_db[k] = (1 - t) * a.side_db[k] + t * b.side_db[k];
    out.mid_floor_db[k] = (1 - t) * a.mid_floor_db[k] + t * b.mid_floor_db[k];
    out.side_floor_db[k] = (1 - t) * a.side_floor_db[k] + t * b.side_floor_db[k];
  }
  return out;
}

BandLevels adjust_balance(const BandLevels& base, const FeatureAdjustments& adjust) {
  const std::vector<double> edges = bark_band_edges_hz();  // Bark band b peaks at edges[b + 1]
  BandLevels out = base;
  for (int k = 0; k < kThirdOctaveBands; ++k) {
    int nearest = 0;
    for (int b = 1; b < kAfBarkBands; ++b)
      if (std::abs(std::log(edges[b + 1] / kThirdOctaveCentres[k])) <
          std::abs(std::log(edges[nearest + 1] / kThirdOctaveCentres[k])))
        nearest = b;
    const double position = static_cast<double>(nearest) / (kAfBarkBands - 1) - 0.5;  // as adjust_features
    const double db = adjust.tilt_db * position + adjust.band_db[nearest];
    out.mid_db[k] += db, out.side_db[k] += db, out.mid_floor_db[k] += db, out.side_floor_db[k] += db;
    // The width scales the side/mid energy ratio: the side's level relative to the mid.
    const double width_db = 10.0 * std::log10(std::max(adjust.width_scale, 1e-3));
    out.side_db[k] += width_db, out.side_floor_db[k] += width_db;
  }
  return out;
}

void add_tone_region_db(FeatureAdjustments& adjust, int region, double db) {
  if (region < 0 || region >= static_cast<int>(kToneRegions.size()))
    throw std::invalid_argument("add_tone_region_db: no such tone region");
  const std::vector<double> edges = bark_band_edges_hz();  // band b peaks at edges[b + 1]
  for (int b = 0; b < kAfBarkBands; ++b) {
    const double centre = edges[b + 1];
    if (centre >= kToneRegions[region].low_hz && centre < kToneRegions[region].high_hz) adjust.band_db[b] += db;
  }
}

namespace {

// (1 - a) x + a y: exactly y at a = 1.
double toward(double x, double y, double a) { return a == 1.0 ? y : (1.0 - a) * x + a * y; }

// The side spectrum relative to the mid, side[k] - mid[k], split in two: its mean over the
// bands (how loud the side is: width's) and the rest (its shape: tone's). Taking the shape
// by the tone amount matters: the chain's EQ moves mid and side alike, so a side shape
// taken from the reference with the mid kept would make ITO tilt the EQ after it.
template <class Array>
void side_toward(const Array& in_mid, const Array& in_side, const Array& t_mid, const Array& t_side,
                 const MatchAmounts& amounts, Array& out_mid, Array& out_side) {
  const std::size_t n = out_mid.size();
  double in_mean = 0, t_mean = 0;
  for (std::size_t k = 0; k < n; ++k) {
    in_mean += (in_side[k] - in_mid[k]) / n;
    t_mean += (t_side[k] - t_mid[k]) / n;
  }
  const double mean = toward(in_mean, t_mean, amounts.width);
  for (std::size_t k = 0; k < n; ++k) {
    const double shape = toward(in_side[k] - in_mid[k] - in_mean, t_side[k] - t_mid[k] - t_mean, amounts.tone);
    out_side[k] = out_mid[k] + mean + shape;
  }
}

}  // namespace

AfFeatures apply_match_amounts(const AfFeatures& input, const AfFeatures& target, const MatchAmounts& amounts) {
  if (input.bark_mid.size() != target.bark_mid.size() || input.bark_side.size() != target.bark_side.size() ||
      target.bark_mid.size() != target.bark_side.size())
    throw std::invalid_argument("apply_match_amounts: the two feature sets differ in size");
  AfFeatures out = target;
  for (int c = 0; c < 2; ++c) out.crest_db[c] = toward(input.crest_db[c], target.crest_db[c], amounts.dynamics);
  // Width is an energy ratio: interpolated as a log, so it stays positive beyond 100 %.
  const double w_in = std::max(input.width, 1e-6), w_target = std::max(target.width, 1e-6);
  out.width = amounts.width == 1.0 ? target.width : std::exp(toward(std::log(w_in), std::log(w_target), amounts.width));
  out.imbalance = std::clamp(toward(input.imbalance, target.imbalance, amounts.width), -1.0, 1.0);
  if (amounts.tone == 1.0 && amounts.width == 1.0) return out;
  for (std::size_t k = 0; k < out.bark_mid.size(); ++k)
    out.bark_mid[k] = toward(input.bark_mid[k], target.bark_mid[k], amounts.tone);
  side_toward(input.bark_mid, input.bark_side, target.bark_mid, target.bark_side, amounts, out.bark_mid, out.bark_side);
  return out;
}

BandLevels apply_match_amounts(const BandLevels& input, const BandLevels& target, const MatchAmounts& amounts) {
  if (amounts.tone == 1.0 && amounts.width == 1.0) return target;
  const BandLevels in = normalized_balance(input), tgt = normalized_balance(target);
  BandLevels out = tgt;
  for (int b = 0; b < kThirdOctaveBands; ++b) out.mid_db[b] = toward(in.mid_db[b], tgt.mid_db[b], amounts.tone);
  side_toward(in.mid_db, in.side_db, tgt.mid_db, tgt.side_db, amounts, out.mid_db, out.side_db);
  return out;
}

double apply_match_amount_lufs(double input_lufs, double target_lufs, const MatchAmounts& amounts) {
  return toward(input_lufs, target_lufs, amounts.loudness);
}

}  // namespace ito

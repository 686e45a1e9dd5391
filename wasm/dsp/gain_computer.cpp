#include "dsp/gain_computer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace ito {
namespace {

constexpr double kLn2 = 0.69314718055994530942;
constexpr double kDbPerLog2 = 6.02059991327962390427;  // 20 log10(2)
constexpr float kFloorSquared = kLevelFloor * kLevelFloor;

// log2(x) for normal positive x. x = m 2^e with m in [sqrt(1/2), sqrt(2)), then
// log2(m) = (2 / ln 2) atanh(z), z = (m - 1) / (m + 1), |z| <= 0.1716, by its
// series to z^9 (truncation error < 1e-9). Only integer and float arithmetic,
// so loops over it vectorize.
inline float fast_log2(float x) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  const std::int32_t e = static_cast<std::int32_t>(bits - 0x3f3504f3u) >> 23;  // 0x3f3504f3 = sqrt(1/2)
  const float m = std::bit_cast<float>(bits - (static_cast<std::uint32_t>(e) << 23));
  const float z = (m - 1.0f) / (m + 1.0f);
  const float z2 = z * z;
  const float series =
      2.8853900817779268f +
      z2 * (0.9617966939259756f + z2 * (0.5770780163555854f + z2 * (0.4121985831111324f + z2 * 0.3205988979753252f)));
  return static_cast<float>(e) + z * series;
}

// max(x, 0) and min(x, 0), exact and branch-free. Written with |x| rather than a
// comparison so that the compiler cannot split the loop into paths where the
// result is a constant (which it does for x < 0 ? x : 0, and which stops it from
// vectorizing the loop).
inline float relu(float x) { return 0.5f * (x + std::abs(x)); }
inline float min_zero(float x) { return 0.5f * (x - std::abs(x)); }

// 2^y for y <= 0 (clamped at -125, so that the result stays a normal float and
// never costs a denormal penalty downstream). y = n + f with
// f in (-0.5, 0.5], 2^f by its Taylor series to f^7 (error < 1e-8), 2^n by
// building the float's exponent field.
inline float fast_exp2(float y) {
  y = y + relu(-125.0f - y);
  const std::int32_t n = static_cast<std::int32_t>(y - 0.5f);  // truncation: ceil(y - 0.5) for y <= 0.5
  const float f = y - static_cast<float>(n);
  const float p =
      1.0f + f * (0.6931471805599453f + f * (0.2402265069591007f + f * (0.0555041086648216f +
      f * (0.0096181291076285f + f * (0.0013333558146428f + f * (0.0001540353039338f +
      f * 0.0000152527338040f))))));
  return p * std::bit_cast<float>(static_cast<std::uint32_t>(n + 127) << 23);
}

inline float level_log2(float left, float right) {
  const float s = left + right;
  return 0.5f * fast_log2(s * s + kFloorSquared);
}

// Which term of min(0, comp, expand) is taken, as 0/1 weights (both 0: the 0).
// Ties go to the compressor, then to 0, consistently with gain_log2. Weights
// rather than branches keep the loops vectorizable.
struct ActiveBranch {
  float comp, expand;
};
inline ActiveBranch active_branch(const GainCurve& c, float level) {
  const float comp = c.comp_slope * (c.comp_threshold - level);
  const float expand = c.exp_slope * (c.exp_threshold - level);
  // & rather than &&: both comparisons always run, so the loop stays branch-free.
  return {static_cast<float>((comp < 0.0f) & (comp <= expand)),
          static_cast<float>((expand < 0.0f) & (expand < comp))};
}

inline float gain_log2(const GainCurve& c, float level) {
  const float comp = c.comp_slope * (c.comp_threshold - level);
  const float expand = c.exp_slope * (c.exp_threshold - level);
  return min_zero(expand < comp ? expand : comp);
}

// dL/ds = -(dL/dg) g k s / (s^2 + floor^2), k the active branch's slope.
void side_chain_gradient(const GainCurve& c, const float* left, const float* right,
                         const float* level, const float* gain, const float* grad_gain,
                         float* grad_side, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const ActiveBranch active = active_branch(c, level[i]);
    const float slope = active.comp * c.comp_slope + active.expand * c.exp_slope;
    const float s = left[i] + right[i];
    grad_side[i] = -grad_gain[i] * gain[i] * slope * s / (s * s + kFloorSquared);
  }
}

}  // namespace

GainCurve make_gain_curve(double comp_threshold_db, double comp_ratio, double exp_threshold_db,
                          double exp_ratio) {
  GainCurve c;
  c.comp_threshold_db = comp_threshold_db;
  c.comp_ratio = comp_ratio;
  c.exp_threshold_db = exp_threshold_db;
  c.exp_ratio = exp_ratio;
  c.comp_slope = static_cast<float>(1.0 - 1.0 / comp_ratio);
  c.exp_slope = static_cast<float>(1.0 - 1.0 / std::max(exp_ratio, kMinExpanderRatio));
  c.comp_threshold = static_cast<float>(comp_threshold_db / kDbPerLog2);
  c.exp_threshold = static_cast<float>(exp_threshold_db / kDbPerLog2);
  return c;
}

double static_gain_db(const GainCurve& c, double level_db) {
  const double comp = (1.0 - 1.0 / c.comp_ratio) * (c.comp_threshold_db - level_db);
  const double expand =
      (1.0 - 1.0 / std::max(c.exp_ratio, kMinExpanderRatio)) * (c.exp_threshold_db - level_db);
  return std::min({0.0, comp, expand});
}

void gain_computer_forward(const GainCurve& c, const float* left, const float* right,
                           float* level, float* gain, std::size_t n) {
  // Two passes: one loop doing both the log and the exp runs out of (SSE) registers
  // and is about 1.5x slower.
  for (std::size_t i = 0; i < n; ++i) level[i] = level_log2(left[i], right[i]);
  gain_from_level(c, level, gain, n);
}

void gain_from_level(const GainCurve& c, const float* level, float* gain, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) gain[i] = fast_exp2(gain_log2(c, level[i]));
}

void gain_computer_backward(const GainCurve& c, const float* left, const float* right,
                            const float* level, const float* gain, const float* grad_gain,
                            float* grad_side, std::size_t n, GainCurveGrad& grad) {
  // With a = dL/dg * g, the active branch k (T - l) of the min gets
  //   dL/dT = ln2 a k,  dL/dk = ln2 a (T - l),  dL/ds = -a k s / (s^2 + floor^2).
  side_chain_gradient(c, left, right, level, gain, grad_gain, grad_side, n);
  const float kc = c.comp_slope, ke = c.exp_slope;

  // The parameter sums use kLanes partial sums (float within a block, double
  // across blocks) so that they vectorize too.
  constexpr int kLanes = 8;
  constexpr std::size_t kBlock = 1024;
  double sum_comp = 0, sum_comp_offset = 0, sum_exp = 0, sum_exp_offset = 0;
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t end = std::min(n, start + kBlock);
    float lane_comp[kLanes] = {}, lane_comp_offset[kLanes] = {};
    float lane_exp[kLanes] = {}, lane_exp_offset[kLanes] = {};
    auto accumulate = [&](std::size_t i, int j) {
      const float l = level[i];
      const ActiveBranch active = active_branch(c, l);
      const float a = grad_gain[i] * gain[i];
      const float a_comp = active.comp * a;
      const float a_exp = active.expand * a;
      lane_comp[j] += a_comp;
      lane_comp_offset[j] += a_comp * (c.comp_threshold - l);
      lane_exp[j] += a_exp;
      lane_exp_offset[j] += a_exp * (c.exp_threshold - l);
    };
    // Full groups of kLanes samples, then the remainder into lane 0.
    const std::size_t full_end = start + (end - start) / kLanes * kLanes;
    for (std::size_t base = start; base < full_end; base += kLanes)
      for (int j = 0; j < kLanes; ++j) accumulate(base + j, j);
    for (std::size_t i = full_end; i < end; ++i) accumulate(i, 0);
    for (int j = 0; j < kLanes; ++j) {
      sum_comp += lane_comp[j];
      sum_comp_offset += lane_comp_offset[j];
      sum_exp += lane_exp[j];
      sum_exp_offset += lane_exp_offset[j];
    }
  }
  // Chain log2-unit thresholds and slopes back to dB and ratios.
  grad.comp_threshold_db += kLn2 * kc * sum_comp / kDbPerLog2;
  grad.comp_ratio += kLn2 * sum_comp_offset / (c.comp_ratio * c.comp_ratio);
  grad.exp_threshold_db += kLn2 * ke * sum_exp / kDbPerLog2;
  if (c.exp_ratio > kMinExpanderRatio)
    grad.exp_ratio += kLn2 * sum_exp_offset / (c.exp_ratio * c.exp_ratio);
}

}  // namespace ito

// Static compressor/expander curve of one band (spec 1.3), with its gradient.
//
// Side chain: s = b_L + b_R. Level in dB: x = 20 log10(e) with the smoothly
// floored magnitude e = sqrt(s^2 + kLevelFloor^2) (the floor keeps dx/ds bounded
// and makes the level differentiable through s = 0). Gain in dB:
//   g_log = min(0, (1 - 1/CR)(CT - x), (1 - 1/ER)(ET - x)),   g = 10^(g_log / 20).
// ER is clamped to >= kMinExpanderRatio (ER = 0 would divide by zero).
//
// Internally everything is in log2 units (x / (20 log10 2)), so the whole curve is
// one fast log2 and one fast exp2 per sample, in a loop the compiler vectorizes.
// The approximations are accurate to float rounding (log2 within 1.1e-6 absolute,
// exp2 within 1e-7 relative), and the backward pass uses the exact derivatives of
// log2/exp2, which agree with the approximations' own derivatives to that order.
#pragma once
#include <cstddef>

namespace ito {

inline constexpr float kLevelFloor = 1e-5f;        // -100 dBFS
inline constexpr double kMinExpanderRatio = 0.05;  // ours: the table's range starts at 0

struct GainCurve {
  // As set, in dB and ratios.
  double comp_threshold_db = 0.0, comp_ratio = 1.0, exp_threshold_db = -60.0, exp_ratio = 1.0;
  // Derived, in log2 units: g_log2 = min(0, comp_slope (comp_threshold - l), exp_slope (exp_threshold - l)).
  float comp_slope = 0.0f;  // 1 - 1/CR >= 0
  float exp_slope = 0.0f;   // 1 - 1/ER <= 0
  float comp_threshold = 0.0f, exp_threshold = 0.0f;
};

GainCurve make_gain_curve(double comp_threshold_db, double comp_ratio, double exp_threshold_db,
                          double exp_ratio);

// Reference curve in double precision: gain in dB for a level in dB (tests, UI plots).
double static_gain_db(const GainCurve& c, double level_db);

// Level (log2 of the floored side-chain magnitude) and static linear gain of n frames
// of a band; level goes on the tape, gain into the ballistics.
void gain_computer_forward(const GainCurve& c, const float* left, const float* right,
                           float* level, float* gain, std::size_t n);

// The gain from a stored level, bit-identical to gain_computer_forward's.
void gain_from_level(const GainCurve& c, const float* level, float* gain, std::size_t n);

// dL/d(comp_threshold_db, comp_ratio, exp_threshold_db, exp_ratio).
struct GainCurveGrad {
  double comp_threshold_db = 0, comp_ratio = 0, exp_threshold_db = 0, exp_ratio = 0;
};

// Given dL/dgain, writes dL/ds into grad_side (ds: the side-chain sum, so it is the
// gradient for both b_L and b_R) and adds the curve's parameter gradients into grad.
// grad_side must not alias the inputs.
void gain_computer_backward(const GainCurve& c, const float* left, const float* right,
                            const float* level, const float* gain, const float* grad_gain,
                            float* grad_side, std::size_t n, GainCurveGrad& grad);

}  // namespace ito

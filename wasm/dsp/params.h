// The 46 parameters of the white-box mastering chain. Every parameter is stored
// normalized to [0,1] and maps linearly to its range: value = min + p (max - min).
#pragma once
#include <array>
#include <string>

namespace ito {

constexpr int kNumParams = 46;
using Params = std::array<double, kNumParams>;  // normalized, each in [0,1]

enum class Processor { Eq, Distortion, Multiband, Gain, Imager, Limiter };
constexpr int kNumProcessors = 6;
// Which processors run (a disabled one passes its input through untouched).
using ProcessorSwitches = std::array<bool, kNumProcessors>;
inline constexpr ProcessorSwitches kAllProcessorsOn{true, true, true, true, true, true};

struct ParamInfo {
  const char* id;       // machine name, e.g. "mid_comp_threshold"
  const char* label;    // display name, e.g. "Mid Band Comp Threshold"
  Processor processor;
  const char* unit;     // "dB", "Hz", "ms", ":1", "%", ""
  double min, max;
};

// First index and count of each processor's parameters.
struct ParamRange { int first, count; };
ParamRange processor_params(Processor p);
const char* processor_name(Processor p);

const std::array<ParamInfo, kNumParams>& param_table();
int param_index(const std::string& id);  // -1 if unknown

inline double denormalize(const ParamInfo& info, double p) { return info.min + p * (info.max - info.min); }
inline double normalize(const ParamInfo& info, double v) { return (v - info.min) / (info.max - info.min); }
double param_value(const Params& p, int index);  // in the parameter's unit

// "Mid Band Comp Threshold: -18.3 dB" (imager width shown as 0-200 %).
std::string format_param(int index, double normalized);

// Parameters at which each processor is transparent or as close as its range allows
// (EQ flat, gain 0 dB, width 100 %, compressor ratios 1:1, limiter threshold 0 dB).
Params neutral_params();

}  // namespace ito

// The 46 parameters of the white-box mastering chain. Every parameter is stored
// normalized to [0,1] and maps linearly to its range: value = min + p (max - min).
#pragma once
#include <array>
#include <string>

namespace ito {

constexpr int kNumParams = 46;
using Params = std::array<double, kNumParams>;  // normalized, each in [0,1]

// Each parameter's index in Params and in param_table(), in the chain's order. Code names
// parameters through these, never by number: each table row names its id, checked at
// compile time, so reordering the table fails to build instead of changing the sound.
namespace param {
enum Id : int {
  // EQ: six sections (low shelf, four peaks, high shelf) of gain, frequency, Q.
  EqLowShelfGain, EqLowShelfFreq, EqLowShelfQ,
  EqBand0Gain, EqBand0Freq, EqBand0Q,
  EqBand1Gain, EqBand1Freq, EqBand1Q,
  EqBand2Gain, EqBand2Freq, EqBand2Q,
  EqBand3Gain, EqBand3Freq, EqBand3Q,
  EqHighShelfGain, EqHighShelfFreq, EqHighShelfQ,
  DistDrive, DistMix,
  // Multiband: crossovers and mix, then three bands (low, mid, high) of six each.
  MbLowMidXover, MbMidHighXover, MbMix,
  LowCompThreshold, LowCompRatio, LowExpThreshold, LowExpRatio, LowAttack, LowRelease,
  MidCompThreshold, MidCompRatio, MidExpThreshold, MidExpRatio, MidAttack, MidRelease,
  HighCompThreshold, HighCompRatio, HighExpThreshold, HighExpRatio, HighAttack, HighRelease,
  OutputGain,
  StereoWidth,
  LimiterThreshold, LimiterAttack, LimiterRelease,
  Count
};

constexpr int kEqSections = 6;  // 0 low shelf, 1-4 peaks, 5 high shelf
constexpr Id eq_gain(int section) { return Id(EqLowShelfGain + 3 * section); }
constexpr Id eq_freq(int section) { return Id(EqLowShelfFreq + 3 * section); }
constexpr Id eq_q(int section) { return Id(EqLowShelfQ + 3 * section); }

// One multiband band's parameters, in their order within the band.
enum BandField : int { CompThreshold, CompRatio, ExpThreshold, ExpRatio, Attack, Release, BandFields };
constexpr int kBands = 3;  // 0 low, 1 mid, 2 high
constexpr Id band(int b, BandField field) { return Id(LowCompThreshold + BandFields * b + field); }
static_assert(band(2, Release) == HighRelease);
}  // namespace param
static_assert(param::Count == kNumParams);

enum class Processor { Eq, Distortion, Multiband, Gain, Imager, Limiter };
constexpr int kNumProcessors = 6;
// Which processors run (a disabled one passes its input through untouched).
using ProcessorSwitches = std::array<bool, kNumProcessors>;
inline constexpr ProcessorSwitches kAllProcessorsOn{true, true, true, true, true, true};

struct ParamInfo {
  param::Id index;      // its place in the table and in Params
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

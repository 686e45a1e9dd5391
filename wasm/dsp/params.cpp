#include "dsp/params.h"

#include <cstdio>
#include <cstring>

namespace ito {
namespace {

using P = Processor;
using I = param::Id;
constexpr std::array<ParamInfo, kNumParams> kTable = {{
    {I::EqLowShelfGain, "eq_low_shelf_gain", "EQ Low Shelf Gain", P::Eq, "dB", -20, 20},
    {I::EqLowShelfFreq, "eq_low_shelf_freq", "EQ Low Shelf Frequency", P::Eq, "Hz", 20, 2000},
    {I::EqLowShelfQ, "eq_low_shelf_q", "EQ Low Shelf Q", P::Eq, "", 0.1, 5},
    {I::EqBand0Gain, "eq_band0_gain", "EQ Band 1 Gain", P::Eq, "dB", -20, 20},
    {I::EqBand0Freq, "eq_band0_freq", "EQ Band 1 Frequency", P::Eq, "Hz", 80, 2000},
    {I::EqBand0Q, "eq_band0_q", "EQ Band 1 Q", P::Eq, "", 0.1, 5},
    {I::EqBand1Gain, "eq_band1_gain", "EQ Band 2 Gain", P::Eq, "dB", -20, 20},
    {I::EqBand1Freq, "eq_band1_freq", "EQ Band 2 Frequency", P::Eq, "Hz", 2000, 8000},
    {I::EqBand1Q, "eq_band1_q", "EQ Band 2 Q", P::Eq, "", 0.1, 5},
    {I::EqBand2Gain, "eq_band2_gain", "EQ Band 3 Gain", P::Eq, "dB", -20, 20},
    {I::EqBand2Freq, "eq_band2_freq", "EQ Band 3 Frequency", P::Eq, "Hz", 8000, 12000},
    {I::EqBand2Q, "eq_band2_q", "EQ Band 3 Q", P::Eq, "", 0.1, 5},
    {I::EqBand3Gain, "eq_band3_gain", "EQ Band 4 Gain", P::Eq, "dB", -20, 20},
    {I::EqBand3Freq, "eq_band3_freq", "EQ Band 4 Frequency", P::Eq, "Hz", 12000, 20000},
    {I::EqBand3Q, "eq_band3_q", "EQ Band 4 Q", P::Eq, "", 0.1, 5},
    {I::EqHighShelfGain, "eq_high_shelf_gain", "EQ High Shelf Gain", P::Eq, "dB", -20, 20},
    {I::EqHighShelfFreq, "eq_high_shelf_freq", "EQ High Shelf Frequency", P::Eq, "Hz", 4000, 20000},
    {I::EqHighShelfQ, "eq_high_shelf_q", "EQ High Shelf Q", P::Eq, "", 0.1, 5},
    {I::DistDrive, "dist_drive", "Distortion Drive", P::Distortion, "dB", 0, 8},
    {I::DistMix, "dist_mix", "Distortion Parallel Mix", P::Distortion, "%", 0.2, 0.7},
    {I::MbLowMidXover, "mb_low_mid_xover", "Low/Mid Crossover", P::Multiband, "Hz", 20, 300},
    {I::MbMidHighXover, "mb_mid_high_xover", "Mid/High Crossover", P::Multiband, "Hz", 2000, 12000},
    {I::MbMix, "mb_mix", "Multiband Parallel Mix", P::Multiband, "%", 0.2, 0.7},
    {I::LowCompThreshold, "low_comp_threshold", "Low Band Comp Threshold", P::Multiband, "dB", -60, 0},
    {I::LowCompRatio, "low_comp_ratio", "Low Band Comp Ratio", P::Multiband, ":1", 1, 20},
    {I::LowExpThreshold, "low_exp_threshold", "Low Band Exp Threshold", P::Multiband, "dB", -60, 0},
    {I::LowExpRatio, "low_exp_ratio", "Low Band Exp Ratio", P::Multiband, "", 0, 1},
    {I::LowAttack, "low_attack", "Low Band Attack", P::Multiband, "ms", 5, 100},
    {I::LowRelease, "low_release", "Low Band Release", P::Multiband, "ms", 5, 100},
    {I::MidCompThreshold, "mid_comp_threshold", "Mid Band Comp Threshold", P::Multiband, "dB", -60, 0},
    {I::MidCompRatio, "mid_comp_ratio", "Mid Band Comp Ratio", P::Multiband, ":1", 1, 20},
    {I::MidExpThreshold, "mid_exp_threshold", "Mid Band Exp Threshold", P::Multiband, "dB", -60, 0},
    {I::MidExpRatio, "mid_exp_ratio", "Mid Band Exp Ratio", P::Multiband, "", 0, 1},
    {I::MidAttack, "mid_attack", "Mid Band Attack", P::Multiband, "ms", 5, 100},
    {I::MidRelease, "mid_release", "Mid Band Release", P::Multiband, "ms", 5, 100},
    {I::HighCompThreshold, "high_comp_threshold", "High Band Comp Threshold", P::Multiband, "dB", -60, 0},
    {I::HighCompRatio, "high_comp_ratio", "High Band Comp Ratio", P::Multiband, ":1", 1, 20},
    {I::HighExpThreshold, "high_exp_threshold", "High Band Exp Threshold", P::Multiband, "dB", -60, 0},
    {I::HighExpRatio, "high_exp_ratio", "High Band Exp Ratio", P::Multiband, "", 0, 1},
    {I::HighAttack, "high_attack", "High Band Attack", P::Multiband, "ms", 5, 100},
    {I::HighRelease, "high_release", "High Band Release", P::Multiband, "ms", 5, 100},
    {I::OutputGain, "gain", "Output Gain", P::Gain, "dB", -24, 24},
    {I::StereoWidth, "stereo_width", "Stereo Width", P::Imager, "%", 0, 1},
    {I::LimiterThreshold, "limiter_threshold", "Limiter Threshold", P::Limiter, "dB", -60, 0},
    {I::LimiterAttack, "limiter_attack", "Limiter Attack", P::Limiter, "ms", 5, 100},
    {I::LimiterRelease, "limiter_release", "Limiter Release", P::Limiter, "ms", 5, 100},
}};

constexpr bool rows_are_in_id_order() {
  for (int i = 0; i < kNumParams; ++i)
    if (kTable[i].index != i) return false;
  return true;
}
static_assert(rows_are_in_id_order(), "param_table's rows must follow param::Id");

constexpr ParamRange kRanges[kNumProcessors] = {{I::EqLowShelfGain, 18}, {I::DistDrive, 2}, {I::MbLowMidXover, 21},
                                                {I::OutputGain, 1},     {I::StereoWidth, 1}, {I::LimiterThreshold, 3}};
static_assert(kRanges[0].count == 3 * param::kEqSections && I::EqLowShelfGain + 18 == I::DistDrive &&
              I::DistDrive + 2 == I::MbLowMidXover && I::MbLowMidXover + 21 == I::OutputGain &&
              I::LimiterThreshold + 3 == I::Count, "each processor's parameters are contiguous");
constexpr const char* kNames[kNumProcessors] = {"Equalizer", "Distortion", "Multiband Compressor",
                                                "Gain", "Stereo Imager", "Limiter"};

}  // namespace

const std::array<ParamInfo, kNumParams>& param_table() { return kTable; }
ParamRange processor_params(Processor p) { return kRanges[static_cast<int>(p)]; }
const char* processor_name(Processor p) { return kNames[static_cast<int>(p)]; }

int param_index(const std::string& id) {
  for (int i = 0; i < kNumParams; ++i)
    if (id == kTable[i].id) return i;
  return -1;
}

double param_value(const Params& p, int index) { return denormalize(kTable[index], p[index]); }

std::string format_param(int index, double normalized) {
  const ParamInfo& info = kTable[index];
  double v = denormalize(info, normalized);
  char buf[128];
  if (std::strcmp(info.unit, "%") == 0) {
    // Mixes show as percent wet; the imager width as 0-200 % (100 % = unchanged).
    const double scale = info.processor == Processor::Imager ? 200.0 : 100.0;
    std::snprintf(buf, sizeof buf, "%s: %.0f %%", info.label, v * scale);
  } else if (std::strcmp(info.unit, ":1") == 0) {
    std::snprintf(buf, sizeof buf, "%s: %.1f:1", info.label, v);
  } else if (std::strcmp(info.unit, "Hz") == 0) {
    if (v >= 1000.0)
      std::snprintf(buf, sizeof buf, "%s: %.2f kHz", info.label, v / 1000.0);
    else
      std::snprintf(buf, sizeof buf, "%s: %.0f Hz", info.label, v);
  } else if (info.unit[0] == '\0') {
    std::snprintf(buf, sizeof buf, "%s: %.2f", info.label, v);
  } else {
    std::snprintf(buf, sizeof buf, "%s: %.1f %s", info.label, v, info.unit);
  }
  return buf;
}

Params neutral_params() {
  Params p{};
  for (int i = 0; i < kNumParams; ++i) p[i] = 0.5;
  for (int i : {0, 3, 6, 9, 12, 15}) p[i] = 0.5;  // EQ gains 0 dB
  p[18] = 0.0;                                    // drive 0 dB
  p[19] = 0.0;                                    // least distortion mix
  p[22] = 0.0;                                    // least multiband mix
  for (int band = 0; band < 3; ++band) {
    const int b = 23 + 6 * band;
    p[b + 0] = 1.0;  // comp threshold 0 dB
    p[b + 1] = 0.0;  // ratio 1:1
    p[b + 2] = 0.0;  // exp threshold -60 dB
    p[b + 3] = 1.0;  // exp ratio 1 (off)
  }
  p[41] = 0.5;  // gain 0 dB
  p[42] = 0.5;  // width unchanged
  p[43] = 1.0;  // limiter threshold 0 dB
  return p;
}

}  // namespace ito

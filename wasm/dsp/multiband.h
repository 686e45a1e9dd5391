// Three-band compressor/expander (spec 1.3), chain parameters 20-40:
//   0 low/mid crossover Hz, 1 mid/high crossover Hz, 2 parallel mix w,
//   3 + 6 b + {0 comp threshold dB, 1 comp ratio, 2 exp threshold dB, 3 exp ratio,
//              4 attack ms, 5 release ms} for band b = low, mid, high.
// Each band: LR4 split (crossover.h) -> side chain |b_L + b_R| -> static curve
// (gain_computer.h) -> attack/release smoothing (ballistics.h) -> both channels x gain.
// Output = w (low' + mid' + high') + (1 - w) x.
// The per-band pipeline runs in blocks, the three bands' ballistics side by side.
// A Multiband keeps scratch buffers between calls, so one instance must not be
// used by two threads at once.
//
// Deviations from the spec, both documented where they live: the side-chain level
// uses the smooth floor sqrt(s^2 + (1e-5)^2) instead of max(|s|, 1e-7), and the
// expander ratio is clamped to >= 0.05.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dsp/ballistics.h"
#include "dsp/crossover.h"
#include "dsp/gain_computer.h"
#include "dsp/processor.h"

namespace ito {

struct Multiband {
  static constexpr int kNumParams = 21;
  static constexpr int kBands = 3;

  struct BandTape {
    std::vector<float> level;         // side-chain level, log2 units
    std::vector<float> smoothed;      // gain after the ballistics
    std::vector<std::uint8_t> attack; // 1 where the attack coefficient was used
  };
  // 67 bytes per stereo frame: 5 stereo float signals (40) + 3 x (4 + 4 + 1).
  // 30 s at 44.1 kHz: about 89 MB.
  struct Tape {
    Stereo input, low_a, low, high_a, high;  // low_a/high_a: after the first LR4 section
    std::array<BandTape, kBands> bands;
  };

  struct State {
    Crossover::State crossover[2];          // per channel
    double smoothed[kBands] = {1.0, 1.0, 1.0};  // each band's smoothed gain
  };

  void set_params(const double* p, double fs);
  void process(const Stereo& in, Stereo& out, Tape* tape, State* state = nullptr) const;
  // grad_in must not alias grad_out.
  void backward(const Tape& tape, const Stereo& grad_out, Stereo& grad_in, double* grad_p) const;

  Crossover crossover;
  double mix = 0.2;
  std::array<GainCurve, kBands> curves{};
  std::array<Ballistics, kBands> ballistics{};
  // d alpha / d time (per ms) for the attack and release of each band.
  std::array<double, kBands> attack_alpha_per_ms{}, release_alpha_per_ms{};

 private:
  // Scratch kept between calls: allocating (and page-faulting) tens of MB on every
  // call of an ITO loop would cost more than the processing. So one Multiband must
  // not run two calls at once. process() works per band in blocks of kBlock
  // frames: without a tape it needs 16 bytes per frame (the crossover's low and
  // high bands); backward() needs 44 bytes per frame.
  static constexpr std::size_t kBlock = 2048;
  struct Workspace {
    Stereo low, high;  // crossover outputs when there is no tape
    // One block of the per-band pipeline (level, smoothed, attack: without a tape).
    Stereo block_mid;
    std::array<std::vector<float>, kBands> block_level, block_gain, block_smoothed;
    std::array<std::vector<std::uint8_t>, kBands> block_attack;
    // backward()
    Stereo mid;
    std::vector<float> gain, grad_gain, grad_side;
    std::array<Stereo, kBands> grad_bands;
  };
  mutable Workspace work_;
};

}  // namespace ito

// libebur128's true peak of a stereo signal: the independent meter the true-peak tests
// compare against.
#pragma once
#include <ebur128.h>

#include <algorithm>
#include <vector>

#include "core/stereo.h"

namespace ito::testing {

inline double libebur128_true_peak(const Stereo& x, double fs) {
  ebur128_state* st = ebur128_init(2, static_cast<unsigned long>(fs), EBUR128_MODE_TRUE_PEAK);
  std::vector<float> interleaved(2 * x.frames());
  for (std::size_t i = 0; i < x.frames(); ++i) {
    interleaved[2 * i] = x.l[i];
    interleaved[2 * i + 1] = x.r[i];
  }
  ebur128_add_frames_float(st, interleaved.data(), x.frames());
  double l = 0, r = 0;
  ebur128_true_peak(st, 0, &l);
  ebur128_true_peak(st, 1, &r);
  ebur128_destroy(&st);
  return std::max(l, r);
}

}  // namespace ito::testing

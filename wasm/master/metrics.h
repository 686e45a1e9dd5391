// The numbers shown for every track (input, reference, master): the CLI's
// `analyze`, its JSON summaries and the studio's meters all use this.
#pragma once
#include "core/stereo.h"

namespace ito {

struct TrackMetrics {
  double lufs = 0;            // integrated loudness (BS.1770-4)
  double lra = 0;             // loudness range, LU (EBU Tech 3342)
  double true_peak_dbtp = 0;  // analysis/true_peak.h
  double crest_db = 0;        // peak to RMS, louder channel
  double width = 0;           // side/mid energy ratio
  double drv = 0;             // dynamic-range variability
};

TrackMetrics measure_track(const Stereo& x, double fs);

}  // namespace ito

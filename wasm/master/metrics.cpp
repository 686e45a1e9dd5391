#include "master/metrics.h"

#include "analysis/af_loss.h"
#include "analysis/drv.h"
#include "analysis/loudness.h"
#include "analysis/true_peak.h"

namespace ito {

TrackMetrics measure_track(const Stereo& x, double fs) {
  TrackMetrics m;
  m.lufs = integrated_loudness(x, fs);
  m.lra = loudness_range(x, fs);
  m.true_peak_dbtp = true_peak_dbtp(x, fs);
  m.crest_db = crest_factor_db(x);
  m.width = stereo_width(x);
  m.drv = drv(x, fs);
  return m;
}

}  // namespace ito

#include "cli/report.h"

#include <cstdio>

namespace ito {

void write_metrics(JsonWriter& w, const char* key, const TrackMetrics& m) {
  w.begin_object(key)
      .field("lufs", m.lufs)
      .field("lra", m.lra)
      .field("true_peak_dbtp", m.true_peak_dbtp)
      .field("crest_db", m.crest_db)
      .field("width", m.width)
      .field("drv", m.drv)
      .end_object();
}

void write_af_terms(JsonWriter& w, const char* key, const AfLossTerms& t) {
  w.begin_object(key)
      .field("rms", t.rms)
      .field("crest", t.crest)
      .field("width", t.width)
      .field("imbalance", t.imbalance)
      .field("bark", t.bark)
      .field("total", t.total)
      .end_object();
}

void write_params(JsonWriter& w, const char* key, const Params& p) {
  w.begin_array(key);
  for (int i = 0; i < kNumParams; ++i) {
    const ParamInfo& info = param_table()[i];
    w.begin_object()
        .field("id", info.id)
        .field("label", info.label)
        .field("value", param_value(p, i))
        .field("unit", info.unit)
        .field("normalized", p[i])
        .field("display", format_param(i, p[i]))
        .end_object();
  }
  w.end_array();
}

std::string describe_metrics(const std::string& name, const TrackMetrics& m) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s\n  integrated loudness  %7.2f LUFS\n  loudness range       %7.2f LU\n"
                "  true peak            %7.2f dBTP\n  crest factor         %7.2f dB\n"
                "  stereo width         %7.3f (side/mid energy)\n  DRV                  %7.3f\n",
                name.c_str(), m.lufs, m.lra, m.true_peak_dbtp, m.crest_db, m.width, m.drv);
  return buf;
}

}  // namespace ito

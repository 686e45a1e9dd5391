// JSON pieces shared by the CLI commands' summaries.
#pragma once
#include <string>

#include "analysis/af_loss.h"
#include "core/json_writer.h"
#include "dsp/params.h"
#include "master/metrics.h"

namespace ito {

// {"lufs":..,"lra":..,"true_peak_dbtp":..,"crest_db":..,"width":..,"drv":..}
void write_metrics(JsonWriter& w, const char* key, const TrackMetrics& m);

// {"rms":..,"crest":..,"width":..,"imbalance":..,"bark":..,"total":..} (weighted terms)
void write_af_terms(JsonWriter& w, const char* key, const AfLossTerms& t);

// [{"id":..,"label":..,"value":..,"unit":..,"normalized":..,"display":..}, ...]
void write_params(JsonWriter& w, const char* key, const Params& p);

// Human-readable block of metrics for the terminal.
std::string describe_metrics(const std::string& name, const TrackMetrics& m);

}  // namespace ito

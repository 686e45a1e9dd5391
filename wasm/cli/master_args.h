// `itomaster master`'s command line, checked and turned into what the run needs, before any
// audio is read: a bad option fails at once (UsageError), a --params-in file that is not
// settings too (SettingsJsonError), and an output that exists without --force (AudioError).
// cmd_master.cpp: parse_master_args -> run_master_request (master_run.h) -> the summaries
// (master_summary.h).
#pragma once
#include <optional>
#include <string>

#include "cli/args.h"
#include "cli/audio_io.h"
#include "ito/feature_targets.h"
#include "master/mastering.h"
#include "master/model_mastering.h"
#include "master/settings_json.h"

namespace ito {

struct MasterRequest {
  std::string input_path, reference_path, output_path;
  std::string mode;  // theta, white-box, black-box or a .itom file
  bool use_model = false, force = false;
  bool stereo = false;  // --stereo: a mono input still gives a two-channel master
  double output_rate = 0;  // --output-rate; 0: the mix's own (audio_io.h's master_rate_for)
  OutputFormat out_format;
  MasteringOptions options;               // ITO on Θ (and what both paths share)
  ModelMasteringOptions model_options;    // the learned models
  std::optional<ImportedSettings> fixed;  // --params-in: these settings, no ITO
  // Black-box has no chain parameters: its own step default applies unless these were given.
  bool ito_steps_given = false, theta_steps_given = false;

  // Other ITO targets than the reference's features: a blend with a second reference
  // (--reference2, --blend) and adjustments (--crest-db, --width-scale, --tilt-db).
  std::string reference2_path;  // empty: none
  double blend = 0.5;
  FeatureAdjustments adjust;
  bool adjusted = false;

  // What to say afterwards: --json (stdout), --params-out FILE, --report FILE (empty: not asked).
  bool json = false;
  std::string params_out_path, report_path;
  bool wants_metrics() const { return json || !params_out_path.empty(); }
};

MasterRequest parse_master_args(const Args& args);

}  // namespace ito

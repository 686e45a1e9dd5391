// `itomaster master`'s command line, checked and turned into what the run needs, before any
// audio is read: a bad option fails at once (UsageError), a --params-in file that is not
// settings too (SettingsJsonError), and an output that exists without --force (AudioError).
#pragma once
#include <optional>
#include <string>

#include "cli/args.h"
#include "cli/audio_io.h"
#include "master/mastering.h"
#include "master/model_mastering.h"
#include "master/settings_json.h"

namespace ito {

struct MasterRequest {
  std::string input_path, reference_path, output_path;
  std::string mode;  // theta, white-box, black-box or a .itom file
  bool use_model = false, force = false;
  OutputFormat out_format;
  MasteringOptions options;               // ITO on Θ (and what both paths share)
  ModelMasteringOptions model_options;    // the learned models
  std::optional<ImportedSettings> fixed;  // --params-in: these settings, no ITO
};

MasterRequest parse_master_args(const Args& args);

}  // namespace ito

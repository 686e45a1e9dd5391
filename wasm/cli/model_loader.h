// Finding and loading the shipped model files and Fx-normalization statistics for the CLI.
// Search order for a bare name: $ITOMASTER_MODELS, ./models, then models/ next to or one
// level above the executable (build/itomaster in a checkout).
#pragma once
#include <string>

#include "master/fx_normalize.h"
#include "models/model_file.h"

namespace ito {

// "white-box" / "black-box" (the shipped models) or a path to a .itom file. Returns the
// model folded (inference form). Throws AudioError naming the places it looked.
models::Model load_model(const std::string& name_or_path);

// models/fxnorm_stats.txt from the same places (or an explicit path).
FxNormStats load_fxnorm_stats(const std::string& path_or_empty = "");

}  // namespace ito

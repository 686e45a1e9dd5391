// Mastering settings as JSON, read back: what the page's "export settings" writes
//   {"format": "itomaster-params", "version": 1, "inputGainDb": .., "targetLufs": ..,
//    "ceilingDbtp": .., "params": [{"id": .., "normalized": .., "value": .., "unit": ..}, ...]}
// what `itomaster master --params-out` writes
//   {"input_gain_db": .., "chain_input": "level_matched", "params": [{"id", "label", "value",
//    "unit", "normalized", "display"}, ...]}
// or a bare array of the 46 normalized parameters. Strict: anything else is refused with
// a reason, so a damaged or foreign file never becomes a master with surprising settings.
#pragma once
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

#include "dsp/params.h"

namespace ito {

struct SettingsJsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr std::size_t kMaxSettingsJsonBytes = 1 << 20;

struct ImportedSettings {
  Params params{};                      // normalized, clamped to [0, 1]
  std::optional<double> input_gain_db;  // "inputGainDb" or "input_gain_db"
  std::optional<double> target_lufs;    // "targetLufs"
  std::optional<double> ceiling_dbtp;   // "ceilingDbtp"
  // The signal the parameters were chosen for: "level_matched" (ITO on the parameters, the
  // page) or "fx_normalized" (a model's master, from --params-out).
  std::string chain_input = "level_matched";
};

// The 46 parameters are taken by id where an entry has one (each id once), otherwise by
// position; an entry gives "normalized", or else "value" in the parameter's unit. Numbers
// that are null count as absent. Throws SettingsJsonError (naming what is wrong) for
// malformed JSON, inputs over kMaxSettingsJsonBytes, unknown keys or ids, wrong types,
// wrong counts, a "format" or "version" other than the page's.
ImportedSettings parse_settings_json(const std::string& text);

}  // namespace ito

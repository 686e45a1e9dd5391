// libFuzzer target: the settings-JSON import (master/settings_json.h, core/json_reader.h)
// behind `itomaster master --params-in`. Refusals are SettingsJsonError; anything else that
// escapes is a finding, and accepted settings must hold 46 parameters in [0, 1].
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "master/settings_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const ito::ImportedSettings s = ito::parse_settings_json(std::string(reinterpret_cast<const char*>(data), size));
    for (double p : s.params)
      if (!(p >= 0.0 && p <= 1.0)) std::abort();
    for (const auto& v : {s.input_gain_db, s.target_lufs, s.ceiling_dbtp})
      if (v && !std::isfinite(*v)) std::abort();
  } catch (const ito::SettingsJsonError&) {
  }
  return 0;
}

// libFuzzer target: the .itom model loader (models/model_file.h) on arbitrary bytes. It
// promises std::runtime_error with a reason for anything malformed; any other exception,
// crash or huge allocation is a finding. A model it accepts must serialize and parse again.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "models/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  ito::models::Model model;
  try {
    model = ito::models::parse_model(bytes);
  } catch (const std::runtime_error&) {
    return 0;
  }
  const std::string again = ito::models::serialize_model(*model.encoder, *model.converter, model.info);
  if (ito::models::parse_model(again).encoder->param_count() != model.encoder->param_count()) std::abort();
  return 0;
}

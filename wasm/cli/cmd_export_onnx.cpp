// itomaster export-onnx: a raw model file (.itom) -> two ONNX models, Φ and Ψ in their
// inference form (batch norm folded), for ONNX Runtime and other hosts.
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "cli/args.h"
#include "cli/atomic_file.h"
#include "cli/commands.h"
#include "models/model_file.h"
#include "models/onnx_export.h"

namespace ito {

int run_export_onnx(const std::vector<std::string>& argv) {
  const Args args(argv, {"model", "out-dir"}, {"force"});
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional().front() + "'");
  const std::string model_path = args.require("model");
  const std::filesystem::path out_dir = args.require("out-dir");
  const bool overwrite = args.has("force");

  models::Model model = models::parse_model(read_file(model_path));
  model.fold();
  // Both exports first, so that a failure leaves no half-written pair behind.
  const std::string encoder = models::encoder_to_onnx(*model.encoder);
  const std::string converter = models::converter_to_onnx(*model.converter);

  std::filesystem::create_directories(out_dir);
  const std::string stem = std::filesystem::path(model_path).stem().string();
  const std::string encoder_path = (out_dir / (stem + "_encoder.onnx")).string();
  const std::string converter_path = (out_dir / (stem + "_converter.onnx")).string();
  // Refuse before writing either file, so that an existing converter does not leave a new
  // encoder beside it.
  if (!overwrite)
    for (const std::string& p : {encoder_path, converter_path})
      if (std::filesystem::exists(p))
        throw std::runtime_error("'" + p + "' already exists (use --force to replace it)");
  write_file_atomic(encoder_path, encoder, overwrite);
  write_file_atomic(converter_path, converter, overwrite);
  std::printf("export-onnx: %s (%zu bytes), %s %s (%zu bytes)\n", encoder_path.c_str(), encoder.size(),
              models::converter_kind_name(model.converter->kind()).c_str(), converter_path.c_str(), converter.size());
  return 0;
}

}  // namespace ito

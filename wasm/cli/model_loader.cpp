#include "cli/model_loader.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "cli/atomic_file.h"
#include "cli/audio_io.h"

namespace ito {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> model_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("ITOMASTER_MODELS")) dirs.emplace_back(env);
  dirs.emplace_back("models");
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    const fs::path dir = fs::path(std::string(exe, n)).parent_path();
    dirs.push_back(dir / "models");
    dirs.push_back(dir.parent_path() / "models");
  }
  return dirs;
}

std::string find_file(const std::string& file) {
  std::string tried;
  for (const fs::path& dir : model_dirs()) {
    const fs::path p = dir / file;
    if (fs::exists(p)) return p.string();
    tried += (tried.empty() ? "" : ", ") + p.string();
  }
  throw AudioError("cannot find " + file + " (looked in " + tried + "; set ITOMASTER_MODELS to its folder)");
}

}  // namespace

models::Model load_model(const std::string& name_or_path) {
  std::string path = name_or_path;
  if (name_or_path == "white-box") path = find_file("whitebox.itom");
  else if (name_or_path == "black-box") path = find_file("blackbox.itom");
  else if (!fs::exists(path)) throw AudioError("model file '" + path + "' was not found");
  try {
    models::Model model = models::parse_model(read_file(path));
    model.fold();
    return model;
  } catch (const std::runtime_error& e) {
    throw AudioError("cannot load the model '" + path + "': " + e.what());
  }
}

FxNormStats load_fxnorm_stats(const std::string& path_or_empty) {
  const std::string path = path_or_empty.empty() ? find_file("fxnorm_stats.txt") : path_or_empty;
  return parse_fxnorm_stats(read_file(path));
}

}  // namespace ito

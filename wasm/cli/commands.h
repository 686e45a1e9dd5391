// The itomaster subcommands. Each takes the arguments after its name and returns
// the process exit code (0 ok, 1 failed, 2 usage).
#pragma once
#include <set>
#include <string>
#include <vector>

namespace ito {

int run_master(const std::vector<std::string>& args);
// What `master` takes (options with a value, flags), which `album` passes on to it.
extern const std::set<std::string> kMasterOptions, kMasterFlags;
int run_album(const std::vector<std::string>& args);
int run_analyze(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_export_onnx(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);

}  // namespace ito

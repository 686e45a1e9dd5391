// libFuzzer target: the CLI's argument parser (cli/args.h) and its number parsing. The
// bytes are split at NUL into argv; the option names are `itomaster master`'s. Usage
// errors (UsageError) are expected; anything else that escapes, or a non-finite number, is
// a finding.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"

namespace {

// `itomaster master`'s own option names (cli/commands.h), so the fuzzer follows them.
const std::set<std::string>& kOptions = ito::kMasterOptions;
const std::set<std::string>& kFlags = ito::kMasterFlags;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> argv(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) argv.emplace_back();
    else argv.back() += static_cast<char>(data[i]);
  }
  try {
    const ito::Args args(argv, kOptions, kFlags);
    for (const std::string& name : kOptions) {
      if (!args.has(name)) continue;
      (void)args.require(name);
      try {
        if (!std::isfinite(args.number(name, 0.0))) std::abort();
      } catch (const ito::UsageError&) {
      }
    }
    for (const std::string& name : kFlags) (void)args.has(name);
    (void)args.positional();
  } catch (const ito::UsageError&) {
  }
  return 0;
}

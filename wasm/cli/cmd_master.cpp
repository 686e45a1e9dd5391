// itomaster master: parse the command line (master_args.h), master (master_run.h), then say
// what was made (master_summary.h).
#include <chrono>
#include <cstdio>
#include <optional>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/master_args.h"
#include "cli/master_run.h"
#include "cli/master_summary.h"
#include "cli/progress.h"

namespace ito {

int run_master(const std::vector<std::string>& argv) {
  const auto started = std::chrono::steady_clock::now();
  const MasterRequest req = parse_master_args(Args(argv, kMasterOptions, kMasterFlags));
  std::optional<ProgressBar> bar;
  const MasterOutcome out = run_master_request(req, [&](int step, int budget, double loss) {
    if (!bar) bar.emplace("ITO", budget);
    char info[64];
    std::snprintf(info, sizeof info, "AF loss %.4f", loss);
    bar->update(step, info);
  }, started);
  if (bar) bar->finish();
  write_master_summaries(req, out);
  return 0;
}

}  // namespace ito

// What `itomaster master` says about a master it made: the --json summary, the --params-out
// settings file, and the terminal's two lines. Pure functions of the request and the outcome.
#pragma once
#include <string>

#include "cli/master_args.h"
#include "cli/master_run.h"

namespace ito {

// The --json summary: files, metrics of input/reference/output, AF losses and their terms,
// gains, ITO's steps and curve, phase timings and (chain modes) Match EQ, stage effort and
// the parameters before and after ITO. Needs outcome's metrics (request.wants_metrics()).
std::string master_summary_json(const MasterRequest& req, const MasterOutcome& out);

// --params-out: the chain's settings, which --params-in (and the page's import) read back.
std::string master_params_json(const MasterRequest& req, const MasterOutcome& out);

// Without --json: the master's loudness, peak and AF losses, then ITO's largest changes.
std::string master_summary_text(const MasterRequest& req, const MasterOutcome& out);

// All of the above that the request asked for: the report and settings files (atomically),
// the JSON on stdout or the text on stderr.
void write_master_summaries(const MasterRequest& req, const MasterOutcome& out);

}  // namespace ito

// `itomaster eval`'s command line, its pairs file and its table, apart from the masters it
// makes (cmd_eval.cpp), so each can be checked without models or audio.
#pragma once
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cli/args.h"
#include "master/mastering.h"

namespace ito {

// The modes eval knows, in the order of the default list (then the optional ones).
extern const std::vector<std::string> kEvalModes;

struct EvalRequest {
  std::string pairs_path;
  std::vector<std::string> modes;
  int theta_steps = 100;        // ito-theta (--steps)
  int z_steps = 100;            // white-box+ito (--ito-steps)
  int bb_steps = 30;            // black-box+ito (--bb-ito-steps)
  int theta_phase_steps = 0;    // white-box+ito+theta's Θ phase (--theta-steps)
  ChainStyle style;
  double match_eq = 0;
  double excerpt_seconds = 0;   // the audio ITO optimizes on: total seconds and segments
  int excerpt_count = 0;
  int limit = 0;                // 0: every pair
  // --rate: the chain modes master at this rate (the pair resampled to it; the models see the
  // 44.1 kHz files) and are measured at 44.1 kHz like the others; 0: at 44.1 kHz.
  double rate = 0;
  std::string external;         // DIR/PREFIX of another tool's masters (mode external)
  std::string masters_out, csv_path, markdown_path;  // empty: not written
  bool needs_black_box() const;
};

// Throws UsageError for a wrong option or an unknown mode.
EvalRequest parse_eval_args(const Args& args);

// (input, reference) from a TSV's first two columns; a header line starting with "input" is
// skipped; at most `limit` pairs (0: all). Throws UsageError when it cannot be read or is empty.
std::vector<std::pair<std::string, std::string>> read_eval_pairs(const std::string& path, int limit);

// One master's measurements (NaN where a mode has none, e.g. stage effort for "input").
struct EvalRow {
  double af = NAN, drv = NAN, cosine = NAN, lufs_error = NAN, true_peak = NAN, seconds = NAN;
  double tone = NAN, tone_bass = NAN, tone_low_mid = NAN, tone_side = NAN;
  double limiter_p99 = NAN, compressor_p99 = NAN, saturator = NAN;  // chain modes only
};

// Mean and median of the finite values (NaN when there are none).
double finite_mean(const std::vector<double>& v);
double finite_median(std::vector<double> v);

// The Markdown table, one line per mode: means (AF also its median), the highest true peak.
std::string eval_table_markdown(const EvalRequest& req, const std::map<std::string, std::vector<EvalRow>>& rows,
                                std::size_t pair_count);

}  // namespace ito

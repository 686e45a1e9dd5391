// `itomaster eval`'s options, pairs and table (cli/eval_table.h).
#include "cli/eval_table.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "master/model_mastering.h"
#include "master/model_rate.h"

namespace ito {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);) out.push_back(item);
  return out;
}

}  // namespace

const std::vector<std::string> kEvalModes = {"input", "fxnorm", "ito-theta", "white-box", "white-box+ito",
                                             "black-box", "black-box+ito", "white-box+ito+theta", "external"};

bool EvalRequest::needs_black_box() const {
  return std::any_of(modes.begin(), modes.end(), [](const std::string& m) { return m.rfind("black-box", 0) == 0; });
}

EvalRequest parse_eval_args(const Args& args) {
  if (args.positional().size() != 1) throw UsageError("eval takes one PAIRS.tsv (columns: input, reference)");
  EvalRequest r;
  r.pairs_path = args.positional()[0];
  r.theta_steps = static_cast<int>(args.number("steps", 100));
  r.z_steps = static_cast<int>(args.number("ito-steps", 100));
  r.bb_steps = static_cast<int>(args.number("bb-ito-steps", 30));
  r.theta_phase_steps = static_cast<int>(args.number("theta-steps", kDefaultThetaSteps));
  r.modes = split(args.get("modes", "input,fxnorm,ito-theta,white-box,white-box+ito,black-box,black-box+ito"), ',');
  for (const auto& m : r.modes)
    if (std::find(kEvalModes.begin(), kEvalModes.end(), m) == kEvalModes.end())
      throw UsageError("unknown mode '" + m + "'");
  r.external = args.get("external", "");
  if (std::find(r.modes.begin(), r.modes.end(), "external") != r.modes.end() && r.external.empty())
    throw UsageError("mode external needs --external DIR/PREFIX");
  r.style.character = args.number("character", 0.0);
  r.style.expert_ranges = args.has("expert-ranges");
  r.match_eq = args.number("match-eq", kDefaultMatchEqAmount);
  r.excerpt_seconds = args.number("excerpt", MasteringOptions{}.excerpt_seconds);
  r.excerpt_count = static_cast<int>(args.number("excerpt-count", MasteringOptions{}.excerpt_count));
  if (!(r.excerpt_seconds >= 1 && r.excerpt_seconds <= 600) || r.excerpt_count < 1 || r.excerpt_count > 100)
    throw UsageError("--excerpt must be in 1..600 s and --excerpt-count in 1..100");
  if (!(r.style.character >= 0 && r.style.character <= 1) || !(r.match_eq >= 0 && r.match_eq <= 1.5))
    throw UsageError("--character must be in 0..1 and --match-eq in 0..1.5");
  r.limit = static_cast<int>(args.number("limit", 0));
  r.rate = args.number("rate", 0);
  if (r.rate != 0 && !is_master_rate(r.rate)) throw UsageError("--rate must be in 44100..192000 Hz");
  r.masters_out = args.get("masters-out", "");
  r.csv_path = args.get("csv", "");
  r.markdown_path = args.get("markdown", "");
  return r;
}

std::vector<std::pair<std::string, std::string>> read_eval_pairs(const std::string& path, int limit) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read '" + path + "'");
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string line; std::getline(in, line);) {
    const auto cols = split(line, '\t');
    if (cols.size() < 2 || cols[0] == "input") continue;
    pairs.emplace_back(cols[0], cols[1]);
  }
  if (limit > 0 && static_cast<int>(pairs.size()) > limit) pairs.resize(limit);
  if (pairs.empty()) throw UsageError("no pairs in '" + path + "'");
  return pairs;
}

double finite_mean(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / n : NAN;
}

double finite_median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

std::string eval_table_markdown(const EvalRequest& req, const std::map<std::string, std::vector<EvalRow>>& rows,
                                std::size_t pair_count) {
  std::ostringstream md;
  char buf[512];
  md << "| mode | AF loss ↓ mean (median) | DRV ↓ | embedding cos ↑ | loudness error LU | true peak dBTP (max) "
        "| tone error dB (bass, low mids, side) | limiter / comp. GR p99 dB | s/track |\n"
     << "|---|---|---|---|---|---|---|---|---|\n";
  for (const std::string& mode : req.modes) {
    const auto found = rows.find(mode);
    const std::vector<EvalRow> none;
    const std::vector<EvalRow>& r = found == rows.end() ? none : found->second;
    auto col = [&](double EvalRow::*f) {
      std::vector<double> v;
      for (const EvalRow& x : r) v.push_back(x.*f);
      return v;
    };
    const auto tp = col(&EvalRow::true_peak);
    const double tp_max = tp.empty() ? NAN : *std::max_element(tp.begin(), tp.end());
    std::snprintf(buf, sizeof buf,
                  "| %s | %.4f (%.4f) | %.3f | %.3f | %.2f | %.2f | %.2f (%.2f, %.2f, %.2f) | %.1f / %.1f | %.1f |\n",
                  mode.c_str(), finite_mean(col(&EvalRow::af)), finite_median(col(&EvalRow::af)),
                  finite_mean(col(&EvalRow::drv)), finite_mean(col(&EvalRow::cosine)),
                  finite_mean(col(&EvalRow::lufs_error)), tp_max, finite_mean(col(&EvalRow::tone)),
                  finite_mean(col(&EvalRow::tone_bass)), finite_mean(col(&EvalRow::tone_low_mid)),
                  finite_mean(col(&EvalRow::tone_side)), finite_mean(col(&EvalRow::limiter_p99)),
                  finite_mean(col(&EvalRow::compressor_p99)), finite_mean(col(&EvalRow::seconds)));
    md << buf;
  }
  std::snprintf(buf, sizeof buf,
                "\n%zu pairs; ITO on Θ %d steps, white-box ITO on z %d steps (then %d on Θ in +theta), black-box %d steps.\n",
                pair_count, req.theta_steps, req.z_steps, req.theta_phase_steps, req.bb_steps);
  md << buf;
  return md.str();
}

}  // namespace ito

// itomaster eval PAIRS.tsv: every mastering mode over (input, reference) pairs, with the
// paper's Table 1 columns we can compute (AF loss, DRV, embedding cosine similarity) plus
// loudness error, true peak and seconds per track. Modes:
//   input          the untouched input, level-matched to the reference (a static gain)
//   fxnorm         the Fx-normalized input, level-matched likewise
//   ito-theta      ITO on the 46 chain parameters (master_with_reference, --steps)
//   white-box      Ψ's predicted parameters, no ITO
//   white-box+ito  then ITO on z (--ito-steps)
//   white-box+ito+theta   then ITO on Θ from ITO on z's best parameters (--theta-steps)
//   black-box, black-box+ito   likewise with the black-box model (--bb-ito-steps)
// --masters-out DIR writes every output as DIR/MODE_NN.wav (24-bit).
//   external       another tool's masters, read from --external DIR/PREFIX (PREFIXNN.wav for
//                  pair NN, counted from 0): e.g. Matchering's, measured the same way
// The processed modes all end with the same final stage (reference loudness, -1 dBTP).
// Besides the AF loss: the tonal error (analysis/tonal_balance.h: 1/3-octave mid balance,
// mean over 25 Hz-16 kHz, bass < 160 Hz, low mids 160-800 Hz) and, for the chain modes, how
// hard the nonlinear stages work on the ITO excerpt (master/stage_effort.h).
// --match-eq, --character and --expert-ranges set the chain modes' clean-master controls.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include "analysis/af_loss.h"
#include "analysis/loudness.h"
#include "cli/args.h"
#include "cli/atomic_file.h"
#include "cli/audio_io.h"
#include "cli/commands.h"
#include "cli/model_loader.h"
#include "master/mastering.h"
#include "master/metrics.h"
#include "analysis/tonal_balance.h"
#include "master/model_mastering.h"
#include "master/stage_effort.h"

namespace ito {
namespace {

struct Row {
  double af = NAN, drv = NAN, cosine = NAN, lufs_error = NAN, true_peak = NAN, seconds = NAN;
  double tone = NAN, tone_bass = NAN, tone_low_mid = NAN, tone_side = NAN;
  double limiter_p99 = NAN, compressor_p99 = NAN, saturator = NAN;  // chain modes only
};

// The stage effort's columns: the limiter's and the busiest compressor band's p99 gain
// reduction, and the saturator's residual (-120 dB when it is off).
void add_effort(Row& row, const StageEffort& e) {
  row.limiter_p99 = e.limiter.p99_db;
  row.compressor_p99 = std::max({e.compressor[0].p99_db, e.compressor[1].p99_db, e.compressor[2].p99_db});
  row.saturator = std::isfinite(e.saturator_residual_db) ? e.saturator_residual_db : -120.0;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ab += double(a[i]) * b[i], aa += double(a[i]) * a[i], bb += double(b[i]) * b[i];
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

Stereo level_matched(const Stereo& x, double target_lufs, double fs) {
  const double gain = std::pow(10.0, (target_lufs - integrated_loudness(x, fs)) / 20.0);
  Stereo y = x;
  for (float& v : y.l) v *= static_cast<float>(gain);
  for (float& v : y.r) v *= static_cast<float>(gain);
  return y;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / n : NAN;
}

double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);) out.push_back(item);
  return out;
}

}  // namespace

int run_eval(const std::vector<std::string>& argv) {
  const Args args(argv,
                  {"steps", "ito-steps", "theta-steps", "bb-ito-steps", "modes", "markdown", "csv", "limit", "external",
                   "match-eq", "character", "masters-out", "excerpt", "excerpt-count"},
                  {"expert-ranges"});
  if (args.positional().size() != 1) throw UsageError("eval takes one PAIRS.tsv (columns: input, reference)");
  const int theta_steps = static_cast<int>(args.number("steps", 100));
  const int z_steps = static_cast<int>(args.number("ito-steps", 100));
  const int bb_steps = static_cast<int>(args.number("bb-ito-steps", 30));
  const int theta_phase_steps = static_cast<int>(args.number("theta-steps", kDefaultThetaSteps));
  const std::vector<std::string> modes = split(
      args.get("modes", "input,fxnorm,ito-theta,white-box,white-box+ito,black-box,black-box+ito"), ',');
  const std::vector<std::string> known = {"input", "fxnorm", "ito-theta", "white-box", "white-box+ito",
                                          "white-box+ito+theta", "black-box", "black-box+ito", "external"};
  const std::string external = args.get("external", "");
  if (std::find(modes.begin(), modes.end(), "external") != modes.end() && external.empty())
    throw UsageError("mode external needs --external DIR/PREFIX");
  ChainStyle style;
  style.character = args.number("character", 0.0);
  style.expert_ranges = args.has("expert-ranges");
  const double match_eq = args.number("match-eq", kDefaultMatchEqAmount);
  // The audio ITO optimizes on (ito-theta and white-box modes): total seconds and segments.
  const double excerpt_seconds = args.number("excerpt", MasteringOptions{}.excerpt_seconds);
  const int excerpt_count = static_cast<int>(args.number("excerpt-count", MasteringOptions{}.excerpt_count));
  if (!(excerpt_seconds >= 1 && excerpt_seconds <= 600) || excerpt_count < 1 || excerpt_count > 100)
    throw UsageError("--excerpt must be in 1..600 s and --excerpt-count in 1..100");
  if (!(style.character >= 0 && style.character <= 1) || !(match_eq >= 0 && match_eq <= 1.5))
    throw UsageError("--character must be in 0..1 and --match-eq in 0..1.5");
  for (const auto& m : modes)
    if (std::find(known.begin(), known.end(), m) == known.end()) throw UsageError("unknown mode '" + m + "'");

  // Pairs: first two tab-separated columns, a header line starting with "input" is skipped.
  std::ifstream in(args.positional()[0]);
  if (!in) throw UsageError("cannot read '" + args.positional()[0] + "'");
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string line; std::getline(in, line);) {
    const auto cols = split(line, '\t');
    if (cols.size() < 2 || cols[0] == "input") continue;
    pairs.emplace_back(cols[0], cols[1]);
  }
  const int limit = static_cast<int>(args.number("limit", 0));
  if (limit > 0 && static_cast<int>(pairs.size()) > limit) pairs.resize(limit);
  if (pairs.empty()) throw UsageError("no pairs in '" + args.positional()[0] + "'");

  const bool need_bb = std::any_of(modes.begin(), modes.end(), [](const std::string& m) { return m.rfind("black-box", 0) == 0; });
  const models::Model wb = load_model("white-box");  // its Φ also gives every mode's embedding similarity
  std::optional<models::Model> bb;
  if (need_bb) bb = load_model("black-box");
  const FxNormStats stats = load_fxnorm_stats();

  std::map<std::string, std::vector<Row>> rows;
  std::ofstream csv;
  if (args.has("csv")) {
    csv.open(args.get("csv"));
    csv << "pair,input,reference,mode,af_loss,drv,cosine,lufs_error,true_peak_dbtp,seconds,ito_steps,tone_db,"
           "tone_bass_db,tone_low_mid_db,tone_side_db,limiter_p99_db,compressor_p99_db,saturator_db\n";
  }
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const LoadedAudio input = load_audio(pairs[p].first), reference = load_audio(pairs[p].second);
    const double fs = input.sample_rate;
    const double ref_lufs = integrated_loudness(reference.audio, fs);
    const AfFeatures target = compute_af_features(reference.audio, fs);
    const BandLevels reference_balance = third_octave_levels(reference.audio, fs);
    const std::vector<float> z_ref = embed(*wb.encoder, reference.audio, fs);
    std::fprintf(stderr, "eval: pair %zu/%zu  %s  <-  %s\n", p + 1, pairs.size(), pairs[p].first.c_str(),
                 pairs[p].second.c_str());
    for (const std::string& mode : modes) {
      const auto start = std::chrono::steady_clock::now();
      Stereo out;
      int steps = 0;
      Row row;
      std::function<StageEffort()> effort;  // measured after the timing
      if (mode == "external") {
        char name[32];
        std::snprintf(name, sizeof name, "%02zu.wav", p);
        out = load_audio(external + name).audio;
      } else if (mode == "input") {
        out = level_matched(input.audio, ref_lufs, fs);
      } else if (mode == "fxnorm") {
        out = level_matched(fx_normalize(input.audio, fs, stats), ref_lufs, fs);
      } else if (mode == "ito-theta") {
        MasteringOptions o;
        o.ito.max_steps = theta_steps;
        o.style = style;
        o.match_eq_amount = match_eq;
        o.excerpt_seconds = excerpt_seconds;
        o.excerpt_count = excerpt_count;
        const MasteringResult r = master_with_reference(input.audio, reference.audio, fs, o);
        out = r.output;
        steps = r.ito.steps;
        effort = [&input, &fs, settings = r.settings()] {
          return measure_stage_effort(chain_excerpt(input.audio, settings, fs), settings.params, settings.switches, fs);
        };
      } else {
        const bool white = mode.rfind("white-box", 0) == 0;
        ModelMasteringOptions o;
        o.ito.max_steps = mode.find("+ito") == std::string::npos ? 0 : (white ? z_steps : bb_steps);
        if (mode == "white-box+ito+theta") o.theta_steps = theta_phase_steps;
        o.style = style;
        o.match_eq_amount = match_eq;
        o.excerpt_seconds = excerpt_seconds;
        o.excerpt_count = excerpt_count;
        const ModelMasteringResult r =
            master_with_model(input.audio, reference.audio, fs, white ? wb : *bb, stats, o);
        out = r.output;
        steps = r.ito.steps + r.theta.steps;
        if (white)
          effort = [&fs, input = r.normalized_input, settings = MasterSettings{r.params_after, r.switches, r.match_eq, 0.0}] {
            return measure_stage_effort(chain_excerpt(input, settings, fs), settings.params, settings.switches, fs);
          };
      }
      row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (effort) add_effort(row, effort());
      if (args.has("masters-out")) {
        char name[64];
        std::snprintf(name, sizeof name, "/%s_%02zu.wav", mode.c_str(), p);
        write_wav24_atomic(args.get("masters-out") + name, out, fs, true);
      }
      row.af = af_loss(out, target, fs);
      const TrackMetrics m = measure_track(out, fs);
      row.drv = m.drv;
      row.lufs_error = std::fabs(m.lufs - ref_lufs);
      row.true_peak = m.true_peak_dbtp;
      row.cosine = cosine(embed(*wb.encoder, out, fs), z_ref);
      const TonalError tone = tonal_error(third_octave_levels(out, fs), reference_balance);
      row.tone = tone.mid_mean, row.tone_bass = tone.mid_bass_mean, row.tone_low_mid = tone.mid_low_mid_mean;
      row.tone_side = tone.side_mean;
      rows[mode].push_back(row);
      std::fprintf(stderr,
                   "  %-14s AF %.4f  DRV %.3f  cos %.3f  dLU %.2f  TP %.2f  tone %.2f (bass %.2f, low mids %.2f) dB  "
                   "lim %.1f comp %.1f dB  sat %.0f dB  %.1f s (%d steps)\n",
                   mode.c_str(), row.af, row.drv, row.cosine, row.lufs_error, row.true_peak, row.tone, row.tone_bass,
                   row.tone_low_mid, row.limiter_p99, row.compressor_p99, row.saturator, row.seconds, steps);
      if (csv.is_open())
        csv << p << ',' << pairs[p].first << ',' << pairs[p].second << ',' << mode << ',' << row.af << ',' << row.drv
            << ',' << row.cosine << ',' << row.lufs_error << ',' << row.true_peak << ',' << row.seconds << ','
            << steps << ',' << row.tone << ',' << row.tone_bass << ',' << row.tone_low_mid << ',' << row.tone_side << ','
            << row.limiter_p99 << ',' << row.compressor_p99 << ',' << row.saturator << '\n' << std::flush;
    }
  }

  // Table: mean (median) per mode.
  std::ostringstream md;
  char buf[512];
  md << "| mode | AF loss ↓ mean (median) | DRV ↓ | embedding cos ↑ | loudness error LU | true peak dBTP (max) "
        "| tone error dB (bass, low mids, side) | limiter / comp. GR p99 dB | s/track |\n"
     << "|---|---|---|---|---|---|---|---|---|\n";
  for (const std::string& mode : modes) {
    const auto& r = rows[mode];
    auto col = [&](double Row::*f) {
      std::vector<double> v;
      for (const Row& x : r) v.push_back(x.*f);
      return v;
    };
    const auto tp = col(&Row::true_peak);
    std::snprintf(buf, sizeof buf,
                  "| %s | %.4f (%.4f) | %.3f | %.3f | %.2f | %.2f | %.2f (%.2f, %.2f, %.2f) | %.1f / %.1f | %.1f |\n",
                  mode.c_str(), mean(col(&Row::af)), median(col(&Row::af)), mean(col(&Row::drv)),
                  mean(col(&Row::cosine)), mean(col(&Row::lufs_error)), *std::max_element(tp.begin(), tp.end()),
                  mean(col(&Row::tone)), mean(col(&Row::tone_bass)), mean(col(&Row::tone_low_mid)),
                  mean(col(&Row::tone_side)), mean(col(&Row::limiter_p99)), mean(col(&Row::compressor_p99)),
                  mean(col(&Row::seconds)));
    md << buf;
  }
  std::snprintf(buf, sizeof buf,
                "\n%zu pairs; ITO on Θ %d steps, white-box ITO on z %d steps (then %d on Θ in +theta), black-box %d steps.\n",
                pairs.size(), theta_steps, z_steps, theta_phase_steps, bb_steps);
  md << buf;
  std::printf("%s", md.str().c_str());
  if (args.has("markdown")) write_file_atomic(args.get("markdown"), md.str());
  return 0;
}

}  // namespace ito

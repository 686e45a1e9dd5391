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
// --rate HZ masters the chain modes (ito-theta, white-box...) at that rate, from the pair
// resampled to it, as a mix at that rate would be; their masters are measured at 44.1 kHz.
//   external       another tool's masters, read from --external DIR/PREFIX (PREFIXNN.wav for
//                  pair NN, counted from 0): e.g. Matchering's, measured the same way
// The processed modes all end with the same final stage (reference loudness, -1 dBTP).
// Besides the AF loss: the tonal error (analysis/tonal_balance.h: 1/3-octave mid balance,
// mean over 25 Hz-16 kHz, bass < 160 Hz, low mids 160-800 Hz) and, for the chain modes, how
// hard the nonlinear stages work on the ITO excerpt (master/stage_effort.h).
// --match-eq, --character and --expert-ranges set the chain modes' clean-master controls.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>

#include "analysis/af_loss.h"
#include "analysis/loudness.h"
#include "analysis/tonal_balance.h"
#include "cli/args.h"
#include "cli/atomic_file.h"
#include "cli/audio_io.h"
#include "cli/commands.h"
#include "cli/eval_table.h"
#include "cli/model_loader.h"
#include "master/mastering.h"
#include "master/metrics.h"
#include "master/model_mastering.h"
#include "master/stage_effort.h"

namespace ito {
namespace {

// The stage effort's columns: the limiter's and the busiest compressor band's p99 gain
// reduction, and the saturator's residual (-120 dB when it is off).
void add_effort(EvalRow& row, const StageEffort& e) {
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

// What every mode of one pair is measured against.
struct EvalPair {
  std::size_t index;
  LoadedAudio input, reference;
  double ref_lufs;
  AfFeatures target;
  BandLevels reference_balance;
  std::vector<float> z_ref;
  std::optional<Stereo> input_at_rate, reference_at_rate;  // --rate
};

struct EvalModels {
  models::Model white_box;  // its Φ also gives every mode's embedding similarity
  std::optional<models::Model> black_box;
  FxNormStats stats;
};

// One mode's master of one pair, timed, and (chain modes) how hard its stages work.
struct ModeMaster {
  Stereo output;
  int steps = 0;
  double seconds = 0;
  std::optional<StageEffort> effort;
};

ModeMaster master_in_mode(const EvalRequest& req, const std::string& mode, const EvalPair& pair, const EvalModels& m) {
  const auto start = std::chrono::steady_clock::now();
  const Stereo& input = pair.input.audio;
  const double fs = pair.input.sample_rate;
  ModeMaster out;
  std::function<StageEffort()> effort;  // measured after the timing
  if (mode == "external") {
    char name[32];
    std::snprintf(name, sizeof name, "%02zu.wav", pair.index);
    out.output = load_audio(req.external + name).audio;
  } else if (mode == "input") {
    out.output = level_matched(input, pair.ref_lufs, fs);
  } else if (mode == "fxnorm") {
    out.output = level_matched(fx_normalize(input, fs, m.stats), pair.ref_lufs, fs);
  } else if (mode == "ito-theta") {
    MasteringOptions o;
    o.ito.max_steps = req.theta_steps;
    o.style = req.style;
    o.match_eq_amount = req.match_eq;
    o.excerpt_seconds = req.excerpt_seconds;
    o.excerpt_count = req.excerpt_count;
    if (req.rate) {
      const MasteringResult r = master_with_reference(*pair.input_at_rate, *pair.reference_at_rate, req.rate, o);
      out.output = resample(r.output, req.rate, fs);
      out.steps = r.ito.steps;
    } else {
      const MasteringResult r = master_with_reference(input, pair.reference.audio, fs, o);
      out.output = r.output;
      out.steps = r.ito.steps;
      effort = [&input, fs, settings = r.settings()] {
        return measure_stage_effort(chain_excerpt(input, settings, fs), settings.params, settings.switches, fs);
      };
    }
  } else {
    const bool white = mode.rfind("white-box", 0) == 0;
    ModelMasteringOptions o;
    o.ito.max_steps = mode.find("+ito") == std::string::npos ? 0 : (white ? req.z_steps : req.bb_steps);
    if (mode == "white-box+ito+theta") o.theta_steps = req.theta_phase_steps;
    o.style = req.style;
    o.match_eq_amount = req.match_eq;
    o.excerpt_seconds = req.excerpt_seconds;
    o.excerpt_count = req.excerpt_count;
    if (white && req.rate) {
      const ModelMasteringResult r = master_with_model(*pair.input_at_rate, *pair.reference_at_rate, req.rate, m.white_box,
                                                       m.stats, o, {}, {}, {&input, &pair.reference.audio});
      out.output = resample(r.output, req.rate, fs);
      out.steps = r.ito.steps + r.theta.steps;
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return out;
    }
    const ModelMasteringResult r =
        master_with_model(input, pair.reference.audio, fs, white ? m.white_box : *m.black_box, m.stats, o);
    out.output = r.output;
    out.steps = r.ito.steps + r.theta.steps;
    if (white)
      effort = [fs, normalized = r.normalized_input, settings = MasterSettings{r.params_after, r.switches, r.match_eq, 0.0}] {
        return measure_stage_effort(chain_excerpt(normalized, settings, fs), settings.params, settings.switches, fs);
      };
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (effort) out.effort = effort();
  return out;
}

// The master's columns: Table 1's, loudness and peak, tonal error, stage effort.
EvalRow measure_master(const ModeMaster& master, const EvalPair& pair, const EvalModels& m) {
  const double fs = pair.input.sample_rate;
  EvalRow row;
  row.seconds = master.seconds;
  if (master.effort) add_effort(row, *master.effort);
  row.af = af_loss(master.output, pair.target, fs);
  const TrackMetrics metrics = measure_track(master.output, fs);
  row.drv = metrics.drv;
  row.lufs_error = std::fabs(metrics.lufs - pair.ref_lufs);
  row.true_peak = metrics.true_peak_dbtp;
  row.cosine = cosine(embed(*m.white_box.encoder, master.output, fs), pair.z_ref);
  const TonalError tone = tonal_error(third_octave_levels(master.output, fs), pair.reference_balance);
  row.tone = tone.mid_mean, row.tone_bass = tone.mid_bass_mean, row.tone_low_mid = tone.mid_low_mid_mean;
  row.tone_side = tone.side_mean;
  return row;
}

}  // namespace

int run_eval(const std::vector<std::string>& argv) {
  const EvalRequest req = parse_eval_args(
      Args(argv,
           {"steps", "ito-steps", "theta-steps", "bb-ito-steps", "modes", "markdown", "csv", "limit", "external",
            "match-eq", "character", "masters-out", "excerpt", "excerpt-count", "rate"},
           {"expert-ranges"}));
  const std::vector<std::pair<std::string, std::string>> pairs = read_eval_pairs(req.pairs_path, req.limit);
  EvalModels models{load_model("white-box"), std::nullopt, load_fxnorm_stats()};
  if (req.needs_black_box()) models.black_box = load_model("black-box");

  std::map<std::string, std::vector<EvalRow>> rows;
  std::ofstream csv;
  if (!req.csv_path.empty()) {
    csv.open(req.csv_path);
    csv << "pair,input,reference,mode,af_loss,drv,cosine,lufs_error,true_peak_dbtp,seconds,ito_steps,tone_db,"
           "tone_bass_db,tone_low_mid_db,tone_side_db,limiter_p99_db,compressor_p99_db,saturator_db\n";
  }
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    EvalPair pair{p, load_audio(pairs[p].first), load_audio(pairs[p].second), 0, {}, {}, {}, {}, {}};
    const double fs = pair.input.sample_rate;
    pair.ref_lufs = integrated_loudness(pair.reference.audio, fs);
    pair.target = compute_af_features(pair.reference.audio, fs);
    pair.reference_balance = third_octave_levels(pair.reference.audio, fs);
    pair.z_ref = embed(*models.white_box.encoder, pair.reference.audio, fs);
    if (req.rate) {
      pair.input_at_rate = resample(pair.input.audio, fs, req.rate);
      pair.reference_at_rate = resample(pair.reference.audio, fs, req.rate);
    }
    std::fprintf(stderr, "eval: pair %zu/%zu  %s  <-  %s\n", p + 1, pairs.size(), pairs[p].first.c_str(),
                 pairs[p].second.c_str());
    for (const std::string& mode : req.modes) {
      const ModeMaster master = master_in_mode(req, mode, pair, models);
      if (!req.masters_out.empty()) {
        char name[64];
        std::snprintf(name, sizeof name, "/%s_%02zu.wav", mode.c_str(), p);
        write_wav24_atomic(req.masters_out + name, master.output, fs, true);
      }
      const EvalRow row = measure_master(master, pair, models);
      rows[mode].push_back(row);
      std::fprintf(stderr,
                   "  %-14s AF %.4f  DRV %.3f  cos %.3f  dLU %.2f  TP %.2f  tone %.2f (bass %.2f, low mids %.2f) dB  "
                   "lim %.1f comp %.1f dB  sat %.0f dB  %.1f s (%d steps)\n",
                   mode.c_str(), row.af, row.drv, row.cosine, row.lufs_error, row.true_peak, row.tone, row.tone_bass,
                   row.tone_low_mid, row.limiter_p99, row.compressor_p99, row.saturator, row.seconds, master.steps);
      if (csv.is_open())
        csv << p << ',' << pairs[p].first << ',' << pairs[p].second << ',' << mode << ',' << row.af << ',' << row.drv
            << ',' << row.cosine << ',' << row.lufs_error << ',' << row.true_peak << ',' << row.seconds << ','
            << master.steps << ',' << row.tone << ',' << row.tone_bass << ',' << row.tone_low_mid << ','
            << row.tone_side << ',' << row.limiter_p99 << ',' << row.compressor_p99 << ',' << row.saturator << '\n'
            << std::flush;
    }
  }

  const std::string md = eval_table_markdown(req, rows, pairs.size());
  std::printf("%s", md.c_str());
  if (!req.markdown_path.empty()) write_file_atomic(req.markdown_path, md);
  return 0;
}

}  // namespace ito

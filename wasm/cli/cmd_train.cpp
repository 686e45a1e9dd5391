// itomaster train: self-supervised training of Φ and Ψ (train/trainer.h) on the songs
// of one or more index.tsv files, with checkpoints, resume, a validation loss on held-out
// songs and a CSV log. The same seed and data give the same run, however it is split
// into resumed pieces and whatever the thread count.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/args.h"
#include "cli/atomic_file.h"
#include "cli/audio_io.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/train_args.h"
#include "cli/train_data.h"
#include "models/model_file.h"
#include "core/parallel.h"

namespace ito {
namespace {

namespace fs = std::filesystem;
using models::ConverterKind;

// The networks and their info (steps, seconds trained): the checkpoint's on --resume, else fresh.
struct Networks {
  std::unique_ptr<models::Encoder> encoder;
  std::unique_ptr<models::Converter> converter;
  std::map<std::string, std::string> info;
};

Networks open_networks(const TrainRequest& req) {
  Networks n;
  if (req.resume && fs::exists(req.model_path())) {
    models::Model m = models::parse_model(read_file(req.model_path()));
    if (m.converter->kind() != req.kind)
      throw UsageError("the checkpoint in " + req.out_dir + " is not a " + req.kind_name + " model");
    n.encoder = std::move(m.encoder);
    n.converter = std::move(m.converter);
    n.info = m.info;
    return n;
  }
  models::EncoderConfig ec = models::default_encoder_config();
  models::ConverterConfig cc = req.kind == ConverterKind::WhiteBox ? models::default_whitebox_config(ec.channels.back())
                                                                   : models::default_blackbox_config(ec.channels.back());
  if (req.tiny) tiny_configs(ec, cc);
  n.encoder = std::make_unique<models::Encoder>(ec);
  n.converter = std::make_unique<models::Converter>(cc);
  n.encoder->init(req.cfg.seed);
  n.converter->init(req.cfg.seed + 1);
  n.info["steps"] = "0";
  n.info["train_seconds"] = "0";
  return n;
}

// A fixed validation set (stream 1 of the seed's validation draws), the same at every check.
std::vector<train::Example> validation_set(const train::SongPool& val_pool, const FxNormStats& stats,
                                           const TrainRequest& req) {
  std::vector<train::Example> set;
  if (val_pool.songs.empty()) return set;
  train::TrainConfig vcfg = req.cfg;
  vcfg.seed = 12345;
  set.resize(req.val_examples);
  parallel_for(req.val_examples, [&](int i) { set[i] = train::make_example(val_pool, stats, vcfg, 1, i); });
  return set;
}

double validation_loss(train::Trainer& trainer, const std::vector<train::Example>& set, int batch) {
  if (set.empty()) return NAN;
  double sum = 0.0;
  for (std::size_t i = 0; i < set.size(); i += batch) {
    const std::vector<train::Example> chunk(set.begin() + i, set.begin() + std::min(set.size(), i + batch));
    sum += trainer.eval_loss(chunk) * chunk.size();
  }
  return sum / set.size();
}

}  // namespace

int run_train(const std::vector<std::string>& argv) {
  const TrainRequest req = parse_train_args(
      Args(argv,
           {"model", "data", "out", "steps", "batch", "seconds", "lr", "seed", "threads", "window", "max-songs",
            "val-songs", "val-examples", "val-every", "save-every", "config", "fxnorm", "max-minutes", "logit-penalty"},
           {"resume"}));
  const train::TrainConfig& cfg = req.cfg;
  if (req.threads > 0) set_num_threads(req.threads);
  if (!req.resume && fs::exists(req.model_path()))
    throw UsageError("'" + req.model_path() + "' exists: pass --resume to continue it, or choose another --out");
  fs::create_directories(req.out_dir);

  Networks nets = open_networks(req);
  train::Trainer trainer(*nets.encoder, *nets.converter, cfg);
  if (req.resume && fs::exists(req.adam_path()))
    parse_adam_state(read_file(req.adam_path()), trainer.encoder_adam(), trainer.converter_adam());
  std::map<std::string, std::string>& info = nets.info;
  int step = std::stoi(info["steps"]);
  double trained_seconds = std::stod(info["train_seconds"]);

  // Data: a window of every song, training and validation songs kept apart.
  std::vector<SongEntry> songs;
  for (const std::string& index : req.data) {
    auto part = read_song_index(index);
    songs.insert(songs.end(), part.begin(), part.end());
  }
  const auto load_start = std::chrono::steady_clock::now();
  const train::SongPool pool = load_song_pool(songs, "train", req.window, req.max_songs, cfg.seed, cfg.fs);
  const train::SongPool val_pool = load_song_pool(songs, "val", req.window, req.val_songs, cfg.seed + 99, cfg.fs);
  if (pool.songs.empty()) throw UsageError("no training songs could be loaded (see --data)");
  const FxNormStats stats = parse_fxnorm_stats(read_file(req.fxnorm_path));
  std::printf("train: %s model, %zu encoder + %zu converter parameters; %zu training songs, %zu validation songs "
              "(%.0f s to load)\n",
              req.kind_name.c_str(), nets.encoder->param_count(), nets.converter->param_count(), pool.songs.size(),
              val_pool.songs.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());
  const std::vector<train::Example> val_set = validation_set(val_pool, stats, req);
  auto validate = [&] { return validation_loss(trainer, val_set, cfg.batch); };

  const bool new_log = !fs::exists(req.log_path());
  std::ofstream log(req.log_path(), std::ios::app);
  if (new_log) log << "step,train_seconds,train_loss,val_loss\n";
  auto save = [&]() {
    info["steps"] = std::to_string(step);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", trained_seconds);
    info["train_seconds"] = buf;
    info["segment_seconds"] = std::to_string(cfg.segment_seconds);
    info["batch"] = std::to_string(cfg.batch);
    info["training_songs"] = std::to_string(pool.songs.size());
    write_file_atomic(req.model_path(), models::serialize_model(*nets.encoder, *nets.converter, info));
    write_file_atomic(req.adam_path(), adam_state_bytes(trainer.encoder_adam(), trainer.converter_adam()));
  };

  if (step == 0 && req.val_every > 0) {
    const double v = validate();
    log << "0," << trained_seconds << ",," << v << "\n" << std::flush;
    std::printf("step 0  val %.4f\n", v);
  }
  const int total_steps = req.total_steps;
  ProgressBar bar("train", total_steps);
  double loss_sum = 0.0;
  int loss_count = 0;
  const int start_step = step;
  const auto run_start = std::chrono::steady_clock::now();
  while (step < total_steps) {
    if (req.max_seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count() > req.max_seconds) {
      std::printf("train: stopping after --max-minutes\n");
      break;
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<train::Example> batch(cfg.batch);
    parallel_for(cfg.batch, [&](int i) { batch[i] = train::make_example(pool, stats, cfg, step, i); });
    const double loss = trainer.train_step(batch);
    ++step;
    trained_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (std::isfinite(loss)) loss_sum += loss, ++loss_count;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    const double eta = elapsed / (step - start_step) * (total_steps - step);
    char line[96];
    std::snprintf(line, sizeof line, "loss %.4f  ETA %s", loss, format_eta(eta).c_str());
    bar.update(step, line);
    const bool validate_now = req.val_every > 0 && (step % req.val_every == 0 || step == total_steps);
    if (validate_now || (req.save_every > 0 && step % req.save_every == 0) || step == total_steps) {
      const double v = validate_now ? validate() : NAN;
      const double mean = loss_count ? loss_sum / loss_count : NAN;
      log << step << ',' << trained_seconds << ',' << mean << ',';
      if (std::isfinite(v)) log << v;
      log << '\n' << std::flush;
      if (!bar.enabled())
        std::printf("step %d/%d  loss %.4f  val %.4f  %.2f steps/s  ETA %s\n", step, total_steps, mean, v,
                    (step - start_step) / elapsed, format_eta(eta).c_str());
      std::fflush(stdout);
      loss_sum = 0.0;
      loss_count = 0;
      save();
    }
  }
  bar.finish();
  save();
  std::printf("train: %d steps, %.0f s of training; model in %s\n", step, trained_seconds, req.model_path().c_str());
  return 0;
}

}  // namespace ito

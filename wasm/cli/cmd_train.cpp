// itomaster train: self-supervised training of Φ and Ψ (train/trainer.h) on the songs
// of one or more index.tsv files, with checkpoints, resume, a validation loss on held-out
// songs and a CSV log. The same seed and data give the same run, however it is split
// into resumed pieces and whatever the thread count.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/args.h"
#include "cli/atomic_file.h"
#include "cli/audio_io.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/train_data.h"
#include "models/model_file.h"
#include "core/parallel.h"

namespace ito {
namespace {

namespace fs = std::filesystem;
using models::ConverterKind;

// A few-second configuration for CI and tests: same structure, tiny widths.
void tiny_configs(models::EncoderConfig& e, models::ConverterConfig& c) {
  e.channels = {4, 4, 8, 8, 8, 8, 8, 8, 8, 8, 16, 16};
  c.z_dim = 16;
  c.channels.assign(c.channels.size(), 4);
  if (c.kind == ConverterKind::BlackBox) c.channels.resize(6), c.strides.resize(6), c.dilations.resize(6);
}

std::string adam_bytes(const train::Adam& a, const train::Adam& b) {
  std::string out = "ITOADAM1";
  for (const train::Adam* adam : {&a, &b}) {
    const long steps = adam->steps;
    const std::uint64_t n = adam->m.size();
    out.append(reinterpret_cast<const char*>(&steps), sizeof steps);
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out.append(reinterpret_cast<const char*>(adam->m.data()), n * sizeof(float));
    out.append(reinterpret_cast<const char*>(adam->v.data()), n * sizeof(float));
  }
  return out;
}

void parse_adam(const std::string& bytes, train::Adam& a, train::Adam& b) {
  if (bytes.rfind("ITOADAM1", 0) != 0) throw std::runtime_error("optimizer state: bad header");
  std::size_t at = 8;
  auto take = [&](void* dst, std::size_t n) {
    if (at + n > bytes.size()) throw std::runtime_error("optimizer state: truncated");
    std::memcpy(dst, bytes.data() + at, n);
    at += n;
  };
  for (train::Adam* adam : {&a, &b}) {
    long steps = 0;
    std::uint64_t n = 0;
    take(&steps, sizeof steps);
    take(&n, sizeof n);
    adam->steps = steps;
    adam->m.resize(n);
    adam->v.resize(n);
    take(adam->m.data(), n * sizeof(float));
    take(adam->v.data(), n * sizeof(float));
  }
}

std::string format_eta(double seconds) {
  if (!(seconds >= 0)) return "?";
  char buf[32];
  const long s = std::lround(seconds);
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s / 60 % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  return buf;
}

}  // namespace

int run_train(const std::vector<std::string>& argv) {
  const Args args(argv,
                  {"model", "data", "out", "steps", "batch", "seconds", "lr", "seed", "threads", "window",
                   "max-songs", "val-songs", "val-examples", "val-every", "save-every", "config", "fxnorm", "max-minutes",
                   "logit-penalty"},
                  {"resume"});
  const std::string kind_name = args.get("model", "white-box");
  if (kind_name != "white-box" && kind_name != "black-box") throw UsageError("--model must be white-box or black-box");
  const ConverterKind kind = kind_name == "white-box" ? ConverterKind::WhiteBox : ConverterKind::BlackBox;
  const std::string out_dir = args.require("out");
  const int total_steps = static_cast<int>(args.number("steps", 1000));
  train::TrainConfig cfg;
  cfg.batch = static_cast<int>(args.number("batch", 4));
  cfg.segment_seconds = args.number("seconds", kind == ConverterKind::WhiteBox ? 5.0 : 3.0);
  cfg.lr = args.number("lr", 3e-4);
  cfg.seed = static_cast<std::uint64_t>(args.number("seed", 1));
  cfg.logit_penalty = args.number("logit-penalty", kind == ConverterKind::WhiteBox ? 0.01 : 0.0);
  if (total_steps < 0 || cfg.batch < 1 || cfg.batch > 256 || !(cfg.segment_seconds >= 0.5) || !(cfg.lr > 0) ||
      !(cfg.logit_penalty >= 0))
    throw UsageError("need --steps >= 0, --batch 1..256, --seconds >= 0.5, --lr > 0, --logit-penalty >= 0");
  if (args.has("threads")) set_num_threads(static_cast<int>(args.number("threads", 1)));
  const int val_every = static_cast<int>(args.number("val-every", 200));
  const int save_every = static_cast<int>(args.number("save-every", 200));
  const int val_examples = static_cast<int>(args.number("val-examples", 16));

  const std::string model_path = out_dir + "/model.itom", adam_path = out_dir + "/adam.bin",
                    log_path = out_dir + "/log.csv";
  const bool resume = args.has("resume");
  if (!resume && fs::exists(model_path))
    throw UsageError("'" + model_path + "' exists: pass --resume to continue it, or choose another --out");
  fs::create_directories(out_dir);

  // The networks: fresh, or the checkpoint's.
  std::unique_ptr<models::Encoder> encoder;
  std::unique_ptr<models::Converter> converter;
  std::map<std::string, std::string> info;
  if (resume && fs::exists(model_path)) {
    models::Model m = models::parse_model(read_file(model_path));
    if (m.converter->kind() != kind) throw UsageError("the checkpoint in " + out_dir + " is not a " + kind_name + " model");
    encoder = std::move(m.encoder);
    converter = std::move(m.converter);
    info = m.info;
  } else {
    models::EncoderConfig ec = models::default_encoder_config();
    models::ConverterConfig cc = kind == ConverterKind::WhiteBox ? models::default_whitebox_config(ec.channels.back())
                                                                 : models::default_blackbox_config(ec.channels.back());
    if (args.get("config", "default") == "tiny") tiny_configs(ec, cc);
    else if (args.get("config", "default") != "default") throw UsageError("--config must be default or tiny");
    encoder = std::make_unique<models::Encoder>(ec);
    converter = std::make_unique<models::Converter>(cc);
    encoder->init(cfg.seed);
    converter->init(cfg.seed + 1);
    info["steps"] = "0";
    info["train_seconds"] = "0";
  }
  train::Trainer trainer(*encoder, *converter, cfg);
  if (resume && fs::exists(adam_path)) parse_adam(read_file(adam_path), trainer.encoder_adam(), trainer.converter_adam());
  int step = std::stoi(info["steps"]);
  double trained_seconds = std::stod(info["train_seconds"]);

  // Data: a window of every song, training and validation songs kept apart.
  std::vector<SongEntry> songs;
  std::stringstream data_list(args.get("data", "data/music/index.tsv"));
  for (std::string index; std::getline(data_list, index, ',');) {
    auto part = read_song_index(index);
    songs.insert(songs.end(), part.begin(), part.end());
  }
  const double window = args.number("window", 40);
  const auto load_start = std::chrono::steady_clock::now();
  const train::SongPool pool = load_song_pool(songs, "train", window, static_cast<int>(args.number("max-songs", 0)),
                                              cfg.seed, cfg.fs);
  const train::SongPool val_pool = load_song_pool(songs, "val", window, static_cast<int>(args.number("val-songs", 24)),
                                                  cfg.seed + 99, cfg.fs);
  if (pool.songs.empty()) throw UsageError("no training songs could be loaded (see --data)");
  const FxNormStats stats = parse_fxnorm_stats(read_file(args.get("fxnorm", "models/fxnorm_stats.txt")));
  std::printf("train: %s model, %zu encoder + %zu converter parameters; %zu training songs, %zu validation songs "
              "(%.0f s to load)\n",
              kind_name.c_str(), encoder->param_count(), converter->param_count(), pool.songs.size(),
              val_pool.songs.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());

  // A fixed validation set (stream 1 of the seed's validation draws), same at every check.
  std::vector<train::Example> val_set;
  if (!val_pool.songs.empty()) {
    train::TrainConfig vcfg = cfg;
    vcfg.seed = 12345;
    val_set.resize(val_examples);
    parallel_for(val_examples, [&](int i) { val_set[i] = train::make_example(val_pool, stats, vcfg, 1, i); });
  }
  auto validate = [&]() -> double {
    if (val_set.empty()) return NAN;
    double sum = 0.0;
    for (std::size_t i = 0; i < val_set.size(); i += cfg.batch) {
      const std::vector<train::Example> chunk(val_set.begin() + i,
                                              val_set.begin() + std::min(val_set.size(), i + cfg.batch));
      sum += trainer.eval_loss(chunk) * chunk.size();
    }
    return sum / val_set.size();
  };

  const bool new_log = !fs::exists(log_path);
  std::ofstream log(log_path, std::ios::app);
  if (new_log) log << "step,train_seconds,train_loss,val_loss\n";
  auto save = [&]() {
    info["steps"] = std::to_string(step);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", trained_seconds);
    info["train_seconds"] = buf;
    info["segment_seconds"] = std::to_string(cfg.segment_seconds);
    info["batch"] = std::to_string(cfg.batch);
    info["training_songs"] = std::to_string(pool.songs.size());
    write_file_atomic(model_path, models::serialize_model(*encoder, *converter, info));
    write_file_atomic(adam_path, adam_bytes(trainer.encoder_adam(), trainer.converter_adam()));
  };

  if (step == 0 && val_every > 0) {
    const double v = validate();
    log << "0," << trained_seconds << ",," << v << "\n" << std::flush;
    std::printf("step 0  val %.4f\n", v);
  }
  ProgressBar bar("train", total_steps);
  double loss_sum = 0.0;
  int loss_count = 0;
  const int start_step = step;
  const auto run_start = std::chrono::steady_clock::now();
  const double max_seconds = args.number("max-minutes", 0) * 60.0;  // 0: no limit
  while (step < total_steps) {
    if (max_seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count() > max_seconds) {
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
    const bool validate_now = val_every > 0 && (step % val_every == 0 || step == total_steps);
    if (validate_now || (save_every > 0 && step % save_every == 0) || step == total_steps) {
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
  std::printf("train: %d steps, %.0f s of training; model in %s\n", step, trained_seconds, model_path.c_str());
  return 0;
}

}  // namespace ito

// `itomaster train`'s command line (checked before any data is read) and its checkpoint's
// optimizer state, apart from the training loop (cmd_train.cpp), so each can be tested alone.
#pragma once
#include <string>
#include <vector>

#include "cli/args.h"
#include "models/converter.h"
#include "models/encoder.h"
#include "train/adam.h"
#include "train/trainer.h"

namespace ito {

struct TrainRequest {
  models::ConverterKind kind = models::ConverterKind::WhiteBox;
  std::string kind_name = "white-box";
  std::string out_dir;
  int total_steps = 1000;
  train::TrainConfig cfg;
  int threads = 0;  // 0: the default
  int val_every = 200, save_every = 200, val_examples = 16;
  bool tiny = false;  // --config tiny: a few-second configuration for CI and tests
  std::vector<std::string> data;  // index.tsv files
  double window = 40;             // seconds of each song loaded
  int max_songs = 0, val_songs = 24;
  std::string fxnorm_path = "models/fxnorm_stats.txt";
  double max_seconds = 0;  // --max-minutes; 0: no limit
  bool resume = false;
  std::string model_path() const { return out_dir + "/model.itom"; }
  std::string adam_path() const { return out_dir + "/adam.bin"; }
  std::string log_path() const { return out_dir + "/log.csv"; }
};

// Throws UsageError for a wrong option.
TrainRequest parse_train_args(const Args& args);

// The networks' shapes for a fresh model: the default ones, or tiny widths (same structure).
void tiny_configs(models::EncoderConfig& e, models::ConverterConfig& c);

// The two Adam states (encoder, converter) of a checkpoint, as bytes and back. parse_adam_state
// throws std::runtime_error for a damaged file.
std::string adam_state_bytes(const train::Adam& encoder, const train::Adam& converter);
void parse_adam_state(const std::string& bytes, train::Adam& encoder, train::Adam& converter);

// "1h02m" or "3m05s"; "?" when not known.
std::string format_eta(double seconds);

}  // namespace ito

// `itomaster train`'s options and checkpoint state (cli/train_args.h).
#include "cli/train_args.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "cli/commands.h"

namespace ito {

using models::ConverterKind;

TrainRequest parse_train_args(const Args& args) {
  TrainRequest r;
  r.kind_name = args.get("model", "white-box");
  if (r.kind_name != "white-box" && r.kind_name != "black-box") throw UsageError("--model must be white-box or black-box");
  r.kind = r.kind_name == "white-box" ? ConverterKind::WhiteBox : ConverterKind::BlackBox;
  const bool white = r.kind == ConverterKind::WhiteBox;
  r.out_dir = args.require("out");
  r.total_steps = static_cast<int>(args.number("steps", 1000));
  r.cfg.batch = static_cast<int>(args.number("batch", 4));
  r.cfg.segment_seconds = args.number("seconds", white ? 5.0 : 3.0);
  r.cfg.lr = args.number("lr", 3e-4);
  r.cfg.seed = static_cast<std::uint64_t>(args.number("seed", 1));
  r.cfg.logit_penalty = args.number("logit-penalty", white ? 0.01 : 0.0);
  if (r.total_steps < 0 || r.cfg.batch < 1 || r.cfg.batch > 256 || !(r.cfg.segment_seconds >= 0.5) || !(r.cfg.lr > 0) ||
      !(r.cfg.logit_penalty >= 0))
    throw UsageError("need --steps >= 0, --batch 1..256, --seconds >= 0.5, --lr > 0, --logit-penalty >= 0");
  r.threads = static_cast<int>(args.number("threads", 0));
  r.val_every = static_cast<int>(args.number("val-every", 200));
  r.save_every = static_cast<int>(args.number("save-every", 200));
  r.val_examples = static_cast<int>(args.number("val-examples", 16));
  const std::string config = args.get("config", "default");
  if (config != "default" && config != "tiny") throw UsageError("--config must be default or tiny");
  r.tiny = config == "tiny";
  std::stringstream data_list(args.get("data", "data/music/index.tsv"));
  for (std::string index; std::getline(data_list, index, ',');) r.data.push_back(index);
  r.window = args.number("window", 40);
  r.max_songs = static_cast<int>(args.number("max-songs", 0));
  r.val_songs = static_cast<int>(args.number("val-songs", 24));
  r.fxnorm_path = args.get("fxnorm", r.fxnorm_path);
  r.max_seconds = args.number("max-minutes", 0) * 60.0;
  r.resume = args.has("resume");
  return r;
}

void tiny_configs(models::EncoderConfig& e, models::ConverterConfig& c) {
  e.channels = {4, 4, 8, 8, 8, 8, 8, 8, 8, 8, 16, 16};
  c.z_dim = 16;
  c.channels.assign(c.channels.size(), 4);
  if (c.kind == ConverterKind::BlackBox) c.channels.resize(6), c.strides.resize(6), c.dilations.resize(6);
}

std::string adam_state_bytes(const train::Adam& encoder, const train::Adam& converter) {
  std::string out = "ITOADAM1";
  for (const train::Adam* adam : {&encoder, &converter}) {
    const long steps = adam->steps;
    const std::uint64_t n = adam->m.size();
    out.append(reinterpret_cast<const char*>(&steps), sizeof steps);
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out.append(reinterpret_cast<const char*>(adam->m.data()), n * sizeof(float));
    out.append(reinterpret_cast<const char*>(adam->v.data()), n * sizeof(float));
  }
  return out;
}

void parse_adam_state(const std::string& bytes, train::Adam& encoder, train::Adam& converter) {
  if (bytes.rfind("ITOADAM1", 0) != 0) throw std::runtime_error("optimizer state: bad header");
  std::size_t at = 8;
  auto take = [&](void* dst, std::size_t n) {
    if (n > bytes.size() - at) throw std::runtime_error("optimizer state: truncated");
    std::memcpy(dst, bytes.data() + at, n);
    at += n;
  };
  for (train::Adam* adam : {&encoder, &converter}) {
    long steps = 0;
    std::uint64_t n = 0;
    take(&steps, sizeof steps);
    take(&n, sizeof n);
    if (n > (bytes.size() - at) / (2 * sizeof(float))) throw std::runtime_error("optimizer state: truncated");
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

}  // namespace ito

// `itomaster master`'s options: every check that needs no audio (cli/master_args.h).
#include "cli/master_args.h"

#include <cctype>
#include <cmath>
#include <filesystem>

#include "cli/atomic_file.h"
#include "cli/commands.h"
#include "master/model_rate.h"

namespace ito {
namespace {

namespace fs = std::filesystem;

// --params-in: settings exported by the page or written by --params-out. Checked for size
// before reading, so a wrong path to a huge file fails at once.
ImportedSettings read_settings(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) > kMaxSettingsJsonBytes)
    throw SettingsJsonError("'" + path + "' is too large for a settings file (at most 1 MB)");
  try {
    ImportedSettings s = parse_settings_json(read_file(path));
    if (s.chain_input != "level_matched")
      throw SettingsJsonError("these parameters were found for a model's Fx-normalized input (chain_input " +
                              s.chain_input + "); --params-in renders them on the level-matched input");
    // The ranges the command line's own options have.
    if (s.target_lufs && !(*s.target_lufs >= -40 && *s.target_lufs <= 0))
      throw SettingsJsonError("targetLufs must be in -40..0");
    if (s.ceiling_dbtp && !(*s.ceiling_dbtp >= -20 && *s.ceiling_dbtp <= 0))
      throw SettingsJsonError("ceilingDbtp must be in -20..0");
    if (s.input_gain_db && !(std::fabs(*s.input_gain_db) <= 40))
      throw SettingsJsonError("the input gain must be in -40..40 dB");
    return s;
  } catch (const SettingsJsonError& e) {
    throw SettingsJsonError("'" + path + "': " + e.what());
  }
}

// --format wav|flac (default: FLAC for a .flac name, else WAV) and --bit-depth 16|24|32f
// (default 24; 16 is dithered; FLAC holds 16 or 24).
OutputFormat output_format(const Args& args, const std::string& output_path) {
  OutputFormat f;
  const bool flac_name = output_path.size() >= 5 &&
                         std::equal(output_path.end() - 5, output_path.end(), ".flac", [](char a, char b) {
                           return std::tolower(static_cast<unsigned char>(a)) == b;
                         });
  const std::string container = args.has("format") ? args.get("format") : flac_name ? "flac" : "wav";
  if (container != "wav" && container != "flac") throw UsageError("--format must be wav or flac");
  f.container = container == "flac" ? Container::Flac : Container::Wav;
  if (args.has("bit-depth")) {
    const std::optional<SampleFormat> depth = parse_sample_format(args.get("bit-depth"));
    if (!depth) throw UsageError("--bit-depth must be 16, 24 or 32f");
    f.sample = *depth;
  }
  if (args.has("no-limiter")) {  // its peaks may exceed 0 dBFS: only float keeps them
    if (f.container == Container::Flac || (args.has("bit-depth") && f.sample != SampleFormat::Float32))
      throw UsageError("--no-limiter writes a 32-bit float WAV (its peaks may exceed 0 dBFS)");
    f.sample = SampleFormat::Float32;
  }
  if (f.container == Container::Flac && f.sample == SampleFormat::Float32)
    throw UsageError("--bit-depth 32f needs --format wav (FLAC holds 16 or 24 bits)");
  return f;
}

// The output may not be an input, nor exist without --force: fail before the work, not after it.
void check_output_path(const MasterRequest& req) {
  for (const std::string& in : {req.input_path, req.reference_path}) {
    std::error_code ec;
    if (fs::exists(req.output_path) && fs::equivalent(req.output_path, in, ec))
      throw AudioError("the output '" + req.output_path + "' is one of the inputs; refusing to overwrite it");
  }
  if (!req.force && fs::exists(req.output_path))
    throw AudioError("'" + req.output_path + "' already exists (use --force to replace it)");
}

// ITO on Θ's options, which the model path shares.
void parse_mastering_options(const Args& args, MasteringOptions& options) {
  options.ito.max_steps = static_cast<int>(args.number("steps", 100));
  if (options.ito.max_steps < 0 || options.ito.max_steps > 100000) throw UsageError("--steps must be 0..100000");
  options.ceiling_dbtp = args.number("ceiling", -1.0);
  if (options.ceiling_dbtp > 0.0 || options.ceiling_dbtp < -20.0) throw UsageError("--ceiling must be in -20..0 dBTP");
  options.limit = !args.has("no-limiter");
  if (args.has("target-lufs")) {
    options.target_lufs = args.number("target-lufs", -14.0);
    if (*options.target_lufs > 0 || *options.target_lufs < -40) throw UsageError("--target-lufs must be in -40..0");
  }
  const std::string optimizer = args.get("optimizer", "adam");
  if (optimizer != "adam" && optimizer != "radam") throw UsageError("--optimizer is adam or radam");
  options.ito.optimizer.rectified = optimizer == "radam";
  options.ito.optimizer.lr = args.number("lr", options.ito.optimizer.lr);
  options.excerpt_seconds = args.number("excerpt", options.excerpt_seconds);
  options.style.character = args.number("character", 0.0);
  if (!(options.style.character >= 0.0 && options.style.character <= 1.0)) throw UsageError("--character must be in 0..1");
  options.style.expert_ranges = args.has("expert-ranges");
  options.match_eq_amount = args.number("match-eq", kDefaultMatchEqAmount);
  if (!(options.match_eq_amount >= 0.0 && options.match_eq_amount <= 1.5)) throw UsageError("--match-eq must be in 0..1.5");
  // How much of each aspect of the reference to take, in percent (ito/feature_targets.h).
  const std::pair<const char*, double*> amounts[] = {{"amount-tone", &options.amounts.tone},
                                                     {"amount-dynamics", &options.amounts.dynamics},
                                                     {"amount-width", &options.amounts.width},
                                                     {"amount-loudness", &options.amounts.loudness}};
  for (const auto& [flag, amount] : amounts) {
    *amount = args.number(flag, 100.0) / 100.0;
    if (!(*amount >= 0.0 && *amount <= kMaxMatchAmount))
      throw UsageError(std::string("--") + flag + " must be in 0..150 (percent)");
  }
}

// The models' step budgets, and what they share with ITO on Θ.
ModelMasteringOptions model_options_from(const Args& args, const MasteringOptions& options) {
  ModelMasteringOptions m;
  m.ito.max_steps = static_cast<int>(args.number("ito-steps", kDefaultItoZSteps));
  if (m.ito.max_steps < 0 || m.ito.max_steps > 10000) throw UsageError("--ito-steps must be 0..10000");
  m.theta_steps = static_cast<int>(args.number("theta-steps", kDefaultThetaSteps));
  if (m.theta_steps < 0 || m.theta_steps > 10000) throw UsageError("--theta-steps must be 0..10000");
  m.target_lufs = options.target_lufs;
  m.ceiling_dbtp = options.ceiling_dbtp;
  m.limit = options.limit;
  m.excerpt_seconds = options.excerpt_seconds;
  m.style = options.style;
  m.match_eq_amount = options.match_eq_amount;
  m.amounts = options.amounts;
  return m;
}

}  // namespace

const std::set<std::string> kMasterOptions = {
    "input", "reference", "output", "steps", "ceiling", "target-lufs", "optimizer", "lr", "excerpt", "params-out",
    "params-in", "model", "ito-steps", "theta-steps", "reference2", "blend", "crest-db", "width-scale", "tilt-db",
    "character", "match-eq", "amount-tone", "amount-dynamics", "amount-width", "amount-loudness", "bit-depth",
    "format", "report", "output-rate"};
const std::set<std::string> kMasterFlags = {"json", "force", "expert-ranges", "no-limiter", "stereo"};

MasterRequest parse_master_args(const Args& args) {
  MasterRequest req;
  req.input_path = args.require("input");
  req.reference_path = args.require("reference");
  req.output_path = args.require("output");
  req.force = args.has("force");
  req.stereo = args.has("stereo");
  req.json = args.has("json");
  req.params_out_path = args.get("params-out", "");
  req.report_path = args.get("report", "");
  req.out_format = output_format(args, req.output_path);
  if (args.has("output-rate")) {
    req.output_rate = args.number("output-rate", 0);
    if (!is_master_rate(req.output_rate))
      throw UsageError("--output-rate must be in 44100..192000 Hz");
  }
  check_output_path(req);
  parse_mastering_options(args, req.options);

  req.mode = args.get("model", "theta");
  if (req.mode != "theta" && req.mode != "white-box" && req.mode != "black-box" && !fs::exists(req.mode))
    throw UsageError("--model is theta (ITO on the settings, Θ), white-box, black-box or a .itom file");
  req.use_model = req.mode != "theta";
  // Fixed settings instead of ITO: read before the audio, so a bad file fails at once.
  if (args.has("params-in")) {
    if (req.use_model) throw UsageError("--params-in renders the given chain parameters; it takes no --model");
    req.fixed = read_settings(args.get("params-in"));
    // The command line's own --target-lufs and --ceiling win over the file's.
    if (req.fixed->target_lufs && !args.has("target-lufs")) req.options.target_lufs = req.fixed->target_lufs;
    if (req.fixed->ceiling_dbtp && !args.has("ceiling")) req.options.ceiling_dbtp = *req.fixed->ceiling_dbtp;
  }
  if (req.mode == "black-box" && args.has("params-out")) throw UsageError("--params-out needs chain parameters: black-box has none");
  req.model_options = model_options_from(args, req.options);
  req.ito_steps_given = args.has("ito-steps");
  req.theta_steps_given = args.has("theta-steps");

  req.adjust.crest_db = args.number("crest-db", 0.0);
  req.adjust.width_scale = args.number("width-scale", 1.0);
  req.adjust.tilt_db = args.number("tilt-db", 0.0);
  if (std::fabs(req.adjust.crest_db) > 20 || req.adjust.width_scale < 0 || req.adjust.width_scale > 4 ||
      std::fabs(req.adjust.tilt_db) > 24)
    throw UsageError("need --crest-db in -20..20, --width-scale in 0..4, --tilt-db in -24..24");
  req.adjusted = args.has("crest-db") || args.has("width-scale") || args.has("tilt-db");
  req.reference2_path = args.get("reference2", "");
  req.blend = args.number("blend", 0.5);
  if (!(req.blend >= 0 && req.blend <= 1)) throw UsageError("--blend must be in 0..1");
  return req;
}

}  // namespace ito

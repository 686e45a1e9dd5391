// itomaster: reference-based mastering from the command line.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/allocator.h"
#include "cli/args.h"
#include "cli/atomic_file.h"
#include "cli/audio_io.h"
#include "cli/cmd_fxnorm_stats.h"
#include "cli/commands.h"

namespace {

constexpr const char* kUsage = R"(usage:
  itomaster master --input MIX --reference REF --output OUT.wav|OUT.flac [options]
      --model M          theta (default): ITO on the 46 chain parameters; white-box or
                         black-box: the learned models (models/*.itom) with ITO on z
      --steps N          ITO-on-theta step budget (default 100)
      --ito-steps N      ITO-on-z step budget with --model (white-box 5, black-box 30; 0 = prediction only)
      --theta-steps N    white-box: then N steps of ITO on Θ from ITO on z's best (default 25; 0 = the
                         paper's ITO on z alone)
      --reference2 F --blend A   match a blend of two references' features (A: 0..1 toward F)
      --crest-db D --width-scale S --tilt-db T   adjust the target features: crest factor,
                         stereo width (side/mid ratio) and spectral tilt (dB across 20 Hz-20 kHz)
      --amount-tone P --amount-dynamics P --amount-width P --amount-loudness P
                         how much of the reference's tone, dynamics (crest), stereo width and
                         loudness to take, 0..150 % of the way from the input's own (default 100)
      --match-eq A       Match EQ amount ahead of the chain: 0 off, 1 full match (default), up to 1.5
      --character C      saturation the chain may use, 0..1 (default 0: saturator off)
      --expert-ranges    let ITO use the paper's full parameter ranges, not the musical ones
      --ceiling DB       true-peak ceiling in dBTP (default -1)
      --target-lufs L    output loudness (default: the reference's)
      --optimizer NAME   adam (default) or radam
      --lr X             learning rate (default 0.05)
      --excerpt S        seconds of the input ITO optimizes on (default 30, six segments)
      --json             print a JSON summary on stdout
      --params-out FILE  also write the 46 parameters as JSON
      --params-in FILE   no ITO: render with these settings (--params-out's JSON or the page's export)
      --bit-depth B      16 (with TPDF dither), 24 (default) or 32f (32-bit float, WAV only)
      --format F         wav or flac (default: flac for an OUT ending in .flac, else wav)
      --report FILE      also write a mastering report: one HTML file with the spectra, loudness over
                         time, metrics, the settings and what changed most (no external assets)
      --stereo           a mono input's master as a stereo file (default: mono, like the input)
      --no-limiter       no final limiter: the chain's output at the target loudness, peaks
                         unlimited, as a 32-bit float WAV (for users who limit elsewhere)
      --force            overwrite OUT if it exists (never an input)
  itomaster album --reference REF --output-dir DIR [--same-settings] [master options] MIX...
      masters several mixes toward one reference, one at a time, with one target loudness and
      ceiling; --same-settings renders all with the first track's settings (ITO runs once).
      Prints each master's LUFS, true peak and LRA (--json: also as JSON)
  itomaster analyze FILE [--json]
      loudness, loudness range, true peak, crest factor, stereo width, DRV
  itomaster fxnorm-stats --index data/music/index.tsv --split train --out models/fxnorm_stats.txt
      corpus statistics for the input's Fx-normalization
  itomaster train --model white-box|black-box --out DIR [--data a/index.tsv,b/index.tsv]
      [--steps N] [--batch B] [--seconds S] [--lr X] [--seed N] [--threads T] [--resume]
      [--config default|tiny] [--val-every N] [--save-every N] [--max-songs N] [--window S]
      [--max-minutes M] [--logit-penalty X]
      self-supervised training of the reference encoder and converter (models/TRAINING.md)
  itomaster eval PAIRS.tsv [--steps N] [--ito-steps N] [--theta-steps N] [--bb-ito-steps N] [--modes a,b,..]
      [--markdown FILE] [--csv FILE] [--limit N] [--excerpt S] [--excerpt-count N]
      every mode (input, fxnorm, ito-theta, white-box[+ito[+theta]], black-box[+ito]) over pairs:
      AF loss, DRV, embedding cosine similarity, loudness error, true peak, seconds
  itomaster export-onnx --model MODEL.itom --out-dir DIR [--force]
      the encoder and converter as ONNX (opset 17): DIR/<stem>_encoder.onnx, DIR/<stem>_converter.onnx
Audio: WAV, FLAC, OGG, MP3 (libsndfile), mono or stereo, any sample rate (resampled to
44.1 kHz). Files with more than two channels are refused: downmix them to stereo first.
)";

}  // namespace

int main(int argc, char** argv) {
  ito::tune_allocator_for_large_buffers();
  ito::install_temp_file_cleanup();  // Ctrl-C mid-write leaves no temporary file
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "master") return ito::run_master(args);
    if (command == "album") return ito::run_album(args);
    if (command == "analyze") return ito::run_analyze(args);
    if (command == "fxnorm-stats") return ito::run_fxnorm_stats(args);
    if (command == "train") return ito::run_train(args);
    if (command == "export-onnx") return ito::run_export_onnx(args);
    if (command == "eval") return ito::run_eval(args);
    std::fprintf(stderr, "itomaster: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return 2;
  } catch (const ito::UsageError& e) {
    std::fprintf(stderr, "itomaster %s: %s\n\n%s", command.c_str(), e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "itomaster %s: error: %s\n", command.c_str(), e.what());
    return 1;
  }
}

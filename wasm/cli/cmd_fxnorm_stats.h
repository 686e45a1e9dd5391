// `itomaster fxnorm-stats`: computes the corpus statistics for the input's
// Fx-normalization (spec section 4) from the songs of one split of a music index
// (scripts/fetch_music.sh writes data/music/index.tsv) and writes them atomically:
//
//   itomaster fxnorm-stats --index data/music/index.tsv --split train
//       --out models/fxnorm_stats.txt [--target-lufs -16] [--limit N]
//
// Every song counts equally: per song, the long-term mid band shape and the side/mid
// ratio are measured with the functions fx_normalize uses, then averaged (exactly mono
// songs are left out of the side/mid mean, which would be -inf). Songs that fail to
// load are reported and skipped. Progress and a summary go to stderr.
#pragma once
#include <string>
#include <vector>

namespace ito {

// Takes the arguments after the command name; returns 0 ok, 1 failed. Throws
// UsageError (cli/args.h) for bad options.
int run_fxnorm_stats(const std::vector<std::string>& args);

}  // namespace ito

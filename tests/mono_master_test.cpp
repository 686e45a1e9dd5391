// A mono input (both channels the same) gives a mono master: the imager is off, both output
// channels stay equal, and ITO optimizes the features a mono master can reach.
#include <gtest/gtest.h>

#include "analysis/af_loss.h"
#include "master/mastering.h"
#include "master/musical_prior.h"
#include "test_signals.h"

namespace ito {
namespace {

TEST(MonoMaster, ImagerOffChannelsEqualAndNoUnreachableSideTarget) {
  Stereo mix = testing::music_like(44100 * 8, 0.2, 21);
  mix.r = mix.l;
  const Stereo reference = testing::music_like(44100 * 8, 0.8, 22);  // a stereo reference
  EXPECT_TRUE(is_mono(mix));
  EXPECT_FALSE(is_mono(reference));
  MasteringOptions opt;
  opt.ito.max_steps = 15;
  const MasteringResult r = master_with_reference(mix, reference, 44100, opt);
  EXPECT_FALSE(r.switches[static_cast<int>(Processor::Imager)]);
  EXPECT_TRUE(r.switches[static_cast<int>(Processor::Eq)]);
  EXPECT_EQ(r.output.l, r.output.r);
  // The side terms are left out of the target: ITO's loss is the size of a stereo master's (with
  // them it was near 30 whatever the chain did, and relative early stopping saw no progress).
  std::printf("mono master: ITO loss %.4f -> %.4f in %d steps\n", r.ito.initial_loss, r.ito.best_loss, r.ito.steps);
  EXPECT_LT(r.ito.initial_loss, 0.1);
  const AfFeatures mono = mono_features(compute_af_features(reference, 44100));
  AfLossTerms terms;
  af_loss(r.output, mono, 44100, nullptr, &terms);
  EXPECT_LT(terms.width + terms.imbalance, 1e-9);
  // A stereo input keeps its imager.
  MasteringOptions one_step;
  one_step.ito.max_steps = 1;
  const MasteringResult s = master_with_reference(reference, mix, 44100, one_step);
  EXPECT_TRUE(s.switches[static_cast<int>(Processor::Imager)]);
}

}  // namespace
}  // namespace ito

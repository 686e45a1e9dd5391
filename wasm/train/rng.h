// A small deterministic random generator (SplitMix64): the same seed gives the same
// training examples on every platform and thread count.
#pragma once
#include <cstdint>

namespace ito::train {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  // Independent stream for (seed, a, b), e.g. (run seed, step, example slot).
  static Rng stream(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) {
    Rng r(seed ^ (a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xC2B2AE3D27D4EB4FULL));
    r.next();
    return r;
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool chance(double p) { return uniform() < p; }
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }

 private:
  std::uint64_t state_;
};

}  // namespace ito::train

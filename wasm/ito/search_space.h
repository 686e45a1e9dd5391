// Where ITO may move the 46 parameters and which processors run: a box [lo, hi] per
// normalized parameter (projected Adam keeps ITO on Θ inside it; ITO on z clamps Ψ's
// prediction into it) and the processors' on/off switches. The default space is the
// paper's: every processor on, every parameter in [0, 1]. master/musical_prior.h builds
// the product's narrower, musical one.
#pragma once
#include "dsp/params.h"

namespace ito {

struct SearchSpace {
  Params lo{}, hi{};
  ProcessorSwitches enabled = kAllProcessorsOn;
  // A quadratic prior toward `centre` added to the objective: sum of weight[i] (p[i] -
  // centre[i])^2 in normalized units (all weights 0 by default: no prior).
  Params centre{}, weight{};

  SearchSpace() { hi.fill(1.0); }

  // The prior's value at p; with grad, ADDS its gradient into grad[0..46).
  double prior(const Params& p, double* grad = nullptr) const;

  // The nearest point of the box.
  Params project(const Params& p) const;
  // dL/dp of the projected parameters -> dL/dp of the raw ones: zero where a raw
  // parameter lies outside the box (the projection is flat there).
  void mask_gradient(const Params& raw, double* grad) const;
  bool contains(const Params& p) const;
};

}  // namespace ito

// The rate the learned models were trained at, and the rate ITO, the AF loss and the Match EQ
// design run at. A master is rendered at the mix's own rate (or the one asked for) with the
// settings found at this one: the chain's processors are designed for whatever rate they run at.
#pragma once

namespace ito {

constexpr double kAnalysisRate = 44100.0;

}  // namespace ito

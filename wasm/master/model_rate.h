// The rate the learned models were trained at and run at. Φ and Ψ see copies of the mix and
// the reference at this rate; the chain, ITO's objective, the final stage and the meters run
// at the master's own rate (the mix's, 44.1 to 192 kHz), each designed for it.
#pragma once

namespace ito {

constexpr double kModelRate = 44100.0;

// The rates a master is made at: a mix's own within these, else 44.1 kHz.
constexpr double kMinMasterRate = 44100.0, kMaxMasterRate = 192000.0;
constexpr bool is_master_rate(double rate) { return rate >= kMinMasterRate && rate <= kMaxMasterRate; }

}  // namespace ito

// SPDX-License-Identifier: GPL-2.0
// --bench: where the time goes. A SIGPROF sampler (1 kHz of CPU time) records the interrupted PC;
// afterwards each sample is attributed with dladdr(): the SystemC library, the Verilated model (its
// symbols carry the Verilator prefix), the scoreboard (model + production core + checks), or the rest
// (agents, bridge, libc/libstdc++). The executable is linked with exported symbols for this.
#ifndef VBUS_COSIM_PROFILE_H
#define VBUS_COSIM_PROFILE_H

#include <cstdint>

struct ProfileShares {
	uint64_t samples = 0, systemc = 0, rtl = 0, scoreboard = 0, other = 0;
};

void profile_start();
ProfileShares profile_stop();

#endif // VBUS_COSIM_PROFILE_H

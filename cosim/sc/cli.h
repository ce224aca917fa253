// SPDX-License-Identifier: GPL-2.0
// vbus-cosim command line (getopt_long) and the end-of-run report (text or JSON).
#ifndef VBUS_COSIM_CLI_H
#define VBUS_COSIM_CLI_H

#include <cstdint>
#include <string>

#include "profile.h"
#include "scoreboard.h"
#include "workload.h"

struct RunResult;

struct CosimOpts {
	const Workload *wl = nullptr;
	uint64_t seed = 1;
	uint64_t cycles = 200000;
	unsigned channels = 8;
	bool v2 = true;	      // --top v2 (the default): rtl/vbus_doorbell2.v, checked by the HW-12..HW-15 rules
	unsigned tick_lg = 0; // v2: the model's TICK_LG (moderation tick 2^tick_lg cycles), set after parsing
	std::string trace, wave;
	bool json = false, bench = false, progress = false, quiet = false;
};

// The program parsing its options: its name (in --help and the errors) and, for a program with options of its
// own (vbus-cosim-mutant's --mutant), their synopsis ("[--mutant NAME] ") and help lines; nullptr for none.
struct CosimProg {
	const char *name;
	const char *synopsis;
	const char *help;
};

// The channel counts the program has a Verilated model for, per top (--channels must name one; the first
// 8 is the default).
struct CosimBuilt {
	const unsigned *v1;
	unsigned n1;
	const unsigned *v2;
	unsigned n2;
};

// --help or -h on the line (before any "--"): it wins over everything else on the line (docs/cli.md).
bool cosim_help_asked(int argc, char **argv);
// Parse argv into @o. Returns -1 to run, else the exit code (0 after --help, 2 on bad usage).
int cosim_parse(int argc, char **argv, CosimOpts &o, const CosimProg &p, const CosimBuilt &b);
// Print the summary (and the mismatch report). Returns the exit code: 0 agreement, 1 mismatch.
int cosim_report(const CosimOpts &o, const RunResult &r, const cs_sb *sb, const ProfileShares *prof);

#endif // VBUS_COSIM_CLI_H

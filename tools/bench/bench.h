/* SPDX-License-Identifier: GPL-2.0 */
/* vbus-bench internals shared by the benchmark and the stress subcommand. */
#ifndef VBUS_BENCH_H
#define VBUS_BENCH_H

#include <stdint.h>

#include "vbus_cli.h"

/* Monotonic time in seconds (the shared clock of tools/cli/vbus_cli.h). */
static inline double bench_now(void)
{
	return vbus_now_s();
}
/* vbus-bench stress [args] (argv[0] is "stress"): the stress workload; process exit status. */
int stress_main(int argc, char **argv);

#endif

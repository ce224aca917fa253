/* SPDX-License-Identifier: GPL-2.0 */
/* vbus-bench internals shared by the benchmark and the stress subcommand. */
#ifndef VBUS_BENCH_H
#define VBUS_BENCH_H

/* Monotonic time in seconds. */
double bench_now(void);
/* vbus-bench stress [args]: the stress workload; process exit status. */
int stress_main(int argc, char **argv);

#endif

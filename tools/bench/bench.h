/* SPDX-License-Identifier: GPL-2.0 */
/* vbus-bench internals shared by the benchmark and the stress subcommand. */
#ifndef VBUS_BENCH_H
#define VBUS_BENCH_H

#include <stdint.h>

/* Monotonic time in seconds. */
double bench_now(void);
/* Parse a whole decimal or 0x number in [min, max] into *out; 0, or -EINVAL (nothing else taken). */
int bench_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* vbus-bench stress [args]: the stress workload; process exit status. */
int stress_main(int argc, char **argv);

#endif

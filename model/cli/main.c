// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-model: the executable spec's command line; this file is the dispatch only.
 *   run, vectors, replay, explore, sweep, diff, bench, params, calibrate; `--help` on each.
 * Exit status (docs/cli.md): 0 success, 1 failure (a vector failed, traces differ, an error),
 * 2 bad usage, 3 the explorer found a violation.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} cmds[] = {
	{ "run", cmd_run, "simulate a workload with the timing engine; table or --json report" },
	{ "vectors", cmd_vectors, "replay every conformance vector (docs/spec/vectors) and check its trace" },
	{ "replay", cmd_replay, "run one vector and print the model's trace" },
	{ "explore", cmd_explore, "exhaustive interleaving search under TSO: --placement spec|2009" },
	{ "sweep", cmd_sweep, "offered-load sweep of every mitigation to CSV (and PNG with gnuplot)" },
	{ "diff", cmd_diff, "first divergence between two traces" },
	{ "bench", cmd_bench, "events/s of the timing engine, states/s of the explorer, peak memory" },
	{ "params", cmd_params, "print the cost parameters (after --param/--params overrides)" },
	{ "calibrate", cmd_calibrate, "measure this machine's costs with micro-benchmarks, write a parameter file" },
};

const char *cmd_prog(const char *cmd)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "vbus-model %s", cmd);
	return buf;
}

static void main_usage(FILE *f)
{
	fprintf(f, "usage: vbus-model <command> [options]   (vbus-model <command> --help for each)\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].what);
	fprintf(f, "Exit status: 0 success, 1 failure, 2 bad usage, 3 the explorer found a violation.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return vbus_usage_error("vbus-model", "needs a command");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		main_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return vbus_usage_error("vbus-model", "unknown option '%s' (options follow the command)", argv[1]);
	return vbus_usage_error("vbus-model", "unknown command '%s'", argv[1]);
}

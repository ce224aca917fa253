/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbus-model's command groups. main.c dispatches argv[1] to one cmd_* (argv[0] is then the
 * command name); each group lives in its own file. A new command: a new file with its cmd_*,
 * a declaration here and one row in main.c's table.
 * Contract: docs/cli.md (help on stdout exit 0, usage errors exit 2, failures exit 1).
 */
#ifndef VBUS_MODEL_CLI_H
#define VBUS_MODEL_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "vbus_cli.h"
#include "vbusmodel/explore.h"
#include "vbusmodel/runner.h"
#include "vbusmodel/timing.h"

#define EXIT_VIOLATION 3

/* traces.c */
int cmd_vectors(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);
/* simulate.c */
int cmd_run(int argc, char **argv);
int cmd_params(int argc, char **argv);
/* explore.c */
int cmd_explore(int argc, char **argv);
/* sweep.c */
int cmd_sweep(int argc, char **argv);
/* bench.c */
int cmd_bench(int argc, char **argv);
/* calibrate.c */
int cmd_calibrate(int argc, char **argv);

/* ---- the simulation configuration, shared by run, sweep and bench (simulate.c) ---- */
enum sim_opt_id {
	SIM_O_WORKLOAD = 0x100,
	SIM_O_CONSUMER,
	SIM_O_MESSAGES,
	SIM_O_LOAD,
	SIM_O_BURST,
	SIM_O_BATCH,
	SIM_O_RING,
	SIM_O_SEED,
	SIM_O_DIR,
	SIM_O_TRAPS,
	SIM_O_PARAM,
	SIM_O_PARAMS,
	SIM_O_CLOCK,
	SIM_O_LAST /* commands number their own long-only options from here */
};

#define SIM_LONG_OPTIONS                                                                                               \
	{ "workload", required_argument, NULL, SIM_O_WORKLOAD },                                                       \
		{ "consumer", required_argument, NULL, SIM_O_CONSUMER },                                               \
		{ "messages", required_argument, NULL, SIM_O_MESSAGES },                                               \
		{ "load", required_argument, NULL, SIM_O_LOAD }, { "burst", required_argument, NULL, SIM_O_BURST },    \
		{ "batch", required_argument, NULL, SIM_O_BATCH }, { "ring", required_argument, NULL, SIM_O_RING },    \
		{ "seed", required_argument, NULL, SIM_O_SEED }, { "dir", required_argument, NULL, SIM_O_DIR },        \
		{ "doorbell-traps", no_argument, NULL, SIM_O_TRAPS },                                                  \
		{ "param", required_argument, NULL, SIM_O_PARAM },                                                     \
		{ "params", required_argument, NULL, SIM_O_PARAMS },                                                   \
	{                                                                                                              \
		"clock-ghz", required_argument, NULL, SIM_O_CLOCK                                                      \
	}

/* Ranges of the numeric simulation options (named in the errors and the help). */
#define SIM_MESSAGES_MAX 100000000ull
#define SIM_LOAD_MIN 0.001
#define SIM_LOAD_MAX 1000.0
#define SIM_BURST_MAX 65536u
#define SIM_BATCH_MAX 65536u
#define SIM_RING_MIN 2u
#define SIM_RING_MAX 32768u
#define SIM_CLOCK_DEFAULT 3.0 /* GHz: the nominal core of docs/spec/06-timing.md */

struct sim_opts {
	struct vm_sim_cfg c;
	double clock_ghz; /* only for printing latency in ns next to cycles */
	int load_given;
};

/* Defaults for one command (after vm_sim_cfg_default the command may change workload/messages). */
void sim_opts_default(struct sim_opts *o);
/* The help block of the simulation options, with this command's defaults. */
void sim_opts_help(FILE *f, const struct sim_opts *defaults);
/*
 * Apply option `id` (getopt_long's return) with value `val`. 0 ok, 1 not a sim option, -1 usage error
 * (printed), -2 runtime failure (an unreadable or malformed --params file, printed).
 */
int sim_opt(const char *prog, int id, const char *val, struct sim_opts *o);
/* The exit status of a sim_opt() error. */
static inline int sim_opt_exit(int r)
{
	return r == -2 ? VBUS_EXIT_FAIL : VBUS_EXIT_USAGE;
}
/*
 * The `default:` of a simulating command's option loop (getopt_long just returned `id`): a simulation
 * option is applied, anything else is a getopt error. 0, or the exit status (the message printed).
 */
int sim_opt_or_fail(const char *prog, int id, char **argv, struct sim_opts *o);
/* After a command's option loop: an argument left over is a usage error (2); else 0. */
int cli_no_operands(const char *prog, int argc, char **argv);

/* "vbus-model CMD" in a static buffer: the program name of messages. */
const char *cmd_prog(const char *cmd);

/* One JSON object of a run: the configuration and the figures (keys shared with vbus-bench). */
void report_json(FILE *f, const struct sim_opts *o, const struct vm_report *r);

#endif /* VBUS_MODEL_CLI_H */

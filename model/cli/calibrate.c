// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-model calibrate: measure this machine's costs (vm_calibrate, calib.c) and write them as a
 * §6 parameter file (docs/spec/06-timing.md TIM-3).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vbusmodel/calib.h"

#define CAL_REPS 5 /* default repetitions (--reps) */
#define CAL_MAX_REPS VM_CAL_MAX_REPS

enum { C_O_OUT = SIM_O_LAST, C_O_QUICK, C_O_REPS };

int cmd_calibrate(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "out", required_argument, NULL, 'o' },
					      { "quick", no_argument, NULL, C_O_QUICK },
					      { "reps", required_argument, NULL, C_O_REPS },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("calibrate");
	const char *out = NULL;
	int quick = 0, reps = CAL_REPS, id;
	unsigned u;

	opterr = 0;
	while ((id = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (id) {
		case 'h':
			printf("usage: vbus-model calibrate [-o|--out FILE] [--quick] [--reps N]\n"
			       "Measure this machine's costs with micro-benchmarks on two pinned threads and write a\n"
			       "parameter file (JSON, what --params reads; stdout without --out): line_transfer,\n"
			       "line_stream, barrier_full, doorbell, wakeup, produce_per_msg, handler_per_msg,\n"
			       "poll_interval, produce_per_call, handler_per_call (libvbus's own CPU path, one\n"
			       "thread, cache-hot), membarrier, spin_budget (libvbus's own adaptive budget, from its\n"
			       "wake-ups with the waker running), desched_interval and desched_len (how often and how\n"
			       "long a thread on each CPU loses it while the other runs past the spin budget),\n"
			       "produce_remote_msg and produce_remote_call (libvbus's send path into lines the peer\n"
			       "holds) and produce_stream_call (its single-message send call while the peer drains),\n"
			       "in cycles of the model's nominal 3 GHz core (docs/spec/06-timing.md\n"
			       "TIM-3). Each benchmark runs in timed batches after a warm-up; a repetition's figure\n"
			       "is the median of its batches (a descheduled thread spoils a batch, not the figure),\n"
			       "the parameter the median of the repetitions. \"spread\" gives, per parameter, the\n"
			       "lowest and highest repetition figure; \"calibration\" the repetitions, batches and\n"
			       "the 1-minute load average before and after.\n"
			       "  --reps N  repetitions, 1 to %d (default %d)\n"
			       "  --quick   a fifth of the batches (a smoke run)\n"
			       "Run it on a quiet machine: the figures are what the CPUs did meanwhile.\n",
			       CAL_MAX_REPS, CAL_REPS);
			return 0;
		case 'o':
			out = optarg;
			break;
		case C_O_QUICK:
			quick = 1;
			break;
		case C_O_REPS:
			if (vbus_parse_uint(prog, "--reps", optarg, 1, CAL_MAX_REPS, &u))
				return VBUS_EXIT_USAGE;
			reps = (int)u;
			break;
		default:
			return vbus_getopt_error(prog, id, argv[optind - 1], optopt);
		}
	}
	if (optind < argc)
		return vbus_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	struct vm_cal cal;
	char err[256];
	if (vm_calibrate(reps, quick, &cal, err, sizeof(err)))
		return vbus_fail(prog, "measure", err);
	struct vbus_out vo;
	FILE *f = stdout;
	if (out) {
		if (vbus_out_open(&vo, prog, out))
			return VBUS_EXIT_FAIL;
		f = vo.f;
	}
	vm_cal_write_json(f, &cal);
	if (out) {
		if (vbus_out_commit(&vo, prog))
			return VBUS_EXIT_FAIL;
		fprintf(stderr, "%s: wrote %s\n", prog, out);
	}
	fprintf(stderr, "%s: CPU path timed through %s\n", prog, vm_cal_cpu_path_lib());
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* vbus-model bench: events/s of the timing engine, states/s of the explorer, peak memory. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"

enum { B_O_JSON = SIM_O_LAST, B_O_DEPTH };

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "json", no_argument, NULL, B_O_JSON },
					      { "messages", required_argument, NULL, SIM_O_MESSAGES },
					      { "depth", required_argument, NULL, B_O_DEPTH },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("bench");
	struct sim_opts o;
	struct vm_sim_cfg *c = &o.c;
	int json = 0, id, rc;
	uint64_t depth = 4;

	sim_opts_default(&o);
	c->workload = VM_WL_POISSON;
	c->load = 2;
	c->messages = 2000000;
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (id) {
		case 'h':
			printf("usage: vbus-model bench [--json] [--messages N] [--depth N]\n"
			       "Benchmark (prints figures, asserts nothing): simulated events per second of the\n"
			       "timing engine (poisson load 2, block, shm-signal, N messages, 1 to %llu, default\n"
			       "2000000), states per second of the explorer (spec placement, depth N, 1 to %d,\n"
			       "default 4), and the peak resident memory. --json carries the configuration and\n"
			       "events_per_s, explorer_states_per_s, peak_rss_kb.\n",
			       SIM_MESSAGES_MAX, VM_EX_MAX_ITEMS);
			return 0;
		case B_O_JSON:
			json = 1;
			break;
		case SIM_O_MESSAGES:
			if ((rc = sim_opt_or_fail(prog, id, argv, &o)))
				return rc;
			break;
		case B_O_DEPTH:
			if (vbus_parse_u64(prog, "--depth", optarg, 1, VM_EX_MAX_ITEMS, &depth))
				return VBUS_EXIT_USAGE;
			break;
		default:
			return vbus_getopt_error(prog, id, argv[optind - 1], optopt);
		}
	}
	if ((rc = cli_no_operands(prog, argc, argv)))
		return rc;
	struct vm_report r;
	double t0 = vbus_now_s();
	rc = vm_sim_run(c, &r);
	double dt_sim = vbus_now_s() - t0;
	if (rc) {
		fprintf(stderr, "%s: simulation failed: %s\n", prog, strerror(-rc));
		return 1;
	}
	struct vm_explore_cfg ec = { .full_barriers = VM_BAR_ALL, .depth = (unsigned)depth, .south_cycle = 1 };
	struct vm_explore_result er;
	rc = vm_explore_run(&ec, &er, NULL);
	if (rc) {
		fprintf(stderr, "%s: explorer failed: %s\n", prog, strerror(-rc));
		return 1;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double eps = r.events / dt_sim, sps = er.states / er.seconds;
	if (json) {
		printf("{\"config\": {\"workload\": \"%s\", \"consumer\": \"%s\", \"mitigation\": \"%s\", "
		       "\"load\": %g, \"messages\": %llu, \"explorer_placement\": \"spec\", \"explorer_depth\": %llu},\n"
		       " \"events\": %llu, \"sim_seconds\": %.6f, \"events_per_s\": %.0f, \"messages\": %llu, "
		       "\"explorer_depth\": %llu, \"explorer_states\": %llu, \"explorer_seconds\": %.6f, "
		       "\"explorer_states_per_s\": %.0f, \"peak_rss_kb\": %ld}\n",
		       vm_workload_name(c->workload), vm_consumer_name(c->consumer), vm_mitigation_name(c->mitigation),
		       c->load, (unsigned long long)c->messages, (unsigned long long)depth,
		       (unsigned long long)r.events, dt_sim, eps, (unsigned long long)r.messages,
		       (unsigned long long)depth, (unsigned long long)er.states, er.seconds, sps, ru.ru_maxrss);
	} else {
		printf("timing engine: %llu events in %.3f s = %.2f M events/s (%llu messages, poisson load 2)\n",
		       (unsigned long long)r.events, dt_sim, eps / 1e6, (unsigned long long)r.messages);
		printf("explorer:      %llu states in %.3f s = %.2f M states/s (spec placement, depth %llu)\n",
		       (unsigned long long)er.states, er.seconds, sps / 1e6, (unsigned long long)depth);
		printf("peak RSS:      %ld KiB\n", ru.ru_maxrss);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-model run | params, and the simulation options shared by run, sweep and bench
 * (the configuration of the timing engine, docs/spec/06-timing.md).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void sim_opts_default(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	vm_sim_cfg_default(&o->c);
	o->clock_ghz = SIM_CLOCK_DEFAULT;
}

void sim_opts_help(FILE *f, const struct sim_opts *d)
{
	const struct vm_sim_cfg *c = &d->c;

	fprintf(f,
		"  --workload W      ping-pong | stream | bursty | poisson (default %s)\n"
		"  --consumer C      busy-poll | block | spin-then-block (default %s)\n"
		"  --messages N      messages to complete, 1 to %llu; round trips for ping-pong (default %llu)\n"
		"  --load X          offered load in messages per 1000 cycles, %g to %g, poisson and bursty\n"
		"                    (default %g)\n"
		"  --burst N         messages per burst, bursty, 1 to %u (default %u)\n"
		"  --batch N         most descriptors published per kick, 1 to %u (default %u)\n"
		"  --ring N          descriptors per ring, a power of two from %u to %u (default %u)\n"
		"  --seed N          seed of the poisson arrivals (default %llu)\n"
		"  --dir s2n|n2s     direction of the one-way workloads (default %s: %s)\n"
		"  --doorbell-traps  north->south doorbells cost vm_exit instead of doorbell\n"
		"  --param K=V       override a cost parameter of docs/spec/06-timing.md (repeatable)\n"
		"  --params FILE     override parameters from a JSON object {\"name\": number, ...}\n"
		"  --clock-ghz X     core clock for the ns figures printed next to cycles (default %g, §6)\n",
		vm_workload_name(c->workload), vm_consumer_name(c->consumer), SIM_MESSAGES_MAX,
		(unsigned long long)c->messages, SIM_LOAD_MIN, SIM_LOAD_MAX, c->load, SIM_BURST_MAX, c->burst,
		SIM_BATCH_MAX, c->batch, SIM_RING_MIN, SIM_RING_MAX, c->ring_count, (unsigned long long)c->seed,
		c->s2n ? "s2n" : "n2s", c->s2n ? "interrupts, as rx" : "doorbells, as tx", d->clock_ghz);
}

int sim_opt(const char *prog, int id, const char *v, struct sim_opts *o)
{
	struct vm_sim_cfg *c = &o->c;
	char err[512];
	unsigned u;
	int r;

	switch (id) {
	case SIM_O_TRAPS:
		c->doorbell_traps = 1;
		return 0;
	case SIM_O_WORKLOAD:
		if ((r = vm_workload_parse(v)) < 0)
			return vbus_usage_error(prog, "--workload '%s': not ping-pong, stream, bursty or poisson", v),
			       -1;
		c->workload = r;
		return 0;
	case SIM_O_CONSUMER:
		if ((r = vm_consumer_parse(v)) < 0)
			return vbus_usage_error(prog, "--consumer '%s': not busy-poll, block or spin-then-block", v),
			       -1;
		c->consumer = r;
		return 0;
	case SIM_O_LOAD:
		o->load_given = 1;
		return vbus_parse_double(prog, "--load", v, SIM_LOAD_MIN, SIM_LOAD_MAX, &c->load);
	case SIM_O_CLOCK:
		return vbus_parse_double(prog, "--clock-ghz", v, 0.001, 1000, &o->clock_ghz);
	case SIM_O_DIR:
		if (strcmp(v, "s2n") && strcmp(v, "n2s"))
			return vbus_usage_error(prog, "--dir '%s': not s2n or n2s", v), -1;
		c->s2n = !strcmp(v, "s2n");
		return 0;
	case SIM_O_PARAM:
		if (vm_param_parse(&c->p, v, err, sizeof(err)))
			return vbus_usage_error(prog, "--param: %s", err), -1;
		return 0;
	case SIM_O_PARAMS:
		if (vbus_check_input_file(prog, v, 1))
			return -2;
		if (vm_params_load_json(&c->p, v, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return -2;
		}
		return 0;
	case SIM_O_MESSAGES:
		return vbus_parse_u64(prog, "--messages", v, 1, SIM_MESSAGES_MAX, &c->messages);
	case SIM_O_SEED:
		return vbus_parse_u64(prog, "--seed", v, 0, UINT64_MAX, &c->seed);
	case SIM_O_BURST:
		if (vbus_parse_uint(prog, "--burst", v, 1, SIM_BURST_MAX, &u))
			return -1;
		c->burst = u;
		return 0;
	case SIM_O_BATCH:
		if (vbus_parse_uint(prog, "--batch", v, 1, SIM_BATCH_MAX, &u))
			return -1;
		c->batch = u;
		return 0;
	case SIM_O_RING:
		if (vbus_parse_uint(prog, "--ring", v, SIM_RING_MIN, SIM_RING_MAX, &u))
			return -1;
		if (u & (u - 1))
			return vbus_usage_error(prog, "--ring '%s': not a power of two from %u to %u", v, SIM_RING_MIN,
						SIM_RING_MAX),
			       -1;
		c->ring_count = u;
		return 0;
	}
	return 1;
}

int sim_opt_or_fail(const char *prog, int id, char **argv, struct sim_opts *o)
{
	int r = sim_opt(prog, id, optarg, o);

	if (r < 0)
		return sim_opt_exit(r);
	if (r > 0)
		return vbus_getopt_error(prog, id, argv[optind - 1], optopt);
	return 0;
}

int cli_no_operands(const char *prog, int argc, char **argv)
{
	return optind < argc ? vbus_usage_error(prog, "unexpected argument '%s'", argv[optind]) : 0;
}

static void report_header(FILE *f)
{
	fprintf(f, "%-12s %9s %11s %9s %8s %8s %8s %9s %10s %8s %9s\n", "mitigation", "messages", "cycles", "msg/kcyc",
		"lat_p50", "lat_p99", "lat_max", "doorbells", "interrupts", "spurious", "notif/msg");
}

static void report_row(FILE *f, const struct vm_sim_cfg *c, const struct vm_report *r)
{
	fprintf(f, "%-12s %9llu %11llu %9.3f %8llu %8llu %8llu %9llu %10llu %8llu %9.3f\n",
		vm_mitigation_name(c->mitigation), (unsigned long long)r->messages, (unsigned long long)r->cycles,
		r->throughput, (unsigned long long)r->lat_p50, (unsigned long long)r->lat_p99,
		(unsigned long long)r->lat_max, (unsigned long long)r->doorbells, (unsigned long long)r->interrupts,
		(unsigned long long)r->spurious, r->notif_per_msg);
	if (r->stranded)
		fprintf(f, "%-12s (%llu messages left below the event-index threshold: not a lost wakeup, IOQ-9)\n", "",
			(unsigned long long)r->stranded);
}

void report_json(FILE *f, const struct sim_opts *o, const struct vm_report *r)
{
	const struct vm_sim_cfg *c = &o->c;
	double ns = 1.0 / o->clock_ghz;

	fprintf(f,
		"{\"config\": {\"workload\": \"%s\", \"consumer\": \"%s\", \"mitigation\": \"%s\", "
		"\"messages\": %llu, \"load\": %g, \"burst\": %u, \"batch\": %u, \"ring\": %u, \"seed\": %llu, "
		"\"dir\": \"%s\", \"doorbell_traps\": %d, \"clock_ghz\": %g},\n"
		" \"workload\": \"%s\", \"consumer\": \"%s\", \"mitigation\": \"%s\", \"messages\": %llu, "
		"\"cycles\": %llu, \"throughput_per_kcycle\": %.6f, \"latency_p50_cycles\": %llu, "
		"\"latency_p99_cycles\": %llu, \"latency_max_cycles\": %llu, \"latency_p50_ns\": %.1f, "
		"\"latency_p99_ns\": %.1f, \"doorbells\": %llu, \"interrupts\": %llu, \"spurious\": %llu, "
		"\"suppressed\": %llu, \"notifications_per_message\": %.6f, \"stranded\": %llu, \"events\": %llu}",
		vm_workload_name(c->workload), vm_consumer_name(c->consumer), vm_mitigation_name(c->mitigation),
		(unsigned long long)c->messages, c->load, c->burst, c->batch, c->ring_count,
		(unsigned long long)c->seed, c->s2n ? "s2n" : "n2s", c->doorbell_traps, o->clock_ghz,
		vm_workload_name(c->workload), vm_consumer_name(c->consumer), vm_mitigation_name(c->mitigation),
		(unsigned long long)r->messages, (unsigned long long)r->cycles, r->throughput,
		(unsigned long long)r->lat_p50, (unsigned long long)r->lat_p99, (unsigned long long)r->lat_max,
		r->lat_p50 * ns, r->lat_p99 * ns, (unsigned long long)r->doorbells, (unsigned long long)r->interrupts,
		(unsigned long long)r->spurious, (unsigned long long)r->suppressed, r->notif_per_msg,
		(unsigned long long)r->stranded, (unsigned long long)r->events);
}

enum { RUN_O_JSON = SIM_O_LAST, RUN_O_MIT, RUN_O_TRACE };

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = { SIM_LONG_OPTIONS,
					      { "help", no_argument, NULL, 'h' },
					      { "json", no_argument, NULL, RUN_O_JSON },
					      { "mitigation", required_argument, NULL, RUN_O_MIT },
					      { "trace", required_argument, NULL, RUN_O_TRACE },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("run");
	struct sim_opts o;
	struct vm_sim_cfg *c = &o.c;
	int json = 0, all = 0, id, r;
	const char *trace = NULL;

	sim_opts_default(&o);
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (id) {
		case 'h': {
			struct sim_opts d;
			struct vm_params p;
			sim_opts_default(&d);
			printf("usage: vbus-model run [--mitigation M|all] [options] [--json] [--trace FILE]\n"
			       "Simulate a workload with the cycle-approximate timing engine and report messages,\n"
			       "throughput (messages per 1000 cycles), latency p50/p99/max in cycles, doorbells,\n"
			       "interrupts, spurious wake-ups and notifications per message.\n"
			       "  --mitigation M    none | shm-signal | event-index | moderation | all (default shm-signal)\n"
			       "  --json            one JSON object (an array with 'all'): the configuration and figures\n"
			       "  --trace FILE      write the run's §7 trace with @cycle stamps (not with 'all')\n");
			sim_opts_help(stdout, &d);
			printf("Parameters and defaults:\n");
			vm_params_default(&p);
			for (int k = 0; k < VM_NPARAMS; k++)
				printf("  %-16s %llu\n", vm_param_name(k), (unsigned long long)p.v[k]);
			return 0;
		}
		case RUN_O_JSON:
			json = 1;
			break;
		case RUN_O_MIT:
			if (!strcmp(optarg, "all"))
				all = 1;
			else if ((r = vm_mitigation_parse(optarg)) < 0)
				return vbus_usage_error(prog,
							"--mitigation '%s': not none, shm-signal, event-index, "
							"moderation or all",
							optarg);
			else
				c->mitigation = r, all = 0;
			break;
		case RUN_O_TRACE:
			trace = optarg;
			break;
		default:
			if ((r = sim_opt_or_fail(prog, id, argv, &o)))
				return r;
		}
	}
	if ((r = cli_no_operands(prog, argc, argv)))
		return r;
	if (trace && all)
		return vbus_usage_error(prog, "--trace needs one --mitigation, not 'all'");
	struct vbus_out tf;
	if (trace) {
		if (vbus_out_open(&tf, prog, trace))
			return 1;
		fprintf(tf.f, "vbus-trace 1\n# vbus-model run --workload %s --consumer %s --mitigation %s\n",
			vm_workload_name(c->workload), vm_consumer_name(c->consumer),
			vm_mitigation_name(c->mitigation));
		c->trace = tf.f;
	}
	if (!json)
		printf("workload %s, consumer %s, %llu %s%s; latency in cycles (%g GHz: 1 cycle = %.3f ns)\n",
		       vm_workload_name(c->workload), vm_consumer_name(c->consumer), (unsigned long long)c->messages,
		       c->workload == VM_WL_PINGPONG ? "round trips" : "messages",
		       c->workload == VM_WL_PINGPONG ? ""
		       : c->s2n			     ? " south->north"
						     : " north->south",
		       o.clock_ghz, 1.0 / o.clock_ghz);
	if (!json)
		report_header(stdout);
	else if (all)
		printf("[");
	int first = 1, rc = 0;
	for (int m = all ? 0 : c->mitigation; m < (all ? VM_MIT_COUNT : c->mitigation + 1); m++) {
		struct vm_report rep;
		c->mitigation = m;
		if ((rc = vm_sim_run(c, &rep))) {
			fprintf(stderr, "%s: simulation failed: %s\n", prog, strerror(-rc));
			break;
		}
		if (json) {
			printf("%s", first ? "" : ",\n ");
			report_json(stdout, &o, &rep);
		} else {
			report_row(stdout, c, &rep);
		}
		first = 0;
	}
	if (json)
		printf("%s\n", all ? "]" : "");
	if (trace) {
		if (rc) {
			vbus_out_abort(&tf);
			return 1;
		}
		if (vbus_out_commit(&tf, prog))
			return 1;
	}
	return rc ? 1 : 0;
}

int cmd_params(int argc, char **argv)
{
	static const struct option opts[] = { SIM_LONG_OPTIONS,
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("params");
	struct sim_opts o;
	int id, r;

	sim_opts_default(&o);
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (id == 'h') {
			printf("usage: vbus-model params [--param K=V]... [--params FILE]\n"
			       "Print the cost parameters (docs/spec/06-timing.md) after the overrides, as JSON that\n"
			       "--params accepts.\n");
			return 0;
		}
		if (id != SIM_O_PARAM && id != SIM_O_PARAMS)
			return vbus_getopt_error(prog, id, argv[optind - 1], optopt);
		if ((r = sim_opt_or_fail(prog, id, argv, &o)))
			return r;
	}
	if ((r = cli_no_operands(prog, argc, argv)))
		return r;
	printf("{\n");
	for (int k = 0; k < VM_NPARAMS; k++)
		printf("  \"%s\": %llu%s\n", vm_param_name(k), (unsigned long long)o.c.p.v[k],
		       k + 1 < VM_NPARAMS ? "," : "");
	printf("}\n");
	return 0;
}

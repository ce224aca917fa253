// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-model: the executable spec's command line.
 *   run, vectors, replay, explore, sweep, diff, bench, params; `--help` on each.
 * Exit status: 0 success, 1 failure (a vector failed, traces differ, an error),
 * 2 bad usage, 3 the explorer found a violation.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vbusmodel/explore.h"
#include "vbusmodel/runner.h"
#include "vbusmodel/timing.h"

#define EXIT_USAGE 2
#define EXIT_VIOLATION 3

static int is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help");
}

static int usage_err(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "vbus-model %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try 'vbus-model %s --help')\n", cmd);
	return EXIT_USAGE;
}

/* Parse an unsigned decimal/hex number fully; -1 when not one. */
static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_vectors(int argc, char **argv)
{
	const char *dir = NULL;
	char def[4096];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: vbus-model vectors [DIR|FILE.vec ...]\n"
			       "Replay every conformance vector through the model and compare with its expect block.\n"
			       "DIR defaults to $VBUS_SOURCE_DIR/docs/spec/vectors, else the source tree the binary was\n"
			       "built from. Prints PASS name / FAIL name: <first divergence> per vector and a final\n"
			       "'N passed, N failed' line. Exit 0 when all pass, 1 otherwise, 2 on bad usage.\n");
			return 0;
		}
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	if (argc <= 1) {
		const char *src = getenv("VBUS_SOURCE_DIR");
		snprintf(def, sizeof(def), "%s/docs/spec/vectors", src && *src ? src : VBUS_SOURCE_DIR_DEFAULT);
		dir = def;
	}
	for (int i = 1; i < argc || dir; i++) {
		const char *arg = dir ? dir : argv[i];
		size_t al = strlen(arg);
		DIR *d = al > 4 && !strcmp(arg + al - 4, ".vec") ? NULL : opendir(arg);
		if (!d && !(al > 4 && !strcmp(arg + al - 4, ".vec"))) {
			fprintf(stderr, "vbus-model vectors: %s: %s\n", arg, strerror(errno));
			return 2;
		}
		struct dirent *e;
		while (1) {
			char path[8192];
			if (d) {
				if (!(e = readdir(d)))
					break;
				size_t l = strlen(e->d_name);
				if (l < 5 || strcmp(e->d_name + l - 4, ".vec"))
					continue;
				snprintf(path, sizeof(path), "%s/%s", arg, e->d_name);
			} else {
				snprintf(path, sizeof(path), "%s", arg);
			}
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				char **nn = realloc(names, cap * sizeof(*nn));
				if (!nn)
					return 1;
				names = nn;
			}
			names[n++] = strdup(path);
			if (!d)
				break;
		}
		if (d)
			closedir(d);
		if (dir)
			break;
	}
	if (!n) {
		fprintf(stderr, "vbus-model vectors: no .vec files found\n");
		return 1;
	}
	qsort(names, n, sizeof(*names), by_name);
	unsigned pass = 0, fail = 0;
	for (size_t i = 0; i < n; i++) {
		char name[256], msg[1024];
		int rc = vm_check_vector_file(names[i], name, sizeof(name), msg, sizeof(msg));
		if (rc == 0) {
			printf("PASS %s\n", name);
			pass++;
		} else {
			printf("FAIL %s: %s\n", name, msg);
			fail++;
		}
		free(names[i]);
	}
	free(names);
	printf("%u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}


/* ---- options shared by run, sweep and bench: the simulation configuration ---- */
static const char sim_opts_help[] =
	"  --workload W      ping-pong | stream | bursty | poisson (default ping-pong)\n"
	"  --consumer C      busy-poll | block | spin-then-block (default block)\n"
	"  --messages N      messages to complete; round trips for ping-pong (default 10000)\n"
	"  --load X          offered load in messages per 1000 cycles, poisson and bursty (default 0.5)\n"
	"  --burst N         messages per burst, bursty (default 32)\n"
	"  --batch N         most descriptors published per kick (default 16)\n"
	"  --ring N          descriptors per ring, a power of two (default 256)\n"
	"  --seed N          seed of the poisson arrivals (default 1)\n"
	"  --dir s2n|n2s     direction of the one-way workloads (default s2n: interrupts, as rx)\n"
	"  --doorbell-traps  north->south doorbells cost vm_exit instead of doorbell\n"
	"  --param K=V       override a cost parameter of docs/spec/06-timing.md (repeatable)\n"
	"  --params FILE     override parameters from a JSON object {\"name\": number, ...}\n";

/* Consume one simulation option at argv[*i]. 1 consumed, 0 not a sim option, -1 error (printed). */
static int sim_opt(const char *cmd, int argc, char **argv, int *i, struct vm_sim_cfg *c)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	unsigned long long u;
	char err[512];
	int r;
	if (!strcmp(a, "--doorbell-traps")) {
		c->doorbell_traps = 1;
		return 1;
	}
	static const char *const with_val[] = { "--workload", "--consumer", "--messages", "--load",
						"--burst",    "--batch",    "--ring",	  "--seed",
						"--dir",      "--param",    "--params",	  NULL };
	int known = 0;
	for (int k = 0; with_val[k]; k++)
		known |= !strcmp(a, with_val[k]);
	if (!known)
		return 0;
	if (!v) {
		usage_err(cmd, "%s needs a value", a);
		return -1;
	}
	(*i)++;
	if (!strcmp(a, "--workload")) {
		if ((r = vm_workload_parse(v)) < 0)
			return usage_err(cmd, "unknown workload '%s'", v), -1;
		c->workload = r;
	} else if (!strcmp(a, "--consumer")) {
		if ((r = vm_consumer_parse(v)) < 0)
			return usage_err(cmd, "unknown consumer mode '%s'", v), -1;
		c->consumer = r;
	} else if (!strcmp(a, "--load")) {
		char *end;
		c->load = strtod(v, &end);
		if (*end || !(c->load > 0))
			return usage_err(cmd, "--load '%s' must be a positive number", v), -1;
	} else if (!strcmp(a, "--dir")) {
		if (strcmp(v, "s2n") && strcmp(v, "n2s"))
			return usage_err(cmd, "--dir '%s' must be s2n or n2s", v), -1;
		c->s2n = !strcmp(v, "s2n");
	} else if (!strcmp(a, "--param")) {
		if (vm_param_parse(&c->p, v, err, sizeof(err))) {
			fprintf(stderr, "vbus-model %s: %s\n", cmd, err);
			return -1;
		}
	} else if (!strcmp(a, "--params")) {
		if (vm_params_load_json(&c->p, v, err, sizeof(err))) {
			fprintf(stderr, "vbus-model %s: %s\n", cmd, err);
			return -1;
		}
	} else {
		if (parse_u64(v, &u) || u == 0 || u > 100000000ull)
			return usage_err(cmd, "'%s' must be a number from 1 to 100000000", v), -1;
		if (!strcmp(a, "--messages"))
			c->messages = u;
		else if (!strcmp(a, "--burst"))
			c->burst = (uint32_t)u;
		else if (!strcmp(a, "--batch"))
			c->batch = (uint32_t)u;
		else if (!strcmp(a, "--seed"))
			c->seed = u;
		else {
			if (u < 2 || u > 32768 || (u & (u - 1)))
				return usage_err(cmd, "--ring '%s' must be a power of two from 2 to 32768", v), -1;
			c->ring_count = (uint32_t)u;
		}
	}
	return 1;
}

static void report_header(FILE *f)
{
	fprintf(f, "%-12s %9s %11s %9s %8s %8s %8s %9s %10s %8s %9s\n", "mitigation", "messages", "cycles",
		"msg/kcyc", "lat_p50", "lat_p99", "lat_max", "doorbells", "interrupts", "spurious", "notif/msg");
}

static void report_row(FILE *f, const struct vm_sim_cfg *c, const struct vm_report *r)
{
	fprintf(f, "%-12s %9llu %11llu %9.3f %8llu %8llu %8llu %9llu %10llu %8llu %9.3f\n",
		vm_mitigation_name(c->mitigation), (unsigned long long)r->messages, (unsigned long long)r->cycles,
		r->throughput, (unsigned long long)r->lat_p50, (unsigned long long)r->lat_p99,
		(unsigned long long)r->lat_max, (unsigned long long)r->doorbells, (unsigned long long)r->interrupts,
		(unsigned long long)r->spurious, r->notif_per_msg);
	if (r->stranded)
		fprintf(f, "%-12s (%llu messages left below the event-index threshold: not a lost wakeup, IOQ-9)\n",
			"", (unsigned long long)r->stranded);
}

static void report_json(FILE *f, const struct vm_sim_cfg *c, const struct vm_report *r)
{
	fprintf(f,
		"{\"workload\": \"%s\", \"consumer\": \"%s\", \"mitigation\": \"%s\", \"messages\": %llu, "
		"\"cycles\": %llu, \"throughput_per_kcycle\": %.6f, \"latency_p50\": %llu, \"latency_p99\": %llu, "
		"\"latency_max\": %llu, \"doorbells\": %llu, \"interrupts\": %llu, \"spurious\": %llu, "
		"\"suppressed\": %llu, \"notifications_per_message\": %.6f, \"stranded\": %llu, \"events\": %llu}",
		vm_workload_name(c->workload), vm_consumer_name(c->consumer), vm_mitigation_name(c->mitigation),
		(unsigned long long)r->messages, (unsigned long long)r->cycles, r->throughput,
		(unsigned long long)r->lat_p50, (unsigned long long)r->lat_p99, (unsigned long long)r->lat_max,
		(unsigned long long)r->doorbells, (unsigned long long)r->interrupts, (unsigned long long)r->spurious,
		(unsigned long long)r->suppressed, r->notif_per_msg, (unsigned long long)r->stranded,
		(unsigned long long)r->events);
}

static int cmd_run(int argc, char **argv)
{
	struct vm_sim_cfg c;
	int json = 0, all = 0;
	const char *trace = NULL;
	vm_sim_cfg_default(&c);
	for (int i = 1; i < argc; i++) {
		int r;
		if (is_help(argv[i])) {
			printf("usage: vbus-model run [--mitigation M|all] [options] [--json] [--trace FILE]\n"
			       "Simulate a workload with the cycle-approximate timing engine and report messages,\n"
			       "throughput (messages per 1000 cycles), latency p50/p99/max in cycles, doorbells,\n"
			       "interrupts, spurious wake-ups and notifications per message.\n"
			       "  --mitigation M    none | shm-signal | event-index | moderation | all (default shm-signal)\n"
			       "  --json            one JSON object (an array with 'all')\n"
			       "  --trace FILE      write the run's §7 trace with @cycle stamps (not with 'all')\n"
			       "%sParameters and defaults:\n",
			       sim_opts_help);
			struct vm_params p;
			vm_params_default(&p);
			for (int k = 0; k < VM_NPARAMS; k++)
				printf("  %-16s %llu\n", vm_param_name(k), (unsigned long long)p.v[k]);
			return 0;
		}
		if ((r = sim_opt("run", argc, argv, &i, &c)) < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--mitigation") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "all"))
				all = 1;
			else if ((r = vm_mitigation_parse(argv[i])) < 0)
				return usage_err("run", "unknown mitigation '%s'", argv[i]);
			else
				c.mitigation = r;
		} else if (!strcmp(argv[i], "--trace") && i + 1 < argc) {
			trace = argv[++i];
		} else {
			return usage_err("run", "unknown or incomplete option '%s'", argv[i]);
		}
	}
	if (trace && all)
		return usage_err("run", "%s: --trace needs one mitigation, not 'all'", "--trace");
	FILE *tf = NULL;
	if (trace) {
		tf = fopen(trace, "w");
		if (!tf) {
			fprintf(stderr, "vbus-model run: %s: %s\n", trace, strerror(errno));
			return 1;
		}
		fprintf(tf, "vbus-trace 1\n# vbus-model run --workload %s --consumer %s --mitigation %s\n",
			vm_workload_name(c.workload), vm_consumer_name(c.consumer), vm_mitigation_name(c.mitigation));
		c.trace = tf;
	}
	if (!json)
		printf("workload %s, consumer %s, %llu %s%s\n", vm_workload_name(c.workload),
		       vm_consumer_name(c.consumer), (unsigned long long)c.messages,
		       c.workload == VM_WL_PINGPONG ? "round trips" : "messages",
		       c.workload == VM_WL_PINGPONG ? "" : c.s2n ? " south->north" : " north->south");
	if (!json)
		report_header(stdout);
	else if (all)
		printf("[");
	int first = 1, rc = 0;
	for (int m = all ? 0 : c.mitigation; m < (all ? VM_MIT_COUNT : c.mitigation + 1); m++) {
		struct vm_report rep;
		c.mitigation = m;
		if ((rc = vm_sim_run(&c, &rep))) {
			fprintf(stderr, "vbus-model run: simulation failed: %s\n", strerror(-rc));
			break;
		}
		if (json) {
			printf("%s", first ? "" : ",\n ");
			report_json(stdout, &c, &rep);
		} else {
			report_row(stdout, &c, &rep);
		}
		first = 0;
	}
	if (json)
		printf("%s\n", all ? "]" : "");
	if (tf && fclose(tf)) {
		fprintf(stderr, "vbus-model run: %s: %s\n", trace, strerror(errno));
		return 1;
	}
	return rc ? 1 : 0;
}

static int cmd_explore(int argc, char **argv)
{
	struct vm_explore_cfg c = { .full_barriers = VM_BAR_ALL, .depth = 2, .south_cycle = 1 };
	int quiet = 0;
	unsigned long long u;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			printf("usage: vbus-model explore [--placement P] [--depth N] [--no-cycle]\n"
			       "                          [--event-idx [--no-rearm|--lower-threshold] [--elide-evidx]]\n"
			       "                          [--max-states N] [--quiet]\n"
			       "Explore every interleaving of north (push + inject, N times) and south (enable, serve\n"
			       "doorbells with wakeup, once disable/poll/enable) under x86-TSO store buffers, with\n"
			       "state hashing. At every quiescent state check: no lost wakeup, no stranded pending,\n"
			       "no lost or duplicated ring entry; count spurious notifications (§0.4).\n"
			       "  --placement P   spec (every full barrier), 2009 (wmb at MB-PUBLISH, MB-INJECT,\n"
			       "                  MB-ENABLE, MB-DRAIN, MB-CLEAR), or\n"
			       "                  minus-MB-INJECT|ENABLE|DRAIN|CLEAR|ARM|PUBLISH\n"
			       "  --depth N       north's push+inject rounds, 1..%d (default 2)\n"
			       "  --no-cycle      south does not disable/poll/re-enable\n"
			       "  --event-idx     VBUS_IOQ_F_EVENT_IDX: north kicks (K1-K5), south's handler arms t=1\n"
			       "                  (A1-A4) after each drain and after polling (placement bit MB-ARM)\n"
			       "  --no-rearm      with --event-idx: south never re-arms (violates IOQ-11)\n"
			       "  --elide-evidx   with --event-idx: kicks use the SIG-12 dirty elision anyway (violates\n"
			       "                  SIG-12: shows why EVENT_IDX rings must not elide)\n"
			       "  --lower-threshold  with --event-idx: south starts armed for 2 and, enabled and\n"
			       "                  idle, re-arms for 1 (the case MB-ARM exists for)\n"
			       "  --max-states N  give up beyond N states (default 50000000)\n"
			       "  --quiet         do not print the counterexample\n"
			       "Exit 0: no violation; 3: a violation (the minimal counterexample is printed); 1: error.\n",
			       VM_EX_MAX_ITEMS);
			return 0;
		}
		if (!strcmp(argv[i], "--placement") && i + 1 < argc) {
			if (vm_explore_parse_placement(argv[++i], &c.full_barriers))
				return usage_err("explore", "unknown placement '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--depth") && i + 1 < argc) {
			if (parse_u64(argv[++i], &u) || u < 1 || u > VM_EX_MAX_ITEMS)
				return usage_err("explore", "--depth '%s' out of range", argv[i]);
			c.depth = (unsigned)u;
		} else if (!strcmp(argv[i], "--max-states") && i + 1 < argc) {
			if (parse_u64(argv[++i], &u) || !u)
				return usage_err("explore", "--max-states '%s' must be a positive number", argv[i]);
			c.max_states = u;
		} else if (!strcmp(argv[i], "--no-cycle")) {
			c.south_cycle = 0;
		} else if (!strcmp(argv[i], "--event-idx")) {
			c.event_idx = 1;
		} else if (!strcmp(argv[i], "--elide-evidx")) {
			c.elide_evidx = 1;
		} else if (!strcmp(argv[i], "--no-rearm")) {
			c.no_rearm = 1;
		} else if (!strcmp(argv[i], "--lower-threshold")) {
			c.lower_threshold = 1;
		} else if (!strcmp(argv[i], "--quiet")) {
			quiet = 1;
		} else {
			return usage_err("explore", "unknown or incomplete option '%s'", argv[i]);
		}
	}
	struct vm_explore_result r;
	char pname[64];
	const char *pn = vm_explore_placement_name(c.full_barriers, pname, sizeof(pname));
	int rc = vm_explore_run(&c, &r, quiet ? NULL : stdout);
	if (rc == -EINVAL) {
		fprintf(stderr, "vbus-model explore: --no-rearm, --lower-threshold and --elide-evidx need "
				"--event-idx; --no-rearm and --lower-threshold exclude each other\n");
		return EXIT_USAGE;
	}
	if (rc) {
		fprintf(stderr, "vbus-model explore: %s after %llu states\n",
			rc == -E2BIG ? "state limit reached" : strerror(-rc), (unsigned long long)r.states);
		return 1;
	}
	printf("placement %s, depth %u%s%s: %llu states, %llu transitions, %llu quiescent states checked, "
	       "%llu violations (%.3f s, %.0f states/s)\n",
	       pn, c.depth, c.south_cycle ? "" : " (no south cycle)",
	       !c.event_idx	    ? ""
	       : c.elide_evidx	    ? " (event index, kicks elide)"
	       : c.no_rearm	    ? " (event index, no re-arm)"
	       : c.lower_threshold ? " (event index, threshold lowered)"
				    : " (event index)",
	       (unsigned long long)r.states,
	       (unsigned long long)r.transitions, (unsigned long long)r.quiescent, (unsigned long long)r.violations,
	       r.seconds, r.seconds > 0 ? r.states / r.seconds : 0.0);
	printf("spurious notifications: %llu quiescent states reached after one or more, at most %u on one path; "
	       "deepest store buffer %u\n",
	       (unsigned long long)r.spurious_states, r.max_spurious, r.max_sb);
	return r.violations ? EXIT_VIOLATION : 0;
}

static int cmd_replay(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			printf("usage: vbus-model replay FILE.vec [-o TRACE]\n"
			       "Run one conformance vector through the model and write the trace it produces\n"
			       "(§7 format) to TRACE or stdout, whatever its expect block says.\n");
			return 0;
		}
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!in && argv[i][0] != '-')
			in = argv[i];
		else
			return usage_err("replay", "unexpected argument '%s'", argv[i]);
	}
	if (!in)
		return usage_err("replay", "%s", "needs a vector file");
	struct vbus_vector v;
	struct vbus_trace t = { 0 };
	char err[1024];
	if (vbus_vec_parse_file(in, &v, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	int rc = vm_run_vector(&v, &t, err, sizeof(err));
	vbus_vec_free(&v);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		vbus_trace_free(&t);
		return 1;
	}
	FILE *f = out ? fopen(out, "w") : stdout;
	if (!f) {
		fprintf(stderr, "vbus-model replay: %s: %s\n", out, strerror(errno));
		vbus_trace_free(&t);
		return 1;
	}
	rc = vbus_trace_write(f, &t);
	vbus_trace_free(&t);
	if ((out && fclose(f)) || rc) {
		fprintf(stderr, "vbus-model replay: writing %s failed\n", out ? out : "stdout");
		return 1;
	}
	return 0;
}

static int cmd_diff(int argc, char **argv)
{
	const char *a = NULL, *b = NULL;
	long tol = -1;
	unsigned long long u;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			printf("usage: vbus-model diff EXPECTED ACTUAL [--cycles TOL]\n"
			       "Compare two §7 traces record by record (TRC-1) and report the first divergence as\n"
			       "'step <n>: field <name>: expected <a>, actual <b>'. Cycle stamps are ignored unless\n"
			       "--cycles gives a tolerance. Exit 0 agree, 1 differ, 2 bad usage or unreadable file.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--cycles") && i + 1 < argc) {
			if (parse_u64(argv[++i], &u) || u > 1000000000ull)
				return usage_err("diff", "--cycles '%s' must be a number", argv[i]);
			tol = (long)u;
		} else if (!a && argv[i][0] != '-') {
			a = argv[i];
		} else if (!b && argv[i][0] != '-') {
			b = argv[i];
		} else {
			return usage_err("diff", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!a || !b)
		return usage_err("diff", "%s", "needs two trace files");
	struct vbus_trace ta = { 0 }, tb = { 0 };
	char err[1024];
	if (vbus_trace_read_file(a, &ta, err, sizeof(err)) || vbus_trace_read_file(b, &tb, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		vbus_trace_free(&ta);
		vbus_trace_free(&tb);
		return EXIT_USAGE;
	}
	int rc = vbus_trace_compare(&ta, &tb, tol, err, sizeof(err));
	if (rc)
		printf("%s\n", err);
	else
		printf("traces agree: %zu records\n", ta.n);
	vbus_trace_free(&ta);
	vbus_trace_free(&tb);
	return rc ? 1 : 0;
}

static int have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char buf[4096];
	if (!path)
		return 0;
	for (const char *p = path; *p;) {
		size_t l = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)l, p);
		if (!access(buf, X_OK))
			return 1;
		p += l + (p[l] == ':');
	}
	return 0;
}

static int cmd_sweep(int argc, char **argv)
{
	struct vm_sim_cfg c;
	const char *out = "vbus-sweep";
	const char *loads_arg = "0.02,0.05,0.1,0.2,0.5,1,2,5,10";
	vm_sim_cfg_default(&c);
	c.workload = VM_WL_POISSON;
	c.messages = 5000;
	for (int i = 1; i < argc; i++) {
		int r;
		if (is_help(argv[i])) {
			printf("usage: vbus-model sweep [--out PREFIX] [--loads L1,L2,...] [options]\n"
			       "Sweep the offered load for every mitigation mode and write PREFIX.csv (default\n"
			       "./vbus-sweep.csv); with gnuplot installed also PREFIX.png: notifications per message\n"
			       "and latency p50 versus offered load, one curve per mitigation.\n"
			       "  --loads LIST      offered loads, messages per 1000 cycles (default %s)\n"
			       "%s(defaults here: --workload poisson --messages 5000)\n",
			       loads_arg, sim_opts_help);
			return 0;
		}
		if ((r = sim_opt("sweep", argc, argv, &i, &c)) < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--loads") && i + 1 < argc)
			loads_arg = argv[++i];
		else
			return usage_err("sweep", "unknown or incomplete option '%s'", argv[i]);
	}
	double loads[64];
	int nl = 0;
	char lbuf[1024];
	snprintf(lbuf, sizeof(lbuf), "%s", loads_arg);
	for (char *save = NULL, *t = strtok_r(lbuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		if (nl == 64)
			return usage_err("sweep", "%s: at most 64 loads", "--loads");
		loads[nl] = strtod(t, &end);
		if (*end || !(loads[nl] > 0))
			return usage_err("sweep", "load '%s' must be a positive number", t);
		nl++;
	}
	if (!nl)
		return usage_err("sweep", "%s: empty list", "--loads");
	char csv[4096], png[4096];
	snprintf(csv, sizeof(csv), "%s.csv", out);
	snprintf(png, sizeof(png), "%s.png", out);
	FILE *f = fopen(csv, "w");
	if (!f) {
		fprintf(stderr, "vbus-model sweep: %s: %s\n", csv, strerror(errno));
		return 1;
	}
	fprintf(f, "mitigation,load,messages,throughput_per_kcycle,notifications_per_message,latency_p50,"
		   "latency_p99,latency_max,doorbells,interrupts,spurious\n");
	for (int m = 0; m < VM_MIT_COUNT; m++) {
		for (int l = 0; l < nl; l++) {
			struct vm_report r;
			c.mitigation = m;
			c.load = loads[l];
			int rc = vm_sim_run(&c, &r);
			if (rc) {
				fclose(f);
				fprintf(stderr, "vbus-model sweep: simulation failed: %s\n", strerror(-rc));
				return 1;
			}
			fprintf(f, "%s,%g,%llu,%.6f,%.6f,%llu,%llu,%llu,%llu,%llu,%llu\n", vm_mitigation_name(m),
				loads[l], (unsigned long long)r.messages, r.throughput, r.notif_per_msg,
				(unsigned long long)r.lat_p50, (unsigned long long)r.lat_p99,
				(unsigned long long)r.lat_max, (unsigned long long)r.doorbells,
				(unsigned long long)r.interrupts, (unsigned long long)r.spurious);
		}
	}
	if (fclose(f)) {
		fprintf(stderr, "vbus-model sweep: %s: %s\n", csv, strerror(errno));
		return 1;
	}
	printf("wrote %s (%d mitigations x %d loads, %s, consumer %s)\n", csv, VM_MIT_COUNT, nl,
	       vm_workload_name(c.workload), vm_consumer_name(c.consumer));
	if (!have_gnuplot()) {
		printf("gnuplot not found in PATH: no plot (CSV only)\n");
		return 0;
	}
	FILE *g = popen("gnuplot", "w");
	if (!g) {
		fprintf(stderr, "vbus-model sweep: cannot start gnuplot: %s\n", strerror(errno));
		return 1;
	}
	fprintf(g, "set terminal pngcairo size 1200,500 noenhanced\nset output '%s'\n"
		   "set datafile separator ','\nset key top left\nset logscale x\nset grid\n"
		   "set multiplot layout 1,2 title 'vbus-model sweep: %s, consumer %s'\n",
		png, vm_workload_name(c.workload), vm_consumer_name(c.consumer));
	const char *ylab[2] = { "notifications per message", "latency p50 (cycles)" };
	int col[2] = { 5, 6 };
	for (int k = 0; k < 2; k++) {
		fprintf(g, "set xlabel 'offered load (messages per 1000 cycles)'\nset ylabel '%s'\n%s", ylab[k],
			k ? "set logscale y\n" : "unset logscale y\n");
		fprintf(g, "plot ");
		for (int m = 0; m < VM_MIT_COUNT; m++)
			fprintf(g, "%s'%s' using (strcol(1) eq '%s' ? $2 : NaN):%d with linespoints title '%s'",
				m ? ", " : "", csv, vm_mitigation_name(m), col[k], vm_mitigation_name(m));
		fprintf(g, "\n");
	}
	fprintf(g, "unset multiplot\n");
	int st = pclose(g);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		/* pngcairo may be missing in gnuplot-nox builds: fall back to the png terminal */
		g = popen("gnuplot", "w");
		if (!g)
			return 1;
		fprintf(g, "set terminal png size 1200,500\nset output '%s'\nset datafile separator ','\n"
			   "set logscale x\nset multiplot layout 1,2\n", png);
		for (int k = 0; k < 2; k++) {
			fprintf(g, "set ylabel '%s'\n%splot ", ylab[k], k ? "set logscale y\n" : "");
			for (int m = 0; m < VM_MIT_COUNT; m++)
				fprintf(g, "%s'%s' using (strcol(1) eq '%s' ? $2 : NaN):%d with linespoints title '%s'",
					m ? ", " : "", csv, vm_mitigation_name(m), col[k], vm_mitigation_name(m));
			fprintf(g, "\n");
		}
		fprintf(g, "unset multiplot\n");
		st = pclose(g);
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "vbus-model sweep: gnuplot failed to draw %s\n", png);
			return 1;
		}
	}
	printf("wrote %s\n", png);
	return 0;
}

static int cmd_bench(int argc, char **argv)
{
	struct vm_sim_cfg c;
	int json = 0;
	unsigned long long u, depth = 4;
	vm_sim_cfg_default(&c);
	c.workload = VM_WL_POISSON;
	c.load = 2;
	c.messages = 2000000;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			printf("usage: vbus-model bench [--json] [--messages N] [--depth N]\n"
			       "Benchmark (prints figures, asserts nothing): simulated events per second of the\n"
			       "timing engine (poisson load 2, block, shm-signal, N messages, default 2000000),\n"
			       "states per second of the explorer (spec placement, depth N, default 4), and the\n"
			       "peak resident memory. --json carries events_per_s, explorer_states_per_s, peak_rss_kb.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--messages") && i + 1 < argc && !parse_u64(argv[i + 1], &u) && u &&
			 u <= 100000000ull)
			c.messages = u, i++;
		else if (!strcmp(argv[i], "--depth") && i + 1 < argc && !parse_u64(argv[i + 1], &u) && u >= 1 &&
			 u <= VM_EX_MAX_ITEMS)
			depth = u, i++;
		else
			return usage_err("bench", "unknown, incomplete or out-of-range option '%s'", argv[i]);
	}
	struct vm_report r;
	double t0 = now_s();
	int rc = vm_sim_run(&c, &r);
	double dt_sim = now_s() - t0;
	if (rc) {
		fprintf(stderr, "vbus-model bench: simulation failed: %s\n", strerror(-rc));
		return 1;
	}
	struct vm_explore_cfg ec = { .full_barriers = VM_BAR_ALL, .depth = (unsigned)depth, .south_cycle = 1 };
	struct vm_explore_result er;
	rc = vm_explore_run(&ec, &er, NULL);
	if (rc) {
		fprintf(stderr, "vbus-model bench: explorer failed: %s\n", strerror(-rc));
		return 1;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double eps = r.events / dt_sim, sps = er.states / er.seconds;
	if (json) {
		printf("{\"events\": %llu, \"sim_seconds\": %.6f, \"events_per_s\": %.0f, \"messages\": %llu, "
		       "\"explorer_depth\": %llu, \"explorer_states\": %llu, \"explorer_seconds\": %.6f, "
		       "\"explorer_states_per_s\": %.0f, \"peak_rss_kb\": %ld}\n",
		       (unsigned long long)r.events, dt_sim, eps, (unsigned long long)r.messages, depth,
		       (unsigned long long)er.states, er.seconds, sps, ru.ru_maxrss);
	} else {
		printf("timing engine: %llu events in %.3f s = %.2f M events/s (%llu messages, poisson load 2)\n",
		       (unsigned long long)r.events, dt_sim, eps / 1e6, (unsigned long long)r.messages);
		printf("explorer:      %llu states in %.3f s = %.2f M states/s (spec placement, depth %llu)\n",
		       (unsigned long long)er.states, er.seconds, sps / 1e6, depth);
		printf("peak RSS:      %ld KiB\n", ru.ru_maxrss);
	}
	return 0;
}

static int cmd_params(int argc, char **argv)
{
	struct vm_sim_cfg c;
	vm_sim_cfg_default(&c);
	for (int i = 1; i < argc; i++) {
		int r;
		if (is_help(argv[i])) {
			printf("usage: vbus-model params [--param K=V]... [--params FILE]\n"
			       "Print the cost parameters (docs/spec/06-timing.md) after the overrides, as JSON that\n"
			       "--params accepts.\n");
			return 0;
		}
		if ((r = sim_opt("params", argc, argv, &i, &c)) < 0)
			return EXIT_USAGE;
		if (!r)
			return usage_err("params", "unknown option '%s'", argv[i]);
	}
	printf("{\n");
	for (int k = 0; k < VM_NPARAMS; k++)
		printf("  \"%s\": %llu%s\n", vm_param_name(k), (unsigned long long)c.p.v[k],
		       k + 1 < VM_NPARAMS ? "," : "");
	printf("}\n");
	return 0;
}

static void main_usage(FILE *f)
{
	fprintf(f, "usage: vbus-model <command> [options]   (vbus-model <command> --help for each)\n"
		   "  run       simulate a workload with the timing engine; table or --json report\n"
		   "  vectors   replay every conformance vector (docs/spec/vectors) and check its trace\n"
		   "  replay    run one vector and print the model's trace\n"
		   "  explore   exhaustive interleaving search under TSO: --placement spec|2009\n"
		   "  sweep     offered-load sweep of every mitigation to CSV (and PNG with gnuplot)\n"
		   "  diff      first divergence between two traces\n"
		   "  bench     events/s of the timing engine, states/s of the explorer, peak memory\n"
		   "  params    print the cost parameters (after --param/--params overrides)\n");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = { { "run", cmd_run },     { "vectors", cmd_vectors }, { "replay", cmd_replay },
		     { "explore", cmd_explore }, { "sweep", cmd_sweep }, { "diff", cmd_diff },
		     { "bench", cmd_bench }, { "params", cmd_params } };
	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		main_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vbus-model: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return EXIT_USAGE;
}

// SPDX-License-Identifier: GPL-2.0
/* vbus-model explore: exhaustive interleaving search under x86-TSO (model/src/explore.c). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "explore_core.h"

/*
 * --impl model|core (anywhere on the line): take it out of argv. core hands the rest of the line
 * to the production-core explorer (model/explore-core), which parses its own options.
 * 0 model, 1 core, -1 a bad or missing value.
 */
static int explore_take_impl(int *argc, char **argv, const char **bad)
{
	int impl = 0;

	for (int i = 1; i < *argc; i++) {
		const char *v = NULL;
		int n = 1;

		if (!strcmp(argv[i], "--"))
			break;
		if (!strncmp(argv[i], "--impl=", 7)) {
			v = argv[i] + 7;
		} else if (!strcmp(argv[i], "--impl")) {
			n = 2;
			v = i + 1 < *argc ? argv[i + 1] : NULL;
		} else {
			continue;
		}
		*bad = v ? v : "(missing)";
		if (!v || (strcmp(v, "model") && strcmp(v, "core")))
			return -1;
		impl = !strcmp(v, "core");
		memmove(&argv[i], &argv[i + n], (size_t)(*argc - i - n + 1) * sizeof(*argv));
		*argc -= n;
		i--;
	}
	return impl;
}

enum {
	EX_O_PLACEMENT = 0x100,
	EX_O_DEPTH,
	EX_O_MAX,
	EX_O_NOCYCLE,
	EX_O_EVIDX,
	EX_O_ELIDE,
	EX_O_NOREARM,
	EX_O_LOWER,
	EX_O_QUIET,
	EX_O_ASYM,
	EX_O_JSON
};

struct ex_progress {
	struct vbus_progress p;
	unsigned depth;
};

/* The explorer's progress hook: a line on stderr (docs/cli.md, "Progress"). */
static void ex_progress(void *arg, uint64_t found, uint64_t explored)
{
	struct ex_progress *e = arg;

	vbus_progress(&e->p, 0, 0, "depth %u: %llu states found, %llu explored", e->depth, (unsigned long long)found,
		      (unsigned long long)explored);
}

static const char *ex_bool(int v)
{
	return v ? "true" : "false";
}

/* --json: the configuration and the figures (key names of docs/cli.md). */
static void ex_print_json(const struct vm_explore_cfg *c, const char *placement, const struct vm_explore_result *r)
{
	printf("{\n  \"config\": { \"impl\": \"model\", \"placement\": \"%s\", \"depth\": %u, \"south_cycle\": %s, "
	       "\"event_idx\": %s, \"no_rearm\": %s, \"lower_threshold\": %s, \"elide_evidx\": %s, \"asym\": %s, "
	       "\"max_states\": %llu },\n",
	       placement, c->depth, ex_bool(c->south_cycle), ex_bool(c->event_idx), ex_bool(c->no_rearm),
	       ex_bool(c->lower_threshold), ex_bool(c->elide_evidx), ex_bool(c->asym),
	       (unsigned long long)(c->max_states ? c->max_states : 50000000ull));
	printf("  \"states\": %llu,\n  \"transitions\": %llu,\n  \"quiescent\": %llu,\n  \"violations\": %llu,\n"
	       "  \"spurious_states\": %llu,\n  \"max_spurious\": %u,\n  \"max_store_buffer\": %u,\n"
	       "  \"seconds\": %.6f,\n  \"explorer_states_per_s\": %.1f\n}\n",
	       (unsigned long long)r->states, (unsigned long long)r->transitions, (unsigned long long)r->quiescent,
	       (unsigned long long)r->violations, (unsigned long long)r->spurious_states, r->max_spurious, r->max_sb,
	       r->seconds, r->seconds > 0 ? r->states / r->seconds : 0.0);
}

int cmd_explore(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "placement", required_argument, NULL, EX_O_PLACEMENT },
					      { "depth", required_argument, NULL, EX_O_DEPTH },
					      { "max-states", required_argument, NULL, EX_O_MAX },
					      { "no-cycle", no_argument, NULL, EX_O_NOCYCLE },
					      { "event-idx", no_argument, NULL, EX_O_EVIDX },
					      { "elide-evidx", no_argument, NULL, EX_O_ELIDE },
					      { "no-rearm", no_argument, NULL, EX_O_NOREARM },
					      { "lower-threshold", no_argument, NULL, EX_O_LOWER },
					      { "quiet", no_argument, NULL, EX_O_QUIET },
					      { "asym", no_argument, NULL, EX_O_ASYM },
					      { "json", no_argument, NULL, EX_O_JSON },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("explore"), *bad = NULL;
	struct vm_explore_cfg c = { .full_barriers = VM_BAR_ALL, .depth = 2, .south_cycle = 1 };
	int quiet = 0, json = 0, id;
	uint64_t u;

	switch (explore_take_impl(&argc, argv, &bad)) {
	case -1:
		return vbus_usage_error(prog, "--impl '%s': not model or core", bad);
	case 1:
		return vbus_explore_core_main("vbus-model explore --impl core", argc, argv);
	}
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (id) {
		case 'h':
			printf("usage: vbus-model explore [--impl model] [--placement P] [--depth N] [--no-cycle]\n"
			       "                          [--event-idx [--no-rearm|--lower-threshold] [--elide-evidx]]\n"
			       "                          [--asym] [--max-states N] [--quiet] [--json]\n"
			       "Explore every interleaving of north (push + inject, N times) and south (enable, serve\n"
			       "doorbells with wakeup, once disable/poll/enable) under x86-TSO store buffers, with\n"
			       "state hashing. At every quiescent state check: no lost wakeup, no stranded pending,\n"
			       "no lost or duplicated ring entry; count spurious notifications (§0.4).\n"
			       "  --impl core     explore the production kernel/core (and libvbus's wait loop) instead:\n"
			       "                  its options follow (vbus-model explore --impl core --help)\n"
			       "  --placement P   spec (every full barrier), 2009 (wmb at MB-PUBLISH, MB-INJECT,\n"
			       "                  MB-ENABLE, MB-DRAIN, MB-CLEAR), or\n"
			       "                  minus-MB-INJECT|ENABLE|DRAIN|CLEAR|ARM|PUBLISH\n"
			       "  --depth N       north's push+inject rounds, 1 to %d (default 2)\n"
			       "  --no-cycle      south does not disable/poll/re-enable\n"
			       "  --event-idx     VBUS_IOQ_F_EVENT_IDX: north kicks (K1-K5), south's handler arms t=1\n"
			       "                  (A1-A4) after each drain and after polling (placement bit MB-ARM)\n"
			       "  --no-rearm      with --event-idx: south never re-arms (violates IOQ-11)\n"
			       "  --elide-evidx   with --event-idx: kicks use the SIG-12 dirty elision anyway (violates\n"
			       "                  SIG-12: shows why EVENT_IDX rings must not elide)\n"
			       "  --lower-threshold  with --event-idx: south starts armed for 2 and, enabled and\n"
			       "                  idle, re-arms for 1 (the case MB-ARM exists for)\n"
			       "  --asym          the asymmetric barrier (SIG-14, ring flag VBUS_IOQ_F_ASYM_MB): north's\n"
			       "                  kick never elides and returns without a fence when it reads south\n"
			       "                  disabled (IA); south's MB-ENABLE is membarrier() (it drains north's\n"
			       "                  store buffer too)\n"
			       "  --max-states N  give up beyond N states, 1 to 2^40 (default 50000000)\n"
			       "  --quiet         do not print the counterexample\n"
			       "  --json          one JSON object on stdout: \"config\" and the figures (states, transitions,\n"
			       "                  quiescent, violations, spurious_states, max_spurious, max_store_buffer,\n"
			       "                  seconds, explorer_states_per_s); the counterexample goes to stderr\n"
			       "A progress line (states found and explored) goes to stderr on long runs.\n"
			       "Exit 0: no violation; 3: a violation (the minimal counterexample is printed); 1: error;\n"
			       "2: bad usage.\n",
			       VM_EX_MAX_ITEMS);
			return 0;
		case EX_O_PLACEMENT:
			if (vm_explore_parse_placement(optarg, &c.full_barriers))
				return vbus_usage_error(prog, "--placement '%s': not spec, 2009 or minus-MB-<name>",
							optarg);
			break;
		case EX_O_DEPTH:
			if (vbus_parse_u64(prog, "--depth", optarg, 1, VM_EX_MAX_ITEMS, &u))
				return VBUS_EXIT_USAGE;
			c.depth = (unsigned)u;
			break;
		case EX_O_MAX:
			if (vbus_parse_u64(prog, "--max-states", optarg, 1, 1ull << 40, &u))
				return VBUS_EXIT_USAGE;
			c.max_states = u;
			break;
		case EX_O_NOCYCLE:
			c.south_cycle = 0;
			break;
		case EX_O_EVIDX:
			c.event_idx = 1;
			break;
		case EX_O_ELIDE:
			c.elide_evidx = 1;
			break;
		case EX_O_NOREARM:
			c.no_rearm = 1;
			break;
		case EX_O_LOWER:
			c.lower_threshold = 1;
			break;
		case EX_O_QUIET:
			quiet = 1;
			break;
		case EX_O_ASYM:
			c.asym = 1;
			break;
		case EX_O_JSON:
			json = 1;
			break;
		default:
			return vbus_getopt_error(prog, id, argv[optind - 1], optopt);
		}
	}
	if (optind < argc)
		return vbus_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	struct vm_explore_result r;
	char pname[64];
	const char *pn = vm_explore_placement_name(c.full_barriers, pname, sizeof(pname));
	struct ex_progress prog_line = { .depth = c.depth };

	vbus_progress_init(&prog_line.p, prog, 0);
	c.progress = ex_progress;
	c.progress_arg = &prog_line;
	int rc = vm_explore_run(&c, &r, quiet ? NULL : json ? stderr : stdout);
	vbus_progress_done(&prog_line.p);
	if (rc == -EINVAL)
		return vbus_usage_error(prog, "--no-rearm, --lower-threshold and --elide-evidx need --event-idx; "
					      "--no-rearm and --lower-threshold exclude each other");
	if (rc) {
		fprintf(stderr, "%s: %s after %llu states\n", prog,
			rc == -E2BIG ? "state limit reached (raise --max-states)" : strerror(-rc),
			(unsigned long long)r.states);
		return 1;
	}
	if (json) {
		ex_print_json(&c, pn, &r);
		return r.violations ? EXIT_VIOLATION : 0;
	}
	printf("placement %s%s, depth %u%s%s: %llu states, %llu transitions, %llu quiescent states checked, "
	       "%llu violations (%.3f s, %.0f states/s)\n",
	       pn, c.asym ? " (asymmetric)" : "", c.depth, c.south_cycle ? "" : " (no south cycle)",
	       !c.event_idx	   ? ""
	       : c.elide_evidx	   ? " (event index, kicks elide)"
	       : c.no_rearm	   ? " (event index, no re-arm)"
	       : c.lower_threshold ? " (event index, threshold lowered)"
				   : " (event index)",
	       (unsigned long long)r.states, (unsigned long long)r.transitions, (unsigned long long)r.quiescent,
	       (unsigned long long)r.violations, r.seconds, r.seconds > 0 ? r.states / r.seconds : 0.0);
	printf("spurious notifications: %llu quiescent states reached after one or more, at most %u on one path; "
	       "deepest store buffer %u\n",
	       (unsigned long long)r.spurious_states, r.max_spurious, r.max_sb);
	return r.violations ? EXIT_VIOLATION : 0;
}

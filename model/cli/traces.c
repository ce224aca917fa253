// SPDX-License-Identifier: GPL-2.0
/* vbus-model vectors | replay | diff: conformance vectors and §7 traces. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vbus_conform.h"

/* The model's adapter for the conformance driver (cosim/driver): the model shares format code only. */
static int model_adapter(void *ctx, const struct vbus_vector *v, struct vbus_trace *out, char *err, size_t errlen)
{
	(void)ctx;
	return vm_run_vector(v, out, err, errlen);
}

int cmd_vectors(int argc, char **argv)
{
	struct vbus_conform c = {
		.prog = cmd_prog("vectors"), .what = "the model", .run = model_adapter, .cycle_tol = -1
	};

	return vbus_conform_main(&c, argc, argv, VBUS_SOURCE_DIR_DEFAULT);
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "output", required_argument, NULL, 'o' },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("replay");
	const char *in = NULL, *out = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: vbus-model replay FILE.vec [-o TRACE]\n"
			       "Run one conformance vector through the model and write the trace it produces\n"
			       "(§7 format) to TRACE or stdout, whatever its expect block says.\n"
			       "  -o, --output TRACE  write here (to a temporary name, then renamed)\n");
			return 0;
		} else if (c == 'o') {
			out = optarg;
		} else {
			return vbus_getopt_error(prog, c, argv[optind - 1], optopt);
		}
	}
	if (optind >= argc)
		return vbus_usage_error(prog, "needs a vector file");
	if (optind + 1 < argc)
		return vbus_usage_error(prog, "unexpected argument '%s'", argv[optind + 1]);
	in = argv[optind];
	if (vbus_check_input_file(prog, in, 1))
		return 1;
	struct vbus_vector v;
	struct vbus_trace t = { 0 };
	char err[1024];
	if (vbus_vec_parse_file(in, &v, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	int rc = vm_run_vector(&v, &t, err, sizeof(err));
	vbus_vec_free(&v);
	if (rc) {
		fprintf(stderr, "%s: %s\n", prog, err);
		vbus_trace_free(&t);
		return 1;
	}
	if (!out) {
		rc = vbus_trace_write(stdout, &t);
		vbus_trace_free(&t);
		if (rc || fflush(stdout))
			return vbus_fail(prog, "stdout", "write failed");
		return 0;
	}
	struct vbus_out o;
	if (vbus_out_open(&o, prog, out)) {
		vbus_trace_free(&t);
		return 1;
	}
	rc = vbus_trace_write(o.f, &t);
	vbus_trace_free(&t);
	if (rc) {
		vbus_out_abort(&o);
		return vbus_fail(prog, out, "write failed");
	}
	return vbus_out_commit(&o, prog) ? 1 : 0;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "cycles", required_argument, NULL, 'c' },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("diff");
	long tol = -1;
	uint64_t u;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: vbus-model diff EXPECTED ACTUAL [--cycles TOL]\n"
			       "Compare two §7 traces record by record (TRC-1) and report the first divergence as\n"
			       "'step <n>: field <name>: expected <a>, actual <b>'. Cycle stamps are ignored unless\n"
			       "--cycles gives a tolerance (0 to 1000000000).\n"
			       "Exit status as diff(1): 0 agree, 1 differ, 2 bad usage or an unreadable/malformed file.\n");
			return 0;
		} else if (c == 'c') {
			if (vbus_parse_u64(prog, "--cycles", optarg, 0, 1000000000ull, &u))
				return VBUS_EXIT_USAGE;
			tol = (long)u;
		} else {
			return vbus_getopt_error(prog, c, argv[optind - 1], optopt);
		}
	}
	if (argc - optind != 2)
		return vbus_usage_error(prog, "needs two trace files, got %d", argc - optind);
	const char *a = argv[optind], *b = argv[optind + 1];
	if (vbus_check_input_file(prog, a, 1) || vbus_check_input_file(prog, b, 1))
		return VBUS_EXIT_USAGE;
	struct vbus_trace ta = { 0 }, tb = { 0 };
	char err[1024];
	if (vbus_trace_read_file(a, &ta, err, sizeof(err)) || vbus_trace_read_file(b, &tb, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		vbus_trace_free(&ta);
		vbus_trace_free(&tb);
		return VBUS_EXIT_USAGE;
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

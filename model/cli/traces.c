// SPDX-License-Identifier: GPL-2.0
/* vbus-model vectors | replay | diff: conformance vectors and §7 traces. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with_vec(const char *s)
{
	size_t l = strlen(s);

	return l > 4 && !strcmp(s + l - 4, ".vec");
}

static int add_name(char ***names, size_t *n, size_t *cap, const char *path)
{
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		char **nn = realloc(*names, nc * sizeof(*nn));
		if (!nn)
			return -1;
		*names = nn;
		*cap = nc;
	}
	if (!((*names)[*n] = strdup(path)))
		return -1;
	(*n)++;
	return 0;
}

/* Add DIR's *.vec files, or FILE itself. 0, or an exit status (message printed). */
static int collect(const char *prog, const char *arg, char ***names, size_t *n, size_t *cap)
{
	struct stat st;

	if (stat(arg, &st))
		return vbus_fail(prog, arg, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (vbus_check_input_file(prog, arg, 1))
			return 1;
		if (add_name(names, n, cap, arg))
			return vbus_fail(prog, arg, strerror(ENOMEM));
		return 0;
	}
	DIR *d = opendir(arg);
	if (!d)
		return vbus_fail(prog, arg, strerror(errno));
	for (struct dirent *e; (e = readdir(d));) {
		char path[8192];
		if (!ends_with_vec(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", arg, e->d_name);
		if (add_name(names, n, cap, path)) {
			closedir(d);
			return vbus_fail(prog, arg, strerror(ENOMEM));
		}
	}
	closedir(d);
	return 0;
}

int cmd_vectors(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("vectors");
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: vbus-model vectors [DIR|FILE.vec ...]\n"
			       "Replay every conformance vector through the model and compare with its expect block.\n"
			       "DIR defaults to $VBUS_SOURCE_DIR/docs/spec/vectors, else the source tree the binary was\n"
			       "built from. Prints PASS name / FAIL name: <first divergence> per vector and a final\n"
			       "'N passed, N failed' line. Exit 0 when all pass, 1 otherwise (or on an unreadable\n"
			       "file), 2 on bad usage.\n");
			return 0;
		}
		return vbus_getopt_error(prog, c, argv[optind - 1], optopt);
	}
	char **names = NULL, def[4096];
	size_t n = 0, cap = 0;
	int rc = 0;
	if (optind >= argc) {
		const char *src = getenv("VBUS_SOURCE_DIR");
		snprintf(def, sizeof(def), "%s/docs/spec/vectors", src && *src ? src : VBUS_SOURCE_DIR_DEFAULT);
		rc = collect(prog, def, &names, &n, &cap);
	}
	for (int i = optind; i < argc && !rc; i++)
		rc = collect(prog, argv[i], &names, &n, &cap);
	if (!rc && !n)
		rc = vbus_fail(prog, optind < argc ? argv[optind] : def, "no .vec files found");
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return rc;
	}
	qsort(names, n, sizeof(*names), by_name);
	unsigned pass = 0, fail = 0;
	for (size_t i = 0; i < n; i++) {
		char name[256], msg[1024];
		int r = vm_check_vector_file(names[i], name, sizeof(name), msg, sizeof(msg));
		if (r == 0) {
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

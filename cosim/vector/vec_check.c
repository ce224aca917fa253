// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-vec-check: parse conformance vectors and report the first format error
 * of each as file:line. Usage: vbus-vec-check [--min N] FILE.vec|DIR ...
 * Exit 0 when every file parses (and at least N did), 1 when not, 2 on bad usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vbus_vector.h"
#include "vbus_cli.h"

static int check_file(const char *path, unsigned *ok, unsigned *bad)
{
	struct vbus_vector v;
	char err[VBUS_VEC_ERR_LEN];
	int rc = vbus_vec_parse_file(path, &v, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "%s\n", err);
		(*bad)++;
		return rc;
	}
	printf("ok %s: %zu steps, %zu records\n", v.name, v.nsteps, v.expect.n);
	vbus_vec_free(&v);
	(*ok)++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_dir(const char *dir, unsigned *ok, unsigned *bad)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		fprintf(stderr, "vbus-vec-check: %s: %s\n", dir, strerror(errno));
		(*bad)++;
		return -errno;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".vec"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				closedir(d);
				free(names);
				return -ENOMEM;
			}
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		check_file(names[i], ok, bad);
		free(names[i]);
	}
	free(names);
	if (!n) {
		fprintf(stderr, "vbus-vec-check: %s: no .vec files\n", dir);
		(*bad)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "min", required_argument, NULL, 'm' },
					      { NULL, 0, NULL, 0 } };
	unsigned ok = 0, bad = 0;
	uint64_t min = 0;
	int c, first;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: vbus-vec-check [--min N] FILE.vec|DIR ...\n"
			       "Parse conformance vectors (the files given, or every *.vec of each DIR) and report the\n"
			       "first format error of each as file:line.\n"
			       "  --min N  fail unless at least N vectors parsed, 0 to 100000 (default 0)\n"
			       "Exit 0 every file parses (and at least N did), 1 when not, 2 bad usage.\n");
			return 0;
		}
		if (c == 'm') {
			if (vbus_parse_u64("vbus-vec-check", "--min", optarg, 0, 100000, &min))
				return VBUS_EXIT_USAGE;
			continue;
		}
		return vbus_getopt_error("vbus-vec-check", c, argv[optind - 1], optopt);
	}
	first = optind;
	if (first >= argc)
		return vbus_usage_error("vbus-vec-check", "needs a FILE.vec or DIR");
	for (int i = first; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "vbus-vec-check: %s: %s\n", argv[i], strerror(errno));
			bad++;
		} else if (S_ISDIR(st.st_mode)) {
			int ret = check_dir(argv[i], &ok, &bad);

			if (ret == -ENOMEM) { /* an unreadable dir was already reported and counted */
				fprintf(stderr, "vbus-vec-check: %s: %s\n", argv[i], strerror(-ret));
				bad++;
			}
		} else if (vbus_check_input_file("vbus-vec-check", argv[i], 1)) {
			bad++;
		} else {
			check_file(argv[i], &ok, &bad);
		}
	}
	printf("%u parsed, %u rejected\n", ok, bad);
	if (ok < min) {
		fprintf(stderr, "vbus-vec-check: only %u vectors parsed, at least %llu required\n", ok,
			(unsigned long long)min);
		return 1;
	}
	return bad ? 1 : 0;
}

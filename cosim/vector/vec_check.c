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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vbus_vector.h"

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
	unsigned ok = 0, bad = 0;
	unsigned long min = 0;
	int first = 1;

	if (argc >= 3 && !strcmp(argv[1], "--min")) {
		char *end;

		min = strtoul(argv[2], &end, 10);
		if (!argv[2][0] || *end) {
			fprintf(stderr, "vbus-vec-check: --min needs a number, not '%s'\n", argv[2]);
			return 2;
		}
		first = 3;
	}
	if (argc <= first || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		int help = argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"));

		fprintf(help ? stdout : stderr, "usage: vbus-vec-check [--min N] FILE.vec|DIR ...\n");
		return help ? 0 : 2;
	}
	for (int i = first; i < argc; i++) {
		if (argv[i][0] == '-') {
			fprintf(stderr, "vbus-vec-check: unknown option '%s'\n"
					"usage: vbus-vec-check [--min N] FILE.vec|DIR ...\n", argv[i]);
			return 2;
		}
	}
	for (int i = first; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "vbus-vec-check: %s: %s\n", argv[i], strerror(errno));
			bad++;
		} else if (S_ISDIR(st.st_mode)) {
			int ret = check_dir(argv[i], &ok, &bad);

			if (ret == -ENOMEM) {	/* an unreadable dir was already reported and counted */
				fprintf(stderr, "vbus-vec-check: %s: %s\n", argv[i], strerror(-ret));
				bad++;
			}
		} else {
			check_file(argv[i], &ok, &bad);
		}
	}
	printf("%u parsed, %u rejected\n", ok, bad);
	if (ok < min) {
		fprintf(stderr, "vbus-vec-check: only %u vectors parsed, at least %lu required\n", ok, min);
		return 1;
	}
	return bad ? 1 : 0;
}

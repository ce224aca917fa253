// SPDX-License-Identifier: GPL-2.0
/* vbus-model: the executable spec's command line (see `vbus-model --help`). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vbusmodel/explore.h"
#include "vbusmodel/runner.h"

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

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "vectors"))
		return cmd_vectors(argc - 1, argv + 1);
	fprintf(stderr, "usage: vbus-model vectors|explore ...\n");
	return 2;
}

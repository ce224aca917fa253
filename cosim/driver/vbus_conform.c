// SPDX-License-Identifier: GPL-2.0
/* vbus_conform: directory walk, replay, compare, report (see vbus_conform.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vbus_cli.h"
#include "vbus_conform.h"

#define VBUS_EXIT_PASS 0

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_add(char ***list, size_t *n, char *path)
{
	char **nl;

	if (!path)
		return -ENOMEM;
	nl = realloc(*list, (*n + 1) * sizeof(**list));
	if (!nl) {
		free(path);
		return -ENOMEM;
	}
	*list = nl;
	nl[(*n)++] = path;
	return 0;
}

int vbus_conform_collect(const char *path, char ***list, size_t *n)
{
	size_t first = *n;
	struct dirent *e;
	struct stat st;
	DIR *d;
	int ret = 0;

	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return list_add(list, n, strdup(path));
	d = opendir(path);
	if (!d)
		return -errno;
	while (!ret && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char *p;

		if (l < 5 || strcmp(e->d_name + l - 4, ".vec"))
			continue;
		ret = asprintf(&p, "%s/%s", path, e->d_name) < 0 ? -ENOMEM : list_add(list, n, p);
	}
	closedir(d);
	if (*n > first)
		qsort(*list + first, *n - first, sizeof(**list), by_name);
	return ret;
}

static int write_trace(const char *dir, const char *name, const struct vbus_trace *t)
{
	char path[4096];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s.trace", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = vbus_trace_write(f, t);
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

int vbus_conform_one(struct vbus_conform *c, const struct vbus_vector *v)
{
	struct vbus_trace t = { 0 };
	char msg[VBUS_VEC_ERR_LEN] = "";
	int ret = c->run(c->ctx, v, &t, msg, sizeof(msg));
	int verdict;

	if (ret == VBUS_CONFORM_NA) {
		printf("N/A %s: %s\n", v->name, msg);
		c->not_applicable++;
		vbus_trace_free(&t);
		return 2;
	}
	if (c->trace_dir) {
		int w = write_trace(c->trace_dir, v->name, &t);

		if (w && !ret) {
			snprintf(msg, sizeof(msg), "cannot write %s/%s.trace: %s", c->trace_dir, v->name, strerror(-w));
			ret = w;
		}
	}
	if (!ret)
		ret = vbus_trace_compare(&v->expect, &t, c->cycle_tol, msg, sizeof(msg));
	verdict = ret ? 1 : 0;
	if (verdict) {
		printf("FAIL %s: %s\n", v->name, msg);
		c->failed++;
	} else {
		if (!c->quiet)
			printf("PASS %s\n", v->name);
		c->passed++;
	}
	vbus_trace_free(&t);
	return verdict;
}

static void usage(const struct vbus_conform *c, FILE *f)
{
	fprintf(f,
		"usage: %s [-q] [--trace-out DIR] [--min N] [DIR|FILE.vec ...]\n"
		"Replay conformance vectors through %s and compare each trace with its expect block.\n"
		"DIR defaults to $VBUS_SOURCE_DIR/docs/spec/vectors, else the source tree the binary was built\n"
		"from. Prints 'PASS name', 'FAIL name: <first divergence>' or 'N/A name: <why>' per vector and\n"
		"'N passed, N failed' (', N not applicable' when some do not apply).\n"
		"  -q               no PASS lines\n"
		"  --trace-out DIR  write DIR/<name>.trace, the trace this implementation produced\n"
		"  --min N          fail unless at least N vectors passed\n"
		"Exit 0 every applicable vector passed, 1 a vector failed or an input is unreadable, 2 bad usage.\n",
		c->prog, c->what);
}

static int parse_flags(struct vbus_conform *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "trace-out", required_argument, NULL, 'o' },
		{ "min", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int o;

	for (int i = 1; i < argc; i++) /* --help wins, whatever else is on the line */
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(c, stdout);
			return -1;
		}
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (o) {
		case 'q':
			c->quiet = 1;
			break;
		case 'o':
			c->trace_dir = optarg;
			if (mkdir(optarg, 0777) && errno != EEXIST)
				return vbus_fail(c->prog, optarg, strerror(errno));
			break;
		case 'm':
			if (vbus_parse_u64(c->prog, "--min", optarg, 0, 100000, &v))
				return VBUS_EXIT_USAGE;
			c->min_pass = (unsigned long)v;
			break;
		default:
			return vbus_getopt_error(c->prog, o, argv[optind - 1], optopt);
		}
	}
	return 0;
}

int vbus_conform_main(struct vbus_conform *c, int argc, char **argv, const char *default_src)
{
	char **files = NULL, def[4096];
	size_t nfiles = 0;
	int ret, rc = VBUS_EXIT_PASS;

	ret = parse_flags(c, argc, argv);
	if (ret)
		return ret < 0 ? VBUS_EXIT_PASS : ret;
	if (optind == argc) {
		const char *src = getenv("VBUS_SOURCE_DIR");

		snprintf(def, sizeof(def), "%s/docs/spec/vectors", src && *src ? src : default_src);
		ret = vbus_conform_collect(def, &files, &nfiles);
		if (ret)
			rc = vbus_fail(c->prog, def, strerror(-ret));
	}
	for (int i = optind; i < argc && rc == VBUS_EXIT_PASS; i++) {
		struct stat st;

		/* a file argument must be a readable, non-empty file (docs/cli.md "Files") */
		if (!stat(argv[i], &st) && !S_ISDIR(st.st_mode) && vbus_check_input_file(c->prog, argv[i], 1)) {
			rc = VBUS_EXIT_FAIL;
			break;
		}
		ret = vbus_conform_collect(argv[i], &files, &nfiles);
		if (ret)
			rc = vbus_fail(c->prog, argv[i], strerror(-ret));
	}
	if (rc == VBUS_EXIT_PASS && !nfiles) {
		rc = vbus_fail(c->prog, optind < argc ? argv[optind] : def, "no .vec files found");
	}
	for (size_t i = 0; i < nfiles; i++) {
		struct vbus_vector v;
		char err[VBUS_VEC_ERR_LEN];

		if (rc == VBUS_EXIT_PASS) {
			if (vbus_vec_parse_file(files[i], &v, err, sizeof(err))) {
				printf("FAIL %s: %s\n", files[i], err);
				c->failed++;
			} else {
				vbus_conform_one(c, &v);
				vbus_vec_free(&v);
			}
		}
		free(files[i]);
	}
	free(files);
	if (rc != VBUS_EXIT_PASS)
		return rc;
	if (c->not_applicable)
		printf("%u passed, %u failed, %u not applicable\n", c->passed, c->failed, c->not_applicable);
	else
		printf("%u passed, %u failed\n", c->passed, c->failed);
	if (c->passed < c->min_pass) {
		fprintf(stderr, "%s: only %u vectors passed, at least %lu required\n", c->prog, c->passed, c->min_pass);
		return VBUS_EXIT_FAIL;
	}
	return c->failed ? VBUS_EXIT_FAIL : VBUS_EXIT_PASS;
}

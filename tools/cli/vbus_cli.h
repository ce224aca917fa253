/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbus_cli.h: the one shared helper of the command-line contract (docs/cli.md).
 * Header only, C11 and C++17: strict number parsing that names the option and its range, usage
 * errors, input-file checks, clocks, cpu_relax(), a progress line on stderr, and output files
 * written to a temporary name then renamed. Every program of the project uses these instead of its
 * own copies.
 *
 * Exit status (docs/cli.md): 0 success, 1 runtime failure ("prog: what: why"), 2 usage error naming
 * the option. 77 is reserved for tests that skip.
 */
#ifndef VBUS_CLI_H
#define VBUS_CLI_H

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VBUS_EXIT_OK 0
#define VBUS_EXIT_FAIL 1
#define VBUS_EXIT_USAGE 2

#if defined(__GNUC__)
#define VBUS_CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VBUS_CLI_PRINTF(a, b)
#endif

/* "prog: message (try 'prog --help')" on stderr; returns VBUS_EXIT_USAGE. */
static inline VBUS_CLI_PRINTF(2, 3) int vbus_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s --help')\n", prog);
	return VBUS_EXIT_USAGE;
}

/* "prog: what: why" on stderr; returns VBUS_EXIT_FAIL. */
static inline int vbus_fail(const char *prog, const char *what, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, why);
	return VBUS_EXIT_FAIL;
}

/*
 * The getopt_long error of the last call (optstring must start with ':' so a missing value
 * returns ':'). ret is getopt_long's return value, bad the argv element it stopped at
 * (argv[optind - 1]), optopt the short option character getopt set. Returns VBUS_EXIT_USAGE.
 */
static inline int vbus_getopt_error(const char *prog, int ret, const char *bad, int optopt_c)
{
	if (ret == ':') {
		if (bad && bad[0] == '-' && bad[1] == '-')
			return vbus_usage_error(prog, "option '%s' needs a value", bad);
		return vbus_usage_error(prog, "option '-%c' needs a value", optopt_c);
	}
	if (optopt_c && !(bad && bad[0] == '-' && bad[1] == '-'))
		return vbus_usage_error(prog, "unknown option '-%c'", optopt_c);
	return vbus_usage_error(prog, "unknown option '%s'", bad ? bad : "?");
}

/*
 * Strict unsigned number: decimal or 0x hex, no sign, no trailing text, min <= v <= max.
 * On error prints "prog: OPT 'TEXT': not a number from MIN to MAX" and returns -1.
 */
static inline int vbus_parse_u64(const char *prog, const char *opt, const char *s, uint64_t min, uint64_t max,
				 uint64_t *out)
{
	unsigned long long v;
	char *end;
	int ok;

	errno = 0;
	ok = s && s[0] && s[0] != '-' && s[0] != '+' && s[0] != ' ' && s[0] != '\t';
	if (ok) {
		v = strtoull(s, &end, 0);
		ok = !errno && !*end && v >= min && v <= max;
	}
	if (!ok) {
		fprintf(stderr, "%s: %s '%s': not a whole number from %llu to %llu (try '%s --help')\n", prog, opt,
			s ? s : "", (unsigned long long)min, (unsigned long long)max, prog);
		return -1;
	}
	*out = v;
	return 0;
}

/* vbus_parse_u64 into an unsigned int (max must fit). */
static inline int vbus_parse_uint(const char *prog, const char *opt, const char *s, unsigned min, unsigned max,
				  unsigned *out)
{
	uint64_t v;

	if (vbus_parse_u64(prog, opt, s, min, max, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Strict finite real number with min <= v <= max; the error names the option and the range. */
static inline int vbus_parse_double(const char *prog, const char *opt, const char *s, double min, double max,
				    double *out)
{
	char *end;
	double v = 0;
	int ok;

	errno = 0;
	ok = s && s[0] && s[0] != ' ' && s[0] != '\t';
	if (ok) {
		v = strtod(s, &end);
		ok = !errno && !*end && isfinite(v) && v >= min && v <= max;
	}
	if (!ok) {
		fprintf(stderr, "%s: %s '%s': not a number from %g to %g (try '%s --help')\n", prog, opt, s ? s : "",
			min, max, prog);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * An input file the program is about to read: exists, is a regular file (or a FIFO/char device
 * like /dev/stdin) and, when need_data, is not empty. Prints "prog: PATH: why" and returns -1.
 */
static inline int vbus_check_input_file(const char *prog, const char *path, int need_data)
{
	struct stat st;

	if (stat(path, &st)) {
		vbus_fail(prog, path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		vbus_fail(prog, path, "is a directory, not a file");
		return -1;
	}
	if (need_data && S_ISREG(st.st_mode) && st.st_size == 0) {
		vbus_fail(prog, path, "empty file");
		return -1;
	}
	return 0;
}

/* ---- clocks ---- */
static inline uint64_t vbus_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline double vbus_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- spin-wait hint ---- */
static inline void vbus_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/*
 * ---- progress on long work ----
 * A line on stderr: redrawn in place ('\r') when stderr is a terminal, otherwise one line every
 * `every_s` seconds (so logs of long CI runs show life); the environment's VBUS_PROGRESS=SECONDS sets the
 * period, VBUS_PROGRESS=0 turns the line off. vbus_progress_done() ends the line.
 */
struct vbus_progress {
	const char *prog;
	double start, last;
	double every_s;
	int tty, drawn;
	int off; /* VBUS_PROGRESS=0 */
};

static inline void vbus_progress_init(struct vbus_progress *p, const char *prog, double every_s)
{
	p->prog = prog;
	p->start = p->last = vbus_now_s();
	p->every_s = every_s > 0 ? every_s : 5;
	p->tty = isatty(STDERR_FILENO);
	p->drawn = 0;
	p->off = 0;
	if (getenv("VBUS_PROGRESS")) {
		char *end;
		double v = strtod(getenv("VBUS_PROGRESS"), &end);

		if (end != getenv("VBUS_PROGRESS") && !*end && v == 0)
			p->off = 1; /* VBUS_PROGRESS=0: no progress lines */
		else if (v > 0)
			p->every_s = v;
	}
}

/* Report done/total (total 0: unknown) with a short label; rate-limited. */
static inline VBUS_CLI_PRINTF(4, 5) void vbus_progress(struct vbus_progress *p, uint64_t done, uint64_t total,
						       const char *fmt, ...)
{
	double now = vbus_now_s();
	char what[160];
	va_list ap;

	if (p->off || now - p->last < (p->tty ? 0.2 : p->every_s))
		return;
	p->last = now;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (total)
		fprintf(stderr, "%s%s: [%llu/%llu] %s (%.0f s)%s", p->tty ? "\r\033[K" : "", p->prog,
			(unsigned long long)done, (unsigned long long)total, what, now - p->start, p->tty ? "" : "\n");
	else
		fprintf(stderr, "%s%s: %s (%.0f s)%s", p->tty ? "\r\033[K" : "", p->prog, what, now - p->start,
			p->tty ? "" : "\n");
	p->drawn = p->tty;
	fflush(stderr);
}

static inline void vbus_progress_done(struct vbus_progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\r\033[K");
	p->drawn = 0;
}

/* A path as a gnuplot single-quoted string (a ' inside is written ''). */
static inline void vbus_gnuplot_quote(FILE *g, const char *s)
{
	fputc('\'', g);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', g);
		fputc(*s, g);
	}
	fputc('\'', g);
}

/*
 * ---- output files: temporary name, then rename ----
 * vbus_out_open() creates the missing parent folders and opens PATH.tmp-XXXXXX beside PATH;
 * vbus_out_commit() flushes, closes and renames it over PATH; vbus_out_abort() removes it.
 * A failure at any point leaves PATH as it was (absent or the previous complete file).
 */
struct vbus_out {
	FILE *f;
	char path[4096];
	char tmp[4120];
};

/* mkdir -p of the folder part of path (nothing when path has no '/'). 0 or -errno. */
static inline int vbus_mkdir_parents(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* 0, or -1 with "prog: PATH: why" printed. */
static inline int vbus_out_open(struct vbus_out *o, const char *prog, const char *path)
{
	int fd, e;

	o->f = NULL;
	if (strlen(path) >= sizeof(o->path)) {
		vbus_fail(prog, path, strerror(ENAMETOOLONG));
		return -1;
	}
	snprintf(o->path, sizeof(o->path), "%s", path);
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp-XXXXXX", path);
	e = vbus_mkdir_parents(path);
	if (e) {
		vbus_fail(prog, path, strerror(-e));
		return -1;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		vbus_fail(prog, path, strerror(errno));
		return -1;
	}
	/* mkstemp creates 0600: give the file the mode a plain fopen() would (0666 & ~umask) */
	mode_t um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		e = errno;
		close(fd);
		unlink(o->tmp);
		vbus_fail(prog, path, strerror(e));
		return -1;
	}
	return 0;
}

static inline void vbus_out_abort(struct vbus_out *o)
{
	if (o->f) {
		fclose(o->f);
		unlink(o->tmp);
	}
	o->f = NULL;
}

/* 0, or -1 with "prog: PATH: why" printed and PATH untouched. */
static inline int vbus_out_commit(struct vbus_out *o, const char *prog)
{
	int bad = ferror(o->f) != 0;

	if (fflush(o->f))
		bad = 1;
	int e = errno;
	if (fclose(o->f))
		bad = 1, e = errno;
	o->f = NULL;
	if (!bad && rename(o->tmp, o->path))
		bad = 1, e = errno;
	if (bad) {
		unlink(o->tmp);
		vbus_fail(prog, o->path, e ? strerror(e) : "write failed");
		return -1;
	}
	return 0;
}

#endif /* VBUS_CLI_H */

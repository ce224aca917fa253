/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbus_conform: the one conformance driver (docs/spec/08-vectors.md §8.4).
 * Walks files and directories of .vec vectors (sorted), replays each through
 * an implementation's adapter, compares the trace with the expect block
 * (TRC-1) and prints "PASS name" / "FAIL name: <first divergence>" /
 * "N/A name: <why>" per vector and "N passed, N failed[, N not applicable]".
 *
 * Shared flags of every front end: -q (no PASS lines), --trace-out DIR (write
 * DIR/<name>.trace), --min N (fail unless >= N vectors passed), -h/--help.
 * Exit codes (docs/cli.md): 0 every vector that applies passed, 1 a vector
 * failed, fewer than --min passed, or an input is missing/unreadable/has no
 * vectors; 2 bad usage.
 * Format and driver code only: it knows no protocol semantics.
 */
#ifndef VBUS_CONFORM_H
#define VBUS_CONFORM_H

#include <stddef.h>

#include "vbus_vector.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { VBUS_CONFORM_RAN = 0, VBUS_CONFORM_NA = 1 };

/*
 * An implementation's adapter: replay @v, appending one record per completed
 * operation to @out. Returns VBUS_CONFORM_RAN, VBUS_CONFORM_NA (the vector
 * does not apply to this implementation; reason in @err), or a negative errno
 * for a semantic vector error or a failure ("file:line: message" in @err).
 */
typedef int (*vbus_conform_run_fn)(void *ctx, const struct vbus_vector *v, struct vbus_trace *out, char *err,
				   size_t errlen);

struct vbus_conform {
	const char *prog; /* "vbus-model vectors": prefix of messages */
	const char *what; /* one line for --help: what the implementation is */
	vbus_conform_run_fn run;
	void *ctx;
	/* flags (vbus_conform_main fills them from argv) */
	int quiet;
	const char *trace_dir;
	unsigned long min_pass;
	long cycle_tol; /* -1: cycles ignored (vectors carry none) */
	/* results */
	unsigned passed, failed, not_applicable;
};

/*
 * The whole front end: parse the shared flags from argv[1..argc-1] (argv[0]
 * is skipped), collect the inputs (default $VBUS_SOURCE_DIR/docs/spec/vectors,
 * else @default_src/docs/spec/vectors), run, print, return the exit code.
 */
int vbus_conform_main(struct vbus_conform *c, int argc, char **argv, const char *default_src);

/* Replay one parsed vector and print its line; 0 pass, 1 fail, 2 not applicable. */
int vbus_conform_one(struct vbus_conform *c, const struct vbus_vector *v);

/* Append the .vec files of @path (a file, or a directory's sorted listing) to *list. 0 or -errno. */
int vbus_conform_collect(const char *path, char ***list, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* VBUS_CONFORM_H */

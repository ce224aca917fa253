/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvbusvector: reader of conformance vectors (docs/spec/08-vectors.md) and
 * reader/writer/comparator of observable traces (docs/spec/07-trace.md).
 * Format code only: it knows no protocol semantics, so the model and the
 * production-core adapter stay independent implementations.
 *
 * Every function returns 0 on success or a negative errno; on a format error
 * it returns -EINVAL and writes "file:line: message" into err.
 */
#ifndef VBUS_VECTOR_H
#define VBUS_VECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VBUS_VEC_NAME_LEN 48
#define VBUS_VEC_TOKEN_LEN 64
#define VBUS_VEC_MAX_KV 16
#define VBUS_VEC_MAX_OBJECTS 8
#define VBUS_VEC_MAX_DEVICES 16
#define VBUS_VEC_ERR_LEN 512

struct vbus_kv {
	char key[VBUS_VEC_NAME_LEN];
	char val[VBUS_VEC_TOKEN_LEN];
};

enum vbus_vec_kind { VBUS_VEC_SIGNAL, VBUS_VEC_RING, VBUS_VEC_BUS };

struct vbus_vec_device {
	uint32_t id;
	uint32_t version;
	uint32_t features;
	char type[32];
};

struct vbus_vec_object {
	char name[VBUS_VEC_NAME_LEN];
	enum vbus_vec_kind kind;
	/* ring */
	uint32_t count; /* default 8 */
	int evidx;	/* default 0 */
	int ooo;	/* default 0: VBUS_IOQ_F_OOO, offered by south (§2.12) */
	uint32_t base;	/* default 0 */
	/* ring and bus */
	uint64_t region; /* default 65536 */
	/* bus */
	uint32_t max_shm; /* default 4 */
	unsigned ndev;
	struct vbus_vec_device dev[VBUS_VEC_MAX_DEVICES];
};

/* One operation of the stimulus. */
struct vbus_vec_step {
	int line;   /* source line, for messages */
	int nested; /* 1: runs inside the handler of the closest preceding non-nested wakeup */
	char side;  /* 'N', 'S' or '-' */
	char op[VBUS_VEC_NAME_LEN];
	char obj[VBUS_VEC_NAME_LEN];
	unsigned nkv;
	struct vbus_kv kv[VBUS_VEC_MAX_KV];
};

/* One trace record (07-trace.md §7.1). */
struct vbus_trace_rec {
	int line; /* source line when read from a file, else 0 */
	unsigned step;
	int has_cycle;
	uint64_t cycle;
	char side;
	char op[VBUS_VEC_NAME_LEN];
	char obj[VBUS_VEC_NAME_LEN];
	char result[VBUS_VEC_NAME_LEN];
	unsigned nkv;
	struct vbus_kv kv[VBUS_VEC_MAX_KV];
};

struct vbus_trace {
	size_t n, cap;
	struct vbus_trace_rec *rec;
};

struct vbus_vector {
	char file[256];
	char name[VBUS_VEC_NAME_LEN];
	char covers[256];
	char desc[256];
	unsigned nobj;
	struct vbus_vec_object obj[VBUS_VEC_MAX_OBJECTS];
	size_t nsteps;
	struct vbus_vec_step *steps;
	struct vbus_trace expect;
};

/* Parse one .vec file into *v (zeroed first). Free with vbus_vec_free(). */
int vbus_vec_parse_file(const char *path, struct vbus_vector *v, char *err, size_t errlen);
/* Parse .vec text held in memory; @path is used in messages only. */
int vbus_vec_parse_string(const char *path, const char *text, struct vbus_vector *v, char *err, size_t errlen);
void vbus_vec_free(struct vbus_vector *v);
/* Object named @name in @v, or NULL. */
const struct vbus_vec_object *vbus_vec_object(const struct vbus_vector *v, const char *name);

/* Value of @key in a step, or NULL when absent. */
const char *vbus_step_get(const struct vbus_vec_step *s, const char *key);
/* Numeric value of @key (decimal or 0x hex) into *out, @dflt when absent; -EINVAL if not a number. */
int vbus_step_u64(const struct vbus_vec_step *s, const char *key, uint64_t dflt, uint64_t *out);

/* The trace name (§7.1 `result`) of the negative errno @e: "-EIO" ... "-EOPNOTSUPP", or "-E?" for any other. */
const char *vbus_trace_errno_name(int e);
/* Parse one trace line (no comment, not the header) into *r. */
int vbus_trace_parse_line(const char *path, int line, const char *text, struct vbus_trace_rec *r, char *err,
			  size_t errlen);
/* Read a whole trace file; accepts the optional "vbus-trace 1" header and comments. */
int vbus_trace_read_file(const char *path, struct vbus_trace *t, char *err, size_t errlen);
/* Append a copy of *r; -ENOMEM on failure. */
int vbus_trace_append(struct vbus_trace *t, const struct vbus_trace_rec *r);
void vbus_trace_free(struct vbus_trace *t);
/* Add key=value to a record being built (-E2BIG when full). */
int vbus_trace_rec_kv(struct vbus_trace_rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Format *r as one line (no newline). Returns the length, or -ENOSPC. */
int vbus_trace_format(const struct vbus_trace_rec *r, char *buf, size_t len);
/* Write "vbus-trace 1" and every record to @f. */
int vbus_trace_write(FILE *f, const struct vbus_trace *t);

/*
 * Compare @actual against @expected (TRC-1). Cycles are compared only when
 * @cycle_tol >= 0 and both records carry one. Returns 0 when they agree, 1 on
 * the first divergence, described in msg as
 * "step <n>: field <name>: expected <a>, actual <b>".
 */
int vbus_trace_compare(const struct vbus_trace *expected, const struct vbus_trace *actual, long cycle_tol, char *msg,
		       size_t msglen);

#ifdef __cplusplus
}
#endif

#endif /* VBUS_VECTOR_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The §6 cost parameters: defaults, name=value overrides and a small JSON
 * reader for {"name": number, ...} files with file:line error messages.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vbusmodel/timing.h"

static const struct {
	const char *name;
	uint64_t dflt;
} params[VM_NPARAMS] = {
	[VM_P_SHM_ACCESS] = { "shm_access", 4 },
	[VM_P_LINE_TRANSFER] = { "line_transfer", 225 },
	[VM_P_BARRIER_FULL] = { "barrier_full", 33 },
	[VM_P_BARRIER_WRITE] = { "barrier_write", 0 },
	[VM_P_DOORBELL] = { "doorbell", 300 },
	[VM_P_INTERRUPT] = { "interrupt", 1500 },
	[VM_P_VM_EXIT] = { "vm_exit", 11100 },
	[VM_P_WAKEUP] = { "wakeup", 14000 },
	[VM_P_HANDLER_PER_MSG] = { "handler_per_msg", 20 },
	[VM_P_PRODUCE_PER_MSG] = { "produce_per_msg", 20 },
	[VM_P_ACCEL_STAGE] = { "accel_stage", 1 },
	[VM_P_POLL_INTERVAL] = { "poll_interval", 100 },
	[VM_P_SPIN_BUDGET] = { "spin_budget", 20000 },
	[VM_P_MOD_HOLDOFF] = { "mod_holdoff", 3000 },
	[VM_P_MOD_COUNT] = { "mod_count", 32 },
	[VM_P_EVIDX_THRESHOLD] = { "evidx_threshold", 1 },
	[VM_P_LINE_STREAM] = { "line_stream", 225 },
	[VM_P_PRODUCE_PER_CALL] = { "produce_per_call", 0 },
	[VM_P_HANDLER_PER_CALL] = { "handler_per_call", 0 },
	[VM_P_MEMBARRIER] = { "membarrier", 2700 },
	[VM_P_DESCHED_INTERVAL] = { "desched_interval", 0 },
	[VM_P_DESCHED_LEN] = { "desched_len", 0 },
	[VM_P_DOORBELL_WAKE] = { "doorbell_wake", 300 },
	[VM_P_PRODUCE_REMOTE_MSG] = { "produce_remote_msg", 0 },
	[VM_P_PRODUCE_REMOTE_CALL] = { "produce_remote_call", 0 },
	[VM_P_PRODUCE_STREAM_CALL] = { "produce_stream_call", 0 },
};

void vm_params_default(struct vm_params *p)
{
	for (int i = 0; i < VM_NPARAMS; i++)
		p->v[i] = params[i].dflt;
}

const char *vm_param_name(int i)
{
	return i >= 0 && i < VM_NPARAMS ? params[i].name : NULL;
}

int vm_param_set(struct vm_params *p, const char *name, double value)
{
	for (int i = 0; i < VM_NPARAMS; i++) {
		if (strcmp(name, params[i].name))
			continue;
		/* Whole cycles; mod_count is a byte (§4.1), the event threshold at least 1 (§2.7). */
		double max = i == VM_P_MOD_COUNT ? 255 : 1e12;
		if (!(value >= 0) || value > max || value != floor(value) || (i == VM_P_EVIDX_THRESHOLD && value < 1) ||
		    ((i == VM_P_POLL_INTERVAL) && value < 1))
			return -ERANGE;
		p->v[i] = (uint64_t)value;
		return 0;
	}
	return -ENOENT;
}

static int param_err(int rc, const char *name, char *err, size_t errlen, const char *where)
{
	if (rc == -ENOENT)
		snprintf(err, errlen, "%sunknown parameter '%s' (see vbus-model run --help)", where, name);
	else
		snprintf(err, errlen, "%sparameter '%s': value must be a whole number of cycles in range", where, name);
	return -EINVAL;
}

int vm_param_parse(struct vm_params *p, const char *kv, char *err, size_t errlen)
{
	char name[64], *end;
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(name)) {
		snprintf(err, errlen, "--param '%s': expected name=value", kv);
		return -EINVAL;
	}
	memcpy(name, kv, (size_t)(eq - kv));
	name[eq - kv] = 0;
	errno = 0;
	double v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || errno) {
		snprintf(err, errlen, "--param '%s': '%s' is not a number", kv, eq + 1);
		return -EINVAL;
	}
	int rc = vm_param_set(p, name, v);
	return rc ? param_err(rc, name, err, errlen, "--param: ") : 0;
}

/* ---- JSON: one flat object of numbers ---- */
struct jp {
	const char *path, *s;
	int line;
	char *err;
	size_t errlen;
};

static int jerr(struct jp *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int jerr(struct jp *j, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(j->err, j->errlen, "%s:%d: ", j->path, j->line);
	if (n >= 0 && (size_t)n < j->errlen) {
		va_start(ap, fmt);
		vsnprintf(j->err + n, j->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void jws(struct jp *j)
{
	while (*j->s == ' ' || *j->s == '\t' || *j->s == '\r' || *j->s == '\n') {
		if (*j->s == '\n')
			j->line++;
		j->s++;
	}
}

static int jstring(struct jp *j, char *out, size_t cap)
{
	size_t n = 0;
	if (*j->s != '"')
		return jerr(j, "expected a string in double quotes");
	j->s++;
	while (*j->s != '"') {
		char c = *j->s;
		if (!c || c == '\n')
			return jerr(j, "unterminated string");
		if (c == '\\') {
			static const char esc[] = "\"\\/bfnrt", val[] = "\"\\/\b\f\n\r\t";
			const char *e = j->s[1] ? strchr(esc, j->s[1]) : NULL;
			if (!e)
				return jerr(j, "unsupported escape in string");
			c = val[e - esc];
			j->s++;
		}
		if (n + 1 >= cap)
			return jerr(j, "string too long");
		out[n++] = c;
		j->s++;
	}
	out[n] = 0;
	j->s++;
	return 0;
}

static int jnumber(struct jp *j, double *v)
{
	const char *p = j->s;
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	char *end;
	errno = 0;
	*v = strtod(j->s, &end);
	if (errno || end == j->s)
		return -1;
	j->s = end;
	return 0;
}

/* white space, then the punctuation ch (consumed): 0, or -1 with j->s at what stands there instead */
static int jpunct(struct jp *j, char ch)
{
	jws(j);
	if (*j->s != ch)
		return -1;
	j->s++;
	return 0;
}

/* after an object's member: ',' (1: another member follows) or '}' (0: the object ends), consumed; else -1 */
static int jnext(struct jp *j)
{
	if (!jpunct(j, ','))
		return 1;
	if (!jpunct(j, '}'))
		return 0;
	return -1;
}

static int param_index(const char *name)
{
	for (int i = 0; i < VM_NPARAMS; i++)
		if (!strcmp(name, params[i].name))
			return i;
	return -1;
}

/*
 * The information `vbus-model calibrate` writes beside the parameters (TIM-3), checked but not used
 * by the engine: "spread": {"name": [lowest, highest], ...} (cycles, a known parameter, each at most
 * once, lowest <= highest) and "calibration": {"key": number, ...} (how it was measured).
 */
static int jspread(struct jp *j)
{
	char seen[VM_NPARAMS] = { 0 };
	if (*j->s != '{')
		return jerr(j, "\"spread\" must be an object {\"name\": [lowest, highest], ...}");
	j->s++;
	jws(j);
	if (*j->s == '}') {
		j->s++;
		return 0;
	}
	for (;;) {
		char name[64];
		double lo, hi;
		jws(j);
		if (jstring(j, name, sizeof(name)))
			return -EINVAL;
		int i = param_index(name);
		if (i < 0)
			return jerr(j, "\"spread\": unknown parameter '%s'", name);
		if (seen[i])
			return jerr(j, "\"spread\": parameter \"%s\" given twice", name);
		seen[i] = 1;
		if (jpunct(j, ':'))
			return jerr(j, "expected ':' after \"%s\"", name);
		if (jpunct(j, '['))
			return jerr(j, "\"spread\": \"%s\" must be [lowest, highest]", name);
		jws(j);
		if (jnumber(j, &lo))
			return jerr(j, "\"spread\": \"%s\" must be [lowest, highest] numbers", name);
		if (jpunct(j, ','))
			return jerr(j, "\"spread\": \"%s\" must be [lowest, highest]", name);
		jws(j);
		if (jnumber(j, &hi))
			return jerr(j, "\"spread\": \"%s\" must be [lowest, highest] numbers", name);
		if (jpunct(j, ']'))
			return jerr(j, "\"spread\": \"%s\" must be [lowest, highest]", name);
		if (!(lo >= 0) || !(lo <= hi))
			return jerr(j, "\"spread\": \"%s\": need 0 <= lowest <= highest", name);
		int r = jnext(j);
		if (r > 0)
			continue;
		if (r == 0)
			return 0;
		return jerr(j, "expected ',' or '}' after the spread of \"%s\"", name);
	}
}

static int jinfo(struct jp *j)
{
	if (*j->s != '{')
		return jerr(j, "\"calibration\" must be an object {\"key\": number, ...}");
	j->s++;
	jws(j);
	if (*j->s == '}') {
		j->s++;
		return 0;
	}
	for (;;) {
		char key[64];
		double v;
		jws(j);
		if (jstring(j, key, sizeof(key)))
			return -EINVAL;
		if (jpunct(j, ':'))
			return jerr(j, "expected ':' after \"%s\"", key);
		jws(j);
		if (jnumber(j, &v))
			return jerr(j, "\"calibration\": value of \"%s\" must be a number", key);
		int r = jnext(j);
		if (r > 0)
			continue;
		if (r == 0)
			return 0;
		return jerr(j, "expected ',' or '}' after the value of \"%s\"", key);
	}
}

int vm_params_parse_json(struct vm_params *p, const char *path, const char *text, char *err, size_t errlen)
{
	struct jp j = { .path = path, .s = text, .line = 1, .err = err, .errlen = errlen };
	char seen[VM_NPARAMS] = { 0 };
	int seen_spread = 0, seen_info = 0;
	jws(&j);
	if (*j.s != '{')
		return jerr(&j, "expected '{' to start the parameter object");
	j.s++;
	jws(&j);
	if (*j.s == '}') {
		j.s++;
		goto out_trailing;
	}
	for (;;) {
		char name[64];
		double v;
		jws(&j);
		if (jstring(&j, name, sizeof(name)))
			return -EINVAL;
		jws(&j);
		if (*j.s != ':')
			return jerr(&j, "expected ':' after \"%s\"", name);
		j.s++;
		jws(&j);
		if (!strcmp(name, "spread") || !strcmp(name, "calibration")) {
			int *once = name[0] == 's' ? &seen_spread : &seen_info;
			if (*once)
				return jerr(&j, "\"%s\" given twice", name);
			*once = 1;
			if (name[0] == 's' ? jspread(&j) : jinfo(&j))
				return -EINVAL;
		} else {
			if (jnumber(&j, &v))
				return jerr(&j, "value of \"%s\" must be a number", name);
			int rc = vm_param_set(p, name, v);
			if (rc) {
				char where[300];
				snprintf(where, sizeof(where), "%s:%d: ", path, j.line);
				return param_err(rc, name, err, errlen, where);
			}
			int i = param_index(name);
			if (seen[i])
				return jerr(&j, "parameter \"%s\" given twice", name);
			seen[i] = 1;
		}
		int r = jnext(&j);
		if (r > 0)
			continue;
		if (r == 0)
			break;
		return jerr(&j, "expected ',' or '}' after the value of \"%s\"", name);
	}
out_trailing:
	jws(&j);
	if (*j.s)
		return jerr(&j, "unexpected text after the closing '}'");
	return 0;
}

int vm_params_load_json(struct vm_params *p, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int c;
	while ((c = fgetc(f)) != EOF) {
		if (len + 2 > cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > (1u << 24)) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "%s: file too large for a parameter file", path);
				return -EFBIG;
			}
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		if (c == 0) {
			free(buf);
			fclose(f);
			snprintf(err, errlen, "%s: binary data (NUL byte) in a JSON file", path);
			return -EINVAL;
		}
		buf[len++] = (char)c;
	}
	fclose(f);
	if (!buf) {
		snprintf(err, errlen, "%s:1: empty file, expected '{'", path);
		return -EINVAL;
	}
	buf[len] = 0;
	int rc = vm_params_parse_json(p, path, buf, err, errlen);
	free(buf);
	return rc;
}

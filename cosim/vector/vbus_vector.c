// SPDX-License-Identifier: GPL-2.0
/*
 * libvbusvector: conformance vector reader and trace reader/writer/comparator.
 * Formats: docs/spec/08-vectors.md and docs/spec/07-trace.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "vbus_vector.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 40

static const char *const vec_ops[] = {
	"enable", "disable", "inject",	 "wakeup", "kick",     "push",	"pop",	"reclaim", "arm",
	"attach", "take",    "complete", "poke",   "moderate", "tick",	"open", "close",   "release",
	"shm",	  "call",    "ctrl",	 "devadd", "devdrop",  "fault", NULL,
};

static int fail(char *err, size_t errlen, const char *path, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *path, int line, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (err && errlen) {
		n = snprintf(err, errlen, "%s:%d: ", path, line);
		if (n < 0 || (size_t)n >= errlen)
			n = 0;
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Parse a decimal or 0x-hex unsigned number that must fill the whole string. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int copy_token(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return -E2BIG;
	memcpy(dst, src, n + 1);
	return 0;
}

/* Split @line (modified in place) into whitespace-separated tokens. */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			return n;
		if (n == max)
			return -E2BIG;
		tok[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static void strip_comment(char *line)
{
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
}

static int split_kv(const char *path, int line, const char *tok, struct vbus_kv *kv, char *err, size_t errlen)
{
	const char *eq = strchr(tok, '=');
	size_t klen;

	if (!eq || eq == tok || !eq[1])
		return fail(err, errlen, path, line, "expected key=value, got '%s'", tok);
	klen = (size_t)(eq - tok);
	if (klen >= sizeof(kv->key) || strlen(eq + 1) >= sizeof(kv->val))
		return fail(err, errlen, path, line, "token too long: '%s'", tok);
	memcpy(kv->key, tok, klen);
	kv->key[klen] = '\0';
	strcpy(kv->val, eq + 1);
	return 0;
}

const char *vbus_step_get(const struct vbus_vec_step *s, const char *key)
{
	for (unsigned i = 0; i < s->nkv; i++)
		if (!strcmp(s->kv[i].key, key))
			return s->kv[i].val;
	return NULL;
}

int vbus_step_u64(const struct vbus_vec_step *s, const char *key, uint64_t dflt, uint64_t *out)
{
	const char *v = vbus_step_get(s, key);

	if (!v) {
		*out = dflt;
		return 0;
	}
	return parse_u64(v, out);
}

const struct vbus_vec_object *vbus_vec_object(const struct vbus_vector *v, const char *name)
{
	for (unsigned i = 0; i < v->nobj; i++)
		if (!strcmp(v->obj[i].name, name))
			return &v->obj[i];
	return NULL;
}

static int parse_devices(const char *path, int line, const char *val, struct vbus_vec_object *o, char *err,
			 size_t errlen)
{
	char buf[VBUS_VEC_TOKEN_LEN];
	char *save = NULL, *item;

	strcpy(buf, val);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		struct vbus_vec_device *d;
		char *f[4] = { NULL };
		char *save2 = NULL;
		uint64_t id, ver = 1, feat = 0;
		int nf = 0;

		if (o->ndev == VBUS_VEC_MAX_DEVICES)
			return fail(err, errlen, path, line, "more than %d devices", VBUS_VEC_MAX_DEVICES);
		for (char *p = strtok_r(item, ":", &save2); p; p = strtok_r(NULL, ":", &save2)) {
			if (nf == 4)
				return fail(err, errlen, path, line, "device '%s': too many fields", item);
			f[nf++] = p;
		}
		if (nf < 2 || parse_u64(f[0], &id) || id == 0 || id > UINT32_MAX)
			return fail(err, errlen, path, line, "device must be <id>:<type>[:<version>[:<features>]]");
		if ((f[2] && (parse_u64(f[2], &ver) || ver == 0 || ver > UINT32_MAX)) ||
		    (f[3] && (parse_u64(f[3], &feat) || feat > UINT32_MAX)))
			return fail(err, errlen, path, line, "device %" PRIu64 ": bad version or features", id);
		if (strlen(f[1]) >= sizeof(d->type) || !f[1][0])
			return fail(err, errlen, path, line, "device %" PRIu64 ": bad type", id);
		for (unsigned i = 0; i < o->ndev; i++)
			if (o->dev[i].id == id)
				return fail(err, errlen, path, line, "device %" PRIu64 " listed twice", id);
		d = &o->dev[o->ndev++];
		d->id = (uint32_t)id;
		d->version = (uint32_t)ver;
		d->features = (uint32_t)feat;
		strcpy(d->type, f[1]);
	}
	return 0;
}

static int parse_object(const char *path, int line, char **tok, int n, struct vbus_vector *v, char *err, size_t errlen)
{
	struct vbus_vec_object *o;

	if (n < 3)
		return fail(err, errlen, path, line, "object needs a name and a kind");
	if (v->nobj == VBUS_VEC_MAX_OBJECTS)
		return fail(err, errlen, path, line, "more than %d objects", VBUS_VEC_MAX_OBJECTS);
	if (vbus_vec_object(v, tok[1]))
		return fail(err, errlen, path, line, "object '%s' declared twice", tok[1]);
	o = &v->obj[v->nobj];
	memset(o, 0, sizeof(*o));
	if (copy_token(o->name, sizeof(o->name), tok[1]))
		return fail(err, errlen, path, line, "object name too long");
	o->count = 8;
	o->region = 65536;
	o->max_shm = 4;
	if (!strcmp(tok[2], "signal"))
		o->kind = VBUS_VEC_SIGNAL;
	else if (!strcmp(tok[2], "ring"))
		o->kind = VBUS_VEC_RING;
	else if (!strcmp(tok[2], "bus"))
		o->kind = VBUS_VEC_BUS;
	else
		return fail(err, errlen, path, line, "unknown object kind '%s'", tok[2]);

	for (int i = 3; i < n; i++) {
		struct vbus_kv kv;
		uint64_t x;
		int rc = split_kv(path, line, tok[i], &kv, err, errlen);

		if (rc)
			return rc;
		if (o->kind == VBUS_VEC_BUS && !strcmp(kv.key, "devices")) {
			rc = parse_devices(path, line, kv.val, o, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		if (parse_u64(kv.val, &x))
			return fail(err, errlen, path, line, "%s: not a number: '%s'", kv.key, kv.val);
		if (o->kind == VBUS_VEC_RING && !strcmp(kv.key, "count")) {
			if (x < 2 || x > 32768 || (x & (x - 1)))
				return fail(err, errlen, path, line, "count must be a power of two in 2..32768");
			o->count = (uint32_t)x;
		} else if (o->kind == VBUS_VEC_RING && !strcmp(kv.key, "evidx")) {
			if (x > 1)
				return fail(err, errlen, path, line, "evidx must be 0 or 1");
			o->evidx = (int)x;
		} else if (o->kind == VBUS_VEC_RING && !strcmp(kv.key, "ooo")) {
			if (x > 1)
				return fail(err, errlen, path, line, "ooo must be 0 or 1");
			o->ooo = (int)x;
		} else if (o->kind == VBUS_VEC_RING && !strcmp(kv.key, "base")) {
			if (x > UINT32_MAX)
				return fail(err, errlen, path, line, "base must fit in 32 bits");
			o->base = (uint32_t)x;
		} else if (o->kind != VBUS_VEC_SIGNAL && !strcmp(kv.key, "region")) {
			if (x < 4096 || x > (1ull << 32))
				return fail(err, errlen, path, line, "region must be 4096..4 GiB");
			o->region = x;
		} else if (o->kind == VBUS_VEC_BUS && !strcmp(kv.key, "max_shm")) {
			if (x < 1 || x > 64)
				return fail(err, errlen, path, line, "max_shm must be 1..64");
			o->max_shm = (uint32_t)x;
		} else {
			return fail(err, errlen, path, line, "unknown key '%s' for a %s", kv.key, tok[2]);
		}
	}
	v->nobj++;
	return 0;
}

/* Operations that appear only in traces: the accelerator's (§7.1, §5.4). */
static const char *const trace_only_ops[] = { "ack", "drain", "deliver", NULL };

static int in_list(const char *const *list, const char *s)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

static int is_op(const char *s)
{
	return in_list(vec_ops, s);
}

static int parse_step(const char *path, int line, char **tok, int n, struct vbus_vector *v, size_t *cap, char *err,
		      size_t errlen)
{
	struct vbus_vec_step *s;
	int nested = 0;

	if (n && !strcmp(tok[0], ">")) {
		nested = 1;
		tok++;
		n--;
		if (!v->nsteps)
			return fail(err, errlen, path, line, "nested step without a wakeup before it");
		const struct vbus_vec_step *prev = &v->steps[v->nsteps - 1];
		if (!prev->nested && strcmp(prev->op, "wakeup"))
			return fail(err, errlen, path, line, "nested step must follow a wakeup");
	}
	if (n < 3)
		return fail(err, errlen, path, line, "step must be '<side> <op> <object> [key=value...]'");
	if (strcmp(tok[0], "N") && strcmp(tok[0], "S") && strcmp(tok[0], "-"))
		return fail(err, errlen, path, line, "side must be N, S or -, not '%s'", tok[0]);
	if (!is_op(tok[1]))
		return fail(err, errlen, path, line, "unknown operation '%s'", tok[1]);
	if (!vbus_vec_object(v, tok[2]))
		return fail(err, errlen, path, line, "unknown object '%s'", tok[2]);
	if (n - 3 > VBUS_VEC_MAX_KV)
		return fail(err, errlen, path, line, "too many arguments");
	if (v->nsteps == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct vbus_vec_step *ns = realloc(v->steps, ncap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		v->steps = ns;
		*cap = ncap;
	}
	s = &v->steps[v->nsteps];
	memset(s, 0, sizeof(*s));
	s->line = line;
	s->nested = nested;
	s->side = tok[0][0];
	strcpy(s->op, tok[1]);
	strcpy(s->obj, tok[2]);
	for (int i = 3; i < n; i++) {
		int rc = split_kv(path, line, tok[i], &s->kv[s->nkv], err, errlen);

		if (rc)
			return rc;
		for (unsigned j = 0; j < s->nkv; j++)
			if (!strcmp(s->kv[j].key, s->kv[s->nkv].key))
				return fail(err, errlen, path, line, "key '%s' given twice", s->kv[j].key);
		s->nkv++;
	}
	v->nsteps++;
	return 0;
}

static int parse_rec_tokens(const char *path, int line, char **tok, int n, struct vbus_trace_rec *r, char *err,
			    size_t errlen)
{
	char *at;
	uint64_t step;

	memset(r, 0, sizeof(*r));
	r->line = line;
	if (n < 5)
		return fail(err, errlen, path, line,
			    "trace record needs '<step> <side> <op> <obj> <result> [key=value...]'");
	at = strchr(tok[0], '@');
	if (at) {
		*at = '\0';
		if (parse_u64(at + 1, &r->cycle))
			return fail(err, errlen, path, line, "bad cycle stamp '%s'", at + 1);
		r->has_cycle = 1;
	}
	if (parse_u64(tok[0], &step) || step == 0 || step > UINT32_MAX)
		return fail(err, errlen, path, line, "bad step number '%s'", tok[0]);
	r->step = (unsigned)step;
	if (strcmp(tok[1], "N") && strcmp(tok[1], "S") && strcmp(tok[1], "-"))
		return fail(err, errlen, path, line, "side must be N, S or -, not '%s'", tok[1]);
	r->side = tok[1][0];
	if (!is_op(tok[2]) && !in_list(trace_only_ops, tok[2]))
		return fail(err, errlen, path, line, "unknown operation '%s'", tok[2]);
	if (copy_token(r->op, sizeof(r->op), tok[2]) || copy_token(r->obj, sizeof(r->obj), tok[3]) ||
	    copy_token(r->result, sizeof(r->result), tok[4]))
		return fail(err, errlen, path, line, "token too long");
	if (strchr(r->result, '='))
		return fail(err, errlen, path, line, "missing result before '%s'", r->result);
	if (n - 5 > VBUS_VEC_MAX_KV)
		return fail(err, errlen, path, line, "too many key=value tokens");
	for (int i = 5; i < n; i++) {
		int rc = split_kv(path, line, tok[i], &r->kv[r->nkv++], err, errlen);

		if (rc)
			return rc;
	}
	return 0;
}

int vbus_trace_parse_line(const char *path, int line, const char *text, struct vbus_trace_rec *r, char *err,
			  size_t errlen)
{
	char buf[1024];
	char *tok[MAX_TOKENS];
	int n;

	if (strlen(text) >= sizeof(buf))
		return fail(err, errlen, path, line, "line too long");
	strcpy(buf, text);
	strip_comment(buf);
	n = tokenize(buf, tok, MAX_TOKENS);
	if (n < 0)
		return fail(err, errlen, path, line, "too many tokens");
	return parse_rec_tokens(path, line, tok, n, r, err, errlen);
}

int vbus_trace_append(struct vbus_trace *t, const struct vbus_trace_rec *r)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;
		struct vbus_trace_rec *nr = realloc(t->rec, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		t->rec = nr;
		t->cap = ncap;
	}
	t->rec[t->n++] = *r;
	return 0;
}

void vbus_trace_free(struct vbus_trace *t)
{
	free(t->rec);
	memset(t, 0, sizeof(*t));
}

enum section { SEC_HEAD, SEC_STEPS, SEC_EXPECT, SEC_END };

int vbus_vec_parse_string(const char *path, const char *text, struct vbus_vector *v, char *err, size_t errlen)
{
	enum section sec = SEC_HEAD;
	const char *p = text;
	size_t cap = 0;
	int line = 0, seen_magic = 0, rc = 0;

	memset(v, 0, sizeof(*v));
	snprintf(v->file, sizeof(v->file), "%s", path);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char buf[1024];
		char *tok[MAX_TOKENS];
		int n;

		line++;
		if (len >= sizeof(buf)) {
			rc = fail(err, errlen, path, line, "line too long");
			goto out_free;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = nl ? nl + 1 : p + len;
		if (!strncmp(buf, "desc ", 5) && sec == SEC_HEAD) {
			snprintf(v->desc, sizeof(v->desc), "%.255s", buf + 5);
			continue;
		}
		strip_comment(buf);
		n = tokenize(buf, tok, MAX_TOKENS);
		if (n < 0) {
			rc = fail(err, errlen, path, line, "too many tokens");
			goto out_free;
		}
		if (!n)
			continue;
		if (sec == SEC_END) {
			rc = fail(err, errlen, path, line, "text after 'end'");
			goto out_free;
		}
		if (!seen_magic) {
			if (n != 2 || strcmp(tok[0], "vbus-vector") || strcmp(tok[1], "1")) {
				rc = fail(err, errlen, path, line, "first line must be 'vbus-vector 1'");
				goto out_free;
			}
			seen_magic = 1;
			continue;
		}
		if (!strcmp(tok[0], "steps") && n == 1) {
			if (sec != SEC_HEAD) {
				rc = fail(err, errlen, path, line, "'steps' given twice");
				goto out_free;
			}
			if (!v->name[0]) {
				rc = fail(err, errlen, path, line, "'name' missing before 'steps'");
				goto out_free;
			}
			sec = SEC_STEPS;
			continue;
		}
		if (!strcmp(tok[0], "expect") && n == 1) {
			if (sec != SEC_STEPS) {
				rc = fail(err, errlen, path, line, "'expect' must follow 'steps'");
				goto out_free;
			}
			sec = SEC_EXPECT;
			continue;
		}
		if (!strcmp(tok[0], "end") && n == 1) {
			if (sec != SEC_EXPECT) {
				rc = fail(err, errlen, path, line, "'end' must follow 'expect'");
				goto out_free;
			}
			sec = SEC_END;
			continue;
		}
		switch (sec) {
		case SEC_HEAD:
			if (!strcmp(tok[0], "name") && n == 2) {
				if (v->name[0]) {
					rc = fail(err, errlen, path, line, "'name' given twice");
					goto out_free;
				}
				if (copy_token(v->name, sizeof(v->name), tok[1])) {
					rc = fail(err, errlen, path, line, "name too long");
					goto out_free;
				}
			} else if (!strcmp(tok[0], "covers") && n >= 2) {
				for (int i = 1; i < n; i++) {
					size_t used = strlen(v->covers);

					snprintf(v->covers + used, sizeof(v->covers) - used, "%s%s", used ? " " : "",
						 tok[i]);
				}
			} else if (!strcmp(tok[0], "object")) {
				rc = parse_object(path, line, tok, n, v, err, errlen);
				if (rc)
					goto out_free;
			} else {
				rc = fail(err, errlen, path, line, "unknown keyword '%s'", tok[0]);
				goto out_free;
			}
			break;
		case SEC_STEPS:
			rc = parse_step(path, line, tok, n, v, &cap, err, errlen);
			if (rc)
				goto out_free;
			break;
		case SEC_EXPECT: {
			struct vbus_trace_rec r;

			rc = parse_rec_tokens(path, line, tok, n, &r, err, errlen);
			if (rc)
				goto out_free;
			if (r.step != v->expect.n + 1) {
				rc = fail(err, errlen, path, line, "expected step %zu, got %u", v->expect.n + 1,
					  r.step);
				goto out_free;
			}
			if (!vbus_vec_object(v, r.obj)) {
				rc = fail(err, errlen, path, line, "unknown object '%s'", r.obj);
				goto out_free;
			}
			rc = vbus_trace_append(&v->expect, &r);
			if (rc)
				goto out_free;
			break;
		}
		case SEC_END:
			break;
		}
	}
	if (!seen_magic) {
		rc = fail(err, errlen, path, line ? line : 1, "empty file: expected 'vbus-vector 1'");
		goto out_free;
	}
	if (sec != SEC_END) {
		rc = fail(err, errlen, path, line, "unexpected end of file: missing '%s'",
			  sec == SEC_HEAD    ? "steps"
			  : sec == SEC_STEPS ? "expect"
					     : "end");
		goto out_free;
	}
	if (!v->nsteps) {
		rc = fail(err, errlen, path, line, "no steps");
		goto out_free;
	}
	return 0;

out_free:
	vbus_vec_free(v);
	return rc;
}

int vbus_vec_parse_file(const char *path, struct vbus_vector *v, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, len = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!f) {
		rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nt;

			cap = cap ? cap * 2 : 8192;
			if (cap > (16u << 20)) {
				fclose(f);
				free(text);
				return fail(err, errlen, path, 0, "file larger than 16 MiB");
			}
			nt = realloc(text, cap);
			if (!nt) {
				fclose(f);
				free(text);
				return -ENOMEM;
			}
			text = nt;
		}
		size_t got = fread(text + len, 1, 4096, f);

		len += got;
		if (got < 4096)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		if (err && errlen)
			snprintf(err, errlen, "%s: read error", path);
		fclose(f);
		free(text);
		return rc;
	}
	fclose(f);
	text[len] = '\0';
	if (strlen(text) != len) {
		free(text);
		return fail(err, errlen, path, 0, "file contains a NUL byte");
	}
	rc = vbus_vec_parse_string(path, text, v, err, errlen);
	free(text);
	if (!rc) {
		const char *base = strrchr(path, '/');
		size_t blen;

		base = base ? base + 1 : path;
		blen = strlen(base);
		if (blen < 5 || strcmp(base + blen - 4, ".vec") || strlen(v->name) != blen - 4 ||
		    strncmp(v->name, base, blen - 4)) {
			vbus_vec_free(v);
			return fail(err, errlen, path, 1, "name must equal the file name without .vec");
		}
	}
	return rc;
}

void vbus_vec_free(struct vbus_vector *v)
{
	free(v->steps);
	vbus_trace_free(&v->expect);
	v->steps = NULL;
	v->nsteps = 0;
}

int vbus_trace_read_file(const char *path, struct vbus_trace *t, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	int line = 0, rc = 0, header_ok = 1;

	memset(t, 0, sizeof(*t));
	if (!f) {
		rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	while (fgets(buf, sizeof(buf), f)) {
		struct vbus_trace_rec r;
		char copy[1024];
		char *tok[MAX_TOKENS];
		int n;

		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			rc = fail(err, errlen, path, line, "line too long");
			goto out;
		}
		strcpy(copy, buf);
		strip_comment(copy);
		n = tokenize(copy, tok, MAX_TOKENS);
		if (n < 0) {
			rc = fail(err, errlen, path, line, "too many tokens");
			goto out;
		}
		if (!n)
			continue;
		if (!strcmp(tok[0], "vbus-trace")) {
			if (!header_ok || n != 2 || strcmp(tok[1], "1")) {
				rc = fail(err, errlen, path, line, "bad or misplaced 'vbus-trace 1' header");
				goto out;
			}
			header_ok = 0;
			continue;
		}
		header_ok = 0;
		rc = parse_rec_tokens(path, line, tok, n, &r, err, errlen);
		if (rc)
			goto out;
		if (r.step != t->n + 1) {
			rc = fail(err, errlen, path, line, "expected step %zu, got %u", t->n + 1, r.step);
			goto out;
		}
		rc = vbus_trace_append(t, &r);
		if (rc)
			goto out;
	}
	if (ferror(f))
		rc = fail(err, errlen, path, line, "read error");
out:
	fclose(f);
	if (rc)
		vbus_trace_free(t);
	return rc;
}

int vbus_trace_rec_kv(struct vbus_trace_rec *r, const char *key, const char *fmt, ...)
{
	struct vbus_kv *kv;
	va_list ap;
	int n;

	if (r->nkv == VBUS_VEC_MAX_KV)
		return -E2BIG;
	kv = &r->kv[r->nkv];
	if (copy_token(kv->key, sizeof(kv->key), key))
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(kv->val, sizeof(kv->val), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(kv->val))
		return -E2BIG;
	r->nkv++;
	return 0;
}

int vbus_trace_format(const struct vbus_trace_rec *r, char *buf, size_t len)
{
	size_t used;
	int n;

	if (r->has_cycle)
		n = snprintf(buf, len, "%u@%" PRIu64 " %c %s %s %s", r->step, r->cycle, r->side, r->op, r->obj,
			     r->result);
	else
		n = snprintf(buf, len, "%u %c %s %s %s", r->step, r->side, r->op, r->obj, r->result);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	used = (size_t)n;
	for (unsigned i = 0; i < r->nkv; i++) {
		n = snprintf(buf + used, len - used, " %s=%s", r->kv[i].key, r->kv[i].val);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return (int)used;
}

int vbus_trace_write(FILE *f, const struct vbus_trace *t)
{
	char line[1024];

	if (fprintf(f, "vbus-trace 1\n") < 0)
		return -EIO;
	for (size_t i = 0; i < t->n; i++) {
		if (vbus_trace_format(&t->rec[i], line, sizeof(line)) < 0)
			return -ENOSPC;
		if (fprintf(f, "%s\n", line) < 0)
			return -EIO;
	}
	return 0;
}

static int diverge(char *msg, size_t msglen, unsigned step, const char *field, const char *exp, const char *act)
{
	if (msg && msglen)
		snprintf(msg, msglen, "step %u: field %s: expected %s, actual %s", step, field, exp, act);
	return 1;
}

int vbus_trace_compare(const struct vbus_trace *expected, const struct vbus_trace *actual, long cycle_tol, char *msg,
		       size_t msglen)
{
	size_t n = expected->n < actual->n ? expected->n : actual->n;
	char a[32], b[32];

	for (size_t i = 0; i < n; i++) {
		const struct vbus_trace_rec *e = &expected->rec[i], *x = &actual->rec[i];
		unsigned step = (unsigned)i + 1;

		if (e->side != x->side) {
			snprintf(a, sizeof(a), "%c", e->side);
			snprintf(b, sizeof(b), "%c", x->side);
			return diverge(msg, msglen, step, "side", a, b);
		}
		if (strcmp(e->op, x->op))
			return diverge(msg, msglen, step, "op", e->op, x->op);
		if (strcmp(e->obj, x->obj))
			return diverge(msg, msglen, step, "obj", e->obj, x->obj);
		if (strcmp(e->result, x->result))
			return diverge(msg, msglen, step, "result", e->result, x->result);
		for (unsigned k = 0; k < e->nkv || k < x->nkv; k++) {
			if (k >= e->nkv)
				return diverge(msg, msglen, step, x->kv[k].key, "(nothing)", x->kv[k].val);
			if (k >= x->nkv)
				return diverge(msg, msglen, step, e->kv[k].key, e->kv[k].val, "(nothing)");
			if (strcmp(e->kv[k].key, x->kv[k].key))
				return diverge(msg, msglen, step, "key", e->kv[k].key, x->kv[k].key);
			if (strcmp(e->kv[k].val, x->kv[k].val))
				return diverge(msg, msglen, step, e->kv[k].key, e->kv[k].val, x->kv[k].val);
		}
		if (cycle_tol >= 0 && e->has_cycle && x->has_cycle) {
			uint64_t d = e->cycle > x->cycle ? e->cycle - x->cycle : x->cycle - e->cycle;

			if (d > (uint64_t)cycle_tol) {
				snprintf(a, sizeof(a), "%" PRIu64, e->cycle);
				snprintf(b, sizeof(b), "%" PRIu64, x->cycle);
				return diverge(msg, msglen, step, "cycle", a, b);
			}
		}
	}
	if (expected->n != actual->n) {
		snprintf(a, sizeof(a), "%zu records", expected->n);
		snprintf(b, sizeof(b), "%zu records", actual->n);
		return diverge(msg, msglen, (unsigned)n + 1, "end", a, b);
	}
	return 0;
}

const char *vbus_trace_errno_name(int e)
{
	/* the §7.1 list, in its order */
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ -EIO, "-EIO" },	    { -EAGAIN, "-EAGAIN" },
		{ -ENOSPC, "-ENOSPC" },	    { -EINVAL, "-EINVAL" },
		{ -ENODEV, "-ENODEV" },	    { -EBUSY, "-EBUSY" },
		{ -ENOTCONN, "-ENOTCONN" }, { -EEXIST, "-EEXIST" },
		{ -ENOSYS, "-ENOSYS" },	    { -EOPNOTSUPP, "-EOPNOTSUPP" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return "-E?";
}

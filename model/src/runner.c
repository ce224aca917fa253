// SPDX-License-Identifier: GPL-2.0
/*
 * Vector runner: builds the objects of a vector (§8.2), executes its steps in
 * order (§8.3) and emits one trace record per completed operation (§7.1).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vbus/bus.h>
#include <vbus/ioq.h>
#include <vbus/shm_signal.h>

#include "vbusmodel/model.h"
#include "vbusmodel/runner.h"

struct run {
	const struct vbus_vector *v;
	struct vm_obj obj[VBUS_VEC_MAX_OBJECTS];
	unsigned nobj;
	struct vbus_trace *out;
	unsigned step;
	char *err;
	size_t errlen;
	int rc; /* first error of a nested step (the handler cannot return one) */
	/* the handler of the wakeup being executed */
	const struct vbus_vec_step *nested;
	size_t nnested;
	int handler_ran;
};

static int run_err(struct run *r, const struct vbus_vec_step *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int run_err(struct run *r, const struct vbus_vec_step *s, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, r->errlen, "%s:%d: ", r->v->file, s ? s->line : 0);
	if (n < 0 || (size_t)n >= r->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static struct vm_obj *find_obj(struct run *r, const char *name)
{
	for (unsigned i = 0; i < r->nobj; i++)
		if (!strcmp(r->obj[i].name, name))
			return &r->obj[i];
	return NULL;
}

/* Every key of @s must be in the space-separated list @allowed. */
static int check_keys(struct run *r, const struct vbus_vec_step *s, const char *allowed)
{
	for (unsigned i = 0; i < s->nkv; i++) {
		const char *k = s->kv[i].key, *p = allowed;
		size_t kl = strlen(k);
		int ok = 0;
		while (*p && !ok) {
			size_t l = strcspn(p, " ");
			ok = l == kl && !strncmp(p, k, l);
			p += l + (p[l] == ' ');
		}
		if (!ok)
			return run_err(r, s, "operation '%s' takes no key '%s'", s->op, k);
	}
	return 0;
}

static int get_num(struct run *r, const struct vbus_vec_step *s, const char *key, uint64_t dflt, uint64_t max,
		   uint64_t *out)
{
	if (vbus_step_u64(s, key, dflt, out))
		return run_err(r, s, "%s=%s is not a number", key, vbus_step_get(s, key));
	if (*out > max)
		return run_err(r, s, "%s=%s is out of range (max %llu)", key, vbus_step_get(s, key),
			       (unsigned long long)max);
	return 0;
}

static int need(struct run *r, const struct vbus_vec_step *s, const char *key)
{
	if (!vbus_step_get(s, key))
		return run_err(r, s, "operation '%s' needs %s=", s->op, key);
	return 0;
}

/* Append the record of a completed step: result, details, state of @o. */
static int emit(struct run *r, const struct vbus_vec_step *s, struct vm_obj *o, int res, const char *details)
{
	struct vbus_trace_rec rec;
	int rc = 0;
	memset(&rec, 0, sizeof(rec));
	rec.step = ++r->step;
	rec.side = s->side;
	snprintf(rec.op, sizeof(rec.op), "%s", s->op);
	snprintf(rec.obj, sizeof(rec.obj), "%s", s->obj);
	snprintf(rec.result, sizeof(rec.result), "%s", vm_result_name(res));
	/* details: "k=v k=v" */
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", details ? details : "");
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(t, '=');
		*eq = 0;
		rc |= vbus_trace_rec_kv(&rec, t, "%s", eq + 1);
	}
	struct vm_signal *sig = vm_obj_signal(o);
	if (sig) {
		for (int side = 0; side < 2; side++)
			rc |= vbus_trace_rec_kv(&rec, side ? "S" : "N", "%d%d%d", vm_sig_get(sig, side, 0),
						vm_sig_get(sig, side, 1), vm_sig_get(sig, side, 2));
		if (o->kind == VM_RING) {
			const struct vm_ring *g = &o->ring;
			rc |= vbus_trace_rec_kv(&rec, "ni", "%u", vm_ring_shared(g, VM_NI));
			rc |= vbus_trace_rec_kv(&rec, "si", "%u", vm_ring_shared(g, VM_SI));
			rc |= vbus_trace_rec_kv(&rec, "ne", "%u", vm_ring_shared(g, VM_NE));
			rc |= vbus_trace_rec_kv(&rec, "se", "%u", vm_ring_shared(g, VM_SE));
			rc |= vbus_trace_rec_kv(&rec, "br", "%d%d", g->nbroken, g->sbroken);
		}
		for (int side = 0; side < 2; side++) {
			const struct vm_mod *m = &sig->mod[side];
			if (!m->on)
				continue;
			rc |= vbus_trace_rec_kv(&rec, "mc", "%u", m->mc);
			if (m->mt)
				rc |= vbus_trace_rec_kv(&rec, "mt", "%u", m->mt);
			else
				rc |= vbus_trace_rec_kv(&rec, "mt", "-");
		}
	} else {
		for (unsigned i = 0; i < o->bus.ndev; i++) {
			char key[16];
			snprintf(key, sizeof(key), "d%u", o->bus.dev[i].id);
			rc |= vbus_trace_rec_kv(&rec, key, "%s", vm_dev_state_name(o->bus.dev[i].state));
		}
		rc |= vbus_trace_rec_kv(&rec, "ev", "%llu", (unsigned long long)o->bus.events);
	}
	if (rc)
		return run_err(r, s, "trace record too long");
	return vbus_trace_append(r->out, &rec);
}

static int exec_step(struct run *r, const struct vbus_vec_step *s, const struct vbus_vec_step *nested, size_t nnested);

/* The wakeup handler: the nested lines, on its first call only (§8.3). */
static void vector_handler(void *ctx)
{
	struct run *r = ctx;
	if (r->handler_ran)
		return;
	r->handler_ran = 1;
	for (size_t i = 0; i < r->nnested && !r->rc; i++)
		r->rc = exec_step(r, &r->nested[i], NULL, 0);
}

static int side_of(struct run *r, const struct vbus_vec_step *s, const char *allowed)
{
	if (!strchr(allowed, s->side))
		return run_err(r, s, "operation '%s' cannot be done by side '%c'", s->op, s->side);
	return s->side == 'N' ? VBUS_NORTH : VBUS_SOUTH;
}

static int exec_signal_op(struct run *r, const struct vbus_vec_step *s, struct vm_obj *o,
			  const struct vbus_vec_step *nested, size_t nnested)
{
	struct vm_signal *sig = vm_obj_signal(o);
	char det[128] = "";
	uint64_t a, b;
	int x, res, rc;

	if (!sig)
		return run_err(r, s, "operation '%s' needs a signal or ring, '%s' is a bus", s->op, s->obj);
	if (!strcmp(s->op, "tick")) {
		if ((rc = check_keys(r, s, "n")) || (rc = side_of(r, s, "-")) < 0 ||
		    (rc = get_num(r, s, "n", 1, 1u << 30, &a)))
			return rc;
		res = VM_IDLE;
		for (uint64_t i = 0; i < a; i++) {
			int t = vm_sig_tick(sig);
			if (t == VM_FIRE || (t == VM_DROP && res == VM_IDLE))
				res = t;
		}
		return emit(r, s, o, res, NULL);
	}
	if ((x = side_of(r, s, "NS")) < 0)
		return x;
	if (!strcmp(s->op, "moderate")) {
		if ((rc = check_keys(r, s, "holdoff count")) || (rc = get_num(r, s, "holdoff", 0, UINT32_MAX, &a)) ||
		    (rc = get_num(r, s, "count", 0, 255, &b)))
			return rc;
		vm_sig_moderate(sig, x, (uint32_t)a, (uint32_t)b);
		return emit(r, s, o, VM_OK, NULL);
	}
	if ((rc = check_keys(r, s, "")))
		return rc;
	if (!strcmp(s->op, "enable")) {
		res = vm_sig_enable(sig, x);
	} else if (!strcmp(s->op, "disable")) {
		res = vm_sig_disable(sig, x);
	} else if (!strcmp(s->op, "inject")) {
		res = vm_sig_inject(sig, x);
	} else {
		unsigned iter;
		const struct vbus_vec_step *sn = r->nested;
		size_t snn = r->nnested;
		int sran = r->handler_ran;
		r->nested = nested;
		r->nnested = nnested;
		r->handler_ran = 0;
		res = vm_sig_wakeup(sig, x, vector_handler, r, &iter);
		r->nested = sn;
		r->nnested = snn;
		r->handler_ran = sran;
		if (r->rc)
			return r->rc;
		if (res == VM_OK)
			snprintf(det, sizeof(det), "iter=%u", iter);
	}
	return emit(r, s, o, res, det);
}

static int exec_ring_op(struct run *r, const struct vbus_vec_step *s, struct vm_obj *o)
{
	struct vm_ring *g = &o->ring;
	char det[128] = "";
	uint64_t n, a, b, c, d;
	uint32_t got = 0, len = 0;
	uint64_t cookie = 0;
	int res, rc;

	if (o->kind != VM_RING)
		return run_err(r, s, "operation '%s' needs a ring, '%s' is not one", s->op, s->obj);
	if (!strcmp(s->op, "push")) {
		if ((rc = side_of(r, s, "N")) < 0 || (rc = check_keys(r, s, "n len off cookie flags")) ||
		    (rc = get_num(r, s, "n", 1, UINT32_MAX, &n)) || (rc = get_num(r, s, "len", 64, UINT32_MAX, &a)) ||
		    (rc = get_num(r, s, "off", 0, UINT64_MAX, &b)) || (rc = get_num(r, s, "flags", 0, 0xffff, &d)) ||
		    (rc = get_num(r, s, "cookie", 0, UINT64_MAX, &c)))
			return rc;
		res = vm_ring_push(g, (uint32_t)n, (uint32_t)a, b, vbus_step_get(s, "cookie") ? &c : NULL, (uint16_t)d,
				   &got);
		if (res == VM_OK)
			snprintf(det, sizeof(det), "n=%u", got);
	} else if (!strcmp(s->op, "pop") || !strcmp(s->op, "reclaim")) {
		int pop = s->op[0] == 'p';
		if ((rc = side_of(r, s, pop ? "S" : "N")) < 0 || (rc = check_keys(r, s, pop ? "n used" : "n")) ||
		    (rc = get_num(r, s, "n", 1, UINT32_MAX, &n)) || (rc = get_num(r, s, "used", 0, UINT32_MAX, &a)))
			return rc;
		uint32_t used = (uint32_t)a;
		if (pop)
			res = vm_ring_pop(g, (uint32_t)n, vbus_step_get(s, "used") ? &used : NULL, &got, &cookie, &len);
		else
			res = vm_ring_reclaim(g, (uint32_t)n, &got, &cookie, &len);
		if (res == VM_OK)
			snprintf(det, sizeof(det), "n=%u cookie=%llu len=%u", got, (unsigned long long)cookie, len);
	} else if (!strcmp(s->op, "take")) {
		if ((rc = side_of(r, s, "S")) < 0 || (rc = check_keys(r, s, "n")) ||
		    (rc = get_num(r, s, "n", 1, 65536, &n)))
			return rc;
		if (n == 0)
			return run_err(r, s, "take needs n >= 1");
		res = vm_ring_take(g, (uint32_t)n, &got, &cookie, &len);
		if (res == VM_OK)
			snprintf(det, sizeof(det), "n=%u cookie=%llu len=%u", got, (unsigned long long)cookie, len);
	} else if (!strcmp(s->op, "complete")) {
		if ((rc = side_of(r, s, "S")) < 0 || (rc = check_keys(r, s, "id used err")) ||
		    (rc = need(r, s, "id")) || (rc = get_num(r, s, "id", 0, UINT64_MAX, &a)) ||
		    (rc = get_num(r, s, "used", UINT32_MAX, UINT32_MAX, &b)) || (rc = get_num(r, s, "err", 0, 1, &c)))
			return rc;
		res = vm_ring_complete(g, a > UINT32_MAX ? UINT32_MAX : (uint32_t)a, (uint32_t)b, (int)c);
		if (res == VM_OK)
			snprintf(det, sizeof(det), "n=1");
	} else if (!strcmp(s->op, "kick")) {
		int x;
		if ((x = side_of(r, s, "NS")) < 0 || (rc = check_keys(r, s, "")))
			return x < 0 ? x : rc;
		res = vm_ring_kick(g, x);
	} else if (!strcmp(s->op, "arm")) {
		int x;
		if ((x = side_of(r, s, "NS")) < 0)
			return x;
		if ((rc = check_keys(r, s, "t")) || (rc = get_num(r, s, "t", 1, UINT32_MAX, &a)))
			return rc;
		if (a == 0)
			return run_err(r, s, "arm needs t >= 1");
		res = vm_ring_arm(g, x, (uint32_t)a);
	} else if (!strcmp(s->op, "attach")) {
		if ((rc = side_of(r, s, "S")) < 0 || (rc = check_keys(r, s, "")))
			return rc;
		res = vm_ring_attach(g);
	} else { /* poke */
		if ((rc = side_of(r, s, "N")) < 0)
			return rc;
		if (s->nkv != 1)
			return run_err(r, s, "poke takes exactly one field=value");
		if ((rc = get_num(r, s, s->kv[0].key, 0, UINT64_MAX, &a)))
			return rc;
		if (vm_ring_poke(g, s->kv[0].key, a))
			return run_err(r, s, "poke: unknown field '%s' or value %s too wide for it", s->kv[0].key,
				       s->kv[0].val);
		res = VM_OK;
	}
	return emit(r, s, o, res, det);
}

static int exec_bus_op(struct run *r, const struct vbus_vec_step *s, struct vm_obj *o)
{
	struct vm_bus *b = &o->bus;
	uint64_t dev, a0 = 0, a1 = 0, off = 0, len = 0, sig = VBUS_CTRL_NO_SIGNAL, code;
	uint32_t ret = 0;
	int res, rc, with_ret = 0;
	char det[64] = "";

	if (o->kind != VM_BUS)
		return run_err(r, s, "operation '%s' needs a bus, '%s' is not one", s->op, s->obj);
	if ((rc = need(r, s, "dev")) || (rc = get_num(r, s, "dev", 0, UINT32_MAX, &dev)))
		return rc;
	if (!strcmp(s->op, "devadd") || !strcmp(s->op, "devdrop") || !strcmp(s->op, "fault")) {
		if ((rc = side_of(r, s, "S")) < 0)
			return rc;
		if (!strcmp(s->op, "devadd")) {
			const char *type = vbus_step_get(s, "type");
			if ((rc = check_keys(r, s, "dev type ver")) || (rc = need(r, s, "type")) ||
			    (rc = get_num(r, s, "ver", 1, UINT32_MAX, &a0)))
				return rc;
			if (strlen(type) >= VBUS_DEV_TYPE_LEN)
				return run_err(r, s, "type '%s' longer than %d bytes", type, VBUS_DEV_TYPE_LEN - 1);
			rc = vm_bus_devadd(b, (uint32_t)dev, type, (uint32_t)a0, 0, r->v->obj[o - r->obj].max_shm, 1);
			if (rc == -EEXIST)
				return run_err(r, s, "devadd: device %llu is already present", (unsigned long long)dev);
			if (rc)
				return run_err(r, s, "devadd: device %llu cannot be added (%d)",
					       (unsigned long long)dev, rc);
			res = VM_OK;
		} else if (!strcmp(s->op, "devdrop")) {
			if ((rc = check_keys(r, s, "dev")))
				return rc;
			if (vm_bus_devdrop(b, (uint32_t)dev))
				return run_err(r, s, "devdrop: device %llu is absent", (unsigned long long)dev);
			res = VM_OK;
		} else {
			if ((rc = check_keys(r, s, "dev")))
				return rc;
			res = vm_bus_fault(b, (uint32_t)dev);
		}
		return emit(r, s, o, res, NULL);
	}
	if ((rc = side_of(r, s, "N")) < 0)
		return rc;
	if (!strcmp(s->op, "open")) {
		if ((rc = check_keys(r, s, "dev ver")) || (rc = get_num(r, s, "ver", 1, UINT32_MAX, &a0)))
			return rc;
		code = VBUS_CTRL_OPEN;
		with_ret = 1;
	} else if (!strcmp(s->op, "close") || !strcmp(s->op, "release")) {
		if ((rc = check_keys(r, s, "dev")))
			return rc;
		code = s->op[0] == 'c' ? VBUS_CTRL_CLOSE : VBUS_CTRL_RELEASE;
	} else if (!strcmp(s->op, "shm")) {
		if ((rc = check_keys(r, s, "dev id off len prio sig")) || (rc = need(r, s, "id")) ||
		    (rc = need(r, s, "off")) || (rc = need(r, s, "len")) ||
		    (rc = get_num(r, s, "id", 0, UINT32_MAX, &a0)) ||
		    (rc = get_num(r, s, "prio", 0, UINT32_MAX, &a1)) ||
		    (rc = get_num(r, s, "off", 0, UINT64_MAX, &off)) ||
		    (rc = get_num(r, s, "len", 0, UINT64_MAX, &len)) ||
		    (rc = get_num(r, s, "sig", VBUS_CTRL_NO_SIGNAL, UINT64_MAX, &sig)))
			return rc;
		code = VBUS_CTRL_SHM;
		with_ret = 1;
	} else if (!strcmp(s->op, "call")) {
		if ((rc = check_keys(r, s, "dev func arg off len")) || (rc = need(r, s, "func")) ||
		    (rc = get_num(r, s, "func", 0, UINT32_MAX, &a0)) ||
		    (rc = get_num(r, s, "arg", 0, UINT32_MAX, &a1)) ||
		    (rc = get_num(r, s, "off", 0, UINT64_MAX, &off)) ||
		    (rc = get_num(r, s, "len", 0, UINT64_MAX, &len)))
			return rc;
		code = VBUS_CTRL_CALL;
		with_ret = 1;
	} else { /* ctrl */
		if ((rc = check_keys(r, s, "dev code")) || (rc = need(r, s, "code")) ||
		    (rc = get_num(r, s, "code", 0, UINT32_MAX, &code)))
			return rc;
		sig = 0; /* a raw request with no arguments */
	}
	res = vm_bus_ctrl(b, (uint32_t)code, (uint32_t)dev, (uint32_t)a0, (uint32_t)a1, off, len, sig, &ret);
	if (res == VM_OK && with_ret)
		snprintf(det, sizeof(det), "ret=%u", ret);
	return emit(r, s, o, res, det);
}

static int exec_step(struct run *r, const struct vbus_vec_step *s, const struct vbus_vec_step *nested, size_t nnested)
{
	static const char *const sig_ops[] = { "enable", "disable", "inject", "wakeup", "moderate", "tick", NULL };
	static const char *const ring_ops[] = { "push", "pop", "reclaim", "take", "complete",
						"kick", "arm", "attach",  "poke", NULL };
	struct vm_obj *o = find_obj(r, s->obj);
	if (!o)
		return run_err(r, s, "unknown object '%s'", s->obj);
	for (int i = 0; sig_ops[i]; i++)
		if (!strcmp(s->op, sig_ops[i]))
			return exec_signal_op(r, s, o, nested, nnested);
	for (int i = 0; ring_ops[i]; i++)
		if (!strcmp(s->op, ring_ops[i]))
			return exec_ring_op(r, s, o);
	return exec_bus_op(r, s, o);
}

static int build_objects(struct run *r)
{
	const struct vbus_vector *v = r->v;
	for (unsigned i = 0; i < v->nobj; i++) {
		const struct vbus_vec_object *vo = &v->obj[i];
		struct vm_obj *o = &r->obj[r->nobj];
		if (vo->kind == VBUS_VEC_SIGNAL) {
			vm_obj_init_signal(o, vo->name);
		} else if (vo->kind == VBUS_VEC_RING) {
			int rc = vm_obj_init_ring(o, vo->name, vo->count,
						  (vo->evidx ? VBUS_IOQ_F_EVENT_IDX : 0) |
							  (vo->ooo ? VBUS_IOQ_F_OOO : 0),
						  vo->base, vo->region);
			if (rc) {
				vm_obj_free(o);
				return run_err(r, NULL, "object %s: ring count=%u does not fit region=%llu (%d)",
					       vo->name, vo->count, (unsigned long long)vo->region, rc);
			}
		} else {
			vm_obj_init_bus(o, vo->name, vo->region);
			if (vo->max_shm > VM_BUS_MAX_SHM)
				return run_err(r, NULL, "object %s: max_shm=%u above the model's %d", vo->name,
					       vo->max_shm, VM_BUS_MAX_SHM);
			for (unsigned k = 0; k < vo->ndev; k++)
				if (vm_bus_devadd(&o->bus, vo->dev[k].id, vo->dev[k].type, vo->dev[k].version,
						  vo->dev[k].features, vo->max_shm, 0))
					return run_err(r, NULL, "object %s: device %u declared twice or invalid",
						       vo->name, vo->dev[k].id);
		}
		r->nobj++;
	}
	return 0;
}

int vm_run_vector(const struct vbus_vector *v, struct vbus_trace *out, char *err, size_t errlen)
{
	struct run r;
	int rc;
	memset(&r, 0, sizeof(r));
	r.v = v;
	r.out = out;
	r.err = err;
	r.errlen = errlen;
	rc = build_objects(&r);
	for (size_t i = 0; i < v->nsteps && !rc; i++) {
		const struct vbus_vec_step *s = &v->steps[i];
		size_t nn = 0;
		if (s->nested)
			return run_err(&r, s, "nested step without a wakeup"); /* the reader rejects this */
		if (!strcmp(s->op, "wakeup"))
			while (i + 1 + nn < v->nsteps && v->steps[i + 1 + nn].nested)
				nn++;
		rc = exec_step(&r, s, nn ? s + 1 : NULL, nn);
		i += nn;
	}
	for (unsigned i = 0; i < r.nobj; i++)
		vm_obj_free(&r.obj[i]);
	return rc;
}

int vm_check_vector_file(const char *path, char *name, size_t namelen, char *msg, size_t msglen)
{
	struct vbus_vector v;
	struct vbus_trace actual = { 0 };
	int rc = vbus_vec_parse_file(path, &v, msg, msglen);
	snprintf(name, namelen, "%s", path);
	if (rc)
		return rc;
	snprintf(name, namelen, "%s", v.name);
	rc = vm_run_vector(&v, &actual, msg, msglen);
	if (!rc)
		rc = vbus_trace_compare(&v.expect, &actual, -1, msg, msglen);
	vbus_trace_free(&actual);
	vbus_vec_free(&v);
	return rc;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The production core's conformance adapter: replays a vector (docs/spec/
 * 08-vectors.md) through kernel/core built in userspace and emits the §7
 * trace. Front end: vbus-core-vectors (core_vectors.c) over cosim/driver.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/byteorder.h>

#include "vbus_core.h"
#include "vbus_vector.h"
#include "adapters.h"

/* Bus region layout the adapter uses (south creates it, §3.1). */
#define BUS_MAX_DEVICES VBUS_VEC_MAX_DEVICES
#define BUS_TABLE_OFF 128u
#define BUS_CTRL_OFF 2048u
#define BUS_EVENT_OFF 2688u /* v2: an 8-slot ring is 576 bytes */
#define BUS_MSG_OFF 3328u
#define BUS_DATA_OFF 4096u
#define BUS_RING_COUNT 8u
#define BUS_MAX_IDS 64

struct obj {
	const struct vbus_vec_object *vo;
	void *mem; /* signal descriptor, ring region or bus region */
	uint64_t size;
	/* signal */
	struct shm_signal sig[2]; /* indexed by side */
	/* ring */
	struct ioq q[2]; /* q[VBUS_NORTH], q[VBUS_SOUTH] */
	void *track[2];	 /* ooo=1: each side's private id tracking (§2.12) */
	/* signal and ring */
	struct vbus_moderation mod[2];
	bool mod_on[2];
	/* bus */
	struct vbus_bus *bus;
	struct ioq ctrl_n, ctrl_s;
	u32 ids[BUS_MAX_IDS]; /* devices in order of first appearance */
	unsigned int nids;
};

struct run {
	const struct vbus_vector *v;
	struct obj obj[VBUS_VEC_MAX_OBJECTS];
	struct vbus_trace trace;
	char err[VBUS_VEC_ERR_LEN];
	int failed;  /* a semantic error in the vector */
	size_t next; /* index of the next step to run */
};

static const char *signal_result_name(int r)
{
	static const char *const names[] = {
		[SHM_SIGNAL_OK] = "ok",		  [SHM_SIGNAL_SELF] = "self",
		[SHM_SIGNAL_NOTIFY] = "notify",	  [SHM_SIGNAL_SUPPRESS] = "suppress",
		[SHM_SIGNAL_EVSKIP] = "evskip",	  [SHM_SIGNAL_DEFER] = "defer",
		[SHM_SIGNAL_FIRE] = "fire",	  [SHM_SIGNAL_DROP] = "drop",
		[SHM_SIGNAL_IDLE] = "idle",	  [SHM_SIGNAL_DISABLED] = "disabled",
		[SHM_SIGNAL_RESCHED] = "resched",
	};

	if (r < 0)
		return vbus_trace_errno_name(r);
	if ((size_t)r < sizeof(names) / sizeof(names[0]) && names[r])
		return names[r];
	return "?";
}

static int run_error(struct run *rn, const struct vbus_vec_step *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(rn->err, sizeof(rn->err), "%s:%d: ", rn->v->file, s->line);
	va_start(ap, fmt);
	vsnprintf(rn->err + n, sizeof(rn->err) - n, fmt, ap);
	va_end(ap);
	rn->failed = 1;
	return -1;
}

static struct obj *find_obj(struct run *rn, const char *name)
{
	unsigned int i;

	for (i = 0; i < rn->v->nobj; i++)
		if (!strcmp(rn->obj[i].vo->name, name))
			return &rn->obj[i];
	return NULL;
}

static int side_of(char c)
{
	return c == 'N' ? VBUS_NORTH : VBUS_SOUTH;
}

/* ------------------------------------------------------------- objects */

static int setup_signal(struct obj *o)
{
	o->mem = aligned_alloc(64, sizeof(struct vbus_shm_signal_desc));
	if (!o->mem)
		return -ENOMEM;
	shm_signal_init(o->mem);
	shm_signal_bind(&o->sig[VBUS_NORTH], o->mem, VBUS_NORTH);
	shm_signal_bind(&o->sig[VBUS_SOUTH], o->mem, VBUS_SOUTH);
	return 0;
}

static int setup_ring(struct obj *o)
{
	int ret;

	o->size = o->vo->region;
	o->mem = aligned_alloc(64, (o->size + 63) & ~63ull);
	if (!o->mem)
		return -ENOMEM;
	memset(o->mem, 0, o->size);
	if (o->vo->ooo) { /* south offers OOO for the object's count; north sets the flag (§2.12) */
		size_t tb = IOQ_OOO_TRACK_BYTES(o->vo->count);

		o->track[VBUS_NORTH] = aligned_alloc(64, (tb + 63) & ~(size_t)63);
		o->track[VBUS_SOUTH] = aligned_alloc(64, (tb + 63) & ~(size_t)63);
		if (!o->track[VBUS_NORTH] || !o->track[VBUS_SOUTH])
			return -ENOMEM;
		ret = ioq_north_init_ooo(&o->q[VBUS_NORTH], o->mem, o->vo->count,
					 (o->vo->evidx ? VBUS_IOQ_F_EVENT_IDX : 0) | VBUS_IOQ_F_OOO, o->vo->base,
					 o->size, o->track[VBUS_NORTH], tb);
		if (ret)
			return ret;
		return ioq_south_attach_ooo(&o->q[VBUS_SOUTH], o->mem, o->size, 0, o->track[VBUS_SOUTH], tb);
	}
	ret = ioq_north_init(&o->q[VBUS_NORTH], o->mem, o->vo->count, o->vo->evidx ? VBUS_IOQ_F_EVENT_IDX : 0,
			     o->vo->base, o->size);
	if (ret)
		return ret;
	return ioq_south_attach(&o->q[VBUS_SOUTH], o->mem, o->size, 0);
}

static void bus_note_id(struct obj *o, u32 id)
{
	unsigned int i;

	for (i = 0; i < o->nids; i++)
		if (o->ids[i] == id)
			return;
	if (o->nids < BUS_MAX_IDS)
		o->ids[o->nids++] = id;
}

static int setup_bus(struct obj *o)
{
	struct vbus_bus_layout lay = {
		.max_devices = BUS_MAX_DEVICES,
		.device_table_off = BUS_TABLE_OFF,
		.ctrl_ring_off = BUS_CTRL_OFF,
		.event_ring_off = BUS_EVENT_OFF,
		.data_off = BUS_DATA_OFF,
	};
	const struct vbus_vec_object *vo = o->vo;
	unsigned int i;
	int ret;

	o->size = vo->region;
	if (o->size < BUS_DATA_OFF)
		return -EINVAL;
	lay.data_len = o->size - BUS_DATA_OFF;
	o->mem = aligned_alloc(64, (o->size + 63) & ~63ull);
	o->bus = calloc(1, sizeof(*o->bus));
	if (!o->mem || !o->bus)
		return -ENOMEM;
	memset(o->mem, 0, o->size);
	ret = vbus_bus_create(o->bus, o->mem, o->size, &lay);
	if (ret)
		return ret;
	for (i = 0; i < vo->ndev; i++) {
		ret = vbus_bus_add_device(o->bus, vo->dev[i].id, vo->dev[i].type, vo->dev[i].version,
					  vo->dev[i].features, vo->max_shm, false);
		if (ret < 0)
			return ret;
		bus_note_id(o, vo->dev[i].id);
	}
	/* North initialises the control ring, south attaches it (§3.5). */
	ret = ioq_north_init(&o->ctrl_n, (struct vbus_ioq_ring *)((u8 *)o->mem + BUS_CTRL_OFF), BUS_RING_COUNT, 0, 0,
			     o->size);
	if (ret)
		return ret;
	ret = ioq_south_attach(&o->ctrl_s, o->mem, o->size, BUS_CTRL_OFF);
	if (ret)
		return ret;
	return vbus_bus_check(o->bus);
}

static void free_obj(struct obj *o)
{
	free(o->mem);
	free(o->track[VBUS_NORTH]);
	free(o->track[VBUS_SOUTH]);
	free(o->bus);
}

/* ------------------------------------------------------------- trace */

static void add_state(struct obj *o, struct vbus_trace_rec *r)
{
	const struct vbus_vec_object *vo = o->vo;
	unsigned int i, x;

	if (vo->kind == VBUS_VEC_SIGNAL || vo->kind == VBUS_VEC_RING) {
		const struct vbus_shm_signal_desc *d =
			vo->kind == VBUS_VEC_SIGNAL ? o->mem : &((const struct vbus_ioq_ring *)o->mem)->signal;

		for (x = 0; x < 2; x++) {
			unsigned int st = shm_signal_state(d, x);

			vbus_trace_rec_kv(r, x == VBUS_NORTH ? "N" : "S", "%u%u%u", st >> 2 & 1, st >> 1 & 1, st & 1);
		}
	}
	if (vo->kind == VBUS_VEC_RING) {
		const struct vbus_ioq_ring *ring = o->mem;

		vbus_trace_rec_kv(r, "ni", "%u", le32_to_cpu(ring->north.index));
		vbus_trace_rec_kv(r, "si", "%u", le32_to_cpu(ring->south.index));
		vbus_trace_rec_kv(r, "ne", "%u", le32_to_cpu(ring->north.event));
		vbus_trace_rec_kv(r, "se", "%u", le32_to_cpu(ring->south.event));
		vbus_trace_rec_kv(r, "br", "%d%d", o->q[VBUS_NORTH].broken, o->q[VBUS_SOUTH].broken);
	}
	if (vo->kind != VBUS_VEC_BUS) {
		/* the moderated side: south if configured, else north */
		int x = o->mod_on[VBUS_SOUTH] ? VBUS_SOUTH : VBUS_NORTH;

		if (o->mod_on[x]) {
			vbus_trace_rec_kv(r, "mc", "%u", o->mod[x].mc);
			if (o->mod[x].mt)
				vbus_trace_rec_kv(r, "mt", "%u", o->mod[x].mt);
			else
				vbus_trace_rec_kv(r, "mt", "-");
		}
		return;
	}
	for (i = 0; i < o->nids; i++) {
		static const char *const st[] = { "empty", "present", "open", "broken" };
		const struct vbus_dev_state *ds = vbus_bus_find(o->bus, o->ids[i]);
		char key[16];

		snprintf(key, sizeof(key), "d%u", o->ids[i]);
		vbus_trace_rec_kv(r, key, "%s", st[ds ? ds->state : VBUS_DEV_EMPTY]);
	}
	vbus_trace_rec_kv(r, "ev", "%llu", (unsigned long long)o->bus->event_seq);
}

static int emit(struct run *rn, const struct vbus_vec_step *s, struct obj *o, const char *result,
		const char *detail_fmt, ...)
{
	struct vbus_trace_rec r;

	memset(&r, 0, sizeof(r));
	r.step = rn->trace.n + 1;
	r.side = s->side;
	snprintf(r.op, sizeof(r.op), "%s", s->op);
	snprintf(r.obj, sizeof(r.obj), "%s", s->obj);
	snprintf(r.result, sizeof(r.result), "%s", result);
	if (detail_fmt) {
		/* details are "key=value" pairs separated by spaces */
		char buf[256], *tok, *save = NULL;
		va_list ap;

		va_start(ap, detail_fmt);
		vsnprintf(buf, sizeof(buf), detail_fmt, ap);
		va_end(ap);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(tok, '=');

			*eq = '\0';
			vbus_trace_rec_kv(&r, tok, "%s", eq + 1);
		}
	}
	add_state(o, &r);
	return vbus_trace_append(&rn->trace, &r);
}

/* ------------------------------------------------------------- ops */

static int get(struct run *rn, const struct vbus_vec_step *s, const char *key, uint64_t dflt, uint64_t *out)
{
	if (vbus_step_u64(s, key, dflt, out))
		return run_error(rn, s, "%s: bad value for %s", s->op, key);
	return 0;
}

static int need(struct run *rn, const struct vbus_vec_step *s, const char *key, uint64_t *out)
{
	if (!vbus_step_get(s, key))
		return run_error(rn, s, "%s: missing %s=", s->op, key);
	return get(rn, s, key, 0, out);
}

static int run_steps(struct run *rn, int nested);

struct wake_ctx {
	struct run *rn;
	int calls;
};

static void wake_handler(void *arg)
{
	struct wake_ctx *w = arg;

	if (w->calls++ == 0)
		run_steps(w->rn, 1);
}

/* Runs the nested lines of a wakeup whose handler never ran, without records. */
static void skip_nested(struct run *rn)
{
	while (rn->next < rn->v->nsteps && rn->v->steps[rn->next].nested)
		rn->next++;
}

static int do_wakeup(struct run *rn, const struct vbus_vec_step *s, struct obj *o, struct shm_signal *sig)
{
	struct wake_ctx w = { .rn = rn };
	unsigned int iter;
	int ret;

	ret = shm_signal_wakeup(sig, wake_handler, &w, 0, &iter);
	if (w.calls == 0)
		skip_nested(rn);
	if (rn->failed)
		return -1;
	if (ret == SHM_SIGNAL_OK)
		return emit(rn, s, o, "ok", "iter=%u", iter);
	return emit(rn, s, o, signal_result_name(ret), NULL);
}

static int do_moderate(struct run *rn, const struct vbus_vec_step *s, struct obj *o, struct shm_signal *sig)
{
	int x = side_of(s->side);
	uint64_t h, c;

	if (get(rn, s, "holdoff", 0, &h) || get(rn, s, "count", 0, &c))
		return -1;
	vbus_moderation_set(&o->mod[x], h, c);
	o->mod_on[x] = true;
	sig->mod = &o->mod[x];
	return emit(rn, s, o, "ok", NULL);
}

static int do_tick(struct run *rn, const struct vbus_vec_step *s, struct obj *o)
{
	int fire = 0, drop = 0, x;
	uint64_t n, i;

	if (get(rn, s, "n", 1, &n))
		return -1;
	for (i = 0; i < n; i++) {
		for (x = 0; x < 2; x++) {
			struct shm_signal *sig = o->vo->kind == VBUS_VEC_RING ? &o->q[x].sig : &o->sig[x];
			int r = o->mod_on[x] ? shm_signal_tick(sig) : SHM_SIGNAL_IDLE;

			fire |= r == SHM_SIGNAL_FIRE;
			drop |= r == SHM_SIGNAL_DROP;
		}
	}
	return emit(rn, s, o, fire ? "fire" : drop ? "drop" : "idle", NULL);
}

static int signal_op(struct run *rn, const struct vbus_vec_step *s, struct obj *o, struct shm_signal *sig)
{
	if (!strcmp(s->op, "enable"))
		return emit(rn, s, o, signal_result_name(shm_signal_enable(sig)), NULL);
	if (!strcmp(s->op, "disable"))
		return emit(rn, s, o, signal_result_name(shm_signal_disable(sig)), NULL);
	if (!strcmp(s->op, "inject"))
		return emit(rn, s, o, signal_result_name(shm_signal_inject(sig)), NULL);
	if (!strcmp(s->op, "wakeup"))
		return do_wakeup(rn, s, o, sig);
	if (!strcmp(s->op, "moderate"))
		return do_moderate(rn, s, o, sig);
	return 1; /* not a signal op */
}

static int ring_push(struct run *rn, const struct vbus_vec_step *s, struct obj *o)
{
	struct ioq *q = &o->q[VBUS_NORTH];
	struct ioq_desc_info *d;
	uint64_t n, len, off, flags, cookie, i;
	int ret;

	if (get(rn, s, "n", 1, &n) || get(rn, s, "len", 64, &len) || get(rn, s, "off", 0, &off) ||
	    get(rn, s, "flags", 0, &flags))
		return -1;
	if (n == 0 || n > 65536 || len > UINT32_MAX || flags > UINT16_MAX)
		return run_error(rn, s, "push: value out of range");
	d = calloc(n, sizeof(*d));
	if (!d)
		return -1;
	for (i = 0; i < n; i++) {
		if (get(rn, s, "cookie", (u32)(q->idx + i), &cookie)) {
			free(d);
			return -1;
		}
		d[i] = (struct ioq_desc_info){ .cookie = cookie, .offset = off, .len = len, .flags = flags };
	}
	ret = ioq_push(q, d, n);
	free(d);
	if (ret < 0)
		return emit(rn, s, o, vbus_trace_errno_name(ret), NULL);
	return emit(rn, s, o, "ok", "n=%d", ret);
}

static int pop_used(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	const uint64_t *want = arg;

	*used = *want == UINT64_MAX ? d->len : (u32)(*want > d->len ? d->len : *want);
	return 0;
}

static int ring_pop_reclaim(struct run *rn, const struct vbus_vec_step *s, struct obj *o)
{
	struct ioq_desc_info last;
	uint64_t n, used;
	int ret;

	if (get(rn, s, "n", 1, &n) || get(rn, s, "used", UINT64_MAX, &used))
		return -1;
	if (n > 65536)
		return run_error(rn, s, "%s: n out of range", s->op);
	if (!strcmp(s->op, "pop"))
		ret = ioq_pop(&o->q[VBUS_SOUTH], n, pop_used, &used, &last);
	else
		ret = ioq_reclaim(&o->q[VBUS_NORTH], n, NULL, NULL, &last);
	if (ret < 0)
		return emit(rn, s, o, vbus_trace_errno_name(ret), NULL);
	return emit(rn, s, o, "ok", "n=%d cookie=%llu len=%u", ret, (unsigned long long)last.cookie, last.len);
}

/* §2.12: take n descriptors, or complete one id (vector ops, 08-vectors.md §8.3). */
static int ring_take_complete(struct run *rn, const struct vbus_vec_step *s, struct obj *o)
{
	struct ioq *q = &o->q[VBUS_SOUTH];
	struct ioq_desc_info *d;
	uint64_t n, id, used, err;
	int ret;

	if (!strcmp(s->op, "take")) {
		if (get(rn, s, "n", 1, &n))
			return -1;
		if (n == 0 || n > 65536)
			return run_error(rn, s, "take: n out of range");
		d = calloc(n, sizeof(*d));
		if (!d)
			return -1;
		ret = ioq_take(q, d, n);
		if (ret > 0)
			ret = emit(rn, s, o, "ok", "n=%d cookie=%llu len=%u", ret,
				   (unsigned long long)d[ret - 1].cookie, d[ret - 1].len);
		else
			ret = emit(rn, s, o, vbus_trace_errno_name(ret), NULL);
		free(d);
		return ret;
	}
	if (need(rn, s, "id", &id) || get(rn, s, "used", UINT32_MAX, &used) || get(rn, s, "err", 0, &err))
		return -1;
	if (err > 1 || used > UINT32_MAX)
		return run_error(rn, s, "complete: err is 0 or 1, used fits 32 bits");
	{
		struct ioq_desc_info c = { .cookie = id, .len = (u32)used, .flags = err ? VBUS_IOQ_DESC_F_ERROR : 0 };

		ret = ioq_complete(q, &c, 1);
	}
	if (ret < 0)
		return emit(rn, s, o, vbus_trace_errno_name(ret), NULL);
	return emit(rn, s, o, "ok", "n=%d", ret);
}

static int poke_field(struct vbus_ioq_ring *ring, u32 count, const char *k, uint64_t v, uint64_t region)
{
	struct vbus_shm_signal_irq *irq;
	unsigned int slot;
	char field[16];

	if (!strcmp(k, "magic"))
		ring->magic = cpu_to_le32(v);
	else if (!strcmp(k, "version"))
		ring->version = cpu_to_le16(v);
	else if (!strcmp(k, "flags"))
		ring->flags = cpu_to_le16(v);
	else if (!strcmp(k, "count"))
		ring->count = cpu_to_le32(v);
	else if (!strcmp(k, "sig.magic"))
		ring->signal.magic = cpu_to_le32(v);
	else if (!strcmp(k, "sig.version"))
		ring->signal.version = cpu_to_le32(v);
	else if (!strcmp(k, "ni"))
		ring->north.index = cpu_to_le32(v);
	else if (!strcmp(k, "si"))
		ring->south.index = cpu_to_le32(v);
	else if (!strcmp(k, "ne"))
		ring->north.event = cpu_to_le32(v);
	else if (!strcmp(k, "se"))
		ring->south.event = cpu_to_le32(v);
	else if ((k[0] == 'N' || k[0] == 'S') && k[1] == '.' && k[2] && !k[3]) {
		irq = &ring->signal.irq[k[0] == 'N' ? VBUS_NORTH : VBUS_SOUTH];
		if (k[2] == 'e')
			irq->enabled = v;
		else if (k[2] == 'p')
			irq->pending = v;
		else if (k[2] == 'd')
			irq->dirty = v;
		else
			return -EINVAL;
	} else if (sscanf(k, "desc%u.%15s", &slot, field) == 2) {
		struct vbus_ioq_desc *d = &ring->desc[slot];

		if (slot >= count || VBUS_IOQ_RING_SIZE((u64)slot + 1) > region)
			return -EINVAL;
		if (!strcmp(field, "len"))
			d->len = cpu_to_le32(v);
		else if (!strcmp(field, "offset"))
			d->offset = cpu_to_le64(v);
		else if (!strcmp(field, "flags"))
			d->flags = cpu_to_le16(v);
		else if (!strcmp(field, "id"))
			d->id = cpu_to_le16(v);
		else if (!strcmp(field, "cookie")) /* north's cookie table (§2.1) */
			((__le64 *)((u8 *)ring + VBUS_IOQ_COOKIE_OFF((size_t)count)))[slot] = cpu_to_le64(v);
		else
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int ring_op(struct run *rn, const struct vbus_vec_step *s, struct obj *o)
{
	int x = side_of(s->side), ret;
	struct ioq *q = &o->q[x];
	uint64_t t;

	ret = signal_op(rn, s, o, &q->sig);
	if (ret <= 0)
		return ret;
	if (!strcmp(s->op, "kick"))
		return emit(rn, s, o, signal_result_name(ioq_kick(q)), NULL);
	if (!strcmp(s->op, "push"))
		return ring_push(rn, s, o);
	if (!strcmp(s->op, "pop") || !strcmp(s->op, "reclaim"))
		return ring_pop_reclaim(rn, s, o);
	if (!strcmp(s->op, "take") || !strcmp(s->op, "complete"))
		return ring_take_complete(rn, s, o);
	if (!strcmp(s->op, "arm")) {
		if (get(rn, s, "t", 1, &t))
			return -1;
		ret = ioq_arm(q, t);
		return emit(rn, s, o,
			    ret == IOQ_READY   ? "ready"
			    : ret == IOQ_ARMED ? "armed"
					       : vbus_trace_errno_name(ret),
			    NULL);
	}
	if (!strcmp(s->op, "attach")) {
		ret = ioq_south_reattach(q);
		return emit(rn, s, o, ret ? vbus_trace_errno_name(ret) : "ok", NULL);
	}
	if (!strcmp(s->op, "poke")) {
		if (s->nkv != 1 || vbus_step_u64(s, s->kv[0].key, 0, &t))
			return run_error(rn, s, "poke: exactly one numeric field=value");
		if (poke_field(o->mem, o->q[VBUS_NORTH].cnt, s->kv[0].key, t, o->size))
			return run_error(rn, s, "poke: unknown field %s", s->kv[0].key);
		return emit(rn, s, o, "ok", NULL);
	}
	if (!strcmp(s->op, "tick"))
		return do_tick(rn, s, o);
	return run_error(rn, s, "%s is not an operation on a ring", s->op);
}

/* North sends one control request through the control IOQ; south executes it. */
static int bus_request(struct obj *o, const struct vbus_ctrl_msg *req, struct vbus_ctrl_msg *resp)
{
	struct vbus_ctrl_msg *shared = (struct vbus_ctrl_msg *)((u8 *)o->mem + BUS_MSG_OFF);
	struct ioq_desc_info d = { .cookie = 1, .offset = BUS_MSG_OFF, .len = sizeof(*shared) };
	int ret;

	memcpy(shared, req, sizeof(*shared));
	ret = ioq_push(&o->ctrl_n, &d, 1);
	if (ret < 0)
		return ret;
	ioq_kick(&o->ctrl_n);
	ret = ioq_pop(&o->ctrl_s, 1, vbus_bus_ctrl_pop, o->bus, NULL);
	if (ret < 0)
		return ret;
	ret = ioq_reclaim(&o->ctrl_n, 1, NULL, NULL, &d);
	if (ret < 0)
		return ret;
	if (d.len != sizeof(*shared) || (d.flags & VBUS_IOQ_DESC_F_ERROR))
		return -EIO;
	memcpy(resp, shared, sizeof(*resp));
	return 0;
}

static int bus_op(struct run *rn, const struct vbus_vec_step *s, struct obj *o)
{
	static const struct {
		const char *op;
		u32 code;
	} verbs[] = {
		{ "open", VBUS_CTRL_OPEN }, { "close", VBUS_CTRL_CLOSE },     { "shm", VBUS_CTRL_SHM },
		{ "call", VBUS_CTRL_CALL }, { "release", VBUS_CTRL_RELEASE }, { "ctrl", 0 },
	};
	struct vbus_ctrl_msg m = { 0 }, resp;
	uint64_t dev, a0 = 0, a1 = 0, off = 0, len = 0, sig = VBUS_CTRL_NO_SIGNAL, code;
	unsigned int i;
	int ret;

	if (need(rn, s, "dev", &dev))
		return -1;
	if (!strcmp(s->op, "devadd")) {
		const char *type = vbus_step_get(s, "type");

		if (!type || get(rn, s, "ver", 1, &a0))
			return run_error(rn, s, "devadd: needs type=");
		ret = vbus_bus_add_device(o->bus, dev, type, a0, 0, o->vo->max_shm, true);
		if (ret == -EEXIST)
			return run_error(rn, s, "devadd: device %llu already present", (unsigned long long)dev);
		bus_note_id(o, dev);
		return emit(rn, s, o, ret < 0 ? vbus_trace_errno_name(ret) : "ok", NULL);
	}
	if (!strcmp(s->op, "devdrop") || !strcmp(s->op, "fault")) {
		ret = s->op[0] == 'd' ? vbus_bus_drop_device(o->bus, dev) : vbus_bus_fault(o->bus, dev);
		if (ret == -ENODEV)
			return run_error(rn, s, "%s: no device %llu", s->op, (unsigned long long)dev);
		return emit(rn, s, o, ret < 0 ? vbus_trace_errno_name(ret) : "ok", NULL);
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(s->op, verbs[i].op))
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0]))
		return run_error(rn, s, "%s is not an operation on a bus", s->op);
	code = verbs[i].code;
	switch (code) {
	case 0:
		if (need(rn, s, "code", &code))
			return -1;
		break;
	case VBUS_CTRL_OPEN:
		if (get(rn, s, "ver", 1, &a0))
			return -1;
		break;
	case VBUS_CTRL_SHM:
		if (need(rn, s, "id", &a0) || get(rn, s, "prio", 0, &a1) || need(rn, s, "off", &off) ||
		    need(rn, s, "len", &len) || get(rn, s, "sig", VBUS_CTRL_NO_SIGNAL, &sig))
			return -1;
		break;
	case VBUS_CTRL_CALL:
		if (need(rn, s, "func", &a0) || get(rn, s, "arg", 0, &a1) || get(rn, s, "off", 0, &off) ||
		    get(rn, s, "len", 0, &len))
			return -1;
		break;
	}
	m.op = cpu_to_le32(code);
	m.devid = cpu_to_le32(dev);
	m.arg0 = cpu_to_le32(a0);
	m.arg1 = cpu_to_le32(a1);
	m.offset = cpu_to_le64(off);
	m.len = cpu_to_le64(len);
	m.sigdesc = cpu_to_le64(sig);
	ret = bus_request(o, &m, &resp);
	if (ret < 0)
		return run_error(rn, s, "control ring failed: %s", vbus_trace_errno_name(ret));
	ret = (s32)le32_to_cpu(resp.result);
	if (ret < 0)
		return emit(rn, s, o, vbus_trace_errno_name(ret), NULL);
	if (code == VBUS_CTRL_OPEN || code == VBUS_CTRL_SHM || code == VBUS_CTRL_CALL)
		return emit(rn, s, o, "ok", "ret=%u", le32_to_cpu(resp.ret));
	return emit(rn, s, o, "ok", NULL);
}

static int run_step(struct run *rn, const struct vbus_vec_step *s)
{
	struct obj *o = find_obj(rn, s->obj);
	int ret;

	if (!o)
		return run_error(rn, s, "unknown object %s", s->obj);
	switch (o->vo->kind) {
	case VBUS_VEC_SIGNAL:
		if (!strcmp(s->op, "tick"))
			return do_tick(rn, s, o);
		ret = signal_op(rn, s, o, &o->sig[side_of(s->side)]);
		if (ret > 0)
			return run_error(rn, s, "%s is not an operation on a signal", s->op);
		return ret;
	case VBUS_VEC_RING:
		return ring_op(rn, s, o);
	default:
		return bus_op(rn, s, o);
	}
}

/* Run steps from rn->next: top-level ones (nested = 0) or one wakeup's nested lines. */
static int run_steps(struct run *rn, int nested)
{
	while (rn->next < rn->v->nsteps && !rn->failed) {
		const struct vbus_vec_step *s = &rn->v->steps[rn->next];

		if (s->nested != nested)
			return 0;
		rn->next++;
		if (run_step(rn, s) < 0 && !rn->failed)
			return run_error(rn, s, "out of memory");
	}
	return rn->failed ? -1 : 0;
}

/*
 * The production core's adapter for the conformance driver: replay @v through
 * kernel/core and hand the trace over (ownership moves to @out).
 */
int vbus_core_adapter_run(void *ctx, const struct vbus_vector *v, struct vbus_trace *out, char *err, size_t errlen)
{
	struct run *rn = calloc(1, sizeof(*rn));
	unsigned int i;
	int ret = 0;

	(void)ctx;
	if (!rn) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rn->v = v;
	for (i = 0; i < v->nobj; i++) {
		struct obj *o = &rn->obj[i];
		int e;

		o->vo = &v->obj[i];
		e = o->vo->kind == VBUS_VEC_SIGNAL ? setup_signal(o)
		    : o->vo->kind == VBUS_VEC_RING ? setup_ring(o)
						   : setup_bus(o);
		if (e) {
			snprintf(err, errlen, "object %s: initial state cannot be built (%s)", o->vo->name,
				 vbus_trace_errno_name(e));
			ret = e;
			goto out_free;
		}
	}
	run_steps(rn, 0);
	if (rn->failed) {
		snprintf(err, errlen, "%s", rn->err);
		ret = -EINVAL;
	}
out_free:
	for (i = 0; i < v->nobj; i++)
		free_obj(&rn->obj[i]);
	*out = rn->trace;
	free(rn);
	return ret;
}

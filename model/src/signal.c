// SPDX-License-Identifier: GPL-2.0
/*
 * §1 shm-signal and §4.1 moderation, executed one operation at a time.
 *
 * This functional model runs each operation to completion in program order,
 * so memory is sequentially consistent here and the barriers below are
 * markers only: the store-buffer behaviour they prevent is modelled by the
 * explorer (explore.c), which runs the same spec lines as micro-steps.
 */
#include <errno.h>
#include <string.h>

#include <vbus/shm_signal.h>

#include "internal.h"
#include "vbus_vector.h"

#define IRQ_OFF(side, f)                                                                                               \
	(offsetof(struct vbus_shm_signal_desc, irq) + sizeof(struct vbus_shm_signal_irq) * (side) + (f))
_Static_assert(sizeof(((struct vm_obj *)0)->sigbuf) == sizeof(struct vbus_shm_signal_desc), "sigbuf");
enum { F_EN = 0, F_PEND = 1, F_DIRTY = 2 };

const char *vm_result_name(int r)
{
	static const char *const names[] = { "ok",   "self", "notify", "suppress", "evskip", "defer",
					     "fire", "drop", "idle",   "armed",	   "ready",  "disabled" };
	if (r >= 0 && r < (int)(sizeof(names) / sizeof(names[0])))
		return names[r];
	return vbus_trace_errno_name(r);
}

int vm_sig_get(const struct vm_signal *s, int side, int f)
{
	return s->desc[IRQ_OFF(side, f)] != 0; /* HOST-3: any non-zero byte reads as 1 */
}

static void sig_set(struct vm_signal *s, int side, int f, uint8_t v)
{
	s->desc[IRQ_OFF(side, f)] = v;
}

/* fire: a notification toward @p leaves (§4.1 "fire", or I5-I6 without moderation). */
static void sig_fire(struct vm_signal *s, int p)
{
	struct vm_mod *m = &s->mod[VBUS_PEER(p)];
	m->mc = 0;
	m->mt = 0;
	sig_set(s, p, F_PEND, 1); /* I5 */
	s->notifications[p]++;	  /* I6 notify(P): the transport orders I5 before it */
}

/* I5-I7, or M1-M4 when side x moderates its injects. */
static int sig_send(struct vm_signal *s, int x)
{
	struct vm_mod *m = &s->mod[x];
	int p = VBUS_PEER(x);

	if (m->on) {
		if (m->mc < 255) /* M1; MOD-6: saturates, never wraps */
			m->mc++;
		if (m->holdoff == 0 || (m->count != 0 && m->mc >= m->count)) {
			sig_fire(s, p); /* M2 */
			return VM_NOTIFY;
		}
		if (m->mt == 0) /* M3: armed by the first deferred inject only (MOD-5) */
			m->mt = m->holdoff;
		return VM_DEFER; /* M4 */
	}
	sig_fire(s, p);
	return VM_NOTIFY;
}

int vm_sig_enable(struct vm_signal *s, int x)
{
	sig_set(s, x, F_EN, 1); /* E1 */
	/* E2 MB-ENABLE: orders E1 before the E3 loads; pairs with MB-INJECT (I2). */
	if (vm_sig_get(s, x, F_DIRTY) || vm_sig_get(s, x, F_PEND)) /* E3 */
		return VM_SELF;
	return VM_OK;
}

int vm_sig_disable(struct vm_signal *s, int x)
{
	sig_set(s, x, F_EN, 0); /* D1: no barrier, a late notification is merely spurious */
	return VM_OK;
}

/*
 * The sender part shared by inject (§1.2) and kick (§2.7): I0-I4; 1 when I5 may follow.
 * @elide: SIG-12 dirty elision allowed (no moderation on x's injects, no EVENT_IDX on the ring).
 */
static int sig_mark_and_check(struct vm_signal *s, int x, int elide)
{
	int p = VBUS_PEER(x);
	/* I0 MB-PUBLISH: the caller's published work before the IE load and the I1 store;
	 * pairs with MB-DRAIN (W2) and MB-ENABLE (E2). Without elision a wmb (WMB-INJECT) suffices. */
	if (elide && vm_sig_get(s, p, F_DIRTY)) /* IE: an earlier inject made the notify decision */
		return 0;
	sig_set(s, p, F_DIRTY, 1); /* I1 */
	/* I2 MB-INJECT: I1 before the I3/I4 loads; pairs with MB-ENABLE (E2) and MB-CLEAR (W6). */
	if (!vm_sig_get(s, p, F_EN)) /* I3 */
		return 0;
	if (vm_sig_get(s, p, F_PEND)) /* I4 */
		return 0;
	return 1;
}

/* SIG-12: side x elides unless its moderation is in effect (MOD-1: not with H = 0 or C = 1) or it never
 * elides (HW-2). */
static int sig_elides(const struct vm_signal *s, int x)
{
	const struct vm_mod *m = &s->mod[x];

	return !m->no_elide && !(m->on && m->holdoff != 0 && m->count != 1);
}

int vm_sig_inject(struct vm_signal *s, int x)
{
	if (!sig_mark_and_check(s, x, sig_elides(s, x)))
		return VM_SUPPRESS;
	return sig_send(s, x);
}

int vm_sig_wakeup(struct vm_signal *s, int x, void (*handler)(void *ctx), void *ctx, unsigned *iter)
{
	*iter = 0;
	if (!vm_sig_get(s, x, F_EN)) /* W0: pending stays 1, enable() self-notifies (SIG-11) */
		return VM_DISABLED;
	for (;;) {
		do {
			if (vm_sig_get(s, x, F_DIRTY)) /* W1: clear only when set (SIG-13) */
				sig_set(s, x, F_DIRTY, 0);
			/* W2 MB-DRAIN after a clear (else only the load order): W1 before the handler's
			 * loads; pairs with MB-PUBLISH / WMB-INJECT (I0). */
			if (handler) /* W3 */
				handler(ctx);
			(*iter)++;
		} while (vm_sig_get(s, x, F_EN) && vm_sig_get(s, x, F_DIRTY)); /* W4 */
		sig_set(s, x, F_PEND, 0);				       /* W5: the late pending clear (SIG-9) */
		/* W6 MB-CLEAR: W5 before the W7 loads; pairs with MB-INJECT (I2). */
		if (!(vm_sig_get(s, x, F_EN) && vm_sig_get(s, x, F_DIRTY))) /* W7 */
			return VM_OK;					    /* W9 */
		sig_set(s, x, F_PEND, 1);				    /* W8: an inject raced with W5 */
	}
}

void vm_sig_moderate(struct vm_signal *s, int x, uint32_t holdoff, uint32_t count)
{
	struct vm_mod *m = &s->mod[x];
	m->on = 1;
	m->holdoff = holdoff;
	m->count = count;
	m->mc = 0;
	m->mt = 0;
}

void vm_sig_no_elide(struct vm_signal *s, int x)
{
	s->mod[x].no_elide = 1;
}

int vm_sig_tick(struct vm_signal *s)
{
	int res = VM_IDLE;
	for (int x = 0; x < 2; x++) {
		struct vm_mod *m = &s->mod[x];
		int p = VBUS_PEER(x);
		if (!m->on || m->mt == 0)
			continue;
		if (--m->mt != 0) /* T1, T2 */
			continue;
		if (m->mc > 0 && vm_sig_get(s, p, F_EN) && !vm_sig_get(s, p, F_PEND)) { /* T3 */
			sig_fire(s, p);
			res = VM_FIRE;
		} else {
			m->mc = 0; /* T4: MOD-4, dirty stays 1 for the next enable */
			if (res != VM_FIRE)
				res = VM_DROP;
		}
	}
	return res;
}

int vm_sig_kick_check(struct vm_signal *s, int x, int event_idx)
{
	return sig_mark_and_check(s, x, !event_idx && sig_elides(s, x));
}

int vm_sig_kick_send(struct vm_signal *s, int x)
{
	return sig_send(s, x);
}

void vm_obj_init_signal(struct vm_obj *o, const char *name)
{
	memset(o, 0, sizeof(*o));
	strncpy(o->name, name, sizeof(o->name) - 1);
	o->kind = VM_SIGNAL;
	vm_wr32(o->sigbuf + offsetof(struct vbus_shm_signal_desc, magic), VBUS_SHM_SIGNAL_MAGIC);
	vm_wr32(o->sigbuf + offsetof(struct vbus_shm_signal_desc, version), VBUS_SHM_SIGNAL_VERSION);
	o->sig.desc = o->sigbuf;
}

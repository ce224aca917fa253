// SPDX-License-Identifier: GPL-2.0
/*
 * shm-signal (docs/spec/01-shm-signal.md) and interrupt moderation
 * (docs/spec/04-moderation.md §4.1). Line labels (E1, I2, W5 ...) are the
 * spec's. The irq bytes are shared with a peer that may be hostile; any
 * non-zero byte reads as 1 (HOST-3), so nothing here can be a violation.
 */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

#include "vbus_core.h"

static inline struct vbus_shm_signal_irq *own_irq(struct shm_signal *s)
{
	return &s->desc->irq[s->side];
}

static inline struct vbus_shm_signal_irq *peer_irq(struct shm_signal *s)
{
	return &s->desc->irq[VBUS_PEER(s->side)];
}

static inline bool irq_bit(const u8 *b)
{
	return READ_ONCE(*b) != 0;
}

void shm_signal_init(struct vbus_shm_signal_desc *desc)
{
	unsigned int x;

	WRITE_ONCE(desc->magic, cpu_to_le32(VBUS_SHM_SIGNAL_MAGIC));
	WRITE_ONCE(desc->version, cpu_to_le32(VBUS_SHM_SIGNAL_VERSION));
	for (x = 0; x < sizeof(desc->reserved); x++)
		WRITE_ONCE(desc->reserved[x], 0);
	for (x = 0; x < 2; x++) {
		unsigned int i;

		WRITE_ONCE(desc->irq[x].enabled, 0);
		WRITE_ONCE(desc->irq[x].pending, 0);
		WRITE_ONCE(desc->irq[x].dirty, 0);
		WRITE_ONCE(desc->irq[x].reserved, 0);
		for (i = 0; i < sizeof(desc->irq[x].pad); i++)
			WRITE_ONCE(desc->irq[x].pad[i], 0);
	}
}

int shm_signal_check(const struct vbus_shm_signal_desc *desc)
{
	u32 magic = le32_to_cpu(READ_ONCE(desc->magic));
	u32 version = le32_to_cpu(READ_ONCE(desc->version));

	if (magic != VBUS_SHM_SIGNAL_MAGIC || version != VBUS_SHM_SIGNAL_VERSION)
		return -EINVAL;
	return 0;
}

void shm_signal_bind(struct shm_signal *s, struct vbus_shm_signal_desc *desc, unsigned int side)
{
	s->desc = desc;
	s->side = side;
	s->mod = NULL;
	s->no_elide = 0;
	s->asym_mb = NULL;
}

unsigned int shm_signal_state(const struct vbus_shm_signal_desc *desc, unsigned int side)
{
	const struct vbus_shm_signal_irq *irq = &desc->irq[side];

	return irq_bit(&irq->enabled) << 2 | irq_bit(&irq->pending) << 1 | irq_bit(&irq->dirty);
}

int shm_signal_enable(struct shm_signal *s)
{
	struct vbus_shm_signal_irq *irq = own_irq(s);

	WRITE_ONCE(irq->enabled, 1); /* E1 */
	/*
	 * MB-ENABLE (E2): orders the enabled store (E1) before the dirty and
	 * pending loads (E3). Pairs with MB-INJECT (I2) in the sender; on an
	 * asymmetric link (§1.3.2 SIG-14) a barrier on the sender's CPU too
	 * (membarrier()): it pairs with the sender's IA, whose enabled load
	 * either sees E1 or comes before that barrier, which then makes the
	 * sender's work and dirty store visible to E3.
	 */
	if (s->asym_mb)
		vbus_asym_mb(s);
	else
		virt_mb();
	if (irq_bit(&irq->dirty) || irq_bit(&irq->pending)) /* E3 */
		return SHM_SIGNAL_SELF;
	return SHM_SIGNAL_OK;
}

int shm_signal_disable(struct shm_signal *s)
{
	/* D1: no barrier; a sender still seeing enabled = 1 sends a spurious notification. */
	WRITE_ONCE(own_irq(s)->enabled, 0);
	return SHM_SIGNAL_OK;
}

void vbus_moderation_set(struct vbus_moderation *m, u32 holdoff, u32 count)
{
	m->holdoff = holdoff;
	m->count = count;
	m->mc = 0;
	m->mt = 0;
}

/* §4.1 MOD-1: a moderation with H = 0 or C = 1 is off (every allowed inject notifies, SIG-12
 * elides). */
static bool moderation_on(const struct vbus_moderation *m)
{
	return m && m->holdoff != 0 && m->count != 1;
}

/* fire (§4.1): reset the moderation state, mark the notification in flight. */
static void signal_fire(struct shm_signal *s)
{
	struct vbus_moderation *m = s->mod;

	if (m) {
		m->mc = 0;
		m->mt = 0;
	}
	WRITE_ONCE(peer_irq(s)->pending, 1); /* I5 */
}

/* I5-I7, or M1-M4 when moderation is configured on this side. */
static int signal_notify_or_defer(struct shm_signal *s)
{
	struct vbus_moderation *m = s->mod;

	if (m) {
		if (m->mc < 255) /* M1, MOD-6: saturate */
			m->mc++;
		if (!(m->holdoff == 0 || (m->count != 0 && m->mc >= m->count))) { /* M2 */
			if (m->mt == 0)						  /* M3 */
				m->mt = m->holdoff;
			return SHM_SIGNAL_DEFER; /* M4 */
		}
	}
	signal_fire(s);
	return SHM_SIGNAL_NOTIFY; /* I6: the caller notifies */
}

int shm_signal_inject_event(struct shm_signal *s, const __le32 *event, u32 new_idx, u32 old_idx)
{
	struct vbus_shm_signal_irq *irq = peer_irq(s);

	if (s->asym_mb) {
		/*
		 * WMB-INJECT (I0/K0), asymmetric link (§1.3.2 SIG-14): the
		 * caller's published work before the dirty store (I1). Pairs
		 * with MB-DRAIN (W2). No SIG-12 elision on such a link: I1
		 * always stores (a polling receiver leaves the line ours).
		 */
		virt_wmb();
		WRITE_ONCE(irq->dirty, 1); /* I1 */
		/*
		 * IA: a receiver that is not listening needs no fence of ours.
		 * Its next enable runs a barrier on this CPU too (MB-ENABLE,
		 * membarrier()): if this load comes before that barrier, so do
		 * our work and I1, and E3 sees dirty; if after, it reads 1 and
		 * we take the full-barrier path below. Compiler barrier only:
		 * I1 before the load in program order.
		 */
		barrier();
		if (!irq_bit(&irq->enabled)) /* IA */
			return SHM_SIGNAL_SUPPRESS;
	} else {
		if (!event && !s->no_elide && !moderation_on(s->mod)) {
			/*
			 * MB-PUBLISH (I0/K0): the caller's published work (ring
			 * index, descriptors) before the dirty load (IE) and store
			 * (I1). Pairs with MB-DRAIN (W2): if IE reads 1, the
			 * receiver's next dirty clear (W1) comes after that load,
			 * so its handler's loads of the work (after W2) see our
			 * publish.
			 */
			virt_mb();
			/*
			 * IE, SIG-12 dirty elision: an earlier inject set dirty and
			 * made the notify decision; whoever clears dirty next sees
			 * our work. Not with moderation (a defer) or EVENT_IDX (an
			 * evskip), which leave dirty = 1 without a notification
			 * decided.
			 */
			if (irq_bit(&irq->dirty))
				return SHM_SIGNAL_SUPPRESS;
		} else {
			/*
			 * WMB-INJECT (I0/K0): the caller's published work before
			 * the dirty store (I1). Pairs with MB-DRAIN (W2).
			 */
			virt_wmb();
		}
		WRITE_ONCE(irq->dirty, 1); /* I1 */
	}
	/*
	 * MB-INJECT (I2/K2): the dirty store (I1) and the caller's index store
	 * before the enabled/pending/event loads (I3, I4, K4). Pairs with
	 * MB-ENABLE (E2), MB-CLEAR (W6) and MB-ARM (A2).
	 */
	virt_mb();
	if (!irq_bit(&irq->enabled)) /* I3 */
		return SHM_SIGNAL_SUPPRESS;
	if (irq_bit(&irq->pending)) /* I4 */
		return SHM_SIGNAL_SUPPRESS;
	if (event && !ioq_need_event(le32_to_cpu(READ_ONCE(*event)), new_idx, old_idx)) /* K4 */
		return SHM_SIGNAL_EVSKIP;
	return signal_notify_or_defer(s);
}

int shm_signal_inject(struct shm_signal *s)
{
	return shm_signal_inject_event(s, NULL, 0, 0);
}

int shm_signal_wakeup(struct shm_signal *s, shm_signal_handler_t handler, void *arg,
		      unsigned int budget, unsigned int *iter)
{
	struct vbus_shm_signal_irq *irq = own_irq(s);
	unsigned int passes = 0;

	if (iter)
		*iter = 0;
	if (!irq_bit(&irq->enabled)) /* W0 */
		return SHM_SIGNAL_DISABLED;
drain:
	do {
		if (budget && passes == budget)
			return SHM_SIGNAL_RESCHED; /* pending stays 1: README "not specified yet" */
		if (irq_bit(&irq->dirty)) {	   /* W1: clear only if set */
			WRITE_ONCE(irq->dirty, 0);
			/*
			 * MB-DRAIN (W2): the dirty clear (W1) before the
			 * handler's loads of the work. Pairs with MB-PUBLISH /
			 * WMB-INJECT (I0) in the sender.
			 */
			virt_mb();
		} else {
			/*
			 * W2 without a clear (SIG-13): no store to order, only
			 * the dirty load before the handler's loads. Pairs with
			 * MB-PUBLISH / WMB-INJECT (I0) in the sender.
			 */
			virt_rmb();
		}
		if (handler)
			handler(arg); /* W3 */
		passes++;
		if (iter)
			*iter = passes;
	} while (irq_bit(&irq->enabled) && irq_bit(&irq->dirty)); /* W4 */

	WRITE_ONCE(irq->pending, 0); /* W5: late pending clear */
	/*
	 * MB-CLEAR (W6): the pending clear (W5) before the dirty re-check (W7).
	 * Pairs with MB-INJECT (I2) in the sender.
	 */
	virt_mb();
	if (irq_bit(&irq->enabled) && irq_bit(&irq->dirty)) { /* W7 */
		WRITE_ONCE(irq->pending, 1);		      /* W8 */
		goto drain;
	}
	return SHM_SIGNAL_OK; /* W9 */
}

int shm_signal_tick(struct shm_signal *s)
{
	struct vbus_moderation *m = s->mod;
	struct vbus_shm_signal_irq *irq = peer_irq(s);

	if (!m || m->mt == 0)
		return SHM_SIGNAL_IDLE;
	m->mt--;	/* T1 */
	if (m->mt != 0) /* T2 */
		return SHM_SIGNAL_IDLE;
	if (m->mc > 0 && irq_bit(&irq->enabled) && !irq_bit(&irq->pending)) { /* T3 */
		signal_fire(s);
		return SHM_SIGNAL_FIRE;
	}
	m->mc = 0; /* T4 */
	return SHM_SIGNAL_DROP;
}

int shm_signal_expire(struct shm_signal *s)
{
	struct vbus_moderation *m = s->mod;

	if (!m || m->mt == 0)
		return SHM_SIGNAL_IDLE;
	m->mt = 1; /* the remaining time units elapse at once; T1 takes the last */
	return shm_signal_tick(s);
}

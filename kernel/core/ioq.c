// SPDX-License-Identifier: GPL-2.0
/*
 * IOQ ring v2 (docs/spec/02-ioq.md): push/pop/reclaim completed by index
 * (one index store per batch, no per-descriptor write-back unless it carries
 * information), kick/arm with the event index, and south's hostile-peer hardening: every
 * index, length, offset and flag south needs is read once into a local,
 * checked, and only the local is used (HOST-1); a failed check marks the
 * ring broken, is counted, and every later operation returns -EIO (HOST-2).
 * Out-of-order completion (VBUS_IOQ_F_OOO, §2.12): descriptors carry an id,
 * south takes them in order and completes ids in any order through used[];
 * both sides track the ids in flight in private memory, so a peer's bad or
 * duplicate id is a violation, and the work it can cause stays bounded by n.
 */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

#include "vbus_core.h"

/* violate (§2.5): mark broken, count, name the first violation. */
int ioq_violate(struct ioq *q, const char *why)
{
	if (!q->violation)
		q->violation = why;
	q->broken = true;
	q->violations++;
	return -EIO;
}

static inline struct vbus_ioq_desc *ioq_slot(struct ioq *q, u32 index)
{
	return &q->ring->desc[index & (q->cnt - 1)];
}

/* North's cookie of the slot of @index: north-only memory after desc[] (§2.1). */
static inline __le64 *ioq_cookie(struct ioq *q, u32 index)
{
	return (__le64 *)((u8 *)q->ring + VBUS_IOQ_COOKIE_OFF((size_t)q->cnt)) +
	       (index & (q->cnt - 1));
}

/* used[] entry of completion number @k (OOO rings: it takes the cookie table's place). */
static inline struct vbus_ioq_used *ioq_used(struct ioq *q, u32 k)
{
	return (struct vbus_ioq_used *)((u8 *)q->ring + VBUS_IOQ_USED_OFF((size_t)q->cnt)) +
	       (k & (q->cnt - 1));
}

/* The index this side publishes: north ni; south si, or its completion count on OOO rings. */
static inline u32 ioq_published(const struct ioq *q)
{
	return q->side == VBUS_SOUTH && ioq_is_ooo(q) ? q->done : q->idx;
}

static void ioq_bind(struct ioq *q, struct vbus_ioq_ring *ring, unsigned int side, u64 region_size)
{
	q->ring = ring;
	q->ooo = NULL;
	q->ooo_free = NULL;
	q->ooo_nfree = 0;
	q->ooo_cap = 0;
	q->done = 0;
	q->batch = 0;
	q->asym_hook = NULL;
	q->offer = VBUS_IOQ_F_EVENT_IDX;
	shm_signal_bind(&q->sig, ring ? &ring->signal : NULL, side);
	q->side = side;
	q->region_size = region_size;
	q->broken = false;
	q->violations = 0;
	q->violation = NULL;
}

/* Bind the caller's private tracking memory for @count ids (§2.12); 0 or -EINVAL. */
static int ioq_track(struct ioq *q, void *track, size_t track_bytes, u32 count)
{
	u32 cap = track_bytes / (sizeof(struct ioq_ooo_slot) + sizeof(u16));
	u32 i;

	if (!track || ((unsigned long)track & 7) || cap < count)
		return -EINVAL;
	q->ooo = track;
	q->ooo_free = (u16 *)(q->ooo + count);
	q->ooo_cap = cap;
	for (i = 0; i < count; i++) {
		q->ooo[i].busy = 0;
		q->ooo_free[i] = count - 1 - i; /* the stack hands out 0, 1, 2 ... first */
	}
	q->ooo_nfree = count;
	return 0;
}

int ioq_north_init(struct ioq *q, struct vbus_ioq_ring *ring, u32 count, u16 flags, u32 base,
		   u64 region_size)
{
	return ioq_north_init_offer(q, ring, count, flags, base, region_size, NULL);
}

int ioq_north_init_ooo(struct ioq *q, struct vbus_ioq_ring *ring, u32 count, u16 flags, u32 base,
		       u64 region_size, void *track, size_t track_bytes)
{
	struct ioq_offer o = { .track = track, .track_bytes = track_bytes };

	return ioq_north_init_offer(q, ring, count, flags, base, region_size, &o);
}

int ioq_north_init_offer(struct ioq *q, struct vbus_ioq_ring *ring, u32 count, u16 flags, u32 base,
			 u64 region_size, const struct ioq_offer *o)
{
	u32 i;

	if (count < VBUS_IOQ_MIN_COUNT || count > VBUS_IOQ_MAX_COUNT || !is_power_of_2(count) ||
	    (flags & ~VBUS_IOQ_F_KNOWN) || region_size < VBUS_IOQ_RING_SIZE((u64)count))
		return -EINVAL;
	ioq_bind(q, ring, VBUS_NORTH, region_size);
	if ((flags & VBUS_IOQ_F_OOO) && (!o || ioq_track(q, o->track, o->track_bytes, count)))
		return -EINVAL;
	if ((flags & VBUS_IOQ_F_ASYM_MB) && (!o || !o->asym_mb))
		return -EINVAL;
	q->sig.asym_mb = (flags & VBUS_IOQ_F_ASYM_MB) ? o->asym_mb : NULL;
	q->ring_off = 0;
	q->cnt = count;
	q->flags = flags;
	q->idx = q->rc = q->kicked = base;

	WRITE_ONCE(ring->magic, cpu_to_le32(VBUS_IOQ_MAGIC));
	WRITE_ONCE(ring->version, cpu_to_le16(VBUS_IOQ_VERSION));
	WRITE_ONCE(ring->flags, cpu_to_le16(flags));
	WRITE_ONCE(ring->count, cpu_to_le32(count));
	WRITE_ONCE(ring->reserved0, 0);
	shm_signal_init(&ring->signal); /* 64-byte aligned: the ring is (§2.8) */
	for (i = 0; i < sizeof(ring->reserved1); i++)
		WRITE_ONCE(ring->reserved1[i], 0);
	for (i = 0; i < sizeof(ring->north.reserved); i++) {
		WRITE_ONCE(ring->north.reserved[i], 0);
		WRITE_ONCE(ring->south.reserved[i], 0);
	}
	WRITE_ONCE(ring->north.index, cpu_to_le32(base));
	WRITE_ONCE(ring->north.event, cpu_to_le32(base));
	WRITE_ONCE(ring->south.index, cpu_to_le32(base));
	WRITE_ONCE(ring->south.event, cpu_to_le32(base));
	for (i = 0; i < count; i++) {
		struct vbus_ioq_desc *d = &ring->desc[i];

		WRITE_ONCE(d->offset, 0);
		WRITE_ONCE(d->len, 0);
		WRITE_ONCE(d->flags, 0);
		WRITE_ONCE(d->id, 0);
		WRITE_ONCE(*ioq_cookie(q, i), 0); /* OOO rings: used[i], the same 8 bytes */
	}
	/*
	 * WMB-INIT: the whole ring before whatever the caller stores next to
	 * announce it (a control message, a register). Pairs with the
	 * announcement's read side in south (an RMB-INDEX or a system call).
	 */
	virt_wmb();
	return 0;
}

/* §2.8: validate the header of @q->ring, each field read once. */
static int ioq_check_header(struct ioq *q, u64 ring_off)
{
	struct vbus_ioq_ring *ring = q->ring;
	u32 magic = le32_to_cpu(READ_ONCE(ring->magic));
	u16 version = le16_to_cpu(READ_ONCE(ring->version));
	u16 flags = le16_to_cpu(READ_ONCE(ring->flags));
	u32 count = le32_to_cpu(READ_ONCE(ring->count));

	if (magic != VBUS_IOQ_MAGIC || version != VBUS_IOQ_VERSION)
		return -EINVAL;
	if (count < VBUS_IOQ_MIN_COUNT || count > VBUS_IOQ_MAX_COUNT || !is_power_of_2(count))
		return -EINVAL;
	if (flags & ~q->offer) /* unknown, or a feature this south did not offer */
		return -EINVAL;
	if ((flags & VBUS_IOQ_F_OOO) && count > q->ooo_cap)
		return -EINVAL;
	if ((flags & VBUS_IOQ_F_ASYM_MB) && !q->asym_hook)
		return -EINVAL;
	if (shm_signal_check(&ring->signal))
		return -EINVAL;
	if (VBUS_IOQ_RING_SIZE((u64)count) > q->region_size - ring_off)
		return -EINVAL;
	q->cnt = count;
	q->flags = flags;
	q->idx = q->kicked = q->done = le32_to_cpu(READ_ONCE(ring->south.index));
	q->rc = 0;
	q->batch = 0;
	q->sig.asym_mb = (flags & VBUS_IOQ_F_ASYM_MB) ? q->asym_hook : NULL;
	if (flags & VBUS_IOQ_F_OOO) {
		u32 i;

		for (i = 0; i < count; i++) /* nothing taken yet */
			q->ooo[i].busy = 0;
	}
	return 0;
}

int ioq_south_attach(struct ioq *q, void *region, u64 region_size, u64 ring_off)
{
	return ioq_south_attach_offer(q, region, region_size, ring_off, NULL);
}

int ioq_south_attach_ooo(struct ioq *q, void *region, u64 region_size, u64 ring_off, void *track,
			 size_t track_bytes)
{
	struct ioq_offer o = { .track = track, .track_bytes = track_bytes };

	return ioq_south_attach_offer(q, region, region_size, ring_off, &o);
}

int ioq_south_attach_offer(struct ioq *q, void *region, u64 region_size, u64 ring_off,
			   const struct ioq_offer *o)
{
	void *track = o ? o->track : NULL;
	size_t track_bytes = o ? o->track_bytes : 0;

	/* The offset is checked before the ring pointer is formed from it. */
	if (ring_off > region_size || region_size - ring_off < sizeof(struct vbus_ioq_ring) ||
	    (ring_off & 63)) {
		ioq_bind(q, NULL, VBUS_SOUTH, region_size);
		q->cnt = 0;
		ioq_violate(q, "header");
		return -EINVAL;
	}
	ioq_bind(q, (struct vbus_ioq_ring *)((u8 *)region + ring_off), VBUS_SOUTH, region_size);
	q->ring_off = ring_off;
	if (track) { /* south offers out-of-order completion for up to the count it can track */
		u32 cap = track_bytes / (sizeof(struct ioq_ooo_slot) + sizeof(u16));

		if (((unsigned long)track & 7) || cap < VBUS_IOQ_MIN_COUNT)
			return -EINVAL;
		q->ooo = track;
		q->ooo_cap = min_t(u32, cap, VBUS_IOQ_MAX_COUNT);
		q->offer |= VBUS_IOQ_F_OOO;
	}
	if (o && o->asym_mb) { /* south offers the asymmetric barrier */
		q->asym_hook = o->asym_mb;
		q->offer |= VBUS_IOQ_F_ASYM_MB;
	}
	if (ioq_check_header(q, ring_off)) {
		ioq_violate(q, "header");
		return -EINVAL;
	}
	return 0;
}

int ioq_south_reattach(struct ioq *q)
{
	if (!q->ring)
		return -EINVAL;
	q->broken = false; /* HOST-2: broken is sticky until south re-attaches */
	if (ioq_check_header(q, q->ring_off)) {
		ioq_violate(q, "header");
		return -EINVAL;
	}
	return 0;
}

/* P3-P4, one per batch (ioq_push, ioq_push_publish): the barrier, then the index store. */
static inline void ioq_publish(struct ioq *q, u32 ni)
{
	/*
	 * WMB-PUBLISH (P3), one per batch: the descriptors (and the buffers
	 * the caller filled) before the index store (P4). Pairs with RMB-INDEX
	 * (Q2) in south.
	 */
	virt_wmb();
	WRITE_ONCE(q->ring->north.index, cpu_to_le32(ni)); /* P4 */
	q->idx = ni;
}

int ioq_push(struct ioq *q, const struct ioq_desc_info *d, unsigned int n)
{
	u32 ni = q->idx;
	unsigned int i;

	if (q->broken)
		return -EIO;
	if ((u64)(ni - q->rc) + n > q->cnt) /* P1 */
		return -ENOSPC;
	for (i = 0; i < n; i++, ni++) { /* P2 */
		struct vbus_ioq_desc *desc = ioq_slot(q, ni);

		ioq_desc_fill(desc, d[i].offset, d[i].len, d[i].flags); /* IOQ-13 */
		if (ioq_is_ooo(q)) { /* P2': an id per descriptor; P1 guarantees n free ids */
			u16 id = q->ooo_free[--q->ooo_nfree];
			struct ioq_ooo_slot *t = &q->ooo[id];

			t->cookie = d[i].cookie;
			t->offset = d[i].offset;
			t->len = d[i].len;
			t->flags = d[i].flags;
			t->busy = 1;
			WRITE_ONCE(desc->id, cpu_to_le16(id));
		} else {
			WRITE_ONCE(*ioq_cookie(q, ni), cpu_to_le64(d[i].cookie));
		}
	}
	ioq_publish(q, ni);
	return n;
}

int ioq_push_publish(struct ioq *q, unsigned int n)
{
	if (q->side != VBUS_NORTH || ioq_is_ooo(q))
		return -EINVAL;
	if (q->broken)
		return -EIO;
	/* P1 again: ioq_push_desc's caller counted the free slots */
	if ((u64)(q->idx - q->rc) + n > q->cnt)
		return -ENOSPC;
	ioq_publish(q, q->idx + n);
	return n;
}

/* Q1-Q3 / A3 (south), R1-R3 (north): fetch the peer's index once and check it. */
static inline int ioq_fetch_peer_index(struct ioq *q, u32 *avail)
{
	u32 y, a;

	if (q->side == VBUS_SOUTH) {
		y = le32_to_cpu(READ_ONCE(q->ring->north.index)); /* Q1: single fetch */
		a = y - q->idx;
		if (a > q->cnt) /* Q3 */
			return ioq_violate(q, "index");
	} else {
		y = le32_to_cpu(READ_ONCE(q->ring->south.index)); /* R1 */
		a = y - q->rc;
		if (a > q->idx - q->rc) /* R3 */
			return ioq_violate(q, "index");
	}
	*avail = a;
	return 0;
}

/*
 * Q5/T5: copy one descriptor, each field read once, and check it (IOQ-10);
 * on OOO rings d->cookie becomes its id, checked < cnt and not in flight.
 */
static inline int ioq_read_desc(struct ioq *q, struct vbus_ioq_desc *desc, struct ioq_desc_info *d)
{
	ioq_desc_copy(desc, d);
	if (ioq_is_ooo(q)) {
		u32 id = le16_to_cpu(READ_ONCE(desc->id));

		if (id >= q->cnt || q->ooo[id].busy) /* bad id, or one south holds: duplicate */
			return ioq_violate(q, "id");
		d->cookie = id;
	}
	return ioq_check_desc(q, d);
}

/* C2: used[] entry of completion number @k. */
static void ioq_write_used(struct ioq *q, u32 k, u16 id, u16 flags, u32 len)
{
	struct vbus_ioq_used *u = ioq_used(q, k);

	WRITE_ONCE(u->id, cpu_to_le16(id));
	WRITE_ONCE(u->flags, cpu_to_le16(flags));
	WRITE_ONCE(u->len, cpu_to_le32(len));
}

/* Q0-Q4 (ioq_pop, ioq_pop_begin): descriptors to take, min(@n, available), or -EAGAIN / -EIO. */
static inline int ioq_pop_fetch(struct ioq *q, unsigned int n)
{
	u32 avail = 0; /* set on success only; ioq_violate is out of line */
	int ret;

	if (q->broken) /* Q0 */
		return -EIO;
	ret = ioq_fetch_peer_index(q, &avail); /* Q1, Q3 */
	/*
	 * RMB-INDEX (Q2): the north.index load before the descriptor loads.
	 * Pairs with WMB-PUBLISH (P3) in north.
	 */
	virt_rmb();
	if (ret)
		return ret;
	if (avail == 0) /* Q4 */
		return -EAGAIN;
	return min_t(u32, n, avail);
}

/* Q6-Q7 (ioq_pop, ioq_pop_end): complete the next @todo descriptors in order. */
static inline void ioq_pop_complete(struct ioq *q, u32 todo)
{
	/*
	 * WMB-COMPLETE (Q6), one per batch: the write-backs and the bytes the
	 * handlers wrote into north's buffers before the south.index store (Q7).
	 * Pairs with RMB-RECLAIM (R2) in north.
	 */
	virt_wmb();
	if (ioq_is_ooo(q)) {
		q->done += todo;
		WRITE_ONCE(q->ring->south.index, cpu_to_le32(q->done)); /* Q7 (C4) */
	} else {
		WRITE_ONCE(q->ring->south.index, cpu_to_le32(q->idx + todo)); /* Q7 */
	}
	q->idx += todo;
}

int ioq_pop(struct ioq *q, unsigned int n, ioq_pop_fn fn, void *arg, struct ioq_desc_info *last)
{
	u32 si = q->idx, i, todo;
	int ret;

	ret = ioq_pop_fetch(q, n); /* Q0-Q4 */
	if (ret < 0)
		return ret;
	todo = ret;
	for (i = 0; i < todo; i++, si++) { /* Q5 */
		struct vbus_ioq_desc *desc = ioq_slot(q, si);
		struct ioq_desc_info d;
		u32 used;
		u16 flags;

		d.cookie = si; /* v2: south sees the index, north's cookie stays north's */
		ret = ioq_read_desc(q, desc, &d);
		if (ret)
			return ret; /* nothing of this call is published */
		used = d.len;
		flags = d.flags;
		if (fn && fn(arg, &d, &used) < 0) {
			flags |= VBUS_IOQ_DESC_F_ERROR;
			if (!ioq_is_ooo(q)) /* Q5 write-back: error */
				WRITE_ONCE(desc->flags, cpu_to_le16(flags));
		}
		if (used < d.len) {
			if (!ioq_is_ooo(q)) /* Q5 write-back: fewer bytes used */
				WRITE_ONCE(desc->len, cpu_to_le32(used));
		} else {
			used = d.len;
		}
		if (ioq_is_ooo(q)) /* OOO ring, completed in order: C2's used[] entry */
			ioq_write_used(q, q->done + i, (u16)d.cookie, flags & VBUS_IOQ_DESC_F_ERROR,
				       used);
		if (last) {
			*last = d;
			last->len = used;
			last->flags = flags;
		}
	}
	ioq_pop_complete(q, todo); /* Q6, Q7 */
	return todo;
}

int ioq_pop_begin(struct ioq *q, unsigned int n)
{
	int ret;

	if (q->side != VBUS_SOUTH || ioq_is_ooo(q) || n == 0)
		return -EINVAL;
	ret = ioq_pop_fetch(q, n); /* Q0-Q4 */
	q->batch = ret > 0 ? ret : 0;
	return ret;
}

int ioq_pop_end(struct ioq *q, unsigned int n)
{
	if (q->side != VBUS_SOUTH || ioq_is_ooo(q) || n > q->batch)
		return -EINVAL;
	if (q->broken) /* a violation in this batch: nothing of it is published */
		return -EIO;
	q->batch = 0;
	ioq_pop_complete(q, n); /* Q6, Q7 */
	return n;
}

int ioq_take(struct ioq *q, struct ioq_desc_info *d, unsigned int n)
{
	u32 si = q->idx, avail = 0, i, todo;
	int ret;

	if (!ioq_is_ooo(q) || q->side != VBUS_SOUTH)
		return -EINVAL;
	if (q->broken) /* T0 */
		return -EIO;
	ret = ioq_fetch_peer_index(q, &avail); /* T1, T3 */
	/*
	 * RMB-INDEX (T2): the north.index load before the descriptor loads.
	 * Pairs with WMB-PUBLISH (P3) in north.
	 */
	virt_rmb();
	if (ret)
		return ret;
	if (avail == 0) /* T4 */
		return -EAGAIN;
	todo = min_t(u32, n, avail);
	for (i = 0; i < todo; i++) { /* T5 */
		ret = ioq_read_desc(q, ioq_slot(q, si + i),
				    &d[i]); /* id checked: < cnt, not busy */
		if (ret) {
			while (i--) /* nothing of this call is taken */
				q->ooo[d[i].cookie].busy = 0;
			return ret;
		}
		q->ooo[d[i].cookie].len = d[i].len;
		q->ooo[d[i].cookie].busy = 1;
	}
	q->idx = si + todo; /* consumed: south never publishes it (north.index - done bounds it) */
	return todo;
}

int ioq_complete(struct ioq *q, const struct ioq_desc_info *c, unsigned int n)
{
	u32 i;

	if (!ioq_is_ooo(q) || q->side != VBUS_SOUTH)
		return -EINVAL;
	if (q->broken) /* C0 */
		return -EIO;
	for (i = 0; i < n; i++) { /* C1: the caller's ids, all or nothing */
		if (c[i].cookie >= q->cnt || !q->ooo[c[i].cookie].busy) {
			while (i--)
				q->ooo[c[i].cookie].busy = 1;
			return -EINVAL;
		}
		q->ooo[c[i].cookie].busy = 0; /* a second completion of it in this call fails */
	}
	for (i = 0; i < n; i++) { /* C2 */
		const struct ioq_ooo_slot *t = &q->ooo[c[i].cookie];

		ioq_write_used(q, q->done + i, (u16)c[i].cookie, c[i].flags & VBUS_IOQ_DESC_F_ERROR,
			       min_t(u32, c[i].len, t->len));
	}
	/*
	 * WMB-COMPLETE (C3), one per call: the used[] entries and the bytes the
	 * handlers wrote into north's buffers before the south.index store (C4).
	 * Pairs with RMB-RECLAIM (R2) in north.
	 */
	virt_wmb();
	q->done += n;
	WRITE_ONCE(q->ring->south.index, cpu_to_le32(q->done)); /* C4 */
	return n;
}

/*
 * R5 on OOO rings (§2.12 R5'): each used[] entry read once; its id must be in
 * flight (a bad or repeated id is a violation), its len at most what north
 * pushed; everything else north returns comes from its private slot.
 */
static int ioq_reclaim_ooo(struct ioq *q, u32 todo, ioq_reclaim_fn fn, void *arg,
			   struct ioq_desc_info *last)
{
	u32 i;

	for (i = 0; i < todo; i++) {
		struct vbus_ioq_used *u = ioq_used(q, q->rc);
		u32 id = le16_to_cpu(READ_ONCE(u->id));
		u32 flags = le16_to_cpu(READ_ONCE(u->flags));
		u32 len = le32_to_cpu(READ_ONCE(u->len));
		struct ioq_ooo_slot *t;
		struct ioq_desc_info d;

		if (id >= q->cnt || !q->ooo[id].busy)
			return ioq_violate(q, "id");
		t = &q->ooo[id];
		if ((flags & ~VBUS_IOQ_DESC_F_ERROR) || len > t->len)
			return ioq_violate(q, "used");
		d.cookie = t->cookie;
		d.offset = t->offset;
		d.len = len;
		d.flags = t->flags | flags;
		t->busy = 0;
		q->ooo_free[q->ooo_nfree++] = id;
		q->rc++;
		if (fn)
			fn(arg, &d);
		if (last)
			*last = d;
	}
	return todo;
}

int ioq_reclaim(struct ioq *q, unsigned int n, ioq_reclaim_fn fn, void *arg,
		struct ioq_desc_info *last)
{
	u32 rc = q->rc, done = 0, i, todo;
	int ret;

	if (q->broken) /* R0 */
		return -EIO;
	ret = ioq_fetch_peer_index(q, &done); /* R1, R3 */
	/*
	 * RMB-RECLAIM (R2): the south.index load before the descriptor loads.
	 * Pairs with WMB-COMPLETE (Q6) in south.
	 */
	virt_rmb();
	if (ret)
		return ret;
	if (done == 0) /* R4 */
		return -EAGAIN;
	todo = min_t(u32, n, done);
	if (ioq_is_ooo(q))
		return ioq_reclaim_ooo(q, todo, fn, arg, last);
	if (!fn && !last) { /* nobody looks at the descriptors: completion by index only */
		q->rc = rc + todo;
		return todo;
	}
	for (i = 0; i < todo; i++, rc++) { /* R5 */
		struct vbus_ioq_desc *desc = ioq_slot(q, rc);
		struct ioq_desc_info d;

		d.cookie = le64_to_cpu(READ_ONCE(*ioq_cookie(q, rc)));
		d.offset = le64_to_cpu(READ_ONCE(desc->offset));
		d.len = le32_to_cpu(READ_ONCE(desc->len));
		d.flags = le16_to_cpu(READ_ONCE(desc->flags));
		q->rc = rc + 1;
		if (fn)
			fn(arg, &d);
		if (last)
			*last = d;
	}
	return todo;
}

int ioq_kick(struct ioq *q)
{
	const __le32 *event = NULL;
	u32 old = q->kicked, new_idx = ioq_published(q);

	if (q->broken)
		return -EIO;
	q->kicked = new_idx;
	if (q->flags & VBUS_IOQ_F_EVENT_IDX)
		event = q->side == VBUS_NORTH ? &q->ring->south.event : &q->ring->north.event;
	return shm_signal_inject_event(&q->sig, event, new_idx, old); /* K0-K5 */
}

int ioq_arm(struct ioq *q, u32 t)
{
	__le32 *event = q->side == VBUS_NORTH ? &q->ring->north.event : &q->ring->south.event;
	u32 seen = q->side == VBUS_NORTH ? q->rc : q->idx;
	u32 avail = 0;
	int ret;

	if (q->broken)
		return -EIO;
	if (t == 0)
		return -EINVAL;
	WRITE_ONCE(*event, cpu_to_le32(seen + t - 1)); /* A1 */
	/*
	 * MB-ARM (A2): the event store (A1) before the peer's index load (A3).
	 * Pairs with MB-INJECT (K2) in the peer's kick.
	 */
	virt_mb();
	ret = ioq_fetch_peer_index(q, &avail); /* A3 */
	if (ret)
		return ret;
	return avail >= t ? IOQ_READY : IOQ_ARMED; /* A4, A5 */
}

int ioq_peek(struct ioq *q)
{
	u32 avail = 0;
	int ret;

	if (q->broken)
		return -EIO;
	ret = ioq_fetch_peer_index(q, &avail);
	return ret ? ret : (int)avail;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbus protocol core: shm-signal (docs/spec/01), IOQ ring with event index
 * and hostile-peer hardening (02), bus control-verb codec and hotplug events
 * (03), interrupt moderation (04).
 *
 * The same source files build into vbus.ko and, against kernel/core/shim/,
 * into userspace (libvbus, tests, fuzz, bench). The core never sleeps,
 * allocates, locks or logs: the caller owns every structure, serialises the
 * operations of one side on one object (SIG-3) and sends the notifications
 * the core asks for (a result of SHM_SIGNAL_NOTIFY or SHM_SIGNAL_FIRE means
 * "notify the peer now": eventfd_signal, doorbell write, MSI).
 *
 * Return convention: int results are a negative errno, or a non-negative
 * value documented per function (an enum shm_signal_result or a count).
 */
#ifndef _VBUS_CORE_H
#define _VBUS_CORE_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/compiler.h>
#include <asm/byteorder.h>
#include <vbus/shm_signal.h>
#include <vbus/ioq.h>
#include <vbus/bus.h>

/* ----------------------------------------------------------------------------
 * shm-signal (§1) and moderation (§4.1)
 */

enum shm_signal_result {
	SHM_SIGNAL_OK = 0, /* enable/disable/wakeup: done */
	SHM_SIGNAL_SELF,   /* enable: work arrived while disabled; caller MUST run wakeup (SIG-4) */
	SHM_SIGNAL_NOTIFY, /* inject/kick: caller MUST notify the peer now */
	SHM_SIGNAL_SUPPRESS, /* inject/kick: receiver disabled or a notification is in flight */
	SHM_SIGNAL_EVSKIP,   /* kick: the receiver's event index was not crossed (§2.7) */
	SHM_SIGNAL_DEFER,    /* inject/kick: moderation holds the notification back (§4.1 M4) */
	SHM_SIGNAL_FIRE,     /* tick: the holdoff expired; caller MUST notify the peer now */
	SHM_SIGNAL_DROP,     /* tick: the holdoff expired but the receiver cannot take it (T4) */
	SHM_SIGNAL_IDLE,     /* tick: no timer running, or still running */
	SHM_SIGNAL_DISABLED, /* wakeup: receiver disabled, pending left as it is (SIG-11) */
	SHM_SIGNAL_RESCHED,  /* wakeup: budget used up, pending still 1: caller re-runs wakeup later
			      */
};

/* Sender-side moderation state of one signal direction (§4.1); local, never shared. */
struct vbus_moderation {
	u32 holdoff; /* H in time units; 0 = off (MOD-1) */
	u32 count;   /* C, 0..255; 0 = timer only, 1 = off */
	u32 mc;	     /* injects deferred since the last notification */
	u32 mt;	     /* holdoff time left; 0 = timer off */
};

/* One side's handle on a signal descriptor in shared memory. */
struct shm_signal {
	struct vbus_shm_signal_desc *desc;
	unsigned int side;	     /* VBUS_NORTH or VBUS_SOUTH: who uses this handle */
	struct vbus_moderation *mod; /* moderation of this side's injects, or NULL */
	/*
	 * 1: this side's injects never take the SIG-12 dirty elision, moderated
	 * or not, as the accelerator's device inject (§5.4 HW-2) that the
	 * cosimulation's core predictor plays. shm_signal_bind sets 0.
	 */
	unsigned int no_elide;
	/*
	 * Asymmetric barrier (§1.3.2 SIG-14), NULL = off: as a receiver this side
	 * calls it at MB-ENABLE (a membarrier() reaching the peer's CPU); as a
	 * sender its inject skips the SIG-12 elision and, when it reads the
	 * receiver disabled (IA), every full barrier. Both sides of a signal MUST
	 * agree: set through the ring flag VBUS_IOQ_F_ASYM_MB by ioq_*_offer,
	 * never by hand on one side.
	 */
	void (*asym_mb)(void);
};

/*
 * The receiver's asymmetric barrier of @s (SIG-14). vbus-explore-core's shim
 * defines it first, as one explorer event that drains both agents' buffers.
 */
#ifndef vbus_asym_mb
#define vbus_asym_mb(s) ((s)->asym_mb())
#endif

/* Handler run by wakeup for each drain pass; it must consume all work it can see (§1.4). */
typedef void (*shm_signal_handler_t)(void *arg);

/* North: initialise a descriptor (SIG-2): magic, version, all irq bytes 0. */
void shm_signal_init(struct vbus_shm_signal_desc *desc);
/* South: check magic and version, each read once; 0 or -EINVAL. */
int shm_signal_check(const struct vbus_shm_signal_desc *desc);
/* Bind @s to @desc for @side, without moderation. */
void shm_signal_bind(struct shm_signal *s, struct vbus_shm_signal_desc *desc, unsigned int side);
/* enable (§1.2 E1-E4): SHM_SIGNAL_OK or SHM_SIGNAL_SELF. */
int shm_signal_enable(struct shm_signal *s);
/* disable (§1.2 D1): SHM_SIGNAL_OK. */
int shm_signal_disable(struct shm_signal *s);
/* inject toward the peer (§1.2 I0-I7 with the SIG-12 elision, §4.1 with s->mod): NOTIFY, SUPPRESS
 * or DEFER. */
int shm_signal_inject(struct shm_signal *s);
/*
 * inject gated by an event index (§2.7 K0-K5): with @event non-NULL, a kick
 * that §1 allows notifies only if need_event(*event, @new, @old); else EVSKIP.
 */
int shm_signal_inject_event(struct shm_signal *s, const __le32 *event, u32 new_idx, u32 old_idx);
/*
 * wakeup (§1.2 W0-W9): drain with @handler until no new work, then clear
 * pending late. @budget > 0 bounds the drain passes (a hostile peer could
 * keep dirty set forever); at the bound it returns SHM_SIGNAL_RESCHED with
 * pending still 1. Returns OK (with *@iter passes), DISABLED or RESCHED.
 */
int shm_signal_wakeup(struct shm_signal *s, shm_signal_handler_t handler, void *arg,
		      unsigned int budget, unsigned int *iter);
/* Configure moderation of this side's injects (§4.1); holdoff 0 or count 1 turns it off. */
void vbus_moderation_set(struct vbus_moderation *m, u32 holdoff, u32 count);
/* One time unit of this side's holdoff timer (§4.1 T1-T4): FIRE, DROP or IDLE. */
int shm_signal_tick(struct shm_signal *s);
/*
 * The holdoff timer ran out all at once (a software sender's one timer of H
 * time units instead of H ticks, §4.1): T1-T4 with mt reaching 0. FIRE (the
 * caller notifies the peer), DROP, or IDLE when the timer was off.
 */
int shm_signal_expire(struct shm_signal *s);
/* Receiver state bits as the trace prints them: enabled<<2 | pending<<1 | dirty, of irq[@side]. */
unsigned int shm_signal_state(const struct vbus_shm_signal_desc *desc, unsigned int side);

/* ----------------------------------------------------------------------------
 * IOQ ring (§2)
 */

/* A descriptor as the core hands it to callers: a validated local copy. */
struct ioq_desc_info {
	u64 cookie; /* north's tag (push, reclaim); pop (south): the descriptor's ring index */
	u64 offset; /* region offset of the buffer */
	u32 len;    /* push: buffer length; pop/reclaim: as read (reclaim: bytes used) */
	u16 flags;  /* VBUS_IOQ_DESC_F_* */
};

/*
 * Private per-id state of a VBUS_IOQ_F_OOO ring (§2.12), in memory the caller
 * owns and never shares: north keeps its cookie, buffer and length per id
 * (what reclaim returns comes from here, not from shared memory), south the
 * length of each id it took and not yet completed. busy: the id is in flight.
 */
struct ioq_ooo_slot {
	u64 cookie; /* north: the caller's cookie */
	u64 offset; /* north: the buffer */
	u32 len;    /* north: the buffer's length; south: the length it took */
	u16 flags;  /* north: the descriptor's flags */
	u16 busy;   /* 1: in flight (north: pushed, not reclaimed; south: taken, not completed) */
};
/* Bytes of tracking memory an OOO ring of @count descriptors needs (slots, then north's free-id
 * stack). */
#define IOQ_OOO_TRACK_BYTES(count) ((size_t)(count) * (sizeof(struct ioq_ooo_slot) + sizeof(u16)))

/* One side's handle on a ring (IOQ-2: the locals each side keeps). */
struct ioq {
	struct vbus_ioq_ring *ring;
	struct shm_signal sig; /* the embedded signal, bound to this side */
	u64 region_size;       /* bytes of the region a descriptor may name (south: range check) */
	u64 ring_off;	       /* south: the ring's region offset, validated at attach */
	u32 cnt;	       /* count: north as initialised, south read once at attach */
	u32 idx;	       /* north: ni (published), south: si (published) */
	u32 rc;		       /* north: reclaimed count; unused by south */
	u32 kicked;	       /* nk / sk: own index at the previous kick */
	u16 flags;	       /* ring flags, local copy (VBUS_IOQ_F_*) */
	u16 offer;	       /* south: ring flags it accepts at attach (negotiation, §2.8) */
	u32 done;	       /* south, VBUS_IOQ_F_OOO: completions published (= south.index) */
	u32 batch;	       /* south: the open ioq_pop_begin batch's count, else 0 */
	struct ioq_ooo_slot *ooo; /* VBUS_IOQ_F_OOO: per-id state (cnt entries), else NULL */
	u16 *ooo_free;		  /* north, VBUS_IOQ_F_OOO: stack of free ids */
	u32 ooo_nfree;		  /* north: ids on the stack */
	u32 ooo_cap;		  /* ids the tracking memory holds */
	void (*asym_hook)(void);  /* south: the asymmetric barrier it offered, or NULL */
	unsigned int side;
	bool broken;	       /* sticky: every later operation returns -EIO (HOST-2) */
	u64 violations;	       /* protocol violations seen */
	const char *violation; /* name of the first violation (§2.9), NULL if none */
};

/*
 * South's per-descriptor processing, run by ioq_pop between the checks and
 * the completion (§2.5 Q5). Set *used (clamped to the descriptor's len by the
 * core); return 0, or a negative errno to complete with VBUS_IOQ_DESC_F_ERROR.
 */
typedef int (*ioq_pop_fn)(void *arg, const struct ioq_desc_info *d, u32 *used);
/* North's per-descriptor completion callback, run by ioq_reclaim. */
typedef void (*ioq_reclaim_fn)(void *arg, const struct ioq_desc_info *d);

/* Arm results (§2.7). */
#define IOQ_ARMED 0
#define IOQ_READY 1

/* need_event (§2.7): true iff @event lies in [@old, @new) modulo 2^32. */
static inline bool ioq_need_event(u32 event, u32 new_idx, u32 old_idx)
{
	return (u32)(new_idx - event - 1) < (u32)(new_idx - old_idx);
}

/*
 * North: initialise @ring (§2.2) with @count descriptors, @flags, indices and
 * events at @base; @region_size is what north's bounds checks use. 0 or -EINVAL.
 */
int ioq_north_init(struct ioq *q, struct vbus_ioq_ring *ring, u32 count, u16 flags, u32 base,
		   u64 region_size);
/*
 * South: validate the ring at @ring_off of the region [@region, +@region_size)
 * (§2.8, each header field read once) and take its indices. 0, or -EINVAL with
 * the ring marked broken and the violation counted.
 */
int ioq_south_attach(struct ioq *q, void *region, u64 region_size, u64 ring_off);
/*
 * Optional ring features a side brings (negotiation, §2.8): @track/@track_bytes
 * for VBUS_IOQ_F_OOO (as ioq_*_ooo below), @asym_mb for VBUS_IOQ_F_ASYM_MB (a
 * function issuing a barrier that also orders the peer's CPU, e.g.
 * membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) with both processes registered).
 * North: a flag in @flags needs its part of @o, else -EINVAL. South: it accepts
 * the flags it brings the part for, and rejects a ring with any other (§2.8).
 */
struct ioq_offer {
	void *track;
	size_t track_bytes;
	void (*asym_mb)(void);
};
int ioq_north_init_offer(struct ioq *q, struct vbus_ioq_ring *ring, u32 count, u16 flags, u32 base,
			 u64 region_size, const struct ioq_offer *o);
int ioq_south_attach_offer(struct ioq *q, void *region, u64 region_size, u64 ring_off,
			   const struct ioq_offer *o);
/*
 * VBUS_IOQ_F_OOO (§2.12). North: as ioq_north_init, with @track (>=
 * IOQ_OOO_TRACK_BYTES(@count) bytes, 8-aligned, private) required when @flags
 * has VBUS_IOQ_F_OOO. South: as ioq_south_attach, offering out-of-order
 * completion: it accepts a ring with or without the flag (plain
 * ioq_south_attach rejects it: negotiation); @track bounds the count it takes.
 */
int ioq_north_init_ooo(struct ioq *q, struct vbus_ioq_ring *ring, u32 count, u16 flags, u32 base,
		       u64 region_size, void *track, size_t track_bytes);
int ioq_south_attach_ooo(struct ioq *q, void *region, u64 region_size, u64 ring_off, void *track,
			 size_t track_bytes);
/* True when the ring completes by id (VBUS_IOQ_F_OOO was negotiated). */
static inline bool ioq_is_ooo(const struct ioq *q)
{
	return q->flags & VBUS_IOQ_F_OOO;
}
/*
 * South, OOO rings: consume up to @n descriptors without completing them
 * (§2.12 T1-T5): d[i] gets each validated copy, d[i].cookie its id. Returns the
 * number taken, -EAGAIN (empty), -EIO (broken: bad or duplicate id, §2.9),
 * -EINVAL (not an OOO ring).
 */
int ioq_take(struct ioq *q, struct ioq_desc_info *d, unsigned int n);
/*
 * South, OOO rings: complete @n taken ids in the order given (§2.12 C1-C4):
 * c[i].cookie the id, c[i].len the bytes used (clamped to the taken len),
 * c[i].flags VBUS_IOQ_DESC_F_ERROR or 0. One barrier and one south.index store
 * per call. All or nothing: an id not taken, or given twice, is -EINVAL (the
 * caller's bug; nothing is written). Returns n, -EIO or -EINVAL.
 */
int ioq_complete(struct ioq *q, const struct ioq_desc_info *c, unsigned int n);
/* South: re-validate the header of an attached ring (vector op attach); as ioq_south_attach. */
int ioq_south_reattach(struct ioq *q);
/* North: hand @n descriptors @d[0..n-1] to south, all or nothing (§2.4); n, -ENOSPC or -EIO. */
int ioq_push(struct ioq *q, const struct ioq_desc_info *d, unsigned int n);
/*
 * South: consume and complete up to @n descriptors (§2.5; on an OOO ring in
 * order through used[], the cookie is the id), calling @fn (may be
 * NULL: used = len) for each; *@last gets the last one completed (len = used).
 * Completion is by index: one south.index store per call; a descriptor is
 * written back only if fewer bytes were used or @fn failed (ERROR flag).
 * Returns the number completed, -EAGAIN (empty) or -EIO (broken).
 */
int ioq_pop(struct ioq *q, unsigned int n, ioq_pop_fn fn, void *arg, struct ioq_desc_info *last);
/* North: take back up to @n completed descriptors (§2.6); count, -EAGAIN or -EIO. */
int ioq_reclaim(struct ioq *q, unsigned int n, ioq_reclaim_fn fn, void *arg,
		struct ioq_desc_info *last);
/* Kick the peer (§2.7 K0-K5, §4.1 with q->sig.mod): NOTIFY, SUPPRESS, EVSKIP, DEFER, or -EIO. */
int ioq_kick(struct ioq *q);
/* Ask to be woken after @t >= 1 more descriptors (§2.7 A1-A5): IOQ_ARMED, IOQ_READY, -EINVAL, -EIO.
 */
int ioq_arm(struct ioq *q, u32 t);
/* Descriptors available to this side without blocking: south pending work, north completions; or
 * -EIO. */
int ioq_peek(struct ioq *q);
/*
 * A poller's hint: has the peer's index moved from what this side has taken
 * (south: north.index != si; north: south.index != rc)? One load, no check,
 * no barrier: a poller spins on it and then calls ioq_pop / ioq_reclaim, which
 * fetch the index again, check it (HOST-1) and order what follows. A hostile
 * peer can only make the poller call them sooner.
 */
static inline bool ioq_peer_moved(const struct ioq *q)
{
	if (q->side == VBUS_SOUTH)
		return le32_to_cpu(READ_ONCE(q->ring->north.index)) != q->idx;
	return le32_to_cpu(READ_ONCE(q->ring->south.index)) != q->rc;
}
/* North: free slots for push (count - (ni - rc)). */
static inline u32 ioq_free_slots(const struct ioq *q)
{
	return q->cnt - (q->idx - q->rc);
}

/*
 * The fused hot path: push (§2.4) and pop (§2.5) split into steps a caller
 * runs in place, per message, without an array of struct ioq_desc_info and
 * without a callback. The steps make the same shared-memory accesses in the
 * same order as ioq_push / ioq_pop, which are built from the same pieces (one
 * copy of each check and barrier). In-order rings only: on a VBUS_IOQ_F_OOO
 * ring ioq_push_publish and ioq_pop_begin return -EINVAL.
 *
 * North:  room = ioq_free_slots(q); for i < k <= room: fill the buffer,
 *         ioq_push_desc(q, i, ...); then ioq_push_publish(q, k); ioq_kick(q).
 * South:  k = ioq_pop_begin(q, n); for i < k: ioq_pop_desc(q, i, &d) (on
 *         -EIO stop: the ring is broken, nothing of the batch is published),
 *         use [d.offset, +d.len), ioq_pop_used(q, &d, used); then
 *         ioq_pop_end(q, k); ioq_kick(q).
 */

/* The violation path of the checks (§2.9): broken (sticky), counted, the first one named; -EIO. */
int ioq_violate(struct ioq *q, const char *why);

/*
 * P2's stores into one descriptor north owns, IOQ-13: store only a field
 * that changes, so a descriptor line whose slot keeps its buffer stays shared
 * in both caches. What we load is our own earlier value or south's IOQ-12
 * write-back, ordered before this load by RMB-RECLAIM (the reclaim that gave
 * us the slot).
 */
static inline void ioq_desc_fill(struct vbus_ioq_desc *desc, u64 offset, u32 len, u16 flags)
{
	if (READ_ONCE(desc->offset) != cpu_to_le64(offset))
		WRITE_ONCE(desc->offset, cpu_to_le64(offset));
	if (READ_ONCE(desc->len) != cpu_to_le32(len))
		WRITE_ONCE(desc->len, cpu_to_le32(len));
	if (READ_ONCE(desc->flags) != cpu_to_le16(flags))
		WRITE_ONCE(desc->flags, cpu_to_le16(flags));
}

/*
 * North, fused push without a cookie (IOQ-14): P2 for the descriptor in
 * @slot, the caller's (ni + i) & (cnt - 1) for its @i-th message, i <
 * ioq_free_slots(q), for a north that never reads cookies back (it reclaims by
 * index only, ioq_reclaim with neither fn nor last); then ioq_push_publish as
 * after ioq_push_desc.
 */
static inline void ioq_push_slot(struct ioq *q, u32 slot, u64 offset, u32 len, u16 flags)
{
	struct vbus_ioq_desc *desc = q->ring->desc;

	ioq_desc_fill(&desc[slot], offset, len, flags);
}

/*
 * North, fused push: P2 for the @i-th descriptor of the next batch (slot
 * ni + i) and its cookie. The caller keeps @i < ioq_free_slots(q) (those slots
 * are north's, IOQ-4); nothing is visible to south before ioq_push_publish.
 */
static inline void ioq_push_desc(struct ioq *q, u32 i, u64 offset, u32 len, u16 flags, u64 cookie)
{
	u32 slot = (q->idx + i) & (q->cnt - 1);
	__le64 *cookies = (__le64 *)((u8 *)q->ring + VBUS_IOQ_COOKIE_OFF((size_t)q->cnt));

	ioq_push_slot(q, slot, offset, len, flags);
	WRITE_ONCE(cookies[slot], cpu_to_le64(cookie));
}
/*
 * North, fused push: publish the first @n descriptors ioq_push_desc wrote (P1
 * re-checked, then P3 WMB-PUBLISH and P4, as ioq_push). n, -ENOSPC, -EIO or
 * -EINVAL (south's handle, or an OOO ring).
 */
int ioq_push_publish(struct ioq *q, unsigned int n);

/*
 * South, fused pop: Q0-Q4 (one north.index fetch, checked, RMB-INDEX). Returns
 * the descriptors of this batch, 1..@n, or -EAGAIN (empty), -EIO (broken),
 * -EINVAL (@n 0, north's handle, or an OOO ring).
 */
int ioq_pop_begin(struct ioq *q, unsigned int n);

/* Q5's copy of one descriptor: each field read once (HOST-1); RMB-INDEX ordered these loads. */
static inline void ioq_desc_copy(const struct vbus_ioq_desc *desc, struct ioq_desc_info *d)
{
	d->offset = le64_to_cpu(READ_ONCE(desc->offset));
	d->len = le32_to_cpu(READ_ONCE(desc->len));
	d->flags = le16_to_cpu(READ_ONCE(desc->flags));
}

/* Q5 checks on a local copy: flags, range (IOQ-10). */
static inline int ioq_check_desc(struct ioq *q, const struct ioq_desc_info *d)
{
	if (d->flags & ~VBUS_IOQ_DESC_F_KNOWN)
		return ioq_violate(q, "flags");
	if (d->len > VBUS_IOQ_MAX_LEN || d->offset > q->region_size ||
	    d->len > q->region_size - d->offset)
		return ioq_violate(q, "range");
	return 0;
}

/*
 * South, fused pop: Q5 for the @i-th descriptor of the batch (@i < what
 * ioq_pop_begin returned): @d gets the checked copy, d->cookie its ring index.
 * 0, or -EIO: a violation, the ring is broken; end the batch there (no
 * ioq_pop_end: nothing of it is published).
 */
static inline int ioq_pop_desc(struct ioq *q, u32 i, struct ioq_desc_info *d)
{
	u32 si = q->idx + i;

	d->cookie = si;
	ioq_desc_copy(&q->ring->desc[si & (q->cnt - 1)], d);
	return ioq_check_desc(q, d);
}

/*
 * South, fused pop: the bytes used of descriptor @d (from ioq_pop_desc);
 * IOQ-12 write-back only when fewer than d->len. Returns min(@used, d->len).
 */
static inline u32 ioq_pop_used(struct ioq *q, const struct ioq_desc_info *d, u32 used)
{
	struct vbus_ioq_desc *desc = &q->ring->desc[d->cookie & (q->cnt - 1)];

	if (used >= d->len)
		return d->len;
	WRITE_ONCE(desc->len, cpu_to_le32(used)); /* Q5 write-back: fewer bytes used */
	return used;
}

/*
 * South, fused pop: complete the first @n descriptors of the batch (Q6
 * WMB-COMPLETE, Q7: one south.index store), as ioq_pop. n, -EIO (broken: a
 * violation in the batch) or -EINVAL (@n above ioq_pop_begin's count).
 */
int ioq_pop_end(struct ioq *q, unsigned int n);

/* ----------------------------------------------------------------------------
 * Bus (§3): region header, device table, control verbs, hotplug events.
 * South only; the structure lives in south's private memory (it is large:
 * allocate it, do not put it on a stack).
 */

#define VBUS_CORE_MAX_SHM 16 /* SHM verb ids per device this core tracks (max_shm cap) */
#define VBUS_CORE_EVQ_LEN (2 * VBUS_MAX_DEVICES)

struct vbus_shm_reg {
	u64 offset;
	u64 len;
	u64 sigdesc; /* VBUS_CTRL_NO_SIGNAL or the descriptor's region offset */
	u32 handle;  /* signal handle, 0 without signal */
	u8 prio;
	bool used;
};

/* South's authoritative copy of one device; the shared table only mirrors it. */
struct vbus_dev_state {
	u32 id;
	u32 version;
	u32 features;
	u32 accepted; /* features north accepted with SET_FEATURES */
	u32 max_shm;
	u32 state; /* VBUS_DEV_* */
	char type[VBUS_DEV_TYPE_LEN];
	struct vbus_shm_reg shm[VBUS_CORE_MAX_SHM];
};

struct vbus_bus_event {
	u32 type;
	u32 devid;
	u64 seq;
};

/* Where south puts things when it creates a region. */
struct vbus_bus_layout {
	u32 features;	 /* VBUS_FEAT_* offered */
	u32 max_devices; /* 1..VBUS_MAX_DEVICES */
	u32 device_table_off;
	u32 ctrl_ring_off;
	u32 event_ring_off;
	u32 aggr_queue_off;
	u64 data_off;
	u64 data_len;
	u32 north_peer;
	u32 south_peer;
};

struct vbus_bus {
	u8 *region;
	u64 size;
	u32 max_devices;
	u32 device_table_off;
	u32 next_handle;	/* signal handles: 1, 2, 3 ... in registration order */
	u64 event_seq;		/* events created so far (the last seq used) */
	u32 evq_head, evq_tail; /* events not yet delivered to north */
	struct vbus_bus_event evq[VBUS_CORE_EVQ_LEN];
	bool broken;
	u64 violations;
	const char *violation;
	struct vbus_dev_state dev[VBUS_MAX_DEVICES];
};

/* South: create the region header and an empty device table (BUS-1); 0 or -EINVAL. */
int vbus_bus_create(struct vbus_bus *b, void *region, u64 size, const struct vbus_bus_layout *lay);
/* South: re-validate the header it created, read back once (BUS-6); 0, or -EIO with the bus broken.
 */
int vbus_bus_check(struct vbus_bus *b);
/*
 * South: add a device in the first empty slot, state PRESENT; with @announce a
 * DEVADD event is queued (§3.4). Returns the slot, -EEXIST, -ENOSPC or -EINVAL.
 */
int vbus_bus_add_device(struct vbus_bus *b, u32 id, const char *type, u32 version, u32 features,
			u32 max_shm, bool announce);
/* South: remove device @id (record EMPTY, registrations dropped, DEVDROP queued); 0 or -ENODEV. */
int vbus_bus_drop_device(struct vbus_bus *b, u32 id);
/*
 * South without a struct vbus_bus (the host module serving a device of a bus
 * the daemon owns): write @state into the device record at region offset @off,
 * which the caller validated (64-aligned, inside the region). Only the state
 * field is written, after WMB-RECORD.
 */
void vbus_record_set_state(void *region, u64 off, u32 state);
/* South: device @id broke its rings: state BROKEN until RELEASE; 0 or -ENODEV. */
int vbus_bus_fault(struct vbus_bus *b, u32 id);
/* South's device state for @id (any state but EMPTY), or NULL. */
struct vbus_dev_state *vbus_bus_find(struct vbus_bus *b, u32 id);
/*
 * South: execute one control request held in a local copy @m (§3.3, BUS-2
 * check order); writes m->result (0 or -errno) and m->ret. Never fails itself.
 */
void vbus_bus_ctrl_exec(struct vbus_bus *b, struct vbus_ctrl_msg *m);
/*
 * ioq_pop_fn for the control ring: copies the request at d->offset once,
 * executes it and writes result/ret back (BUS-4: before south.index moves).
 * A buffer too short or misaligned completes with VBUS_IOQ_DESC_F_ERROR.
 */
int vbus_bus_ctrl_pop(void *bus, const struct ioq_desc_info *d, u32 *used);
/* Events queued but not yet delivered to north. */
u32 vbus_bus_events_queued(const struct vbus_bus *b);
/*
 * ioq_pop_fn for the event ring: writes the oldest queued event into north's
 * VBUS_IOQ_DESC_F_WRITE buffer (BUS-5); -EAGAIN-like completion (ERROR flag,
 * used 0) when the buffer is unusable. Call it only while events are queued.
 */
int vbus_bus_event_pop(void *bus, const struct ioq_desc_info *d, u32 *used);

/* ----------------------------------------------------------------------------
 * Attach handshake (§3.1.1 BUS-8) and north's view of the bus (§3), in
 * bus_north.c. North reads what south wrote through these, each shared field
 * read once, so no guest driver touches the region layout itself.
 */

/* South: north_gen as north wrote it (read once). */
u32 vbus_bus_north_gen(const struct vbus_bus *b);
/* South: acknowledge @gen and publish the link state (south_gen, then link). */
void vbus_bus_set_link(struct vbus_bus *b, u32 gen, bool up);
/* South: forget north's rings: registrations dropped, OPEN devices back to PRESENT (BUS-8). */
void vbus_bus_reset_north(struct vbus_bus *b);

/*
 * North: validate the header south wrote (magic, version, @size, offsets in
 * range and aligned) and copy it into @lay; 0 or -EINVAL.
 */
int vbus_north_header(const void *region, u64 size, struct vbus_bus_layout *lay);
/* North: start an attach (BUS-8) after the rings are initialised; returns the new north_gen. */
u32 vbus_north_begin(void *region);
/* North: true when south acknowledged @gen and the link is up. */
bool vbus_north_attached(const void *region, u32 gen);
/* North: true when south says the link is up. */
bool vbus_north_link_up(const void *region);

/* North's copy of one device record (§3.2). */
struct vbus_north_record {
	u32 id;
	u32 version;
	u32 state;
	u32 max_shm;
	u32 features;
	char type[VBUS_DEV_TYPE_LEN]; /* always NUL-terminated */
};
/* North: read table slot @slot (state, rmb, fields: WMB-RECORD's pair); 0 or -EINVAL. */
int vbus_north_record(const void *region, const struct vbus_bus_layout *lay, u32 slot,
		      struct vbus_north_record *rec);
/* North: write a control request into @buf (a data-area buffer of >= sizeof(struct vbus_ctrl_msg)).
 */
void vbus_north_ctrl_fill(void *buf, u32 op, u32 devid, u32 arg0, u32 arg1, u64 offset, u64 len,
			  u64 sigdesc);
/* North: the answer south wrote into @buf: result (0 or -errno), *@ret the value. */
int vbus_north_ctrl_result(const void *buf, u32 *ret);
/* Region offset of a ring's embedded signal relative to the ring (the SHM verb's sigdesc). */
u64 ioq_signal_offset(void);
/* North: decode a hotplug event south wrote into @buf (16 bytes). */
void vbus_north_event(const void *buf, struct vbus_bus_event *ev);

#endif /* _VBUS_CORE_H */

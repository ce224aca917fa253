// SPDX-License-Identifier: GPL-2.0
/*
 * Virtqueue baselines for vbus-bench: OUR OWN implementations, written from
 * the virtio 1.2 specification (OASIS, §2.7 split virtqueues with
 * VIRTIO_F_EVENT_IDX, §2.8 packed virtqueues with the event suppression
 * structures), not Linux's or QEMU's code. They move the same 64-byte
 * payloads as vbus-bench's other rows, one buffer per ring slot, between two
 * threads pinned like the rest (bench.c's run_pair).
 *
 * Both sides poll (the device never asks for notifications: with EVENT_IDX
 * it leaves avail_event where it is, in the packed ring it sets the driver's
 * event suppression to DISABLE), but the driver pays what the spec makes it
 * pay per kick: a full barrier and a load of the device's event field
 * (virtio 1.2 §2.7.10, §2.8.10). Barriers: C11 release/acquire where the spec
 * says "write memory barrier"/"read memory barrier", a seq_cst fence where it
 * says "full memory barrier".
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"

#define VQ_MSG 64
#define VQ_RING 1024 /* as the vbus and SPSC rows */

static inline void vq_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* vring_need_event (virtio 1.2 §2.7.10): did new_idx move past event since old? */
static inline int need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* ------------------------------------------------------------- split */

/* The packed ring's next position: wraps at VQ_RING and flips the wrap counter (§2.8.1). */
static inline void pk_advance(uint16_t *pos, int *wrap)
{
	if (++*pos == VQ_RING) {
		*pos = 0;
		*wrap ^= 1;
	}
}

/* The device's consumption of one 64-byte message: a copy out of the ring's buffer, one byte kept. */
static inline uint8_t vq_take(const uint8_t (*buf)[VQ_MSG], uint64_t addr)
{
	uint8_t msg[VQ_MSG];

	memcpy(msg, buf[addr % VQ_RING], VQ_MSG);
	return msg[8];
}

/* A side's counters, added once at its end (per side, so no shared counter line while running). */
static inline void vq_side_done(uint64_t *kicks_dst, uint64_t kicks, uint64_t *sink_dst, uint64_t sink)
{
	__atomic_fetch_add(kicks_dst, kicks, __ATOMIC_RELAXED);
	__atomic_fetch_add(sink_dst, sink, __ATOMIC_RELAXED);
}

struct split;
struct packed;

struct vq_desc { /* §2.7.5 */
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vq_used_elem { /* §2.7.8 */
	uint32_t id;
	uint32_t len;
};

struct split {
	_Alignas(64) struct vq_desc desc[VQ_RING];
	/* driver area (§2.7.6): flags, idx, ring[], used_event */
	_Alignas(64) uint16_t avail_flags;
	uint16_t avail_idx;
	uint16_t avail_ring[VQ_RING];
	uint16_t used_event;
	/* device area (§2.7.8): flags, idx, ring[], avail_event */
	_Alignas(64) uint16_t used_flags;
	uint16_t used_idx;
	struct vq_used_elem used_ring[VQ_RING];
	uint16_t avail_event;
	_Alignas(64) uint8_t buf[VQ_RING][VQ_MSG];
};

/* The driver's side of one split-ring buffer (§2.7.13): message @seq into slot @slot's buffer, its
 * descriptor and its avail ring entry (the caller's release store of avail_idx publishes them). */
static inline void split_put(struct split *q, uint8_t *msg, uint16_t slot, uint64_t seq)
{
	memcpy(&msg[8], &seq, 8);
	memcpy(q->buf[slot], msg, VQ_MSG);
	q->desc[slot] = (struct vq_desc){ .addr = slot, .len = VQ_MSG };
	q->avail_ring[slot] = slot;
}

/* The device's side of one (§2.7.8): the avail entry at @avail_pos consumed, its used element written at
 * @used_pos (the caller's release store of used_idx publishes it); the message's kept byte. */
static inline uint8_t split_take(struct split *q, uint16_t avail_pos, uint16_t used_pos)
{
	uint16_t head = q->avail_ring[avail_pos % VQ_RING];
	struct vq_desc d = q->desc[head % VQ_RING];
	uint8_t b = vq_take(q->buf, d.addr);

	q->used_ring[used_pos % VQ_RING] = (struct vq_used_elem){ .id = head, .len = d.len };
	return b;
}

/* One run of one measurement: the ring, the run parameters and the results (not shared ring state). */
struct vq_run {
	union {
		struct split *s;
		struct packed *p;
	};
	int kick, call; /* eventfds of the blocking modes: driver -> device, device -> driver */
	uint64_t n;
	unsigned int burst;
	double secs;
	uint64_t sink, kicks; /* polling modes: added once per side at its end */
	uint64_t notifies[2]; /* blocking stream: [0] driver kicks, [1] device interrupts */
};

static void *split_driver(void *a)
{
	struct vq_run *r = a;
	struct split *q = r->s;
	uint64_t kicks = 0, sink = 0; /* per side, added once at the end: no shared counter line */
	uint16_t avail = 0, kicked = 0, last_used = 0, free_slots = VQ_RING;
	uint8_t msg[VQ_MSG];
	uint64_t sent = 0;

	memset(msg, 1, sizeof(msg));
	while (sent < r->n) {
		unsigned int k;

		while (free_slots < r->burst) { /* reclaim: §2.7.14 used ring */
			/* acquire: used idx before the used elements; pairs with the device's release */
			uint16_t ui = __atomic_load_n(&q->used_idx, __ATOMIC_ACQUIRE);

			while (last_used != ui) {
				uint32_t id = q->used_ring[last_used % VQ_RING].id;

				sink += id; /* the id names the descriptor to free */
				last_used++;
				free_slots++;
			}
			if (free_slots < r->burst)
				vq_relax();
		}
		for (k = 0; k < r->burst; k++, avail++, sent++) /* §2.7.13 */
			split_put(q, msg, avail % VQ_RING, sent);
		free_slots -= r->burst;
		/* release ("wmb" before avail idx, §2.7.13.3): descriptors and ring entries first */
		__atomic_store_n(&q->avail_idx, avail, __ATOMIC_RELEASE);
		/* full barrier before reading avail_event (§2.7.13.4), pairs with the device's */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (need_event(__atomic_load_n(&q->avail_event, __ATOMIC_RELAXED), avail, kicked))
			kicks++; /* a notification would be sent here; the polling device never asks */
		kicked = avail;
	}
	vq_side_done(&r->kicks, kicks, &r->sink, sink);
	return NULL;
}

static void *split_device(void *a)
{
	struct vq_run *r = a;
	struct split *q = r->s;
	uint64_t kicks = 0, sink = 0; /* per side, added once at the end: no shared counter line */
	uint16_t last_avail = 0, used = 0, last_used_sig = 0;
	uint64_t got = 0, sum = 0;
	double t0 = bench_now();

	while (got < r->n) {
		/* acquire: avail idx before the ring entries and descriptors; pairs with the driver's release */
		uint16_t ai = __atomic_load_n(&q->avail_idx, __ATOMIC_ACQUIRE);

		if (ai == last_avail) {
			vq_relax();
			continue;
		}
		while (last_avail != ai) {
			sum += split_take(q, last_avail, used);
			used++;
			last_avail++;
			got++;
		}
		/* release: the used elements before used idx (§2.7.8.2) */
		__atomic_store_n(&q->used_idx, used, __ATOMIC_RELEASE);
		/* full barrier before reading used_event (§2.7.10), then the interrupt decision */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (need_event(__atomic_load_n(&q->used_event, __ATOMIC_RELAXED), used, last_used_sig))
			kicks++;
		last_used_sig = used;
	}
	r->secs = bench_now() - t0;
	sink += sum;
	vq_side_done(&r->kicks, kicks, &r->sink, sink);
	return NULL;
}

/* ------------------------------------------------------------- packed */

#define PK_AVAIL (1u << 7) /* VIRTQ_DESC_F_AVAIL, §2.8.1 */
#define PK_USED (1u << 15) /* VIRTQ_DESC_F_USED */
#define PK_EV_DISABLE 1u   /* RING_EVENT_FLAGS_DISABLE, §2.8.10 */

struct pk_desc { /* §2.8.13 */
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct pk_event { /* struct pvirtq_event_suppress, §2.8.10 */
	uint16_t off_wrap;
	uint16_t flags;
};

struct packed {
	_Alignas(64) struct pk_desc desc[VQ_RING];
	_Alignas(64) struct pk_event driver_ev; /* written by the driver */
	_Alignas(64) struct pk_event device_ev; /* written by the device */
	_Alignas(64) uint8_t buf[VQ_RING][VQ_MSG];
};

/* The driver's side of one packed-ring buffer (§2.8.21): message @seq into @next's buffer, its descriptor,
 * then its flags making it available in wrap @wrap. */
static inline void pk_put(struct packed *q, uint8_t *msg, uint16_t next, int wrap, uint64_t seq)
{
	struct pk_desc *d = &q->desc[next];

	memcpy(&msg[8], &seq, 8);
	memcpy(q->buf[next], msg, VQ_MSG);
	d->addr = next;
	d->len = VQ_MSG;
	d->id = next;
	/* release: the descriptor (and buffer) before its flags make it available; pairs with the device's
	 * acquire load of the flags */
	__atomic_store_n(&d->flags, (uint16_t)(wrap ? PK_AVAIL : PK_USED), __ATOMIC_RELEASE);
}

static void *packed_driver(void *a)
{
	struct vq_run *r = a;
	struct packed *q = r->p;
	uint64_t kicks = 0, sink = 0; /* per side, added once at the end: no shared counter line */
	uint16_t next = 0, used_pos = 0, free_slots = VQ_RING;
	int wrap = 1, used_wrap = 1;
	uint8_t msg[VQ_MSG];
	uint64_t sent = 0;

	memset(msg, 1, sizeof(msg));
	while (sent < r->n) {
		unsigned int k;

		while (free_slots < r->burst) { /* §2.8.14: used descriptors, written back in place */
			for (;;) {
				struct pk_desc *d = &q->desc[used_pos];
				/* acquire: flags before id/len; pairs with the device's release of flags */
				uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);

				if (!!(f & PK_AVAIL) != used_wrap || !!(f & PK_USED) != used_wrap)
					break;
				sink += d->id;
				free_slots++;
				pk_advance(&used_pos, &used_wrap);
			}
			if (free_slots < r->burst)
				vq_relax();
		}
		for (k = 0; k < r->burst; k++, sent++) { /* §2.8.21 */
			pk_put(q, msg, next, wrap, sent);
			pk_advance(&next, &wrap);
		}
		free_slots -= r->burst;
		/* full barrier before reading the device's event suppression (§2.8.21.3) */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&q->device_ev.flags, __ATOMIC_RELAXED) != PK_EV_DISABLE)
			kicks++;
	}
	vq_side_done(&r->kicks, kicks, &r->sink, sink);
	return NULL;
}

static void *packed_device(void *a)
{
	struct vq_run *r = a;
	struct packed *q = r->p;
	uint64_t kicks = 0, sink = 0; /* per side, added once at the end: no shared counter line */
	uint16_t pos = 0;
	int wrap = 1;
	uint64_t got = 0, sum = 0;
	double t0 = bench_now();

	while (got < r->n) {
		struct pk_desc *d = &q->desc[pos];
		/* acquire: flags before the descriptor fields; pairs with the driver's release */
		uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
		uint16_t id;

		if (!!(f & PK_AVAIL) != wrap || !!(f & PK_USED) == wrap) {
			vq_relax();
			continue;
		}
		id = d->id;
		sum += vq_take(q->buf, d->addr);
		d->id = id;
		d->len = VQ_MSG;
		/* release: id/len before the flags mark the descriptor used (§2.8.8) */
		__atomic_store_n(&d->flags, (uint16_t)(wrap ? PK_AVAIL | PK_USED : 0), __ATOMIC_RELEASE);
		pk_advance(&pos, &wrap);
		got++;
		/* full barrier before reading the driver's event suppression (§2.8.10), per used batch */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&q->driver_ev.flags, __ATOMIC_RELAXED) != PK_EV_DISABLE)
			kicks++;
	}
	r->secs = bench_now() - t0;
	sink += sum;
	vq_side_done(&r->kicks, kicks, &r->sink, sink);
	return NULL;
}

/* ------------------------------------------------------------- round trips */

/*
 * Poll RTT: the driver makes one 64-byte buffer available, kicks (barrier and
 * event check) and polls for it to be used; the device polls, consumes it,
 * marks it used and makes its interrupt decision (barrier and event check).
 */
static void *split_rtt_driver(void *a)
{
	struct vq_run *r = a;
	struct split *q = r->s;
	uint64_t kicks = 0, sink = 0; /* per side, added once at the end: no shared counter line */
	uint16_t avail = 0, last_used = 0;
	uint8_t msg[VQ_MSG] = { 1 };
	double t0 = bench_now();

	for (uint64_t i = 0; i < r->n; i++) {
		split_put(q, msg, avail % VQ_RING, i);
		avail++;
		/* release: descriptor and ring entry before avail idx */
		__atomic_store_n(&q->avail_idx, avail, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* before avail_event (§2.7.13.4) */
		if (need_event(__atomic_load_n(&q->avail_event, __ATOMIC_RELAXED), avail, avail - 1))
			kicks++;
		/* acquire: used idx before the used element; pairs with the device's release */
		while (__atomic_load_n(&q->used_idx, __ATOMIC_ACQUIRE) == last_used)
			vq_relax();
		sink += q->used_ring[last_used % VQ_RING].id;
		last_used++;
	}
	r->secs = bench_now() - t0;
	vq_side_done(&r->kicks, kicks, &r->sink, sink);
	return NULL;
}

static void *split_rtt_device(void *a)
{
	struct vq_run *r = a;
	struct split *q = r->s;
	uint64_t kicks = 0, sink = 0; /* per side, added once at the end: no shared counter line */
	uint16_t last_avail = 0;

	for (uint64_t i = 0; i < r->n; i++) {
		/* acquire: avail idx before ring entry and descriptor */
		while (__atomic_load_n(&q->avail_idx, __ATOMIC_ACQUIRE) == last_avail)
			vq_relax();
		sink += split_take(q, last_avail, last_avail);
		last_avail++;
		/* release: the used element before used idx */
		__atomic_store_n(&q->used_idx, last_avail, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* before used_event (§2.7.10) */
		if (need_event(__atomic_load_n(&q->used_event, __ATOMIC_RELAXED), last_avail, last_avail - 1))
			kicks++;
	}
	vq_side_done(&r->kicks, kicks, &r->sink, sink);
	return NULL;
}

static void *packed_rtt_driver(void *a)
{
	struct vq_run *r = a;
	struct packed *q = r->p;
	uint64_t kicks = 0, sink = 0; /* per side, added once at the end: no shared counter line */
	uint16_t next = 0;
	int wrap = 1;
	uint8_t msg[VQ_MSG] = { 1 };
	double t0 = bench_now();

	for (uint64_t i = 0; i < r->n; i++) {
		struct pk_desc *d = &q->desc[next];
		uint16_t f;

		pk_put(q, msg, next, wrap, i);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* before the device's event suppression */
		if (__atomic_load_n(&q->device_ev.flags, __ATOMIC_RELAXED) != PK_EV_DISABLE)
			kicks++;
		/* acquire: flags before id/len of the used descriptor */
		for (;;) {
			f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
			if (!!(f & PK_AVAIL) == wrap && !!(f & PK_USED) == wrap)
				break;
			vq_relax();
		}
		sink += d->id;
		pk_advance(&next, &wrap);
	}
	r->secs = bench_now() - t0;
	vq_side_done(&r->kicks, kicks, &r->sink, sink);
	return NULL;
}

static void *packed_rtt_device(void *a)
{
	struct vq_run *r = a;
	struct packed *q = r->p;
	uint64_t kicks = 0, sink = 0; /* per side, added once at the end: no shared counter line */
	uint16_t pos = 0;
	int wrap = 1;

	for (uint64_t i = 0; i < r->n; i++) {
		struct pk_desc *d = &q->desc[pos];
		uint8_t msg[VQ_MSG];
		uint16_t f;

		/* acquire: flags before the descriptor fields; pairs with the driver's release */
		for (;;) {
			f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
			if (!!(f & PK_AVAIL) == wrap && !!(f & PK_USED) != wrap)
				break;
			vq_relax();
		}
		memcpy(msg, q->buf[d->addr % VQ_RING], VQ_MSG);
		d->len = VQ_MSG;
		/* release: len before the flags mark it used */
		__atomic_store_n(&d->flags, (uint16_t)(wrap ? PK_AVAIL | PK_USED : 0), __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* before the driver's event suppression */
		if (__atomic_load_n(&q->driver_ev.flags, __ATOMIC_RELAXED) != PK_EV_DISABLE)
			kicks++;
		sink += msg[8];
		pk_advance(&pos, &wrap);
	}
	vq_side_done(&r->kicks, kicks, &r->sink, sink);
	return NULL;
}

/* ------------------------------------------------------------- blocking round trips */

/*
 * Blocking RTT: each side sleeps in read(eventfd) when it finds nothing, after
 * asking for a notification the way the spec says: split, EVENT_IDX (set the
 * event index to the entry it waits for, full barrier, re-check, §2.7.10);
 * packed, event suppression ENABLE/DISABLE (§2.8.10).
 */
static void efd_wait(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		abort();
}

static void efd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static void *split_block_driver(void *a)
{
	struct vq_run *r = a;
	struct split *q = r->s;
	uint16_t avail = 0, last_used = 0;
	uint8_t msg[VQ_MSG] = { 1 };
	double t0 = bench_now();

	for (uint64_t i = 0; i < r->n; i++) {
		split_put(q, msg, avail % VQ_RING, i);
		avail++;
		__atomic_store_n(&q->avail_idx, avail, __ATOMIC_RELEASE); /* entries before idx */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);		  /* idx before avail_event (§2.7.13.4) */
		if (need_event(__atomic_load_n(&q->avail_event, __ATOMIC_RELAXED), avail, avail - 1))
			efd_signal(r->kick);
		for (;;) {
			if (__atomic_load_n(&q->used_idx, __ATOMIC_ACQUIRE) != last_used)
				break;
			__atomic_store_n(&q->used_event, last_used, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_SEQ_CST); /* used_event before the re-check */
			if (__atomic_load_n(&q->used_idx, __ATOMIC_ACQUIRE) != last_used)
				break;
			efd_wait(r->call);
		}
		last_used++;
	}
	r->secs = bench_now() - t0;
	return NULL;
}

static void *split_block_device(void *a)
{
	struct vq_run *r = a;
	struct split *q = r->s;
	uint16_t last_avail = 0;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < r->n; i++) {

		for (;;) {
			if (__atomic_load_n(&q->avail_idx, __ATOMIC_ACQUIRE) != last_avail)
				break;
			__atomic_store_n(&q->avail_event, last_avail, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_SEQ_CST); /* avail_event before the re-check */
			if (__atomic_load_n(&q->avail_idx, __ATOMIC_ACQUIRE) != last_avail)
				break;
			efd_wait(r->kick);
		}
		sum += split_take(q, last_avail, last_avail);
		last_avail++;
		__atomic_store_n(&q->used_idx, last_avail, __ATOMIC_RELEASE); /* elem before idx */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);		      /* idx before used_event (§2.7.10) */
		if (need_event(__atomic_load_n(&q->used_event, __ATOMIC_RELAXED), last_avail, last_avail - 1))
			efd_signal(r->call);
	}
	__atomic_fetch_add(&r->sink, sum, __ATOMIC_RELAXED);
	return NULL;
}

#define PK_EV_ENABLE 0u /* RING_EVENT_FLAGS_ENABLE */

static void *packed_block_driver(void *a)
{
	struct vq_run *r = a;
	struct packed *q = r->p;
	uint16_t next = 0;
	int wrap = 1;
	uint8_t msg[VQ_MSG] = { 1 };
	double t0 = bench_now();

	for (uint64_t i = 0; i < r->n; i++) {
		struct pk_desc *d = &q->desc[next];

		pk_put(q, msg, next, wrap, i);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* flags before the device's suppression */
		if (__atomic_load_n(&q->device_ev.flags, __ATOMIC_RELAXED) != PK_EV_DISABLE)
			efd_signal(r->kick);
		for (;;) {
			uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);

			if (!!(f & PK_AVAIL) == wrap && !!(f & PK_USED) == wrap)
				break;
			__atomic_store_n(&q->driver_ev.flags, PK_EV_ENABLE, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_SEQ_CST); /* enable before the re-check */
			f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
			if (!(!!(f & PK_AVAIL) == wrap && !!(f & PK_USED) == wrap))
				efd_wait(r->call);
			__atomic_store_n(&q->driver_ev.flags, PK_EV_DISABLE, __ATOMIC_RELAXED);
		}
		pk_advance(&next, &wrap);
	}
	r->secs = bench_now() - t0;
	return NULL;
}

static void *packed_block_device(void *a)
{
	struct vq_run *r = a;
	struct packed *q = r->p;
	uint16_t pos = 0;
	int wrap = 1;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < r->n; i++) {
		struct pk_desc *d = &q->desc[pos];

		for (;;) {
			uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);

			if (!!(f & PK_AVAIL) == wrap && !!(f & PK_USED) != wrap)
				break;
			__atomic_store_n(&q->device_ev.flags, PK_EV_ENABLE, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_SEQ_CST); /* enable before the re-check */
			f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
			if (!(!!(f & PK_AVAIL) == wrap && !!(f & PK_USED) != wrap))
				efd_wait(r->kick);
			__atomic_store_n(&q->device_ev.flags, PK_EV_DISABLE, __ATOMIC_RELAXED);
		}
		sum += vq_take(q->buf, d->addr);
		d->len = VQ_MSG;
		__atomic_store_n(&d->flags, (uint16_t)(wrap ? PK_AVAIL | PK_USED : 0), __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* used flags before the driver's suppression */
		if (__atomic_load_n(&q->driver_ev.flags, __ATOMIC_RELAXED) != PK_EV_DISABLE)
			efd_signal(r->call);
		pk_advance(&pos, &wrap);
	}
	__atomic_fetch_add(&r->sink, sum, __ATOMIC_RELAXED);
	return NULL;
}

/* ------------------------------------------------------------- blocking streams */

/*
 * Blocking stream, bursts of @burst: the same waits as the blocking RTT rows
 * (a side that finds nothing asks for a notification, full barrier, re-checks,
 * sleeps in read(eventfd)), with the batching a saturated stream allows: the
 * device drains everything it sees and decides one interrupt per drain pass;
 * the driver reclaims without waiting and sleeps only when the ring lacks
 * room for a burst, asking (EVENT_IDX) to be woken once that room exists.
 * Notifications (kicks + interrupts) are counted per message, as vbus's rows.
 */
static void *split_bstream_driver(void *a)
{
	struct vq_run *r = a;
	struct split *q = r->s;
	uint16_t avail = 0, kicked = 0, last_used = 0, free_slots = VQ_RING;
	uint8_t msg[VQ_MSG] = { 1 };
	uint64_t sent = 0, kicks = 0;

	while (sent < r->n) {
		for (;;) { /* reclaim what is used; sleep only without room for a burst */
			/* acquire: used idx before the used elements; pairs with the device's release */
			uint16_t ui = __atomic_load_n(&q->used_idx, __ATOMIC_ACQUIRE);

			free_slots += (uint16_t)(ui - last_used);
			last_used = ui;
			if (free_slots >= r->burst)
				break;
			/* EVENT_IDX (§2.7.10): wake me when used idx passes the entry that frees a burst */
			__atomic_store_n(&q->used_event, (uint16_t)(last_used + (r->burst - free_slots) - 1),
					 __ATOMIC_RELAXED);
			/* full barrier: used_event before the re-check; pairs with the device's fence */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (__atomic_load_n(&q->used_idx, __ATOMIC_ACQUIRE) == last_used)
				efd_wait(r->call);
		}
		for (unsigned int k = 0; k < r->burst; k++, avail++, sent++)
			split_put(q, msg, avail % VQ_RING, sent);
		free_slots -= r->burst;
		/* release: descriptors and ring entries before avail idx (§2.7.13.3) */
		__atomic_store_n(&q->avail_idx, avail, __ATOMIC_RELEASE);
		/* full barrier: avail idx before avail_event (§2.7.13.4); pairs with the device's */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (need_event(__atomic_load_n(&q->avail_event, __ATOMIC_RELAXED), avail, kicked)) {
			efd_signal(r->kick);
			kicks++;
		}
		kicked = avail;
	}
	r->notifies[0] = kicks;
	return NULL;
}

static void *split_bstream_device(void *a)
{
	struct vq_run *r = a;
	struct split *q = r->s;
	uint16_t last_avail = 0, signalled = 0;
	uint64_t got = 0, sum = 0, irqs = 0;
	double t0 = bench_now();

	while (got < r->n) {
		/* acquire: avail idx before the ring entries; pairs with the driver's release */
		uint16_t ai = __atomic_load_n(&q->avail_idx, __ATOMIC_ACQUIRE);

		if (ai == last_avail) {
			__atomic_store_n(&q->avail_event, last_avail, __ATOMIC_RELAXED);
			/* full barrier: avail_event before the re-check; pairs with the driver's fence */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (__atomic_load_n(&q->avail_idx, __ATOMIC_ACQUIRE) == last_avail)
				efd_wait(r->kick);
			continue;
		}
		while (last_avail != ai) {
			sum += split_take(q, last_avail, last_avail);
			last_avail++;
			got++;
		}
		/* release: the used elements before used idx (§2.7.8.2) */
		__atomic_store_n(&q->used_idx, last_avail, __ATOMIC_RELEASE);
		/* full barrier: used idx before used_event (§2.7.10); pairs with the driver's */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (need_event(__atomic_load_n(&q->used_event, __ATOMIC_RELAXED), last_avail, signalled)) {
			efd_signal(r->call);
			irqs++;
		}
		signalled = last_avail;
	}
	r->secs = bench_now() - t0;
	r->notifies[1] = irqs;
	__atomic_fetch_add(&r->sink, sum, __ATOMIC_RELAXED);
	return NULL;
}

static int pk_is_used(uint16_t f, int wrap)
{
	return !!(f & PK_AVAIL) == wrap && !!(f & PK_USED) == wrap;
}

static void *packed_bstream_driver(void *a)
{
	struct vq_run *r = a;
	struct packed *q = r->p;
	uint16_t next = 0, used_pos = 0, free_slots = VQ_RING;
	int wrap = 1, used_wrap = 1;
	uint8_t msg[VQ_MSG] = { 1 };
	uint64_t sent = 0, kicks = 0;

	while (sent < r->n) {
		for (;;) {
			/* acquire: flags before id/len; pairs with the device's release of flags */
			while (free_slots < VQ_RING &&
			       pk_is_used(__atomic_load_n(&q->desc[used_pos].flags, __ATOMIC_ACQUIRE), used_wrap)) {
				free_slots++;
				pk_advance(&used_pos, &used_wrap);
			}
			if (free_slots >= r->burst)
				break;
			/* event suppression ENABLE (§2.8.10), full barrier, re-check, sleep */
			__atomic_store_n(&q->driver_ev.flags, PK_EV_ENABLE, __ATOMIC_RELAXED);
			__atomic_thread_fence(
				__ATOMIC_SEQ_CST); /* enable before the re-check; pairs with the device's */
			if (!pk_is_used(__atomic_load_n(&q->desc[used_pos].flags, __ATOMIC_ACQUIRE), used_wrap))
				efd_wait(r->call);
			__atomic_store_n(&q->driver_ev.flags, PK_EV_DISABLE, __ATOMIC_RELAXED);
		}
		for (unsigned int k = 0; k < r->burst; k++, sent++) {
			pk_put(q, msg, next, wrap, sent);
			pk_advance(&next, &wrap);
		}
		free_slots -= r->burst;
		/* full barrier: the flags before the device's suppression (§2.8.21.3) */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&q->device_ev.flags, __ATOMIC_RELAXED) != PK_EV_DISABLE) {
			efd_signal(r->kick);
			kicks++;
		}
	}
	r->notifies[0] = kicks;
	return NULL;
}

static void *packed_bstream_device(void *a)
{
	struct vq_run *r = a;
	struct packed *q = r->p;
	uint16_t pos = 0;
	int wrap = 1;
	uint64_t got = 0, sum = 0, irqs = 0;
	double t0 = bench_now();

	while (got < r->n) {
		unsigned int pass = 0;

		for (;;) { /* one drain pass */
			struct pk_desc *d = &q->desc[pos];
			/* acquire: flags before the descriptor fields; pairs with the driver's release */
			uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
			uint8_t m[VQ_MSG];

			if (!!(f & PK_AVAIL) != wrap || !!(f & PK_USED) == wrap)
				break;
			memcpy(m, q->buf[d->addr % VQ_RING], VQ_MSG);
			sum += m[8];
			d->len = VQ_MSG;
			/* release: len before the flags mark the descriptor used (§2.8.8) */
			__atomic_store_n(&d->flags, (uint16_t)(wrap ? PK_AVAIL | PK_USED : 0), __ATOMIC_RELEASE);
			pk_advance(&pos, &wrap);
			got++;
			pass++;
		}
		if (pass) {
			/* full barrier: the used flags before the driver's suppression (§2.8.10) */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (__atomic_load_n(&q->driver_ev.flags, __ATOMIC_RELAXED) != PK_EV_DISABLE) {
				efd_signal(r->call);
				irqs++;
			}
			continue;
		}
		__atomic_store_n(&q->device_ev.flags, PK_EV_ENABLE, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* enable before the re-check; pairs with the driver's */
		{
			uint16_t f = __atomic_load_n(&q->desc[pos].flags, __ATOMIC_ACQUIRE);

			if (!!(f & PK_AVAIL) != wrap || !!(f & PK_USED) == wrap)
				efd_wait(r->kick);
		}
		__atomic_store_n(&q->device_ev.flags, PK_EV_DISABLE, __ATOMIC_RELAXED);
	}
	r->secs = bench_now() - t0;
	r->notifies[1] = irqs;
	__atomic_fetch_add(&r->sink, sum, __ATOMIC_RELAXED);
	return NULL;
}

/* ------------------------------------------------------------- the measurements, one table */

/* Each mode's two sides per ring, and the split ring's initial event indexes (the packed ring starts with both
 * sides' event suppression DISABLE in every mode: the first blocking wait enables its own). */
static const struct vq_mode {
	void *(*driver[2])(void *), *(*device[2])(void *); /* [BENCH_VQ_SPLIT], [BENCH_VQ_PACKED] */
	uint16_t avail_event, used_event;
	int block;  /* sides sleep in read(eventfd) */
	int stream; /* figure: messages per second (else: ns per round trip) */
} vq_modes[] = {
	/* polling device and driver: neither event index is ever crossed, not even by the first kicks */
	[BENCH_VQ_STREAM] = { .driver = { split_driver, packed_driver },
			      .device = { split_device, packed_device },
			      .avail_event = 0xffff,
			      .used_event = 0xffff,
			      .stream = 1 },
	[BENCH_VQ_RTT] = { .driver = { split_rtt_driver, packed_rtt_driver },
			   .device = { split_rtt_device, packed_rtt_device },
			   .avail_event = 0xffff,
			   .used_event = 0xffff },
	/* each side sets its event index before it sleeps */
	[BENCH_VQ_BLOCK_RTT] = { .driver = { split_block_driver, packed_block_driver },
				 .device = { split_block_device, packed_block_device },
				 .block = 1 },
	/* the device has not started yet: the first kick notifies; the driver sets used_event before it sleeps */
	[BENCH_VQ_BLOCK_STREAM] = { .driver = { split_bstream_driver, packed_bstream_driver },
				    .device = { split_bstream_device, packed_bstream_device },
				    .avail_event = 0,
				    .used_event = 0xffff,
				    .block = 1,
				    .stream = 1 },
};

void bench_vq_run(const struct bench_vq *v, uint64_t n, double out[2])
{
	const struct vq_mode *m = &vq_modes[v->mode];
	unsigned int burst = m->stream ? v->burst : 1;
	struct vq_run r = { .n = n - n % burst, .burst = burst, .kick = -1, .call = -1 };
	size_t size = v->ring == BENCH_VQ_PACKED ? sizeof(struct packed) : sizeof(struct split);
	void *mem = aligned_alloc(64, size);

	out[0] = out[1] = 0;
	if (m->block) {
		r.kick = eventfd(0, EFD_CLOEXEC);
		r.call = eventfd(0, EFD_CLOEXEC);
	}
	if (mem && r.n && (!m->block || (r.kick >= 0 && r.call >= 0))) {
		memset(mem, 0, size);
		if (v->ring == BENCH_VQ_PACKED) {
			r.p = mem;
			r.p->device_ev.flags = PK_EV_DISABLE;
			r.p->driver_ev.flags = PK_EV_DISABLE;
		} else {
			r.s = mem;
			r.s->avail_event = m->avail_event;
			r.s->used_event = m->used_event;
		}
		bench_run_pair(m->driver[v->ring], m->device[v->ring], &r);
		out[0] = m->stream ? r.n / r.secs : r.secs / r.n * 1e9;
		if (m->block && m->stream)
			out[1] = (double)(r.notifies[0] + r.notifies[1]) / r.n;
	}
	if (r.kick >= 0)
		close(r.kick);
	if (r.call >= 0)
		close(r.call);
	free(mem);
}

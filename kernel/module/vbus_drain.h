/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel-independent half of the module's backends: drain, echo copy,
 * arm and peek over the protocol core's IOQ API, with a weight per pass.
 * Built into vbus.ko and, against kernel/core/shim, into the fuzzer
 * (tests/core/fuzz_drain.c), so the per-pass bound is fuzzed on the code the
 * module runs. No sleeping, locking or allocation here: the caller passes
 * a reschedule hook (cond_resched() in the kernel).
 */
#ifndef _VBUS_DRAIN_H
#define _VBUS_DRAIN_H

#include <linux/types.h>
#include "vbus_core.h"

/* Default weight of one worker pass over one device (vhost: 256 packets, 512 KiB). */
#define VBUS_WEIGHT_DESCS 256u
#define VBUS_WEIGHT_BYTES (512u * 1024u)
/* Echo copies are cut into chunks of this size with a reschedule point between them. */
#define VBUS_COPY_CHUNK (64u * 1024u)
/* wakeup drain passes per service call (a north toggling dirty cannot hold the worker longer). */
#define VBUS_WAKEUP_BUDGET 4u

enum vbus_drain_result {
	VBUS_DRAIN_IDLE, /* nothing left that south can serve now */
	VBUS_DRAIN_MORE, /* real work done and more left (weight used up): serve again at once */
	VBUS_DRAIN_SPIN, /* no work done, but north kept dirty set: back off before serving again */
	VBUS_DRAIN_BROKEN, /* a ring is broken (violations counted in q[].violations) */
};

struct vbus_drain {
	struct ioq q[2];     /* [0] tx (north -> south), [1] rx (south -> north) */
	unsigned int nrings; /* echo: 2, null: 1 */
	u8 *region;	     /* region base: echo copies between descriptor ranges */
	/* the caller's hooks */
	void (*notify)(void *arg, unsigned int ring); /* the core said: notify north for @ring */
	void (*kicked)(void *arg, unsigned int ring, int ret); /* after every kick (may be NULL) */
	void (*resched)(void *arg);  /* a reschedule point (between copy chunks and pops) */
	bool (*stopping)(void *arg); /* true: the link stops, end the pass (may be NULL) */
	void *arg;
	/* weight of the pass in progress */
	u32 descs_left;
	u64 bytes_left;
	bool over; /* the weight ran out with work maybe left */
	/* this pass, for the caller's bound statistics */
	u32 pass_descs;
	u64 pass_bytes;
	/* totals */
	u64 messages;
	u64 suppressed;
	u64 notified;
};

/* Validate and bind the rings at @ring_off[0..nrings-1]; enable south's signals. 0 or -EINVAL. */
int vbus_drain_attach(struct vbus_drain *dr, void *region, u64 size, const u64 *ring_off,
		      unsigned int nrings);
/*
 * One pass over the device: at most @max_descs descriptors and, once @max_bytes
 * bytes were copied, no further descriptor (a pass copies < max_bytes +
 * VBUS_IOQ_MAX_LEN, in VBUS_COPY_CHUNK pieces). south.index is published after
 * every descriptor, so north sees progress while a pass runs. When
 * stopping() turns true the pass ends after the chunk in progress: an echo
 * cut short completes with VBUS_IOQ_DESC_F_ERROR and used 0.
 */
enum vbus_drain_result vbus_drain_service(struct vbus_drain *dr, u32 max_descs, u64 max_bytes);
/* Messages south could serve now: tx messages (echo: no more than rx buffers), or -EIO. */
int vbus_drain_avail(struct vbus_drain *dr);

#endif /* _VBUS_DRAIN_H */

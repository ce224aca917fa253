/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * vbus IOQ: a descriptor ring completed by index, carried in shared memory.
 * Normative text: docs/spec/02-ioq.md. LAYOUT FROZEN for version 2
 * (version 1, with 32-byte descriptors and an owner byte, is not supported).
 *
 *   0    +----------------------------------------------+
 *        | magic | version | flags | count | reserved    |  one cache line, read-only after init
 *   64   | struct vbus_shm_signal_desc signal            |  three cache lines (header, irq[N],
 * irq[S]) 256  | struct vbus_ioq_idx north  (north writes)     |  one cache line 320  | struct
 * vbus_ioq_idx south  (south writes)     |  one cache line 384  | struct vbus_ioq_desc desc[count]
 * |  16 bytes each, four per cache line | __le64 cookie[count]                          |  north
 * only: south never reads it |   or, with VBUS_IOQ_F_OOO:                    | | struct
 * vbus_ioq_used used[count]              |  south writes, north reads: completions by id
 *        +----------------------------------------------+
 *
 * North fills a descriptor and advances north.index; south consumes
 * descriptors in order and advances south.index once per batch (completion
 * by index). South writes a descriptor back only when the write carries
 * information: the used length when it differs from len, the ERROR flag.
 * Indices are free-running u32 counters; slot = index & (count - 1).
 * With VBUS_IOQ_F_OOO (negotiated: north sets it only if south offered it,
 * south's attach rejects it otherwise) each descriptor carries an id, south
 * completes ids in any order through used[], and south.index counts used[]
 * entries (02-ioq.md §2.12).
 */
#ifndef _UAPI_VBUS_IOQ_H
#define _UAPI_VBUS_IOQ_H

#include <linux/types.h>
#include <vbus/abi_assert.h>
#include <vbus/shm_signal.h>

#define VBUS_IOQ_MAGIC 0x56494f51u /* "VIOQ" */
#define VBUS_IOQ_VERSION 2u

#define VBUS_IOQ_MIN_COUNT 2u
#define VBUS_IOQ_MAX_COUNT 32768u   /* power of two, so index distances fit in 16 bits */
#define VBUS_IOQ_MAX_LEN (1u << 24) /* 16 MiB: the largest buffer one descriptor may name */

/* vbus_ioq_ring.flags */
#define VBUS_IOQ_F_EVENT_IDX                                                                       \
	(1u << 0) /* kicks are gated by the receiver's event index (02-ioq.md §2.7) */
/* out-of-order completion by id through used[] (02-ioq.md §2.12) */
#define VBUS_IOQ_F_OOO (1u << 1)
/* asymmetric barrier: a receiver pays membarrier() when it enables, its peer no fence while it
 * polls (01 §1.3.2) */
#define VBUS_IOQ_F_ASYM_MB (1u << 2)
#define VBUS_IOQ_F_KNOWN (VBUS_IOQ_F_EVENT_IDX | VBUS_IOQ_F_OOO | VBUS_IOQ_F_ASYM_MB)

/* vbus_ioq_desc.flags */
#define VBUS_IOQ_DESC_F_WRITE                                                                      \
	(1u << 0) /* south writes the buffer (rx); clear: south reads it (tx) */
#define VBUS_IOQ_DESC_F_ERROR (1u << 1) /* set by south on completion: the request failed */
#define VBUS_IOQ_DESC_F_KNOWN (VBUS_IOQ_DESC_F_WRITE | VBUS_IOQ_DESC_F_ERROR)

struct vbus_ioq_desc {
	__le64 offset; /* buffer offset from the start of the shared region */
	__le32 len;    /* north: buffer length; south on completion: bytes used, if fewer */
	__le16 flags;  /* VBUS_IOQ_DESC_F_* */
	__le16 id;     /* VBUS_IOQ_F_OOO: north's request id, < count; otherwise zero, ignored */
};

/* VBUS_IOQ_F_OOO rings: one completion, written by south, read by north (§2.12). */
struct vbus_ioq_used {
	__le16 id;    /* the id of a descriptor south took */
	__le16 flags; /* 0 or VBUS_IOQ_DESC_F_ERROR */
	__le32 len;   /* bytes used, <= the descriptor's len */
};

struct vbus_ioq_idx {
	__le32 index; /* free-running count of descriptors this side has handed to the peer */
	__le32 event; /* event index: notify this side when the peer's index passes this value */
	__u8 reserved[56]; /* zero; keeps each side's indices on its own 64-byte cache line */
};

struct vbus_ioq_ring {
	__le32 magic;	    /* VBUS_IOQ_MAGIC */
	__le16 version;	    /* VBUS_IOQ_VERSION */
	__le16 flags;	    /* VBUS_IOQ_F_* */
	__le32 count;	    /* descriptors in desc[]: power of two, MIN..MAX_COUNT */
	__le32 reserved0;   /* zero */
	__u8 reserved1[48]; /* zero */
	struct vbus_shm_signal_desc
		signal;		     /* irq[SOUTH]: doorbell side, irq[NORTH]: interrupt side */
	struct vbus_ioq_idx north;   /* written by north only */
	struct vbus_ioq_idx south;   /* written by south only */
	struct vbus_ioq_desc desc[]; /* count entries, then __le64 cookie[count] */
};

/* Byte offset, from the ring start, of north's cookie table (count u64, north only). */
#define VBUS_IOQ_COOKIE_OFF(count)                                                                 \
	(sizeof(struct vbus_ioq_ring) + (count) * sizeof(struct vbus_ioq_desc))
/* Byte offset of used[] in VBUS_IOQ_F_OOO rings: it takes the cookie table's place (cookies stay
 * private). */
#define VBUS_IOQ_USED_OFF(count) VBUS_IOQ_COOKIE_OFF(count)
/* Bytes a ring with @count descriptors occupies (with or without VBUS_IOQ_F_OOO). */
#define VBUS_IOQ_RING_SIZE(count) (VBUS_IOQ_COOKIE_OFF(count) + (count)*8)

VBUS_ABI_SIZE(struct vbus_ioq_desc, 16);
VBUS_ABI_OFFSET(struct vbus_ioq_desc, offset, 0);
VBUS_ABI_OFFSET(struct vbus_ioq_desc, len, 8);
VBUS_ABI_OFFSET(struct vbus_ioq_desc, flags, 12);
VBUS_ABI_OFFSET(struct vbus_ioq_desc, id, 14);
VBUS_ABI_SIZE(struct vbus_ioq_used, 8);
VBUS_ABI_OFFSET(struct vbus_ioq_used, id, 0);
VBUS_ABI_OFFSET(struct vbus_ioq_used, flags, 2);
VBUS_ABI_OFFSET(struct vbus_ioq_used, len, 4);
VBUS_ABI_SIZE(struct vbus_ioq_idx, 64);
VBUS_ABI_OFFSET(struct vbus_ioq_idx, index, 0);
VBUS_ABI_OFFSET(struct vbus_ioq_idx, event, 4);
VBUS_ABI_SIZE(struct vbus_ioq_ring, 384);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, magic, 0);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, version, 4);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, flags, 6);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, count, 8);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, signal, 64);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, north, 256);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, south, 320);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, desc, 384);

#endif /* _UAPI_VBUS_IOQ_H */

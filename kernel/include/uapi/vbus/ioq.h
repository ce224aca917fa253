/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * vbus IOQ: a descriptor ring with ownership flip, carried in shared memory.
 * Normative text: docs/spec/02-ioq.md. LAYOUT FROZEN for version 1.
 *
 *   0    +----------------------------------------------+
 *        | magic | version | flags | count | reserved    |  16 bytes
 *   16   | struct vbus_shm_signal_desc signal            |  16 bytes
 *   32   | reserved (32 bytes, zero)                     |
 *   64   | struct vbus_ioq_idx north  (north writes)     |  one cache line
 *   128  | struct vbus_ioq_idx south  (south writes)     |  one cache line
 *   192  | struct vbus_ioq_desc desc[count]              |  32 bytes each
 *        +----------------------------------------------+
 *
 * Descriptors travel north -> south -> north. North fills a descriptor,
 * sets owner = SOUTH and advances north.index; south consumes it, writes the
 * used length, sets owner = NORTH and advances south.index; north reclaims.
 * Indices are free-running u32 counters; slot = index & (count - 1).
 */
#ifndef _UAPI_VBUS_IOQ_H
#define _UAPI_VBUS_IOQ_H

#include <linux/types.h>
#include <vbus/abi_assert.h>
#include <vbus/shm_signal.h>

#define VBUS_IOQ_MAGIC 0x56494f51u /* "VIOQ" */
#define VBUS_IOQ_VERSION 1u

#define VBUS_IOQ_MIN_COUNT 2u
#define VBUS_IOQ_MAX_COUNT 32768u     /* power of two, so index distances fit in 16 bits */
#define VBUS_IOQ_MAX_LEN (1u << 24)   /* 16 MiB: the largest buffer one descriptor may name */

/* vbus_ioq_ring.flags */
#define VBUS_IOQ_F_EVENT_IDX (1u << 0) /* kicks are gated by the receiver's event index (02-ioq.md §2.7) */
#define VBUS_IOQ_F_KNOWN (VBUS_IOQ_F_EVENT_IDX)

/* vbus_ioq_desc.owner */
#define VBUS_IOQ_OWNER_NORTH 0
#define VBUS_IOQ_OWNER_SOUTH 1

/* vbus_ioq_desc.flags */
#define VBUS_IOQ_DESC_F_WRITE (1u << 0) /* south writes the buffer (rx); clear: south reads it (tx) */
#define VBUS_IOQ_DESC_F_ERROR (1u << 1) /* set by south on completion: the request failed */
#define VBUS_IOQ_DESC_F_KNOWN (VBUS_IOQ_DESC_F_WRITE | VBUS_IOQ_DESC_F_ERROR)

struct vbus_ioq_desc {
	__le64 cookie;	 /* north's opaque tag; south returns it unchanged */
	__le64 offset;	 /* buffer offset from the start of the shared region */
	__le32 len;	 /* north: buffer length; south on completion: bytes used */
	__le16 flags;	 /* VBUS_IOQ_DESC_F_* */
	__u8 owner;	 /* VBUS_IOQ_OWNER_*: written by the side handing the descriptor over */
	__u8 reserved0;	 /* zero */
	__le64 reserved1; /* zero; pads the descriptor to 32 bytes */
};

struct vbus_ioq_idx {
	__le32 index;	    /* free-running count of descriptors this side has handed to the peer */
	__le32 event;	    /* event index: notify this side when the peer's index passes this value */
	__u8 reserved[56];  /* zero; keeps each side's indices on its own 64-byte cache line */
};

struct vbus_ioq_ring {
	__le32 magic;				/* VBUS_IOQ_MAGIC */
	__le16 version;				/* VBUS_IOQ_VERSION */
	__le16 flags;				/* VBUS_IOQ_F_* */
	__le32 count;				/* descriptors in desc[]: power of two, MIN..MAX_COUNT */
	__le32 reserved0;			/* zero */
	struct vbus_shm_signal_desc signal;	/* irq[SOUTH]: doorbell side, irq[NORTH]: interrupt side */
	__u8 reserved1[32];			/* zero */
	struct vbus_ioq_idx north;		/* written by north only */
	struct vbus_ioq_idx south;		/* written by south only */
	struct vbus_ioq_desc desc[];		/* count entries */
};

/* Bytes a ring with @count descriptors occupies. */
#define VBUS_IOQ_RING_SIZE(count) (sizeof(struct vbus_ioq_ring) + (count) * sizeof(struct vbus_ioq_desc))

VBUS_ABI_SIZE(struct vbus_ioq_desc, 32);
VBUS_ABI_OFFSET(struct vbus_ioq_desc, cookie, 0);
VBUS_ABI_OFFSET(struct vbus_ioq_desc, offset, 8);
VBUS_ABI_OFFSET(struct vbus_ioq_desc, len, 16);
VBUS_ABI_OFFSET(struct vbus_ioq_desc, flags, 20);
VBUS_ABI_OFFSET(struct vbus_ioq_desc, owner, 22);
VBUS_ABI_SIZE(struct vbus_ioq_idx, 64);
VBUS_ABI_OFFSET(struct vbus_ioq_idx, index, 0);
VBUS_ABI_OFFSET(struct vbus_ioq_idx, event, 4);
VBUS_ABI_SIZE(struct vbus_ioq_ring, 192);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, magic, 0);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, version, 4);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, flags, 6);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, count, 8);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, signal, 16);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, north, 64);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, south, 128);
VBUS_ABI_OFFSET(struct vbus_ioq_ring, desc, 192);

#endif /* _UAPI_VBUS_IOQ_H */

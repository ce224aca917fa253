/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * vbus shm-signal: the shared-memory part of one bidirectional signal.
 * Normative text: docs/spec/01-shm-signal.md. LAYOUT FROZEN for version 2:
 * never reorder or resize a field; new fields go in reserved space only.
 * Version 1 (16 bytes, both records on one line) is not supported.
 *
 *   offset  0                  64                 128                192
 *           +------------------+------------------+------------------+
 *           | magic | version  | irq[NORTH]       | irq[SOUTH]       |
 *           +------------------+------------------+------------------+
 *   Three 64-byte cache lines; the descriptor MUST be 64-byte aligned.
 *   irq[X] = { enabled, pending, dirty, reserved, pad } : the record of the
 *   RECEIVING side X, alone on its cache line so the two directions never
 *   share a line. Writers: enabled by X only; dirty and pending are set by
 *   the peer (the sender) and cleared by X.
 */
#ifndef _UAPI_VBUS_SHM_SIGNAL_H
#define _UAPI_VBUS_SHM_SIGNAL_H

#include <linux/types.h>
#include <vbus/abi_assert.h>

#define VBUS_SHM_SIGNAL_MAGIC 0x56534947u /* "VSIG" */
#define VBUS_SHM_SIGNAL_VERSION 2u
#define VBUS_SHM_SIGNAL_ALIGN 64u /* a descriptor starts on a cache line */

/* Sides. North owns and allocates the memory (guest/driver); south serves it (host/device). */
#define VBUS_NORTH 0
#define VBUS_SOUTH 1
#define VBUS_PEER(side) (1 - (side))

struct vbus_shm_signal_irq {
	__u8 enabled; /* receiver only: 1 = notify me, 0 = I am polling or asleep without
			 notifications */
	__u8 pending; /* sender sets 1 when it notifies; receiver clears 0 after its last drain pass
		       */
	__u8 dirty;   /* sender sets 1 on every inject; receiver clears 0 before each drain pass */
	__u8 reserved; /* MUST be written 0, MUST be ignored on read */
	__u8 pad[60];  /* MUST be written 0, MUST be ignored on read: the record owns its cache line
			*/
};

struct vbus_shm_signal_desc {
	__le32 magic;			   /* VBUS_SHM_SIGNAL_MAGIC, written by north at init */
	__le32 version;			   /* VBUS_SHM_SIGNAL_VERSION, written by north at init */
	__u8 reserved[56];		   /* zero: the header line is read-only after init */
	struct vbus_shm_signal_irq irq[2]; /* indexed by receiving side: VBUS_NORTH, VBUS_SOUTH */
};

VBUS_ABI_SIZE(struct vbus_shm_signal_irq, 64);
VBUS_ABI_OFFSET(struct vbus_shm_signal_irq, enabled, 0);
VBUS_ABI_OFFSET(struct vbus_shm_signal_irq, pending, 1);
VBUS_ABI_OFFSET(struct vbus_shm_signal_irq, dirty, 2);
VBUS_ABI_SIZE(struct vbus_shm_signal_desc, 192);
VBUS_ABI_OFFSET(struct vbus_shm_signal_desc, magic, 0);
VBUS_ABI_OFFSET(struct vbus_shm_signal_desc, version, 4);
VBUS_ABI_OFFSET(struct vbus_shm_signal_desc, irq, 64);

#endif /* _UAPI_VBUS_SHM_SIGNAL_H */

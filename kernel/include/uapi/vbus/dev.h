/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * /dev/vbus: the host module's ioctl interface. One open file = one link.
 * Normative text: docs/spec/05-transports.md §5.2. LAYOUT FROZEN for version 1.
 * Numbers are grouped: 0x0_ identity, 0x1_ memory and devices, 0x2_ eventfds,
 * 0x3_ run control, 0x4_ statistics.
 */
#ifndef _UAPI_VBUS_DEV_H
#define _UAPI_VBUS_DEV_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <vbus/abi_assert.h>
#include <vbus/bus.h>

#define VBUS_IOC_MAGIC 0xB5
#define VBUS_IOC_API_VERSION 1u

/* VBUS_IOC_ATTACH_SHM: the shared region of this link */
struct vbus_ioc_shm {
	__s32 fd;    /* a memfd (or any shmem file) to map, or -1 to pin [addr, addr + size) */
	__u32 flags; /* zero */
	__u64 addr;  /* with fd == -1: page-aligned userspace address, pinned long-term */
	__u64 size;  /* region size in bytes, page multiple, >= sizeof(struct vbus_shm_header) */
};

/* VBUS_IOC_ADD_DEVICE: put a device into table slot @slot, served by an in-kernel backend */
struct vbus_ioc_device {
	__u32 slot;		      /* device slot of this link, < VBUS_MAX_DEVICES */
	__u32 id;		      /* device id (!= 0) */
	__u32 version;		      /* device version */
	__u32 flags;		      /* VBUS_IOC_DEV_F_* */
	char type[VBUS_DEV_TYPE_LEN]; /* backend: "echo", "null" */
	__u64 ring_off[2]; /* region offsets of the device's IOQs: [0] tx (north->south), [1] rx */
	__u32 signal[2];   /* signal (eventfd) index of each ring, see SET_KICK/SET_CALL */
	__u64 record_off;  /* with VBUS_IOC_DEV_F_RECORD: the device's table record; else zero */
};

/*
 * vbus_ioc_device.flags. LATE: do not validate the rings now; the worker
 * attaches them once north has initialised valid headers (a guest that has
 * not booted yet), retrying at every kick. Without it ADD_DEVICE validates now.
 */
#define VBUS_IOC_DEV_F_LATE (1u << 0)
/*
 * RECORD: record_off is the region offset of the device's struct
 * vbus_device_record (the caller owns the bus and wrote it, with this id):
 * 64-byte aligned, inside the region, clear of every ring and record of the
 * link. When the module breaks the device for a ring violation it writes
 * state BROKEN there (spec §0.5 HOST-2, §3.2); it writes nothing else, ever.
 */
#define VBUS_IOC_DEV_F_RECORD (1u << 1)
#define VBUS_IOC_DEV_F_KNOWN (VBUS_IOC_DEV_F_LATE | VBUS_IOC_DEV_F_RECORD)

/* VBUS_IOC_SET_WEIGHT: the most one worker pass may do for one device (spec §5.2 TR-5) */
struct vbus_ioc_weight {
	__u32 descs;	/* descriptors, 1..VBUS_IOQ_MAX_COUNT (default 256) */
	__u32 reserved; /* zero */
	__u64 bytes;	/* payload bytes copied, 1..VBUS_IOC_MAX_WEIGHT_BYTES (default 512 KiB) */
};
#define VBUS_IOC_MAX_WEIGHT_BYTES (1ull << 30)

/*
 * VBUS_IOC_SET_MODERATION: §4.1 moderation of every signal of this link toward
 * north (spec §5.2 TR-9); the holdoff H is in nanoseconds. holdoff 0 or count 1:
 * off (the default). Each ring's signal has its own state and holdoff timer.
 */
struct vbus_ioc_moderation {
	__u32 holdoff_ns; /* H, 0..VBUS_IOC_MAX_HOLDOFF_NS */
	__u32 count;	  /* C, 0..255: 0 = the timer alone fires */
	__u64 reserved;	  /* zero */
};
#define VBUS_IOC_MAX_HOLDOFF_NS 1000000000u

/* VBUS_IOC_SET_KICK / VBUS_IOC_SET_CALL: bind an eventfd to a signal index */
struct vbus_ioc_eventfd {
	__u32 index; /* signal index, < VBUS_IOC_MAX_SIGNALS */
	__s32 fd;    /* eventfd, or -1 to unbind */
};
#define VBUS_IOC_MAX_SIGNALS 64u

/* VBUS_IOC_GET_STATS: counters of one device slot (all slots summed with slot == ~0u) */
struct vbus_ioc_stats {
	__u32 slot;	   /* in: device slot, or ~0u for the whole link */
	__u32 broken;	   /* out: 1 if the device (any device, for ~0u) is broken */
	__u64 doorbells;   /* out: kicks received from north */
	__u64 interrupts;  /* out: calls signalled toward north */
	__u64 suppressed;  /* out: notifications suppressed by shm-signal, event index or moderation
			    */
	__u64 messages;	   /* out: descriptors consumed */
	__u64 violations;  /* out: protocol violations seen (each one marks the device broken) */
	__u64 reserved[3]; /* zero */
};

#define VBUS_IOC_GET_VERSION _IOR(VBUS_IOC_MAGIC, 0x00, __u32)
#define VBUS_IOC_ATTACH_SHM _IOW(VBUS_IOC_MAGIC, 0x10, struct vbus_ioc_shm)
#define VBUS_IOC_ADD_DEVICE _IOW(VBUS_IOC_MAGIC, 0x11, struct vbus_ioc_device)
#define VBUS_IOC_RESET_DEVICE _IOW(VBUS_IOC_MAGIC, 0x12, __u32)
#define VBUS_IOC_SET_KICK _IOW(VBUS_IOC_MAGIC, 0x20, struct vbus_ioc_eventfd)
#define VBUS_IOC_SET_CALL _IOW(VBUS_IOC_MAGIC, 0x21, struct vbus_ioc_eventfd)
#define VBUS_IOC_START _IO(VBUS_IOC_MAGIC, 0x30)
#define VBUS_IOC_STOP _IO(VBUS_IOC_MAGIC, 0x31)
#define VBUS_IOC_SET_WEIGHT _IOW(VBUS_IOC_MAGIC, 0x32, struct vbus_ioc_weight)
#define VBUS_IOC_SET_MODERATION _IOW(VBUS_IOC_MAGIC, 0x33, struct vbus_ioc_moderation)
#define VBUS_IOC_GET_STATS _IOWR(VBUS_IOC_MAGIC, 0x40, struct vbus_ioc_stats)

VBUS_ABI_SIZE(struct vbus_ioc_shm, 24);
VBUS_ABI_SIZE(struct vbus_ioc_device, 80);
VBUS_ABI_OFFSET(struct vbus_ioc_device, type, 16);
VBUS_ABI_OFFSET(struct vbus_ioc_device, ring_off, 48);
VBUS_ABI_OFFSET(struct vbus_ioc_device, signal, 64);
VBUS_ABI_OFFSET(struct vbus_ioc_device, record_off, 72);
VBUS_ABI_SIZE(struct vbus_ioc_eventfd, 8);
VBUS_ABI_SIZE(struct vbus_ioc_stats, 72);
VBUS_ABI_SIZE(struct vbus_ioc_weight, 16);
VBUS_ABI_OFFSET(struct vbus_ioc_weight, bytes, 8);
VBUS_ABI_SIZE(struct vbus_ioc_moderation, 16);
VBUS_ABI_OFFSET(struct vbus_ioc_moderation, reserved, 8);
VBUS_ABI_OFFSET(struct vbus_ioc_stats, doorbells, 8);
VBUS_ABI_OFFSET(struct vbus_ioc_stats, violations, 40);

#endif /* _UAPI_VBUS_DEV_H */

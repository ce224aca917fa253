/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * vbus bus: the shared-region header, the device table, the control verbs
 * (open/close/shm/call/release) and hotplug events.
 * Normative text: docs/spec/03-bus.md. LAYOUT FROZEN for version 1.
 *
 *   region offset 0   struct vbus_shm_header              (128 bytes)
 *   device_table_off  struct vbus_device_record[max_devices] (64 bytes each)
 *   ctrl_ring_off     struct vbus_ioq_ring: control requests, north -> south
 *   event_ring_off    struct vbus_ioq_ring: north posts buffers, south fills events
 *   data_off          data area: buffers named by descriptors live here
 */
#ifndef _UAPI_VBUS_BUS_H
#define _UAPI_VBUS_BUS_H

#include <linux/types.h>
#include <vbus/abi_assert.h>
#include <vbus/shm_signal.h>

#define VBUS_SHM_MAGIC 0x56425553u /* "VBUS" */
#define VBUS_SHM_VERSION 1u

#define VBUS_MAX_DEVICES 256u
#define VBUS_DEV_TYPE_LEN 32

/* vbus_shm_header.features */
#define VBUS_FEAT_EVENT_IDX (1u << 0)  /* rings may set VBUS_IOQ_F_EVENT_IDX */
#define VBUS_FEAT_MODERATION (1u << 1) /* south moderates interrupts (04-moderation.md) */
#define VBUS_FEAT_AGGREGATE (1u << 2)  /* many signals share a vector via the aggregation queue */

struct vbus_shm_header {
	__le32 magic;	    /* VBUS_SHM_MAGIC */
	__le32 version;	    /* VBUS_SHM_VERSION */
	__le64 size;	    /* region size in bytes (the BAR2 / memfd size) */
	__le32 features;    /* VBUS_FEAT_*: offered by south, north clears what it does not use */
	__le32 max_devices; /* entries in the device table, 1..VBUS_MAX_DEVICES */
	__le32 device_table_off; /* offset of the device table, 64-byte aligned */
	__le32 ctrl_ring_off;	 /* offset of the control IOQ, 64-byte aligned */
	__le32 event_ring_off;	 /* offset of the hotplug event IOQ, 64-byte aligned */
	__le32 aggr_queue_off;	 /* offset of the aggregation queue, 0 = none */
	__le64 data_off;	 /* start of the data area */
	__le64 data_len;	 /* length of the data area */
	__le32 north_peer;	 /* ivshmem peer id of north (transport a), else 0 */
	__le32 south_peer;	 /* ivshmem peer id of south (transport a), else 0 */
	__le32 north_gen;  /* north: bumped before north (re)initialises its rings (§3.1.1) */
	__le32 south_gen;  /* south: the north_gen it attached to (acknowledgement) */
	__le32 link;	   /* south: VBUS_LINK_UP or VBUS_LINK_DOWN */
	__u8 reserved[52]; /* zero */
};

/* vbus_shm_header.link */
#define VBUS_LINK_DOWN 0 /* south is not serving: north stops using the rings */
#define VBUS_LINK_UP 1	 /* south serves this region */

/* vbus_device_record.state: written by south only */
#define VBUS_DEV_EMPTY 0   /* slot unused */
#define VBUS_DEV_PRESENT 1 /* device exists, not open */
#define VBUS_DEV_OPEN 2	   /* opened by north */
#define VBUS_DEV_BROKEN 3  /* south saw a protocol violation; every verb but RELEASE fails -EIO */

struct vbus_device_record {
	__le32 id;	/* device id, unique on this bus, != 0 */
	__le32 version; /* device ABI version south implements */
	__le32 state;	/* VBUS_DEV_* */
	__le32 max_shm; /* shm regions north may register (SHM verb ids 0..max_shm-1) */
	char type[VBUS_DEV_TYPE_LEN]; /* NUL-padded type string: "echo", "null", "net" */
	__le32 features;	      /* device-specific feature bits */
	__le32 reserved[3];	      /* zero */
};

/* vbus_ctrl_msg.op: the verbs */
#define VBUS_CTRL_OPEN 1  /* arg0 = version north speaks, arg1 = flags; ret = version agreed */
#define VBUS_CTRL_CLOSE 2 /* no args */
#define VBUS_CTRL_SHM                                                                              \
	3 /* arg0 = shm id, arg1 = prio, offset/len = region, sigdesc; ret = signal handle */
#define VBUS_CTRL_CALL                                                                             \
	4 /* arg0 = function id, arg1 = flags, offset/len = in/out data; ret = result */
#define VBUS_CTRL_RELEASE 5 /* north forgets the device; south drops north's shm registrations */

#define VBUS_CTRL_NO_SIGNAL (~(__u64)0) /* vbus_ctrl_msg.sigdesc: the region embeds no signal */
#define VBUS_PRIO_MAX 7			/* signal priorities 0 (lowest) .. 7 */

/* Functions every device answers to with VBUS_CTRL_CALL; device types add theirs from 0x100 */
#define VBUS_CALL_GET_FEATURES 1 /* ret = device feature bits */
#define VBUS_CALL_SET_FEATURES 2 /* arg1 = features north accepts; ret = 0 */
#define VBUS_CALL_DEVICE_BASE 0x100

struct vbus_ctrl_msg {
	__le32 op;	 /* VBUS_CTRL_* (north) */
	__le32 devid;	 /* target device id (north) */
	__le32 arg0;	 /* verb argument (north) */
	__le32 arg1;	 /* verb argument (north) */
	__le64 offset;	 /* region offset argument (north) */
	__le64 len;	 /* length argument (north) */
	__le64 sigdesc;	 /* SHM: offset of the embedded vbus_shm_signal_desc, or VBUS_CTRL_NO_SIGNAL
			  */
	__le32 result;	 /* response (south): 0 or a negative errno, as two's complement */
	__le32 ret;	 /* response value (south) */
	__le64 reserved; /* zero */
};

/* vbus_event.type: hotplug events, south -> north through the event IOQ */
#define VBUS_EVENT_DEVADD 1  /* device devid appeared; its table record is PRESENT */
#define VBUS_EVENT_DEVDROP 2 /* device devid is going away; north must RELEASE it */

struct vbus_event {
	__le32 type;  /* VBUS_EVENT_* */
	__le32 devid; /* the device */
	__le64 seq;   /* event sequence number, from 1, +1 per event */
};

/*
 * Aggregation queue (04-moderation.md §4.2): many signals behind one
 * vector. South appends the handle of a signal that fires; north drains.
 */
struct vbus_aggr_queue {
	__le32 magic;	   /* VBUS_AGGR_MAGIC */
	__le32 count;	   /* entries in handle[], power of two */
	__le32 head;	   /* written by south: handles appended */
	__le32 tail;	   /* written by north: handles consumed */
	__u8 reserved[48]; /* zero */
	struct vbus_shm_signal_desc
		signal;	 /* the shared vector's signal (v2: 192 bytes, line-aligned) */
	__le32 handle[]; /* count entries: signal handles */
};
#define VBUS_AGGR_MAGIC 0x56414751u /* "VAGQ" */

VBUS_ABI_SIZE(struct vbus_shm_header, 128);
VBUS_ABI_OFFSET(struct vbus_shm_header, magic, 0);
VBUS_ABI_OFFSET(struct vbus_shm_header, version, 4);
VBUS_ABI_OFFSET(struct vbus_shm_header, size, 8);
VBUS_ABI_OFFSET(struct vbus_shm_header, features, 16);
VBUS_ABI_OFFSET(struct vbus_shm_header, max_devices, 20);
VBUS_ABI_OFFSET(struct vbus_shm_header, device_table_off, 24);
VBUS_ABI_OFFSET(struct vbus_shm_header, ctrl_ring_off, 28);
VBUS_ABI_OFFSET(struct vbus_shm_header, event_ring_off, 32);
VBUS_ABI_OFFSET(struct vbus_shm_header, aggr_queue_off, 36);
VBUS_ABI_OFFSET(struct vbus_shm_header, data_off, 40);
VBUS_ABI_OFFSET(struct vbus_shm_header, data_len, 48);
VBUS_ABI_OFFSET(struct vbus_shm_header, north_peer, 56);
VBUS_ABI_OFFSET(struct vbus_shm_header, south_peer, 60);
VBUS_ABI_OFFSET(struct vbus_shm_header, north_gen, 64);
VBUS_ABI_OFFSET(struct vbus_shm_header, south_gen, 68);
VBUS_ABI_OFFSET(struct vbus_shm_header, link, 72);
VBUS_ABI_SIZE(struct vbus_device_record, 64);
VBUS_ABI_OFFSET(struct vbus_device_record, id, 0);
VBUS_ABI_OFFSET(struct vbus_device_record, version, 4);
VBUS_ABI_OFFSET(struct vbus_device_record, state, 8);
VBUS_ABI_OFFSET(struct vbus_device_record, max_shm, 12);
VBUS_ABI_OFFSET(struct vbus_device_record, type, 16);
VBUS_ABI_OFFSET(struct vbus_device_record, features, 48);
VBUS_ABI_SIZE(struct vbus_ctrl_msg, 56);
VBUS_ABI_OFFSET(struct vbus_ctrl_msg, op, 0);
VBUS_ABI_OFFSET(struct vbus_ctrl_msg, devid, 4);
VBUS_ABI_OFFSET(struct vbus_ctrl_msg, arg0, 8);
VBUS_ABI_OFFSET(struct vbus_ctrl_msg, arg1, 12);
VBUS_ABI_OFFSET(struct vbus_ctrl_msg, offset, 16);
VBUS_ABI_OFFSET(struct vbus_ctrl_msg, len, 24);
VBUS_ABI_OFFSET(struct vbus_ctrl_msg, sigdesc, 32);
VBUS_ABI_OFFSET(struct vbus_ctrl_msg, result, 40);
VBUS_ABI_OFFSET(struct vbus_ctrl_msg, ret, 44);
VBUS_ABI_SIZE(struct vbus_event, 16);
VBUS_ABI_SIZE(struct vbus_aggr_queue, 256);
VBUS_ABI_OFFSET(struct vbus_aggr_queue, head, 8);
VBUS_ABI_OFFSET(struct vbus_aggr_queue, tail, 12);
VBUS_ABI_OFFSET(struct vbus_aggr_queue, signal, 64);
VBUS_ABI_OFFSET(struct vbus_aggr_queue, handle, 256);

#endif /* _UAPI_VBUS_BUS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbus-proxy bus: the guest's device/driver model for devices on a vbus
 * region (docs/spec/03-bus.md). vbus_pci (the ivshmem-doorbell transport)
 * creates one vbus_device per table entry and hotplug event; drivers such
 * as vbus_echo bind by device type (MODALIAS "vbus:<type>").
 *
 * Every ring and signal operation goes through kernel/core (vbus_core.h).
 */
#ifndef _VBUS_PROXY_H
#define _VBUS_PROXY_H

#include <linux/device.h>
#include <linux/mod_devicetable.h>
#include "vbus_core.h"

struct vbus_link;

/* One signal a driver registered (a ring's embedded signal). */
struct vbus_signal {
	u32 handle;	       /* from the SHM verb, >= 1 */
	void (*fn)(void *arg); /* run from the signal's interrupt (hard irq) */
	void *arg;
	u64 irqs;      /* interrupts delivered to fn */
	u64 doorbells; /* doorbells written for it */
};

#define VBUS_DEV_MAX_SIGNALS 4

struct vbus_device {
	struct device dev;
	struct vbus_link *link;
	u32 id;
	u32 slot;
	u32 version;
	u32 features;
	u32 max_shm;
	char type[VBUS_DEV_TYPE_LEN];
	bool opened;
	bool gone; /* DEVDROP seen or link torn down */
	/* private data area carve (allocations are 64-byte aligned) */
	u64 mem_off;
	u64 mem_len;
	u64 mem_used;
	struct vbus_signal sig[VBUS_DEV_MAX_SIGNALS];
	unsigned int nsig;
};
#define to_vbus_device(d) container_of(d, struct vbus_device, dev)

struct vbus_driver {
	const char *type;
	int (*probe)(struct vbus_device *vdev);
	void (*remove)(struct vbus_device *vdev);
	/* optional: the link went down (south stopped) or came back */
	void (*link_change)(struct vbus_device *vdev, bool up);
	struct device_driver driver;
};
#define to_vbus_driver(d) container_of(d, struct vbus_driver, driver)

int __vbus_driver_register(struct vbus_driver *drv, struct module *owner);
#define vbus_driver_register(drv) __vbus_driver_register(drv, THIS_MODULE)
void vbus_driver_unregister(struct vbus_driver *drv);

/* Bus verbs (§3.3), synchronous, may sleep: 0 or a negative errno from south. */
int vbus_dev_open(struct vbus_device *vdev, u32 version);
int vbus_dev_close(struct vbus_device *vdev);
int vbus_dev_call(struct vbus_device *vdev, u32 func, u32 arg, u32 *ret);

/* Data area: a buffer of @len bytes in this device's carve; NULL when full. */
void *vbus_dev_alloc(struct vbus_device *vdev, size_t len, u64 *offset);
/* Forget every allocation and signal (after close). */
void vbus_dev_reset(struct vbus_device *vdev);
/* Region size (descriptor bounds for ioq_north_init). */
u64 vbus_dev_region_size(struct vbus_device *vdev);

/*
 * Allocate and initialise an IOQ of @count descriptors, register it as shm
 * id @shm_id with its embedded signal (SHM verb) and route the signal's
 * interrupt to @fn(@arg). Returns the signal slot index (for notify) or -errno.
 */
int vbus_dev_ring(struct vbus_device *vdev, u32 shm_id, struct ioq *q, u32 count, u16 flags,
		  void (*fn)(void *arg), void *arg);
/*
 * As vbus_dev_ring, with the optional ring features of @o (spec §2.8):
 * VBUS_IOQ_F_OOO in @flags needs @o->track (IOQ_OOO_TRACK_BYTES(@count) bytes,
 * the driver's private memory, alive as long as the ring); then reclaim may
 * return completions in any order. South may refuse a flag it does not offer:
 * the SHM verb then fails and the driver can retry without it. @o NULL:
 * vbus_dev_ring. VBUS_IOQ_F_ASYM_MB is -EINVAL: a guest has no barrier
 * reaching the host's CPUs.
 */
int vbus_dev_ring_offer(struct vbus_device *vdev, u32 shm_id, struct ioq *q, u32 count, u16 flags,
			const struct ioq_offer *o, void (*fn)(void *arg), void *arg);
/*
 * Two rings and their buffers, the shape of a driver that moves buffers both ways (vbus_echo,
 * vbus_net): ring 0 carries north's filled buffers to south (tx), ring 1 the buffers north posts
 * empty for south to fill (rx); each direction has count buffers of buf_size bytes in the data
 * area.
 */
struct vbus_dev_duplex {
	struct ioq q[2]; /* [0] tx, [1] rx */
	int sig[2];	 /* their signal slots (vbus_dev_notify) */
	u8 *txbuf, *rxbuf;
	u64 txbuf_off, rxbuf_off; /* region offsets, for descriptors */
};
/*
 * Open the device (@version), set up both rings of @d with @count descriptors and @fn(@arg) as
 * their signal handler, and allocate @count * @buf_size bytes of buffers per direction.
 * 0 or -errno; on failure the caller closes the device (vbus_dev_close).
 */
int vbus_dev_duplex_open(struct vbus_device *vdev, u32 version, struct vbus_dev_duplex *d,
			 u32 count, u32 buf_size, void (*fn)(void *arg), void *arg);
/* Ring south's doorbell for signal slot @sig (after a kick said NOTIFY). */
void vbus_dev_notify(struct vbus_device *vdev, unsigned int sig);
/* Address of region offset @off. */
void *vbus_dev_ptr(struct vbus_device *vdev, u64 off);
/* Is the link up (south serving)? */
bool vbus_dev_link_up(struct vbus_device *vdev);

#endif /* _VBUS_PROXY_H */

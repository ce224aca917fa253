/* SPDX-License-Identifier: GPL-2.0 */
/* vbus_pci internals shared by the transport (vbus_pci.c) and the proxy bus (vbus_proxy.c). */
#ifndef _VBUS_PCI_H
#define _VBUS_PCI_H

#include <linux/pci.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "vbus_proxy.h"

#define VBUS_PCI_MAX_VECTORS 64
#define VBUS_PCI_RING_COUNT 16	     /* control and event ring descriptors */
#define VBUS_PCI_BUS_MEM (64 * 1024) /* data area reserved for the bus's own buffers */

struct vbus_vec {
	struct vbus_link *link;
	u32 v;
};

struct vbus_link {
	struct pci_dev *pdev;
	struct device *parent;
	void __iomem *regs; /* BAR0 */
	u8 *region;	    /* BAR2 */
	u64 size;
	struct vbus_bus_layout lay;
	int index; /* vbus%d */
	unsigned int nvec;
	u32 gen;
	bool up; /* south serving (header link = UP) */
	bool attached;

	struct mutex verb_lock; /* one control request at a time */
	spinlock_t ring_lock;	/* the control and event IOQs */
	struct ioq ctrl;
	struct ioq event;
	void *ctrl_buf; /* the one control message buffer */
	u64 ctrl_buf_off;
	u64 event_buf_off;
	bool ctrl_done;
	wait_queue_head_t verb_wq;
	u64 event_seq; /* last event seq seen */
	u64 events_lost;

	struct work_struct bus_work;
	struct mutex dev_lock; /* devs[] */
	struct vbus_device *devs[VBUS_MAX_DEVICES];
	spinlock_t sig_lock; /* signal routing */
	u64 doorbells;
	u64 irqs[VBUS_PCI_MAX_VECTORS];
	struct vbus_vec vec[VBUS_PCI_MAX_VECTORS];
};

/* vbus_proxy.c */
int vbus_proxy_init(void);
void vbus_proxy_exit(void);
int vbus_proxy_add(struct vbus_link *link, u32 slot, const struct vbus_north_record *rec);
void vbus_proxy_remove(struct vbus_device *vdev);
void vbus_proxy_link_change(struct vbus_device *vdev, bool up);

/* vbus_pci.c */
void vbus_link_doorbell(struct vbus_link *link, u32 vector);
u32 vbus_link_vector(struct vbus_link *link, u32 handle);
int vbus_link_verb(struct vbus_link *link, u32 op, u32 devid, u32 arg0, u32 arg1, u64 off, u64 len,
		   u64 sigdesc, u32 *ret);

#endif /* _VBUS_PCI_H */

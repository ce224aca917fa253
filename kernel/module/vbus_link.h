/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbus host module: one open file of /dev/vbus is one link. A link owns one
 * shared region (mapped into the kernel), up to VBUS_IOC_MAX_SIGNALS eventfd
 * pairs (kick: north -> south, call: south -> north) and the devices of its
 * device table, each served by an in-kernel backend.
 */
#ifndef _VBUS_LINK_H
#define _VBUS_LINK_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/eventfd.h>
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/sched.h>
#include <vbus/dev.h>

#include "vbus_drain.h"

struct vbus_host_link;
struct vbus_device;

/* The shared region as the kernel sees it: a vmap of pages pinned with FOLL_LONGTERM. */
struct vbus_shm {
	void *base;	     /* kernel address of region offset 0, NULL when detached */
	size_t size;	     /* bytes, page multiple */
	struct page **pages; /* npages pinned pages */
	unsigned long npages;
	struct file *file;	  /* the memfd (held mapped-writable), NULL for a user range */
	struct user_struct *user; /* charged RLIMIT_MEMLOCK (NULL with CAP_IPC_LOCK) */
	struct mm_struct *mm;	  /* charged pinned_vm (VmPin) */
	unsigned long accounted;  /* pages charged */
};

/* One signal index: the eventfds bound to it and the kick poll entry. */
struct vbus_signal {
	struct vbus_host_link *link;
	unsigned int index;
	struct eventfd_ctx *call;    /* south -> north; NULL: not bound */
	struct eventfd_ctx *kick;    /* north -> south; NULL: not bound */
	struct file *kick_file;	     /* the kick eventfd's file, polled while running */
	wait_queue_head_t *kick_wqh; /* non-NULL while our wait entry is queued */
	wait_queue_entry_t kick_wait;
	poll_table kick_pt;
	atomic64_t doorbells;  /* kicks received on this index */
	atomic64_t interrupts; /* calls signalled on this index */
};

/* Counters of one device; written by the link worker only, read with READ_ONCE. */
struct vbus_device_stats {
	u64 interrupts;
	u64 suppressed;
	u64 messages;
	u64 violations;
	u64 deferred;	 /* injects moderation held back (§4.1 M4) */
	u64 mod_fired;	 /* holdoff expiries that notified north (T3) */
	u64 mod_dropped; /* holdoff expiries north could not take (T4) */
};

/*
 * §4.1 moderation of one ring's signal toward north: the core's state (mc,
 * mt; mt != 0 while a holdoff runs) and the hrtimer that ends the holdoff
 * after holdoff_ns. Only the worker (or STOP, with the worker gone) touches
 * m and armed; the timer callback only sets the device's expired bit.
 */
struct vbus_mod_timer {
	struct vbus_moderation m;
	struct hrtimer timer;
	struct vbus_device *vdev;
	unsigned int ring;
	bool armed; /* the timer runs for the core's current holdoff */
};

/* A backend type: how many rings it serves and the device version it implements. */
struct vbus_backend {
	const char *type;
	unsigned int nrings;
	u32 version;
};

struct vbus_device {
	struct vbus_host_link *link;
	const struct vbus_backend *backend;
	struct vbus_drain drain; /* ring state, touched by the worker only while running */
	u32 slot;
	u32 id;
	u32 version;
	u64 ring_off[2]; /* [0] tx: north -> south, [1] rx: south -> north */
	u32 signal[2];	 /* signal index of each ring */
	u64 record_off;	 /* the device's table record (VBUS_IOC_DEV_F_RECORD) */
	bool has_record;
	bool broken; /* set once by the worker, never cleared */
	unsigned long
		backoff_until; /* jiffies: not served before (north spun dirty without work) */
	struct vbus_mod_timer mod[2]; /* moderation of each ring's signal toward north */
	unsigned long mod_expired;    /* bit r: the holdoff timer of ring r ran out */
	struct vbus_device_stats stats;
};

/* Bound statistics of the worker: the heaviest device pass seen (each maximum on its own). */
struct vbus_pass_stats {
	u64 passes;
	u64 worst_ns;
	u64 worst_descs;
	u64 worst_bytes;
	u64 spins; /* passes that backed off: north kept dirty set without work */
};

struct vbus_host_link {
	struct mutex lock; /* serialises ioctls and debugfs reads; taken killably */
	unsigned int id;   /* for debugfs and log messages */
	bool running;	   /* between START and STOP, under lock */
	struct vbus_shm shm;
	struct vbus_signal sig[VBUS_IOC_MAX_SIGNALS];
	struct vbus_device *dev[VBUS_MAX_DEVICES];
	unsigned int ndev;
	u32 weight_descs; /* per device per pass (VBUS_IOC_SET_WEIGHT) */
	u64 weight_bytes;
	u32 mod_holdoff_ns; /* VBUS_IOC_SET_MODERATION; 0: off */
	u32 mod_count;
	struct task_struct *worker; /* the link's kthread, in START's caller's cgroups */
	struct task_struct *owner;  /* START's caller while the worker joins its cgroups */
	struct completion attached;
	int attach_ret;
	unsigned long flags; /* VBUS_LINK_KICKED */
	struct vbus_pass_stats pass;
	struct dentry *debugfs;
};

#define VBUS_LINK_KICKED 0

/* vbus_link.c */
struct vbus_host_link *vbus_link_create(void);
void vbus_link_destroy(struct vbus_host_link *link);
long vbus_link_ioctl(struct vbus_host_link *link, unsigned int cmd, void __user *argp);
int vbus_link_get_stats(struct vbus_host_link *link, struct vbus_ioc_stats *st);
void vbus_link_kick(struct vbus_host_link *link);
void vbus_device_call(struct vbus_device *vdev, unsigned int ring);
void vbus_link_exit(void);

/* vbus_shm.c */
int vbus_shm_attach(struct vbus_shm *shm, const struct vbus_ioc_shm *req);
void vbus_shm_detach(struct vbus_shm *shm);

/* vbus_kick.c */
int vbus_signal_set_kick(struct vbus_signal *sig, int fd);
int vbus_signal_set_call(struct vbus_signal *sig, int fd);
int vbus_signal_start(struct vbus_signal *sig);
void vbus_signal_stop(struct vbus_signal *sig);

/* vbus_backend.c */
const struct vbus_backend *vbus_backend_find(const char *type);
int vbus_backend_attach(struct vbus_device *vdev);
u64 vbus_backend_ring_bytes(const struct vbus_device *vdev, unsigned int r);

/* vbus_mod.c */
void vbus_mod_init(struct vbus_device *vdev);
void vbus_mod_bind(struct vbus_device *vdev);
void vbus_mod_after_kick(struct vbus_device *vdev, unsigned int ring, int ret);
void vbus_mod_expire(struct vbus_device *vdev);
void vbus_mod_flush(struct vbus_device *vdev);

/* vbus_debugfs.c */
int vbus_debugfs_init(void);
void vbus_debugfs_exit(void);
void vbus_debugfs_add_link(struct vbus_host_link *link);
void vbus_debugfs_remove_link(struct vbus_host_link *link);

#endif /* _VBUS_LINK_H */

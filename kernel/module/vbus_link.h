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
#include <linux/eventfd.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <vbus/dev.h>

struct vbus_link;
struct vbus_device;

/* The shared region as the kernel sees it: a vmap of pinned or page-cache pages. */
struct vbus_shm {
	void *base;		/* kernel address of region offset 0, NULL when detached */
	size_t size;		/* bytes, page multiple */
	struct page **pages;	/* npages references (pinned with FOLL_LONGTERM or page-cache refs) */
	unsigned long npages;
	bool pinned;		/* pages come from pin_user_pages_fast(), else shmem page refs */
};

/* One signal index: the eventfds bound to it and the kick poll entry. */
struct vbus_signal {
	struct vbus_link *link;
	unsigned int index;
	struct eventfd_ctx *call;	/* south -> north; NULL: not bound */
	struct eventfd_ctx *kick;	/* north -> south; NULL: not bound */
	struct file *kick_file;		/* the kick eventfd's file, polled while running */
	wait_queue_head_t *kick_wqh;	/* non-NULL while our wait entry is queued */
	wait_queue_entry_t kick_wait;
	poll_table kick_pt;
	atomic64_t doorbells;		/* kicks received on this index */
	atomic64_t interrupts;		/* calls signalled on this index */
};

/* Counters of one device; written by the link worker only, read with READ_ONCE. */
struct vbus_device_stats {
	u64 interrupts;
	u64 suppressed;
	u64 messages;
	u64 violations;
};

struct vbus_backend {
	const char *type;
	/* Bind the device's rings in the shared region; 0 or -errno (the device is not added). */
	int (*attach)(struct vbus_device *vdev);
	/* Forget the rings; the worker is stopped. */
	void (*detach)(struct vbus_device *vdev);
	/* Serve the rings, at most @budget drain passes per ring; true if work is left over. */
	bool (*service)(struct vbus_device *vdev, unsigned int budget);
};

struct vbus_device {
	struct vbus_link *link;
	const struct vbus_backend *backend;
	void *priv;			/* backend state */
	u32 slot;
	u32 id;
	u32 version;
	u64 ring_off[2];		/* [0] tx: north -> south, [1] rx: south -> north */
	u32 signal[2];			/* signal index of each ring */
	bool broken;			/* set once by the worker, never cleared */
	struct vbus_device_stats stats;
};

struct vbus_link {
	struct mutex lock;		/* serialises ioctls and debugfs reads */
	unsigned int id;		/* for debugfs and log messages */
	bool running;			/* between START and STOP, under lock */
	struct vbus_shm shm;
	struct vbus_signal sig[VBUS_IOC_MAX_SIGNALS];
	struct vbus_device *dev[VBUS_MAX_DEVICES];
	unsigned int ndev;
	struct work_struct work;	/* the link worker: serves every device */
	struct dentry *debugfs;
};

/* vbus_link.c */
struct vbus_link *vbus_link_create(void);
void vbus_link_destroy(struct vbus_link *link);
long vbus_link_ioctl(struct vbus_link *link, unsigned int cmd, void __user *argp);
int vbus_link_get_stats(struct vbus_link *link, struct vbus_ioc_stats *st);
void vbus_link_kick(struct vbus_link *link);
void vbus_device_call(struct vbus_device *vdev, unsigned int ring);
void vbus_device_mark_broken(struct vbus_device *vdev, const char *why, u64 violations);
bool vbus_shm_range_ok(const struct vbus_shm *shm, u64 off, u64 len);
int vbus_link_init(void);
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

/* vbus_debugfs.c */
int vbus_debugfs_init(void);
void vbus_debugfs_exit(void);
void vbus_debugfs_add_link(struct vbus_link *link);
void vbus_debugfs_remove_link(struct vbus_link *link);

#endif /* _VBUS_LINK_H */

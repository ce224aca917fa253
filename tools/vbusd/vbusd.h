/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vbusd: the host daemon. Serves QEMU ivshmem-doorbell clients (one vbus
 * region per client, docs/spec/03-bus.md, 05-transports.md §5.1) with the
 * protocol core (kernel/core) and userspace device backends.
 */
#ifndef VBUSD_H
#define VBUSD_H

#include <stdbool.h>
#include <stdint.h>

#include "vbus_core.h"

#define VBUSD_MAX_VECTORS 64u
#define VBUSD_MAX_DEVICES 64u
#define VBUSD_TYPE_MAX 16

enum { LOG_ERR_ = 0, LOG_WARN_, LOG_INFO_, LOG_DEBUG_ };
extern int vbusd_log_level;
void vbusd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) vbusd_log(LOG_ERR_, __VA_ARGS__)
#define log_warn(...) vbusd_log(LOG_WARN_, __VA_ARGS__)
#define log_info(...) vbusd_log(LOG_INFO_, __VA_ARGS__)
#define log_debug(...) vbusd_log(LOG_DEBUG_, __VA_ARGS__)

/* One configured device (config file "device = ID TYPE" or --device ID:TYPE). */
struct vbusd_devcfg {
	uint32_t id;
	char type[VBUSD_TYPE_MAX];
	bool offload; /* hand the device to /dev/vbus when it is there */
	char tap[16]; /* net: TAP interface to create or take ("" = vbus<peer>-<id>) */
};

struct vbusd_cfg {
	char socket[108];
	uint64_t size;	  /* region bytes per client */
	uint32_t vectors; /* eventfds per peer; MUST equal QEMU's vectors= */
	uint32_t max_devices;
	uint32_t budget;  /* drain passes per wakeup before rescheduling (hostile-peer bound) */
	uint32_t batch;	  /* descriptors per drain pass */
	bool offload_all; /* offload = yes: every device goes to /dev/vbus when it is there */
	unsigned int ndev;
	struct vbusd_devcfg dev[VBUSD_MAX_DEVICES];
};

struct vbusd_link;

/* One device of one link, served in userspace. */
struct vbusd_dev {
	uint32_t id;
	char type[VBUSD_TYPE_MAX];
	bool attached; /* both rings attached */
	bool broken;
	bool offload;	  /* configured for /dev/vbus */
	int kfd;	  /* its /dev/vbus link while offloaded, else -1 */
	bool parked;	  /* kfd's link is STOPped: north re-attaches or re-registers */
	uint64_t koff[2]; /* ring offsets and signals the module's device was added with */
	uint32_t khandle[2];
	uint64_t kchecked_ns; /* last GET_STATS look for a module-side broken device */
	int tapfd;	      /* net: the TAP device, else -1 */
	bool tap_armed;	      /* net: TAP readable events wanted (rx buffers available) */
	char tap[16];
	struct ioq q[2]; /* [0] tx north->south, [1] rx (north posts buffers) */
	uint64_t ring_off[2];
	uint32_t handle[2];
	uint64_t msgs, bytes, errors, violations;
	uint64_t rx_frames, rx_bytes, drops; /* net: TAP -> guest; frames dropped */
	struct vbusd_link *link;
};

struct vbusd_link {
	int sock;      /* the QEMU client's connection */
	uint32_t peer; /* the client's (north's) ivshmem peer id */
	int memfd;
	uint8_t *region;
	uint64_t size;
	uint32_t vectors;
	int north_efd[VBUSD_MAX_VECTORS]; /* we write: interrupts toward the guest */
	int south_efd[VBUSD_MAX_VECTORS]; /* we read: the guest's doorbells */
	struct vbus_bus *bus;
	uint32_t gen; /* north_gen attached to, 0 = none */
	bool rings;   /* control and event rings attached */
	bool ctrl_broken;
	struct ioq ctrl, event;
	struct vbusd_dev dev[VBUSD_MAX_DEVICES];
	uint64_t doorbells, irqs, suppressed, verbs, events;
	bool resched;
	struct vbusd_link *next;
};

/* backend.c */
int vbusd_backend_known(const char *type);
/* Serve every attached device of @l; sets l->resched when a budget ran out. */
void vbusd_serve_devices(struct vbusd_link *l, const struct vbusd_cfg *cfg);
/* Notify north for ring @q registered with signal @handle (core said NOTIFY/FIRE). */
void vbusd_notify_north(struct vbusd_link *l, uint32_t handle);
uint32_t vbusd_vector(const struct vbusd_link *l, uint32_t handle);
/* net: open (create) the TAP of @d; 0 or -errno. */
int vbusd_net_open(struct vbusd_dev *d, const char *name);
/* net: move frames from the TAP into posted rx buffers; bounded by @batch. */
void vbusd_net_rx(struct vbusd_dev *d, unsigned int batch);
/* net: (dis)arm the TAP's readable event in the daemon's epoll. */
void vbusd_tap_arm(struct vbusd_dev *d, bool on);

#endif /* VBUSD_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvbusmodel, functional part: shm-signal (§1), IOQ rings with the event
 * index (§2), moderation (§4.1) and the bus control channel (§3), written from
 * docs/spec/ only. Every operation is one step; the caller (the vector runner)
 * turns its result and the object's state into a trace record (§7).
 *
 * No globals. A model object is a value: vm_obj_copy() makes an independent
 * snapshot (a ring's shared region is the only heap part).
 */
#ifndef VBUSMODEL_MODEL_H
#define VBUSMODEL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Operation results that are not errors (errors are negative errno values). */
enum vm_result {
	VM_OK = 0,
	VM_SELF,
	VM_NOTIFY,
	VM_SUPPRESS,
	VM_EVSKIP,
	VM_DEFER,
	VM_FIRE,
	VM_DROP,
	VM_IDLE,
	VM_ARMED,
	VM_READY,
	VM_DISABLED
};

/* Moderation state of one sending side (§4.1); mt == 0 means the timer is off. */
struct vm_mod {
	int on;	      /* moderation configured (vm_sig_moderate); in effect only with H != 0 and C != 1 (MOD-1) */
	int no_elide; /* this sender never takes the SIG-12 elision (the accelerator, HW-2): vm_sig_no_elide */
	uint32_t holdoff, count, mc, mt;
};

/* A shm-signal: its 192-byte shared descriptor (v2) plus each sender's local moderation. */
struct vm_signal {
	uint8_t *desc;		   /* struct vbus_shm_signal_desc, in shared memory */
	struct vm_mod mod[2];	   /* indexed by the sending side */
	uint64_t notifications[2]; /* notifications sent toward side X (counters, not shared) */
};

/* An IOQ ring at offset 0 of its own shared region, with both sides' local state. */
struct vm_ring {
	uint8_t *region;
	uint64_t region_size;
	struct vm_signal sig; /* desc points into region */
	/* north locals (IOQ-2) */
	uint32_t ncount, nflags, ni, rc, nk;
	int nbroken;
	/* south locals */
	uint32_t cnt, sflags, si, sk;
	int sbroken;
	uint64_t violations;
	const char *last_violation;
	/* §2.12 out-of-order completion: north's private per-id state and free-id stack */
	uint64_t *ncookie;
	uint32_t *nlen;
	uint8_t *nbusy;
	uint16_t *nfree;
	uint32_t nnfree;
	/* south: offered OOO (tracks up to ncount ids), held ids, their taken len, completions published */
	int soffer;
	uint8_t *held;
	uint32_t *tlen;
	uint32_t done;
};

#define VM_BUS_MAX_DEV 64
#define VM_BUS_MAX_SHM 64

struct vm_dev {
	uint32_t id, version, features, state, max_shm;
	char type[32];
	uint64_t shm_ids; /* bit i: shm id i registered */
};

/* A bus: the device table south serves and the control verbs' effects (§3). */
struct vm_bus {
	uint64_t region_size;
	unsigned ndev; /* devices ever seen, in order of first appearance */
	struct vm_dev dev[VM_BUS_MAX_DEV];
	uint32_t next_handle; /* last signal handle handed out */
	uint64_t events;      /* hotplug events sent */
};

/* One object of a vector: a signal, a ring or a bus. */
enum vm_kind { VM_SIGNAL, VM_RING, VM_BUS };
struct vm_obj {
	char name[48];
	enum vm_kind kind;
	uint8_t sigbuf[192]; /* a plain signal's shared descriptor (struct vbus_shm_signal_desc, v2) */
	struct vm_signal sig;
	struct vm_ring ring;
	struct vm_bus bus;
};

/* Name of a result or errno as the trace spells it ("notify", "-EIO"). */
const char *vm_result_name(int r);

/* Initialise a plain signal (SIG-2: valid descriptor, all irq bytes 0). */
void vm_obj_init_signal(struct vm_obj *o, const char *name);
/*
 * Initialise a ring as north would (§2.2) and attach it as south (§2.8). @flags: VBUS_IOQ_F_EVENT_IDX (= 1,
 * so a boolean evidx works) | VBUS_IOQ_F_OOO (south then offers it, §2.12). 0 or -EINVAL/-ENOMEM.
 */
int vm_obj_init_ring(struct vm_obj *o, const char *name, uint32_t count, unsigned flags, uint32_t base,
		     uint64_t region);
/* Initialise a bus with no devices. */
void vm_obj_init_bus(struct vm_obj *o, const char *name, uint64_t region);
/* Deep copy *src into *dst (dst uninitialised). 0 or -ENOMEM. */
int vm_obj_copy(struct vm_obj *dst, const struct vm_obj *src);
/* Release what vm_obj_init_*() allocated. */
void vm_obj_free(struct vm_obj *o);
/* The signal an object embeds (plain signal or ring), or NULL for a bus. */
struct vm_signal *vm_obj_signal(struct vm_obj *o);

/* ---- §1 shm-signal, side x = VBUS_NORTH / VBUS_SOUTH ---- */
/* irq[side] field f (0 enabled, 1 pending, 2 dirty) as 0/1 (HOST-3). */
int vm_sig_get(const struct vm_signal *s, int side, int f);
/* enable(x): VM_OK or VM_SELF. */
int vm_sig_enable(struct vm_signal *s, int x);
/* disable(x): VM_OK. */
int vm_sig_disable(struct vm_signal *s, int x);
/* inject(x) toward peer(x): VM_NOTIFY, VM_SUPPRESS, or VM_DEFER under moderation. */
int vm_sig_inject(struct vm_signal *s, int x);
/* wakeup(x): runs @handler(ctx) per drain pass; VM_OK with *iter, or VM_DISABLED. */
int vm_sig_wakeup(struct vm_signal *s, int x, void (*handler)(void *ctx), void *ctx, unsigned *iter);
/* Configure §4.1 moderation on the injects of side x; clears its state. H = 0 or C = 1 is moderation off
 * (MOD-1): every allowed inject notifies at once and the SIG-12 elision applies. */
void vm_sig_moderate(struct vm_signal *s, int x, uint32_t holdoff, uint32_t count);
/* Side x never elides (SIG-12), moderated or not: the accelerator's device inject (§5.4 HW-2). */
void vm_sig_no_elide(struct vm_signal *s, int x);
/* One time unit of every configured moderation timer: VM_FIRE, VM_DROP or VM_IDLE. */
int vm_sig_tick(struct vm_signal *s);

/* ---- §2 IOQ ---- */
/* push(N): VM_OK or -ENOSPC. */
int vm_ring_push(struct vm_ring *r, uint32_t n, uint32_t len, uint64_t off, const uint64_t *cookie, uint16_t flags,
		 uint32_t *pushed);
/* pop(S): VM_OK with *n, *cookie, *len of the last descriptor, -EAGAIN, or -EIO. @used NULL = each len. */
int vm_ring_pop(struct vm_ring *r, uint32_t n, const uint32_t *used, uint32_t *got, uint64_t *cookie, uint32_t *len);
/* take(S), OOO rings (§2.12): VM_OK with *got, the last *id and *len; -EAGAIN, -EIO; -EINVAL in-order. */
int vm_ring_take(struct vm_ring *r, uint32_t n, uint32_t *got, uint64_t *id, uint32_t *len);
/* complete(S) of one held @id (§2.12 C0-C4): VM_OK, -EINVAL (not held / not OOO) or -EIO. */
int vm_ring_complete(struct vm_ring *r, uint32_t id, uint32_t used, int error);
/* reclaim(N): VM_OK with *got, *cookie, *len of the last descriptor, -EAGAIN, or -EIO. */
int vm_ring_reclaim(struct vm_ring *r, uint32_t n, uint32_t *got, uint64_t *cookie, uint32_t *len);
/* kick(x): VM_NOTIFY, VM_SUPPRESS, VM_EVSKIP or VM_DEFER. */
int vm_ring_kick(struct vm_ring *r, int x);
/* arm(x, t): VM_ARMED, VM_READY or -EIO. */
int vm_ring_arm(struct vm_ring *r, int x, uint32_t t);
/* attach(S): re-validate the header (§2.8); VM_OK or -EINVAL (ring broken). */
int vm_ring_attach(struct vm_ring *r);
/* Hostile north: raw store of a named shared field (§8.3 poke). 0, or -EINVAL for a bad field/value. */
int vm_ring_poke(struct vm_ring *r, const char *field, uint64_t val);
/* Shared north.index / south.index / north.event / south.event. */
uint32_t vm_ring_shared(const struct vm_ring *r, int which);
enum { VM_NI, VM_SI, VM_NE, VM_SE };
/* need_event(event, new, old) of §2.7. */
int vm_need_event(uint32_t event, uint32_t nw, uint32_t old);

/* ---- §3 bus ---- */
/* Add a device as south (DEVADD, or a device present at creation when @announce is 0). */
int vm_bus_devadd(struct vm_bus *b, uint32_t id, const char *type, uint32_t version, uint32_t features,
		  uint32_t max_shm, int announce);
/* DEVDROP: record EMPTY, registrations dropped, event sent. -ENOENT when absent. */
int vm_bus_devdrop(struct vm_bus *b, uint32_t id);
/* South saw a ring violation on the device: BROKEN. VM_OK or -ENODEV. */
int vm_bus_fault(struct vm_bus *b, uint32_t id);
/* One control request (BUS-2): VM_OK with *ret, or a negative errno. */
int vm_bus_ctrl(struct vm_bus *b, uint32_t op, uint32_t devid, uint32_t arg0, uint32_t arg1, uint64_t offset,
		uint64_t len, uint64_t sigdesc, uint32_t *ret);
/* "present", "open", "broken", "empty". */
const char *vm_dev_state_name(uint32_t state);

#ifdef __cplusplus
}
#endif

#endif /* VBUSMODEL_MODEL_H */

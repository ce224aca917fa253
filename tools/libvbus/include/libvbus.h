/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvbus: the memfd + eventfd transport of vbus (docs/spec/05-transports.md
 * §5.3) on top of the protocol core. A link is one IOQ in a sealed memfd
 * with one data buffer per slot, plus two eventfds: kick (north -> south
 * doorbell) and call (south -> north interrupt). North creates the link and
 * sends messages; south attaches from the three fds (same process, or another
 * one via SCM_RIGHTS), validates the ring as untrusted memory, and consumes.
 *
 * Each side of a link is used by one thread at a time (SIG-3). Every function
 * returning int returns 0 or a count on success and a negative errno on
 * failure. Only the vbus_link_* symbols below are exported.
 */
#ifndef LIBVBUS_H
#define LIBVBUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vbus_link;

/*
 * How a receiver waits for work. Use VBUS_WAIT_DEFAULT unless you know
 * better: it polls for as long as a wake-up costs on this machine (measured,
 * see vbus_link_set_spin), then sleeps, so a saturated stream runs at nearly
 * the poll rate and an idle link costs no CPU. VBUS_WAIT_BLOCK sleeps at once:
 * a stream then pays about two wake-ups per ring's worth of messages.
 */
enum vbus_wait {
	VBUS_WAIT_POLL = 0,		    /* busy-poll the ring with notifications disabled */
	VBUS_WAIT_BLOCK = 1,		    /* notifications enabled, sleep in read(eventfd) at once */
	VBUS_WAIT_SPIN = 2,		    /* poll for the spin budget, then enable and block */
	VBUS_WAIT_DEFAULT = VBUS_WAIT_SPIN, /* spin-then-block with the adaptive budget */
};

#define VBUS_LINK_EVENT_IDX (1u << 0) /* vbus_link_params.flags: ring uses the event index */
/*
 * The asymmetric barrier (spec §1.3.2 SIG-14, ring flag VBUS_IOQ_F_ASYM_MB) is the default for a link
 * whose two ends are threads of one process, where the kernel has
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): a sender's kick toward a receiver that polls
 * (notifications disabled) costs no fence, and a receiver pays one membarrier() (a few us) each time it
 * enables notifications to sleep (VBUS_WAIT_BLOCK once, VBUS_WAIT_SPIN at each spin-to-sleep). A kick
 * toward an enabled receiver pays the same full fence as without it. The link starts on full fences;
 * vbus_link_attach in the process that created the link switches both ends, provided north has not
 * sent or waited yet (attach before using north). A south in another process (fds by SCM_RIGHTS, or a
 * fork child) gets full fences on both ends: no membarrier() command reaches the peer process reliably
 * (spec §1.3.2). The ends of an in-process link must not be used from a child after fork() (closing
 * them is fine). vbus_link_asym tells which one a link got. vbus_link_params.flags:
 *   VBUS_LINK_ASYM_BARRIER  require the kernel's support: vbus_link_create returns -EOPNOTSUPP without it
 *                           (the link is still asymmetric only if its south attaches in this process);
 *   VBUS_LINK_SYM_BARRIER   never use it: full fences on every kick (what vbus.ko and guest drivers do).
 */
#define VBUS_LINK_ASYM_BARRIER (1u << 1)
#define VBUS_LINK_SYM_BARRIER (1u << 2)
#define VBUS_LINK_NFDS 3 /* memfd, kick eventfd, call eventfd */

struct vbus_link_params {
	uint32_t ring_count; /* descriptors, power of two, 2..32768 */
	uint32_t buf_size;   /* bytes per slot buffer, 1..16 MiB */
	uint32_t flags;	     /* VBUS_LINK_* */
};

/* One message for vbus_link_send. */
struct vbus_link_msg {
	const void *data;
	uint32_t len; /* <= buf_size */
	/*
	 * North's tag. This library reclaims completions in order and counts them
	 * (vbus_link_wait_done); it never hands the tag back, so it does not store it either
	 * (docs/spec/02-ioq.md IOQ-14: the ring's cookie table is north's alone, south never reads it).
	 * Kept for the API; ignored.
	 */
	uint64_t cookie;
};

/* Counters of one side. */
struct vbus_link_stats {
	uint64_t messages;   /* south: consumed; north: completions reclaimed */
	uint64_t notifies;   /* eventfd writes this side made (doorbells or interrupts) */
	uint64_t suppressed; /* kicks that needed no notification (suppress, evskip) */
	uint64_t wakeups;    /* eventfd reads that returned (this side slept or was woken) */
	uint64_t spurious;   /* wakeups whose drain found nothing */
	uint64_t violations; /* protocol violations seen in shared memory (link then broken) */
};

/*
 * Received message handler (south). @data points into shared memory for @len
 * bytes: copy before trusting it. Return the bytes used (clamped to @len).
 * @cookie is the descriptor's ring index (spec §2.5: south does not see north's
 * cookie), not vbus_link_msg.cookie.
 */
typedef uint32_t (*vbus_link_rx_fn)(void *arg, const void *data, uint32_t len, uint64_t cookie);

/* North: create a link (memfd sealed against shrinking, two eventfds). */
int vbus_link_create(const struct vbus_link_params *p, struct vbus_link **out);
/* North: the link's fds for south, in order memfd, kick, call (still owned by the link). */
int vbus_link_fds(const struct vbus_link *l, int fds[VBUS_LINK_NFDS]);
/* South: attach from the three fds (takes ownership); validates seals, size and ring (-EINVAL). */
int vbus_link_attach(const int fds[VBUS_LINK_NFDS], struct vbus_link **out);
/* Close one side: unmap, close fds, free. NULL is a no-op. */
void vbus_link_close(struct vbus_link *l);
/* Send the link's fds over a UNIX socket with SCM_RIGHTS. */
int vbus_link_send_fds(int sock, const struct vbus_link *l);
/* Receive three fds sent by vbus_link_send_fds. */
int vbus_link_recv_fds(int sock, int fds[VBUS_LINK_NFDS]);

/*
 * Event-index links: ask to be woken only once @t >= 1 messages (south) or
 * completions (north) are ready (§2.7 arm). Work below the threshold does not
 * wake a blocked receiver (IOQ-9). -EOPNOTSUPP without VBUS_LINK_EVENT_IDX.
 */
int vbus_link_set_threshold(struct vbus_link *l, uint32_t t);
/*
 * Set the spin budget of VBUS_WAIT_SPIN in nanoseconds. The default,
 * VBUS_LINK_SPIN_ADAPTIVE, spins for as long as a blocking wake-up costs on
 * this machine, measured on every wake-up (the peer stamps each notification;
 * an average of notify-to-running times, clamped to VBUS_LINK_SPIN_MIN_NS ..
 * VBUS_LINK_SPIN_MAX_NS; 20 us until the first is measured): the classic
 * competitive choice, so nobody tunes it. The upper clamp is low on purpose:
 * where a wake-up measures longer, the machine is oversubscribed (the time is
 * run-queue wait), and there a long spin is CPU time the scheduler charges to
 * the spinner, while a sleeper is favoured when it wakes (spec §5.3).
 * VBUS_WAIT_POLL never sleeps but yields the CPU (sched_yield) after 4096 empty
 * polls, so an oversubscribed machine progresses.
 */
#define VBUS_LINK_SPIN_ADAPTIVE UINT64_MAX
#define VBUS_LINK_SPIN_MIN_NS 1000 /* the adaptive budget's clamp, ns */
#define VBUS_LINK_SPIN_MAX_NS 250000
void vbus_link_set_spin(struct vbus_link *l, uint64_t spin_ns);
/* The spin budget VBUS_WAIT_SPIN uses now, in nanoseconds (adaptive: the current estimate). */
uint64_t vbus_link_spin_budget(const struct vbus_link *l);
/*
 * North: reclaim finished slots, copy up to @n messages into slot buffers,
 * publish them with one index store and one kick. Returns the number sent
 * (0 when the ring is full), -EINVAL (len > buf_size), -EIO (broken).
 */
int vbus_link_send(struct vbus_link *l, const struct vbus_link_msg *msgs, unsigned int n);
/* North: wait (per @mode) until at least one completion, reclaim all; count or -errno. */
int vbus_link_wait_done(struct vbus_link *l, enum vbus_wait mode);
/* North: descriptors sent and not yet reclaimed. */
unsigned int vbus_link_in_flight(const struct vbus_link *l);
/*
 * South: wait (per @mode) until at least one message, then consume every
 * message available, calling @fn for each and completing it. Returns the
 * count, -EIO (north broke the ring: counted, sticky) or -EINTR (interrupted).
 */
int vbus_link_recv(struct vbus_link *l, enum vbus_wait mode, vbus_link_rx_fn fn, void *arg);
/* Make a waiter on this side (possibly blocked, another thread) return -EINTR. */
int vbus_link_interrupt(struct vbus_link *l);
/* Copy this side's counters. */
void vbus_link_get_stats(const struct vbus_link *l, struct vbus_link_stats *st);
/* 1 if the link uses the asymmetric barrier (SIG-14: both ends in this process), 0 if full fences. */
int vbus_link_asym(const struct vbus_link *l);
/* Write a one-line dump of the shared state (indices, irq bits, locals) into @buf. */
int vbus_link_dump(const struct vbus_link *l, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* LIBVBUS_H */

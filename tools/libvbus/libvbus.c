// SPDX-License-Identifier: GPL-2.0
/*
 * libvbus: memfd + eventfd transport (docs/spec/05-transports.md §5.3) over
 * the protocol core (kernel/core, the same files vbus.ko links).
 *
 * Region layout: the IOQ at offset 0, then one buffer of buf_size bytes per
 * ring slot at data_off (64-byte aligned), then one 64-byte line of wake-up
 * stamps at the end of the region (libvbus's own, not protocol state: only
 * the adaptive spin budget reads it, clamped). North writes slot (ni & mask)'s
 * buffer and names it in the descriptor; south uses only the offset and
 * length the core validated (HOST-1/2), never north's layout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <asm/byteorder.h>

#include "vbus_core.h"
#include "libvbus.h"

#define LINK_EXPORT __attribute__((visibility("default")))
#define LINK_SEND_CHUNK 64
#ifndef LINK_WAKE_BUDGET    /* vbus-explore-core builds this file with 1 (model/explore-core/explore_link.c) */
#define LINK_WAKE_BUDGET 64 /* drain passes per wakeup before re-queueing ourselves */
#endif
#define LINK_DEFAULT_SPIN_NS 20000
#define LINK_SPIN_MIN_NS VBUS_LINK_SPIN_MIN_NS
#define LINK_SPIN_MAX_NS VBUS_LINK_SPIN_MAX_NS
#define LINK_STAMP_MAX_NS 1000000000ull /* older than 1 s: not this wake-up's stamp (the budget is clamped anyway) */
#define LINK_SAMPLE_FIRST 8		/* wake-ups measured before sampling slows down */
#define LINK_SAMPLE_NS 1000000ull	/* then about one measured wake-up per ms */
#define LINK_SAMPLE_EVERY_MAX 1024	/* and at least one per this many sleeps */
#define LINK_POLL_YIELD 4096		/* busy-poll: sched_yield() after this many empty polls */

struct vbus_link {
	struct ioq q;
	u8 *region;
	u64 size;
	u64 data_off;
	u32 buf_size;
	int fd[VBUS_LINK_NFDS]; /* memfd, kick (N->S), call (S->N) */
	int rx_efd;		/* the eventfd this side sleeps on */
	int tx_efd;		/* the eventfd this side notifies the peer with */
	bool enabled;		/* our irq record's enabled bit, as we last wrote it */
	bool resched;		/* a wakeup stopped at its budget: pending is ours, run it again */
	int stop;		/* set by vbus_link_interrupt (atomic) */
	u64 spin_ns;
	bool spin_adaptive; /* spin_ns follows the measured wake-up cost */
	u64 wake_ewma_ns;   /* average notify-to-running time, 0 = none measured yet */
	u64 *stamp;	    /* the region's stamp line: [side] stamp, [2 + side] request (header comment) */
	bool asked;	    /* our request for a stamp is up: the next wake-up is measured */
	u32 samples;	    /* wake-ups measured (saturates at LINK_SAMPLE_FIRST) */
	u32 sleeps;	    /* sleeps since the last measured one */
	u32 every;	    /* then ask on every every-th sleep: about one per LINK_SAMPLE_NS */
	u64 sample_at;	    /* when the last one was measured */
	u32 threshold;	    /* event-index links: arm for this many (>= 1) */
	u64 *hint;	    /* south: per slot, the offset the core validated there last (a prefetch hint) */
	vbus_link_rx_fn rx_fn;
	void *rx_arg;
	struct vbus_link_stats st;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Copy a message into its slot buffer: up to 64 bytes (a line) inline, with
 * overlapping fixed-size moves (no call into libc's size dispatch); longer
 * ones with memcpy.
 */
static inline void link_copy(u8 *dst, const u8 *src, u32 len)
{
	if (len > 64) {
		memcpy(dst, src, len);
	} else if (len >= 32) {
		__builtin_memcpy(dst, src, 32);
		__builtin_memcpy(dst + len - 32, src + len - 32, 32);
	} else if (len >= 16) {
		__builtin_memcpy(dst, src, 16);
		__builtin_memcpy(dst + len - 16, src + len - 16, 16);
	} else if (len >= 8) {
		__builtin_memcpy(dst, src, 8);
		__builtin_memcpy(dst + len - 8, src + len - 8, 8);
	} else {
		while (len--)
			*dst++ = *src++;
	}
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Private memory of one side, written per message (counters, indices, hints),
 * on cache lines of its own: the peer's side is usually allocated right next
 * to it (same process, one after the other), and a shared line would move
 * between the two CPUs on every message.
 */
static void *link_zalloc(size_t n)
{
	size_t sz = (n + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, sz);

	if (p)
		memset(p, 0, sz);
	return p;
}

static struct vbus_link *link_alloc(void)
{
	struct vbus_link *l = link_zalloc(sizeof(*l));
	int i;

	if (!l)
		return NULL;
	for (i = 0; i < VBUS_LINK_NFDS; i++)
		l->fd[i] = -1;
	l->spin_ns = LINK_DEFAULT_SPIN_NS;
	l->spin_adaptive = true;
	l->threshold = 1;
	return l;
}

LINK_EXPORT void vbus_link_close(struct vbus_link *l)
{
	int i;

	if (!l)
		return;
	if (l->region)
		munmap(l->region, l->size);
	free(l->hint);
	for (i = 0; i < VBUS_LINK_NFDS; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
	free(l);
}

/*
 * The asymmetric barrier's receiver side (§1.3.2 SIG-14, at MB-ENABLE): a full
 * barrier on every CPU running a thread of a registered process, so a sender
 * that read us disabled and skipped its fence has its work and dirty store
 * visible before our E3 loads. Registration was checked
 * before the ring flag was set or accepted; should the call still fail, a local
 * full fence is the best left (not enough for the peer: it cannot fail once
 * registered, per membarrier(2)).
 */
static void link_asym_mb(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0))
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Feature check and registration of this process for link_asym_mb: 0 or -EOPNOTSUPP. */
static int link_asym_register(void)
{
	long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) ||
	    syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0))
		return -EOPNOTSUPP;
	return 0;
}

static u64 link_data_off(u32 count)
{
	return (VBUS_IOQ_RING_SIZE((u64)count) + 63) & ~63ull;
}

LINK_EXPORT int vbus_link_create(const struct vbus_link_params *p, struct vbus_link **out)
{
	struct vbus_link *l;
	bool asym;
	int ret;

	if (!p || !out || p->ring_count < VBUS_IOQ_MIN_COUNT || p->ring_count > VBUS_IOQ_MAX_COUNT ||
	    (p->ring_count & (p->ring_count - 1)) || p->buf_size == 0 || p->buf_size > VBUS_IOQ_MAX_LEN ||
	    (p->flags & ~(VBUS_LINK_EVENT_IDX | VBUS_LINK_ASYM_BARRIER | VBUS_LINK_SYM_BARRIER)) ||
	    ((p->flags & VBUS_LINK_ASYM_BARRIER) && (p->flags & VBUS_LINK_SYM_BARRIER)))
		return -EINVAL;
	/*
	 * SIG-14 only on request (VBUS_LINK_ASYM_BARRIER). It was the default for a day: CI's two-process
	 * stress (core.stress-procs) then hung once in a lost wakeup (south enabled, dirty, not pending,
	 * asleep). Suspected, not proven: GLOBAL_EXPEDITED skips a CPU whose runqueue's membarrier state is
	 * stale (registration updates only the CPUs running the process then; a switch from a lazy kernel
	 * thread that borrowed this mm does not update it), so a sender there keeps its fence-free suppress.
	 */
	asym = (p->flags & VBUS_LINK_ASYM_BARRIER) && !link_asym_register();
	if ((p->flags & VBUS_LINK_ASYM_BARRIER) && !asym)
		return -EOPNOTSUPP;
	l = link_alloc();
	if (!l)
		return -ENOMEM;
	l->buf_size = p->buf_size;
	l->data_off = link_data_off(p->ring_count);
	l->size = l->data_off + (u64)p->ring_count * ((p->buf_size + 63) & ~63u) + 64;

	l->fd[0] = memfd_create("vbus-link", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (l->fd[0] < 0)
		goto err_memfd;
	if (ftruncate(l->fd[0], l->size))
		goto err_memfd;
	if (fcntl(l->fd[0], F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		goto err_memfd;
	l->fd[1] = eventfd(0, EFD_CLOEXEC);
	l->fd[2] = eventfd(0, EFD_CLOEXEC);
	if (l->fd[1] < 0 || l->fd[2] < 0)
		goto err_eventfd;
	l->region = mmap(NULL, l->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, l->fd[0], 0);
	if (l->region == MAP_FAILED) {
		l->region = NULL;
		goto err_mmap;
	}
	{
		struct ioq_offer o = { .asym_mb = link_asym_mb };
		u16 fl =
			((p->flags & VBUS_LINK_EVENT_IDX) ? VBUS_IOQ_F_EVENT_IDX : 0) | (asym ? VBUS_IOQ_F_ASYM_MB : 0);

		ret = ioq_north_init_offer(&l->q, (struct vbus_ioq_ring *)l->region, p->ring_count, fl, 0, l->size, &o);
	}
	if (ret) {
		vbus_link_close(l);
		return ret;
	}
	l->rx_efd = l->fd[2];
	l->tx_efd = l->fd[1];
	l->stamp = (u64 *)(l->region + l->size - 64);
	*out = l;
	return 0;

err_mmap:
err_eventfd:
err_memfd:
	ret = -errno;
	vbus_link_close(l);
	return ret;
}

LINK_EXPORT int vbus_link_fds(const struct vbus_link *l, int fds[VBUS_LINK_NFDS])
{
	int i;

	if (!l || !fds)
		return -EINVAL;
	for (i = 0; i < VBUS_LINK_NFDS; i++)
		fds[i] = l->fd[i];
	return 0;
}

LINK_EXPORT int vbus_link_attach(const int fds[VBUS_LINK_NFDS], struct vbus_link **out)
{
	struct vbus_link *l;
	struct stat st;
	int seals, ret, i;

	if (!fds || !out)
		return -EINVAL;
	l = link_alloc();
	if (!l)
		return -ENOMEM;
	for (i = 0; i < VBUS_LINK_NFDS; i++)
		l->fd[i] = fds[i];
	if (fstat(l->fd[0], &st))
		goto err_fstat;
	/* A peer able to shrink the file could make our loads fault (SIGBUS). */
	seals = fcntl(l->fd[0], F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK) || st.st_size < (off_t)sizeof(struct vbus_ioq_ring)) {
		ret = -EINVAL;
		goto err_check;
	}
	l->size = st.st_size;
	l->region = mmap(NULL, l->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, l->fd[0], 0);
	if (l->region == MAP_FAILED) {
		l->region = NULL;
		goto err_mmap;
	}
	{
		/* offer the asymmetric barrier when this kernel has it; register only if the ring uses it */
		long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
		struct ioq_offer o = { 0 };

		if (cmds > 0 && (cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED))
			o.asym_mb = link_asym_mb;
		ret = ioq_south_attach_offer(&l->q, l->region, l->size, 0, &o);
		if (!ret && (l->q.flags & VBUS_IOQ_F_ASYM_MB) && link_asym_register())
			ret = -EOPNOTSUPP;
	}
	if (ret)
		goto err_check;
	l->rx_efd = l->fd[1];
	l->tx_efd = l->fd[2];
	l->hint = link_zalloc((size_t)l->q.cnt * sizeof(*l->hint)); /* NULL: no prefetch, nothing else changes */
	/* the stamp line, only where it cannot overlap the ring south serves */
	if (l->size - 64 >= VBUS_IOQ_RING_SIZE((u64)l->q.cnt))
		l->stamp = (u64 *)(l->region + l->size - 64);
	*out = l;
	return 0;

err_mmap:
err_fstat:
	ret = -errno;
err_check:
	for (i = 0; i < VBUS_LINK_NFDS; i++)
		l->fd[i] = -1; /* ownership passes only on success */
	vbus_link_close(l);
	return ret;
}

LINK_EXPORT int vbus_link_send_fds(int sock, const struct vbus_link *l)
{
	char cbuf[CMSG_SPACE(sizeof(int) * VBUS_LINK_NFDS)];
	char tag = 'V';
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	if (!l)
		return -EINVAL;
	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * VBUS_LINK_NFDS);
	memcpy(CMSG_DATA(c), l->fd, sizeof(int) * VBUS_LINK_NFDS);
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

LINK_EXPORT int vbus_link_recv_fds(int sock, int fds[VBUS_LINK_NFDS])
{
	char cbuf[CMSG_SPACE(sizeof(int) * VBUS_LINK_NFDS)];
	char tag;
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

	if (n < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (n != 1 || tag != 'V' || !c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int) * VBUS_LINK_NFDS))
		return -EPROTO;
	memcpy(fds, CMSG_DATA(c), sizeof(int) * VBUS_LINK_NFDS);
	return 0;
}

LINK_EXPORT int vbus_link_set_threshold(struct vbus_link *l, uint32_t t)
{
	if (!(l->q.flags & VBUS_IOQ_F_EVENT_IDX))
		return -EOPNOTSUPP;
	if (t == 0)
		return -EINVAL;
	l->threshold = t;
	return 0;
}

/* The adaptive budget: the measured wake-up cost, clamped. */
static void link_spin_from_ewma(struct vbus_link *l)
{
	l->spin_ns = l->wake_ewma_ns;
	if (l->spin_ns < LINK_SPIN_MIN_NS)
		l->spin_ns = LINK_SPIN_MIN_NS;
	if (l->spin_ns > LINK_SPIN_MAX_NS)
		l->spin_ns = LINK_SPIN_MAX_NS;
}

LINK_EXPORT void vbus_link_set_spin(struct vbus_link *l, uint64_t spin_ns)
{
	l->spin_adaptive = spin_ns == VBUS_LINK_SPIN_ADAPTIVE;
	if (!l->spin_adaptive)
		l->spin_ns = spin_ns;
	else if (l->wake_ewma_ns)
		link_spin_from_ewma(l);
}

LINK_EXPORT uint64_t vbus_link_spin_budget(const struct vbus_link *l)
{
	return l->spin_ns;
}

/*
 * The wake-up measurement is sampled: measuring costs clock reads and two
 * transfers of the stamp line in a blocking round trip (about 1000 of 2000 CPU
 * cycles per side from read() returning to the next write() here), so a side
 * asks the peer for a stamp for its first LINK_SAMPLE_FIRST sleeps, then on
 * every every-th sleep, every sized from the last two measurements to about one
 * per LINK_SAMPLE_NS. The other sleeps touch neither the clock nor the stamp
 * line. Called once per blocking wait; the request stays up (l->asked) until a
 * wake-up is measured. Relaxed store: a hint for the peer, ordering nothing.
 */
static void link_sample_due(struct vbus_link *l)
{
	if (!l->stamp || l->asked)
		return;
	l->sleeps++;
	if (l->samples >= LINK_SAMPLE_FIRST && l->sleeps < l->every)
		return;
	__atomic_store_n(&l->stamp[2 + l->q.side], 1, __ATOMIC_RELAXED);
	l->asked = true;
}

/*
 * A wake-up we asked a stamp for happened: fold its notify-to-running time into
 * the adaptive spin budget and withdraw the request. @slept: when we entered
 * read(). A stamp older than that belongs to a notification that was already
 * counted in the eventfd before we slept (the peer notified while we ran a
 * SIG-4 self-wakeup): that read returned at once and measured nothing, so it is
 * left out (it would inflate the budget by the time we spent running, up to the
 * clamp), and the request stays up for the next sleep.
 */
static void link_wake_measured(struct vbus_link *l, u64 slept)
{
	u64 t, now, d;

	if (!l->asked)
		return;
	/* relaxed: a hint written by the peer, range-checked below; orders nothing */
	t = __atomic_load_n(&l->stamp[l->q.side], __ATOMIC_RELAXED);
	now = now_ns();
	if (!t || t < slept || t > now || now - t > LINK_STAMP_MAX_NS)
		return;
	d = now - t;
	l->wake_ewma_ns = l->wake_ewma_ns ? (7 * l->wake_ewma_ns + d) / 8 : d;
	if (l->spin_adaptive)
		link_spin_from_ewma(l);
	if (l->samples < LINK_SAMPLE_FIRST)
		l->samples++;
	/* sleeps per LINK_SAMPLE_NS at the rate since the last measurement, 1 .. LINK_SAMPLE_EVERY_MAX */
	d = now - l->sample_at;
	d = l->sample_at && d ? LINK_SAMPLE_NS * l->sleeps / d : LINK_SAMPLE_EVERY_MAX;
	l->every = d < 1 ? 1 : d > LINK_SAMPLE_EVERY_MAX ? LINK_SAMPLE_EVERY_MAX : (u32)d;
	l->sleeps = 0;
	l->sample_at = now;
	l->asked = false;
	__atomic_store_n(&l->stamp[2 + l->q.side], 0, __ATOMIC_RELAXED);
}

static void link_notify(struct vbus_link *l, int kick)
{
	uint64_t one = 1;

	if (kick == SHM_SIGNAL_NOTIFY) {
		l->st.notifies++;
		/* relaxed: a timing hint for the peer's spin budget, stamped only when the peer asked */
		if (l->stamp && __atomic_load_n(&l->stamp[2 + VBUS_PEER(l->q.side)], __ATOMIC_RELAXED))
			__atomic_store_n(&l->stamp[VBUS_PEER(l->q.side)], now_ns(), __ATOMIC_RELAXED);
		/* a system call is a full barrier: I5 is ordered before it (§1.4) */
		while (write(l->tx_efd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	} else if (kick >= 0) {
		l->st.suppressed++;
	}
}

/* North: take back every completed slot; count, or -EIO. */
static int north_drain(struct vbus_link *l)
{
	int n = ioq_reclaim(&l->q, UINT32_MAX, NULL, NULL, NULL);

	if (n == -EAGAIN)
		return 0;
	if (n > 0)
		l->st.messages += n;
	return n;
}

LINK_EXPORT int vbus_link_send(struct vbus_link *l, const struct vbus_link_msg *msgs, unsigned int n)
{
	struct ioq_desc_info d[LINK_SEND_CHUNK];
	unsigned int sent = 0, i, chunk;
	u32 mask = l->q.cnt - 1, stride = (l->buf_size + 63) & ~63u;
	int ret;

	if (l->q.side != VBUS_NORTH)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (msgs[i].len > l->buf_size)
			return -EINVAL;
	/* cached indices: look at south's index only when we run out of slots */
	if (ioq_free_slots(&l->q) < n) {
		ret = north_drain(l);
		if (ret < 0)
			return ret;
	}
	while (sent < n && ioq_free_slots(&l->q)) {
		chunk = n - sent;
		if (chunk > LINK_SEND_CHUNK)
			chunk = LINK_SEND_CHUNK;
		if (chunk > ioq_free_slots(&l->q))
			chunk = ioq_free_slots(&l->q);
		for (i = 0; i < chunk; i++) {
			const struct vbus_link_msg *m = &msgs[sent + i];
			u64 off = l->data_off + (u64)((l->q.idx + i) & mask) * stride;

			link_copy(l->region + off, m->data, m->len);
			d[i] = (struct ioq_desc_info){ .cookie = m->cookie, .offset = off, .len = m->len };
		}
		ret = ioq_push(&l->q, d, chunk);
		if (ret < 0)
			return ret;
		sent += chunk;
	}
	if (sent) {
		link_notify(l, ioq_kick(&l->q)); /* IOQ-6: one kick per batch */
		/* the next message's buffer line, for writing: its ownership request overlaps our wait */
		__builtin_prefetch(l->region + l->data_off + (u64)(l->q.idx & mask) * stride, 1);
	}
	return sent;
}

LINK_EXPORT unsigned int vbus_link_in_flight(const struct vbus_link *l)
{
	return l->q.idx - l->q.rc;
}

static int pop_cb(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	struct vbus_link *l = arg;

	if (l->hint) /* d->cookie: the ring index (south); d->offset: checked inside the region */
		l->hint[d->cookie & (l->q.cnt - 1)] = d->offset;
	*used = l->rx_fn ? l->rx_fn(l->rx_arg, l->region + d->offset, d->len, d->cookie) : d->len;
	return 0;
}

/*
 * South: consume everything available, a quarter ring per ioq_pop (one
 * south.index store each), and kick north after each quarter: a north asleep
 * on a full ring is woken once the first quarter is free, so its wake-up
 * overlaps the rest of this drain instead of starting when the ring is empty.
 * Notifications stay one per north sleep (the kicks after the first find
 * north's pending or dirty set: SUPPRESS, SIG-12). Count or -EIO.
 */
static int south_drain(struct vbus_link *l)
{
	u32 chunk = l->q.cnt >= 4 ? l->q.cnt / 4 : l->q.cnt;
	int total = 0, n;

	for (;;) {
		n = ioq_pop(&l->q, chunk, pop_cb, l, NULL);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			l->st.violations = l->q.violations;
			return n;
		}
		total += n;
		l->st.messages += n;
		/* IOQ-6: a completion kick per quarter ring, after its completions are published */
		link_notify(l, ioq_kick(&l->q));
		/* less than a chunk: all the index showed; pop again only if it moved (a hint, one load) */
		if ((u32)n < chunk && !ioq_peer_moved(&l->q))
			break;
	}
	return total;
}

struct drain_ctx {
	struct vbus_link *l;
	int (*drain)(struct vbus_link *l);
	int total;
	int err;
};

static void drain_handler(void *arg)
{
	struct drain_ctx *c = arg;
	int n;

	if (c->err)
		return;
	n = c->drain(c->l);
	if (n < 0)
		c->err = n;
	else
		c->total += n;
}

static bool link_stopped(struct vbus_link *l)
{
	/* acquire: pairs with the release store in vbus_link_interrupt (not a ring barrier) */
	return __atomic_load_n(&l->stop, __ATOMIC_ACQUIRE) != 0;
}

/* Enabled wait: sleep on the eventfd, run §1 wakeup with the drain as handler. */
static int link_block(struct vbus_link *l, int (*drain)(struct vbus_link *l))
{
	struct drain_ctx c = { .l = l, .drain = drain };
	uint64_t cnt;
	u64 slept;
	int r;

	/* once per wait, before enabling: a notification that finds us enabled may be the one to measure */
	link_sample_due(l);
	if (!l->enabled) {
		l->enabled = true;
		if (shm_signal_enable(&l->q.sig) == SHM_SIGNAL_SELF) /* SIG-4 */
			l->resched = true;
	}
	for (;;) {
		if (link_stopped(l))
			return -EINTR;
		if (!l->resched && (l->q.flags & VBUS_IOQ_F_EVENT_IDX)) {
			/* A1-A4: our threshold, then re-check the peer's index (MB-ARM) */
			r = ioq_arm(&l->q, l->threshold);
			if (r < 0)
				return r;
			if (r == IOQ_READY)
				l->resched = true;
		}
		if (!l->resched) {
			slept = l->asked ? now_ns() : 0; /* the peer is not waiting for us yet */
			if (read(l->rx_efd, &cnt, sizeof(cnt)) < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			l->st.wakeups++;
			if (link_stopped(l))
				return -EINTR;
			link_wake_measured(l, slept);
		}
		l->resched = false;
		r = shm_signal_wakeup(&l->q.sig, drain_handler, &c, LINK_WAKE_BUDGET, NULL);
		if (r == SHM_SIGNAL_RESCHED)
			l->resched = true;
		if (c.err)
			return c.err;
		if (c.total)
			return c.total;
		l->st.spurious++;
	}
}

static int link_wait(struct vbus_link *l, enum vbus_wait mode, int (*drain)(struct vbus_link *l))
{
	u64 deadline = 0;
	unsigned int spins = 0, k;
	int n;

	if (l->q.broken)
		return -EIO;
	if (mode == VBUS_WAIT_BLOCK)
		return link_block(l, drain);
	if (mode != VBUS_WAIT_POLL && mode != VBUS_WAIT_SPIN)
		return -EINVAL;
	if (l->enabled && !l->resched) {
		shm_signal_disable(&l->q.sig);
		l->enabled = false;
	}
	if (mode == VBUS_WAIT_SPIN)
		deadline = now_ns() + l->spin_ns;
	for (;;) {
		n = drain(l);
		if (n)
			return n;
		if (link_stopped(l))
			return -EINTR;
		/* spin on the peer's index alone (a hint: drain fetches and checks it again) */
		for (k = 0; k < 64; k++) {
			cpu_relax();
			if (ioq_peer_moved(&l->q))
				break;
		}
		/*
		 * South: the buffer the next slot named last time around the ring
		 * (north's usual layout reuses it), fetched now so its miss overlaps
		 * the pop's path to it. Not while spinning: that would take the line
		 * from north between its write-prefetch and its write. A hint only:
		 * an offset the core validated before, prefetched.
		 */
		if (k < 64 && l->hint)
			__builtin_prefetch(l->region + l->hint[l->q.idx & (l->q.cnt - 1)]);
		if (k < 64)
			continue;
		spins += 64;
		if (mode == VBUS_WAIT_SPIN && now_ns() >= deadline)
			return link_block(l, drain);
		/* an oversubscribed machine: let the peer run instead of burning our slice */
		if (mode == VBUS_WAIT_POLL && (spins & (LINK_POLL_YIELD - 1)) == 0)
			sched_yield();
	}
}

LINK_EXPORT int vbus_link_wait_done(struct vbus_link *l, enum vbus_wait mode)
{
	if (l->q.side != VBUS_NORTH)
		return -EINVAL;
	return link_wait(l, mode, north_drain);
}

LINK_EXPORT int vbus_link_recv(struct vbus_link *l, enum vbus_wait mode, vbus_link_rx_fn fn, void *arg)
{
	if (l->q.side != VBUS_SOUTH)
		return -EINVAL;
	l->rx_fn = fn;
	l->rx_arg = arg;
	return link_wait(l, mode, south_drain);
}

LINK_EXPORT int vbus_link_interrupt(struct vbus_link *l)
{
	uint64_t one = 1;

	/* release: pairs with the acquire load in link_stopped; the eventfd write wakes a blocked reader */
	__atomic_store_n(&l->stop, 1, __ATOMIC_RELEASE);
	return write(l->rx_efd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

LINK_EXPORT void vbus_link_get_stats(const struct vbus_link *l, struct vbus_link_stats *st)
{
	*st = l->st;
	st->violations = l->q.violations;
}

LINK_EXPORT int vbus_link_dump(const struct vbus_link *l, char *buf, size_t len)
{
	const struct vbus_ioq_ring *r = (const void *)l->region;
	unsigned int n = shm_signal_state(&r->signal, VBUS_NORTH);
	unsigned int s = shm_signal_state(&r->signal, VBUS_SOUTH);
	int ret;

	ret = snprintf(buf, len,
		       "%s: ni=%u si=%u ne=%u se=%u N=%u%u%u S=%u%u%u local idx=%u rc=%u kicked=%u "
		       "broken=%d violation=%s enabled=%d msgs=%llu notifies=%llu wakeups=%llu",
		       l->q.side == VBUS_NORTH ? "north" : "south",
		       le32_to_cpu(__atomic_load_n(&r->north.index, __ATOMIC_RELAXED)),
		       le32_to_cpu(__atomic_load_n(&r->south.index, __ATOMIC_RELAXED)),
		       le32_to_cpu(__atomic_load_n(&r->north.event, __ATOMIC_RELAXED)),
		       le32_to_cpu(__atomic_load_n(&r->south.event, __ATOMIC_RELAXED)), n >> 2 & 1, n >> 1 & 1, n & 1,
		       s >> 2 & 1, s >> 1 & 1, s & 1, l->q.idx, l->q.rc, l->q.kicked, l->q.broken,
		       l->q.violation ? l->q.violation : "none", l->enabled, (unsigned long long)l->st.messages,
		       (unsigned long long)l->st.notifies, (unsigned long long)l->st.wakeups);
	return ret < 0 ? -EINVAL : ret;
}

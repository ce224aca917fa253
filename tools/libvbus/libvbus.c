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
#include <pthread.h>
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
	/* north: the in-process pairing (SIG-14, link_pair below) */
	bool started;	      /* this north's first send or wait ran link_start (read by north's thread only) */
	int phase;	      /* LINK_FRESH .. LINK_PAIRED (atomic: the attaching thread writes it too) */
	struct link_reg *reg; /* its entry on link_list until link_start or close, else NULL */
};

/* A north that may still pair, on link_list: its memfd's identity and the process that created it. */
struct link_reg {
	struct vbus_link *l;
	dev_t dev;
	ino_t ino;
	pid_t pid; /* a fork child's copy of the list does not match: getpid() differs */
	struct link_reg *next;
};

/*
 * A north's pairing phase (SIG-14 in one process). FRESH: created, not used, no
 * south paired; STARTED: north sent or waited first, it stays on full fences;
 * PAIRING: a south of this process is switching both ends to the asymmetric
 * barrier (north's first operation waits for it); PAIRED: done.
 */
enum { LINK_FRESH, LINK_STARTED, LINK_PAIRING, LINK_PAIRED };

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

static void link_list_del(struct vbus_link *l);

LINK_EXPORT void vbus_link_close(struct vbus_link *l)
{
	int i;

	if (!l)
		return;
	link_list_del(l);
	if (l->region)
		munmap(l->region, l->size);
	free(l->hint);
	for (i = 0; i < VBUS_LINK_NFDS; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
	free(l);
}

/*
 * The asymmetric barrier's receiver side (§1.3.2 SIG-14, at MB-ENABLE):
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), a full barrier on every CPU whose
 * current task runs in this process's address space at the time of the call
 * (the kernel walks each runqueue's current task and compares its mm: no cached
 * per-CPU state), and the scheduler's barriers around a switch cover a thread
 * switched in or out meanwhile. Used only when both ends of the link are threads
 * of this process (link_pair): a sender that read us disabled and skipped its
 * fence has its work and dirty store visible before our E3 loads. Registration
 * came first (link_asym_register); should the call still fail, a local full
 * fence is the best left (not enough for the peer: it cannot fail once
 * registered, per membarrier(2)).
 *
 * Not MEMBARRIER_CMD_GLOBAL_EXPEDITED (the cross-process form, libvbus's command
 * until session 6): the kernel (kernel/sched/membarrier.c, 6.1 as Debian ships it
 * and mainline) IPIs only CPUs whose runqueue's cached membarrier_state has the
 * flag; registration refreshes it only on CPUs running the process right then,
 * and a switch from a lazy kernel thread (idle) that borrowed the same mm back
 * to the process (context_switch: membarrier_switch_mm(prev->active_mm ==
 * next->mm) returns early) does not refresh it. A sender there gets no barrier:
 * the lost wakeup CI's core.stress-procs saw with it (south enabled, dirty, not
 * pending, asleep). Cross-process links use full fences.
 */
static void link_asym_mb(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Feature check and registration of this process for link_asym_mb, once per
 * process (the kernel's first registration of a threaded process waits for an
 * RCU grace period): 0 or -EOPNOTSUPP.
 */
static int link_asym_ok = -EOPNOTSUPP;
static void link_asym_register_once(void)
{
	long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	    !syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		link_asym_ok = 0;
}

static int link_asym_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, link_asym_register_once);
	return link_asym_ok;
}

/*
 * The norths of this process that may still pair, found by their memfd's
 * identity (south's fstat of the fd it was given: the same file is the same
 * region). A process-local list, not shared memory: nothing a peer writes
 * decides that a link is in-process.
 */
static pthread_mutex_t link_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct link_reg *link_list;

static void link_list_del(struct vbus_link *l)
{
	struct link_reg **pp;

	if (!l->reg)
		return;
	pthread_mutex_lock(&link_list_lock);
	for (pp = &link_list; *pp; pp = &(*pp)->next)
		if (*pp == l->reg) {
			*pp = l->reg->next;
			break;
		}
	pthread_mutex_unlock(&link_list_lock);
	free(l->reg);
	l->reg = NULL;
}

/*
 * North's first send or wait: a north that no south of this process has paired
 * with yet stays on full fences for good (STARTED); one being paired right now
 * waits the few stores that takes. Later calls test l->started only.
 */
static void link_start(struct vbus_link *l)
{
	int p = LINK_FRESH;

	/* acquire (success or failure): a PAIRED read orders the pairing's stores (q.flags, q.sig) before our use */
	while (!__atomic_compare_exchange_n(&l->phase, &p, LINK_STARTED, false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE) &&
	       p == LINK_PAIRING) {
		cpu_relax();
		p = LINK_FRESH;
	}
	l->started = true;
	link_list_del(l);
}

/*
 * South attaching in the process that created the link (SIG-14 in one process):
 * if the north of this memfd is on link_list, was created by this process (not a
 * fork child's copy) and has not sent or waited yet, switch both ends to the
 * asymmetric barrier: north's ring flag VBUS_IOQ_F_ASYM_MB, north's signal and
 * (through the flag, at ioq_south_attach_offer) south's. North does nothing on
 * the ring meanwhile (PAIRING holds its first operation), so no kick or enable
 * of it runs on the old barrier. True if paired.
 */
static bool link_pair(const struct stat *st)
{
	struct link_reg *e;
	struct vbus_link *n = NULL;
	bool paired = false;
	int p = LINK_FRESH;

	if (link_asym_register())
		return false;
	pthread_mutex_lock(&link_list_lock);
	for (e = link_list; e; e = e->next)
		if (e->dev == st->st_dev && e->ino == st->st_ino && e->pid == getpid()) {
			n = e->l;
			break;
		}
	if (n && __atomic_compare_exchange_n(&n->phase, &p, LINK_PAIRING, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		struct vbus_ioq_ring *r = n->q.ring;

		n->q.flags |= VBUS_IOQ_F_ASYM_MB;
		n->q.sig.asym_mb = link_asym_mb;
		WRITE_ONCE(r->flags, cpu_to_le16(le16_to_cpu(READ_ONCE(r->flags)) | VBUS_IOQ_F_ASYM_MB));
		/* release: the stores above before north's link_start reads PAIRED (its acquire) */
		__atomic_store_n(&n->phase, LINK_PAIRED, __ATOMIC_RELEASE);
		paired = true;
	}
	pthread_mutex_unlock(&link_list_lock);
	return paired;
}

static u64 link_data_off(u32 count)
{
	return (VBUS_IOQ_RING_SIZE((u64)count) + 63) & ~63ull;
}

LINK_EXPORT int vbus_link_create(const struct vbus_link_params *p, struct vbus_link **out)
{
	struct vbus_link *l;
	int ret;

	if (!p || !out || p->ring_count < VBUS_IOQ_MIN_COUNT || p->ring_count > VBUS_IOQ_MAX_COUNT ||
	    (p->ring_count & (p->ring_count - 1)) || p->buf_size == 0 || p->buf_size > VBUS_IOQ_MAX_LEN ||
	    (p->flags & ~(VBUS_LINK_EVENT_IDX | VBUS_LINK_ASYM_BARRIER | VBUS_LINK_SYM_BARRIER)) ||
	    ((p->flags & VBUS_LINK_ASYM_BARRIER) && (p->flags & VBUS_LINK_SYM_BARRIER)))
		return -EINVAL;
	/*
	 * SIG-14 by default where both ends turn out to be threads of this process: the ring starts on
	 * full fences and a south attaching here switches it (link_pair). VBUS_LINK_ASYM_BARRIER insists
	 * on the kernel's support; VBUS_LINK_SYM_BARRIER opts out.
	 */
	if ((p->flags & VBUS_LINK_ASYM_BARRIER) && link_asym_register())
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
	ret = ioq_north_init(&l->q, (struct vbus_ioq_ring *)l->region, p->ring_count,
			     (p->flags & VBUS_LINK_EVENT_IDX) ? VBUS_IOQ_F_EVENT_IDX : 0, 0, l->size);
	if (ret) {
		vbus_link_close(l);
		return ret;
	}
	l->rx_efd = l->fd[2];
	l->tx_efd = l->fd[1];
	l->stamp = (u64 *)(l->region + l->size - 64);
	if (!(p->flags & VBUS_LINK_SYM_BARRIER) && !link_asym_register()) {
		struct link_reg *e = malloc(sizeof(*e));
		struct stat st;

		if (e && !fstat(l->fd[0], &st)) { /* a south of this process may pair (link_pair) */
			*e = (struct link_reg){ .l = l, .dev = st.st_dev, .ino = st.st_ino, .pid = getpid() };
			pthread_mutex_lock(&link_list_lock);
			e->next = link_list;
			link_list = e;
			pthread_mutex_unlock(&link_list_lock);
			l->reg = e;
		} else {
			free(e); /* no pairing: full fences */
		}
	}
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
		/*
		 * Offer the asymmetric barrier only to a north of this process that pairs with us now
		 * (link_pair sets the ring flag); a ring with the flag from anywhere else is refused (§2.8).
		 */
		struct ioq_offer o = { .asym_mb = link_pair(&st) ? link_asym_mb : NULL };

		ret = ioq_south_attach_offer(&l->q, l->region, l->size, 0, &o);
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

/* A notification the core asked for (SHM_SIGNAL_NOTIFY): out of line, off the per-message path. */
static __attribute__((noinline)) void link_notify_peer(struct vbus_link *l)
{
	uint64_t one = 1;

	l->st.notifies++;
	/* relaxed: a timing hint for the peer's spin budget, stamped only when the peer asked */
	if (l->stamp && __atomic_load_n(&l->stamp[2 + VBUS_PEER(l->q.side)], __ATOMIC_RELAXED))
		__atomic_store_n(&l->stamp[VBUS_PEER(l->q.side)], now_ns(), __ATOMIC_RELAXED);
	/* a system call is a full barrier: I5 is ordered before it (§1.4) */
	while (write(l->tx_efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static inline void link_notify(struct vbus_link *l, int kick)
{
	if (unlikely(kick == SHM_SIGNAL_NOTIFY))
		link_notify_peer(l);
	else if (kick >= 0)
		l->st.suppressed++;
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
	u32 mask = l->q.cnt - 1, stride = (l->buf_size + 63) & ~63u, ni, i, k;
	int ret;

	if (l->q.side != VBUS_NORTH)
		return -EINVAL;
	if (unlikely(!l->started))
		link_start(l);
	/* cached indices: look at south's index only when we run out of slots */
	k = ioq_free_slots(&l->q);
	if (k < n) {
		ret = north_drain(l);
		if (ret < 0)
			return ret;
		k = ioq_free_slots(&l->q);
	}
	if (k > n)
		k = n;
	/*
	 * The fused push: each message straight into its slot's buffer and descriptor, then one publish.
	 * No cookie (IOQ-14): this library never hands a tag back (north_drain reclaims by index only).
	 * A length over buf_size fails the whole call before the publish (nothing sent), also one of the
	 * messages that do not fit now. (The link's fields stay loaded per message: copies of them held
	 * across the loop cost more per call, for a single message, than the loads they save in a burst.)
	 */
	ni = l->q.idx;
	for (i = 0; i < k; i++) {
		u32 slot = (ni + i) & mask;
		u64 off = l->data_off + (u64)slot * stride;

		if (unlikely(msgs[i].len > l->buf_size))
			return -EINVAL;
		link_copy(l->region + off, msgs[i].data, msgs[i].len);
		ioq_push_slot(&l->q, slot, off, msgs[i].len, 0);
	}
	for (; i < n; i++)
		if (msgs[i].len > l->buf_size)
			return -EINVAL;
	if (!k)
		return 0;
	ret = ioq_push_publish(&l->q, k);
	if (ret < 0)
		return ret;
	link_notify(l, ioq_kick(&l->q)); /* IOQ-6: one kick per batch */
	/* the next message's buffer line, for writing: its ownership request overlaps our wait */
	__builtin_prefetch(l->region + l->data_off + (u64)(l->q.idx & mask) * stride, 1);
	return k;
}

LINK_EXPORT unsigned int vbus_link_in_flight(const struct vbus_link *l)
{
	return l->q.idx - l->q.rc;
}

/*
 * South: consume everything available, a quarter ring per batch (one
 * south.index store each), and kick north after each quarter: a north asleep
 * on a full ring is woken once the first quarter is free, so its wake-up
 * overlaps the rest of this drain instead of starting when the ring is empty.
 * Notifications stay one per north sleep (the kicks after the first find
 * north's pending or dirty set: SUPPRESS, SIG-12). Each batch is the core's
 * fused pop: the descriptors checked in place (ioq_pop_desc, HOST-1) and
 * handed to the receiver's callback, the only indirect call per message.
 * Count or -EIO.
 */
static int south_drain(struct vbus_link *l)
{
	u32 chunk = l->q.cnt >= 4 ? l->q.cnt / 4 : l->q.cnt, mask = l->q.cnt - 1;
	int total = 0, n, i;

	for (;;) {
		n = ioq_pop_begin(&l->q, chunk);
		if (n == -EAGAIN)
			break;
		if (n < 0)
			goto broken;
		for (i = 0; i < n; i++) {
			struct ioq_desc_info d;
			u32 used;

			if (ioq_pop_desc(&l->q, i, &d)) {
				n = -EIO; /* a violation: nothing of this batch is published */
				goto broken;
			}
			if (l->hint) /* d.cookie: the ring index; d.offset: checked inside the region */
				l->hint[d.cookie & mask] = d.offset;
			used = l->rx_fn ? l->rx_fn(l->rx_arg, l->region + d.offset, d.len, d.cookie) : d.len;
			ioq_pop_used(&l->q, &d, used);
		}
		n = ioq_pop_end(&l->q, n);
		if (n < 0)
			goto broken;
		total += n;
		l->st.messages += n;
		/* IOQ-6: a completion kick per quarter ring, after its completions are published */
		link_notify(l, ioq_kick(&l->q));
		/* less than a chunk: all the index showed; pop again only if it moved (a hint, one load) */
		if ((u32)n < chunk && !ioq_peer_moved(&l->q))
			break;
	}
	return total;
broken:
	l->st.violations = l->q.violations;
	return n;
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

/*
 * A poller's spin on the peer's index alone, at most 64 polls (a hint: the drain fetches and checks the index
 * again); < 64 when it moved. South also prefetches the buffer its next slot named last time around the ring
 * (north's usual layout reuses it, l->hint: an offset the core validated before) with the very load that sees
 * north.index move: the prefetch's address is selected from that load's result without a branch. The spin's
 * exit is a mispredicted branch; a prefetch behind it waited for the pipeline to recover (and for the hint's
 * loads), a serial delay before the payload's transfer on every polled round trip. While the index has not
 * moved, the same prefetch names a line of south's private memory (the hint table itself): the buffer's line
 * must not be fetched while spinning, it would be taken from north between its write-prefetch and its write
 * (docs/spec/02-ioq.md §2.13).
 */
static inline unsigned int link_spin(struct vbus_link *l)
{
	uintptr_t next = l->hint ? (uintptr_t)(l->region + l->hint[l->q.idx & (l->q.cnt - 1)]) : 0;
	uintptr_t idle = (uintptr_t)l->hint;
	unsigned int k;

	for (k = 0; k < 64; k++) {
		uintptr_t moved;

		cpu_relax();
		moved = -(uintptr_t)ioq_peer_moved(&l->q);
		__asm__("" : "+r"(moved)); /* an all-ones or zero mask from here on: a select, not a branch */
		if (next)
			__builtin_prefetch((const void *)((next & moved) | (idle & ~moved)));
		if (moved)
			break;
	}
	return k;
}

static int link_wait(struct vbus_link *l, enum vbus_wait mode, int (*drain)(struct vbus_link *l))
{
	u64 deadline = 0;
	unsigned int spins = 0;
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
		if (link_spin(l) < 64)
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
	if (unlikely(!l->started))
		link_start(l);
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
		       "broken=%d violation=%s enabled=%d barrier=%s msgs=%llu notifies=%llu wakeups=%llu",
		       l->q.side == VBUS_NORTH ? "north" : "south",
		       le32_to_cpu(__atomic_load_n(&r->north.index, __ATOMIC_RELAXED)),
		       le32_to_cpu(__atomic_load_n(&r->south.index, __ATOMIC_RELAXED)),
		       le32_to_cpu(__atomic_load_n(&r->north.event, __ATOMIC_RELAXED)),
		       le32_to_cpu(__atomic_load_n(&r->south.event, __ATOMIC_RELAXED)), n >> 2 & 1, n >> 1 & 1, n & 1,
		       s >> 2 & 1, s >> 1 & 1, s & 1, l->q.idx, l->q.rc, l->q.kicked, l->q.broken,
		       l->q.violation ? l->q.violation : "none", l->enabled, l->q.sig.asym_mb ? "asym" : "full",
		       (unsigned long long)l->st.messages, (unsigned long long)l->st.notifies,
		       (unsigned long long)l->st.wakeups);
	return ret < 0 ? -EINVAL : ret;
}

LINK_EXPORT int vbus_link_asym(const struct vbus_link *l)
{
	return l->q.sig.asym_mb != NULL;
}

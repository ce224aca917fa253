// SPDX-License-Identifier: GPL-2.0
/*
 * South on a host thread, through the production core: attach to the ring
 * north initialised in the memfd (validated as untrusted memory), consume by
 * busy-polling, by blocking on the kick eventfd (KVM's ioeventfd signals it)
 * or spin-then-block, verify each message's sequence number and checksum,
 * write the reply word, complete, and notify north through the call eventfd
 * (KVM's irqfd turns it into an MSI in the guest).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "south.h"
#include "lab_abi.h"

enum { CONS_POLL, CONS_BLOCK, CONS_SPIN };
enum { MIT_NONE, MIT_SHM_SIGNAL, MIT_EVENT_INDEX, MIT_MODERATION };
#define WAKE_BUDGET 64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool stopped(struct lab_south *s)
{
	/* acquire: pairs with the release store in lab_south_stop (thread control, not a ring barrier) */
	return __atomic_load_n(&s->stop, __ATOMIC_ACQUIRE) != 0;
}

static void call(struct lab_south *s)
{
	uint64_t one = 1;

	s->calls++;
	/* a system call is a full barrier: the completion stores are ordered before the interrupt (§1.4) */
	while (write(s->call_efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static int pop_one(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	struct lab_south *s = arg;
	__u64 w[LAB_MSG_WORDS];
	uint64_t seq = s->received++;
	uint64_t *buf = (uint64_t *)(s->region + d->offset);

	/* the core checked offset + len against the region; copy once, then check the copy */
	if (d->len < sizeof(w) || (d->offset & 7)) {
		if (!s->bad++)
			s->first_bad = seq;
		*used = 0;
		return -EINVAL;
	}
	memcpy(w, buf, sizeof(w));
	if (w[0] != seq || w[6] != lab_csum(w)) {
		if (!s->bad++)
			s->first_bad = seq;
	}
	buf[7] = w[6] ^ LAB_REPLY_XOR; /* the echo north checks on reclaim */
	*used = d->len;
	return 0;
}

/* Consume everything available, then notify north per the mitigation; count or -errno. */
static int drain(struct lab_south *s)
{
	int total = 0, n, r;

	for (;;) {
		n = ioq_pop(&s->q, s->q.cnt, pop_one, s, NULL);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			s->violation = s->q.violation;
			return n;
		}
		total += n;
	}
	if (!total)
		return 0;
	r = ioq_kick(&s->q); /* one completion kick per drain (IOQ-6) */
	if (r < 0)
		return r;
	if (s->mitigation == MIT_NONE) {
		for (int i = 0; i < total; i++) /* none: one interrupt per completed descriptor */
			call(s);
	} else if (r == SHM_SIGNAL_NOTIFY) {
		call(s);
	} else {
		s->call_suppressed++;
	}
	return total;
}

struct drain_ctx {
	struct lab_south *s;
	int total, err;
};

static void drain_handler(void *arg)
{
	struct drain_ctx *c = arg;
	int n;

	if (c->err)
		return;
	n = drain(c->s);
	if (n < 0)
		c->err = n;
	else
		c->total += n;
}

static void read_kicks(struct lab_south *s)
{
	uint64_t v;
	struct pollfd p = { .fd = s->kick_efd, .events = POLLIN };

	while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
		if (read(s->kick_efd, &v, sizeof(v)) != sizeof(v))
			return;
		s->kicks_seen += v;
	}
}

/* Enabled wait: sleep on the kick eventfd, run §1 wakeup with the drain as handler. */
static int block(struct lab_south *s)
{
	struct drain_ctx c = { .s = s };
	int r;

	if (!s->enabled) {
		s->enabled = true;
		if (shm_signal_enable(&s->q.sig) == SHM_SIGNAL_SELF) /* SIG-4 */
			s->resched = true;
	}
	for (;;) {
		if (stopped(s))
			return -EINTR;
		if (!s->resched && (s->q.flags & VBUS_IOQ_F_EVENT_IDX)) {
			r = ioq_arm(&s->q, s->evidx_threshold);
			if (r < 0)
				return r;
			if (r == IOQ_READY)
				s->resched = true;
		}
		if (!s->resched) {
			struct pollfd p[2] = { { .fd = s->kick_efd, .events = POLLIN },
					       { .fd = s->stop_efd, .events = POLLIN } };

			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (p[1].revents)
				return -EINTR;
			read_kicks(s);
			s->wakeups++;
		}
		s->resched = false;
		r = shm_signal_wakeup(&s->q.sig, drain_handler, &c, WAKE_BUDGET, NULL);
		if (r == SHM_SIGNAL_RESCHED)
			s->resched = true;
		if (c.err)
			return c.err;
		if (c.total)
			return c.total;
		s->spurious++;
	}
}

static int wait_work(struct lab_south *s)
{
	uint64_t deadline = 0;
	unsigned int spins = 0;
	int n;

	if (s->consumer == CONS_BLOCK)
		return block(s);
	if (s->enabled && !s->resched) {
		shm_signal_disable(&s->q.sig);
		s->enabled = false;
	}
	if (s->consumer == CONS_SPIN)
		deadline = now_ns() + s->spin_ns;
	for (;;) {
		n = drain(s);
		if (n)
			return n;
		if (stopped(s))
			return -EINTR;
		__builtin_ia32_pause();
		if ((++spins & 63) != 0)
			continue;
		if (s->consumer == CONS_SPIN && now_ns() >= deadline)
			return block(s);
	}
}

static void *south_main(void *arg)
{
	struct lab_south *s = arg;
	sigset_t all;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* the VMM thread takes the watchdog signal */
	for (;;) {
		r = wait_work(s);
		if (r == -EINTR)
			break;
		if (r < 0) {
			s->error = r;
			s->violation = s->q.violation;
			break;
		}
	}
	return NULL;
}

int lab_south_start(struct lab_south *s)
{
	int r = ioq_south_attach(&s->q, s->region, s->region_size, 0);

	if (r) {
		s->violation = s->q.violation;
		return r;
	}
	r = pthread_create(&s->thread, NULL, south_main, s);
	if (r)
		return -r;
	s->started = true;
	return 0;
}

int lab_south_stop(struct lab_south *s)
{
	uint64_t one = 1;

	if (!s->started)
		return s->error;
	/* release: pairs with the acquire in stopped(); the eventfd write wakes a blocked poll */
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	if (write(s->stop_efd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	pthread_join(s->thread, NULL);
	s->started = false;
	read_kicks(s);
	return s->error;
}

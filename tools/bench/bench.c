// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-bench: baselines and vbus (libvbus over kernel/core) measured side by
 * side in one run, two threads pinned to CPUs 0 and 1. Prints a table (or
 * --json) with same-run ratios and the targets each ratio meets or misses;
 * --plot draws the ratios as a bar chart. Each figure is the median of --reps
 * runs. The figures are one table, `measurements[]`, and the same-run ratios
 * another, `ratios[]`: a new baseline is a row in each (plus its run function).
 *
 *   vbus-bench [--json] [--quick] [--reps N] [--plot FILE.png] [--model PARAMS|auto]
 *   vbus-bench stress [--mode threads|procs|both] [--messages N] [--seed S]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libvbus.h"
#include "bench.h"
#include "vbus_cli.h"
#include "vbusmodel/timing.h"

#define MSG 64
#define RING 1024
#define BURST 32

static int ncpus;

/* ------------------------------------------------------------- harness */

struct pair {
	void *(*fn[2])(void *);
	void *arg;
	int cpu[2];
	pthread_barrier_t start;
};

struct thread_arg {
	struct pair *p;
	int idx;
};

static void *pair_trampoline(void *a)
{
	struct thread_arg *ta = a;
	struct pair *p = ta->p;

	if (ncpus >= 2) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(p->cpu[ta->idx], &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	pthread_barrier_wait(&p->start);
	return p->fn[ta->idx](p->arg);
}

/* Run fn0 and fn1 on CPUs 0 and 1 after a common start barrier. */
static void run_pair(void *(*fn0)(void *), void *(*fn1)(void *), void *arg)
{
	struct pair p = { .fn = { fn0, fn1 }, .arg = arg, .cpu = { 0, 1 } };
	struct thread_arg ta[2] = { { &p, 0 }, { &p, 1 } };
	pthread_t t[2];
	int i;

	pthread_barrier_init(&p.start, NULL, 2);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pair_trampoline, &ta[i]);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&p.start);
}

double bench_now(void)
{
	return vbus_now_s();
}

void bench_run_pair(void *(*fn0)(void *), void *(*fn1)(void *), void *arg)
{
	run_pair(fn0, fn1, arg);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The figure --model compares with (docs/spec/06-timing.md TIM-3): the run cut into batches of `every`
 * messages (round trips), the median batch. A row's figure is its mean over the whole run; on a loaded
 * machine a thread descheduled for a time slice (milliseconds) dominates a mean, not a median batch.
 * bench_vbus_stream/rtt leave it in batch_figure (0: none) for measure() to keep beside the row's figure.
 */
#define BATCH_MAX 4096
/* The figures one row's run measures (out[0], and the further rows below it in measurements[]). */
#define RUN_OUTS 4
struct batch_clock {
	uint64_t every, next, n;
	double t[BATCH_MAX];
	uint64_t at[BATCH_MAX]; /* messages done at t[i] */
};
static double batch_figure;

static void batch_start(struct batch_clock *b, uint64_t total, uint64_t every)
{
	b->every = every > total / (BATCH_MAX - 1) ? every : total / (BATCH_MAX - 1) + 1;
	b->next = 0;
	b->n = 0;
}

/* @done messages (round trips) complete now: a stamp at each batch boundary crossed */
static inline void batch_tick(struct batch_clock *b, uint64_t done)
{
	if (done < b->next || b->n >= BATCH_MAX)
		return;
	b->t[b->n] = vbus_now_s();
	b->at[b->n++] = done;
	b->next = (done / b->every + 1) * b->every;
}

/* the median batch: messages per second (rate) or ns per round trip */
static double batch_median(struct batch_clock *b, int rate)
{
	double v[BATCH_MAX];
	int n = 0;

	for (uint64_t i = 1; i < b->n; i++) {
		double dt = b->t[i] - b->t[i - 1], dn = (double)(b->at[i] - b->at[i - 1]);

		if (dt > 0 && dn > 0)
			v[n++] = rate ? dn / dt : dt / dn * 1e9;
	}
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ------------------------------------------------------------- baselines */

/* Lamport SPSC ring with cached indices, 64-byte messages. */
struct spsc {
	_Alignas(64) uint32_t head; /* consumer */
	_Alignas(64) uint32_t tail; /* producer */
	_Alignas(64) uint8_t slot[RING][MSG];
	uint64_t n;
	unsigned int burst;
	double secs;
	uint64_t sink;
	struct batch_clock *bc; /* NULL: no batches; else the consumer stamps them, base + messages received */
	uint64_t base;
};

static void *spsc_producer(void *a)
{
	struct spsc *s = a;
	uint32_t tail = 0, head_cache = 0;
	uint8_t msg[MSG] = { 1 };
	uint64_t sent = 0;

	while (sent < s->n) {
		unsigned int k;

		while (tail - head_cache + s->burst > RING) {
			/* acquire: the consumer's slot reads before our reuse; pairs with its release of head */
			head_cache = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
			if (tail - head_cache + s->burst > RING)
				vbus_cpu_relax();
		}
		for (k = 0; k < s->burst; k++) {
			memcpy(&msg[8], &sent, 8);
			memcpy(s->slot[(tail + k) & (RING - 1)], msg, MSG);
			sent++;
		}
		tail += s->burst;
		/* release: slot writes before tail; pairs with the consumer's acquire of tail */
		__atomic_store_n(&s->tail, tail, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *spsc_consumer(void *a)
{
	struct spsc *s = a;
	uint32_t head = 0, tail_cache = 0;
	uint8_t msg[MSG];
	uint64_t got = 0, sum = 0;
	double t0 = vbus_now_s();

	if (s->bc)
		batch_tick(s->bc, s->base);
	while (got < s->n) {
		if (head == tail_cache) {
			/* acquire: tail before the slot reads; pairs with the producer's release of tail */
			tail_cache = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);
			if (head == tail_cache) {
				vbus_cpu_relax();
				continue;
			}
		}
		while (head != tail_cache) {
			memcpy(msg, s->slot[head & (RING - 1)], MSG);
			sum += msg[8];
			head++;
			got++;
		}
		/* release: slot reads before head; pairs with the producer's acquire of head */
		__atomic_store_n(&s->head, head, __ATOMIC_RELEASE);
		if (s->bc) /* as vb_stream_rx: a stamp check per drain */
			batch_tick(s->bc, s->base + got);
	}
	s->secs = vbus_now_s() - t0;
	s->sink = sum;
	return NULL;
}

/* One run of n messages (rounded down to the burst) on ring s, from empty indices: its seconds. */
static double spsc_run(struct spsc *s, uint64_t n, unsigned int burst)
{
	s->head = s->tail = 0;
	s->n = n - n % burst;
	s->burst = burst;
	run_pair(spsc_producer, spsc_consumer, s);
	return s->secs;
}

static struct spsc *spsc_new(void)
{
	struct spsc *s = aligned_alloc(64, sizeof(*s));

	if (s)
		memset(s, 0, sizeof(*s));
	return s;
}

static double bench_spsc(uint64_t n, unsigned int burst)
{
	struct spsc *s = spsc_new();
	double rate;

	if (!s)
		return 0;
	rate = (n - n % burst) / spsc_run(s, n, burst);
	free(s);
	return rate;
}

/*
 * One-cache-line spin ping-pong: the separate row (spin_pingpong) and, with a batch clock, the one
 * interleaved with the poll RTT (bench_vbus_rtt_poll_paired). The line on its own; the rest on another.
 */
struct spin_pp {
	_Alignas(64) uint64_t line;
	_Alignas(64) uint64_t iters, base; /* base: round trips of earlier chunks (the batch clock's count) */
	struct batch_clock *bc;		   /* NULL: no batches (the separate row) */
	double secs;
};

static inline void spin_tick(struct spin_pp *p, uint64_t done)
{
	if (p->bc)
		batch_tick(p->bc, p->base + done);
}

static void *spin_a(void *a)
{
	struct spin_pp *p = a;
	double t0 = vbus_now_s();
	uint64_t i;

	for (i = 1; i <= p->iters; i++) {
		spin_tick(p, i - 1);
		__atomic_store_n(&p->line, 2 * i - 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&p->line, __ATOMIC_ACQUIRE) != 2 * i)
			vbus_cpu_relax();
	}
	spin_tick(p, p->iters);
	p->secs = vbus_now_s() - t0;
	return NULL;
}

static void *spin_b(void *a)
{
	struct spin_pp *p = a;
	uint64_t i;

	for (i = 1; i <= p->iters; i++) {
		while (__atomic_load_n(&p->line, __ATOMIC_ACQUIRE) != 2 * i - 1)
			vbus_cpu_relax();
		__atomic_store_n(&p->line, 2 * i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double bench_spin_rtt(uint64_t iters)
{
	struct spin_pp *p = aligned_alloc(64, sizeof(*p));
	double ns;

	memset(p, 0, sizeof(*p));
	p->iters = iters;
	run_pair(spin_a, spin_b, p);
	ns = p->secs / iters * 1e9;
	free(p);
	return ns;
}

/* The eventfd ping-pong. */
struct pingpong {
	uint64_t iters;
	double secs;
	int efd[2];
};

static void *efd_a(void *a)
{
	struct pingpong *p = a;
	uint64_t one = 1, v, i;
	double t0 = vbus_now_s();

	for (i = 0; i < p->iters; i++) {
		if (write(p->efd[0], &one, 8) != 8 || read(p->efd[1], &v, 8) != 8)
			break;
	}
	p->secs = vbus_now_s() - t0;
	return NULL;
}

static void *efd_b(void *a)
{
	struct pingpong *p = a;
	uint64_t one = 1, v, i;

	for (i = 0; i < p->iters; i++) {
		if (read(p->efd[0], &v, 8) != 8 || write(p->efd[1], &one, 8) != 8)
			break;
	}
	return NULL;
}

static double bench_eventfd_rtt(uint64_t iters)
{
	struct pingpong p = { .iters = iters };
	double ns;

	p.efd[0] = eventfd(0, 0);
	p.efd[1] = eventfd(0, 0);
	run_pair(efd_a, efd_b, &p);
	ns = p.secs / iters * 1e9;
	close(p.efd[0]);
	close(p.efd[1]);
	return ns;
}

/*
 * What decides whether the asymmetric barrier (spec §1.3.2) pays: the sender
 * would drop one full fence per kick (a store to a line the peer reads, then
 * the fence: the kick's pattern), the receiver pays one membarrier() per
 * MB-ENABLE instead (SIG-14; libvbus's command on an in-process link, MEMBARRIER_CMD_PRIVATE_EXPEDITED).
 * Both measured with the peer thread running on the other CPU (spinning on the line), as it would be.
 */
struct asym_cost {
	_Alignas(64) uint64_t line;
	_Alignas(64) uint64_t done;
	uint64_t iters;
	int membarrier; /* 1: time membarrier(), 0: time store + fence */
	double secs;
};

static long sys_membarrier(int cmd)
{
	return syscall(__NR_membarrier, cmd, 0, 0);
}

static void *asym_timer(void *a)
{
	struct asym_cost *c = a;
	double t0 = vbus_now_s();

	for (uint64_t i = 0; i < c->iters; i++) {
		if (c->membarrier) {
			if (sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED))
				break;
		} else {
			__atomic_store_n(&c->line, i, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		}
	}
	c->secs = vbus_now_s() - t0;
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *asym_peer(void *a)
{
	struct asym_cost *c = a;
	uint64_t sink = 0;

	while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE))
		sink += __atomic_load_n(&c->line, __ATOMIC_RELAXED);
	__atomic_store_n(&c->line, sink, __ATOMIC_RELAXED);
	return NULL;
}

/* ns per operation: a store + full fence, or (membarrier) one private expedited membarrier(); 0 if unavailable. */
static double bench_asym_cost(uint64_t iters, int membarrier)
{
	struct asym_cost *c = aligned_alloc(64, sizeof(*c));
	double ns = 0;

	if (!c)
		return 0;
	memset(c, 0, sizeof(*c));
	c->iters = iters;
	c->membarrier = membarrier;
	if (membarrier && sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)) {
		fprintf(stderr, "vbus-bench: membarrier(REGISTER_PRIVATE_EXPEDITED): %s\n", strerror(errno));
		free(c);
		return 0;
	}
	run_pair(asym_timer, asym_peer, c);
	ns = c->secs / iters * 1e9;
	free(c);
	return ns;
}

/* ------------------------------------------------------------- vbus */

struct vb {
	struct vbus_link *north, *south;
	uint64_t n;
	unsigned int burst;
	enum vbus_wait rx_mode, tx_mode;
	double secs;
	int err;
	uint32_t link_flags; /* VBUS_LINK_* for vb_open */
	uint64_t base;	     /* round trips done by earlier chunks of the same row (batch clock) */
	/*
	 * Written by the receiving thread per message: on a line of its own, so the harness does not
	 * take the line holding the sender's fields (n, north, ...) once per message (false sharing
	 * the baselines do not have: the SPSC ring writes its sink once, at the end).
	 */
	_Alignas(64) uint64_t sink;
	_Alignas(64) struct batch_clock bc; /* --model: the run in batches */
};

static int vb_open(struct vb *v, uint32_t ring)
{
	struct vbus_link_params lp = { .ring_count = ring, .buf_size = MSG, .flags = v->link_flags };
	int fds[VBUS_LINK_NFDS], i, ret;
	static int told;
	long cmds;

	/* both ends in this process: the default link has the asymmetric barrier (SIG-14) where the kernel has it */
	cmds = sys_membarrier(MEMBARRIER_CMD_QUERY);
	if (!told++ && !(lp.flags & VBUS_LINK_SYM_BARRIER) && (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED)))
		fprintf(stderr, "vbus-bench: no membarrier(PRIVATE_EXPEDITED): the vbus rows run with full fences\n");
	ret = vbus_link_create(&lp, &v->north);
	if (ret)
		return ret;
	vbus_link_fds(v->north, fds);
	for (i = 0; i < VBUS_LINK_NFDS; i++)
		fds[i] = dup(fds[i]);
	ret = vbus_link_attach(fds, &v->south);
	if (ret)
		vbus_link_close(v->north);
	return ret;
}

static void vb_close(struct vb *v)
{
	vbus_link_close(v->south);
	vbus_link_close(v->north);
}

static uint32_t rx_copy(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	struct vb *v = arg;
	uint8_t msg[MSG];

	(void)cookie;
	/* the baselines copy their fixed 64 bytes; a variable-length copy would add a libc call they do not pay */
	if (len == MSG)
		memcpy(msg, data, MSG);
	else
		memcpy(msg, data, len < MSG ? len : MSG);
	v->sink += msg[8];
	return len;
}

static void *vb_stream_tx(void *a)
{
	struct vb *v = a;
	struct vbus_link_msg m[BURST];
	uint8_t msg[BURST][MSG];
	uint64_t sent = 0;
	unsigned int k;
	int ret;

	memset(msg, 1, sizeof(msg));
	while (sent < v->n) {
		for (k = 0; k < v->burst; k++) {
			memcpy(&msg[k][8], &sent, 8);
			m[k] = (struct vbus_link_msg){ .data = msg[k], .len = MSG, .cookie = sent + k };
		}
		ret = vbus_link_send(v->north, m, v->burst);
		if (ret < 0) {
			v->err = ret;
			return NULL;
		}
		if ((unsigned int)ret < v->burst) {
			/* ring full: the rest of the burst waits for completions */
			unsigned int done = ret;

			while (done < v->burst) {
				ret = vbus_link_wait_done(v->north, v->tx_mode);
				if (ret < 0) {
					v->err = ret;
					return NULL;
				}
				ret = vbus_link_send(v->north, m + done, v->burst - done);
				if (ret < 0) {
					v->err = ret;
					return NULL;
				}
				done += ret;
			}
		}
		sent += v->burst;
	}
	return NULL;
}

static void *vb_stream_rx(void *a)
{
	struct vb *v = a;
	uint64_t got = 0;
	double t0 = vbus_now_s();
	int ret;

	batch_tick(&v->bc, v->base);
	while (got < v->n) {
		ret = vbus_link_recv(v->south, v->rx_mode, rx_copy, v);
		if (ret < 0) {
			v->err = ret;
			break;
		}
		got += ret;
		batch_tick(&v->bc, v->base + got);
	}
	v->secs = vbus_now_s() - t0;
	return NULL;
}

struct stream_result {
	double rate;
	double notif_per_msg;
};

static struct stream_result bench_vbus_stream(uint64_t n, unsigned int burst, enum vbus_wait mode, uint32_t link_flags)
{
	struct vb v = {
		.n = n - n % burst, .burst = burst, .rx_mode = mode, .tx_mode = mode, .link_flags = link_flags
	};
	struct stream_result r = { 0, 0 };
	struct vbus_link_stats sn, ss;

	if (vb_open(&v, RING))
		return r;
	batch_start(&v.bc, v.n, 4096);
	run_pair(vb_stream_tx, vb_stream_rx, &v);
	vbus_link_get_stats(v.north, &sn);
	vbus_link_get_stats(v.south, &ss);
	if (!v.err) {
		r.rate = v.n / v.secs;
		r.notif_per_msg = (double)(sn.notifies + ss.notifies) / v.n;
		batch_figure = batch_median(&v.bc, 1);
	} else {
		fprintf(stderr, "vbus stream: %s\n", strerror(-v.err));
	}
	vb_close(&v);
	return r;
}

/*
 * The streaming goals (vbus >= 0.9x the SPSC ring), paired: the vbus poll stream and the SPSC ring run the same
 * messages in alternating chunks of a tenth of the run each (which goes first alternates), the link and the ring
 * each kept across their chunks. The separate rows (vbus_stream_single, spsc_single, ...) are measured seconds
 * apart, and the vCPUs' placement here can flip between them (a line transfer ~40 ns or ~200 ns one way): one
 * run printed single / SPSC = 2.67. Chunks interleaved see the same placements. out[0]: vbus messages per second
 * over its chunks, out[1]: the SPSC ring's; out[2], out[3]: the same, each the median of its batches of 4096
 * messages (struct batch_clock): on a loaded machine a descheduled thread dominates the means (at load 8 here
 * the SPSC ring's single stream measured 0.5-5 M/s against 87 M/s quiet), not the median batches.
 */
static void bench_stream_spsc_paired(uint64_t n, unsigned int burst, double out[RUN_OUTS])
{
	static struct vb v;		   /* its batch clock is large; one row runs at a time */
	static struct batch_clock spsc_bc; /* the SPSC ring's */
	uint64_t chunk = n / 10 - n / 10 % BURST, done = 0;
	double v_secs = 0, s_secs = 0;
	struct spsc *s = spsc_new();

	out[0] = out[1] = out[2] = out[3] = 0;
	if (!s)
		return;
	if (chunk < BURST)
		chunk = BURST;
	batch_start(&spsc_bc, n, 4096);
	s->bc = &spsc_bc;
	memset(&v, 0, sizeof(v));
	v.burst = burst;
	v.rx_mode = v.tx_mode = VBUS_WAIT_POLL;
	if (vb_open(&v, RING)) {
		free(s);
		return;
	}
	batch_start(&v.bc, n, 4096);
	for (unsigned int k = 0; done + chunk <= n && !v.err; k++) {
		for (int j = 0; j < 2; j++) {
			if ((k + j) % 2) {
				s->base = done;
				s_secs += spsc_run(s, chunk, burst);
				continue;
			}
			v.n = chunk;
			v.base = done;
			run_pair(vb_stream_tx, vb_stream_rx, &v);
			v_secs += v.secs;
		}
		done += chunk;
	}
	if (!v.err && done) {
		out[0] = done / v_secs;
		out[1] = done / s_secs;
		out[2] = batch_median(&v.bc, 1);
		out[3] = batch_median(&spsc_bc, 1);
	} else {
		fprintf(stderr, "vbus stream: %s\n", strerror(-v.err));
	}
	vb_close(&v);
	free(s);
}

/*
 * The default wait's stream against the poll stream, paired: two links open side by side, the same
 * messages in alternating chunks of a tenth of the run each (which goes first alternates too), each link
 * kept across its chunks (the adaptive spin budget keeps what it measured). As for the blocking RTT
 * (bench_vbus_rtt_paired): the poll stream's row is measured seconds apart, here 5-22 M/s from one run to
 * the next, so the goal's ratio is taken on chunks that saw the same placement. out[0]: default wait,
 * messages per second over its chunks, out[1]: its notifications per message, out[2]: the poll stream's
 * messages per second over its chunks.
 */
static void bench_vbus_stream_paired(uint64_t n, double out[RUN_OUTS])
{
	static struct vb vs, vp; /* their batch clocks are large; one row runs at a time */
	uint64_t chunk = n / 10 - n / 10 % BURST, done = 0;
	double s_secs = 0, p_secs = 0;
	struct vbus_link_stats sn, ss;

	out[0] = out[1] = out[2] = 0;
	if (chunk < BURST)
		chunk = BURST;
	memset(&vs, 0, sizeof(vs));
	memset(&vp, 0, sizeof(vp));
	vs.burst = vp.burst = BURST;
	vs.rx_mode = vs.tx_mode = VBUS_WAIT_DEFAULT;
	vp.rx_mode = vp.tx_mode = VBUS_WAIT_POLL;
	if (vb_open(&vs, RING))
		return;
	if (vb_open(&vp, RING)) {
		vb_close(&vs);
		return;
	}
	batch_start(&vs.bc, n, 4096);
	batch_start(&vp.bc, n, 4096); /* ticked too, not reported */
	for (unsigned int k = 0; done + chunk <= n && !vs.err && !vp.err; k++) {
		for (int j = 0; j < 2; j++) {
			struct vb *v = (k + j) % 2 ? &vp : &vs;

			v->n = chunk;
			v->base = done;
			run_pair(vb_stream_tx, vb_stream_rx, v);
			*(v == &vs ? &s_secs : &p_secs) += v->secs;
		}
		done += chunk;
	}
	vbus_link_get_stats(vs.north, &sn);
	vbus_link_get_stats(vs.south, &ss);
	if (!vs.err && !vp.err && done) {
		out[0] = done / s_secs;
		out[1] = (double)(sn.notifies + ss.notifies) / done;
		out[2] = done / p_secs;
		batch_figure = batch_median(&vs.bc, 1);
	} else {
		fprintf(stderr, "vbus stream: %s\n", strerror(-(vs.err ? vs.err : vp.err)));
	}
	vb_close(&vp);
	vb_close(&vs);
}

static void *vb_rtt_north(void *a)
{
	struct vb *v = a;
	uint8_t msg[MSG] = { 1 };
	struct vbus_link_msg m = { .data = msg, .len = MSG };
	double t0 = vbus_now_s();
	uint64_t i;
	int ret;

	for (i = 0; i < v->n; i++) {
		batch_tick(&v->bc, v->base + i);
		m.cookie = i;
		ret = vbus_link_send(v->north, &m, 1);
		if (ret == 1)
			ret = vbus_link_wait_done(v->north, v->tx_mode);
		if (ret < 0 || ret != 1) {
			v->err = ret < 0 ? ret : -EPROTO;
			break;
		}
	}
	v->secs = vbus_now_s() - t0;
	batch_tick(&v->bc, v->base + i);
	vbus_link_interrupt(v->south);
	return NULL;
}

static void *vb_rtt_south(void *a)
{
	struct vb *v = a;

	while (vbus_link_recv(v->south, v->rx_mode, rx_copy, v) > 0)
		;
	return NULL;
}

static double bench_vbus_rtt(uint64_t iters, enum vbus_wait mode, uint32_t link_flags)
{
	struct vb v = { .n = iters, .rx_mode = mode, .tx_mode = mode, .link_flags = link_flags };
	double ns = 0;

	if (vb_open(&v, 64))
		return 0;
	batch_start(&v.bc, iters, mode == VBUS_WAIT_BLOCK ? 8 : 64);
	run_pair(vb_rtt_north, vb_rtt_south, &v);
	if (!v.err) {
		ns = v.secs / iters * 1e9;
		batch_figure = batch_median(&v.bc, 0);
	} else
		fprintf(stderr, "vbus rtt: %s\n", strerror(-v.err));
	vb_close(&v);
	return ns;
}

/*
 * The blocking RTT against the eventfd ping-pong and against our two virtqueues' blocking round trips (vq.c:
 * split with EVENT_IDX, packed with ENABLE/DISABLE event suppression), paired: the four measured in chunks of
 * BLOCK_RTT_CHUNK round trips, the order rotating from chunk to chunk (each goes first, second, ... equally
 * often), a fresh link, fresh eventfds and a fresh ring per chunk; the same 64-byte payload and pinning. A
 * blocking round trip is two wake-ups, whose cost here moves by +-30 % from one 10 ms chunk to the next
 * (the vCPUs' placement, the other tenants): rows measured seconds apart compare two regimes, chunks
 * interleaved compare the same ones. Each figure is the same statistic, ns per round trip over all its
 * chunks (the mean the goal's vbus_rtt_block has always been). out[0]: vbus, out[1]: the eventfd ping-pong,
 * out[2]: the split virtqueue, out[3]: the packed virtqueue (0: that baseline could not be set up).
 */
#define BLOCK_RTT_CHUNK 250
enum { BRTT_VBUS, BRTT_EVENTFD, BRTT_SPLIT, BRTT_PACKED, BRTT_N };
static void bench_vbus_rtt_paired(uint64_t iters, double out[RUN_OUTS])
{
	static struct vb v;	   /* its batch clock is large; one row runs at a time */
	double ns[BRTT_N] = { 0 }; /* per contender: ns per round trip x round trips, summed over its chunks */
	int vq_failed[BRTT_N] = { 0 };
	uint64_t done = 0;

	memset(&v, 0, sizeof(v));
	v.rx_mode = v.tx_mode = VBUS_WAIT_BLOCK;
	for (int i = 0; i < RUN_OUTS; i++)
		out[i] = 0;
	batch_start(&v.bc, iters, 8);
	for (unsigned int k = 0; done < iters; k++) {
		uint64_t n = iters - done < BLOCK_RTT_CHUNK ? iters - done : BLOCK_RTT_CHUNK;

		for (int j = 0; j < BRTT_N; j++) {
			int which = (k + j) % BRTT_N; /* the order rotates from chunk to chunk */
			double o[2];

			switch (which) {
			case BRTT_VBUS:
				if (vb_open(&v, 64))
					return;
				v.n = n;
				v.base = done;
				run_pair(vb_rtt_north, vb_rtt_south, &v);
				vb_close(&v);
				if (v.err) {
					fprintf(stderr, "vbus rtt: %s\n", strerror(-v.err));
					return;
				}
				ns[which] += v.secs * 1e9;
				break;
			case BRTT_EVENTFD:
				ns[which] += bench_eventfd_rtt(n) * n;
				break;
			default:
				bench_vq_run(&(struct bench_vq){ which == BRTT_SPLIT ? BENCH_VQ_SPLIT : BENCH_VQ_PACKED,
								 BENCH_VQ_BLOCK_RTT, 1 },
					     n, o);
				vq_failed[which] |= !(o[0] > 0);
				ns[which] += o[0] * n;
				break;
			}
		}
		done += n;
	}
	for (int i = 0; i < BRTT_N; i++)
		out[i] = vq_failed[i] ? 0 : ns[i] / iters;
	batch_figure = batch_median(&v.bc, 0);
}

/*
 * The poll RTT goal, paired: vbus poll round trips, the one-line spin ping-pong and the three-line floor
 * below in alternating chunks of POLL_RTT_CHUNK round trips within one row (the order rotates from chunk
 * to chunk, a fresh link per chunk), each figure the median of its 64-round-trip batches. Two reasons. The vCPUs'
 * placement here moves the cost of a line transfer between ~35 ns and ~200 ns one way within minutes, so rows measured
 * seconds apart can compare two regimes (vbus_rtt_poll / spin_pingpong read 1.5-1.75 in the fast one and 0.8-1.0 in the
 * slow one). And on a loaded machine a spinner descheduled for a time slice dominates a mean: at load 15 the separate
 * rows' means were 4 us (vbus) and 24 us (ping-pong) against medians of 0.1-0.4 us, a ratio of 0.17 that measured the
 * scheduler. out[0]: vbus, out[1]: the ping-pong, out[2]: the floor, median batches in ns per round trip.
 */
#define POLL_RTT_CHUNK 8192

/*
 * The floor of a ring that moves a 64-byte message on a line of its own (docs/spec/02-ioq.md §2.13): a
 * hand-written three-line protocol with no bookkeeping at all, measured in the same chunks. North writes the
 * slot's 64 bytes, releases its index (one line), write-prefetches the next slot as libvbus does; south spins
 * on that index, copies the slot (a second line, after the first), releases its own index (a third line). Each
 * side fences after its index store as the default link's kick does. It is a reference, not a bound: at the
 * fast placement it read 1.44-1.8x the ping-pong from run to run, the ring 1.5-1.6x.
 */
struct floor3 {
	_Alignas(64) uint64_t ni;
	_Alignas(64) uint64_t si;
	_Alignas(64) uint8_t buf[64][MSG];
	_Alignas(64) uint64_t iters, base, sink;
	struct batch_clock *bc;
};

static void *floor3_north(void *a)
{
	struct floor3 *f = a;
	uint8_t msg[MSG] = { 1 };
	uint64_t i;

	for (i = 1; i <= f->iters; i++) {
		batch_tick(f->bc, f->base + i - 1);
		memcpy(f->buf[i & 63], msg, MSG);
		__atomic_store_n(&f->ni, i, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the full barrier of the default link's kick (MB-PUBLISH) */
		__builtin_prefetch(f->buf[(i + 1) & 63], 1);
		while (__atomic_load_n(&f->si, __ATOMIC_ACQUIRE) != i)
			vbus_cpu_relax();
	}
	batch_tick(f->bc, f->base + f->iters);
	return NULL;
}

static void *floor3_south(void *a)
{
	struct floor3 *f = a;
	uint64_t i, sink = 0;

	for (i = 1; i <= f->iters; i++) {
		uint8_t m[MSG];

		while (__atomic_load_n(&f->ni, __ATOMIC_ACQUIRE) != i)
			vbus_cpu_relax();
		memcpy(m, f->buf[i & 63], MSG);
		sink += m[8];
		__atomic_store_n(&f->si, i, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* as south's completion kick */
	}
	f->sink = sink;
	return NULL;
}

static void bench_vbus_rtt_poll_paired(uint64_t iters, double out[RUN_OUTS])
{
	static struct vb v;			     /* its batch clock is large; one row runs at a time */
	static struct batch_clock spin_bc, floor_bc; /* the ping-pong's, the three-line floor's */
	struct spin_pp *sp = aligned_alloc(64, sizeof(*sp));
	struct floor3 *f3 = aligned_alloc(64, sizeof(*f3));
	uint64_t done = 0;
	int err = 0;

	out[0] = out[1] = out[2] = 0;
	if (!sp || !f3) {
		free(sp);
		free(f3);
		return;
	}
	memset(&v, 0, sizeof(v));
	v.rx_mode = v.tx_mode = VBUS_WAIT_POLL;
	batch_start(&v.bc, iters, 64);
	batch_start(&spin_bc, iters, 64);
	batch_start(&floor_bc, iters, 64);
	for (unsigned int k = 0; done < iters; k++) {
		uint64_t n = iters - done < POLL_RTT_CHUNK ? iters - done : POLL_RTT_CHUNK;

		for (int j = 0; j < 3; j++) {
			int which = (k + j) % 3; /* the order rotates from chunk to chunk */

			if (which == 0) { /* the ping-pong */
				memset(sp, 0, sizeof(*sp));
				sp->iters = n;
				sp->base = done;
				sp->bc = &spin_bc;
				run_pair(spin_a, spin_b, sp);
			} else if (which == 1) { /* the three-line floor */
				memset(f3, 0, sizeof(*f3));
				f3->iters = n;
				f3->base = done;
				f3->bc = &floor_bc;
				run_pair(floor3_north, floor3_south, f3);
				v.sink += f3->sink;
			} else {
				err = vb_open(&v, 64);
				if (err)
					break;
				v.n = n;
				v.base = done;
				run_pair(vb_rtt_north, vb_rtt_south, &v);
				vb_close(&v);
				err = v.err;
				if (err)
					break;
			}
		}
		if (err) {
			fprintf(stderr, "vbus rtt: %s\n", strerror(-err));
			free(sp);
			free(f3);
			return;
		}
		done += n;
	}
	free(sp);
	free(f3);
	out[0] = batch_median(&v.bc, 0);
	out[1] = batch_median(&spin_bc, 0);
	out[2] = batch_median(&floor_bc, 0);
	batch_figure = out[0];
}

/* ------------------------------------------------------------- the measurements, one table */

/* Repetitions per figure (--reps): the median is taken over at most this many. */
#define BENCH_MAX_REPS 16

struct bench_cfg {
	uint64_t stream_n, rtt_n, block_n;
};

enum unit { U_MSGS_PER_S, U_RTT_NS, U_PER_MSG, U_NS_OP };
/* the JSON key of each unit: the same key as vbus-model's for the same quantity (docs/cli.md) */
static const char *const unit_key[] = { "msgs_per_s", "rtt_ns", "notifications_per_message", "ns_per_op" };

/* A run measures one figure into out[0] (and, for a vbus stream, notifications per message into out[1]; the paired
 * rows their interleaved baselines into out[1..RUN_OUTS-1]). */
typedef void (*run_fn)(const struct bench_cfg *c, double out[RUN_OUTS]);

#define RUN(name, expr)                                                                                                \
	static void name(const struct bench_cfg *c, double out[RUN_OUTS])                                              \
	{                                                                                                              \
		(void)c;                                                                                               \
		out[0] = (expr);                                                                                       \
	}
RUN(run_spsc1, bench_spsc(c->stream_n, 1))
RUN(run_spsc32, bench_spsc(c->stream_n, BURST))
RUN(run_spin_rtt, bench_spin_rtt(c->rtt_n))
RUN(run_efd_rtt, bench_eventfd_rtt(c->block_n))
RUN(run_fence_cost, bench_asym_cost(c->rtt_n * 10, 0))
RUN(run_membarrier_cost, bench_asym_cost(c->block_n, 1))
RUN(run_poll_rtt, bench_vbus_rtt(c->rtt_n, VBUS_WAIT_POLL, 0))
RUN(run_block_rtt_sym, bench_vbus_rtt(c->block_n, VBUS_WAIT_BLOCK, VBUS_LINK_SYM_BARRIER))
#undef RUN

/* The virtqueue rows: one entry point (vq.c), the ring, mode, burst and message count named here. */
#define RUN_VQ(name, ring, mode, burst, n)                                                                             \
	static void name(const struct bench_cfg *c, double out[RUN_OUTS])                                              \
	{                                                                                                              \
		bench_vq_run(&(struct bench_vq){ BENCH_VQ_##ring, BENCH_VQ_##mode, burst }, c->n, out);                \
	}
RUN_VQ(run_split1, SPLIT, STREAM, 1, stream_n)
RUN_VQ(run_split32, SPLIT, STREAM, BURST, stream_n)
RUN_VQ(run_packed1, PACKED, STREAM, 1, stream_n)
RUN_VQ(run_packed32, PACKED, STREAM, BURST, stream_n)
RUN_VQ(run_split_rtt, SPLIT, RTT, 1, rtt_n)
RUN_VQ(run_packed_rtt, PACKED, RTT, 1, rtt_n)
RUN_VQ(run_split_brtt, SPLIT, BLOCK_RTT, 1, block_n)
RUN_VQ(run_packed_brtt, PACKED, BLOCK_RTT, 1, block_n)
RUN_VQ(run_split_bstream, SPLIT, BLOCK_STREAM, BURST, stream_n)
RUN_VQ(run_packed_bstream, PACKED, BLOCK_STREAM, BURST, stream_n)
#undef RUN_VQ

static void run_poll_rtt_paired(const struct bench_cfg *c, double out[RUN_OUTS])
{
	bench_vbus_rtt_poll_paired(c->rtt_n, out);
}

static void run_block_rtt(const struct bench_cfg *c, double out[RUN_OUTS])
{
	bench_vbus_rtt_paired(c->block_n, out);
}

static void run_vb_stream(uint64_t n, unsigned int burst, enum vbus_wait mode, double out[RUN_OUTS])
{
	struct stream_result s = bench_vbus_stream(n, burst, mode, 0);

	out[0] = s.rate;
	out[1] = s.notif_per_msg;
}

static void run_vb1(const struct bench_cfg *c, double out[RUN_OUTS])
{
	run_vb_stream(c->stream_n, 1, VBUS_WAIT_POLL, out);
}

/* the same link with full fences (VBUS_LINK_SYM_BARRIER: what a cross-process link gets), a fence per kick */
static void run_vb1_sym(const struct bench_cfg *c, double out[RUN_OUTS])
{
	struct stream_result s = bench_vbus_stream(c->stream_n, 1, VBUS_WAIT_POLL, VBUS_LINK_SYM_BARRIER);

	out[0] = s.rate;
	out[1] = s.notif_per_msg;
}

static void run_vb32(const struct bench_cfg *c, double out[RUN_OUTS])
{
	run_vb_stream(c->stream_n, BURST, VBUS_WAIT_POLL, out);
}

static void run_vb1_spsc_paired(const struct bench_cfg *c, double out[RUN_OUTS])
{
	bench_stream_spsc_paired(c->stream_n, 1, out);
}

static void run_vb32_spsc_paired(const struct bench_cfg *c, double out[RUN_OUTS])
{
	bench_stream_spsc_paired(c->stream_n, BURST, out);
}

static void run_spin_stream(const struct bench_cfg *c, double out[RUN_OUTS])
{
	bench_vbus_stream_paired(c->stream_n, out);
}

static void run_block_stream(const struct bench_cfg *c, double out[RUN_OUTS])
{
	run_vb_stream(c->stream_n, BURST, VBUS_WAIT_BLOCK, out);
}

/* The figures. Rows with run == NULL are the further figures (out[1], out[2], ...) of the row above, same run. */
struct measurement {
	const char *key;   /* JSON "key" */
	const char *label; /* table */
	enum unit unit;
	int vbus; /* 1: a vbus figure, 0: a baseline */
	run_fn run;
};

static const struct measurement measurements[] = {
	{ "spsc_single", "SPSC ring, single", U_MSGS_PER_S, 0, run_spsc1 },
	{ "spsc_burst32", "SPSC ring, burst 32", U_MSGS_PER_S, 0, run_spsc32 },
	{ "spin_pingpong", "spin ping-pong (one line)", U_RTT_NS, 0, run_spin_rtt },
	{ "eventfd_pingpong", "eventfd ping-pong", U_RTT_NS, 0, run_efd_rtt },
	{ "fence_cost", "store + full fence (sender's MB per kick)", U_NS_OP, 0, run_fence_cost },
	{ "membarrier_cost", "membarrier() (receiver's asymmetric MB)", U_NS_OP, 0, run_membarrier_cost },
	{ "split_vq_single", "split virtqueue (ours), single", U_MSGS_PER_S, 0, run_split1 },
	{ "split_vq_burst32", "split virtqueue (ours), burst 32", U_MSGS_PER_S, 0, run_split32 },
	{ "packed_vq_single", "packed virtqueue (ours), single", U_MSGS_PER_S, 0, run_packed1 },
	{ "packed_vq_burst32", "packed virtqueue (ours), burst 32", U_MSGS_PER_S, 0, run_packed32 },
	{ "split_vq_rtt_poll", "split virtqueue (ours) RTT, poll", U_RTT_NS, 0, run_split_rtt },
	{ "packed_vq_rtt_poll", "packed virtqueue (ours) RTT, poll", U_RTT_NS, 0, run_packed_rtt },
	{ "split_vq_rtt_block", "split virtqueue (ours) RTT, block", U_RTT_NS, 0, run_split_brtt },
	{ "packed_vq_rtt_block", "packed virtqueue (ours) RTT, block", U_RTT_NS, 0, run_packed_brtt },
	{ "split_vq_stream_block", "split virtqueue (ours) stream, block", U_MSGS_PER_S, 0, run_split_bstream },
	{ "split_vq_stream_block_notif", "  notifications per message", U_PER_MSG, 0, NULL },
	{ "packed_vq_stream_block", "packed virtqueue (ours) stream, block", U_MSGS_PER_S, 0, run_packed_bstream },
	{ "packed_vq_stream_block_notif", "  notifications per message", U_PER_MSG, 0, NULL },
	{ "vbus_stream_single", "vbus stream, single, poll", U_MSGS_PER_S, 1, run_vb1 },
	{ "vbus_stream_single_notif", "  notifications per message", U_PER_MSG, 1, NULL },
	{ "vbus_stream_burst32", "vbus stream, burst 32, poll", U_MSGS_PER_S, 1, run_vb32 },
	{ "vbus_stream_burst32_notif", "  notifications per message", U_PER_MSG, 1, NULL },
	{ "vbus_stream_single_paired", "vbus stream, single, poll, interleaved with SPSC", U_MSGS_PER_S, 1,
	  run_vb1_spsc_paired },
	{ "spsc_single_paired", "  SPSC ring, single, interleaved with it", U_MSGS_PER_S, 0, NULL },
	{ "vbus_stream_single_paired_median", "  vbus stream, single, interleaved, median batch", U_MSGS_PER_S, 1,
	  NULL },
	{ "spsc_single_paired_median", "  SPSC ring, single, interleaved, median batch", U_MSGS_PER_S, 0, NULL },
	{ "vbus_stream_burst32_spsc_paired", "vbus stream, burst 32, poll, interleaved with SPSC", U_MSGS_PER_S, 1,
	  run_vb32_spsc_paired },
	{ "spsc_burst32_paired", "  SPSC ring, burst 32, interleaved with it", U_MSGS_PER_S, 0, NULL },
	{ "vbus_stream_burst32_spsc_paired_median", "  vbus stream, burst 32, interleaved, median batch", U_MSGS_PER_S,
	  1, NULL },
	{ "spsc_burst32_paired_median", "  SPSC ring, burst 32, interleaved, median batch", U_MSGS_PER_S, 0, NULL },
	{ "vbus_rtt_poll", "vbus RTT, poll", U_RTT_NS, 1, run_poll_rtt },
	{ "vbus_rtt_poll_median", "vbus RTT, poll, median batch", U_RTT_NS, 1, run_poll_rtt_paired },
	{ "spin_pingpong_paired", "  spin ping-pong, interleaved with it, median batch", U_RTT_NS, 0, NULL },
	{ "floor3_rtt_poll_paired", "  three-line floor (ours, §2.13), interleaved, median", U_RTT_NS, 0, NULL },
	{ "vbus_rtt_block", "vbus RTT, block", U_RTT_NS, 1, run_block_rtt },
	{ "eventfd_pingpong_paired", "  eventfd ping-pong, interleaved with it", U_RTT_NS, 0, NULL },
	{ "split_vq_rtt_block_paired", "  split virtqueue (ours) RTT, block, interleaved", U_RTT_NS, 0, NULL },
	{ "packed_vq_rtt_block_paired", "  packed virtqueue (ours) RTT, block, interleaved", U_RTT_NS, 0, NULL },
	{ "vbus_stream_single_sym", "vbus stream, single, poll, full fences", U_MSGS_PER_S, 1, run_vb1_sym },
	{ "vbus_stream_single_sym_notif", "  notifications per message", U_PER_MSG, 1, NULL },
	{ "vbus_rtt_block_sym", "vbus RTT, block, full fences", U_RTT_NS, 1, run_block_rtt_sym },
	{ "vbus_stream_spin", "vbus saturated stream, default wait", U_MSGS_PER_S, 1, run_spin_stream },
	{ "vbus_stream_spin_notif", "  notifications per message", U_PER_MSG, 1, NULL },
	{ "vbus_stream_burst32_paired", "  poll stream, interleaved with it", U_MSGS_PER_S, 1, NULL },
	{ "vbus_stream_block", "vbus saturated stream, sleep at once", U_MSGS_PER_S, 1, run_block_stream },
	{ "vbus_stream_block_notif", "  notifications per message", U_PER_MSG, 1, NULL },
};
#define NMEAS ((int)(sizeof(measurements) / sizeof(measurements[0])))

/* The same-run ratios of[]/vs[] (or, vs NULL, the figure itself) and their targets. */
struct ratio_row {
	const char *of, *vs; /* measurement keys */
	const char *cmp;     /* ">=", "<=", ">", "<" or NULL: no target */
	double target;
};

static const struct ratio_row ratios[] = {
	/* the streaming goals on chunks interleaved with the SPSC ring (bench_stream_spsc_paired); the separate rows
	 * beside, without a target */
	{ "vbus_stream_single_paired", "spsc_single_paired", ">=", 0.9 },
	{ "vbus_stream_burst32_spsc_paired", "spsc_burst32_paired", ">=", 0.9 },
	{ "vbus_stream_single", "spsc_single", NULL, 0 },
	{ "vbus_stream_burst32", "spsc_burst32", NULL, 0 },
	/* the same chunks' median batches (load-robust, as the poll RTT's goal figure), without a target */
	{ "vbus_stream_single_paired_median", "spsc_single_paired_median", NULL, 0 },
	{ "vbus_stream_burst32_spsc_paired_median", "spsc_burst32_paired_median", NULL, 0 },
	/* the poll RTT goal on the paired median batches (bench_vbus_rtt_poll_paired); the rows' means beside */
	{ "vbus_rtt_poll_median", "spin_pingpong_paired", "<=", 1.5 },
	{ "vbus_rtt_poll", "spin_pingpong", NULL, 0 },
	/* the floor of a ring giving a 64-byte message a line of its own (02-ioq.md §2.13); vbus against it */
	{ "floor3_rtt_poll_paired", "spin_pingpong_paired", NULL, 0 },
	{ "vbus_rtt_poll_median", "floor3_rtt_poll_paired", NULL, 0 },
	/* the blocking RTT goal on the paired figures (bench_vbus_rtt_paired); the separate rows for reference */
	{ "vbus_rtt_block", "eventfd_pingpong_paired", "<=", 1.05 },
	{ "vbus_rtt_block", "eventfd_pingpong", NULL, 0 },
	/*
	 * The blocking stream (issue 13's goal): the default wait (VBUS_WAIT_DEFAULT, spin for the wake-up
	 * cost it measures, then sleep) against the poll stream. A stream that sleeps at once (VBUS_WAIT_BLOCK)
	 * pays about two wake-ups per ring's worth (ring / (2 x wake-up) is its ceiling, 0.1-0.3x poll where
	 * a wake-up costs 100-250 us): printed, no target; it is compared with the virtqueues' instead.
	 * The goal on the poll stream interleaved with it (bench_vbus_stream_paired); the separate row beside.
	 */
	{ "vbus_stream_spin", "vbus_stream_burst32_paired", ">=", 0.9 },
	{ "vbus_stream_spin", "vbus_stream_burst32", NULL, 0 },
	{ "vbus_stream_spin_notif", NULL, "<=", 0.01 },
	{ "vbus_stream_block", "vbus_stream_burst32", NULL, 0 },
	{ "vbus_stream_block_notif", NULL, "<=", 0.01 },
	{ "vbus_stream_single", "split_vq_single", ">", 1 },
	{ "vbus_stream_burst32", "split_vq_burst32", ">", 1 },
	{ "vbus_stream_single", "packed_vq_single", ">", 1 },
	{ "vbus_stream_burst32", "packed_vq_burst32", ">", 1 },
	{ "vbus_rtt_poll", "split_vq_rtt_poll", "<", 1 },
	{ "vbus_rtt_poll", "packed_vq_rtt_poll", "<", 1 },
	/* the blocking RTT against our virtqueues on the paired figures (same chunks); the separate rows beside */
	{ "vbus_rtt_block", "split_vq_rtt_block_paired", "<", 1 },
	{ "vbus_rtt_block", "packed_vq_rtt_block_paired", "<", 1 },
	{ "vbus_rtt_block", "split_vq_rtt_block", NULL, 0 },
	{ "vbus_rtt_block", "packed_vq_rtt_block", NULL, 0 },
	{ "vbus_stream_block", "split_vq_stream_block", ">", 1 },
	{ "vbus_stream_block", "packed_vq_stream_block", ">", 1 },
	{ "split_vq_stream_block", "split_vq_burst32", NULL, 0 },
	/* the default in-process link (asymmetric barrier, §1.3.2) against the same link with full fences */
	{ "vbus_stream_single", "vbus_stream_single_sym", NULL, 0 },
	{ "vbus_rtt_block", "vbus_rtt_block_sym", NULL, 0 },
	/* asymmetric barrier break-even: kicks whose fence it saves per membarrier the receiver pays */
	{ "membarrier_cost", "fence_cost", NULL, 0 },
	{ "packed_vq_stream_block", "packed_vq_burst32", NULL, 0 },
};
#define NRATIO ((int)(sizeof(ratios) / sizeof(ratios[0])))

struct ratio_out {
	int of, vs; /* measurement indexes (vs -1: the figure itself) */
	double x;   /* the ratio, or the figure */
	int met;
};

static int meas_index(const char *key)
{
	for (int i = 0; i < NMEAS; i++)
		if (!strcmp(measurements[i].key, key))
			return i;
	fprintf(stderr, "vbus-bench: internal: no measurement '%s'\n", key);
	abort();
}

static int nruns(void)
{
	int n = 0;

	for (int i = 0; i < NMEAS; i++)
		n += measurements[i].run != NULL;
	return n;
}

static int target_met(const char *cmp, double x, double t)
{
	if (!strcmp(cmp, ">="))
		return x >= t;
	if (!strcmp(cmp, "<="))
		return x <= t;
	if (!strcmp(cmp, ">"))
		return x > t;
	return x < t;
}

/* per row, the median over the repetitions of its batch figure (0: the row has none) */
static double batch_val[NMEAS];

/*
 * --only KEY,...: the rows run (a row with a run function, and the further figures of its run); 1 for every
 * row without --only. A ratio is reported only when both its figures were measured.
 */
static int selected[NMEAS];

static int ratio_selected(const struct ratio_out *ro)
{
	return selected[ro->of] && (ro->vs < 0 || selected[ro->vs]);
}

/* Parse --only's comma-separated keys into selected[]; 0, or -1 after an error message. */
static int parse_only(const char *list)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		int i;

		for (i = 0; i < NMEAS; i++)
			if (measurements[i].run && strlen(measurements[i].key) == n &&
			    !strncmp(measurements[i].key, p, n))
				break;
		if (i == NMEAS) {
			vbus_usage_error("vbus-bench", "--only: '%.*s' is not the key of a row that runs (see --json)",
					 (int)n, p);
			return -1;
		}
		for (int j = i; j < NMEAS && (j == i || !measurements[j].run); j++)
			selected[j] = 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/*
 * --model: the parameters (a file, or measured in this process with --model auto), and per
 * predicted figure (predicted[] below) and repetition the prediction and its ratio to that
 * repetition's batch figure. With --model auto the costs that move (line_transfer, line_stream: with
 * the vCPUs' placement, 65 ns vs 440 ns a round trip here within minutes; wakeup: with the load) are measured
 * again right before each run of a predicted row, and that run is predicted with them.
 */
static struct vm_params *model_p;
static int model_auto, model_failed;
static uint64_t model_stream_n; /* the streams' messages (the notification counts' run length) */
static void model_rep(int row, int r, const double *v_rep, const double *vb_rep);
static int model_row(int row);

static void measure(double *val, struct ratio_out *ro, const struct bench_cfg *c, int reps)
{
	static double v[NMEAS][BENCH_MAX_REPS], vb[NMEAS][BENCH_MAX_REPS];
	struct vbus_progress p;
	int step = 0, total = reps * nruns();

	for (int i = 0; i < NMEAS; i++)
		if (measurements[i].run && !selected[i])
			total -= reps;

	vbus_progress_init(&p, "vbus-bench", 5);
	for (int r = 0; r < reps; r++) {
		for (int i = 0; i < NMEAS; i++) {
			double out[RUN_OUTS] = { 0 };

			if (!measurements[i].run || !selected[i])
				continue;
			vbus_progress(&p, step, total, "rep %d/%d: %s", r + 1, reps, measurements[i].label);
			int predicted_row = model_p && model_row(i);
			if (predicted_row && model_auto) {
				if (bench_predict_lines(model_p))
					model_failed = 1;
				else
					fprintf(stderr,
						"vbus-bench: --model auto: %s: line_transfer %llu, line_stream %llu, wakeup %llu, "
						"doorbell_wake %llu, spin_budget %llu, desched_interval %llu, desched_len %llu, "
						"produce_remote_msg %llu, produce_remote_call %llu, produce_stream_call %llu\n",
						measurements[i].key, (unsigned long long)model_p->v[VM_P_LINE_TRANSFER],
						(unsigned long long)model_p->v[VM_P_LINE_STREAM],
						(unsigned long long)model_p->v[VM_P_WAKEUP],
						(unsigned long long)model_p->v[VM_P_DOORBELL_WAKE],
						(unsigned long long)model_p->v[VM_P_SPIN_BUDGET],
						(unsigned long long)model_p->v[VM_P_DESCHED_INTERVAL],
						(unsigned long long)model_p->v[VM_P_DESCHED_LEN],
						(unsigned long long)model_p->v[VM_P_PRODUCE_REMOTE_MSG],
						(unsigned long long)model_p->v[VM_P_PRODUCE_REMOTE_CALL],
						(unsigned long long)model_p->v[VM_P_PRODUCE_STREAM_CALL]);
			}
			batch_figure = 0;
			measurements[i].run(c, out);
			v[i][r] = out[0];
			vb[i][r] = batch_figure;
			for (int j = 1; j < RUN_OUTS && i + j < NMEAS && !measurements[i + j].run; j++)
				v[i + j][r] = out[j];
			if (predicted_row) {
				double vr[NMEAS], vbr[NMEAS];
				for (int k = 0; k < NMEAS; k++) {
					vr[k] = v[k][r];
					vbr[k] = vb[k][r];
				}
				model_rep(i, r, vr, vbr);
			}
			step++;
		}
	}
	vbus_progress_done(&p);
	for (int i = 0; i < NMEAS; i++) {
		val[i] = median(v[i], reps);
		batch_val[i] = median(vb[i], reps);
	}
	for (int k = 0; k < NRATIO; k++) {
		const struct ratio_row *rr = &ratios[k];

		ro[k].of = meas_index(rr->of);
		ro[k].vs = rr->vs ? meas_index(rr->vs) : -1;
		ro[k].x = ro[k].vs < 0 ? val[ro[k].of] : val[ro[k].vs] > 0 ? val[ro[k].of] / val[ro[k].vs] : 0;
		ro[k].met = rr->cmp && target_met(rr->cmp, ro[k].x, rr->target);
	}
}

static void fmt_value(char *buf, size_t n, enum unit u, double v)
{
	if (u == U_MSGS_PER_S)
		snprintf(buf, n, "%.2f M/s", v / 1e6);
	else if (u == U_RTT_NS)
		snprintf(buf, n, "%.0f ns", v);
	else if (u == U_NS_OP)
		snprintf(buf, n, "%.1f ns/op", v);
	else
		snprintf(buf, n, "%.5f", v);
}

static int print_table(const double *val, const struct ratio_out *ro, const struct bench_cfg *c, int reps)
{
	int missed = 0, targets = 0;

	printf("vbus-bench: %d-byte messages, ring %d, threads pinned to CPUs 0/1%s, median of %d; %llu stream "
	       "messages, %llu poll / %llu blocking round trips\n",
	       MSG, RING, ncpus >= 2 ? "" : " (only 1 CPU: unpinned)", reps, (unsigned long long)c->stream_n,
	       (unsigned long long)c->rtt_n, (unsigned long long)c->block_n);
	printf("%-42s %-8s %13s\n", "measurement", "side", "figure");
	for (int i = 0; i < NMEAS; i++) {
		char buf[32];

		if (!selected[i])
			continue;
		fmt_value(buf, sizeof(buf), measurements[i].unit, val[i]);
		printf("%-42s %-8s %13s\n", measurements[i].label, measurements[i].vbus ? "vbus" : "baseline", buf);
	}
	printf("\n%-42s %-36s %9s  %-8s\n", "same-run ratio: vbus figure", "/ baseline figure", "ratio", "target");
	for (int k = 0; k < NRATIO; k++) {
		const struct ratio_row *rr = &ratios[k];
		char tgt[24] = "";

		if (!ratio_selected(&ro[k]))
			continue;
		if (rr->cmp)
			snprintf(tgt, sizeof(tgt), "%s %g", rr->cmp, rr->target);
		printf("%-42s %-36s %9.4g  %-8s %s\n", measurements[ro[k].of].label,
		       ro[k].vs >= 0 ? measurements[ro[k].vs].label : "(the figure itself)", ro[k].x, tgt,
		       !rr->cmp	   ? ""
		       : ro[k].met ? "met"
				   : "MISSED <<<");
		targets += rr->cmp != NULL;
		missed += rr->cmp && !ro[k].met;
	}
	printf("targets: %d met, %d MISSED (a benchmark: figures, not a pass/fail)\n", targets - missed, missed);
	return missed;
}

/*
 * --model PARAMS: the timing model's prediction next to each vbus figure it covers: the six vbus
 * scenarios and the notifications per message of the two saturated streams. Not predicted: the
 * baselines (SPSC, ping-pongs, our virtqueues: the model models vbus's protocol, not theirs) and the
 * full-fence rows (`_sym`: the same links with VBUS_LINK_SYM_BARRIER). "measured" is the row's batch median
 * when the row has one (struct batch_clock), else the row's figure; "measured_mean" the row's figure.
 */
static const struct {
	const char *key, *meas;
	size_t off;
} predicted[] = {
	{ "stream_single", "vbus_stream_single", offsetof(struct bench_prediction, vb1) },
	{ "stream_burst32", "vbus_stream_burst32", offsetof(struct bench_prediction, vb32) },
	{ "rtt_poll", "vbus_rtt_poll", offsetof(struct bench_prediction, poll_rtt) },
	{ "rtt_block", "vbus_rtt_block", offsetof(struct bench_prediction, block_rtt) },
	{ "stream_spin", "vbus_stream_spin", offsetof(struct bench_prediction, spin_stream) },
	{ "stream_spin_notif", "vbus_stream_spin_notif", offsetof(struct bench_prediction, spin_notif) },
	{ "stream_block", "vbus_stream_block", offsetof(struct bench_prediction, block_stream) },
	{ "stream_block_notif", "vbus_stream_block_notif", offsetof(struct bench_prediction, block_notif) },
};
#define NPRED ((int)(sizeof(predicted) / sizeof(predicted[0])))
#define MODEL_TOL 0.25 /* the goal: within +-25 % */

static double pred_of(const struct bench_prediction *p, int i)
{
	return *(const double *)((const char *)p + predicted[i].off);
}

/* per predicted figure: the prediction and pred / batch figure of each repetition */
static double pred_rep[NPRED][BENCH_MAX_REPS], ratio_rep[NPRED][BENCH_MAX_REPS];
static int pred_reps[NPRED];

/* does a predicted figure belong to row @row's run (the row itself or its notifications row)? */
static int model_row(int row)
{
	for (int i = 0; i < NPRED; i++) {
		int k = meas_index(predicted[i].meas);
		if (k == row || (k == row + 1 && !measurements[k].run))
			return 1;
	}
	return 0;
}

/* the ratio of a prediction to a figure; both 0 (no notification predicted, none counted) agree */
static double model_ratio(double pred, double meas)
{
	if (pred == 0 && meas == 0)
		return 1;
	return meas > 0 ? pred / meas : 0;
}

static void model_rep(int row, int r, const double *v_rep, const double *vb_rep)
{
	struct bench_prediction p;

	if (bench_predict_params(model_p, model_stream_n, measurements[row].key, &p)) {
		model_failed = 1;
		return;
	}
	for (int i = 0; i < NPRED; i++) {
		int k = meas_index(predicted[i].meas);
		if (!(k == row || (k == row + 1 && !measurements[k].run)))
			continue;
		double m = vb_rep[k] > 0 ? vb_rep[k] : v_rep[k];
		pred_rep[i][r] = pred_of(&p, i);
		ratio_rep[i][r] = model_ratio(pred_rep[i][r], m);
		pred_reps[i] = r + 1;
	}
}

/*
 * Does a prediction agree with its measurement? Within +-25 % (the goal); for a notification rate
 * also when the counts over the run (rate x the run's messages) are as close as counting allows: the
 * measured count within two standard deviations of a Poisson count whose mean is the predicted one,
 * |measured - predicted| <= 2 sqrt(max(predicted, 1)). So 0 predicted agrees with 0, 1 or 2 counted and
 * misses 3 or more, 40 predicted misses 26 or 54, and a count of thousands is held to the 25 %.
 */
#define MODEL_COUNT_SIGMAS 2.0
static int model_agree(int notif, double ratio, double pred, double meas, double n)
{
	if (ratio >= 1 - MODEL_TOL && ratio <= 1 + MODEL_TOL)
		return 1;
	if (!notif)
		return 0;
	double pc = pred * n, mc = meas * n;
	return fabs(mc - pc) <= MODEL_COUNT_SIGMAS * sqrt(pc > 1 ? pc : 1);
}

static void print_model(const double *val, int json)
{
	int in = 0, judged = 0;

	if (json)
		printf(",\n \"model\": {");
	else
		printf("\n%-50s %14s %14s %10s %14s %10s\n", "timing model (--model, goal pred/meas 0.75..1.25)",
		       "predicted", "measured", "pred/meas", "mean", "pred/mean");
	for (int i = 0; i < NPRED; i++) {
		int k = meas_index(predicted[i].meas), n = pred_reps[i];
		double pr[BENCH_MAX_REPS], rr[BENCH_MAX_REPS];
		memcpy(pr, pred_rep[i], sizeof(pr));
		memcpy(rr, ratio_rep[i], sizeof(rr));
		double mean = val[k], m = batch_val[k] > 0 ? batch_val[k] : mean, x = n ? median(pr, n) : 0;
		double r = n ? median(rr, n) : 0, rm = model_ratio(x, mean);
		int notif = measurements[k].unit == U_PER_MSG;
		double runs = (double)model_stream_n; /* a notification row's run: the stream's messages */
		int ok = model_agree(notif, r, x, m, runs);

		judged++;
		in += ok;
		if (json) {
			printf("%s\n  \"%s\": {\"predicted\": %.6g, \"measured\": %.6g, \"measured_mean\": %.6g, "
			       "\"ratio\": %.4f, \"ratio_mean\": %.4f, \"within_25pct\": %s",
			       i ? "," : "", predicted[i].key, x, m, mean, r, rm, ok ? "true" : "false");
			if (notif)
				printf(", \"messages\": %llu, \"predicted_count\": %.3f, \"measured_count\": %.3f",
				       (unsigned long long)model_stream_n, x * runs, m * runs);
			/* each repetition's prediction and its ratio, in repetition order (pr, rr are sorted) */
			printf(", \"predicted_reps\": [");
			for (int r = 0; r < n; r++)
				printf("%s%.6g", r ? ", " : "", pred_rep[i][r]);
			printf("], \"ratio_reps\": [");
			for (int r = 0; r < n; r++)
				printf("%s%.4f", r ? ", " : "", ratio_rep[i][r]);
			printf("]}");
		} else {
			char bx[32], bm[32], bmean[32];

			fmt_value(bx, sizeof(bx), measurements[k].unit, x);
			fmt_value(bm, sizeof(bm), measurements[k].unit, m);
			fmt_value(bmean, sizeof(bmean), measurements[k].unit, mean);
			printf("%-50s %14s %14s %10.3f %14s %10.3f %s", measurements[k].label, bx, bm, r, bmean, rm,
			       ok ? "" : "OUT");
			if (notif)
				printf("%scounts %.1f predicted, %.0f measured", ok ? "" : " ", x * runs, m * runs);
			printf("\n");
		}
	}
	if (json)
		printf("\n },\n \"model_within_25pct\": %d, \"model_scenarios\": %d, \"model_auto\": %s", in, judged,
		       model_auto ? "true" : "false");
	else
		printf("model: %d of %d within +-25 %% (pred/meas: the median over the reps of each rep's prediction over its "
		       "median batch; a notification rate also agrees when the counts are within 2 sqrt(max(predicted, 1))%s)\n",
		       in, judged,
		       model_auto ? "; --model auto: line costs and wakeup measured again before each run" : "");
}

static void print_json(const double *val, const struct ratio_out *ro, const struct bench_cfg *c, int reps, int quick,
		       const char *model)
{
	int missed = 0;

	printf("{\"config\": {\"program\": \"vbus-bench\", \"reps\": %d, \"quick\": %s, \"message_bytes\": %d, "
	       "\"ring\": %d, \"burst\": %d, \"stream_messages\": %llu, \"rtt_round_trips\": %llu, "
	       "\"block_round_trips\": %llu, \"cpus_online\": %d, \"cpus_pinned\": %s, \"model_params\": ",
	       reps, quick ? "true" : "false", MSG, RING, BURST, (unsigned long long)c->stream_n,
	       (unsigned long long)c->rtt_n, (unsigned long long)c->block_n, ncpus, ncpus >= 2 ? "true" : "false");
	if (model) {
		putchar('"');
		for (const char *s = model; *s; s++)
			printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
		putchar('"');
	} else {
		printf("null");
	}
	printf("},\n \"measurements\": [");
	for (int i = 0, n = 0; i < NMEAS; i++) {
		const struct measurement *m = &measurements[i];

		if (!selected[i])
			continue;
		printf("%s\n  {\"key\": \"%s\", \"side\": \"%s\", \"%s\": %.*f}", n++ ? "," : "", m->key,
		       m->vbus ? "vbus" : "baseline", unit_key[m->unit], m->unit == U_PER_MSG ? 6 : 1, val[i]);
	}
	printf("\n ],\n \"ratios\": [");
	for (int k = 0, n = 0; k < NRATIO; k++) {
		const struct ratio_row *rr = &ratios[k];

		if (!ratio_selected(&ro[k]))
			continue;
		printf("%s\n  {\"of\": \"%s\", ", n++ ? "," : "", rr->of);
		if (ro[k].vs >= 0)
			printf("\"vs\": \"%s\", \"ratio\": %.4f", rr->vs, ro[k].x);
		else
			printf("\"vs\": null, \"%s\": %.6f", unit_key[measurements[ro[k].of].unit], ro[k].x);
		if (rr->cmp)
			printf(", \"target\": \"%s %g\", \"target_met\": %s", rr->cmp, rr->target,
			       ro[k].met ? "true" : "false");
		printf("}");
		missed += rr->cmp && !ro[k].met;
	}
	printf("\n ],\n \"targets_missed\": %d", missed);
	if (model)
		print_model(val, 1);
	printf("}\n");
}

/* The ratio table as a bar chart: one bar per ratio, its target as a mark; red when missed. */
static int plot_ratios(struct vbus_out *png, const struct ratio_out *ro, int reps)
{
	FILE *g = popen("gnuplot", "w");

	if (!g)
		return -1;
	fprintf(g, "set terminal pngcairo size 1500,700 noenhanced font ',11'\nset output ");
	vbus_gnuplot_quote(g, png->tmp);
	fprintf(g, "\n$bars << EOD\n");
	for (int k = 0, n = 0; k < NRATIO; k++) {
		const struct ratio_row *rr = &ratios[k];

		if (ro[k].vs < 0 || !ratio_selected(&ro[k]))
			continue;
		fprintf(g, "%d \"%s\\nvs %s\" %g %g %s\n", n++, measurements[ro[k].of].label,
			measurements[ro[k].vs].label, ro[k].x, rr->cmp ? rr->target : -1.0,
			!rr->cmp    ? "0x808080"
			: ro[k].met ? "0x2ca02c"
				    : "0xd62728");
	}
	fprintf(g, "EOD\n");
	fprintf(g,
		"set title \"vbus-bench: ratio vbus / baseline, same run, median of %d\\n"
		"green: target met, red: target MISSED, grey: no target; star: the target "
		"(throughput wants more, RTT wants less)\"\n"
		"set style fill solid 0.8 border -1\nset boxwidth 0.6\nset grid ytics\nset yrange [0:*]\n"
		"set offsets 0.5, 0.5, graph 0.12, 0\nset ylabel 'ratio vbus / baseline'\n"
		"set xtics rotate by -25 font ',9'\nset bmargin 9\nset key off\n"
		"plot $bars using 1:3:5:xtic(2) with boxes lc rgb variable, "
		"$bars using 1:($4 >= 0 ? $4 : NaN) with points pt 3 ps 3 lw 2 lc rgb 'black', "
		"$bars using 1:3:(sprintf('%%.3f', $3)) with labels offset 0,1\n",
		reps);
	int st = pclose(g);
	return st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) ? -1 : 0;
}

static void usage(void)
{
	printf("usage: vbus-bench [--json] [--quick] [--reps N] [--plot FILE.png] [--model PARAMS|auto]\n"
	       "                  [--only KEY,...]\n"
	       "       vbus-bench stress --help\n"
	       "Benchmark (figures and same-run ratios, never pass/fail): the baselines (Lamport SPSC ring,\n"
	       "one-line spin ping-pong, eventfd ping-pong, our split and packed virtqueues from the virtio\n"
	       "1.2 spec) and vbus over libvbus (streams, poll and blocking round trips, saturated streams\n"
	       "with notifications per message), two threads pinned to CPUs 0 and 1, 64-byte messages.\n"
	       "Each ratio is printed with its target; a target missed is marked MISSED.\n"
	       "A progress line goes to stderr (in place on a terminal, else every 5 s).\n"
	       "  --json           one JSON object: \"config\" (the run's configuration), \"measurements\"\n"
	       "                   (key, side, msgs_per_s | rtt_ns | notifications_per_message), \"ratios\"\n"
	       "                   (of, vs, ratio, target, target_met), \"targets_missed\" [, \"model\"]\n"
	       "  --quick          short runs, one repetition (a smoke run: figures are noisy)\n"
	       "  --reps N         repetitions per figure, 1 to %d, the median is reported (default 3)\n"
	       "  --plot FILE.png  also draw the ratios as a bar chart with gnuplot (folders created)\n"
	       "  --model PARAMS   also print the timing model's prediction (a file from vbus-model calibrate),\n"
	       "                   or --model auto: calibrate in this process first, and measure the line costs\n"
	       "                   again before each predicted run (the vCPUs' placement moves within minutes)\n"
	       "  --only KEY,...   run only these rows (measurement keys of --json that run: a paired row\n"
	       "                   brings its interleaved baselines), and print the ratios between them;\n"
	       "                   not with --model\n"
	       "Exit 0 (also when a target is missed), 1 when a vbus measurement failed or a file is bad,\n"
	       "2 bad usage.\n",
	       BENCH_MAX_REPS);
}

static int have_gnuplot(void)
{
	return !system("command -v gnuplot >/dev/null 2>&1");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },	  { "json", no_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },	  { "reps", required_argument, NULL, 'r' },
		{ "plot", required_argument, NULL, 'p' }, { "model", required_argument, NULL, 'm' },
		{ "only", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 }
	};
	double val[NMEAS];
	struct ratio_out ro[NRATIO];
	struct bench_prediction pr;
	struct bench_cfg cfg;
	int json = 0, quick = 0, reps = 3, reps_given = 0, c;
	const char *plot = NULL, *model = NULL, *only = NULL;
	struct vbus_out png;
	unsigned u;

	if (argc > 1 && !strcmp(argv[1], "stress"))
		return stress_main(argc - 1, argv + 1);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hqr:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage();
			return 0;
		case 'j':
			json = 1;
			break;
		case 'q':
			quick = 1;
			break;
		case 'r':
			if (vbus_parse_uint("vbus-bench", "--reps", optarg, 1, BENCH_MAX_REPS, &u))
				return VBUS_EXIT_USAGE;
			reps = (int)u;
			reps_given = 1;
			break;
		case 'p':
			plot = optarg;
			break;
		case 'm':
			model = optarg;
			break;
		case 'o':
			only = optarg;
			break;
		default:
			return vbus_getopt_error("vbus-bench", c, argv[optind - 1], optopt);
		}
	}
	if (optind < argc)
		return vbus_usage_error("vbus-bench", "unexpected argument '%s'", argv[optind]);
	if (quick && !reps_given)
		reps = 1;
	if (only && model)
		return vbus_usage_error("vbus-bench", "--only and --model together: the model is judged on every row");
	for (int i = 0; i < NMEAS; i++)
		selected[i] = !only;
	if (only && parse_only(only))
		return VBUS_EXIT_USAGE;
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* refuse bad files and a plot that cannot be drawn before measuring for minutes */
	struct vm_params mp;
	if (model) {
		model_auto = !strcmp(model, "auto");
		if (model_auto ? bench_predict_auto(&mp)
			       : vbus_check_input_file("vbus-bench", model, 1) || bench_predict_load(model, &mp) ||
					 bench_predict_params(&mp, 20000, NULL, &pr))
			return VBUS_EXIT_FAIL;
		model_p = &mp;
	}
	if (plot) {
		if (!have_gnuplot())
			return vbus_fail("vbus-bench", "--plot", "gnuplot not found in PATH (scripts/deps.sh)");
		if (vbus_out_open(&png, "vbus-bench", plot))
			return VBUS_EXIT_FAIL;
	}
	cfg.stream_n = quick ? 200000 : 5000000;
	cfg.rtt_n = quick ? 20000 : 200000;
	cfg.block_n = quick ? 2000 : 20000;
	model_stream_n = cfg.stream_n;
	measure(val, ro, &cfg, reps);
	if (json) {
		print_json(val, ro, &cfg, reps, quick, model);
	} else {
		print_table(val, ro, &cfg, reps);
		if (model)
			print_model(val, 0);
	}
	int failed = model_failed;
	if (model_failed)
		fprintf(stderr, "vbus-bench: --model: a prediction failed\n");
	for (int i = 0; i < NMEAS; i++)
		if (selected[i] && measurements[i].vbus && measurements[i].unit != U_PER_MSG && !(val[i] > 0)) {
			fprintf(stderr, "vbus-bench: %s: measurement failed\n", measurements[i].key);
			failed = 1;
		}
	if (plot) {
		fclose(png.f); /* gnuplot writes the temporary file; nothing buffered here */
		png.f = NULL;
		if (plot_ratios(&png, ro, reps) || rename(png.tmp, png.path)) {
			unlink(png.tmp);
			return vbus_fail("vbus-bench", plot, "gnuplot failed to draw the chart");
		}
		fprintf(json ? stderr : stdout, "wrote %s\n", plot);
	}
	return failed ? VBUS_EXIT_FAIL : 0;
}

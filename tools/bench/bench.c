// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-bench: baselines and vbus (libvbus over kernel/core) measured side by
 * side in one run, two threads pinned to CPUs 0 and 1. Prints a table (or
 * --json) with same-run ratios; each figure is the median of --reps runs.
 *
 *   vbus-bench [--json] [--quick] [--reps N] [--model PARAMS]
 *   vbus-bench stress [--mode threads|procs|both] [--messages N] [--seed S]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "libvbus.h"
#include "bench.h"

#define MSG 64
#define RING 1024
#define BURST 32

int bench_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

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

/* ------------------------------------------------------------- baselines */

/* Lamport SPSC ring with cached indices, 64-byte messages. */
struct spsc {
	_Alignas(64) uint32_t head;	/* consumer */
	_Alignas(64) uint32_t tail;	/* producer */
	_Alignas(64) uint8_t slot[RING][MSG];
	uint64_t n;
	unsigned int burst;
	double secs;
	uint64_t sink;
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
				cpu_relax();
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
	double t0 = bench_now();

	while (got < s->n) {
		if (head == tail_cache) {
			/* acquire: tail before the slot reads; pairs with the producer's release of tail */
			tail_cache = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);
			if (head == tail_cache) {
				cpu_relax();
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
	}
	s->secs = bench_now() - t0;
	s->sink = sum;
	return NULL;
}

static double bench_spsc(uint64_t n, unsigned int burst)
{
	struct spsc *s = aligned_alloc(64, sizeof(*s));
	double rate;

	memset(s, 0, sizeof(*s));
	s->n = n - n % burst;
	s->burst = burst;
	run_pair(spsc_producer, spsc_consumer, s);
	rate = s->n / s->secs;
	free(s);
	return rate;
}

/* One-cache-line spin ping-pong. */
struct pingpong {
	_Alignas(64) uint64_t line;
	uint64_t iters;
	double secs;
	int efd[2];
};

static void *spin_a(void *a)
{
	struct pingpong *p = a;
	double t0 = bench_now();
	uint64_t i;

	for (i = 1; i <= p->iters; i++) {
		__atomic_store_n(&p->line, 2 * i - 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&p->line, __ATOMIC_ACQUIRE) != 2 * i)
			cpu_relax();
	}
	p->secs = bench_now() - t0;
	return NULL;
}

static void *spin_b(void *a)
{
	struct pingpong *p = a;
	uint64_t i;

	for (i = 1; i <= p->iters; i++) {
		while (__atomic_load_n(&p->line, __ATOMIC_ACQUIRE) != 2 * i - 1)
			cpu_relax();
		__atomic_store_n(&p->line, 2 * i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double bench_spin_rtt(uint64_t iters)
{
	struct pingpong *p = aligned_alloc(64, sizeof(*p));
	double ns;

	memset(p, 0, sizeof(*p));
	p->iters = iters;
	run_pair(spin_a, spin_b, p);
	ns = p->secs / iters * 1e9;
	free(p);
	return ns;
}

static void *efd_a(void *a)
{
	struct pingpong *p = a;
	uint64_t one = 1, v, i;
	double t0 = bench_now();

	for (i = 0; i < p->iters; i++) {
		if (write(p->efd[0], &one, 8) != 8 || read(p->efd[1], &v, 8) != 8)
			break;
	}
	p->secs = bench_now() - t0;
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

/* ------------------------------------------------------------- vbus */

struct vb {
	struct vbus_link *north, *south;
	uint64_t n;
	unsigned int burst;
	enum vbus_wait rx_mode, tx_mode;
	double secs;
	uint64_t sink;
	int err;
};

static int vb_open(struct vb *v, uint32_t ring)
{
	struct vbus_link_params lp = { .ring_count = ring, .buf_size = MSG };
	int fds[VBUS_LINK_NFDS], i, ret;

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
	memcpy(msg, data, len);
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
	double t0 = bench_now();
	int ret;

	while (got < v->n) {
		ret = vbus_link_recv(v->south, v->rx_mode, rx_copy, v);
		if (ret < 0) {
			v->err = ret;
			break;
		}
		got += ret;
	}
	v->secs = bench_now() - t0;
	return NULL;
}

struct stream_result {
	double rate;
	double notif_per_msg;
};

static struct stream_result bench_vbus_stream(uint64_t n, unsigned int burst, enum vbus_wait mode)
{
	struct vb v = { .n = n - n % burst, .burst = burst, .rx_mode = mode, .tx_mode = mode };
	struct stream_result r = { 0, 0 };
	struct vbus_link_stats sn, ss;

	if (vb_open(&v, RING))
		return r;
	run_pair(vb_stream_tx, vb_stream_rx, &v);
	vbus_link_get_stats(v.north, &sn);
	vbus_link_get_stats(v.south, &ss);
	if (!v.err) {
		r.rate = v.n / v.secs;
		r.notif_per_msg = (double)(sn.notifies + ss.notifies) / v.n;
	} else {
		fprintf(stderr, "vbus stream: %s\n", strerror(-v.err));
	}
	vb_close(&v);
	return r;
}

static void *vb_rtt_north(void *a)
{
	struct vb *v = a;
	uint8_t msg[MSG] = { 1 };
	struct vbus_link_msg m = { .data = msg, .len = MSG };
	double t0 = bench_now();
	uint64_t i;
	int ret;

	for (i = 0; i < v->n; i++) {
		m.cookie = i;
		ret = vbus_link_send(v->north, &m, 1);
		if (ret == 1)
			ret = vbus_link_wait_done(v->north, v->tx_mode);
		if (ret < 0 || ret != 1) {
			v->err = ret < 0 ? ret : -EPROTO;
			break;
		}
	}
	v->secs = bench_now() - t0;
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

static double bench_vbus_rtt(uint64_t iters, enum vbus_wait mode)
{
	struct vb v = { .n = iters, .rx_mode = mode, .tx_mode = mode };
	double ns = 0;

	if (vb_open(&v, 64))
		return 0;
	run_pair(vb_rtt_north, vb_rtt_south, &v);
	if (!v.err)
		ns = v.secs / iters * 1e9;
	else
		fprintf(stderr, "vbus rtt: %s\n", strerror(-v.err));
	vb_close(&v);
	return ns;
}

/* ------------------------------------------------------------- main */

/* Repetitions per figure (--reps): the median is taken over at most this many. */
#define BENCH_MAX_REPS 16

struct results {
	double spsc1, spsc32, spin_rtt, efd_rtt;
	double vb1, vb32, poll_rtt, block_rtt;
	double spin_stream, spin_notif, block_stream, block_notif;
	double split1, split32, packed1, packed32;	/* our virtqueues (vq.c) */
	double split_rtt, packed_rtt, split_brtt, packed_brtt;
};

static void measure(struct results *r, int reps, int quick)
{
	uint64_t stream_n = quick ? 200000 : 5000000, rtt_n = quick ? 20000 : 200000;
	uint64_t block_n = quick ? 2000 : 20000;
	double v[20][BENCH_MAX_REPS];
	int i;

	for (i = 0; i < reps; i++) {
		struct stream_result s;

		v[0][i] = bench_spsc(stream_n, 1);
		v[1][i] = bench_spsc(stream_n, BURST);
		v[2][i] = bench_spin_rtt(rtt_n);
		v[3][i] = bench_eventfd_rtt(block_n);
		v[4][i] = bench_vbus_stream(stream_n, 1, VBUS_WAIT_POLL).rate;
		v[5][i] = bench_vbus_stream(stream_n, BURST, VBUS_WAIT_POLL).rate;
		v[6][i] = bench_vbus_rtt(rtt_n, VBUS_WAIT_POLL);
		v[7][i] = bench_vbus_rtt(block_n, VBUS_WAIT_BLOCK);
		s = bench_vbus_stream(stream_n, BURST, VBUS_WAIT_SPIN);
		v[8][i] = s.rate;
		v[9][i] = s.notif_per_msg;
		s = bench_vbus_stream(stream_n, BURST, VBUS_WAIT_BLOCK);
		v[10][i] = s.rate;
		v[11][i] = s.notif_per_msg;
		v[12][i] = bench_split_vq_stream(stream_n, 1);
		v[13][i] = bench_split_vq_stream(stream_n, BURST);
		v[14][i] = bench_packed_vq_stream(stream_n, 1);
		v[15][i] = bench_packed_vq_stream(stream_n, BURST);
		v[16][i] = bench_split_vq_rtt(rtt_n);
		v[17][i] = bench_packed_vq_rtt(rtt_n);
		v[18][i] = bench_split_vq_block_rtt(block_n);
		v[19][i] = bench_packed_vq_block_rtt(block_n);
	}
	r->split1 = median(v[12], reps);
	r->split32 = median(v[13], reps);
	r->packed1 = median(v[14], reps);
	r->packed32 = median(v[15], reps);
	r->split_rtt = median(v[16], reps);
	r->packed_rtt = median(v[17], reps);
	r->split_brtt = median(v[18], reps);
	r->packed_brtt = median(v[19], reps);
	r->spsc1 = median(v[0], reps);
	r->spsc32 = median(v[1], reps);
	r->spin_rtt = median(v[2], reps);
	r->efd_rtt = median(v[3], reps);
	r->vb1 = median(v[4], reps);
	r->vb32 = median(v[5], reps);
	r->poll_rtt = median(v[6], reps);
	r->block_rtt = median(v[7], reps);
	r->spin_stream = median(v[8], reps);
	r->spin_notif = median(v[9], reps);
	r->block_stream = median(v[10], reps);
	r->block_notif = median(v[11], reps);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void print_table(const struct results *r, int reps)
{
	printf("vbus-bench: 64-byte messages, ring %d, threads pinned to CPUs 0/1%s, median of %d\n",
	       RING, ncpus >= 2 ? "" : " (only 1 CPU: unpinned)", reps);
	printf("%-44s %14s %14s %10s\n", "measurement", "baseline", "vbus", "ratio");
	printf("%-44s %11.2f M/s %11.2f M/s %10.3f  (target >= 0.9)\n",
	       "stream, single (msg/s)", r->spsc1 / 1e6, r->vb1 / 1e6, ratio(r->vb1, r->spsc1));
	printf("%-44s %11.2f M/s %11.2f M/s %10.3f  (target >= 0.9)\n",
	       "stream, burst 32 (msg/s)", r->spsc32 / 1e6, r->vb32 / 1e6, ratio(r->vb32, r->spsc32));
	printf("%-44s %11.0f ns  %11.0f ns  %10.3f  (target <= 2)\n",
	       "RTT poll vs spin ping-pong", r->spin_rtt, r->poll_rtt, ratio(r->poll_rtt, r->spin_rtt));
	printf("%-44s %11.0f ns  %11.0f ns  %10.3f  (target <= 1.1)\n",
	       "RTT block vs eventfd ping-pong", r->efd_rtt, r->block_rtt,
	       ratio(r->block_rtt, r->efd_rtt));
	printf("%-44s %14s %11.2f M/s %10.3f  (vs poll burst 32)\n",
	       "saturated stream, spin-then-block", "", r->spin_stream / 1e6,
	       ratio(r->spin_stream, r->vb32));
	printf("%-44s %14s %14.5f %10s  (target <= 0.01)\n",
	       "  notifications per message (spin-then-block)", "", r->spin_notif, "");
	printf("%-44s %14s %11.2f M/s %10.3f  (target >= 0.8)\n", "saturated stream, block", "",
	       r->block_stream / 1e6, ratio(r->block_stream, r->vb32));
	printf("%-44s %14s %14.5f\n", "  notifications per message (block)", "", r->block_notif);
	printf("%-44s %11.2f M/s %11.2f M/s %10.3f  (target > 1)\n",
	       "stream, single vs split virtqueue (ours)", r->split1 / 1e6, r->vb1 / 1e6,
	       ratio(r->vb1, r->split1));
	printf("%-44s %11.2f M/s %11.2f M/s %10.3f  (target > 1)\n",
	       "stream, burst 32 vs split virtqueue (ours)", r->split32 / 1e6, r->vb32 / 1e6,
	       ratio(r->vb32, r->split32));
	printf("%-44s %11.2f M/s %11.2f M/s %10.3f  (target > 1)\n",
	       "stream, single vs packed virtqueue (ours)", r->packed1 / 1e6, r->vb1 / 1e6,
	       ratio(r->vb1, r->packed1));
	printf("%-44s %11.2f M/s %11.2f M/s %10.3f  (target > 1)\n",
	       "stream, burst 32 vs packed virtqueue (ours)", r->packed32 / 1e6, r->vb32 / 1e6,
	       ratio(r->vb32, r->packed32));
	printf("%-44s %11.0f ns  %11.0f ns  %10.3f  (target < 1)\n", "RTT poll vs split virtqueue (ours)",
	       r->split_rtt, r->poll_rtt, ratio(r->poll_rtt, r->split_rtt));
	printf("%-44s %11.0f ns  %11.0f ns  %10.3f  (target < 1)\n", "RTT poll vs packed virtqueue (ours)",
	       r->packed_rtt, r->poll_rtt, ratio(r->poll_rtt, r->packed_rtt));
	printf("%-44s %11.0f ns  %11.0f ns  %10.3f  (target < 1)\n", "RTT block vs split virtqueue (ours)",
	       r->split_brtt, r->block_rtt, ratio(r->block_rtt, r->split_brtt));
	printf("%-44s %11.0f ns  %11.0f ns  %10.3f  (target < 1)\n", "RTT block vs packed virtqueue (ours)",
	       r->packed_brtt, r->block_rtt, ratio(r->block_rtt, r->packed_brtt));
}

/* Predicted (the timing model with PARAMS) next to measured, per vbus scenario. */
static void print_model(const struct results *r, const struct bench_prediction *p, int json)
{
	static const char *const name[] = { "stream single (msg/s)", "stream burst 32 (msg/s)", "RTT poll (ns)",
					    "RTT block (ns)", "stream spin-then-block (msg/s)",
					    "stream block (msg/s)" };
	static const char *const key[] = { "stream_single", "stream_burst32", "rtt_poll", "rtt_block",
					   "stream_spin", "stream_block" };
	double meas[] = { r->vb1, r->vb32, r->poll_rtt, r->block_rtt, r->spin_stream, r->block_stream };
	double pred[] = { p->vb1, p->vb32, p->poll_rtt, p->block_rtt, p->spin_stream, p->block_stream };
	unsigned int i;

	if (json) {
		printf("  \"model\": {");
		for (i = 0; i < 6; i++)
			printf("%s\"%s\": {\"predicted\": %.1f, \"measured\": %.1f, \"ratio\": %.4f}",
			       i ? ", " : "", key[i], pred[i], meas[i], ratio(pred[i], meas[i]));
		printf("},\n");
		return;
	}
	printf("\n%-44s %14s %14s %10s\n", "timing model (--model)", "predicted", "measured",
	       "pred/meas");
	for (i = 0; i < 6; i++)
		printf("%-44s %14.1f %14.1f %10.3f  (goal 0.75 .. 1.25)\n", name[i], pred[i], meas[i],
		       ratio(pred[i], meas[i]));
}

static void print_json(const struct results *r, int reps, const struct bench_prediction *pr)
{
	printf("{\n");
	if (pr)
		print_model(r, pr, 1);
	printf("  \"reps\": %d,\n  \"cpus_pinned\": %s,\n", reps, ncpus >= 2 ? "true" : "false");
	printf("  \"spsc_single_msgs_per_s\": %.0f,\n  \"spsc_burst32_msgs_per_s\": %.0f,\n",
	       r->spsc1, r->spsc32);
	printf("  \"spin_pingpong_rtt_ns\": %.1f,\n  \"eventfd_pingpong_rtt_ns\": %.1f,\n",
	       r->spin_rtt, r->efd_rtt);
	printf("  \"vbus_stream_single_msgs_per_s\": %.0f,\n", r->vb1);
	printf("  \"vbus_stream_burst32_msgs_per_s\": %.0f,\n", r->vb32);
	printf("  \"vbus_rtt_poll_ns\": %.1f,\n  \"vbus_rtt_block_ns\": %.1f,\n", r->poll_rtt,
	       r->block_rtt);
	printf("  \"vbus_spin_stream_msgs_per_s\": %.0f,\n", r->spin_stream);
	printf("  \"vbus_block_stream_msgs_per_s\": %.0f,\n", r->block_stream);
	printf("  \"stream_ratio_vs_spsc\": %.4f,\n", ratio(r->vb1, r->spsc1));
	printf("  \"stream_burst32_ratio_vs_spsc\": %.4f,\n", ratio(r->vb32, r->spsc32));
	printf("  \"rtt_poll_ratio_vs_spin\": %.4f,\n", ratio(r->poll_rtt, r->spin_rtt));
	printf("  \"rtt_block_ratio_vs_eventfd\": %.4f,\n", ratio(r->block_rtt, r->efd_rtt));
	printf("  \"notifications_per_msg_saturated\": %.6f,\n", r->spin_notif);
	printf("  \"notifications_per_msg_block_stream\": %.6f,\n", r->block_notif);
	printf("  \"split_vq_single_msgs_per_s\": %.0f,\n  \"split_vq_burst32_msgs_per_s\": %.0f,\n",
	       r->split1, r->split32);
	printf("  \"packed_vq_single_msgs_per_s\": %.0f,\n  \"packed_vq_burst32_msgs_per_s\": %.0f,\n",
	       r->packed1, r->packed32);
	printf("  \"stream_ratio_vs_split_vq\": %.4f,\n", ratio(r->vb1, r->split1));
	printf("  \"stream_burst32_ratio_vs_split_vq\": %.4f,\n", ratio(r->vb32, r->split32));
	printf("  \"stream_ratio_vs_packed_vq\": %.4f,\n", ratio(r->vb1, r->packed1));
	printf("  \"stream_burst32_ratio_vs_packed_vq\": %.4f,\n", ratio(r->vb32, r->packed32));
	printf("  \"split_vq_rtt_poll_ns\": %.1f,\n  \"packed_vq_rtt_poll_ns\": %.1f,\n", r->split_rtt,
	       r->packed_rtt);
	printf("  \"rtt_poll_ratio_vs_split_vq\": %.4f,\n", ratio(r->poll_rtt, r->split_rtt));
	printf("  \"rtt_poll_ratio_vs_packed_vq\": %.4f,\n", ratio(r->poll_rtt, r->packed_rtt));
	printf("  \"split_vq_rtt_block_ns\": %.1f,\n  \"packed_vq_rtt_block_ns\": %.1f,\n", r->split_brtt,
	       r->packed_brtt);
	printf("  \"rtt_block_ratio_vs_split_vq\": %.4f,\n", ratio(r->block_rtt, r->split_brtt));
	printf("  \"rtt_block_ratio_vs_packed_vq\": %.4f,\n", ratio(r->block_rtt, r->packed_brtt));
	printf("  \"block_vs_poll_throughput_ratio\": %.4f\n", ratio(r->block_stream, r->vb32));
	printf("}\n");
}

int main(int argc, char **argv)
{
	struct results r;
	struct bench_prediction pr;
	const char *model = NULL;
	int json = 0, quick = 0, reps = 3, a;
	uint64_t u;

	if (argc > 1 && !strcmp(argv[1], "stress"))
		return stress_main(argc - 2, argv + 2);
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--json")) {
			json = 1;
		} else if (!strcmp(argv[a], "--quick")) {
			quick = 1;
			reps = 1;
		} else if (!strcmp(argv[a], "--model") && a + 1 < argc) {
			model = argv[++a];
		} else if (!strcmp(argv[a], "--reps") && a + 1 < argc) {
			if (bench_parse_u64(argv[++a], 1, BENCH_MAX_REPS, &u)) {
				fprintf(stderr, "vbus-bench: --reps takes 1 .. %d, not '%s'\n",
					BENCH_MAX_REPS, argv[a]);
				return 2;
			}
			reps = (int)u;
		} else {
			fprintf(stderr, "usage: vbus-bench [--json] [--quick] [--reps N] [--model PARAMS]\n"
					"       vbus-bench stress [--mode threads|procs|both] "
					"[--messages N] [--seed S] [--timeout S]\n");
			return 2;
		}
	}
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (model && bench_predict(model, &pr))
		return 2;
	measure(&r, reps, quick);
	if (json) {
		print_json(&r, reps, model ? &pr : NULL);
	} else {
		print_table(&r, reps);
		if (model)
			print_model(&r, &pr, 0);
	}
	if (r.vb1 <= 0 || r.vb32 <= 0 || r.poll_rtt <= 0 || r.block_rtt <= 0 ||
	    r.spin_stream <= 0 || r.block_stream <= 0) {
		fprintf(stderr, "vbus-bench: a vbus measurement failed\n");
		return 1;
	}
	return 0;
}

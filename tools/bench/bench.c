// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-bench: baselines and vbus (libvbus over kernel/core) measured side by
 * side in one run, two threads pinned to CPUs 0 and 1. Prints a table (or
 * --json) with same-run ratios and the targets each ratio meets or misses;
 * --plot draws the ratios as a bar chart. Each figure is the median of --reps
 * runs. The measurements are the one table `measurements[]` below: a new
 * baseline or vbus figure is one row there (plus its run function).
 *
 *   vbus-bench [--json] [--quick] [--reps N] [--plot FILE.png]
 *   vbus-bench stress [--mode threads|procs|both] [--messages N] [--seed S]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libvbus.h"
#include "bench.h"
#include "vbus_cli.h"

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
	}
	s->secs = vbus_now_s() - t0;
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
	double t0 = vbus_now_s();
	uint64_t i;

	for (i = 1; i <= p->iters; i++) {
		__atomic_store_n(&p->line, 2 * i - 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&p->line, __ATOMIC_ACQUIRE) != 2 * i)
			vbus_cpu_relax();
	}
	p->secs = vbus_now_s() - t0;
	return NULL;
}

static void *spin_b(void *a)
{
	struct pingpong *p = a;
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
	double t0 = vbus_now_s();
	int ret;

	while (got < v->n) {
		ret = vbus_link_recv(v->south, v->rx_mode, rx_copy, v);
		if (ret < 0) {
			v->err = ret;
			break;
		}
		got += ret;
	}
	v->secs = vbus_now_s() - t0;
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
	double t0 = vbus_now_s();
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
	v->secs = vbus_now_s() - t0;
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

/* ------------------------------------------------------------- the measurements, one table */

/* Repetitions per figure (--reps): the median is taken over at most this many. */
#define BENCH_MAX_REPS 16

struct bench_cfg {
	uint64_t stream_n, rtt_n, block_n;
};

enum unit { U_MSGS_PER_S, U_RTT_NS, U_PER_MSG };
/* the JSON key of each unit: the same key as vbus-model's for the same quantity (docs/cli.md) */
static const char *const unit_key[] = { "msgs_per_s", "rtt_ns", "notifications_per_message" };

/* A run measures one figure into out[0] (and, for a vbus stream, notifications per message into out[1]). */
typedef void (*run_fn)(const struct bench_cfg *c, double out[2]);

static void run_spsc1(const struct bench_cfg *c, double out[2])
{
	out[0] = bench_spsc(c->stream_n, 1);
}

static void run_spsc32(const struct bench_cfg *c, double out[2])
{
	out[0] = bench_spsc(c->stream_n, BURST);
}

static void run_spin_rtt(const struct bench_cfg *c, double out[2])
{
	out[0] = bench_spin_rtt(c->rtt_n);
}

static void run_efd_rtt(const struct bench_cfg *c, double out[2])
{
	out[0] = bench_eventfd_rtt(c->block_n);
}

static void run_vb_stream(uint64_t n, unsigned int burst, enum vbus_wait mode, double out[2])
{
	struct stream_result s = bench_vbus_stream(n, burst, mode);

	out[0] = s.rate;
	out[1] = s.notif_per_msg;
}

static void run_vb1(const struct bench_cfg *c, double out[2])
{
	run_vb_stream(c->stream_n, 1, VBUS_WAIT_POLL, out);
}

static void run_vb32(const struct bench_cfg *c, double out[2])
{
	run_vb_stream(c->stream_n, BURST, VBUS_WAIT_POLL, out);
}

static void run_poll_rtt(const struct bench_cfg *c, double out[2])
{
	out[0] = bench_vbus_rtt(c->rtt_n, VBUS_WAIT_POLL);
}

static void run_block_rtt(const struct bench_cfg *c, double out[2])
{
	out[0] = bench_vbus_rtt(c->block_n, VBUS_WAIT_BLOCK);
}

static void run_spin_stream(const struct bench_cfg *c, double out[2])
{
	run_vb_stream(c->stream_n, BURST, VBUS_WAIT_SPIN, out);
}

static void run_block_stream(const struct bench_cfg *c, double out[2])
{
	run_vb_stream(c->stream_n, BURST, VBUS_WAIT_BLOCK, out);
}

struct measurement {
	const char *key;   /* JSON "key" */
	const char *label; /* table */
	enum unit unit;
	int vbus;	   /* 1: a vbus figure, 0: a baseline */
	run_fn run;	   /* NULL: the second figure (out[1]) of the row above, same run */
	const char *vs;	   /* the row this figure is divided by (same run), or NULL */
	const char *cmp;   /* target: ">=" or "<=" on the ratio (on the figure itself when vs is NULL) */
	double target;	   /* with cmp */
};

static const struct measurement measurements[] = {
	{ "spsc_single", "SPSC ring, single", U_MSGS_PER_S, 0, run_spsc1, NULL, NULL, 0 },
	{ "spsc_burst32", "SPSC ring, burst 32", U_MSGS_PER_S, 0, run_spsc32, NULL, NULL, 0 },
	{ "spin_pingpong", "spin ping-pong (one line)", U_RTT_NS, 0, run_spin_rtt, NULL, NULL, 0 },
	{ "eventfd_pingpong", "eventfd ping-pong", U_RTT_NS, 0, run_efd_rtt, NULL, NULL, 0 },
	{ "vbus_stream_single", "vbus stream, single, poll", U_MSGS_PER_S, 1, run_vb1, "spsc_single", ">=", 0.9 },
	{ "vbus_stream_burst32", "vbus stream, burst 32, poll", U_MSGS_PER_S, 1, run_vb32, "spsc_burst32", ">=",
	  0.9 },
	{ "vbus_rtt_poll", "vbus RTT, poll", U_RTT_NS, 1, run_poll_rtt, "spin_pingpong", "<=", 2 },
	{ "vbus_rtt_block", "vbus RTT, block", U_RTT_NS, 1, run_block_rtt, "eventfd_pingpong", "<=", 1.1 },
	{ "vbus_stream_spin", "vbus saturated stream, spin-then-block", U_MSGS_PER_S, 1, run_spin_stream,
	  "vbus_stream_burst32", NULL, 0 },
	{ "vbus_stream_spin_notif", "  notifications per message", U_PER_MSG, 1, NULL, NULL, "<=", 0.01 },
	{ "vbus_stream_block", "vbus saturated stream, block", U_MSGS_PER_S, 1, run_block_stream,
	  "vbus_stream_burst32", ">=", 0.8 },
	{ "vbus_stream_block_notif", "  notifications per message", U_PER_MSG, 1, NULL, NULL, NULL, 0 },
};
#define NMEAS ((int)(sizeof(measurements) / sizeof(measurements[0])))

struct outcome {
	double value; /* median over the reps */
	int vs;	      /* index of the row compared with, or -1 */
	double ratio;
	int has_target, met;
};

static int meas_index(const char *key)
{
	for (int i = 0; i < NMEAS; i++)
		if (!strcmp(measurements[i].key, key))
			return i;
	return -1;
}

static int nruns(void)
{
	int n = 0;

	for (int i = 0; i < NMEAS; i++)
		n += measurements[i].run != NULL;
	return n;
}

static void measure(struct outcome *o, const struct bench_cfg *c, int reps)
{
	static double v[NMEAS][BENCH_MAX_REPS];
	struct vbus_progress p;
	int step = 0, total = reps * nruns();

	vbus_progress_init(&p, "vbus-bench", 5);
	for (int r = 0; r < reps; r++) {
		for (int i = 0; i < NMEAS; i++) {
			double out[2] = { 0, 0 };

			if (!measurements[i].run)
				continue;
			vbus_progress(&p, step, total, "rep %d/%d: %s", r + 1, reps, measurements[i].label);
			measurements[i].run(c, out);
			v[i][r] = out[0];
			if (i + 1 < NMEAS && !measurements[i + 1].run)
				v[i + 1][r] = out[1];
			step++;
		}
	}
	vbus_progress_done(&p);
	for (int i = 0; i < NMEAS; i++)
		o[i].value = median(v[i], reps);
	for (int i = 0; i < NMEAS; i++) {
		const struct measurement *m = &measurements[i];
		double x;

		o[i].vs = m->vs ? meas_index(m->vs) : -1;
		o[i].ratio = o[i].vs >= 0 && o[o[i].vs].value > 0 ? o[i].value / o[o[i].vs].value : 0;
		o[i].has_target = m->cmp != NULL;
		x = o[i].vs >= 0 ? o[i].ratio : o[i].value;
		o[i].met = o[i].has_target && (m->cmp[0] == '>' ? x >= m->target : x <= m->target);
	}
}

static void fmt_value(char *buf, size_t n, enum unit u, double v)
{
	if (u == U_MSGS_PER_S)
		snprintf(buf, n, "%.2f M/s", v / 1e6);
	else if (u == U_RTT_NS)
		snprintf(buf, n, "%.0f ns", v);
	else
		snprintf(buf, n, "%.5f", v);
}

static int print_table(const struct outcome *o, const struct bench_cfg *c, int reps)
{
	int missed = 0, targets = 0;

	printf("vbus-bench: %d-byte messages, ring %d, threads pinned to CPUs 0/1%s, median of %d; %llu stream "
	       "messages, %llu poll / %llu blocking round trips\n",
	       MSG, RING, ncpus >= 2 ? "" : " (only 1 CPU: unpinned)", reps, (unsigned long long)c->stream_n,
	       (unsigned long long)c->rtt_n, (unsigned long long)c->block_n);
	printf("%-40s %13s  %-28s %7s  %-8s\n", "measurement", "figure", "ratio to (same run)", "ratio", "target");
	for (int i = 0; i < NMEAS; i++) {
		const struct measurement *m = &measurements[i];
		char val[32], tgt[24] = "";

		fmt_value(val, sizeof(val), m->unit, o[i].value);
		if (o[i].has_target)
			snprintf(tgt, sizeof(tgt), "%s %g", m->cmp, m->target);
		printf("%-40s %13s  ", m->label, val);
		if (o[i].vs >= 0)
			printf("%-28s %7.3f  ", measurements[o[i].vs].label, o[i].ratio);
		else
			printf("%-28s %7s  ", o[i].has_target ? "(the figure itself)" : "", "");
		printf("%-8s %s\n", tgt, !o[i].has_target ? "" : o[i].met ? "met" : "MISSED <<<");
		targets += o[i].has_target;
		missed += o[i].has_target && !o[i].met;
	}
	printf("targets: %d met, %d MISSED (a benchmark: figures, not a pass/fail)\n", targets - missed, missed);
	return missed;
}

static void print_json(const struct outcome *o, const struct bench_cfg *c, int reps, int quick)
{
	int missed = 0;

	printf("{\"config\": {\"program\": \"vbus-bench\", \"reps\": %d, \"quick\": %s, \"message_bytes\": %d, "
	       "\"ring\": %d, \"burst\": %d, \"stream_messages\": %llu, \"rtt_round_trips\": %llu, "
	       "\"block_round_trips\": %llu, \"cpus_online\": %d, \"cpus_pinned\": %s},\n \"measurements\": [",
	       reps, quick ? "true" : "false", MSG, RING, BURST, (unsigned long long)c->stream_n,
	       (unsigned long long)c->rtt_n, (unsigned long long)c->block_n, ncpus, ncpus >= 2 ? "true" : "false");
	for (int i = 0; i < NMEAS; i++) {
		const struct measurement *m = &measurements[i];

		printf("%s\n  {\"key\": \"%s\", \"side\": \"%s\", \"%s\": %.*f", i ? "," : "", m->key,
		       m->vbus ? "vbus" : "baseline", unit_key[m->unit], m->unit == U_PER_MSG ? 6 : 1, o[i].value);
		if (o[i].vs >= 0)
			printf(", \"vs\": \"%s\", \"ratio\": %.4f", measurements[o[i].vs].key, o[i].ratio);
		if (o[i].has_target)
			printf(", \"target\": \"%s %g\", \"target_on\": \"%s\", \"target_met\": %s", m->cmp, m->target,
			       o[i].vs >= 0 ? "ratio" : unit_key[m->unit], o[i].met ? "true" : "false");
		printf("}");
		missed += o[i].has_target && !o[i].met;
	}
	printf("\n ],\n \"targets_missed\": %d}\n", missed);
}

/* The ratio table as a bar chart: one bar per compared figure, its target as a mark; red when missed. */
static int plot_ratios(struct vbus_out *png, const struct outcome *o, int reps)
{
	FILE *g = popen("gnuplot", "w");

	if (!g)
		return -1;
	fprintf(g, "set terminal pngcairo size 1300,640 noenhanced font ',11'\nset output ");
	vbus_gnuplot_quote(g, png->tmp);
	fprintf(g, "\n");
	fprintf(g, "$bars << EOD\n");
	int k = 0;
	for (int i = 0; i < NMEAS; i++) {
		if (o[i].vs < 0)
			continue;
		const struct measurement *m = &measurements[i];
		fprintf(g, "%d \"%s\\nvs %s\" %g %g %s\n", k++, m->label, measurements[o[i].vs].label, o[i].ratio,
			m->cmp ? m->target : -1.0,
			!m->cmp ? "0x808080" : o[i].met ? "0x2ca02c" : "0xd62728");
	}
	fprintf(g, "EOD\n");
	fprintf(g, "set title \"vbus-bench: ratio vbus / baseline, same run, median of %d\\n"
		   "green: target met, red: target MISSED, grey: no target; star: the target "
		   "(throughput wants >=, RTT wants <=)\"\n"
		   "set style fill solid 0.8 border -1\nset boxwidth 0.6\nset grid ytics\nset yrange [0:*]\n"
		   "set offsets 0.5, 0.5, graph 0.12, 0\nset ylabel 'ratio vbus / baseline'\nset xtics rotate by -20 "
		   "font ',9'\nset key off\n"
		   "plot $bars using 1:3:5:xtic(2) with boxes lc rgb variable, "
		   "$bars using 1:($4 >= 0 ? $4 : NaN) with points pt 3 ps 3 lw 2 lc rgb 'black', "
		   "$bars using 1:3:(sprintf('%%.3f', $3)) with labels offset 0,1\n",
		reps);
	int st = pclose(g);
	return st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) ? -1 : 0;
}

static void usage(void)
{
	printf("usage: vbus-bench [--json] [--quick] [--reps N] [--plot FILE.png]\n"
	       "       vbus-bench stress --help\n"
	       "Benchmark (figures and same-run ratios, never pass/fail): the baselines (Lamport SPSC ring,\n"
	       "one-line spin ping-pong, eventfd ping-pong) and vbus over libvbus (streams, poll and blocking\n"
	       "round trips, saturated streams with notifications per message), two threads pinned to CPUs 0\n"
	       "and 1. Each ratio is printed with its target, and a target missed is marked MISSED.\n"
	       "A progress line goes to stderr (in place on a terminal, else every 5 s).\n"
	       "  --json           one JSON object: \"config\" (the run's configuration) and \"measurements\"\n"
	       "                   (key, msgs_per_s | rtt_ns | notifications_per_message, vs, ratio, target)\n"
	       "  --quick          short runs, one repetition (a smoke run: figures are noisy)\n"
	       "  --reps N         repetitions per figure, 1 to %d, the median is reported (default 3)\n"
	       "  --plot FILE.png  also draw the ratios as a bar chart with gnuplot (folders created)\n"
	       "Exit 0 (also when a target is missed), 1 when a vbus measurement failed, 2 bad usage.\n",
	       BENCH_MAX_REPS);
}

static int have_gnuplot(void)
{
	return !system("command -v gnuplot >/dev/null 2>&1");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "json", no_argument, NULL, 'j' },
					      { "quick", no_argument, NULL, 'q' },
					      { "reps", required_argument, NULL, 'r' },
					      { "plot", required_argument, NULL, 'p' },
					      { NULL, 0, NULL, 0 } };
	struct outcome o[NMEAS];
	struct bench_cfg cfg;
	int json = 0, quick = 0, reps = 3, reps_given = 0, c;
	const char *plot = NULL;
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
		default:
			return vbus_getopt_error("vbus-bench", c, argv[optind - 1], optopt);
		}
	}
	if (optind < argc)
		return vbus_usage_error("vbus-bench", "unexpected argument '%s'", argv[optind]);
	if (quick && !reps_given)
		reps = 1;
	if (plot) {
		/* refuse before measuring: no gnuplot, or an output that cannot be written */
		if (!have_gnuplot())
			return vbus_fail("vbus-bench", "--plot", "gnuplot not found in PATH (scripts/deps.sh)");
		if (vbus_out_open(&png, "vbus-bench", plot))
			return VBUS_EXIT_FAIL;
	}
	cfg.stream_n = quick ? 200000 : 5000000;
	cfg.rtt_n = quick ? 20000 : 200000;
	cfg.block_n = quick ? 2000 : 20000;
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	measure(o, &cfg, reps);
	if (json)
		print_json(o, &cfg, reps, quick);
	else
		print_table(o, &cfg, reps);
	int failed = 0;
	for (int i = 0; i < NMEAS; i++)
		if (measurements[i].vbus && measurements[i].unit != U_PER_MSG && !(o[i].value > 0)) {
			fprintf(stderr, "vbus-bench: %s: measurement failed\n", measurements[i].key);
			failed = 1;
		}
	if (plot) {
		fclose(png.f); /* gnuplot writes the temporary file; nothing buffered here */
		png.f = NULL;
		if (plot_ratios(&png, o, reps) || rename(png.tmp, png.path)) {
			unlink(png.tmp);
			return vbus_fail("vbus-bench", plot, "gnuplot failed to draw the chart");
		}
		fprintf(json ? stderr : stdout, "wrote %s\n", plot);
	}
	return failed ? VBUS_EXIT_FAIL : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-model calibrate: measure this machine's costs with micro-benchmarks
 * and write them as a §6 parameter file (docs/spec/06-timing.md TIM-3).
 * Nanoseconds become cycles of the model's nominal 3 GHz core. Each figure
 * is the median of several repetitions. Nothing here is the production code:
 * the "per-message CPU path" loops are written from the spec's steps (a
 * 64-byte payload copy, a 16-byte descriptor written, or read and checked).
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

#include "cli.h"

#define CAL_GHZ 3.0 /* the model's nominal core: cycles = ns * 3 */
#define CAL_REPS 5
#define CAL_RUN 32 /* lines in a run (line_stream) */

static double cal_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline void cal_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void pin(int cpu)
{
	cpu_set_t set;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double med(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[n / 2];
}

/* ---- two-thread harness ---- */
struct cal {
	_Alignas(64) volatile uint64_t line;
	_Alignas(64) volatile uint64_t flag;
	_Alignas(64) uint64_t run[CAL_RUN][8];
	uint64_t iters;
	int efd[2];
	double ns;
	uint64_t sink;
	pthread_barrier_t start;
};

struct cal_arg {
	struct cal *c;
	void *(*fn)(struct cal *);
	int cpu;
};

static void *cal_tramp(void *a)
{
	struct cal_arg *ca = a;
	pin(ca->cpu);
	pthread_barrier_wait(&ca->c->start);
	return ca->fn(ca->c);
}

static int cal_pair(struct cal *c, void *(*a)(struct cal *), void *(*b)(struct cal *))
{
	struct cal_arg args[2] = { { c, a, 0 }, { c, b, 1 } };
	pthread_t t[2];
	pthread_barrier_init(&c->start, NULL, 2);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, cal_tramp, &args[i]))
			return -EAGAIN;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&c->start);
	return 0;
}

/* line_transfer: one line bounced between the CPUs; half the round trip. */
static void *pp_a(struct cal *c)
{
	double t0 = cal_now();
	for (uint64_t i = 1; i <= c->iters; i++) {
		__atomic_store_n(&c->line, 2 * i - 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&c->line, __ATOMIC_ACQUIRE) != 2 * i)
			cal_relax();
	}
	c->ns = (cal_now() - t0) / c->iters / 2;
	return NULL;
}

static void *pp_b(struct cal *c)
{
	for (uint64_t i = 1; i <= c->iters; i++) {
		while (__atomic_load_n(&c->line, __ATOMIC_ACQUIRE) != 2 * i - 1)
			cal_relax();
		__atomic_store_n(&c->line, 2 * i, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * line_stream: the writer fills CAL_RUN lines and raises the flag; the reader
 * reads them all and answers. Per round: a ping-pong (2 transfers) plus the
 * run; the run's cost per line beyond the flag's is (round - pingpong) / RUN.
 */
static void *run_w(struct cal *c)
{
	double t0 = cal_now();
	for (uint64_t i = 1; i <= c->iters; i++) {
		for (int l = 0; l < CAL_RUN; l++)
			c->run[l][0] = i;
		__atomic_store_n(&c->flag, 2 * i - 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&c->flag, __ATOMIC_ACQUIRE) != 2 * i)
			cal_relax();
	}
	c->ns = (cal_now() - t0) / c->iters;
	return NULL;
}

static void *run_r(struct cal *c)
{
	uint64_t sum = 0;
	for (uint64_t i = 1; i <= c->iters; i++) {
		while (__atomic_load_n(&c->flag, __ATOMIC_ACQUIRE) != 2 * i - 1)
			cal_relax();
		for (int l = 0; l < CAL_RUN; l++)
			sum += __atomic_load_n(&c->run[l][0], __ATOMIC_RELAXED);
		__atomic_store_n(&c->flag, 2 * i, __ATOMIC_RELEASE);
	}
	c->sink = sum;
	return NULL;
}

/* wakeup: eventfd ping-pong, both sides blocking in read(). */
static void *efd_a(struct cal *c)
{
	uint64_t one = 1, v;
	double t0 = cal_now();
	for (uint64_t i = 0; i < c->iters; i++)
		if (write(c->efd[0], &one, 8) != 8 || read(c->efd[1], &v, 8) != 8)
			break;
	c->ns = (cal_now() - t0) / c->iters / 2;
	return NULL;
}

static void *efd_b(struct cal *c)
{
	uint64_t one = 1, v;
	for (uint64_t i = 0; i < c->iters; i++)
		if (read(c->efd[0], &v, 8) != 8 || write(c->efd[1], &one, 8) != 8)
			break;
	return NULL;
}

/* ---- single-thread costs ---- */
static volatile uint64_t cal_sink;

static double fence_ns(uint64_t n, int fence)
{
	static _Alignas(64) uint64_t x[8];
	double t0 = cal_now();
	for (uint64_t i = 0; i < n; i++) {
		__atomic_store_n(&x[0], i, __ATOMIC_RELAXED);
		if (fence)
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		else
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
	}
	return (cal_now() - t0) / n;
}

static double doorbell_ns(uint64_t n)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	uint64_t one = 1, v;
	if (fd < 0)
		return 0;
	double t0 = cal_now();
	for (uint64_t i = 0; i < n; i++) {
		if (write(fd, &one, 8) != 8)
			break;
	}
	double ns = (cal_now() - t0) / n;
	if (read(fd, &v, 8) != 8)
		ns = 0;
	close(fd);
	return ns;
}

struct cal_desc {
	uint64_t offset;
	uint32_t len;
	uint16_t flags, reserved;
};

/* produce_per_msg / handler_per_msg: the spec's per-message steps, cache-hot, 256 slots. */
static double cpu_path_ns(uint64_t n, int consume)
{
	static _Alignas(64) uint8_t buf[256][64];
	static _Alignas(64) struct cal_desc d[256];
	uint8_t msg[64];
	uint64_t sum = 0;
	memset(msg, 1, sizeof(msg));
	for (int i = 0; i < 256; i++)
		d[i] = (struct cal_desc){ .offset = (uint64_t)i * 64, .len = 64 };
	double t0 = cal_now();
	for (uint64_t i = 0; i < n; i++) {
		unsigned s = i & 255;
		if (!consume) {
			memcpy(&msg[8], &i, 8);
			memcpy(buf[s], msg, 64);
			d[s].offset = (uint64_t)s * 64;
			d[s].len = 64;
			d[s].flags = 0;
		} else {
			struct cal_desc x = d[s];
			if (x.flags & ~3u || x.len > (1u << 24) || x.offset > sizeof(buf) ||
			    x.len > sizeof(buf) - x.offset)
				break;
			memcpy(msg, (uint8_t *)buf + x.offset, x.len);
			sum += msg[8];
		}
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	}
	cal_sink = sum;
	return (cal_now() - t0) / n;
}

static double poll_ns(uint64_t n)
{
	static _Alignas(64) volatile uint64_t x;
	double t0 = cal_now();
	for (uint64_t i = 0; i < n; i++) {
		(void)__atomic_load_n(&x, __ATOMIC_ACQUIRE);
		cal_relax();
	}
	return (cal_now() - t0) / n;
}

static uint64_t cyc(double ns)
{
	return ns > 0 ? (uint64_t)(ns * CAL_GHZ + 0.5) : 0;
}

enum { C_O_OUT = SIM_O_LAST, C_O_QUICK };

int cmd_calibrate(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "out", required_argument, NULL, 'o' },
					      { "quick", no_argument, NULL, C_O_QUICK },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("calibrate");
	const char *out = NULL;
	int quick = 0, id;

	opterr = 0;
	while ((id = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (id) {
		case 'h':
			printf("usage: vbus-model calibrate [-o|--out FILE] [--quick]\n"
			       "Measure this machine's costs with micro-benchmarks on two pinned threads and write a\n"
			       "parameter file (JSON, what --params reads; stdout without --out): line_transfer,\n"
			       "line_stream, barrier_full, doorbell, wakeup, produce_per_msg, handler_per_msg,\n"
			       "poll_interval, in cycles of the model's nominal 3 GHz core (docs/spec/06-timing.md\n"
			       "TIM-3). A figure is the median of %d runs; --quick runs a tenth of the iterations.\n"
			       "Run it on a quiet machine: the figures are what the CPUs did meanwhile.\n",
			       CAL_REPS);
			return 0;
		case 'o':
			out = optarg;
			break;
		case C_O_QUICK:
			quick = 1;
			break;
		default:
			return vbus_getopt_error(prog, id, argv[optind - 1], optopt);
		}
	}
	if (optind < argc)
		return vbus_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	uint64_t scale = quick ? 10 : 1;
	double v[8][CAL_REPS];
	struct cal *c = aligned_alloc(64, sizeof(*c));
	if (!c)
		return vbus_fail(prog, "memory", strerror(ENOMEM));
	for (int r = 0; r < CAL_REPS; r++) {
		memset(c, 0, sizeof(*c));
		c->iters = 200000 / scale;
		if (cal_pair(c, pp_a, pp_b))
			goto fail;
		v[0][r] = c->ns;
		memset(c, 0, sizeof(*c));
		c->iters = 50000 / scale;
		if (cal_pair(c, run_w, run_r))
			goto fail;
		double stream = (c->ns - 2 * v[0][r]) / CAL_RUN;
		v[1][r] = stream > 0 ? stream : 0;
		v[2][r] = fence_ns(10000000 / scale, 1) - fence_ns(10000000 / scale, 0);
		v[3][r] = doorbell_ns(200000 / scale);
		memset(c, 0, sizeof(*c));
		c->iters = 20000 / scale;
		c->efd[0] = eventfd(0, 0);
		c->efd[1] = eventfd(0, 0);
		if (c->efd[0] < 0 || c->efd[1] < 0 || cal_pair(c, efd_a, efd_b))
			goto fail;
		close(c->efd[0]);
		close(c->efd[1]);
		v[4][r] = c->ns - v[3][r];
		v[5][r] = cpu_path_ns(10000000 / scale, 0);
		v[6][r] = cpu_path_ns(10000000 / scale, 1);
		v[7][r] = poll_ns(10000000 / scale);
	}
	free(c);
	static const char *const names[8] = { "line_transfer", "line_stream",	  "barrier_full",    "doorbell",
					      "wakeup",	       "produce_per_msg", "handler_per_msg", "poll_interval" };
	struct vbus_out vo;
	FILE *f = stdout;
	if (out) {
		if (vbus_out_open(&vo, prog, out))
			return VBUS_EXIT_FAIL;
		f = vo.f;
	}
	fprintf(f, "{\n");
	for (int k = 0; k < 8; k++) {
		uint64_t cy = cyc(med(v[k], CAL_REPS));
		if (k == 7 && cy < 1)
			cy = 1; /* poll_interval >= 1 (vm_param_set) */
		fprintf(f, "  \"%s\": %llu%s\n", names[k], (unsigned long long)cy, k < 7 ? "," : "");
	}
	fprintf(f, "}\n");
	if (out) {
		if (vbus_out_commit(&vo, prog))
			return VBUS_EXIT_FAIL;
		fprintf(stderr, "%s: wrote %s\n", prog, out);
	}
	return 0;
fail:
	free(c);
	return vbus_fail(prog, "threads", "cannot start the measuring threads");
}

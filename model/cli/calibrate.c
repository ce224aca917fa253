// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-model calibrate: measure this machine's costs with micro-benchmarks
 * and write them as a §6 parameter file (docs/spec/06-timing.md TIM-3).
 * Nanoseconds become cycles of the model's nominal 3 GHz core (the engine's unit; vbus-bench
 * --model divides by the same 3 GHz), from CLOCK_MONOTONIC. Each figure
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
#define CAL_REPS 5  /* default repetitions (--reps) */
#define CAL_MAX_REPS 15
#define CAL_RUN 32 /* lines in a run (line_stream) */
#define CAL_MAX_BATCHES 400
#define CAL_NP 8

/*
 * Method (TIM-3): every micro-benchmark runs in batches; a batch is timed as a whole and
 * gives one sample (ns per operation). A repetition's figure is the MEDIAN of its batch
 * samples after a warm-up (batches run, not kept): on a loaded machine a thread is now and
 * then descheduled for a whole time slice (milliseconds), and a mean over the run would
 * charge that to the cache (a one-line ping-pong's mean was 25x its median at load 7). The
 * parameter is the median over the repetitions; the spread written beside it is the lowest
 * and highest repetition figure, so a reader sees how far to trust it.
 */
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
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Batches of a run: `warm` untimed, then `batches` timed, `per` operations each. */
struct cal_plan {
	int warm, batches;
	uint64_t per;
};

/* ---- two-thread harness ---- */
struct cal {
	_Alignas(64) volatile uint64_t line;
	_Alignas(64) volatile uint64_t flag;
	_Alignas(64) uint64_t run[CAL_RUN][8];
	struct cal_plan pl;
	int efd[2];
	int err;
	double samp[CAL_MAX_BATCHES];
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
		if (pthread_create(&t[i], NULL, cal_tramp, &args[i])) {
			if (i) { /* the first thread waits at the barrier: release it with an empty plan */
				c->pl.warm = c->pl.batches = 0;
				pthread_barrier_wait(&c->start);
				pthread_join(t[0], NULL);
			}
			pthread_barrier_destroy(&c->start);
			return -EAGAIN;
		}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&c->start);
	return c->err;
}

static uint64_t cal_total(const struct cal *c)
{
	return (uint64_t)(c->pl.warm + c->pl.batches) * c->pl.per;
}

/* line_transfer: one line bounced between the CPUs; a sample is half a round trip. */
static void *pp_a(struct cal *c)
{
	uint64_t i = 0;
	for (int b = 0; b < c->pl.warm + c->pl.batches; b++) {
		double t0 = cal_now();
		for (uint64_t j = 0; j < c->pl.per; j++) {
			i++;
			__atomic_store_n(&c->line, 2 * i - 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&c->line, __ATOMIC_ACQUIRE) != 2 * i)
				cal_relax();
		}
		if (b >= c->pl.warm)
			c->samp[b - c->pl.warm] = (cal_now() - t0) / (double)c->pl.per / 2;
	}
	return NULL;
}

static void *pp_b(struct cal *c)
{
	for (uint64_t i = 1; i <= cal_total(c); i++) {
		while (__atomic_load_n(&c->line, __ATOMIC_ACQUIRE) != 2 * i - 1)
			cal_relax();
		__atomic_store_n(&c->line, 2 * i, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * line_stream: the writer fills CAL_RUN lines and raises the flag; the reader
 * reads them all and answers. A sample is one round: a ping-pong (2 transfers)
 * plus the run; the run's cost per line beyond the flag's is (round - 2 * half
 * ping-pong) / RUN, with the same repetition's line_transfer.
 */
static void *run_w(struct cal *c)
{
	uint64_t i = 0;
	for (int b = 0; b < c->pl.warm + c->pl.batches; b++) {
		double t0 = cal_now();
		for (uint64_t j = 0; j < c->pl.per; j++) {
			i++;
			for (int l = 0; l < CAL_RUN; l++)
				c->run[l][0] = i;
			__atomic_store_n(&c->flag, 2 * i - 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&c->flag, __ATOMIC_ACQUIRE) != 2 * i)
				cal_relax();
		}
		if (b >= c->pl.warm)
			c->samp[b - c->pl.warm] = (cal_now() - t0) / (double)c->pl.per;
	}
	return NULL;
}

static void *run_r(struct cal *c)
{
	uint64_t sum = 0;
	for (uint64_t i = 1; i <= cal_total(c); i++) {
		while (__atomic_load_n(&c->flag, __ATOMIC_ACQUIRE) != 2 * i - 1)
			cal_relax();
		for (int l = 0; l < CAL_RUN; l++)
			sum += __atomic_load_n(&c->run[l][0], __ATOMIC_RELAXED);
		__atomic_store_n(&c->flag, 2 * i, __ATOMIC_RELEASE);
	}
	c->sink = sum;
	return NULL;
}

/* wakeup: eventfd ping-pong, both sides blocking in read(); a sample is half a round trip. */
static void *efd_a(struct cal *c)
{
	uint64_t one = 1, v;
	for (int b = 0; b < c->pl.warm + c->pl.batches; b++) {
		double t0 = cal_now();
		for (uint64_t j = 0; j < c->pl.per; j++)
			if (write(c->efd[0], &one, 8) != 8 || read(c->efd[1], &v, 8) != 8) {
				c->err = -EIO;
				/* release the peer from its read: it sees err and stops */
				ssize_t w = write(c->efd[0], &one, 8);
				(void)w;
				return NULL;
			}
		if (b >= c->pl.warm)
			c->samp[b - c->pl.warm] = (cal_now() - t0) / (double)c->pl.per / 2;
	}
	return NULL;
}

static void *efd_b(struct cal *c)
{
	uint64_t one = 1, v;
	for (uint64_t i = 0; i < cal_total(c) && !c->err; i++)
		if (read(c->efd[0], &v, 8) != 8 || write(c->efd[1], &one, 8) != 8) {
			c->err = -EIO;
			break;
		}
	return NULL;
}

/* ---- single-thread costs: each returns one repetition's median ns per operation ---- */
static volatile uint64_t cal_sink;

static double fence_batch(uint64_t n, int fence)
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
	return (cal_now() - t0) / (double)n;
}

/* a store plus a full fence, minus the store alone: batches of each, interleaved */
static double fence_rep(const struct cal_plan *pl, double *s)
{
	double s0[CAL_MAX_BATCHES];
	for (int b = 0; b < pl->warm + pl->batches; b++) {
		double f = fence_batch(pl->per, 1), nf = fence_batch(pl->per, 0);
		if (b >= pl->warm) {
			s[b - pl->warm] = f;
			s0[b - pl->warm] = nf;
		}
	}
	return med(s, pl->batches) - med(s0, pl->batches);
}

static double doorbell_rep(const struct cal_plan *pl, double *s)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	uint64_t one = 1, v;
	if (fd < 0)
		return -1;
	for (int b = 0; b < pl->warm + pl->batches; b++) {
		double t0 = cal_now();
		for (uint64_t i = 0; i < pl->per; i++)
			if (write(fd, &one, 8) != 8) {
				close(fd);
				return -1;
			}
		if (b >= pl->warm)
			s[b - pl->warm] = (cal_now() - t0) / (double)pl->per;
		if (read(fd, &v, 8) != 8) { /* keep the counter far from its limit */
			close(fd);
			return -1;
		}
	}
	close(fd);
	return med(s, pl->batches);
}

struct cal_desc {
	uint64_t offset;
	uint32_t len;
	uint16_t flags, reserved;
};

/* produce_per_msg / handler_per_msg: the spec's per-message steps, cache-hot, 256 slots. */
static double cpu_path_batch(uint64_t n, int consume, uint64_t base)
{
	static _Alignas(64) uint8_t buf[256][64];
	static _Alignas(64) struct cal_desc d[256];
	uint8_t msg[64];
	uint64_t sum = 0;
	memset(msg, 1, sizeof(msg));
	if (!base)
		for (int i = 0; i < 256; i++)
			d[i] = (struct cal_desc){ .offset = (uint64_t)i * 64, .len = 64 };
	double t0 = cal_now();
	for (uint64_t i = base; i < base + n; i++) {
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
	return (cal_now() - t0) / (double)n;
}

static double cpu_path_rep(const struct cal_plan *pl, double *s, int consume)
{
	for (int b = 0; b < pl->warm + pl->batches; b++) {
		double x = cpu_path_batch(pl->per, consume, (uint64_t)b * pl->per);
		if (b >= pl->warm)
			s[b - pl->warm] = x;
	}
	return med(s, pl->batches);
}

static double poll_rep(const struct cal_plan *pl, double *s)
{
	static _Alignas(64) volatile uint64_t x;
	for (int b = 0; b < pl->warm + pl->batches; b++) {
		double t0 = cal_now();
		for (uint64_t i = 0; i < pl->per; i++) {
			(void)__atomic_load_n(&x, __ATOMIC_ACQUIRE);
			cal_relax();
		}
		if (b >= pl->warm)
			s[b - pl->warm] = (cal_now() - t0) / (double)pl->per;
	}
	return med(s, pl->batches);
}

static uint64_t cyc(double ns)
{
	return ns > 0 ? (uint64_t)(ns * CAL_GHZ + 0.5) : 0;
}

static double load1(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* The two-thread benchmarks of one repetition: 0, or -1 when the threads or eventfds fail. */
static int two_thread_rep(struct cal *c, int batches, double v[CAL_NP])
{
	int warm = batches / 10 + 1;
	memset(c, 0, sizeof(*c));
	c->pl = (struct cal_plan){ warm, batches, 64 };
	if (cal_pair(c, pp_a, pp_b))
		return -1;
	v[0] = med(c->samp, batches);
	memset(c, 0, sizeof(*c));
	c->pl = (struct cal_plan){ warm, batches, 8 };
	if (cal_pair(c, run_w, run_r))
		return -1;
	double stream = (med(c->samp, batches) - 2 * v[0]) / CAL_RUN;
	v[1] = stream > 0 ? stream : 0;
	memset(c, 0, sizeof(*c));
	c->pl = (struct cal_plan){ warm, batches / 4 + 1, 8 };
	c->efd[0] = eventfd(0, 0);
	c->efd[1] = eventfd(0, 0);
	int rc = c->efd[0] < 0 || c->efd[1] < 0 ? -1 : cal_pair(c, efd_a, efd_b);
	if (c->efd[0] >= 0)
		close(c->efd[0]);
	if (c->efd[1] >= 0)
		close(c->efd[1]);
	if (rc)
		return -1;
	v[4] = med(c->samp, c->pl.batches); /* half the eventfd round trip; wakeup = this - doorbell */
	return 0;
}

static const char *const cal_names[CAL_NP] = { "line_transfer", "line_stream",	   "barrier_full",    "doorbell",
					       "wakeup",	"produce_per_msg", "handler_per_msg", "poll_interval" };

enum { C_O_OUT = SIM_O_LAST, C_O_QUICK, C_O_REPS };

int cmd_calibrate(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "out", required_argument, NULL, 'o' },
					      { "quick", no_argument, NULL, C_O_QUICK },
					      { "reps", required_argument, NULL, C_O_REPS },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("calibrate");
	const char *out = NULL;
	int quick = 0, reps = CAL_REPS, id;
	unsigned u;

	opterr = 0;
	while ((id = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (id) {
		case 'h':
			printf("usage: vbus-model calibrate [-o|--out FILE] [--quick] [--reps N]\n"
			       "Measure this machine's costs with micro-benchmarks on two pinned threads and write a\n"
			       "parameter file (JSON, what --params reads; stdout without --out): line_transfer,\n"
			       "line_stream, barrier_full, doorbell, wakeup, produce_per_msg, handler_per_msg,\n"
			       "poll_interval, in cycles of the model's nominal 3 GHz core (docs/spec/06-timing.md\n"
			       "TIM-3). Each benchmark runs in timed batches after a warm-up; a repetition's figure\n"
			       "is the median of its batches (a descheduled thread spoils a batch, not the figure),\n"
			       "the parameter the median of the repetitions. \"spread\" gives, per parameter, the\n"
			       "lowest and highest repetition figure; \"calibration\" the repetitions, batches and\n"
			       "the 1-minute load average before and after.\n"
			       "  --reps N  repetitions, 1 to %d (default %d)\n"
			       "  --quick   a fifth of the batches (a smoke run)\n"
			       "Run it on a quiet machine: the figures are what the CPUs did meanwhile.\n",
			       CAL_MAX_REPS, CAL_REPS);
			return 0;
		case 'o':
			out = optarg;
			break;
		case C_O_QUICK:
			quick = 1;
			break;
		case C_O_REPS:
			if (vbus_parse_uint(prog, "--reps", optarg, 1, CAL_MAX_REPS, &u))
				return VBUS_EXIT_USAGE;
			reps = (int)u;
			break;
		default:
			return vbus_getopt_error(prog, id, argv[optind - 1], optopt);
		}
	}
	if (optind < argc)
		return vbus_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	int batches = quick ? 40 : 200;
	uint64_t per = quick ? 500 : 1000; /* single-thread operations per batch */
	struct cal_plan pl = { batches / 10 + 1, batches, per };
	double v[CAL_NP][CAL_MAX_REPS], s[CAL_MAX_BATCHES], load0 = load1();
	struct cal *c = aligned_alloc(64, sizeof(*c));
	if (!c)
		return vbus_fail(prog, "memory", strerror(ENOMEM));
	for (int r = 0; r < reps; r++) {
		double x[CAL_NP];
		if (two_thread_rep(c, batches, x)) {
			free(c);
			return vbus_fail(prog, "threads", "cannot run the two measuring threads (or their eventfds)");
		}
		v[0][r] = x[0];
		v[1][r] = x[1];
		v[2][r] = fence_rep(&pl, s);
		v[3][r] = doorbell_rep(&pl, s);
		if (v[3][r] < 0) {
			free(c);
			return vbus_fail(prog, "eventfd", strerror(errno));
		}
		v[4][r] = x[4] > v[3][r] ? x[4] - v[3][r] : 0;
		v[5][r] = cpu_path_rep(&pl, s, 0);
		v[6][r] = cpu_path_rep(&pl, s, 1);
		v[7][r] = poll_rep(&pl, s);
	}
	free(c);
	double load_end = load1();
	struct vbus_out vo;
	FILE *f = stdout;
	if (out) {
		if (vbus_out_open(&vo, prog, out))
			return VBUS_EXIT_FAIL;
		f = vo.f;
	}
	uint64_t lo[CAL_NP], hi[CAL_NP];
	fprintf(f, "{\n");
	for (int k = 0; k < CAL_NP; k++) {
		uint64_t cy = cyc(med(v[k], reps)); /* med() sorts: v[k][0] and v[k][reps-1] are the extremes */
		lo[k] = cyc(v[k][0]);
		hi[k] = cyc(v[k][reps - 1]);
		if (k == 7) { /* poll_interval >= 1 (vm_param_set) */
			cy = cy < 1 ? 1 : cy;
			lo[k] = lo[k] < 1 ? 1 : lo[k];
			hi[k] = hi[k] < 1 ? 1 : hi[k];
		}
		fprintf(f, "  \"%s\": %llu,\n", cal_names[k], (unsigned long long)cy);
	}
	fprintf(f, "  \"spread\": {");
	for (int k = 0; k < CAL_NP; k++)
		fprintf(f, "%s\n    \"%s\": [%llu, %llu]", k ? "," : "", cal_names[k], (unsigned long long)lo[k],
			(unsigned long long)hi[k]);
	fprintf(f, "\n  },\n");
	fprintf(f,
		"  \"calibration\": {\"reps\": %d, \"batches\": %d, \"load_1min_before\": %.2f, "
		"\"load_1min_after\": %.2f}\n}\n",
		reps, batches, load0, load_end);
	if (out) {
		if (vbus_out_commit(&vo, prog))
			return VBUS_EXIT_FAIL;
		fprintf(stderr, "%s: wrote %s\n", prog, out);
	}
	return 0;
}

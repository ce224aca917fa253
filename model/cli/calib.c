// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's costs for the timing engine (docs/spec/06-timing.md TIM-3): the measuring half
 * of `vbus-model calibrate`, also run by `vbus-bench --model auto` inside its own process.
 * Nanoseconds become cycles of the model's nominal 3 GHz core (the engine's unit; vbus-bench
 * --model divides by the same 3 GHz), from CLOCK_MONOTONIC. The line, fence and eventfd costs
 * come from micro-benchmarks on two pinned threads; the per-message and per-call CPU path from
 * libvbus itself (the library vbus-bench measures), single-threaded and cache-hot, so the cache
 * traffic the engine charges apart (line_transfer, line_stream) is not counted twice.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "libvbus.h"
#include "vbusmodel/calib.h"

#define CAL_GHZ 3.0 /* the model's nominal core: cycles = ns * 3 */
#define CAL_MAX_REPS VM_CAL_MAX_REPS
#define CAL_RUN 32 /* lines in a run (line_stream) */
#define CAL_MAX_BATCHES 400
#define CAL_NP VM_CAL_NP
#define CAL_DESCHED_NS 100e6	  /* descheduling: each repetition watches both CPUs this long */
#define CAL_DESCHED_QUICK_NS 20e6 /* ... with --quick */
#define CAL_BUDGET_MS 30	  /* spin_budget: libvbus's wake-ups for this long (at least 64) */
#define CAL_BUDGET_QUICK_MS 10

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
	double samp2[CAL_MAX_BATCHES]; /* efd_a: ns per waking write; run_r: the one-line runs */
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
 * line_stream: the cost of each further line a reader misses in one run, once the first miss has paid
 * line_transfer (TIM-3: the engine charges the first miss of a pass apart). Rounds alternate: the writer
 * writes one line, or CAL_RUN lines, and raises the flag; the reader, seeing it, times its reads of those
 * lines alone and answers. samp: the CAL_RUN-line reads, samp2: the one-line reads (ns per round, batch
 * means); line_stream = (CAL_RUN-line run - one-line run) / (CAL_RUN - 1): the first miss and the clock's
 * own cost cancel. (The round trip around the run holds two flag hand-offs and the run's first miss on
 * each side, which a round's time divided by the lines would charge to every line.)
 */
static void *run_w(struct cal *c)
{
	for (uint64_t i = 1; i <= cal_total(c); i++) {
		int n = i % 2 ? 1 : CAL_RUN;
		for (int l = 0; l < n; l++)
			c->run[l][0] = i;
		__atomic_store_n(&c->flag, 2 * i - 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&c->flag, __ATOMIC_ACQUIRE) != 2 * i)
			cal_relax();
	}
	return NULL;
}

static void *run_r(struct cal *c)
{
	uint64_t sum = 0, i = 0;
	for (int b = 0; b < c->pl.warm + c->pl.batches; b++) {
		double t[2] = { 0, 0 };
		for (uint64_t j = 0; j < c->pl.per; j++) {
			i++;
			int n = i % 2 ? 1 : CAL_RUN;
			while (__atomic_load_n(&c->flag, __ATOMIC_ACQUIRE) != 2 * i - 1)
				cal_relax();
			double t0 = cal_now();
			for (int l = 0; l < n; l++)
				sum += __atomic_load_n(&c->run[l][0], __ATOMIC_RELAXED);
			t[n == 1] += cal_now() - t0;
			__atomic_store_n(&c->flag, 2 * i, __ATOMIC_RELEASE);
		}
		if (b >= c->pl.warm) {
			c->samp[b - c->pl.warm] = t[0] / (double)(c->pl.per / 2);
			c->samp2[b - c->pl.warm] = t[1] / (double)(c->pl.per / 2);
		}
	}
	c->sink = sum;
	return NULL;
}

/* wakeup: eventfd ping-pong, both sides blocking in read(); a sample is half a round trip. */
/*
 * The eventfd ping-pong, A's side. Each write of A wakes B: B wrote its reply and went back to its read
 * before A, woken in turn, runs again (half a round trip later). A times each write call alone as well:
 * samp2 is the sender's cost of a waking write (doorbell_wake), samp the half round trip.
 */
static void *efd_a(struct cal *c)
{
	uint64_t one = 1, v;
	for (int b = 0; b < c->pl.warm + c->pl.batches; b++) {
		double t0 = cal_now(), w = 0;
		for (uint64_t j = 0; j < c->pl.per; j++) {
			double w0 = cal_now();
			ssize_t n = write(c->efd[0], &one, 8);
			w += cal_now() - w0;
			if (n != 8 || read(c->efd[1], &v, 8) != 8) {
				c->err = -EIO;
				/* release the peer from its read: it sees err and stops */
				ssize_t w = write(c->efd[0], &one, 8);
				(void)w;
				return NULL;
			}
		}
		if (b >= c->pl.warm) {
			c->samp[b - c->pl.warm] = (cal_now() - t0) / (double)c->pl.per / 2;
			c->samp2[b - c->pl.warm] = w / (double)c->pl.per;
		}
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

/*
 * membarrier: MEMBARRIER_CMD_PRIVATE_EXPEDITED (what libvbus's receiver issues at MB-ENABLE on an
 * asymmetric link, SIG-14/SIG-15: in-process links only) timed in batches on CPU 0 while a thread of
 * this (registered) process spins on CPU 1, as the peer does; a sample is one call. c->err = -1 when
 * the kernel lacks the command.
 */
static void *mb_a(struct cal *c)
{
	for (int b = 0; b < c->pl.warm + c->pl.batches && !c->err; b++) {
		double t0 = cal_now();
		for (uint64_t j = 0; j < c->pl.per; j++)
			if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)) {
				c->err = -1;
				break;
			}
		if (b >= c->pl.warm)
			c->samp[b - c->pl.warm] = (cal_now() - t0) / (double)c->pl.per;
	}
	__atomic_store_n(&c->flag, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *mb_b(struct cal *c)
{
	while (!__atomic_load_n(&c->flag, __ATOMIC_ACQUIRE))
		cal_relax();
	return NULL;
}

/*
 * Descheduling (TIM-3): both threads spin reading the clock for a while, pinned as vbus-bench's are; a
 * gap of at least `gap` ns between two reads is a time the thread lost its CPU. Only gaps as long as the
 * spin budget count (the caller passes libvbus's adaptive one, the wake-up cost clamped): a shorter one
 * ends before a spinning peer gives up. Each thread keeps up to CAL_GAPS gap lengths.
 */
#define CAL_GAPS 1024
struct gap_arg {
	pthread_barrier_t *start;
	int cpu;
	double gap, dur;
	int n;
	double at[CAL_GAPS], len[CAL_GAPS]; /* each gap's start (the last read before it) and length */
};

static void *gap_thread(void *a)
{
	struct gap_arg *g = a;
	pin(g->cpu);
	pthread_barrier_wait(g->start);
	double t0 = cal_now(), prev = t0, t;
	while ((t = cal_now()) - t0 < g->dur) {
		if (t - prev >= g->gap && g->n < CAL_GAPS) {
			g->at[g->n] = prev;
			g->len[g->n++] = t - prev;
		}
		prev = t;
	}
	return NULL;
}

/*
 * Does a gap of one thread (start @at, @len ns) make the spinning peer give up (TIM-3)? The peer stops
 * hearing from us when the gap starts and spins for @budget ns of wall-clock time (libvbus's deadline);
 * it gives up if it runs at some moment of [start + budget, end): that part of our gap not covered by
 * its own gaps (@n of them, @pat, @plen; a descheduling of both CPUs at once, the whole VM's, makes
 * nobody give up, nor does one the peer sits out until we are back). At least 1 us of it, the clock's
 * resolution here with margin.
 */
int vm_cal_gap_counts(double at, double len, const double *pat, const double *plen, int n, double budget)
{
	double s = at + budget, e = at + len, cover = 0;

	if (e - s < 1e3)
		return 0;
	for (int j = 0; j < n; j++) {
		double os = pat[j] > s ? pat[j] : s, oe = pat[j] + plen[j] < e ? pat[j] + plen[j] : e;
		if (oe > os)
			cover += oe - os;
	}
	return e - s - cover >= 1e3;
}

/*
 * The two threads' gaps of at least @budget ns in @dur ns: *count of those that make the spinning
 * peer give up (gap_counts), their lengths (caller frees), *off the time off the CPU of all gaps of
 * both; -1 on failure
 */
static int desched_run(double budget, double dur, int *count, double **lens, double *off)
{
	struct gap_arg *g = calloc(2, sizeof(*g));
	pthread_barrier_t start;
	pthread_t t[2];
	int ok = 0;

	if (!g)
		return -1;
	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++)
		g[i] = (struct gap_arg){ .start = &start, .cpu = i, .gap = budget, .dur = dur };
	if (pthread_create(&t[0], NULL, gap_thread, &g[0]) == 0) {
		if (pthread_create(&t[1], NULL, gap_thread, &g[1]) == 0) {
			pthread_join(t[1], NULL);
			ok = 1;
		} else {
			pthread_barrier_wait(&start); /* release the first thread */
		}
		pthread_join(t[0], NULL);
	}
	pthread_barrier_destroy(&start);
	if (!ok) {
		free(g);
		return -1;
	}
	*lens = malloc((size_t)(g[0].n + g[1].n + 1) * sizeof(**lens));
	if (!*lens) {
		free(g);
		return -1;
	}
	*count = 0;
	*off = 0;
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < g[i].n; k++) {
			*off += g[i].len[k];
			if (vm_cal_gap_counts(g[i].at[k], g[i].len[k], g[1 - i].at, g[1 - i].len, g[1 - i].n, budget))
				(*lens)[(*count)++] = g[i].len[k];
		}
	free(g);
	return 0;
}

/* one repetition's desched_interval and desched_len (ns; 0 and 0 when no gap counted), against a spin
 * budget of @budget_ns; -1 on failure */
static int desched_rep(double budget_ns, double dur, double out[2])
{
	int n;
	double *len, off;

	if (desched_run(budget_ns, dur, &n, &len, &off))
		return -1;
	out[0] = n ? (2 * dur - off) / n : 0; /* running time per thread between two counted gaps */
	if (n && out[0] < 1)
		out[0] = 1;
	out[1] = n ? med(len, n) : 0;
	free(len);
	return 0;
}

/* one repetition's median ns per call, or 0 when this kernel has no private expedited membarrier */
static double membarrier_rep(struct cal *c, int batches)
{
	long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
	    syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		return 0;
	memset(c, 0, sizeof(*c));
	c->pl = (struct cal_plan){ batches / 40 + 1, batches / 4 + 1, 8 };
	if (cal_pair(c, mb_a, mb_b) || c->err)
		return 0;
	return med(c->samp, c->pl.batches);
}

/* ---- single-thread costs: each returns one repetition's median ns per operation ---- */

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

/*
 * The per-message and per-call CPU path of libvbus (TIM-3), on one thread pinned to CPU 0 with
 * both ends of one link (ring 1024, 64-byte buffers, polling), so every line is in its cache:
 *   send: a batch of SEND_MSGS messages sent in calls of b (1 or CAL_BURST), each message's
 *     content stamped first (as any sender does); the ring is drained after the batch, untimed.
 *     ns per call T(b) = Cp + b Mp, so Mp = (T(32) - T(1)) / 31, Cp = T(1) - Mp.
 *   send and receive: a batch of calls of b each followed by one receive call, the handler
 *     copying the payload out and reading it; per pair P(b) = Cp + Ch + b (Mp + Mh).
 * Each batch is timed as a whole (a clock read costs about 60 ns here, as much as a call).
 * The engine charges each kick's full fence and its load of the peer's irq record apart
 * (barrier_full + shm_access, one kick per send call and per drain pass of these sizes): the
 * per-call parameters are what is left.
 */
#define CAL_BURST 32
/*
 * libvbus is reached through dlopen() and dlsym() on its handle, never by symbol. It was needed when
 * vbus_explore_core (vbus-model links it: explore --impl core) exported its copy of libvbus.c, built
 * against the explorer's instrumented shim, under the same vbus_link_* names: the static definitions
 * won over libvbus.so's, and the "CPU path" timed through them came out 2.5-3x libvbus's own (T(1)
 * 67-79 ns against 26-31 ns in a program linking libvbus alone). That library now keeps every name
 * but its entry point local (model/explore-core/CMakeLists.txt, model.explore-core-link-names); the
 * handle stays, so calibrate times the installed library it names even beside another copy.
 */
#ifndef VBUS_LIBVBUS_PATH
#define VBUS_LIBVBUS_PATH "libvbus.so.1"
#endif
static struct {
	void *h;
	int (*create)(const struct vbus_link_params *, struct vbus_link **);
	int (*fds)(const struct vbus_link *, int[VBUS_LINK_NFDS]);
	int (*attach)(const int[VBUS_LINK_NFDS], struct vbus_link **);
	void (*close)(struct vbus_link *);
	int (*send)(struct vbus_link *, const struct vbus_link_msg *, unsigned int);
	int (*recv)(struct vbus_link *, enum vbus_wait, vbus_link_rx_fn, void *);
	uint64_t (*spin_budget)(const struct vbus_link *);
	int (*interrupt)(struct vbus_link *);
} lv;

/* libvbus's own entry points (the build tree's first, then the loader's search): 0 or -1 */
static int lv_open(void)
{
	if (lv.h)
		return 0;
	void *h = dlopen(VBUS_LIBVBUS_PATH, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libvbus.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -1;
	*(void **)&lv.create = dlsym(h, "vbus_link_create");
	*(void **)&lv.fds = dlsym(h, "vbus_link_fds");
	*(void **)&lv.attach = dlsym(h, "vbus_link_attach");
	*(void **)&lv.close = dlsym(h, "vbus_link_close");
	*(void **)&lv.send = dlsym(h, "vbus_link_send");
	*(void **)&lv.recv = dlsym(h, "vbus_link_recv");
	*(void **)&lv.spin_budget = dlsym(h, "vbus_link_spin_budget");
	*(void **)&lv.interrupt = dlsym(h, "vbus_link_interrupt");
	if (!lv.create || !lv.fds || !lv.attach || !lv.close || !lv.send || !lv.recv || !lv.spin_budget ||
	    !lv.interrupt) {
		dlclose(h);
		return -1;
	}
	lv.h = h;
	return 0;
}

const char *vm_cal_cpu_path_lib(void)
{
	Dl_info di;

	if (lv_open() || !dladdr(*(void **)&lv.send, &di) || !di.dli_fname)
		return NULL;
	return di.dli_fname;
}
#define SEND_MSGS 256 /* a quarter ring: one drain chunk */
#define CAL_MSG 64

/*
 * spin_budget (TIM-3): the budget libvbus's default wait (VBUS_WAIT_DEFAULT) adopts on this machine, its
 * adaptive one: the running average (1/8 weight) of the notify-to-running times libvbus measures of its
 * own wake-ups (the notifier stamps before its eventfd write, the woken side reads the clock when its
 * read returns), clamped to VBUS_LINK_SPIN_MIN_NS .. _MAX_NS. Taken from libvbus itself, in the
 * situation of a stream: south (CPU 1) waits blocked (VBUS_WAIT_BLOCK); north (CPU 0) sends one message
 * and keeps running, spinning until south has it, then for as long again (south is asleep again) before
 * the next; after @ms ms (at least 64 wake-ups), vbus_link_spin_budget() of south. The eventfd
 * ping-pong's wake-up (wakeup) has both sides sleep in turn; this one's waker runs on, as a stream's
 * sender does, and it is an average, not a median: a slow wake-up raises it.
 */
struct bud {
	_Alignas(64) uint64_t got;
	struct vbus_link *north, *south;
	double ms;
	int err;
	pthread_barrier_t start;
};

static uint32_t bud_rx(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	struct bud *b = arg;

	(void)data;
	(void)cookie;
	__atomic_fetch_add(&b->got, 1, __ATOMIC_RELEASE); /* pairs with the acquire load in bud_north */
	return len;
}

static void *bud_south(void *a)
{
	struct bud *b = a;

	pin(1);
	pthread_barrier_wait(&b->start);
	while (lv.recv(b->south, VBUS_WAIT_BLOCK, bud_rx, b) > 0)
		;
	return NULL;
}

static void *bud_north(void *a)
{
	struct bud *b = a;
	uint8_t msg[CAL_MSG] = { 1 };
	struct vbus_link_msg m = { .data = msg, .len = CAL_MSG };
	double begin;

	pin(0);
	pthread_barrier_wait(&b->start);
	begin = cal_now();
	for (uint64_t i = 0; i < 4096 && (i < 64 || cal_now() - begin < b->ms * 1e6); i++) {
		double t0 = cal_now(), t1;

		m.cookie = i;
		if (lv.send(b->north, &m, 1) != 1) {
			b->err = -1;
			break;
		}
		/* acquire: pairs with bud_rx's release add; a second without it is a failure */
		while (__atomic_load_n(&b->got, __ATOMIC_ACQUIRE) != i + 1)
			if (cal_now() - t0 > 1e9) {
				b->err = -1;
				break;
			}
		if (b->err)
			break;
		t1 = cal_now();
		while (cal_now() - t1 < t1 - t0 + 5e3)
			cal_relax();
	}
	lv.interrupt(b->south);
	return NULL;
}

/* one repetition's spin budget (ns), or -1 */
static double budget_rep(double ms)
{
	struct vbus_link_params lp = { .ring_count = 64, .buf_size = CAL_MSG };
	struct bud *b;
	int fds[VBUS_LINK_NFDS], ok = 0;
	pthread_t t[2];
	double r = -1;

	if (lv_open() || !(b = aligned_alloc(64, sizeof(*b))))
		return -1;
	memset(b, 0, sizeof(*b));
	b->ms = ms;
	if (lv.create(&lp, &b->north)) {
		free(b);
		return -1;
	}
	lv.fds(b->north, fds);
	for (int i = 0; i < VBUS_LINK_NFDS; i++)
		fds[i] = dup(fds[i]);
	if (lv.attach(fds, &b->south)) {
		for (int i = 0; i < VBUS_LINK_NFDS; i++)
			close(fds[i]);
		lv.close(b->north);
		free(b);
		return -1;
	}
	pthread_barrier_init(&b->start, NULL, 2);
	if (pthread_create(&t[1], NULL, bud_south, b) == 0) {
		if (pthread_create(&t[0], NULL, bud_north, b) == 0) {
			pthread_join(t[0], NULL);
			ok = 1;
		} else {
			lv.interrupt(b->south); /* the south thread leaves its wait at the barrier's end */
			pthread_barrier_wait(&b->start);
		}
		pthread_join(t[1], NULL);
	}
	pthread_barrier_destroy(&b->start);
	if (ok && !b->err)
		r = (double)lv.spin_budget(b->south);
	lv.close(b->south);
	lv.close(b->north);
	free(b);
	return r;
}

struct cpu_path {
	struct vbus_link *north, *south;
	struct vbus_link_msg m[CAL_BURST];
	uint8_t msg[CAL_BURST][CAL_MSG];
	uint64_t seq, sink;
	int err;
};

/* the handlers' copy, as vbus-bench's (rx_copy): its fixed 64 bytes inline; a variable-length copy is a libc call */
static inline void cal_rx_copy(uint8_t m[CAL_MSG], const void *data, uint32_t len)
{
	if (len == CAL_MSG)
		memcpy(m, data, CAL_MSG);
	else
		memcpy(m, data, len < CAL_MSG ? len : CAL_MSG);
}

static uint32_t cpu_rx(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	struct cpu_path *cp = arg;
	uint8_t m[CAL_MSG];

	(void)cookie;
	cal_rx_copy(m, data, len);
	cp->sink += m[8];
	return len;
}

static int cpu_send(struct cpu_path *cp, unsigned int b)
{
	for (unsigned int k = 0; k < b; k++) {
		uint64_t s = cp->seq++;
		memcpy(&cp->msg[k][8], &s, 8);
	}
	int r = lv.send(cp->north, cp->m, b);
	if (r != (int)b)
		cp->err = r < 0 ? r : -ENOSPC;
	return r;
}

static int cpu_recv(struct cpu_path *cp)
{
	int r = lv.recv(cp->south, VBUS_WAIT_POLL, cpu_rx, cp);
	if (r <= 0)
		cp->err = r < 0 ? r : -EIO;
	return r;
}

/* ns per send call of @b messages (send == 1) or per send + receive pair (send == 0), one batch */
static double cpu_batch(struct cpu_path *cp, unsigned int b, int send)
{
	unsigned int calls = SEND_MSGS / b;
	double t0 = cal_now(), t;

	for (unsigned int i = 0; i < calls && !cp->err; i++)
		if (cpu_send(cp, b) == (int)b && !send)
			cpu_recv(cp);
	t = cal_now() - t0;
	if (send && !cp->err)
		cpu_recv(cp); /* untimed: empty the ring for the next batch */
	return t / calls;
}

struct cpu_rep {
	const struct cal_plan *pl;
	double v[4]; /* T(1), T(32), P(1), P(32): medians of the batches */
	int err;
};

static void *cpu_thread(void *a)
{
	struct cpu_rep *r = a;
	struct vbus_link_params lp = { .ring_count = 1024, .buf_size = CAL_MSG };
	struct cpu_path *cp = calloc(1, sizeof(*cp));
	double s[4][CAL_MAX_BATCHES];
	int fds[VBUS_LINK_NFDS];

	pin(0);
	if (!cp || lv.create(&lp, &cp->north)) {
		r->err = -1;
		free(cp);
		return NULL;
	}
	lv.fds(cp->north, fds);
	for (int i = 0; i < VBUS_LINK_NFDS; i++)
		fds[i] = dup(fds[i]);
	if (lv.attach(fds, &cp->south)) {
		for (int i = 0; i < VBUS_LINK_NFDS; i++)
			close(fds[i]);
		lv.close(cp->north);
		free(cp);
		r->err = -1;
		return NULL;
	}
	memset(cp->msg, 1, sizeof(cp->msg));
	for (int k = 0; k < CAL_BURST; k++)
		cp->m[k] = (struct vbus_link_msg){ .data = cp->msg[k], .len = CAL_MSG };
	/* the four kinds interleaved batch by batch, so a slow moment of the machine hits all alike */
	for (int b = 0; b < r->pl->warm + r->pl->batches && !cp->err; b++)
		for (int k = 0; k < 4; k++) {
			double x = cpu_batch(cp, k & 1 ? CAL_BURST : 1, k < 2);
			if (b >= r->pl->warm)
				s[k][b - r->pl->warm] = x;
		}
	if (cp->err)
		r->err = -1;
	else
		for (int k = 0; k < 4; k++)
			r->v[k] = med(s[k], r->pl->batches);
	lv.close(cp->south);
	lv.close(cp->north);
	free(cp);
	return NULL;
}

/* One repetition: out[0..3] = produce_per_msg, handler_per_msg, produce_per_call, handler_per_call
 * (ns, before the kick's fence is taken off the per-call figures); 0 or -1. */
static int cpu_path_rep(const struct cal_plan *pl, double out[4])
{
	struct cpu_rep r = { .pl = pl };
	pthread_t t;

	if (lv_open())
		return -1;
	if (pthread_create(&t, NULL, cpu_thread, &r))
		return -1;
	pthread_join(t, NULL);
	if (r.err)
		return -1;
	double mp = (r.v[1] - r.v[0]) / (CAL_BURST - 1), cp = r.v[0] - mp;
	double mh = (r.v[3] - r.v[2]) / (CAL_BURST - 1) - mp, ch = r.v[2] - cp - mp - mh;
	out[0] = mp > 0 ? mp : 0;
	out[1] = mh > 0 ? mh : 0;
	out[2] = cp > 0 ? cp : 0;
	out[3] = ch > 0 ? ch : 0;
	return 0;
}

/*
 * The producer's send path into lines the consumer holds (TIM-3: produce_remote_msg, produce_remote_call),
 * libvbus's own, two threads: north on CPU 0 fills the whole ring (1024 64-byte messages) in send calls of
 * 1 or of CAL_BURST messages (alternating rounds), timed, with a full fence at the end (its stores
 * committed); then south on CPU 1 drains it all (polling, untimed), so every slot buffer line is in south's
 * cache again (as a lap of a stream leaves it) and north's next round reclaims and rewrites them. Each
 * store to such a line waits for an ownership request; the store buffer lets north run ahead of them only
 * so far, so this is the send path's cost in a stream, where the single-thread CPU path (cpu_path_rep)
 * has every line in its cache. ns per message R(b); per message (CAL_BURST R(32) - R(1)) / (CAL_BURST - 1),
 * per call R(1) less that (the engine charges the kick's loads apart).
 */
#define REM_RING 1024
struct remote {
	_Alignas(64) int turn; /* 0: north fills, 1: south drains, 2: stop */
	struct vbus_link *north, *south;
	const struct cal_plan *pl;
	double s[2][CAL_MAX_BATCHES]; /* ns per message: calls of 1, of CAL_BURST */
	uint64_t sink;
	int err;
};

/* the two-thread links' handler (remote_rep, stream_rep): the copy, one byte into @arg, a uint64_t sink */
static uint32_t sink_rx(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	uint64_t *sink = arg;
	uint8_t m[CAL_MSG];

	(void)cookie;
	cal_rx_copy(m, data, len);
	*sink += m[8];
	return len;
}

static void *remote_north(void *a)
{
	struct remote *r = a;
	uint8_t msg[CAL_BURST][CAL_MSG];
	struct vbus_link_msg m[CAL_BURST];
	int rounds = 2 * (r->pl->warm + r->pl->batches);

	pin(0);
	memset(msg, 1, sizeof(msg));
	for (int k = 0; k < CAL_BURST; k++)
		m[k] = (struct vbus_link_msg){ .data = msg[k], .len = CAL_MSG };
	for (int i = 0; i < rounds; i++) {
		unsigned int b = i % 2 ? CAL_BURST : 1, sent = 0;
		int turn;
		/* acquire: pairs with south's release store of turn (its drain before our rewrite) */
		while ((turn = __atomic_load_n(&r->turn, __ATOMIC_ACQUIRE)) == 1)
			cal_relax();
		if (turn == 2) /* south failed (err set) */
			return NULL;
		double t0 = cal_now();
		while (sent < REM_RING) {
			for (unsigned int k = 0; k < b; k++)
				memcpy(&msg[k][8], &sent, sizeof(sent));
			int n = lv.send(r->north, m, b);
			if (n <= 0) {
				__atomic_store_n(&r->err, -1, __ATOMIC_RELAXED); /* published by the turn store below */
				break;
			}
			sent += (unsigned int)n;
		}
		if (__atomic_load_n(&r->err, __ATOMIC_RELAXED))
			break;
		/* a full fence, no pair: the clock stops once the round's stores have committed (ownership done) */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		double t = (cal_now() - t0) / REM_RING;
		int bi = i / 2 - r->pl->warm;
		if (bi >= 0)
			r->s[b != 1][bi] = t;
		/* release: pairs with south's acquire load of turn (the ring's messages before its drain) */
		__atomic_store_n(&r->turn, 1, __ATOMIC_RELEASE);
	}
	/*
	 * Stop only once south has finished the last drain: its own store of turn (0 after a drain) would
	 * overwrite a 2 stored while it still drains, and it would wait for a round that never comes (seen
	 * under ASan: vbus-bench --model auto hung in this join). acquire: pairs with south's release store.
	 */
	while (__atomic_load_n(&r->turn, __ATOMIC_ACQUIRE) == 1)
		cal_relax();
	/* release: south leaves its loop (and sees err) */
	__atomic_store_n(&r->turn, 2, __ATOMIC_RELEASE);
	return NULL;
}

static void *remote_south(void *a)
{
	struct remote *r = a;
	int t;

	pin(1);
	/* acquire: pairs with north's release stores of turn */
	while ((t = __atomic_load_n(&r->turn, __ATOMIC_ACQUIRE)) != 2) {
		if (t != 1) {
			cal_relax();
			continue;
		}
		int err = 0;
		for (int got = 0; got < REM_RING;) {
			int n = lv.recv(r->south, VBUS_WAIT_POLL, sink_rx, &r->sink);
			if (n <= 0) {
				err = -1;
				__atomic_store_n(&r->err, -1, __ATOMIC_RELAXED); /* published by the turn store below */
				break;
			}
			got += n;
		}
		/* release: pairs with north's acquire load of turn (our drain before its next round) */
		__atomic_store_n(&r->turn, err ? 2 : 0, __ATOMIC_RELEASE);
		if (err)
			break;
	}
	return NULL;
}

/* A link of REM_RING 64-byte slots, both ends in this process (libvbus's own, through lv): 0 or -1 */
static int cal_link_open(struct vbus_link **north, struct vbus_link **south)
{
	struct vbus_link_params lp = { .ring_count = REM_RING, .buf_size = CAL_MSG };
	int fds[VBUS_LINK_NFDS];

	if (lv_open() || lv.create(&lp, north))
		return -1;
	lv.fds(*north, fds);
	for (int i = 0; i < VBUS_LINK_NFDS; i++)
		fds[i] = dup(fds[i]);
	if (lv.attach(fds, south)) {
		for (int i = 0; i < VBUS_LINK_NFDS; i++)
			close(fds[i]);
		lv.close(*north);
		return -1;
	}
	return 0;
}

/* South's thread, then north's, on @arg; @stop(arg) makes south leave when north's cannot start: 0 or -1 */
static int cal_link_run(void *arg, void *(*north)(void *), void *(*south)(void *), void (*stop)(void *))
{
	pthread_t t[2];
	int rc = -1;

	if (pthread_create(&t[1], NULL, south, arg) == 0) {
		if (pthread_create(&t[0], NULL, north, arg) == 0) {
			pthread_join(t[0], NULL);
			rc = 0;
		} else {
			stop(arg);
		}
		pthread_join(t[1], NULL);
	}
	return rc;
}

/* cal_link_run's stop: south leaves its loop when north's thread cannot start */
static void remote_stop(void *a)
{
	struct remote *r = a;

	__atomic_store_n(&r->turn, 2, __ATOMIC_RELEASE); /* release: south leaves its loop */
}

/* One repetition: out[0] produce_remote_msg, out[1] produce_remote_call (ns, the kick's loads still in the
 * per-call figure); 0 or -1 */
static int remote_rep(const struct cal_plan *pl, double out[2])
{
	struct remote *r = aligned_alloc(64, sizeof(*r));
	int rc;

	if (!r)
		return -1;
	memset(r, 0, sizeof(*r));
	r->pl = pl;
	if (cal_link_open(&r->north, &r->south)) {
		free(r);
		return -1;
	}
	rc = cal_link_run(r, remote_north, remote_south, remote_stop);
	if (!rc && !r->err) {
		double r1 = med(r->s[0], pl->batches), r32 = med(r->s[1], pl->batches);
		double mp = (CAL_BURST * r32 - r1) / (CAL_BURST - 1);
		out[0] = mp > 0 ? mp : 0;
		out[1] = r1 - out[0] > 0 ? r1 - out[0] : 0;
	} else {
		rc = -1;
	}
	lv.close(r->south);
	lv.close(r->north);
	free(r);
	return rc;
}

/*
 * produce_stream_call (TIM-3): libvbus's single-message send call in the stream's own steady state. North
 * on CPU 0 sends one 64-byte message per call without a pause (a full ring: it polls for completions, as
 * vbus-bench's stream does), south on CPU 1 receives at the same time (polling, the same copy), ring 1024;
 * north times batches of STREAM_CALLS calls (vbus-bench's batch), a repetition's figure is the median batch,
 * ns per call.
 * Not the fill of remote_rep: there south is idle while north sends, and on this machine that send path
 * follows the CPU's own fast and slow stretches (7 or 11-13 ns a cache-hot call) where the stream, with
 * south reading the index line between north's commits, did not (17-19.5 ns a message in both).
 */
#define STREAM_CALLS 4096 /* vbus-bench's batch clock: its stream figure is the median batch of 4096 */
struct stream {
	struct vbus_link *north, *south;
	const struct cal_plan *pl;
	uint64_t total; /* messages north sends, south receives */
	double s[CAL_MAX_BATCHES];
	_Alignas(64) int err; /* either side failed: the other leaves its loop */
	_Alignas(64) uint64_t sink;
};

static void *stream_north(void *a)
{
	struct stream *r = a;
	uint8_t msg[CAL_MSG];
	struct vbus_link_msg m = { .data = msg, .len = CAL_MSG };
	uint64_t sent = 0;

	pin(0);
	memset(msg, 1, sizeof(msg));
	for (int b = 0; b < r->pl->warm + r->pl->batches; b++) {
		double t0 = cal_now();
		for (int i = 0; i < STREAM_CALLS; i++, sent++) {
			memcpy(&msg[8], &sent, sizeof(sent));
			int n;
			/* relaxed: a flag only, south's failure (it stops receiving) ends the wait for room */
			while ((n = lv.send(r->north, &m, 1)) == 0 && !__atomic_load_n(&r->err, __ATOMIC_RELAXED))
				cal_relax();
			if (n != 1) {
				__atomic_store_n(&r->err, -1, __ATOMIC_RELAXED); /* a flag, as above */
				lv.interrupt(r->south); /* south may be polling for a message that never comes */
				return NULL;
			}
		}
		if (b >= r->pl->warm)
			r->s[b - r->pl->warm] = (cal_now() - t0) / STREAM_CALLS;
	}
	return NULL;
}

static void *stream_south(void *a)
{
	struct stream *r = a;

	pin(1);
	for (uint64_t got = 0; got < r->total;) {
		int n = lv.recv(r->south, VBUS_WAIT_POLL, sink_rx, &r->sink);
		if (n <= 0 || __atomic_load_n(&r->err, __ATOMIC_RELAXED)) { /* relaxed: a flag, see north */
			__atomic_store_n(&r->err, -1, __ATOMIC_RELAXED);
			return NULL;
		}
		got += (uint64_t)n;
	}
	return NULL;
}

/* cal_link_run's stop: south leaves its loop or its wait when north's thread cannot start */
static void stream_stop(void *a)
{
	struct stream *r = a;

	__atomic_store_n(&r->err, -1, __ATOMIC_RELAXED); /* a flag: south leaves its loop */
	lv.interrupt(r->south);				 /* ... or its wait */
}

/* One repetition: ns per single-message send call in a stream (produce_stream_call); 0 or -1 */
static int stream_rep(const struct cal_plan *pl, double *out)
{
	struct stream *r = aligned_alloc(64, sizeof(*r));
	int rc;

	if (!r)
		return -1;
	memset(r, 0, sizeof(*r));
	r->pl = pl;
	r->total = (uint64_t)(pl->warm + pl->batches) * STREAM_CALLS;
	if (cal_link_open(&r->north, &r->south)) {
		free(r);
		return -1;
	}
	rc = cal_link_run(r, stream_north, stream_south, stream_stop);
	if (!rc && !r->err)
		*out = med(r->s, pl->batches);
	else
		rc = -1;
	lv.close(r->south);
	lv.close(r->north);
	free(r);
	return rc;
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
	c->pl = (struct cal_plan){ warm, batches, 16 };
	if (cal_pair(c, run_w, run_r))
		return -1;
	double stream = (med(c->samp, batches) - med(c->samp2, batches)) / (CAL_RUN - 1);
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
	v[4] = med(c->samp, c->pl.batches);   /* half the eventfd round trip; wakeup = this - doorbell_wake */
	v[14] = med(c->samp2, c->pl.batches); /* the waking write */
	return 0;
}

static uint64_t cyc(double ns)
{
	return ns > 0 ? (uint64_t)(ns * CAL_GHZ + 0.5) : 0;
}

const int vm_cal_param[VM_CAL_NP] = { VM_P_LINE_TRANSFER,
				      VM_P_LINE_STREAM,
				      VM_P_BARRIER_FULL,
				      VM_P_DOORBELL,
				      VM_P_WAKEUP,
				      VM_P_PRODUCE_PER_MSG,
				      VM_P_HANDLER_PER_MSG,
				      VM_P_POLL_INTERVAL,
				      VM_P_PRODUCE_PER_CALL,
				      VM_P_HANDLER_PER_CALL,
				      VM_P_MEMBARRIER,
				      VM_P_DESCHED_INTERVAL,
				      VM_P_DESCHED_LEN,
				      VM_P_SPIN_BUDGET,
				      VM_P_DOORBELL_WAKE,
				      VM_P_PRODUCE_REMOTE_MSG,
				      VM_P_PRODUCE_REMOTE_CALL,
				      VM_P_PRODUCE_STREAM_CALL };

static int cal_fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

int vm_calibrate(int reps, int quick, struct vm_cal *out, char *err, size_t errlen)
{
	if (reps < 1 || reps > CAL_MAX_REPS)
		return cal_fail(err, errlen, "repetitions out of range");
	int batches = quick ? 40 : 200;
	uint64_t per = quick ? 500 : 1000; /* single-thread operations per batch */
	struct cal_plan pl = { batches / 10 + 1, batches, per };
	struct cal_plan cpl = { batches / 40 + 1, batches / 4 + 1, 0 }; /* libvbus batches: 256 messages */
	double v[CAL_NP][CAL_MAX_REPS], s[CAL_MAX_BATCHES], shm = 0;
	struct vm_params dflt;
	struct cal *c = aligned_alloc(64, sizeof(*c));

	if (!c)
		return cal_fail(err, errlen, strerror(ENOMEM));
	vm_params_default(&dflt);
	shm = dflt.v[VM_P_SHM_ACCESS] /
	      CAL_GHZ; /* the kick's load of the peer's irq record, as the engine charges it */
	memset(out, 0, sizeof(*out));
	out->load_before = load1();
	for (int r = 0; r < reps; r++) {
		double x[CAL_NP], cpu[4];
		if (two_thread_rep(c, batches, x)) {
			free(c);
			return cal_fail(err, errlen, "cannot run the two measuring threads (or their eventfds)");
		}
		v[0][r] = x[0];
		v[1][r] = x[1];
		v[2][r] = fence_rep(&pl, s);
		v[3][r] = doorbell_rep(&pl, s);
		if (v[3][r] < 0) {
			free(c);
			return cal_fail(err, errlen, "eventfd write failed");
		}
		/* wakeup: the half round trip less the waking write the sender pays (the engine charges both) */
		v[14][r] = x[14];
		v[4][r] = x[4] > x[14] ? x[4] - x[14] : 0;
		if (cpu_path_rep(&cpl, cpu)) {
			free(c);
			return cal_fail(err, errlen, "cannot run libvbus's CPU path (a link or its thread)");
		}
		v[5][r] = cpu[0];
		v[6][r] = cpu[1];
		double rem[2];
		if (remote_rep(&cpl, rem)) {
			free(c);
			return cal_fail(err, errlen,
					"cannot run libvbus's send path into the peer's lines (a link or its threads)");
		}
		/* the engine charges an unfenced kick's two accesses of the irq record apart (SIG-14, I1 and IA) */
		v[15][r] = rem[0];
		v[16][r] = rem[1] > 2 * shm ? rem[1] - 2 * shm : 0;
		if (stream_rep(&cpl, &v[17][r])) {
			free(c);
			return cal_fail(err, errlen,
					"cannot run libvbus's single-message stream (a link or its threads)");
		}
		v[7][r] = poll_rep(&pl, s);
		/* what the engine charges apart: each call's kick, a full fence and one load */
		double kick = (v[2][r] > 0 ? v[2][r] : 0) + shm;
		v[8][r] = cpu[2] > kick ? cpu[2] - kick : 0;
		v[9][r] = cpu[3] > kick ? cpu[3] - kick : 0;
		v[10][r] = membarrier_rep(c, batches);
		/* libvbus's adaptive budget, and against it the deschedulings that outlast it */
		v[13][r] = budget_rep(quick ? CAL_BUDGET_QUICK_MS : CAL_BUDGET_MS);
		if (v[13][r] < 0) {
			free(c);
			return cal_fail(err, errlen,
					"cannot run libvbus's wake-up measurement (a link or its threads)");
		}
		double d[2];
		if (desched_rep(v[13][r], quick ? CAL_DESCHED_QUICK_NS : CAL_DESCHED_NS, d)) {
			free(c);
			return cal_fail(err, errlen, "cannot run the two descheduling threads");
		}
		/* as a rate for the median (a repetition that saw no gap has rate 0, not interval 0) */
		v[11][r] = d[0] > 0 ? 1 / d[0] : 0;
		v[12][r] = d[1];
	}
	free(c);
	out->load_after = load1();
	out->reps = reps;
	out->batches = batches;
	for (int k = 0; k < CAL_NP; k++) {
		out->cy[k] = cyc(med(v[k], reps)); /* med() sorts: v[k][0] and v[k][reps-1] are the extremes */
		out->lo[k] = cyc(v[k][0]);
		out->hi[k] = cyc(v[k][reps - 1]);
		if (vm_cal_param[k] == VM_P_DESCHED_INTERVAL) { /* measured as gaps per ns: back to intervals */
			double m = med(v[k], reps);
			out->cy[k] = m > 0 ? cyc(1 / m) : 0;
			out->lo[k] = v[k][reps - 1] > 0 ? cyc(1 / v[k][reps - 1]) : 0;
			out->hi[k] = v[k][0] > 0 ? cyc(1 / v[k][0]) : 0;
			if (!out->hi[k]) /* a repetition without a gap: its interval is at least the watch, say that */
				out->hi[k] = out->lo[k] ? cyc(2 * (quick ? CAL_DESCHED_QUICK_NS : CAL_DESCHED_NS)) : 0;
			if (!out->cy[k]) /* most repetitions saw none: 0 (none), the spread from 0 */
				out->lo[k] = 0;
			if (out->hi[k] < out->cy[k])
				out->hi[k] = out->cy[k];
		}
		if (vm_cal_param[k] == VM_P_POLL_INTERVAL) { /* poll_interval >= 1 (vm_param_set) */
			out->cy[k] = out->cy[k] < 1 ? 1 : out->cy[k];
			out->lo[k] = out->lo[k] < 1 ? 1 : out->lo[k];
			out->hi[k] = out->hi[k] < 1 ? 1 : out->hi[k];
		}
	}
	return 0;
}

void vm_cal_apply(const struct vm_cal *c, struct vm_params *p)
{
	for (int k = 0; k < CAL_NP; k++)
		p->v[vm_cal_param[k]] = c->cy[k];
}

void vm_cal_write_json(FILE *f, const struct vm_cal *c)
{
	fprintf(f, "{\n");
	for (int k = 0; k < CAL_NP; k++)
		fprintf(f, "  \"%s\": %llu,\n", vm_param_name(vm_cal_param[k]), (unsigned long long)c->cy[k]);
	fprintf(f, "  \"spread\": {");
	for (int k = 0; k < CAL_NP; k++)
		fprintf(f, "%s\n    \"%s\": [%llu, %llu]", k ? "," : "", vm_param_name(vm_cal_param[k]),
			(unsigned long long)c->lo[k], (unsigned long long)c->hi[k]);
	fprintf(f, "\n  },\n");
	fprintf(f,
		"  \"calibration\": {\"reps\": %d, \"batches\": %d, \"load_1min_before\": %.2f, "
		"\"load_1min_after\": %.2f}\n}\n",
		c->reps, c->batches, c->load_before, c->load_after);
}

int vm_calibrate_lines(struct vm_params *p, int batches)
{
	double x[CAL_NP], g[2];
	struct cal *c;

	if (batches < 1 || batches > CAL_MAX_BATCHES)
		batches = 40;
	/*
	 * libvbus's spin budget and the deschedulings that outlast it move with the machine's load: first (130
	 * ms); the costs that move with the vCPUs' placement (a line's round trip ~150 or ~1300 cycles here,
	 * flipping within seconds) last, the send path into the peer's lines last of all, next to the run.
	 */
	double bud = budget_rep(CAL_BUDGET_MS);
	if (bud < 0 || desched_rep(bud, CAL_DESCHED_NS, g))
		return -1;
	p->v[VM_P_SPIN_BUDGET] = cyc(bud);
	p->v[VM_P_DESCHED_INTERVAL] = cyc(g[0]);
	p->v[VM_P_DESCHED_LEN] = cyc(g[1]);
	c = aligned_alloc(64, sizeof(*c));
	if (!c || two_thread_rep(c, batches, x)) {
		free(c);
		return -1;
	}
	free(c);
	p->v[VM_P_LINE_TRANSFER] = cyc(x[0]);
	p->v[VM_P_LINE_STREAM] = cyc(x[1]);
	/* the same repetition's eventfd half round trip, less its waking write (vm_calibrate's rule) */
	p->v[VM_P_DOORBELL_WAKE] = cyc(x[14]);
	p->v[VM_P_WAKEUP] = cyc(x[4] > x[14] ? x[4] - x[14] : 0);
	/* the send path into the peer's lines waits for ownership requests: it moves with the placement too */
	struct cal_plan rpl = { 2, batches / 4 + 1, 0 };
	double rem[2], shm = 0;
	struct vm_params dflt;
	vm_params_default(&dflt);
	shm = dflt.v[VM_P_SHM_ACCESS] / CAL_GHZ;
	if (remote_rep(&rpl, rem))
		return -1;
	p->v[VM_P_PRODUCE_REMOTE_MSG] = cyc(rem[0]);
	p->v[VM_P_PRODUCE_REMOTE_CALL] = cyc(rem[1] > 2 * shm ? rem[1] - 2 * shm : 0);
	/* the stream's own single-message send call, next to the run as well */
	double sc;
	if (stream_rep(&rpl, &sc))
		return -1;
	p->v[VM_P_PRODUCE_STREAM_CALL] = cyc(sc);
	return 0;
}

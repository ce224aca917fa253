// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-litmus: litmus-style stress of the production core's Dekker points
 * (docs/spec/01-shm-signal.md §1.3, 02-ioq.md §2.7) on real hardware.
 *
 * Each trial puts the ring into a known state through the core's own API,
 * then releases two threads at once; each spins a random short delay and
 * runs one side of a store->load pair with the real kernel/core functions:
 *
 *   drain   S: wakeup(handler pops)           N: push 1, kick (no EVENT_IDX: SIG-12 elision)
 *           from enabled=1 pending=1 dirty=1: MB-PUBLISH, MB-DRAIN, MB-CLEAR, MB-INJECT
 *   enable  S: enable, wakeup if self          N: push 1, kick   from disabled, clean: MB-ENABLE,
 * MB-INJECT poll    S: disable, pop all, enable, wakeup if self  N: push 1, kick: D1/E1-E3 against
 * I1-I4 arm     S: arm(1), pop if ready            N: push 1, kick (EVENT_IDX) with south armed for
 * 2: MB-ARM
 *   asym    as enable, on a VBUS_IOQ_F_ASYM_MB ring (§1.3.2 SIG-14/15): north's kick toward the
 *           disabled south has no fence (IA), south's MB-ENABLE is membarrier(PRIVATE_EXPEDITED),
 *           libvbus's in-process barrier; --asym-mb local plants it as a fence on south's CPU only
 *           (a barrier that misses north's CPU: must fail, given time and both threads running)
 *
 * The forbidden outcome is the same everywhere: the item north pushed was not
 * consumed by south in the trial AND north's kick did not ask for a
 * notification (a lost wakeup). Any other outcome is allowed. A failure
 * prints the scenario, trial, seed and delays and exits 1.
 *
 * Usage: vbus-litmus --help. Every run draws a fresh seed unless --seed is given; the seed is
 * printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "vbus_core.h"
#include "vbus_cli.h"

#define RING_COUNT 8u
#define MAX_DELAY 160u /* spin iterations; the two bodies overlap for most draws */

enum { T_DRAIN, T_ENABLE, T_POLL, T_ARM, T_ASYM, T_COUNT };
static const char *const test_name[T_COUNT] = { "drain", "enable", "poll", "arm", "asym" };
static int asym_local; /* --asym-mb local: the planted barrier */

/* The asym test's MB-ENABLE (SIG-15): every CPU running a thread of this process, or (planted) ours. */
static void lit_asym_mb(void)
{
	if (asym_local || syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* One test's outcome, kept for --json. */
struct lit_result {
	int ran, failed;
	uint64_t trials, fail_trial;
	double seconds;
};
static struct lit_result results[T_COUNT];

struct lit {
	int test;
	struct vbus_ioq_ring *ring;
	u64 region;
	struct ioq qn, qs;
	/* per trial, written by the main thread before `go` */
	unsigned int dn, ds;
	/* results */
	int kick_ret, s_ret, s_ret2;
	unsigned int popped;
	/* handshake */
	unsigned long go, done; /* atomic */
	int stop;		/* atomic */
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static void spin(unsigned int n)
{
	for (volatile unsigned int i = 0; i < n; i++)
		cpu_relax();
}

static int pop_one(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	struct lit *l = arg;

	(void)d;
	*used = 0;
	l->popped++;
	return 0;
}

static void pop_all(void *arg)
{
	struct lit *l = arg;

	while (ioq_pop(&l->qs, RING_COUNT, pop_one, l, NULL) > 0)
		;
}

static void reclaim_all(struct lit *l)
{
	while (ioq_reclaim(&l->qn, RING_COUNT, NULL, NULL, NULL) > 0)
		;
}

static int push_kick(struct lit *l)
{
	struct ioq_desc_info d = { .cookie = 1, .offset = 0, .len = 0, .flags = 0 };

	if (ioq_push(&l->qn, &d, 1) != 1)
		return -ENOSPC;
	return ioq_kick(&l->qn);
}

/* South's side of a trial. */
static void south_body(struct lit *l)
{
	switch (l->test) {
	case T_DRAIN:
		l->s_ret = shm_signal_wakeup(&l->qs.sig, pop_all, l, 0, NULL);
		break;
	case T_POLL:
		shm_signal_disable(&l->qs.sig);
		pop_all(l);
		__attribute__((fallthrough)); /* re-enable */
	case T_ENABLE:
	case T_ASYM:
		l->s_ret = shm_signal_enable(&l->qs.sig);
		if (l->s_ret == SHM_SIGNAL_SELF)
			l->s_ret2 = shm_signal_wakeup(&l->qs.sig, pop_all, l, 0, NULL);
		break;
	case T_ARM:
		l->s_ret = ioq_arm(&l->qs, 1);
		if (l->s_ret == IOQ_READY)
			pop_all(l);
		break;
	}
}

/* Sequential setup of a trial's start state, only through the core's API. */
static int setup(struct lit *l)
{
	reclaim_all(l);
	switch (l->test) {
	case T_DRAIN: /* enabled=1 pending=1 dirty=1, ring empty */
		if (shm_signal_enable(&l->qs.sig) == SHM_SIGNAL_SELF)
			shm_signal_wakeup(&l->qs.sig, pop_all, l, 0, NULL);
		if (push_kick(l) < 0)
			return -1;
		pop_all(l);
		break;
	case T_ENABLE: /* enabled=0 pending=0 dirty=0, ring empty */
	case T_ASYM:
		shm_signal_enable(&l->qs.sig);
		shm_signal_wakeup(&l->qs.sig, pop_all, l, 0, NULL);
		shm_signal_disable(&l->qs.sig);
		break;
	case T_POLL: /* enabled=1 pending=0 dirty=0, ring empty */
	case T_ARM:  /* the same, south armed for 2 more entries */
		shm_signal_enable(&l->qs.sig);
		shm_signal_wakeup(&l->qs.sig, pop_all, l, 0, NULL);
		if (l->test == T_ARM && ioq_arm(&l->qs, 2) != IOQ_ARMED)
			return -1;
		break;
	}
	reclaim_all(l);
	if (shm_signal_state(&l->ring->signal, VBUS_SOUTH) != (l->test == T_DRAIN			  ? 7u
							       : l->test == T_ENABLE || l->test == T_ASYM ? 0u
													  : 4u))
		return -1;
	l->popped = 0;
	l->s_ret = l->s_ret2 = -1;
	return 0;
}

static void *south_thread(void *arg)
{
	struct lit *l = arg;
	unsigned long seen = 0;

	for (;;) {
		unsigned long g;
		unsigned int waits = 0;

		while ((g = __atomic_load_n(&l->go, __ATOMIC_ACQUIRE)) == seen) {
			if (__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE))
				return NULL;
			if (++waits > 20000)
				sched_yield(); /* the machine is shared: do not starve the other
						  side */
			else
				cpu_relax();
		}
		seen = g;
		spin(l->ds);
		south_body(l);
		__atomic_store_n(&l->done, g, __ATOMIC_RELEASE);
	}
}

static int run_test(int test, uint64_t seed, double seconds, uint64_t max_trials, int quiet)
{
	size_t sz = VBUS_IOQ_RING_SIZE((u64)RING_COUNT);
	struct lit *l = calloc(1, sizeof(*l));
	uint64_t rs = seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(test + 1)), trial;
	pthread_t th;
	double t0 = now_s(), t;
	int ret = 0;

	if (!l || posix_memalign((void **)&l->ring, 64, sz)) {
		fprintf(stderr, "vbus-litmus: out of memory\n");
		exit(2);
	}
	memset(l->ring, 0, sz);
	l->test = test;
	struct ioq_offer o = { .asym_mb = lit_asym_mb };
	u16 fl = test == T_ARM ? VBUS_IOQ_F_EVENT_IDX : test == T_ASYM ? VBUS_IOQ_F_ASYM_MB : 0;

	if (ioq_north_init_offer(&l->qn, l->ring, RING_COUNT, fl, 0, sz, &o) ||
	    ioq_south_attach_offer(&l->qs, l->ring, sz, 0, &o)) {
		fprintf(stderr, "vbus-litmus: ring setup failed\n");
		exit(2);
	}
	pthread_create(&th, NULL, south_thread, l);
	for (trial = 1;; trial++) {
		unsigned int waits = 0;

		if ((trial & 255) == 0 && (now_s() - t0 >= seconds || (max_trials && trial > max_trials)))
			break;
		if (setup(l)) {
			fprintf(stderr,
				"vbus-litmus %s: trial %" PRIu64 ": setup did not reach the start state "
				"(south irq %u) - the core misbehaves sequentially\n",
				test_name[test], trial, shm_signal_state(&l->ring->signal, VBUS_SOUTH));
			ret = 1;
			break;
		}
		uint64_t r = rnd(&rs);
		l->dn = (unsigned int)(r % MAX_DELAY);
		l->ds = (unsigned int)((r >> 20) % MAX_DELAY);
		__atomic_store_n(&l->go, (unsigned long)trial, __ATOMIC_RELEASE);
		spin(l->dn);
		l->kick_ret = push_kick(l);
		while (__atomic_load_n(&l->done, __ATOMIC_ACQUIRE) != trial) {
			if (++waits > 20000)
				sched_yield();
			else
				cpu_relax();
		}
		if (l->kick_ret < 0) {
			fprintf(stderr, "vbus-litmus %s: trial %" PRIu64 ": push/kick failed (%d)\n", test_name[test],
				trial, l->kick_ret);
			ret = 1;
			break;
		}
		if (!l->popped && l->kick_ret != SHM_SIGNAL_NOTIFY) {
			fprintf(stderr,
				"vbus-litmus %s: FAIL at trial %" PRIu64 " after %.3f s (seed %" PRIu64
				", delays N %u S %u): lost wakeup: south did not consume the item "
				"and north's "
				"kick returned %d (no notification); south returned %d/%d; south "
				"irq "
				"enabled/pending/dirty = %u\n",
				test_name[test], trial, now_s() - t0, seed, l->dn, l->ds, l->kick_ret, l->s_ret,
				l->s_ret2, shm_signal_state(&l->ring->signal, VBUS_SOUTH));
			ret = 1;
			break;
		}
	}
	__atomic_store_n(&l->stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	t = now_s() - t0;
	results[test] = (struct lit_result){
		.ran = 1, .failed = ret, .trials = ret ? trial : trial - 1, .fail_trial = ret ? trial : 0, .seconds = t
	};
	if (!ret && !quiet)
		printf("vbus-litmus %s: PASS %" PRIu64 " trials in %.2f s (%.0f trials/s), no forbidden "
		       "outcome\n",
		       test_name[test], trial - 1, t, (double)(trial - 1) / t);
	free(l->ring);
	free(l);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vbus-litmus [--test drain|enable|poll|arm|asym|all] [--seconds S] [--trials N] "
		   "[--seed N] "
		   "[--asym-mb membarrier|local] [--quiet] [--json]\n"
		   "Litmus-style stress of the core's store->load barrier pairs on this machine.\n"
		   "  --test     which pair (default all; all stops at the first failure)\n"
		   "  --seconds  per test, 0 < S <= 3600 (default 1)\n"
		   "  --trials   stop a test after N trials as well (default: time only)\n"
		   "  --seed     reproduce a run's delay sequence (default: a fresh seed, printed)\n"
		   "  --asym-mb  the asym test's MB-ENABLE: membarrier (default: MEMBARRIER_CMD_PRIVATE_EXPEDITED,\n"
		   "             skipped without it) or local (PLANTED: a fence on south's CPU only; must fail)\n"
		   "  --json     one JSON object on stdout: \"config\", \"pass\" and \"runs\" (each test's "
		   "trials,\n"
		   "             seconds, trials_per_s, failed and at which trial); the seed line goes to stderr\n"
		   "Exit: 0 no forbidden outcome, 1 a lost wakeup (printed with its trial, seed and "
		   "delays), 2 usage.\n");
}

int main(int argc, char **argv)
{
	static const char *const prog = "vbus-litmus";
	static const struct option lo[] = { { "test", required_argument, 0, 't' },
					    { "seconds", required_argument, 0, 's' },
					    { "trials", required_argument, 0, 'n' },
					    { "seed", required_argument, 0, 'S' },
					    { "quiet", no_argument, 0, 'q' },
					    { "json", no_argument, 0, 'j' },
					    { "help", no_argument, 0, 'h' },
					    { "asym-mb", required_argument, 0, 'A' },
					    { 0, 0, 0, 0 } };
	double seconds = 1.0;
	uint64_t seed = 0, trials = 0;
	int seeded = 0, quiet = 0, json = 0, which = -1, ret = 0, o;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return VBUS_EXIT_OK;
		}
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":hq", lo, NULL)) != -1) {
		switch (o) {
		case 't':
			which = -2;
			if (!strcmp(optarg, "all"))
				which = -1;
			for (int t = 0; t < T_COUNT; t++)
				if (!strcmp(optarg, test_name[t]))
					which = t;
			if (which == -2)
				return vbus_usage_error(prog, "--test '%s': not drain, enable, poll, arm, asym or all",
							optarg);
			break;
		case 'A':
			if (strcmp(optarg, "membarrier") && strcmp(optarg, "local"))
				return vbus_usage_error(prog, "--asym-mb '%s': not membarrier or local", optarg);
			asym_local = !strcmp(optarg, "local");
			break;
		case 's':
			if (vbus_parse_double(prog, "--seconds", optarg, 0.001, 3600, &seconds))
				return VBUS_EXIT_USAGE;
			break;
		case 'n':
			if (vbus_parse_u64(prog, "--trials", optarg, 1, UINT64_MAX, &trials))
				return VBUS_EXIT_USAGE;
			break;
		case 'S':
			if (vbus_parse_u64(prog, "--seed", optarg, 0, UINT64_MAX, &seed))
				return VBUS_EXIT_USAGE;
			seeded = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return vbus_getopt_error(prog, o, argv[optind - 1], optopt);
		}
	}
	if (optind != argc)
		return vbus_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
	}
	fprintf(json ? stderr : stdout,
		"vbus-litmus: seed %" PRIu64 " (reproduce the delay sequence with --seed %" PRIu64 ")\n", seed, seed);
	fflush(stdout);
	for (int t = 0; t < T_COUNT && !ret; t++) {
		if (which >= 0 && which != t)
			continue;
		if (t == T_ASYM && !asym_local) {
			long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

			if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
			    syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0)) {
				fprintf(stderr, "vbus-litmus asym: SKIP: no membarrier(PRIVATE_EXPEDITED) here\n");
				if (which == T_ASYM)
					return 77;
				continue;
			}
		}
		ret = run_test(t, seed, seconds, trials, quiet || json);
	}
	if (json) {
		/* docs/cli.md: "config" holds every option that changes the figures */
		printf("{\n  \"config\": { \"test\": \"%s\", \"seconds\": %.3f, \"trials\": %" PRIu64
		       ", \"seed\": %" PRIu64 ", \"max_delay\": %u, \"asym_mb\": \"%s\" },\n",
		       which < 0 ? "all" : test_name[which], seconds, trials, seed, MAX_DELAY,
		       asym_local ? "local" : "membarrier");
		printf("  \"pass\": %s,\n  \"runs\": [", ret ? "false" : "true");
		for (int t = 0, n = 0; t < T_COUNT; t++) {
			const struct lit_result *r = &results[t];

			if (!r->ran)
				continue;
			printf("%s\n    { \"test\": \"%s\", \"trials\": %" PRIu64 ", \"seconds\": %.6f, "
			       "\"trials_per_s\": %.1f, \"failed\": %s, \"failed_trial\": %" PRIu64 " }",
			       n++ ? "," : "", test_name[t], r->trials, r->seconds,
			       r->seconds > 0 ? (double)r->trials / r->seconds : 0.0, r->failed ? "true" : "false",
			       r->fail_trial);
		}
		printf("\n  ]\n}\n");
	}
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Stress of libvbus's default in-process link, the asymmetric barrier (spec
 * §1.3.2 SIG-14, membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) at MB-ENABLE),
 * aimed at the one race it changes: a sender's fence-free suppress (IA reads
 * the receiver disabled) against the receiver's enable (E1, barrier, E3).
 * Both sides wait with VBUS_WAIT_SPIN and a spin budget drawn anew per wait
 * (0 to a few us); south counts each entry into its wait (arm_seq) and north,
 * before it sends, waits for that entry and then pauses a random 0-4 us, so
 * its kick lands in south's spin, its enable (E1-E3) or its sleep, spread
 * over the window where the race is (and the reverse direction too, less
 * aligned: north's own spin-to-sleep against south's completion kicks). Each round
 * sends 1-3 messages and waits for all of them to complete: a lost wakeup
 * leaves both sides asleep, and the watchdog fails the run with both sides'
 * state (no progress for --stall seconds). Every message must arrive once, in
 * order, intact. The link must really be asymmetric (vbus_link_asym) and both
 * sides must have slept (else the run tested nothing), or the test fails.
 *
 * Built twice: test_asym_stress (the library as shipped) and
 * test_asym_stress_planted (libvbus.c compiled in with the receiver's
 * membarrier() replaced by a fence on its own CPU only, i.e. the barrier of a
 * cross-process link or of vbus-explore-core --asym-as-mb: the plant this test
 * has to catch). Exit 77 without membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef ASYM_STRESS_PLANTED
#include "libvbus.h"
#endif
#include "link_pair.h"

static struct link_pair_seq seq; /* south's: what arrived */
static uint64_t progress;	 /* atomic: rounds done */
static uint64_t arm_seq;	 /* atomic: south's entries into vbus_link_recv */
static int stall_s = 3;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* 0, 100 ns, 300 ns, 1 us, 3 us: around a wake-up's start, not its whole cost */
static uint64_t budget(uint64_t *s)
{
	static const uint64_t b[] = { 0, 100, 300, 1000, 3000 };

	return b[rnd(s) % 5];
}

static void *south_loop(void *arg)
{
	uint64_t s = (uintptr_t)arg | 1;

	for (;;) {
		vbus_link_set_spin(south, budget(&s));
		__atomic_fetch_add(&arm_seq, 1, __ATOMIC_RELEASE);
		if (vbus_link_recv(south, VBUS_WAIT_SPIN, link_pair_rx_seq, &seq) <= 0)
			break;
	}
	return NULL;
}

static void *watchdog(void *arg)
{
	uint64_t last = 0, now;
	char nd[512], sd[512];

	(void)arg;
	for (;;) {
		sleep((unsigned int)stall_s);
		now = __atomic_load_n(&progress, __ATOMIC_RELAXED);
		if (now != last) {
			last = now;
			continue;
		}
		vbus_link_dump(north, nd, sizeof(nd));
		vbus_link_dump(south, sd, sizeof(sd));
		fprintf(stderr,
			"FAIL: no progress for %d s after %" PRIu64
			" rounds: lost wakeup (both sides asleep)\n  %s\n  %s\n",
			stall_s, now, nd, sd);
		fflush(NULL);
		_exit(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct vbus_link_stats ns, ss;
	double seconds = argc > 1 ? atof(argv[1]) : 5;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)mono_ns(), s, rounds = 0, sent = 0, t_end;
	pthread_t t, w;
	int ret;

	if (argc > 3)
		stall_s = atoi(argv[3]);
	ret = link_pair_open_asym();
	if (ret)
		return ret;
	printf("seed %" PRIu64 " (argv: SECONDS SEED STALL_S reproduces), %.1f s%s\n", seed, seconds,
#ifdef ASYM_STRESS_PLANTED
	       ", PLANTED: the receiver's barrier on its own CPU only"
#else
	       ""
#endif
	);
	fflush(stdout);
	s = seed | 1;
	pthread_create(&w, NULL, watchdog, NULL);
	pthread_create(&t, NULL, south_loop, (void *)(uintptr_t)(seed * 0x9e3779b97f4a7c15ull));
	t_end = mono_ns() + (uint64_t)(seconds * 1e9);
	uint64_t seen = 0;

	while (mono_ns() < t_end) {
		unsigned int k = 1 + rnd(&s) % 3;
		uint64_t pause = rnd(&s) % 4000, t0 = mono_ns();

		/* south's next entry into its wait (at most 50 us: it may be descheduled), then a random
		 * pause: the kick lands anywhere in south's spin, its enable, or its sleep */
		while (__atomic_load_n(&arm_seq, __ATOMIC_ACQUIRE) <= seen && mono_ns() - t0 < 50000)
			;
		seen = __atomic_load_n(&arm_seq, __ATOMIC_ACQUIRE);
		t0 = mono_ns();
		while (mono_ns() - t0 < pause)
			;
		for (unsigned int i = 0; i < k; i++) {
			struct vbus_link_msg m = { .data = &sent, .len = sizeof(sent), .cookie = sent };

			if (vbus_link_send(north, &m, 1) != 1) {
				fprintf(stderr, "send %" PRIu64 " failed\n", sent);
				return 1;
			}
			sent++;
		}
		while (vbus_link_in_flight(north)) {
			vbus_link_set_spin(north, budget(&s));
			if (vbus_link_wait_done(north, VBUS_WAIT_SPIN) < 0) {
				fprintf(stderr, "wait_done failed\n");
				return 1;
			}
		}
		rounds++;
		__atomic_store_n(&progress, rounds, __ATOMIC_RELAXED);
	}
	vbus_link_interrupt(south);
	pthread_join(t, NULL);
	vbus_link_get_stats(north, &ns);
	vbus_link_get_stats(south, &ss);
	printf("%" PRIu64 " rounds, %" PRIu64 " messages; sleeps: north %" PRIu64 ", south %" PRIu64
	       "; doorbells %" PRIu64 ", interrupts %" PRIu64 ", suppressed kicks %" PRIu64 " + %" PRIu64
	       "; bad %" PRIu64 "\n",
	       rounds, sent, ns.wakeups, ss.wakeups, ns.notifies, ss.notifies, ns.suppressed, ss.suppressed, seq.bad);
	if (seq.bad || seq.expect != sent) {
		fprintf(stderr, "FAIL: %" PRIu64 " bad, %" PRIu64 " of %" PRIu64 " received\n", seq.bad, seq.expect,
			sent);
		return 1;
	}
	if (!ns.wakeups || !ss.wakeups) {
		fprintf(stderr,
			"FAIL: a side never slept: its enable path (the asymmetric barrier) was not exercised\n");
		return 1;
	}
	vbus_link_close(south);
	vbus_link_close(north);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libvbus's sampled wake-up measurement (docs/spec/05-transports.md §5.3):
 * the library itself (tools/libvbus/libvbus.c) compiled in with a fake
 * CLOCK_MONOTONIC that moves 1 us per read unless the test moves it, so the
 * rate of sleeps is under the test's control. A side asks the peer for a
 * stamp for its first LINK_SAMPLE_FIRST sleeps; then on every every-th sleep,
 * every sized to about one measurement per LINK_SAMPLE_NS from the rate since
 * the last one (at most LINK_SAMPLE_EVERY_MAX); the sleeps in between leave
 * the stamp line alone (no request, no stamp, the estimate unchanged).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <time.h>

static uint64_t fake_ns = 1000000000ull; /* atomic; starts at 1 s (a stamp of 0 means none) */

static int fake_clock_gettime(clockid_t c, struct timespec *ts)
{
	uint64_t t = __atomic_fetch_add(&fake_ns, 1000, __ATOMIC_RELAXED);

	(void)c;
	ts->tv_sec = t / 1000000000ull;
	ts->tv_nsec = t % 1000000000ull;
	return 0;
}

/* after every system header (include guards keep the name out of their declarations) */
#define clock_gettime(c, ts) fake_clock_gettime(c, ts)
#include "libvbus.c"
#undef clock_gettime

#include "../vbus_check.h"
#define LINK_PAIR_CHECK
#include "link_pair.h"

/* the pair, and south asks for stamps (the stamp line is mapped) */
static void setup(void)
{
	link_pair_setup();
	ck_assert_ptr_nonnull(south->stamp);
}

static uint64_t stamp_of_south(void)
{
	return __atomic_load_n(&south->stamp[VBUS_SOUTH], __ATOMIC_RELAXED);
}

static uint64_t request_of_south(void)
{
	return __atomic_load_n(&south->stamp[2 + VBUS_SOUTH], __ATOMIC_RELAXED);
}

START_TEST(measured_first_then_sampled)
{
	uint64_t s0, e0, at0;
	uint32_t every;
	int i;

	/* the first wake-ups are all measured: each one a new stamp */
	for (i = 0; i < 100 && south->samples < LINK_SAMPLE_FIRST; i++) {
		uint64_t before = stamp_of_south();

		if (south->samples == LINK_SAMPLE_FIRST - 1) /* the last one 250 us after the one before */
			__atomic_fetch_add(&fake_ns, LINK_SAMPLE_NS / 4, __ATOMIC_RELAXED);
		one_wakeup();
		if (south->samples)
			ck_assert_uint_ne(stamp_of_south(), before);
	}
	ck_assert_uint_eq(south->samples, LINK_SAMPLE_FIRST);
	ck_assert_uint_eq(request_of_south(), 0); /* withdrawn after the measurement */
	ck_assert(!south->asked);
	/* one sleep in 250 us (plus the clock reads' microseconds): every 3rd sleep is about one per ms */
	every = south->every;
	ck_assert_uint_eq(every, 3);
	s0 = stamp_of_south();
	e0 = south->wake_ewma_ns;
	at0 = south->sample_at;

	/* the sleeps in between: no request, no stamp, no new estimate */
	for (i = 1; i < (int)every; i++) {
		one_wakeup();
		ck_assert_uint_eq(request_of_south(), 0);
		ck_assert_uint_eq(stamp_of_south(), s0);
		ck_assert_uint_eq(south->wake_ewma_ns, e0);
		ck_assert_uint_eq(south->sample_at, at0);
	}
	/* the every-th is measured again */
	one_wakeup();
	ck_assert_uint_ne(stamp_of_south(), s0);
	ck_assert_uint_gt(south->sample_at, at0);
	ck_assert_uint_eq(request_of_south(), 0);
	/* 3 sleeps in a few microseconds of the fake clock: hundreds of sleeps per measurement */
	ck_assert_uint_ge(south->every, 100);
	ck_assert_uint_le(south->every, LINK_SAMPLE_EVERY_MAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libvbus-spin-sample");

	tcase_add_test(link_pair_tcase(s, "sample", setup, 30), measured_first_then_sampled);
	return vbus_check_run(s);
}

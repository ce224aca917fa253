// SPDX-License-Identifier: GPL-2.0
/*
 * Sequential gaps the mutation audit found (issue 12): the lower boundary of
 * ioq_need_event, a hostile south against north's ioq_reclaim, enable with
 * only pending set, and the E3 and W4 re-checks driven to their "found
 * something" branch (W7 is unreachable sequentially: litmus and explorer).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vbus_core.h"
#include "../vbus_check.h"
#include "core_fixtures.h"

/* ------------------------------------------------------------ event index */

START_TEST(need_event_boundaries)
{
	/* need_event(event, new, old): did [old, new) cross event, i.e. old <= event < new? */
	ck_assert(ioq_need_event(10, 13, 10));	/* lower boundary: event == old */
	ck_assert(!ioq_need_event(9, 13, 10));	/* one below the window */
	ck_assert(ioq_need_event(12, 13, 10));	/* upper boundary: event == new - 1 */
	ck_assert(!ioq_need_event(13, 13, 10)); /* event == new */
	ck_assert(!ioq_need_event(10, 10, 10)); /* empty window */
	/* the same across the 2^32 wrap */
	ck_assert(ioq_need_event(0xfffffffeu, 1, 0xfffffffeu));
	ck_assert(!ioq_need_event(0xfffffffdu, 1, 0xfffffffeu));
	ck_assert(ioq_need_event(0, 1, 0xfffffffeu));
	ck_assert(!ioq_need_event(1, 1, 0xfffffffeu));
}
END_TEST

/* ------------------------------------------------------------ ring */

static void ring_setup(void)
{
	ring_setup_count(8, VBUS_IOQ_F_EVENT_IDX, 100);
}

static void expect_north_broken(const char *why)
{
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, NULL), -EIO);
	ck_assert(qn.broken);
	ck_assert_str_eq(qn.violation, why);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, NULL), -EIO); /* sticky */
	ck_assert_int_eq(push_n(1, 0), -EIO);
	ck_assert_int_eq(ioq_kick(&qn), -EIO);
	ck_assert_int_eq(ioq_arm(&qn, 1), -EIO);
}

START_TEST(reclaim_rejects_index_past_published)
{
	ck_assert_int_eq(push_n(3, 0), 3);
	ck_assert_int_eq(ioq_pop(&qs, 2, NULL, NULL, NULL), 2);
	/* hostile south claims 4 completions while north published 3 */
	reg.ring.south.index = 104;
	expect_north_broken("index");
}
END_TEST

START_TEST(reclaim_rejects_index_exactly_one_past)
{
	ck_assert_int_eq(push_n(2, 0), 2);
	reg.ring.south.index = 103; /* published 2: 102 is the limit */
	expect_north_broken("index");
}
END_TEST

START_TEST(reclaim_accepts_index_at_limit)
{
	ck_assert_int_eq(push_n(2, 0), 2);
	ck_assert_int_eq(ioq_pop(&qs, 2, NULL, NULL, NULL), 2);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, NULL), 2);
	ck_assert(!qn.broken);
}
END_TEST

START_TEST(reclaim_rejects_index_behind)
{
	ck_assert_int_eq(push_n(2, 0), 2);
	ck_assert_int_eq(ioq_pop(&qs, 2, NULL, NULL, NULL), 2);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, NULL), 2);
	reg.ring.south.index = 99; /* runs backwards */
	expect_north_broken("index");
}
END_TEST

START_TEST(pop_rejects_index_one_past_count)
{
	reg.ring.north.index = 109; /* si 100, count 8 */
	ck_assert_int_eq(ioq_pop(&qs, 8, NULL, NULL, NULL), -EIO);
	ck_assert_str_eq(qs.violation, "index");
}
END_TEST

START_TEST(pop_accepts_index_at_count)
{
	ck_assert_int_eq(push_n(8, 0), 8);
	ck_assert_int_eq(ioq_pop(&qs, 8, NULL, NULL, NULL), 8);
	ck_assert(!qs.broken);
}
END_TEST

START_TEST(range_at_region_end)
{
	struct ioq_desc_info d = { .cookie = 1, .offset = REGION - 64, .len = 64 };

	ck_assert_int_eq(ioq_push(&qn, &d, 1), 1);
	ck_assert_int_eq(ioq_pop(&qs, 1, NULL, NULL, NULL), 1); /* ends exactly at the region end */
	d.offset = REGION - 63;
	ck_assert_int_eq(ioq_push(&qn, &d, 1), 1);
	ck_assert_int_eq(ioq_pop(&qs, 1, NULL, NULL, NULL), -EIO); /* one byte past */
	ck_assert_str_eq(qs.violation, "range");
}
END_TEST

START_TEST(arm_reports_ready_at_threshold)
{
	ck_assert_int_eq(push_n(2, 0), 2);
	ck_assert_int_eq(ioq_arm(&qs, 3), IOQ_ARMED); /* 2 of 3 */
	ck_assert_int_eq(ioq_arm(&qs, 2), IOQ_READY); /* exactly 2 */
	ck_assert_uint_eq(reg.ring.south.event, 101); /* seen + t - 1 */
}
END_TEST

/* ------------------------------------------------------------ signal */

static unsigned int passes;

static void signal_setup(void)
{
	signal_bind_both();
	passes = 0;
}

START_TEST(enable_with_only_pending)
{
	/* a notification was decided (pending=1) and its dirty already cleared by a drain */
	sd.irq[VBUS_SOUTH].pending = 1;
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH), 2u);
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_SELF);
}
END_TEST

START_TEST(enable_with_only_dirty)
{
	sd.irq[VBUS_SOUTH].dirty = 1;
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_SELF);
}
END_TEST

START_TEST(enable_clean_is_ok)
{
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_OK);
}
END_TEST

/* A handler that plays the sender once, at the pass given: inject after dirty was cleared (W4's
 * re-check). */
static unsigned int inject_at;
static void inject_in_handler(void *arg)
{
	(void)arg;
	if (++passes == inject_at)
		ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_SUPPRESS); /* pending is 1 */
}

START_TEST(wakeup_w4_drains_again)
{
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_NOTIFY);
	inject_at = 1;
	ck_assert_int_eq(shm_signal_wakeup(&ss, inject_in_handler, NULL, 0, NULL), SHM_SIGNAL_OK);
	ck_assert_uint_eq(passes, 2);				  /* W4 saw dirty and ran the handler again */
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH), 4u); /* enabled, not pending, clean */
}
END_TEST

static Suite *gaps_suite(void)
{
	Suite *s = suite_create("core-gaps");
	TCase *tc = tcase_create("event");

	tcase_add_test(tc, need_event_boundaries);
	suite_add_tcase(s, tc);

	tc = tcase_create("ring");
	tcase_add_checked_fixture(tc, ring_setup, NULL);
	tcase_add_test(tc, reclaim_rejects_index_past_published);
	tcase_add_test(tc, reclaim_rejects_index_exactly_one_past);
	tcase_add_test(tc, reclaim_accepts_index_at_limit);
	tcase_add_test(tc, reclaim_rejects_index_behind);
	tcase_add_test(tc, pop_rejects_index_one_past_count);
	tcase_add_test(tc, pop_accepts_index_at_count);
	tcase_add_test(tc, range_at_region_end);
	tcase_add_test(tc, arm_reports_ready_at_threshold);
	suite_add_tcase(s, tc);

	tc = tcase_create("signal");
	tcase_add_checked_fixture(tc, signal_setup, NULL);
	tcase_add_test(tc, enable_with_only_pending);
	tcase_add_test(tc, enable_with_only_dirty);
	tcase_add_test(tc, enable_clean_is_ok);
	tcase_add_test(tc, wakeup_w4_drains_again);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vbus_check_run(gaps_suite());
}

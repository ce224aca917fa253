// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest traffic tests of vbus.ko: a userspace north (north.c, the core in
 * userspace) against the module's echo/null backends (the same core in the
 * kernel). Echo integrity, notification mitigation, hostile north, churn.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "guest_util.h"
#include "north.h"
#include "traffic.h"

#define ECHO_MESSAGES 1000000ull
#define PINGPONG_MESSAGES 500ull

static const struct north_cfg echo_saturate = {
	.type = "echo", .count = 1024, .ring_flags = VBUS_IOQ_F_EVENT_IDX, .slot = 0,
};
static const struct north_cfg echo_plain = {
	.type = "echo", .count = 256, .ring_flags = 0, .slot = 0,
};

static void print_rate(const char *what, uint64_t msgs, double secs, const struct vbus_ioc_stats *st,
		       const struct north *n)
{
	printf("%s: %llu messages in %.2f s = %.0f msg/s; module: doorbells %llu interrupts %llu "
	       "suppressed %llu messages %llu -> %.5f interrupts/msg, %.5f doorbells/msg; "
	       "north: doorbells %llu irqs read %llu\n",
	       what, (unsigned long long)msgs, secs, msgs / secs, (unsigned long long)st->doorbells,
	       (unsigned long long)st->interrupts, (unsigned long long)st->suppressed,
	       (unsigned long long)st->messages, (double)st->interrupts / (double)msgs,
	       (double)st->doorbells / (double)msgs, (unsigned long long)n->doorbells,
	       (unsigned long long)n->irqs);
}

/* 1M echoes with sequence numbers and checksums; a saturated stream. */
START_TEST(t_echo_million_saturated)
{
	struct vbus_ioc_stats st;
	struct north n;
	double t0, t1;
	int ret;

	ck_assert_int_eq(north_open(&n, &echo_saturate), 0);
	t0 = gu_now();
	ret = north_run(&n, ECHO_MESSAGES, NORTH_SATURATE, 90);
	t1 = gu_now();
	ck_assert_int_eq(gu_get_stats(n.link, 0, &st), 0);
	print_rate("echo saturated", n.echoed, t1 - t0, &st, &n);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(n.errors, 0);
	ck_assert_uint_eq(n.echoed, ECHO_MESSAGES);
	ck_assert_uint_eq(n.tx_done, ECHO_MESSAGES);
	ck_assert_uint_eq(st.messages, ECHO_MESSAGES);
	ck_assert_uint_eq(st.broken, 0);
	ck_assert_uint_eq(st.violations, 0);
	/* Mitigation under a saturated stream: at most one interrupt per 100 messages. */
	ck_assert_msg(st.interrupts * 100 <= ECHO_MESSAGES, "%llu interrupts for %llu messages",
		      (unsigned long long)st.interrupts, ECHO_MESSAGES);
	/* Every interrupt the module sent reached north's eventfd (read now or still counted). */
	{
		eventfd_t v = 0;

		eventfd_read(n.call[1], &v);
		ck_assert_uint_eq(n.irqs + v, st.interrupts);
	}
	north_close(&n);
}
END_TEST

/* Ping-pong: one message in flight, exactly one interrupt per message. */
START_TEST(t_echo_pingpong_one_interrupt_per_message)
{
	struct vbus_ioc_stats st0, st;
	struct north n;
	double t0, t1;

	ck_assert_int_eq(north_open(&n, &echo_plain), 0);
	/* Warm up (posts the rx buffers), then measure from a quiet state. */
	ck_assert_int_eq(north_run(&n, 10, NORTH_PINGPONG, 10), 0);
	ck_assert_int_eq(gu_get_stats(n.link, 0, &st0), 0);
	t0 = gu_now();
	ck_assert_int_eq(north_run(&n, PINGPONG_MESSAGES, NORTH_PINGPONG, 60), 0);
	t1 = gu_now();
	ck_assert_int_eq(gu_get_stats(n.link, 0, &st), 0);
	st.doorbells -= st0.doorbells;
	st.interrupts -= st0.interrupts;
	st.suppressed -= st0.suppressed;
	st.messages -= st0.messages;
	print_rate("echo ping-pong", PINGPONG_MESSAGES, t1 - t0, &st, &n);
	ck_assert_uint_eq(n.errors, 0);
	ck_assert_uint_eq(st.messages, PINGPONG_MESSAGES);
	ck_assert_uint_eq(st.interrupts, PINGPONG_MESSAGES);
	north_close(&n);
}
END_TEST

/* The null backend under a saturated stream, for throughput against echo. */
START_TEST(t_null_saturated)
{
	const struct north_cfg cfg = {
		.type = "null", .count = 1024, .ring_flags = VBUS_IOQ_F_EVENT_IDX, .slot = 5,
	};
	struct vbus_ioc_stats st;
	struct north n;
	double t0, t1;

	ck_assert_int_eq(north_open(&n, &cfg), 0);
	t0 = gu_now();
	ck_assert_int_eq(north_run(&n, 500000, NORTH_SATURATE, 60), 0);
	t1 = gu_now();
	ck_assert_int_eq(gu_get_stats(n.link, 5, &st), 0);
	print_rate("null saturated", n.tx_done, t1 - t0, &st, &n);
	ck_assert_uint_eq(n.errors, 0);
	ck_assert_uint_eq(st.messages, 500000);
	ck_assert(st.interrupts * 100 <= 500000);
	north_close(&n);
}
END_TEST

Suite *traffic_suite(void)
{
	Suite *s = suite_create("vbus.ko traffic");
	TCase *echo = tcase_create("Echo");

	tcase_add_test(echo, t_echo_million_saturated);
	tcase_add_test(echo, t_echo_pingpong_one_interrupt_per_message);
	tcase_add_test(echo, t_null_saturated);
	tcase_set_timeout(echo, 200);
	suite_add_tcase(s, echo);
	return s;
}

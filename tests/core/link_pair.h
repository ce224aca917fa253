/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A libvbus link pair in one process for the tests of libvbus: north created, south attached to dup()s of its
 * fds. Include after libvbus.h (or libvbus.c).
 * - Every test: the pair's globals north and south, link_pair_attach() (south of a north, on dup()s of its fds),
 *   link_pair_rx_seq() (a receive callback checking sequence numbers).
 * - The asymmetric barrier's tests (test_asym.c, test_asym_stress.c, plain programs): link_pair_open_asym(),
 *   a pair that insists on SIG-14 (exit status 77 where the kernel lacks it).
 * - The Check tests of the blocking wait (test_spin.c against libvbus.so, test_spin_sample.c with libvbus.c
 *   compiled in; define LINK_PAIR_CHECK first): a fixture making a fresh pair of ring 8 per test, and a helper
 *   that makes south sleep in read() and wakes it with one message.
 */
#ifndef VBUS_TESTS_LINK_PAIR_H
#define VBUS_TESTS_LINK_PAIR_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct vbus_link *north, *south;

/* *@s: a south attached to dup()s of @n's fds; vbus_link_attach's result. */
static inline int link_pair_attach(struct vbus_link *n, struct vbus_link **s)
{
	int fds[VBUS_LINK_NFDS];

	vbus_link_fds(n, fds);
	for (int i = 0; i < VBUS_LINK_NFDS; i++)
		fds[i] = dup(fds[i]);
	return vbus_link_attach(fds, s);
}

/* What link_pair_rx_seq saw: the sequence number it expects next, and the messages that were not it. */
struct link_pair_seq {
	uint64_t expect, bad;
};

/*
 * A receive callback (@arg: a struct link_pair_seq) for messages of 8 bytes holding 0, 1, 2, ...: each must
 * arrive once, in order, intact; any other is counted bad.
 */
static inline uint32_t link_pair_rx_seq(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	struct link_pair_seq *q = arg;
	uint64_t v;

	(void)cookie;
	memcpy(&v, data, sizeof(v));
	if (len != sizeof(v) || v != q->expect)
		q->bad++;
	q->expect++;
	return len;
}

/*
 * north and south with the asymmetric barrier insisted on (VBUS_LINK_ASYM_BARRIER; spec §1.3.2 SIG-14), ring
 * of 8, 64-byte buffers. 0; 77 with "SKIP: ..." printed when this kernel has no
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED); 1 with the failure printed (set-up failed, or an end of this
 * in-process link did not get the barrier).
 */
static inline int link_pair_open_asym(void)
{
	struct vbus_link_params p = { .ring_count = 8, .buf_size = 64, .flags = VBUS_LINK_ASYM_BARRIER };
	int ret = vbus_link_create(&p, &north);

	if (ret == -EOPNOTSUPP) {
		printf("SKIP: no membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) on this kernel\n");
		return 77;
	}
	if (ret) {
		fprintf(stderr, "vbus_link_create: %s\n", strerror(-ret));
		return 1;
	}
	ret = link_pair_attach(north, &south);
	if (ret) {
		fprintf(stderr, "vbus_link_attach: %s\n", strerror(-ret));
		return 1;
	}
	if (!vbus_link_asym(north) || !vbus_link_asym(south)) {
		fprintf(stderr, "FAIL: an in-process link did not get the asymmetric barrier (north %d, south %d)\n",
			vbus_link_asym(north), vbus_link_asym(south));
		return 1;
	}
	return 0;
}

#ifdef LINK_PAIR_CHECK
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* south's receive callback: takes every message */
static inline uint32_t rx(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	(void)arg, (void)data, (void)cookie;
	return len;
}

static inline void *south_block(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)vbus_link_recv(south, VBUS_WAIT_BLOCK, rx, NULL);
}

/*
 * South blocks; north sends one message once south sleeps: one measured wake-up. Retried until south
 * really slept in read() (on a loaded machine it may find the message before it blocks).
 */
static inline void one_wakeup(void)
{
	struct timespec nap = { 0, 30 * 1000 * 1000 };
	struct vbus_link_msg m = { .data = "x", .len = 1 };
	struct vbus_link_stats st, st0;
	pthread_t t;
	void *ret;

	vbus_link_get_stats(south, &st0);
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(pthread_create(&t, NULL, south_block, NULL), 0);
		nanosleep(&nap, NULL);
		ck_assert_int_eq(vbus_link_send(north, &m, 1), 1);
		ck_assert_int_eq(pthread_join(t, &ret), 0);
		ck_assert_int_eq((int)(intptr_t)ret, 1);
		vbus_link_get_stats(south, &st);
		if (st.wakeups > st0.wakeups)
			return;
	}
	ck_abort_msg("south never blocked in 100 tries");
}

/* the Check fixture: a fresh pair per test */
static inline void link_pair_setup(void)
{
	struct vbus_link_params p = { .ring_count = 8, .buf_size = 64 };

	ck_assert_int_eq(vbus_link_create(&p, &north), 0);
	ck_assert_int_eq(link_pair_attach(north, &south), 0);
}

static inline void link_pair_teardown(void)
{
	vbus_link_close(south);
	vbus_link_close(north);
}

/* A test case @name of suite @s whose every test gets a fresh pair (@setup: link_pair_setup or a wrapper of it). */
static inline TCase *link_pair_tcase(Suite *s, const char *name, void (*setup)(void), int timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, link_pair_teardown);
	tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}
#endif /* LINK_PAIR_CHECK */

#endif

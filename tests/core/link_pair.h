/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A libvbus link pair for the Check tests of libvbus's blocking wait (test_spin.c against libvbus.so,
 * test_spin_sample.c with libvbus.c compiled in): north created, south attached to dup()s of its fds,
 * ring of 8, and a helper that makes south sleep in read() and wakes it with one message. Include after
 * libvbus.h (or libvbus.c).
 */
#ifndef VBUS_TESTS_LINK_PAIR_H
#define VBUS_TESTS_LINK_PAIR_H

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static struct vbus_link *north, *south;

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
	int fds[VBUS_LINK_NFDS];

	ck_assert_int_eq(vbus_link_create(&p, &north), 0);
	vbus_link_fds(north, fds);
	for (int i = 0; i < VBUS_LINK_NFDS; i++)
		fds[i] = dup(fds[i]);
	ck_assert_int_eq(vbus_link_attach(fds, &south), 0);
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

#endif

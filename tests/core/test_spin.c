// SPDX-License-Identifier: GPL-2.0
/*
 * libvbus's adaptive spin budget (docs/spec/05-transports.md §5.3): a blocking
 * wake-up is measured and moves the budget off its 20 us start, into the
 * clamp; a fixed budget set by the caller is left alone until the caller asks
 * for the adaptive one again; a notification that was waiting in the eventfd
 * before south slept is not measured; south's drain kicks a sleeping north
 * after the first quarter ring, not at its end.
 */
#define _GNU_SOURCE
#include <string.h>

#include "libvbus.h"

#include "../vbus_check.h"
#define LINK_PAIR_CHECK
#include "link_pair.h"

START_TEST(adaptive_budget_follows_measured_wakeup)
{
	ck_assert_uint_eq(vbus_link_spin_budget(south), 20000);
	one_wakeup();
	uint64_t b = vbus_link_spin_budget(south);
	ck_assert_uint_ne(b, 20000); /* measured (a stamp of exactly 20000 ns is not expected) */
	ck_assert_uint_ge(b, VBUS_LINK_SPIN_MIN_NS);
	ck_assert_uint_le(b, VBUS_LINK_SPIN_MAX_NS);
}
END_TEST

START_TEST(fixed_budget_stays_until_adaptive_again)
{
	vbus_link_set_spin(south, 5000);
	one_wakeup();
	ck_assert_uint_eq(vbus_link_spin_budget(south), 5000);
	vbus_link_set_spin(south, VBUS_LINK_SPIN_ADAPTIVE);
	ck_assert_uint_ne(vbus_link_spin_budget(south), 5000); /* back to the measured estimate */
}
END_TEST

/*
 * A notification already counted in the eventfd when south goes to sleep is no
 * wake-up measurement: south enables through a SIG-4 self-wakeup (no read),
 * north then notifies, and 50 ms later south's read() returns at once with
 * that count. Its 50 ms old stamp would drive the budget to the upper clamp.
 */
START_TEST(stale_notification_is_not_measured)
{
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	struct vbus_link_msg m = { .data = "x", .len = 1 };
	struct vbus_link_stats st;

	ck_assert_int_eq(vbus_link_send(north, &m, 1), 1);		       /* south disabled: no notification */
	ck_assert_int_eq(vbus_link_recv(south, VBUS_WAIT_BLOCK, rx, NULL), 1); /* enable: SELF, no read */
	vbus_link_get_stats(south, &st);
	ck_assert_uint_eq(st.wakeups, 0);
	ck_assert_int_eq(vbus_link_send(north, &m, 1), 1); /* south enabled: north notifies now */
	vbus_link_get_stats(north, &st);
	ck_assert_uint_eq(st.notifies, 1);
	nanosleep(&nap, NULL);
	ck_assert_int_eq(vbus_link_recv(south, VBUS_WAIT_BLOCK, rx, NULL), 1); /* read() returns at once */
	vbus_link_get_stats(south, &st);
	ck_assert_uint_eq(st.wakeups, 1);
	ck_assert_uint_eq(vbus_link_spin_budget(south), 20000); /* still the unmeasured start */
}
END_TEST

/*
 * South completes a drain a quarter ring at a time and kicks after each
 * quarter (§5.3): a north asleep on a full ring is notified while south still
 * drains, not once the ring is empty. Observed from south's rx callback: by
 * the third message (ring 8: quarters of 2) the notification has been sent.
 */
static uint64_t notifies_at[8];
static unsigned int rx_seen;

static uint32_t rx_count(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	struct vbus_link_stats st;

	(void)arg, (void)data, (void)cookie;
	vbus_link_get_stats(south, &st);
	if (rx_seen < 8)
		notifies_at[rx_seen++] = st.notifies;
	return len;
}

static void *north_wait(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)vbus_link_wait_done(north, VBUS_WAIT_BLOCK);
}

START_TEST(quarter_ring_kicks_wake_north_mid_drain)
{
	struct vbus_link_msg m[8];
	char dump[512];
	pthread_t t;
	void *ret;
	int i;

	for (i = 0; i < 8; i++)
		m[i] = (struct vbus_link_msg){ .data = "x", .len = 1, .cookie = i };
	ck_assert_int_eq(vbus_link_send(north, m, 8), 8); /* the ring is full */
	ck_assert_int_eq(pthread_create(&t, NULL, north_wait, NULL), 0);
	/* until north enabled its irq record (it then sleeps); south's dump shows irq[N] from shared memory */
	for (i = 0; i < 2000; i++) {
		vbus_link_dump(south, dump, sizeof(dump));
		if (strstr(dump, " N=1"))
			break;
		usleep(1000);
	}
	ck_assert_msg(strstr(dump, " N=1"), "north never enabled: %s", dump);
	ck_assert_int_eq(vbus_link_recv(south, VBUS_WAIT_BLOCK, rx_count, NULL), 8);
	ck_assert_uint_eq(notifies_at[0], 0);
	ck_assert_uint_eq(notifies_at[2], 1); /* after the first quarter, mid-drain */
	ck_assert_uint_le(notifies_at[7], 4); /* at most one per quarter */
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_int_ge((int)(intptr_t)ret, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libvbus-spin");
	TCase *tc = link_pair_tcase(s, "spin", link_pair_setup, 20);

	tcase_add_test(tc, adaptive_budget_follows_measured_wakeup);
	tcase_add_test(tc, fixed_budget_stays_until_adaptive_again);
	tcase_add_test(tc, stale_notification_is_not_measured);
	tcase_add_test(tc, quarter_ring_kicks_wake_north_mid_drain);
	return vbus_check_run(s);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libvbus's receive path on the core's fused pop (vbus_core.h: ioq_pop_begin,
 * ioq_pop_desc, ioq_pop_used, ioq_pop_end): the library itself
 * (tools/libvbus/libvbus.c) compiled in, so the test can act as a hostile
 * north on the shared ring. Each descriptor is checked before the receiver's
 * callback sees it: a bad one breaks the link, counts one violation, and
 * completes nothing of its batch (the messages before it were handed over);
 * a receiver that uses fewer bytes than sent gets the IOQ-12 write-back, a
 * full one leaves the descriptor alone (completion by index). Send: every
 * length checked before the publish; no cookie stored (IOQ-14).
 */
#define _GNU_SOURCE
#include <stdint.h>

#include "libvbus.c"

#include "../vbus_check.h"
#define LINK_PAIR_CHECK
#include "link_pair.h"

static unsigned int seen;
static uint32_t keep; /* bytes the callback reports used; UINT32_MAX: all */

static uint32_t rx_note(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	(void)arg, (void)data;
	ck_assert_uint_eq(cookie, seen); /* south sees the ring index */
	seen++;
	return keep == UINT32_MAX ? len : keep;
}

static void send_n(unsigned int n)
{
	struct vbus_link_msg m[8];

	for (unsigned int i = 0; i < n; i++)
		m[i] = (struct vbus_link_msg){ .data = "01234567", .len = 8, .cookie = 100 + i };
	ck_assert_int_eq(vbus_link_send(north, m, n), n);
}

static void setup(void)
{
	link_pair_setup();
	seen = 0;
	keep = UINT32_MAX;
}

START_TEST(hostile_descriptor_breaks_the_batch)
{
	struct vbus_ioq_ring *r = (struct vbus_ioq_ring *)north->region; /* north's view: the hostile side */
	struct vbus_link_stats st;

	send_n(2);			      /* one batch for south (a quarter ring of 8 is 2) */
	r->desc[1].flags = cpu_to_le16(0x40); /* an unknown flag in the second */
	ck_assert_int_eq(vbus_link_recv(south, VBUS_WAIT_POLL, rx_note, NULL), -EIO);
	ck_assert_uint_eq(seen, 1);			   /* the first was handed over, the bad one never */
	ck_assert_uint_eq(le32_to_cpu(r->south.index), 0); /* nothing of the batch completed */
	vbus_link_get_stats(south, &st);
	ck_assert_uint_eq(st.violations, 1);
	ck_assert_str_eq(south->q.violation, "flags");
	ck_assert_int_eq(vbus_link_recv(south, VBUS_WAIT_POLL, rx_note, NULL), -EIO); /* sticky */
	ck_assert_uint_eq(seen, 1);
}
END_TEST

START_TEST(hostile_range_breaks_the_link)
{
	struct vbus_ioq_ring *r = (struct vbus_ioq_ring *)north->region;

	send_n(1);
	r->desc[0].offset = cpu_to_le64(north->size - 4); /* 8 bytes from 4 before the region's end */
	ck_assert_int_eq(vbus_link_recv(south, VBUS_WAIT_POLL, rx_note, NULL), -EIO);
	ck_assert_uint_eq(seen, 0);
	ck_assert_str_eq(south->q.violation, "range");
}
END_TEST

START_TEST(fewer_bytes_used_are_written_back)
{
	struct vbus_ioq_ring *r = (struct vbus_ioq_ring *)north->region;

	send_n(3);
	keep = 3;
	ck_assert_int_eq(vbus_link_recv(south, VBUS_WAIT_POLL, rx_note, NULL), 3);
	ck_assert_uint_eq(le32_to_cpu(r->south.index), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(le32_to_cpu(r->desc[i].len), 3);
	/* the next slots, all used: completed by index alone, no write-back */
	ck_assert_int_eq(vbus_link_wait_done(north, VBUS_WAIT_POLL), 3);
	send_n(3);
	keep = UINT32_MAX;
	ck_assert_int_eq(vbus_link_recv(south, VBUS_WAIT_POLL, rx_note, NULL), 3);
	for (int i = 3; i < 6; i++)
		ck_assert_uint_eq(le32_to_cpu(r->desc[i].len), 8);
	ck_assert_uint_eq(le32_to_cpu(r->south.index), 6);
	ck_assert_uint_eq(seen, 6);
}
END_TEST

/*
 * vbus_link_send checks every length against buf_size (64 here) before its one publish: a batch with an
 * oversized message fails whole (-EINVAL), nothing of it published or copied past a slot's buffer, whether
 * the message would fit in the ring now (checked in the copy loop) or not (checked after it).
 */
START_TEST(oversized_message_sends_nothing)
{
	struct vbus_ioq_ring *r = (struct vbus_ioq_ring *)north->region;
	static const char big[65] = "0123456789012345678901234567890123456789012345678901234567890123";
	u8 *slot2 = north->region + north->data_off + 2 * 64;
	struct vbus_link_msg m[3];

	for (int i = 0; i < 3; i++)
		m[i] = (struct vbus_link_msg){ .data = big, .len = 64 };
	m[1].len = 65; /* fits the ring now */
	slot2[0] = 0x5a;
	ck_assert_int_eq(vbus_link_send(north, m, 3), -EINVAL);
	ck_assert_uint_eq(vbus_link_in_flight(north), 0);
	ck_assert_uint_eq(le32_to_cpu(r->north.index), 0);
	ck_assert_uint_eq(slot2[0], 0x5a); /* slot 1's copy stopped at its buffer's end */
	send_n(6);
	m[1].len = 64;
	m[2].len = 65; /* two slots free: the third message does not fit now */
	ck_assert_int_eq(vbus_link_send(north, m, 3), -EINVAL);
	ck_assert_uint_eq(vbus_link_in_flight(north), 6);
	ck_assert_uint_eq(le32_to_cpu(r->north.index), 6);
}
END_TEST

/* IOQ-14: libvbus never hands a cookie back, so its send leaves the ring's cookie table as init wrote it (zero). */
START_TEST(send_stores_no_cookie)
{
	const __le64 *cookie = (const __le64 *)(north->region + VBUS_IOQ_COOKIE_OFF((size_t)north->q.cnt));

	send_n(5); /* cookies 100 .. 104 */
	for (unsigned int i = 0; i < north->q.cnt; i++)
		ck_assert_uint_eq(le64_to_cpu(cookie[i]), 0);
	ck_assert_int_eq(vbus_link_recv(south, VBUS_WAIT_POLL, rx_note, NULL), 5);
	ck_assert_int_eq(vbus_link_wait_done(north, VBUS_WAIT_POLL), 5);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libvbus-drain");
	TCase *tc = link_pair_tcase(s, "drain", setup, 20);

	tcase_add_test(tc, hostile_descriptor_breaks_the_batch);
	tcase_add_test(tc, hostile_range_breaks_the_link);
	tcase_add_test(tc, fewer_bytes_used_are_written_back);
	tcase_add_test(tc, oversized_message_sends_nothing);
	tcase_add_test(tc, send_stores_no_cookie);
	return vbus_check_run(s);
}

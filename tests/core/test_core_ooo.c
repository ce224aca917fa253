// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-order completion (VBUS_IOQ_F_OOO, docs/spec/02-ioq.md §2.12) in the
 * production core: negotiation at attach, ids through wrap-around in random
 * completion orders, batch completion, and both sides against a hostile peer
 * (bad and duplicate ids, forged used[] entries, work bounded by n).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <asm/byteorder.h>

#include "vbus_core.h"
#include "../vbus_check.h"

#define REGION 65536
#define MAXC 64
static union {
	struct vbus_ioq_ring ring;
	unsigned char bytes[REGION];
} reg __attribute__((aligned(64)));
static struct ioq qn, qs;
static u64 tn[IOQ_OOO_TRACK_BYTES(MAXC) / 8 + 1], ts[IOQ_OOO_TRACK_BYTES(MAXC) / 8 + 1];

static void ooo_setup_count(u32 count, u16 flags, u32 base)
{
	memset(&reg, 0, sizeof(reg));
	ck_assert_int_eq(ioq_north_init_ooo(&qn, &reg.ring, count, flags | VBUS_IOQ_F_OOO, base, REGION, tn,
					    IOQ_OOO_TRACK_BYTES(count)),
			 0);
	ck_assert_int_eq(ioq_south_attach_ooo(&qs, &reg, REGION, 0, ts, IOQ_OOO_TRACK_BYTES(count)), 0);
	ck_assert(ioq_is_ooo(&qn) && ioq_is_ooo(&qs));
}

static void ooo_setup(void)
{
	ooo_setup_count(8, 0, 0);
}

static int push1(u64 cookie, u32 len)
{
	struct ioq_desc_info d = { .cookie = cookie, .offset = 4096 + cookie % 64 * 64, .len = len };

	return ioq_push(&qn, &d, 1);
}

static struct vbus_ioq_used *used_entry(u32 count, u32 k)
{
	return (struct vbus_ioq_used *)(reg.bytes + VBUS_IOQ_USED_OFF(count)) + (k & (count - 1));
}

/* The fused hot path is for in-order rings: on an OOO ring its publish and begin refuse, nothing moves. */
START_TEST(ooo_fused_path_refused)
{
	ck_assert_int_eq(push1(1, 64), 1);
	ck_assert_int_eq(ioq_push_publish(&qn, 1), -EINVAL);
	ck_assert_uint_eq(le32_to_cpu(reg.ring.north.index), 1);
	ck_assert_int_eq(ioq_pop_begin(&qs, 4), -EINVAL);
	ck_assert_int_eq(ioq_pop_end(&qs, 0), -EINVAL);
	ck_assert_uint_eq(le32_to_cpu(reg.ring.south.index), 0);
	ck_assert(!qn.broken && !qs.broken);
}
END_TEST

START_TEST(ooo_negotiation)
{
	struct ioq q;

	memset(&reg, 0, sizeof(reg));
	/* north cannot set the flag without private tracking memory */
	ck_assert_int_eq(ioq_north_init(&qn, &reg.ring, 8, VBUS_IOQ_F_OOO, 0, REGION), -EINVAL);
	ck_assert_int_eq(
		ioq_north_init_ooo(&qn, &reg.ring, 8, VBUS_IOQ_F_OOO, 0, REGION, tn, IOQ_OOO_TRACK_BYTES(8) - 1),
		-EINVAL);
	ck_assert_int_eq(ioq_north_init_ooo(&qn, &reg.ring, 8, VBUS_IOQ_F_OOO, 0, REGION, tn, IOQ_OOO_TRACK_BYTES(8)),
			 0);
	/* a south that did not offer it rejects the ring (§2.8): a violation, the ring broken */
	ck_assert_int_eq(ioq_south_attach(&q, &reg, REGION, 0), -EINVAL);
	ck_assert(q.broken);
	ck_assert_str_eq(q.violation, "header");
	/* a south that offered it for fewer ids than count rejects it too */
	ck_assert_int_eq(ioq_south_attach_ooo(&q, &reg, REGION, 0, ts, IOQ_OOO_TRACK_BYTES(4)), -EINVAL);
	ck_assert_int_eq(ioq_south_attach_ooo(&q, &reg, REGION, 0, ts, IOQ_OOO_TRACK_BYTES(8)), 0);
	/* an offering south still takes in-order rings, and there take/complete are refused */
	memset(&reg, 0, sizeof(reg));
	ck_assert_int_eq(ioq_north_init(&qn, &reg.ring, 8, 0, 0, REGION), 0);
	ck_assert_int_eq(ioq_south_attach_ooo(&q, &reg, REGION, 0, ts, IOQ_OOO_TRACK_BYTES(8)), 0);
	ck_assert(!ioq_is_ooo(&q));
	{
		struct ioq_desc_info d;

		ck_assert_int_eq(ioq_take(&q, &d, 1), -EINVAL);
		ck_assert_int_eq(ioq_complete(&q, &d, 1), -EINVAL);
	}
}
END_TEST

START_TEST(ooo_complete_out_of_order)
{
	struct ioq_desc_info d[4], c[3], last;

	ck_assert_int_eq(push1(100, 64), 1);
	ck_assert_int_eq(push1(101, 65), 1);
	ck_assert_int_eq(push1(102, 66), 1);
	ck_assert_int_eq(ioq_take(&qs, d, 4), 3);
	ck_assert_uint_eq(d[0].cookie, 0); /* reference allocator: ids 0, 1, 2 */
	ck_assert_uint_eq(d[2].cookie, 2);
	ck_assert_uint_eq(d[1].len, 65);
	ck_assert_int_eq(ioq_take(&qs, d, 4), -EAGAIN);
	/* a take publishes nothing: north sees no completion */
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, &last), -EAGAIN);
	/* one batch, reversed, with a short length (clamped to what was taken) and an error */
	c[0] = (struct ioq_desc_info){ .cookie = 2, .len = 10 };
	c[1] = (struct ioq_desc_info){ .cookie = 0, .len = 1000 };
	c[2] = (struct ioq_desc_info){ .cookie = 1, .len = 65, .flags = VBUS_IOQ_DESC_F_ERROR };
	ck_assert_int_eq(ioq_complete(&qs, c, 3), 3);
	ck_assert_uint_eq(le32_to_cpu(reg.ring.south.index), 3); /* one index store for the batch */
	ck_assert_int_eq(ioq_reclaim(&qn, 1, NULL, NULL, &last), 1);
	ck_assert_uint_eq(last.cookie, 102);
	ck_assert_uint_eq(last.len, 10);
	ck_assert_uint_eq(last.offset, 4096 + 102 % 64 * 64); /* from north's private slot */
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, &last), 2);
	ck_assert_uint_eq(last.cookie, 101);
	ck_assert_uint_eq(last.flags, VBUS_IOQ_DESC_F_ERROR);
	ck_assert_int_eq(ioq_reclaim(&qn, 1, NULL, NULL, &last), -EAGAIN);
	ck_assert(!qn.broken && !qs.broken);
	ck_assert_uint_eq(ioq_free_slots(&qn), 8);
}
END_TEST

START_TEST(ooo_complete_is_all_or_nothing)
{
	struct ioq_desc_info d[2], c[2];

	ck_assert_int_eq(push1(1, 64), 1);
	ck_assert_int_eq(push1(2, 64), 1);
	ck_assert_int_eq(ioq_take(&qs, d, 2), 2);
	c[0] = (struct ioq_desc_info){ .cookie = 1 };
	c[1] = (struct ioq_desc_info){ .cookie = 1 }; /* twice in one call */
	ck_assert_int_eq(ioq_complete(&qs, c, 2), -EINVAL);
	c[1].cookie = 9; /* never taken, out of range */
	ck_assert_int_eq(ioq_complete(&qs, c, 2), -EINVAL);
	ck_assert_uint_eq(le32_to_cpu(reg.ring.south.index), 0); /* nothing published */
	c[1].cookie = 0;
	ck_assert_int_eq(ioq_complete(&qs, c, 2), 2);	    /* both still held */
	ck_assert_int_eq(ioq_complete(&qs, c, 1), -EINVAL); /* no longer held */
	ck_assert(!qs.broken);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, NULL), 2);
}
END_TEST

/* Random completion orders through 2^32 and many id reuses: every cookie comes back exactly once. */
static u8 seen[1 << 16];
static u32 back;
static void mark_back(void *arg, const struct ioq_desc_info *d)
{
	u32 pushed = *(u32 *)arg;

	ck_assert_uint_lt(d->cookie, pushed);
	ck_assert_uint_eq(seen[d->cookie], 0);
	ck_assert_uint_eq(d->offset, 4096 + d->cookie % 64 * 64);
	seen[d->cookie] = 1;
	back++;
}

START_TEST(ooo_random_orders_wrap)
{
	struct ioq_desc_info d[MAXC];
	u32 held[MAXC], nheld = 0, pushed = 0, round;

	ooo_setup_count(16, 0, 0xffffff00u);
	srand(13);
	memset(seen, 0, sizeof(seen));
	back = 0;
	for (round = 0; round < 4000; round++) {
		int k = rand() % 5, got, i;

		while (k-- > 0 && ioq_free_slots(&qn))
			ck_assert_int_eq(push1(pushed++, 64), 1);
		got = ioq_take(&qs, d, 1 + rand() % 8);
		for (i = 0; got > 0 && i < got; i++)
			held[nheld++] = (u32)d[i].cookie;
		k = nheld ? rand() % (nheld + 1) : 0;
		while (k-- > 0) { /* complete a random held id */
			u32 j = (u32)rand() % nheld;
			struct ioq_desc_info c = { .cookie = held[j], .len = 64 };

			ck_assert_int_eq(ioq_complete(&qs, &c, 1), 1);
			held[j] = held[--nheld];
		}
		while (ioq_reclaim(&qn, 1 + rand() % 4, mark_back, &pushed, NULL) > 0)
			;
	}
	ck_assert(!qn.broken && !qs.broken);
	ck_assert_uint_gt(pushed, 1000);
	ck_assert_uint_eq(back + nheld + (qn.idx - qs.idx), pushed); /* reclaimed, held, not yet taken */
	ck_assert_uint_eq(qn.idx - qn.rc, nheld + (qn.idx - qs.idx));
}
END_TEST

/* The reclaim loop above counts only the last of each call: recount every completion with a callback. */
static void count_back(void *arg, const struct ioq_desc_info *d)
{
	u32 *n = arg;

	(void)d;
	(*n)++;
}

START_TEST(ooo_reclaim_callback_sees_each)
{
	struct ioq_desc_info d[4], c[4];
	u32 n = 0, i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(push1(i, 64), 1);
	ck_assert_int_eq(ioq_take(&qs, d, 4), 4);
	for (i = 0; i < 4; i++)
		c[i] = (struct ioq_desc_info){ .cookie = d[3 - i].cookie, .len = 1 };
	ck_assert_int_eq(ioq_complete(&qs, c, 4), 4);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, count_back, &n, NULL), 4);
	ck_assert_uint_eq(n, 4);
}
END_TEST

/* Hostile north: ids out of range or held are violations; the work of one take is bounded by n. */
START_TEST(ooo_hostile_north)
{
	struct ioq_desc_info d[8];

	ck_assert_int_eq(push1(0, 64), 1);
	ck_assert_int_eq(ioq_take(&qs, d, 1), 1);
	ck_assert_int_eq(push1(1, 64), 1);
	reg.ring.desc[1].id = cpu_to_le16(0); /* the id south holds */
	ck_assert_int_eq(ioq_take(&qs, d, 8), -EIO);
	ck_assert_str_eq(qs.violation, "id");
	ck_assert_int_eq(ioq_take(&qs, d, 8), -EIO); /* sticky */
	ck_assert_uint_eq(qs.violations, 1);

	ooo_setup();
	ck_assert_int_eq(push1(0, 64), 1);
	reg.ring.desc[0].id = cpu_to_le16(8); /* = count */
	ck_assert_int_eq(ioq_pop(&qs, 8, NULL, NULL, NULL), -EIO);
	ck_assert_str_eq(qs.violation, "id");

	/* a north publishing far more than count is the index violation, before any descriptor is read */
	ooo_setup();
	reg.ring.north.index = cpu_to_le32(9);
	ck_assert_int_eq(ioq_take(&qs, d, 8), -EIO);
	ck_assert_str_eq(qs.violation, "index");

	/* n bounds a take even when count are available */
	ooo_setup();
	{
		int i;

		for (i = 0; i < 8; i++)
			ck_assert_int_eq(push1(i, 64), 1);
	}
	ck_assert_int_eq(ioq_take(&qs, d, 3), 3);
	ck_assert_uint_eq(qs.idx, 3);
}
END_TEST

/* Hostile south: forged used[] entries are north's violations, never an unchecked index. */
START_TEST(ooo_hostile_south)
{
	struct ioq_desc_info last;
	struct vbus_ioq_used *u;

	/* an id never pushed */
	ck_assert_int_eq(push1(0, 64), 1);
	u = used_entry(8, 0);
	u->id = cpu_to_le16(5);
	u->len = cpu_to_le32(1);
	reg.ring.south.index = cpu_to_le32(1);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, &last), -EIO);
	ck_assert_str_eq(qn.violation, "id");

	/* an id completed twice */
	ooo_setup();
	ck_assert_int_eq(push1(0, 64), 1);
	ck_assert_int_eq(push1(1, 64), 1);
	used_entry(8, 0)->id = cpu_to_le16(0);
	used_entry(8, 1)->id = cpu_to_le16(0);
	reg.ring.south.index = cpu_to_le32(2);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, &last), -EIO);
	ck_assert_str_eq(qn.violation, "id");
	ck_assert_uint_eq(qn.rc, 1); /* the first was a valid completion */

	/* an id beyond 16 bits' worth of table and a length above what north pushed */
	ooo_setup();
	ck_assert_int_eq(push1(0, 64), 1);
	used_entry(8, 0)->id = cpu_to_le16(0xffff);
	reg.ring.south.index = cpu_to_le32(1);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, &last), -EIO);
	ooo_setup();
	ck_assert_int_eq(push1(0, 64), 1);
	used_entry(8, 0)->len = cpu_to_le32(65);
	reg.ring.south.index = cpu_to_le32(1);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, &last), -EIO);
	ck_assert_str_eq(qn.violation, "used");
	ooo_setup();
	ck_assert_int_eq(push1(0, 64), 1);
	used_entry(8, 0)->flags = cpu_to_le16(VBUS_IOQ_DESC_F_WRITE);
	reg.ring.south.index = cpu_to_le32(1);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, &last), -EIO);
	ck_assert_str_eq(qn.violation, "used");

	/* more completions than in flight: the index check, nothing read */
	ooo_setup();
	ck_assert_int_eq(push1(0, 64), 1);
	reg.ring.south.index = cpu_to_le32(2);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, &last), -EIO);
	ck_assert_str_eq(qn.violation, "index");
}
END_TEST

/* South's kick on an OOO ring counts completions (§2.12): a take alone crosses no event index. */
START_TEST(ooo_kick_counts_completions)
{
	struct ioq_desc_info d;

	ooo_setup_count(8, VBUS_IOQ_F_EVENT_IDX, 0);
	ck_assert_int_eq(shm_signal_enable(&qn.sig), SHM_SIGNAL_OK);
	ck_assert_int_eq(ioq_arm(&qn, 1), IOQ_ARMED);
	ck_assert_int_eq(push1(0, 64), 1);
	ck_assert_int_eq(ioq_take(&qs, &d, 1), 1);
	ck_assert_int_eq(ioq_kick(&qs), SHM_SIGNAL_EVSKIP);
	d.len = 64;
	ck_assert_int_eq(ioq_complete(&qs, &d, 1), 1);
	ck_assert_int_eq(ioq_kick(&qs), SHM_SIGNAL_NOTIFY);
	ck_assert_int_eq(ioq_peek(&qn), 1);
}
END_TEST

/* ---------------------------------------------------------------- asymmetric barrier (§1.3.2) */

static unsigned int asym_calls;
static void count_asym_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	asym_calls++;
}

START_TEST(asym_negotiation_and_placement)
{
	struct ioq_offer o = { .asym_mb = count_asym_mb };
	struct ioq q;
	unsigned int iter;

	memset(&reg, 0, sizeof(reg));
	ck_assert_int_eq(ioq_north_init(&qn, &reg.ring, 8, VBUS_IOQ_F_ASYM_MB, 0, REGION), -EINVAL);
	ck_assert_int_eq(
		ioq_north_init_offer(&qn, &reg.ring, 8, VBUS_IOQ_F_ASYM_MB | VBUS_IOQ_F_EVENT_IDX, 0, REGION, &o), 0);
	/* a south that did not offer it rejects the ring: its full fences would not pair with compiler barriers */
	ck_assert_int_eq(ioq_south_attach(&q, &reg, REGION, 0), -EINVAL);
	ck_assert_str_eq(q.violation, "header");
	ck_assert_int_eq(ioq_south_attach_offer(&qs, &reg, REGION, 0, &o), 0);
	ck_assert_ptr_eq(qs.sig.asym_mb, count_asym_mb);
	ck_assert_ptr_eq(qn.sig.asym_mb, count_asym_mb);

	/* senders never call it; toward a receiver that is disabled a kick suppresses at IA, no fence */
	asym_calls = 0;
	ck_assert_int_eq(push1(0, 64), 1);
	ck_assert_int_eq(ioq_kick(&qn), SHM_SIGNAL_SUPPRESS);
	ck_assert_uint_eq(asym_calls, 0);
	ck_assert_uint_eq(shm_signal_state(&reg.ring.signal, VBUS_SOUTH), 1); /* I1 stored dirty */
	/* the receiver calls it at MB-ENABLE only (SIG-14); drain, pending clear and arm use full fences */
	ck_assert_int_eq(shm_signal_enable(&qs.sig), SHM_SIGNAL_SELF); /* dirty was set by the kick */
	ck_assert_uint_eq(asym_calls, 1);
	ck_assert_int_eq(shm_signal_wakeup(&qs.sig, NULL, NULL, 0, &iter), SHM_SIGNAL_OK);
	ck_assert_uint_eq(asym_calls, 1);
	ck_assert_int_eq(ioq_arm(&qs, 1), IOQ_READY);
	ck_assert_uint_eq(asym_calls, 1);

	/*
	 * No SIG-12 elision on an asymmetric ring: in the state enable -> self leaves before its
	 * wakeup clears dirty (enabled, not pending, dirty), the symmetric kick elides
	 * (vectors/sig-elide-after-self.vec), this one stores dirty and notifies.
	 */
	memset(&reg, 0, sizeof(reg));
	ck_assert_int_eq(ioq_north_init_offer(&qn, &reg.ring, 8, VBUS_IOQ_F_ASYM_MB, 0, REGION, &o), 0);
	ck_assert_int_eq(ioq_south_attach_offer(&qs, &reg, REGION, 0, &o), 0);
	ck_assert_int_eq(push1(0, 64), 1);
	ck_assert_int_eq(ioq_kick(&qn), SHM_SIGNAL_SUPPRESS);	       /* disabled: IA */
	ck_assert_int_eq(shm_signal_enable(&qs.sig), SHM_SIGNAL_SELF); /* S = 101 */
	ck_assert_int_eq(push1(1, 64), 1);
	ck_assert_int_eq(ioq_kick(&qn), SHM_SIGNAL_NOTIFY);
	ck_assert_uint_eq(shm_signal_state(&reg.ring.signal, VBUS_SOUTH), 7);

	/* an offering south still takes a ring without the flag, with full fences */
	memset(&reg, 0, sizeof(reg));
	ck_assert_int_eq(ioq_north_init(&qn, &reg.ring, 8, 0, 0, REGION), 0);
	ck_assert_int_eq(ioq_south_attach_offer(&qs, &reg, REGION, 0, &o), 0);
	ck_assert_ptr_null(qs.sig.asym_mb);
	asym_calls = 0;
	ck_assert_int_eq(shm_signal_enable(&qs.sig), SHM_SIGNAL_OK);
	ck_assert_uint_eq(asym_calls, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core-ooo");
	TCase *tc = tcase_create("ooo");

	tcase_add_checked_fixture(tc, ooo_setup, NULL);
	tcase_add_test(tc, ooo_negotiation);
	tcase_add_test(tc, ooo_complete_out_of_order);
	tcase_add_test(tc, ooo_complete_is_all_or_nothing);
	tcase_add_test(tc, ooo_random_orders_wrap);
	tcase_add_test(tc, ooo_reclaim_callback_sees_each);
	tcase_add_test(tc, ooo_hostile_north);
	tcase_add_test(tc, ooo_hostile_south);
	tcase_add_test(tc, ooo_kick_counts_completions);
	tcase_add_test(tc, ooo_fused_path_refused);
	tcase_add_test(tc, asym_negotiation_and_placement);
	suite_add_tcase(s, tc);
	return vbus_check_run(s);
}

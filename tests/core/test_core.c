// SPDX-License-Identifier: GPL-2.0
/* Check suites for the protocol core built in userspace: shm-signal, moderation, IOQ, bus. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <asm/byteorder.h>

#include "vbus_core.h"
#include "../vbus_check.h"
#include "core_fixtures.h"

/* ---------------------------------------------------------------- signal */

static void signal_setup(void)
{
	signal_bind_both();
}

static unsigned int drained;
static void count_handler(void *arg)
{
	(void)arg;
	drained++;
}

START_TEST(signal_inject_disabled_suppresses)
{
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_SUPPRESS); /* SIG-5 */
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH), 1);       /* dirty only */
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_SELF);     /* SIG-4 */
}
END_TEST

START_TEST(signal_notify_once_then_pending)
{
	unsigned int iter;

	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_NOTIFY);
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH), 7);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_SUPPRESS); /* SIG-6 */
	drained = 0;
	ck_assert_int_eq(shm_signal_wakeup(&ss, count_handler, NULL, 0, &iter), SHM_SIGNAL_OK);
	ck_assert_uint_eq(iter, 1);
	ck_assert_uint_eq(drained, 1);
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH), 4); /* enabled, pending and dirty clear */
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_NOTIFY);
}
END_TEST

static struct shm_signal *reinject_from;
static void reinject_handler(void *arg)
{
	unsigned int *left = arg;

	if (*left) {
		--*left;
		ck_assert_int_eq(shm_signal_inject(reinject_from), SHM_SIGNAL_SUPPRESS);
	}
}

START_TEST(signal_wakeup_loops_while_dirty)
{
	unsigned int left = 3, iter;

	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_NOTIFY);
	reinject_from = &sn;
	ck_assert_int_eq(shm_signal_wakeup(&ss, reinject_handler, &left, 0, &iter), SHM_SIGNAL_OK);
	ck_assert_uint_eq(iter, 4); /* SIG-8: three re-injects during the drain, no notification */
}
END_TEST

START_TEST(signal_wakeup_budget_reschedules)
{
	unsigned int left = 10, iter;

	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_NOTIFY);
	reinject_from = &sn;
	ck_assert_int_eq(shm_signal_wakeup(&ss, reinject_handler, &left, 2, &iter), SHM_SIGNAL_RESCHED);
	ck_assert_uint_eq(iter, 2);
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH) & 2, 2); /* pending kept */
}
END_TEST

START_TEST(signal_wakeup_disabled_keeps_pending)
{
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_NOTIFY);
	ck_assert_int_eq(shm_signal_disable(&ss), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_wakeup(&ss, count_handler, NULL, 0, NULL), SHM_SIGNAL_DISABLED);
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH), 3); /* SIG-11 */
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_SELF);
}
END_TEST

START_TEST(signal_hostile_bytes_read_as_one)
{
	sd.irq[VBUS_SOUTH].enabled = 0x80; /* HOST-3 */
	sd.irq[VBUS_SOUTH].pending = 0x02;
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH), 6);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_SUPPRESS);
	sd.magic = 0;
	ck_assert_int_eq(shm_signal_check(&sd), -EINVAL);
}
END_TEST

START_TEST(moderation_count_and_holdoff)
{
	struct vbus_moderation m;
	int i;

	vbus_moderation_set(&m, 5, 3);
	sn.mod = &m;
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_DEFER);
	ck_assert_uint_eq(m.mt, 5);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_DEFER);
	ck_assert_uint_eq(m.mt, 5);				     /* MOD-5: not re-armed */
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_NOTIFY); /* count reached */
	ck_assert_uint_eq(m.mc, 0);
	ck_assert_uint_eq(m.mt, 0);
	ck_assert_int_eq(shm_signal_wakeup(&ss, NULL, NULL, 0, NULL), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_DEFER);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(shm_signal_tick(&sn), SHM_SIGNAL_IDLE);
	ck_assert_int_eq(shm_signal_tick(&sn), SHM_SIGNAL_FIRE);
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH), 7);
	ck_assert_int_eq(shm_signal_wakeup(&ss, NULL, NULL, 0, NULL), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_DEFER);
	ck_assert_int_eq(shm_signal_disable(&ss), SHM_SIGNAL_OK);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(shm_signal_tick(&sn), SHM_SIGNAL_IDLE);
	ck_assert_int_eq(shm_signal_tick(&sn), SHM_SIGNAL_DROP); /* MOD-4 */
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_SELF);
}
END_TEST

START_TEST(moderation_count_saturates)
{
	struct vbus_moderation m;
	int i;

	vbus_moderation_set(&m, 1000, 0); /* timer only: every inject defers */
	sn.mod = &m;
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_OK);
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_DEFER);
	ck_assert_uint_eq(m.mc, 255); /* MOD-6 */
	for (i = 0; i < 999; i++)
		ck_assert_int_eq(shm_signal_tick(&sn), SHM_SIGNAL_IDLE);
	ck_assert_int_eq(shm_signal_tick(&sn), SHM_SIGNAL_FIRE);
}
END_TEST

/* shm_signal_expire: the whole holdoff at once ends like H ticks would (T3/T4), and idles when off. */
START_TEST(moderation_expire_at_once)
{
	struct vbus_moderation m;

	vbus_moderation_set(&m, 1000000, 0);
	sn.mod = &m;
	ck_assert_int_eq(shm_signal_expire(&sn), SHM_SIGNAL_IDLE); /* timer off */
	ck_assert_int_eq(shm_signal_enable(&ss), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_DEFER);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_DEFER);
	ck_assert_int_eq(shm_signal_expire(&sn), SHM_SIGNAL_FIRE); /* T3 */
	ck_assert_uint_eq(m.mt, 0);
	ck_assert_uint_eq(m.mc, 0);
	ck_assert_uint_eq(shm_signal_state(&sd, VBUS_SOUTH), 7);
	ck_assert_int_eq(shm_signal_expire(&sn), SHM_SIGNAL_IDLE); /* nothing armed any more */
	ck_assert_int_eq(shm_signal_wakeup(&ss, NULL, NULL, 0, NULL), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_inject(&sn), SHM_SIGNAL_DEFER);
	ck_assert_int_eq(shm_signal_disable(&ss), SHM_SIGNAL_OK);
	ck_assert_int_eq(shm_signal_expire(&sn), SHM_SIGNAL_DROP); /* T4, MOD-4 */
	ck_assert_uint_eq(m.mc, 0);
	ck_assert_uint_eq(m.mt, 0);
}
END_TEST

/* ---------------------------------------------------------------- ioq */

static void ring_setup(void)
{
	ring_setup_count(4, 0, 0);
}

START_TEST(ioq_wrap_example)
{
	struct ioq_desc_info last;

	/* §2.10 */
	ck_assert_int_eq(push_n(4, 0), 4);
	ck_assert_int_eq(push_n(1, 4), -ENOSPC);
	ck_assert_int_eq(ioq_pop(&qs, 2, NULL, NULL, &last), 2);
	ck_assert_uint_eq(last.cookie, 1);
	ck_assert_int_eq(ioq_reclaim(&qn, 2, NULL, NULL, &last), 2);
	ck_assert_int_eq(push_n(2, 4), 2);
	ck_assert_int_eq(ioq_pop(&qs, 8, NULL, NULL, &last), 4);
	ck_assert_uint_eq(last.cookie, 5);
	ck_assert_int_eq(ioq_pop(&qs, 8, NULL, NULL, &last), -EAGAIN);
	ck_assert_int_eq(ioq_reclaim(&qn, 8, NULL, NULL, &last), 4);
	ck_assert_uint_eq(ioq_free_slots(&qn), 4);
}
END_TEST

START_TEST(ioq_index_wraps_2_32)
{
	struct ioq_desc_info last;
	int i;

	ring_setup_count(8, 0, 0xfffffffd);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(push_n(3, i * 3), 3);
		ck_assert_int_eq(ioq_pop(&qs, 3, NULL, NULL, &last), 3);
		ck_assert_int_eq(ioq_reclaim(&qn, 3, NULL, NULL, &last), 3);
		ck_assert_uint_eq(last.cookie, i * 3 + 2);
	}
	ck_assert(!qs.broken && !qn.broken);
}
END_TEST

static int used_half(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	(void)arg;
	*used = d->len / 2;
	return d->cookie == 1 ? -EINVAL : 0;
}

START_TEST(ioq_completion_len_and_error)
{
	struct ioq_desc_info last;

	ck_assert_int_eq(push_n(2, 0), 2);
	ck_assert_int_eq(ioq_pop(&qs, 2, used_half, NULL, &last), 2);
	ck_assert_uint_eq(last.len, 32);
	ck_assert_uint_eq(last.flags, VBUS_IOQ_DESC_F_ERROR);
	ck_assert_int_eq(ioq_reclaim(&qn, 1, NULL, NULL, &last), 1);
	ck_assert_uint_eq(last.flags, 0);
	ck_assert_int_eq(ioq_reclaim(&qn, 1, NULL, NULL, &last), 1);
	ck_assert_uint_eq(last.flags, VBUS_IOQ_DESC_F_ERROR);
}
END_TEST

static void expect_broken(const char *why)
{
	struct ioq_desc_info last;

	ck_assert_int_eq(ioq_pop(&qs, 4, NULL, NULL, &last), -EIO);
	ck_assert(qs.broken);
	ck_assert_str_eq(qs.violation, why);
	ck_assert_uint_eq(qs.violations, 1);
	ck_assert_int_eq(ioq_pop(&qs, 4, NULL, NULL, &last), -EIO); /* sticky, counted once */
	ck_assert_uint_eq(qs.violations, 1);
	ck_assert_int_eq(ioq_kick(&qs), -EIO);
	ck_assert_int_eq(ioq_arm(&qs, 1), -EIO);
}

START_TEST(ioq_violation_index)
{
	reg.ring.north.index = 5; /* > count past si */
	expect_broken("index");
}
END_TEST

START_TEST(ioq_violation_mid_batch_publishes_nothing)
{
	ck_assert_int_eq(push_n(2, 0), 2);
	reg.ring.desc[1].flags = 0x40; /* the second of the batch is bad */
	expect_broken("flags");
	ck_assert_uint_eq(reg.ring.south.index, 0); /* nothing of the batch published */
}
END_TEST

static int used_all(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	(void)arg;
	*used = d->len;
	return 0;
}

START_TEST(ioq_completion_by_index_writes_no_descriptor)
{
	unsigned char before[4 * sizeof(struct vbus_ioq_desc)];
	struct ioq_desc_info last;

	/* §2.5 v2: a fully used, successful descriptor is completed by south.index alone */
	ck_assert_int_eq(push_n(4, 100), 4);
	memcpy(before, reg.ring.desc, sizeof(before));
	ck_assert_int_eq(ioq_pop(&qs, 4, used_all, NULL, &last), 4);
	ck_assert_uint_eq(last.cookie, 3); /* south sees the index */
	ck_assert_int_eq(memcmp(before, reg.ring.desc, sizeof(before)), 0);
	ck_assert_uint_eq(le32_to_cpu(reg.ring.south.index), 4);
	ck_assert_int_eq(ioq_reclaim(&qn, 4, NULL, NULL, &last), 4);
	ck_assert_uint_eq(last.cookie, 103); /* north gets its own cookie back */
	ck_assert_uint_eq(last.len, 64);
}
END_TEST

START_TEST(ioq_north_rejects_south_index_past_ni)
{
	struct ioq_desc_info last;

	ck_assert_int_eq(push_n(1, 0), 1);
	reg.ring.south.index = cpu_to_le32(2); /* south claims more than was handed over */
	ck_assert_int_eq(ioq_reclaim(&qn, 4, NULL, NULL, &last), -EIO);
	ck_assert(qn.broken);
	ck_assert_str_eq(qn.violation, "index");
}
END_TEST

START_TEST(ioq_violation_flags)
{
	ck_assert_int_eq(push_n(1, 0), 1);
	reg.ring.desc[0].flags = 0x80;
	expect_broken("flags");
}
END_TEST

START_TEST(ioq_violation_range)
{
	ck_assert_int_eq(push_n(1, 0), 1);
	reg.ring.desc[0].offset = REGION - 10; /* len 64 runs past the end */
	expect_broken("range");
}
END_TEST

START_TEST(ioq_violation_range_overflow)
{
	ck_assert_int_eq(push_n(1, 0), 1);
	reg.ring.desc[0].offset = ~0ull - 8; /* offset + len wraps */
	expect_broken("range");
}
END_TEST

START_TEST(ioq_attach_rejects_bad_header)
{
	static const struct {
		size_t off;
		u32 val;
		int size;
	} bad[] = {
		{ 0, 0, 4 },	 /* magic */
		{ 4, 1, 2 },	 /* version 1: not supported by v2 */
		{ 6, 2, 2 },	 /* unknown ring flag */
		{ 8, 3, 4 },	 /* count not a power of two */
		{ 8, 65536, 4 }, /* count too large */
		{ 8, 4096, 4 },	 /* count fits the limits but not the region */
		{ 64, 0, 4 },	 /* signal magic */
		{ 68, 1, 4 },	 /* signal version 1 */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ring_setup();
		memcpy(reg.bytes + bad[i].off, &bad[i].val, bad[i].size);
		ck_assert_int_eq(ioq_south_attach(&qs, &reg, REGION, 0), -EINVAL);
		ck_assert(qs.broken);
		ck_assert_int_eq(ioq_pop(&qs, 1, NULL, NULL, NULL), -EIO);
	}
	ck_assert_int_eq(ioq_south_attach(&qs, &reg, REGION, 100), -EINVAL); /* misaligned */
	ck_assert_int_eq(ioq_south_attach(&qs, &reg, REGION, REGION - 64), -EINVAL);
	ck_assert_int_eq(ioq_south_attach(&qs, &reg, REGION, ~0ull & ~63ull), -EINVAL); /* wraps */
	ck_assert(qs.broken);
}
END_TEST

START_TEST(ioq_event_index_kick)
{
	ring_setup_count(8, VBUS_IOQ_F_EVENT_IDX, 0);
	ck_assert_int_eq(shm_signal_enable(&qs.sig), SHM_SIGNAL_OK);
	ck_assert_int_eq(ioq_arm(&qs, 3), IOQ_ARMED); /* wake me after 3 */
	ck_assert_int_eq(push_n(2, 0), 2);
	ck_assert_int_eq(ioq_kick(&qn), SHM_SIGNAL_EVSKIP);
	ck_assert_int_eq(push_n(1, 2), 1);
	ck_assert_int_eq(ioq_kick(&qn), SHM_SIGNAL_NOTIFY); /* index crossed event 2 */
	ck_assert_int_eq(ioq_arm(&qs, 3), IOQ_READY);
	ck_assert(ioq_need_event(0xffffffff, 1, 0xfffffffe));
	ck_assert(!ioq_need_event(5, 5, 4));
}
END_TEST

/* ---------------------------------------------------------------- bus */

static struct vbus_bus *bus;
static union {
	struct vbus_shm_header h;
	unsigned char bytes[REGION];
} breg __attribute__((aligned(64)));

static void bus_setup(void)
{
	struct vbus_bus_layout lay = {
		.max_devices = 4,
		.device_table_off = 128,
		.ctrl_ring_off = 512,
		.event_ring_off = 1024,
		.data_off = 4096,
		.data_len = REGION - 4096,
	};

	bus = calloc(1, sizeof(*bus));
	ck_assert_ptr_nonnull(bus);
	memset(&breg, 0, sizeof(breg));
	ck_assert_int_eq(vbus_bus_create(bus, &breg, REGION, &lay), 0);
	ck_assert_int_eq(vbus_bus_add_device(bus, 7, "echo", 2, 0x5, 4, false), 0);
	ck_assert_int_eq(vbus_bus_check(bus), 0);
}

static void bus_teardown(void)
{
	free(bus);
}

static s32 verb(u32 op, u32 dev, u32 a0, u32 a1, u64 off, u64 len, u64 sig, u32 *ret)
{
	struct vbus_ctrl_msg m = {
		.op = op, .devid = dev, .arg0 = a0, .arg1 = a1, .offset = off, .len = len, .sigdesc = sig
	};

	vbus_bus_ctrl_exec(bus, &m);
	if (ret)
		*ret = m.ret;
	return (s32)m.result;
}

START_TEST(bus_verbs_in_order)
{
	u32 ret;

	ck_assert_int_eq(verb(9, 7, 0, 0, 0, 0, 0, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 8, 1, 0, 0, 0, 0, NULL), -ENODEV);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 0, 0, 4096, 64, VBUS_CTRL_NO_SIGNAL, NULL), -ENOTCONN);
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 7, 3, 0, 0, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 7, 2, 0, 0, 0, 0, &ret), 0);
	ck_assert_uint_eq(ret, 2);
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 7, 1, 0, 0, 0, 0, NULL), -EBUSY);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 0, 0, 4096, 256, 4096, &ret), 0);
	ck_assert_uint_eq(ret, 1);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 0, 0, 4096, 256, 4096, NULL), -EEXIST);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 1, 8, 4096, 64, 4096, NULL), -EINVAL);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 1, 0, 4096, 64, 4100, NULL), -EINVAL);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 1, 0, 4096, 256, 4096 + 8, NULL), -EINVAL);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 1, 0, 4096, 256, 4096 + 128, NULL), -EINVAL); /* 192 bytes */
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 1, 0, REGION, 1, VBUS_CTRL_NO_SIGNAL, NULL), -EINVAL);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 4, 0, 4096, 64, VBUS_CTRL_NO_SIGNAL, NULL), -EINVAL);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 1, 7, 4096, 256, 4096 + 64, &ret), 0);
	ck_assert_uint_eq(ret, 2);
	ck_assert_int_eq(verb(VBUS_CTRL_CALL, 7, VBUS_CALL_GET_FEATURES, 0, 0, 0, 0, &ret), 0);
	ck_assert_uint_eq(ret, 5);
	ck_assert_int_eq(verb(VBUS_CTRL_CALL, 7, VBUS_CALL_SET_FEATURES, 2, 0, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(verb(VBUS_CTRL_CALL, 7, VBUS_CALL_SET_FEATURES, 4, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(verb(VBUS_CTRL_CALL, 7, 0x100, 0, 0, 0, 0, NULL), -ENOSYS);
	ck_assert_int_eq(verb(VBUS_CTRL_CALL, 7, 1, 0, REGION, 1, 0, NULL), -EINVAL);
	ck_assert_int_eq(verb(VBUS_CTRL_CLOSE, 7, 0, 0, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(verb(VBUS_CTRL_CLOSE, 7, 0, 0, 0, 0, 0, NULL), -ENOTCONN);
	ck_assert_int_eq(vbus_bus_fault(bus, 7), 0);
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 7, 1, 0, 0, 0, 0, NULL), -EIO);
	ck_assert_int_eq(verb(VBUS_CTRL_RELEASE, 7, 0, 0, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 7, 1, 0, 0, 0, 0, NULL), 0);
}
END_TEST

/* BUS-8: north's generation, south's acknowledgement and reset; north's checks of the header. */
START_TEST(bus_attach_handshake)
{
	struct vbus_bus_layout lay;
	struct vbus_north_record rec;
	u32 gen, ret;

	ck_assert_int_eq(vbus_north_header(&breg, REGION, &lay), 0);
	ck_assert_uint_eq(lay.max_devices, 4);
	ck_assert_int_eq(vbus_north_header(&breg, REGION * 2, &lay), -EINVAL); /* size differs */
	ck_assert(!vbus_north_link_up(&breg));
	ck_assert_uint_eq(vbus_bus_north_gen(bus), 0);
	gen = vbus_north_begin(&breg);
	ck_assert_uint_eq(gen, 1);
	ck_assert_uint_eq(vbus_bus_north_gen(bus), 1);
	ck_assert(!vbus_north_attached(&breg, gen)); /* not before south acknowledges */
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 7, 1, 0, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 0, 0, 4096, 256, 4096, &ret), 0);
	vbus_bus_reset_north(bus);
	vbus_bus_set_link(bus, gen, true);
	ck_assert(vbus_north_attached(&breg, gen));
	ck_assert(!vbus_north_attached(&breg, gen + 1));
	ck_assert_int_eq(vbus_north_record(&breg, &lay, 0, &rec), 0);
	ck_assert_uint_eq(rec.state, VBUS_DEV_PRESENT); /* OPEN went back to PRESENT */
	ck_assert_str_eq(rec.type, "echo");
	ck_assert_int_eq(vbus_north_record(&breg, &lay, 4, &rec), -EINVAL);
	/* registrations were dropped and handles restart at 1 */
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 7, 1, 0, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(verb(VBUS_CTRL_SHM, 7, 0, 0, 4096, 256, 4096, &ret), 0);
	ck_assert_uint_eq(ret, 1);
	ck_assert_uint_eq(vbus_north_begin(&breg), 2); /* north_gen = south_gen + 1 */
	vbus_bus_set_link(bus, 2, false);
	ck_assert(!vbus_north_link_up(&breg));
	ck_assert(!vbus_north_attached(&breg, 2));
	breg.h.magic = 0;
	ck_assert_int_eq(vbus_north_header(&breg, REGION, &lay), -EINVAL);
}
END_TEST

/* North's control codec against south's executor. */
START_TEST(bus_north_ctrl_codec)
{
	static unsigned char buf[sizeof(struct vbus_ctrl_msg)] __attribute__((aligned(8)));
	struct vbus_ctrl_msg m;
	u32 ret = 99;

	vbus_north_ctrl_fill(buf, VBUS_CTRL_OPEN, 7, 2, 0, 0, 0, 0);
	memcpy(&m, buf, sizeof(m));
	vbus_bus_ctrl_exec(bus, &m);
	memcpy(buf, &m, sizeof(m));
	ck_assert_int_eq(vbus_north_ctrl_result(buf, &ret), 0);
	ck_assert_uint_eq(ret, 2);
	vbus_north_ctrl_fill(buf, VBUS_CTRL_OPEN, 7, 2, 0, 0, 0, 0);
	memcpy(&m, buf, sizeof(m));
	vbus_bus_ctrl_exec(bus, &m);
	memcpy(buf, &m, sizeof(m));
	ck_assert_int_eq(vbus_north_ctrl_result(buf, &ret), -EBUSY);
	ck_assert_uint_eq(ioq_signal_offset(), offsetof(struct vbus_ioq_ring, signal));
}
END_TEST

START_TEST(bus_hotplug_events)
{
	struct ioq_desc_info d = { .offset = 8192, .len = 16, .flags = VBUS_IOQ_DESC_F_WRITE };
	struct vbus_event *ev = (struct vbus_event *)(breg.bytes + 8192);
	u32 used;

	ck_assert_int_eq(vbus_bus_add_device(bus, 9, "null", 1, 0, 0, true), 1);
	ck_assert_int_eq(vbus_bus_add_device(bus, 9, "null", 1, 0, 0, true), -EEXIST);
	ck_assert_int_eq(vbus_bus_drop_device(bus, 9), 0);
	ck_assert_int_eq(vbus_bus_drop_device(bus, 9), -ENODEV);
	ck_assert_uint_eq(vbus_bus_events_queued(bus), 2);
	ck_assert_int_eq(vbus_bus_event_pop(bus, &d, &used), 0);
	ck_assert_uint_eq(used, 16);
	ck_assert_uint_eq(ev->type, VBUS_EVENT_DEVADD);
	ck_assert_uint_eq(ev->seq, 1);
	ck_assert_int_eq(vbus_bus_event_pop(bus, &d, &used), 0);
	ck_assert_uint_eq(ev->type, VBUS_EVENT_DEVDROP);
	ck_assert_uint_eq(ev->devid, 9);
	ck_assert_uint_eq(ev->seq, 2);
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 9, 1, 0, 0, 0, 0, NULL), -ENODEV);
}
END_TEST

START_TEST(bus_check_detects_header_corruption)
{
	breg.h.ctrl_ring_off = 100;
	ck_assert_int_eq(vbus_bus_check(bus), -EIO);
	ck_assert(bus->broken);
	ck_assert_int_eq(verb(VBUS_CTRL_OPEN, 7, 1, 0, 0, 0, 0, NULL), -EIO);
}
END_TEST

/* BUS-4 and HOST-1 on the control ring: a bad buffer is refused before anything is read or written. */
START_TEST(bus_ctrl_pop_refuses_bad_buffers)
{
	struct vbus_ctrl_msg *m = (struct vbus_ctrl_msg *)(breg.bytes + 8192);
	struct ioq_desc_info d = { .offset = 8192, .len = sizeof(*m) };
	u32 used = 99;

	*m = (struct vbus_ctrl_msg){ .op = VBUS_CTRL_OPEN, .devid = 7, .arg0 = 1, .result = 0xdead };
	d.len = sizeof(*m) - 1; /* too short */
	ck_assert_int_eq(vbus_bus_ctrl_pop(bus, &d, &used), -EINVAL);
	ck_assert_uint_eq(used, 0);
	d.len = sizeof(*m);
	d.offset = 8196; /* misaligned */
	ck_assert_int_eq(vbus_bus_ctrl_pop(bus, &d, &used), -EINVAL);
	d.offset = 8192;
	d.flags = VBUS_IOQ_DESC_F_WRITE; /* a response buffer is not a request */
	ck_assert_int_eq(vbus_bus_ctrl_pop(bus, &d, &used), -EINVAL);
	ck_assert_uint_eq(m->result, 0xdead); /* nothing written back */
	ck_assert_uint_eq(vbus_bus_find(bus, 7)->state, VBUS_DEV_PRESENT);
	d.flags = 0;
	ck_assert_int_eq(vbus_bus_ctrl_pop(bus, &d, &used), 0);
	ck_assert_uint_eq(used, sizeof(*m));
	ck_assert_uint_eq(m->result, 0);
	ck_assert_uint_eq(m->ret, 1);
	ck_assert_uint_eq(vbus_bus_find(bus, 7)->state, VBUS_DEV_OPEN);
}
END_TEST

/* BUS-5: an unusable event buffer does not consume the event. */
START_TEST(bus_event_pop_keeps_event_on_bad_buffer)
{
	struct ioq_desc_info d = { .offset = 8192, .len = 16 };
	u32 used = 99;

	ck_assert_int_eq(vbus_bus_event_pop(bus, &d, &used), -EAGAIN); /* nothing queued */
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(vbus_bus_add_device(bus, 9, "null", 1, 0, 0, true), 1);
	ck_assert_int_eq(vbus_bus_event_pop(bus, &d, &used), -EINVAL); /* no WRITE flag */
	d.flags = VBUS_IOQ_DESC_F_WRITE;
	d.len = 15;
	ck_assert_int_eq(vbus_bus_event_pop(bus, &d, &used), -EINVAL); /* too short */
	d.len = 16;
	d.offset = 8193;
	ck_assert_int_eq(vbus_bus_event_pop(bus, &d, &used), -EINVAL); /* misaligned */
	ck_assert_uint_eq(vbus_bus_events_queued(bus), 1);
	d.offset = 8192;
	ck_assert_int_eq(vbus_bus_event_pop(bus, &d, &used), 0);
	ck_assert_uint_eq(vbus_bus_events_queued(bus), 0);
}
END_TEST

/*
 * The fused hot path (vbus_core.h): descriptors written in place and published
 * once, popped in place with one check per descriptor, completed once. It makes
 * the ring ioq_push / ioq_pop make: north's cookies come back from reclaim, the
 * IOQ-12 write-back happens only for fewer bytes used, south.index moves once.
 */
START_TEST(ioq_fused_push_then_pop)
{
	struct ioq_desc_info d, last;
	unsigned char before[4 * sizeof(struct vbus_ioq_desc)];

	ck_assert_uint_eq(ioq_free_slots(&qn), 4);
	for (u32 i = 0; i < 3; i++)
		ioq_push_desc(&qn, i, 4096 + 64 * i, 64, 0, 200 + i);
	ck_assert_uint_eq(le32_to_cpu(reg.ring.north.index), 0); /* nothing visible before the publish */
	ck_assert_int_eq(ioq_push_publish(&qn, 3), 3);
	ck_assert_uint_eq(le32_to_cpu(reg.ring.north.index), 3);
	ck_assert_uint_eq(qn.idx, 3);
	memcpy(before, reg.ring.desc, sizeof(before));

	ck_assert_int_eq(ioq_pop_begin(&qs, 8), 3);
	for (u32 i = 0; i < 3; i++) {
		ck_assert_int_eq(ioq_pop_desc(&qs, i, &d), 0);
		ck_assert_uint_eq(d.cookie, i); /* south sees the index */
		ck_assert_uint_eq(d.offset, 4096 + 64 * i);
		ck_assert_uint_eq(d.len, 64);
		ck_assert_uint_eq(ioq_pop_used(&qs, &d, i == 1 ? 10 : 100), i == 1 ? 10 : 64);
	}
	ck_assert_uint_eq(le32_to_cpu(reg.ring.south.index), 0); /* nothing completed before the end */
	ck_assert_int_eq(ioq_pop_end(&qs, 3), 3);
	ck_assert_uint_eq(le32_to_cpu(reg.ring.south.index), 3);
	/* only descriptor 1 was written back (len = used) */
	ck_assert_uint_eq(le32_to_cpu(reg.ring.desc[1].len), 10);
	reg.ring.desc[1].len = cpu_to_le32(64);
	ck_assert_int_eq(memcmp(before, reg.ring.desc, sizeof(before)), 0);
	ck_assert_int_eq(ioq_pop_begin(&qs, 8), -EAGAIN);
	ck_assert_int_eq(ioq_reclaim(&qn, 4, NULL, NULL, &last), 3);
	ck_assert_uint_eq(last.cookie, 202); /* north's own cookie */
}
END_TEST

START_TEST(ioq_fused_pop_of_ioq_push_and_wrap)
{
	struct ioq_desc_info d;

	/* two laps of a ring of 4 in batches of 3: the slots wrap under both halves */
	for (u32 lap = 0; lap < 4; lap++) {
		ck_assert_int_eq(push_n(3, 10 * lap), 3);
		ck_assert_int_eq(ioq_pop_begin(&qs, 2), 2); /* at most n */
		for (u32 i = 0; i < 2; i++) {
			ck_assert_int_eq(ioq_pop_desc(&qs, i, &d), 0);
			ck_assert_uint_eq(d.cookie, 3 * lap + i);
		}
		ck_assert_int_eq(ioq_pop_end(&qs, 2), 2);
		ck_assert_int_eq(ioq_pop_begin(&qs, 4), 1);
		ck_assert_int_eq(ioq_pop_desc(&qs, 0, &d), 0);
		ck_assert_uint_eq(d.cookie, 3 * lap + 2);
		ck_assert_int_eq(ioq_pop_end(&qs, 1), 1);
		ck_assert_uint_eq(le32_to_cpu(reg.ring.south.index), 3 * lap + 3);
		ck_assert_int_eq(ioq_reclaim(&qn, 4, NULL, NULL, NULL), 3);
	}
}
END_TEST

START_TEST(ioq_fused_violation_publishes_nothing)
{
	struct ioq_desc_info d;

	ck_assert_int_eq(push_n(2, 0), 2);
	reg.ring.desc[1].flags = 0x40; /* the second of the batch is bad */
	ck_assert_int_eq(ioq_pop_begin(&qs, 4), 2);
	ck_assert_int_eq(ioq_pop_desc(&qs, 0, &d), 0);
	ck_assert_int_eq(ioq_pop_desc(&qs, 1, &d), -EIO);
	ck_assert(qs.broken);
	ck_assert_str_eq(qs.violation, "flags");
	ck_assert_int_eq(ioq_pop_end(&qs, 2), -EIO); /* nothing of the batch published */
	ck_assert_uint_eq(reg.ring.south.index, 0);
	ck_assert_int_eq(ioq_pop_begin(&qs, 4), -EIO); /* sticky */
	ck_assert_uint_eq(qs.violations, 1);
}
END_TEST

START_TEST(ioq_fused_range_checked)
{
	struct ioq_desc_info d = { .offset = REGION - 8, .len = 16 };

	ck_assert_int_eq(ioq_push(&qn, &d, 1), 1);
	ck_assert_int_eq(ioq_pop_begin(&qs, 4), 1);
	ck_assert_int_eq(ioq_pop_desc(&qs, 0, &d), -EIO);
	ck_assert_str_eq(qs.violation, "range");
}
END_TEST

START_TEST(ioq_fused_misuse_rejected)
{
	struct ioq_desc_info d;

	ck_assert_int_eq(ioq_pop_begin(&qn, 4), -EINVAL);    /* north's handle */
	ck_assert_int_eq(ioq_push_publish(&qs, 1), -EINVAL); /* south's handle */
	ck_assert_int_eq(ioq_pop_begin(&qs, 0), -EINVAL);
	ck_assert_int_eq(ioq_push_publish(&qn, 5), -ENOSPC); /* P1: more than the ring's free slots */
	ck_assert_uint_eq(reg.ring.north.index, 0);
	ck_assert_int_eq(push_n(2, 0), 2);
	ck_assert_int_eq(ioq_pop_begin(&qs, 4), 2);
	ck_assert_int_eq(ioq_pop_desc(&qs, 0, &d), 0);
	ck_assert_int_eq(ioq_pop_end(&qs, 3), -EINVAL); /* more than the batch */
	ck_assert_uint_eq(reg.ring.south.index, 0);
	ck_assert_int_eq(ioq_pop_end(&qs, 1), 1);
	ck_assert_int_eq(ioq_pop_end(&qs, 1), -EINVAL); /* the batch ended */
	ck_assert_uint_eq(le32_to_cpu(reg.ring.south.index), 1);
	ck_assert(!qs.broken);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc;

	tc = tcase_create("signal");
	tcase_add_checked_fixture(tc, signal_setup, NULL);
	tcase_add_test(tc, signal_inject_disabled_suppresses);
	tcase_add_test(tc, signal_notify_once_then_pending);
	tcase_add_test(tc, signal_wakeup_loops_while_dirty);
	tcase_add_test(tc, signal_wakeup_budget_reschedules);
	tcase_add_test(tc, signal_wakeup_disabled_keeps_pending);
	tcase_add_test(tc, signal_hostile_bytes_read_as_one);
	tcase_add_test(tc, moderation_count_and_holdoff);
	tcase_add_test(tc, moderation_count_saturates);
	tcase_add_test(tc, moderation_expire_at_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("ioq");
	tcase_add_checked_fixture(tc, ring_setup, NULL);
	tcase_add_test(tc, ioq_wrap_example);
	tcase_add_test(tc, ioq_index_wraps_2_32);
	tcase_add_test(tc, ioq_completion_len_and_error);
	tcase_add_test(tc, ioq_violation_index);
	tcase_add_test(tc, ioq_violation_mid_batch_publishes_nothing);
	tcase_add_test(tc, ioq_completion_by_index_writes_no_descriptor);
	tcase_add_test(tc, ioq_north_rejects_south_index_past_ni);
	tcase_add_test(tc, ioq_violation_flags);
	tcase_add_test(tc, ioq_violation_range);
	tcase_add_test(tc, ioq_violation_range_overflow);
	tcase_add_test(tc, ioq_attach_rejects_bad_header);
	tcase_add_test(tc, ioq_event_index_kick);
	tcase_add_test(tc, ioq_fused_push_then_pop);
	tcase_add_test(tc, ioq_fused_pop_of_ioq_push_and_wrap);
	tcase_add_test(tc, ioq_fused_violation_publishes_nothing);
	tcase_add_test(tc, ioq_fused_range_checked);
	tcase_add_test(tc, ioq_fused_misuse_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("bus");
	tcase_add_checked_fixture(tc, bus_setup, bus_teardown);
	tcase_add_test(tc, bus_verbs_in_order);
	tcase_add_test(tc, bus_hotplug_events);
	tcase_add_test(tc, bus_attach_handshake);
	tcase_add_test(tc, bus_north_ctrl_codec);
	tcase_add_test(tc, bus_check_detects_header_corruption);
	tcase_add_test(tc, bus_ctrl_pop_refuses_bad_buffers);
	tcase_add_test(tc, bus_event_pop_keeps_event_on_bad_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vbus_check_run(core_suite());
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Explorer checks with teeth (issue 12): each barrier label is tied to its
 * code site (the minimal counterexample of minus-MB-X shows "<line> MB-X =
 * wmb" at X's own spec line), and the stranded-pending and lost-ring-entry
 * checks fire on planted bugs (they never fire on the spec's scenarios).
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vbusmodel/explore.h"
#include "vbusmodel/model.h"
#include <vbus/shm_signal.h>
#include "../vbus_check.h"

static char *explore_to_string(const struct vm_explore_cfg *c, struct vm_explore_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(vm_explore_run(c, r, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(buf);
	return buf;
}

START_TEST(explore_labels_at_their_sites)
{
	static const struct {
		const char *placement, *site;
		int event_idx;
	} t[] = {
		{ "minus-MB-INJECT", "  I2 MB-INJECT = wmb", 0 },   { "minus-MB-ENABLE", "  E2 MB-ENABLE = wmb", 0 },
		{ "minus-MB-DRAIN", "  W2 MB-DRAIN = wmb", 0 },	    { "minus-MB-CLEAR", "  W6 MB-CLEAR = wmb", 0 },
		{ "minus-MB-PUBLISH", "  I0 MB-PUBLISH = wmb", 0 }, { "minus-MB-ARM", "  A2 MB-ARM = wmb", 1 },
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct vm_explore_cfg c = { .depth = 2, .south_cycle = 1, .event_idx = t[i].event_idx };
		struct vm_explore_result r;

		if (t[i].event_idx) {
			c.depth = 3;
			c.lower_threshold = 1;
			c.south_cycle = 0;
		}
		ck_assert_int_eq(vm_explore_parse_placement(t[i].placement, &c.full_barriers), 0);
		char *buf = explore_to_string(&c, &r);
		ck_assert_msg(r.violations > 0, "%s: no violation", t[i].placement);
		ck_assert_msg(strstr(buf, t[i].site), "%s: the counterexample does not show '%s'", t[i].placement,
			      t[i].site);
		/* and no other barrier is the weak one */
		ck_assert_int_eq(
			(int)(strstr(buf, "= wmb: no effect") == strstr(buf, t[i].site) + strlen(t[i].site) - 5), 1);
		free(buf);
	}
}
END_TEST

START_TEST(explore_stranded_pending_fires)
{
	struct vm_explore_cfg c = {
		.full_barriers = VM_BAR_ALL, .depth = 1, .south_cycle = 0, .plant = VM_PLANT_NO_W5
	};
	struct vm_explore_result r;
	char *buf = explore_to_string(&c, &r);

	ck_assert_uint_gt(r.violations, 0);
	ck_assert_ptr_nonnull(strstr(buf, "VIOLATION: stranded pending"));
	free(buf);
}
END_TEST

START_TEST(explore_lost_ring_entry_fires)
{
	struct vm_explore_cfg c = {
		.full_barriers = VM_BAR_ALL, .depth = 1, .south_cycle = 1, .plant = VM_PLANT_INDEX_FIRST
	};
	struct vm_explore_result r;
	char *buf = explore_to_string(&c, &r);

	ck_assert_uint_gt(r.violations, 0);
	ck_assert_ptr_nonnull(strstr(buf, "VIOLATION: lost ring entry"));
	free(buf);
	c.plant = VM_PLANT_MAX + 1;
	ck_assert_int_eq(vm_explore_run(&c, &r, NULL), -EINVAL);
}
END_TEST

/* The model's enable with only pending set (a notification decided, its dirty already drained):
 * SELF. */
START_TEST(model_enable_with_only_pending)
{
	struct vbus_shm_signal_desc d;
	struct vm_signal s = { .desc = (uint8_t *)&d };

	memset(&d, 0, sizeof(d));
	d.irq[VBUS_SOUTH].pending = 1;
	ck_assert_int_eq(vm_sig_get(&s, VBUS_SOUTH, 0), 0); /* disabled */
	ck_assert_int_eq(vm_sig_enable(&s, VBUS_SOUTH), VM_SELF);
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(vm_sig_enable(&s, VBUS_SOUTH), VM_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("explore-teeth");
	TCase *tc = tcase_create("explore");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, explore_labels_at_their_sites);
	tcase_add_test(tc, explore_stranded_pending_fires);
	tcase_add_test(tc, explore_lost_ring_entry_fires);
	suite_add_tcase(s, tc);
	tc = tcase_create("model-gaps");
	tcase_add_test(tc, model_enable_with_only_pending);
	suite_add_tcase(s, tc);
	return vbus_check_run(s);
}

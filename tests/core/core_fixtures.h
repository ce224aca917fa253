/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixtures shared by the core's Check suites (test_core.c, test_core_gaps.c): one signal descriptor
 * with its north and south views, and one ring region with north's and south's queues. Each suite is
 * its own program, so the static state below is per program.
 */
#ifndef VBUS_TESTS_CORE_FIXTURES_H
#define VBUS_TESTS_CORE_FIXTURES_H

#include <check.h>
#include <string.h>

#include "vbus_core.h"

/* ---------------------------------------------------------------- signal */

static struct vbus_shm_signal_desc sd __attribute__((aligned(64)));
static struct shm_signal sn, ss;

/* A fresh descriptor, north and south bound to it. */
static inline void signal_bind_both(void)
{
	shm_signal_init(&sd);
	shm_signal_bind(&sn, &sd, VBUS_NORTH);
	shm_signal_bind(&ss, &sd, VBUS_SOUTH);
}

/* ---------------------------------------------------------------- ring */

#define REGION 65536
static union {
	struct vbus_ioq_ring ring;
	unsigned char bytes[REGION];
} reg __attribute__((aligned(64)));
static struct ioq qn, qs;

/* A zeroed region; north initialises a ring of @count entries (@flags, indexes from @base), south attaches. */
static inline void ring_setup_count(u32 count, u16 flags, u32 base)
{
	memset(&reg, 0, sizeof(reg));
	ck_assert_int_eq(ioq_north_init(&qn, &reg.ring, count, flags, base, REGION), 0);
	ck_assert_int_eq(ioq_south_attach(&qs, &reg, REGION, 0), 0);
}

/* North pushes @n (at most 64) 64-byte descriptors with cookies @cookie, @cookie + 1, ... */
static inline int push_n(unsigned int n, u64 cookie)
{
	struct ioq_desc_info d[64];

	ck_assert_uint_le(n, 64);
	for (unsigned int i = 0; i < n; i++)
		d[i] = (struct ioq_desc_info){ .cookie = cookie + i, .offset = 4096, .len = 64 };
	return ioq_push(&qn, d, n);
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel interrupt moderation (spec §4.1, §5.2 TR-9) against the reference
 * model (libvbusmodel, the library behind vbus-model), on the same stimulus,
 * counting interrupts, not timing them.
 *
 * North drives a "null" device of a moderated link step by step; the same
 * steps run on a model ring with the same moderation count:
 *   post     north pushes one message and rings; the module pops it and kicks
 *            north (M1-M4) -> vm_ring_kick(SOUTH)
 *   service  north's wakeup on its signal (clears pending) -> vm_sig_wakeup(NORTH)
 *   enable / disable  north's enable / disable -> vm_sig_enable / vm_sig_disable
 *   expire   (only while the model's holdoff runs) north waits until the
 *            module's holdoff timer ran out -> holdoff ticks of the model
 * Time maps to steps: the module's holdoff H is much longer than a step, so a
 * holdoff runs out only in an expire step; the model's holdoff is MODEL_H
 * ticks, all spent in the expire step. After every step the module's
 * interrupts (GET_STATS) and holdoff outcomes (debugfs) must equal the model's;
 * at the end north's call eventfd must have counted the same interrupts. A
 * holdoff that ran out during another step (the machine too slow for H) makes
 * the run invalid and it is repeated with H doubled, at most 3 times.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vbusmodel/model.h>

#include "guest_util.h"
#include "traffic.h"
#include "vbus_core.h"

#define MOD_REGION (64u * 1024u)
#define MOD_RING_OFF 4096u
#define MOD_BUF_OFF (32u * 1024u)
#define MOD_COUNT 16u
#define MODEL_H 4u
#define STEPS 48

enum step { S_POST, S_SERVICE, S_ENABLE, S_DISABLE, S_EXPIRE };
static const char *const step_name[] = { "post", "service", "enable", "disable", "expire" };

struct mod_link {
	int link, memfd, kick, call;
	uint8_t *map;
	struct ioq q;
	uint32_t posted;
	char debugfs[64]; /* this link's statistics file */
};

struct mod_counts {
	unsigned long long interrupts, fired, dropped, deferred;
};

#define MOD_DEBUGFS "/sys/kernel/debug/vbus"
#define MOD_MAX_LINK_IDS 1024

/* Mark in @ids[] the links that have a debugfs file now (link<N>, N from the module's IDA). */
static void debugfs_link_ids(unsigned char *ids)
{
	struct dirent *de;
	DIR *dir = opendir(MOD_DEBUGFS);
	unsigned int n;
	char end;

	ck_assert_ptr_nonnull(dir);
	memset(ids, 0, MOD_MAX_LINK_IDS);
	while ((de = readdir(dir)))
		if (sscanf(de->d_name, "link%u%c", &n, &end) == 1) {
			ck_assert_uint_lt(n, MOD_MAX_LINK_IDS);
			ids[n] = 1;
		}
	closedir(dir);
}

/* Open a link and find ITS debugfs file: the one link<N> that appeared with it (other links may be open). */
static int mod_link_open(char *debugfs, size_t len)
{
	unsigned char before[MOD_MAX_LINK_IDS], after[MOD_MAX_LINK_IDS];
	unsigned int n, found = 0, id = 0;
	int link;

	debugfs_link_ids(before);
	link = gu_link_open();
	ck_assert_int_ge(link, 0);
	debugfs_link_ids(after);
	for (n = 0; n < MOD_MAX_LINK_IDS; n++)
		if (after[n] && !before[n]) {
			found++;
			id = n;
		}
	ck_assert_msg(found == 1, "%u new link files in " MOD_DEBUGFS " after one open, want 1", found);
	snprintf(debugfs, len, MOD_DEBUGFS "/link%u", id);
	return link;
}

static void mod_open(struct mod_link *l, uint32_t holdoff_ns, uint32_t count)
{
	struct vbus_ioc_device d = { .slot = 0, .id = 1, .version = 1, .type = "null" };
	struct vbus_ioc_moderation m = { .holdoff_ns = holdoff_ns, .count = count };
	void *map;

	memset(l, 0, sizeof(*l));
	ck_assert_int_eq(gu_memfd_create(MOD_REGION, &l->memfd, &map), 0);
	l->map = map;
	ck_assert_int_eq(ioq_north_init(&l->q, (void *)(l->map + MOD_RING_OFF), MOD_COUNT, 0, 0, MOD_REGION), 0);
	l->link = mod_link_open(l->debugfs, sizeof(l->debugfs));
	ck_assert_int_eq(gu_attach_memfd(l->link, l->memfd, MOD_REGION), 0);
	d.ring_off[0] = MOD_RING_OFF;
	ck_assert_int_eq(gu_ioctl(l->link, VBUS_IOC_ADD_DEVICE, &d), 0);
	l->kick = eventfd(0, EFD_CLOEXEC);
	l->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_ge(l->kick, 0);
	ck_assert_int_ge(l->call, 0);
	ck_assert_int_eq(gu_set_eventfd(l->link, VBUS_IOC_SET_KICK, 0, l->kick), 0);
	ck_assert_int_eq(gu_set_eventfd(l->link, VBUS_IOC_SET_CALL, 0, l->call), 0);
	ck_assert_int_eq(gu_ioctl(l->link, VBUS_IOC_SET_MODERATION, &m), 0);
	ck_assert_int_eq(gu_ioctl(l->link, VBUS_IOC_START, NULL), 0);
}

static void mod_close(struct mod_link *l)
{
	ck_assert_int_eq(close(l->link), 0);
	close(l->kick);
	close(l->call);
	munmap(l->map, MOD_REGION);
	close(l->memfd);
}

/* The module's counts: interrupts from GET_STATS, holdoff outcomes from the debugfs line of THIS link. */
static struct mod_counts module_counts(const struct mod_link *l)
{
	struct mod_counts c = { 0 };
	struct vbus_ioc_stats st;
	char buf[4096], *s;

	ck_assert_int_eq(gu_get_stats(l->link, 0, &st), 0);
	ck_assert_uint_eq(st.broken, 0);
	c.interrupts = st.interrupts;
	ck_assert_int_gt(gu_read_file(l->debugfs, buf, sizeof(buf)), 0);
	s = strstr(buf, "moderation ");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sscanf(s,
				"moderation holdoff_ns %*u count %*u deferred %llu timer_fired %llu timer_dropped %llu",
				&c.deferred, &c.fired, &c.dropped),
			 3);
	return c;
}

/* north posts one message, rings, and waits until the module has popped it (and kicked). */
static void north_post(struct mod_link *l)
{
	struct ioq_desc_info d = { .offset = MOD_BUF_OFF, .len = 64 };
	struct vbus_ioc_stats st;
	double t0 = gu_now();

	ioq_reclaim(&l->q, MOD_COUNT, NULL, NULL, NULL);
	d.cookie = l->posted;
	ck_assert_int_eq(ioq_push(&l->q, &d, 1), 1);
	l->posted++;
	ck_assert_int_eq(eventfd_write(l->kick, 1), 0);
	do {
		ck_assert_int_eq(gu_get_stats(l->link, 0, &st), 0);
		if (st.messages == l->posted)
			return;
		usleep(200);
	} while (gu_now() - t0 < 30);
	ck_abort_msg("the module did not consume message %u within 30 s", l->posted);
}

struct run {
	uint32_t holdoff_ns, count;
	unsigned int seed;
	char trace[STEPS * 12];
	unsigned long long model_irqs;
};

/* One stimulus on the module and on the model. 0: counts equal; 1: a holdoff ran out early (retry). */
static int run_once(struct run *r)
{
	struct vm_obj o;
	struct vm_signal *ms;
	struct mod_link l;
	struct mod_counts want = { 0 }, got;
	unsigned int i, k, rnd = r->seed, iter;
	eventfd_t calls = 0;
	int res, invalid = 0, decoy[2];
	uint32_t dummy, dlen;
	uint64_t dcookie;

	ck_assert_int_eq(vm_obj_init_ring(&o, "q", MOD_COUNT, 0, 0, MOD_REGION), 0);
	ms = &o.ring.sig;
	vm_sig_moderate(ms, VBUS_SOUTH, MODEL_H, r->count);
	/* idle links opened before and after this one: its statistics must be read from its own file, whatever
	 * order the debugfs folder lists them in */
	decoy[0] = gu_link_open();
	mod_open(&l, r->holdoff_ns, r->count);
	decoy[1] = gu_link_open();
	ck_assert_int_ge(decoy[0], 0);
	ck_assert_int_ge(decoy[1], 0);
	r->trace[0] = 0;
	for (i = 0; i < STEPS && !invalid; i++) {
		enum step s;
		int roll;
		double t0;

		rnd = rnd * 1103515245u + 12345u;
		roll = (int)((rnd >> 16) % 100);
		if (i == 0)
			s = S_ENABLE;
		else if (roll < 45)
			s = S_POST;
		else if (roll < 68)
			s = S_SERVICE;
		else if (roll < 74)
			s = S_DISABLE;
		else if (roll < 82)
			s = S_ENABLE;
		else
			s = ms->mod[VBUS_SOUTH].mt ? S_EXPIRE : S_POST;
		switch (s) {
		case S_POST:
			north_post(&l);
			/* the model: south pops (its ring state is not counted) and kicks */
			vm_ring_push(&o.ring, 1, 64, MOD_BUF_OFF, NULL, 0, &dummy);
			vm_ring_pop(&o.ring, 1, NULL, &dummy, &dcookie, &dlen);
			res = vm_ring_kick(&o.ring, VBUS_SOUTH);
			if (res == VM_NOTIFY)
				want.interrupts++;
			else if (res == VM_DEFER)
				want.deferred++;
			vm_ring_reclaim(&o.ring, MOD_COUNT, &dummy, &dcookie, &dlen);
			break;
		case S_SERVICE:
			shm_signal_wakeup(&l.q.sig, NULL, NULL, 0, NULL);
			vm_sig_wakeup(ms, VBUS_NORTH, NULL, NULL, &iter);
			break;
		case S_ENABLE:
			shm_signal_enable(&l.q.sig);
			vm_sig_enable(ms, VBUS_NORTH);
			break;
		case S_DISABLE:
			shm_signal_disable(&l.q.sig);
			vm_sig_disable(ms, VBUS_NORTH);
			break;
		case S_EXPIRE:
			for (k = 0; k < MODEL_H; k++) {
				res = vm_sig_tick(ms);
				if (res == VM_FIRE) {
					want.fired++;
					want.interrupts++;
				} else if (res == VM_DROP) {
					want.dropped++;
				}
			}
			t0 = gu_now();
			do {
				got = module_counts(&l);
				if (got.fired + got.dropped >= want.fired + want.dropped)
					break;
				usleep(1000);
			} while (gu_now() - t0 < 10.0 + 10 * r->holdoff_ns / 1e9);
			break;
		}
		snprintf(r->trace + strlen(r->trace), sizeof(r->trace) - strlen(r->trace), "%s%s", i ? " " : "",
			 step_name[s]);
		got = module_counts(&l);
		if (got.fired + got.dropped > want.fired + want.dropped) {
			invalid = 1; /* a holdoff ran out outside an expire step */
			break;
		}
		ck_assert_msg(got.interrupts == want.interrupts && got.fired == want.fired &&
				      got.dropped == want.dropped && got.deferred == want.deferred,
			      "H %u ns C %u seed %u, step %u (%s): module interrupts %llu fired %llu dropped %llu "
			      "deferred %llu; model %llu %llu %llu %llu; steps: %s",
			      r->holdoff_ns, r->count, r->seed, i, step_name[s], got.interrupts, got.fired, got.dropped,
			      got.deferred, want.interrupts, want.fired, want.dropped, want.deferred, r->trace);
	}
	if (!invalid) {
		/* north's call eventfd saw every interrupt the module counted */
		if (eventfd_read(l.call, &calls) && errno != EAGAIN)
			ck_abort_msg("eventfd_read: %s", strerror(errno));
		ck_assert_uint_eq(calls, want.interrupts);
		r->model_irqs = want.interrupts;
		printf("moderation H %u ns C %u seed %u: %u posts, interrupts %llu (model %llu), holdoffs fired %llu "
		       "dropped %llu, deferred %llu\n",
		       r->holdoff_ns, r->count, r->seed, l.posted, got.interrupts, want.interrupts, got.fired,
		       got.dropped, got.deferred);
	}
	mod_close(&l);
	ck_assert_int_eq(close(decoy[0]), 0);
	ck_assert_int_eq(close(decoy[1]), 0);
	vm_obj_free(&o);
	return invalid;
}

static void compare(uint32_t count, unsigned int seed)
{
	struct run r = { .holdoff_ns = 300 * 1000 * 1000, .count = count, .seed = seed };
	int tries;

	for (tries = 0; tries < 3; tries++) {
		if (!run_once(&r))
			return;
		printf("moderation H %u ns C %u: a holdoff ran out during a step (machine too slow for H); "
		       "again with H doubled\n",
		       r.holdoff_ns, count);
		r.holdoff_ns *= 2;
	}
	ck_abort_msg("C %u: a holdoff ran out outside an expire step even with H = %u ns", count, r.holdoff_ns / 2);
}

/* count 3: the count and the timer both fire; count 0: the timer alone (MOD-2). */
START_TEST(t_moderation_matches_model)
{
	compare(3, 1);
	compare(0, 2);
	compare(2, 3);
}
END_TEST

/* SET_MODERATION's argument rules (TR-7/TR-9), and only while stopped. */
START_TEST(t_moderation_rejects)
{
	struct vbus_ioc_moderation m = { .holdoff_ns = 1000, .count = 3, .reserved = 1 };
	struct mod_link l;

	mod_open(&l, 0, 0);
	ck_assert_int_eq(gu_ioctl(l.link, VBUS_IOC_SET_MODERATION, &m), -EBUSY);
	ck_assert_int_eq(gu_ioctl(l.link, VBUS_IOC_STOP, NULL), 0);
	ck_assert_int_eq(gu_ioctl(l.link, VBUS_IOC_SET_MODERATION, &m), -EINVAL);
	m.reserved = 0;
	m.count = 256;
	ck_assert_int_eq(gu_ioctl(l.link, VBUS_IOC_SET_MODERATION, &m), -EINVAL);
	m.count = 255;
	m.holdoff_ns = VBUS_IOC_MAX_HOLDOFF_NS + 1;
	ck_assert_int_eq(gu_ioctl(l.link, VBUS_IOC_SET_MODERATION, &m), -EINVAL);
	m.holdoff_ns = VBUS_IOC_MAX_HOLDOFF_NS;
	ck_assert_int_eq(gu_ioctl(l.link, VBUS_IOC_SET_MODERATION, &m), 0);
	mod_close(&l);
}
END_TEST

Suite *moderation_suite(void)
{
	Suite *s = suite_create("vbus.ko moderation");
	TCase *tc = tcase_create("Moderation");

	tcase_add_test(tc, t_moderation_rejects);
	tcase_add_test(tc, t_moderation_matches_model);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

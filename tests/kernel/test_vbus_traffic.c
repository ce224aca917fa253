// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest traffic tests of vbus.ko: a userspace north (north.c, the core in
 * userspace) against the module's echo/null backends (the same core in the
 * kernel). Echo integrity, notification mitigation, hostile north, churn.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_util.h"
#include "north.h"
#include "traffic.h"

#define ECHO_MESSAGES 1000000ull
#define PINGPONG_MESSAGES 500ull

static const struct north_cfg echo_saturate = {
	.type = "echo",
	.count = 1024,
	.ring_flags = VBUS_IOQ_F_EVENT_IDX,
	.slot = 0,
};
static const struct north_cfg echo_plain = {
	.type = "echo",
	.count = 256,
	.ring_flags = 0,
	.slot = 0,
};

static void print_rate(const char *what, uint64_t msgs, double secs, const struct vbus_ioc_stats *st,
		       const struct north *n)
{
	printf("%s: %llu messages in %.2f s = %.0f msg/s; module: doorbells %llu interrupts %llu "
	       "suppressed %llu messages %llu -> %.5f interrupts/msg, %.5f doorbells/msg; "
	       "north: doorbells %llu irqs read %llu\n",
	       what, (unsigned long long)msgs, secs, msgs / secs, (unsigned long long)st->doorbells,
	       (unsigned long long)st->interrupts, (unsigned long long)st->suppressed, (unsigned long long)st->messages,
	       (double)st->interrupts / (double)msgs, (double)st->doorbells / (double)msgs,
	       (unsigned long long)n->doorbells, (unsigned long long)n->irqs);
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
	/*
	 * Mitigation under a saturated stream: at most one interrupt per 100 messages.
	 * A bound of the protocol, not of speed: north arms only when it can neither
	 * send nor reap, i.e. with a full ring, for count/2 = 512 completions (IOQ-7),
	 * and pending suppresses every kick until north's wakeup (SIG-6).
	 */
	ck_assert_msg(st.interrupts * 100 <= ECHO_MESSAGES, "%llu interrupts for %llu messages",
		      (unsigned long long)st.interrupts, ECHO_MESSAGES);
	/* Every interrupt the module sent reached north's eventfd (read now or still counted). */
	{
		eventfd_t v = 0;

		/* the call eventfd is non-blocking: EAGAIN means a count of 0 */
		ck_assert(eventfd_read(n.call[1], &v) == 0 || errno == EAGAIN);
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
		.type = "null",
		.count = 1024,
		.ring_flags = VBUS_IOQ_F_EVENT_IDX,
		.slot = 5,
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

/* Stats of @slot once it reports broken (or after 5 s). */
static struct vbus_ioc_stats wait_broken(int link, uint32_t slot)
{
	struct vbus_ioc_stats st;
	double end = gu_now() + 5.0;

	do {
		ck_assert_int_eq(gu_get_stats(link, slot, &st), 0);
		if (st.broken)
			break;
		usleep(2000);
	} while (gu_now() < end);
	return st;
}

/* The device's table record sits in the first page, before the rings (north.c: 4096). */
#define HOSTILE_RECORD 1024u
static const struct north_cfg hostile_cfg = {
	.type = "echo",
	.count = 64,
	.ring_flags = VBUS_IOQ_F_EVENT_IDX,
	.slot = 1,
	.record_off = HOSTILE_RECORD,
};

enum hostile_case { H_INDEX, H_MAXLEN, H_RANGE, H_FLAGS, H_NCASES };
static const char *const hostile_names[H_NCASES] = { "index", "maxlen", "range", "flags" };

/*
 * One protocol violation of each kind (IOQ-10) after some good traffic: device
 * broken, counted, and BROKEN in its table record (HOST-2, §3.2), whose other
 * fields and neighbours the module leaves alone.
 */
static void hostile_one(enum hostile_case c)
{
	struct vbus_device_record *rec, before, next_before;
	struct vbus_ioq_ring *tx;
	struct ioq_desc_info d;
	struct vbus_ioc_stats st;
	struct north h;
	uint32_t ni;

	ck_assert_int_eq(north_open(&h, &hostile_cfg), 0);
	rec = (struct vbus_device_record *)(h.region + HOSTILE_RECORD);
	memset(rec + 1, 0x5a, sizeof(*rec)); /* a neighbour record: must stay as it is */
	ck_assert_int_eq(north_run(&h, 1000, NORTH_SATURATE, 20), 0);
	ck_assert_uint_eq(rec->state, VBUS_DEV_OPEN); /* good traffic: the module wrote nothing */
	/*
	 * echo pops a tx descriptor only with an rx buffer to answer into (ring 1):
	 * north_run() can end with every rx buffer it posted filled, and then the
	 * hostile descriptor below would sit unread (a CI run failed "range" so,
	 * and with Check's NOFORK the leaked link failed two later tests). Post the
	 * free rx slots first, nothing on tx.
	 */
	ck_assert_int_eq(north_pump(&h, 0), 0);
	ck_assert_uint_gt(h.posted, h.echoed);
	before = *rec;
	next_before = rec[1];
	tx = h.q[0].ring;
	ni = h.q[0].idx;
	d = (struct ioq_desc_info){ .cookie = 1, .offset = h.buf_off[0], .len = NORTH_MSG_SIZE };
	switch (c) {
	case H_INDEX:
		tx->north.index = ni + hostile_cfg.count + 5;
		break;
	case H_MAXLEN: /* v2 has no owner byte: a length past VBUS_IOQ_MAX_LEN instead */
		d.len = VBUS_IOQ_MAX_LEN + 1;
		ck_assert_int_eq(ioq_push(&h.q[0], &d, 1), 1);
		break;
	case H_RANGE:
		d.offset = h.size - 8;
		ck_assert_int_eq(ioq_push(&h.q[0], &d, 1), 1);
		break;
	case H_FLAGS:
		d.flags = 0x8000;
		ck_assert_int_eq(ioq_push(&h.q[0], &d, 1), 1);
		break;
	default:
		ck_abort();
	}
	tx->signal.irq[VBUS_SOUTH].pending = 0;
	ck_assert_int_eq(eventfd_write(h.kick[0], 1), 0);
	st = wait_broken(h.link, hostile_cfg.slot);
	printf("hostile %s: broken %u violations %llu\n", hostile_names[c], st.broken,
	       (unsigned long long)st.violations);
	ck_assert_uint_eq(st.broken, 1);
	ck_assert_uint_ge(st.violations, 1);
	printf("hostile %s: record state %u\n", hostile_names[c], rec->state);
	ck_assert_uint_eq(rec->state, VBUS_DEV_BROKEN);
	before.state = VBUS_DEV_BROKEN;
	ck_assert_int_eq(memcmp(rec, &before, sizeof(before)), 0);
	ck_assert_int_eq(memcmp(rec + 1, &next_before, sizeof(next_before)), 0);
	/* A broken device is served no more, but its link still answers. */
	ck_assert_int_eq(eventfd_write(h.kick[0], 1), 0);
	ck_assert_int_eq(gu_get_stats(h.link, ~0u, &st), 0);
	ck_assert_uint_eq(st.broken, 1);
	north_close(&h);
}

struct fuzz {
	struct north *n;
	volatile int stop;
	uint64_t writes;
};

/* Random bytes into both rings (headers, indices, descriptors, signal bytes) and kicks. */
static void *fuzz_thread(void *arg)
{
	struct fuzz *f = arg;
	struct north *n = f->n;
	uint64_t ring_bytes = VBUS_IOQ_RING_SIZE((uint64_t)n->cfg.count);
	uint32_t x = 0x9e3779b9u;

	while (!f->stop) {
		unsigned int r = x & 1;
		uint64_t off;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		/* Half of the writes hit the first 192 bytes: header, signal, indices. */
		off = (x & 2) ? (x >> 8) % 192 : (x >> 8) % ring_bytes;
		n->region[n->ring_off[r] + off] = (uint8_t)(x >> 3);
		f->writes++;
		/* a failed kick only delays south; the scribbling is what this thread is for */
		if ((f->writes & 63) == 0)
			(void)eventfd_write(n->kick[r], 1);
	}
	return NULL;
}

/*
 * Garbage from one north while another link runs echo traffic: the hostile
 * device ends broken, the victim's 100k echoes are all intact.
 */
START_TEST(t_hostile_north)
{
	struct north victim, h;
	struct vbus_ioc_stats st;
	struct fuzz f = { 0 };
	pthread_t tid;
	int c;

	for (c = 0; c < H_NCASES; c++)
		hostile_one((enum hostile_case)c);

	ck_assert_int_eq(north_open(&victim, &echo_saturate), 0);
	ck_assert_int_eq(north_open(&h, &hostile_cfg), 0);
	ck_assert_int_eq(north_run(&h, 500, NORTH_SATURATE, 20), 0);
	f.n = &h;
	ck_assert_int_eq(pthread_create(&tid, NULL, fuzz_thread, &f), 0);
	ck_assert_int_eq(north_run(&victim, 100000, NORTH_SATURATE, 60), 0);
	st = wait_broken(h.link, hostile_cfg.slot);
	f.stop = 1;
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	printf("hostile fuzz: %llu random writes, broken %u violations %llu\n", (unsigned long long)f.writes, st.broken,
	       (unsigned long long)st.violations);
	ck_assert_uint_eq(st.broken, 1);
	ck_assert_uint_eq(victim.errors, 0);
	ck_assert_int_eq(gu_get_stats(victim.link, 0, &st), 0);
	ck_assert_uint_eq(st.broken, 0);
	ck_assert_uint_eq(st.violations, 0);
	/* The victim keeps working after the hostile link is gone. */
	north_close(&h);
	ck_assert_int_eq(north_run(&victim, 10000, NORTH_SATURATE, 30), 0);
	north_close(&victim);
}
END_TEST

/* The link fd closed while north streams: teardown under traffic, north just sees silence. */
START_TEST(t_close_mid_stream)
{
	struct north n;
	int i, ret = 0;

	ck_assert_int_eq(north_open(&n, &echo_saturate), 0);
	ck_assert_int_eq(north_run(&n, 5000, NORTH_SATURATE, 20), 0);
	for (i = 0; i < 20 && ret >= 0; i++)
		ret = north_pump(&n, 1000);
	ck_assert_int_ge(ret, 0);
	ck_assert_int_eq(close(n.link), 0);
	n.link = -1;
	for (i = 0; i < 20; i++)
		ck_assert_int_ge(north_pump(&n, 1000), 0);
	north_close(&n);
}
END_TEST

/* Punch the whole region out of north's memfd (the one cut F_SEAL_SHRINK still allows). */
static void punch_region(struct north *n)
{
	ck_assert_int_eq(fallocate(n->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)n->size), 0);
}

/*
 * North's memfd cut under south while it serves it: truncation is refused
 * (the module requires F_SEAL_SHRINK); a hole punch still works but only
 * splits the views: the module keeps its long-term pinned pages, north sees
 * fresh zero pages and its rings break on its side. The module must neither
 * crash nor stop answering. North runs in a child, as it may hang or fail.
 */
START_TEST(t_memfd_cut_under_module)
{
	struct vbus_ioc_stats st;
	struct north n;
	int status, i;
	pid_t pid;

	ck_assert_int_eq(north_open(&n, &echo_saturate), 0);
	ck_assert_int_eq(ftruncate(n.memfd, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(north_run(&n, 1ull << 40, NORTH_SATURATE, 3) == 0 ? 0 : 1);
	usleep(200000);
	punch_region(&n);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	printf("hole punch: north child %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(eventfd_write(n.kick[0], 1), 0);
		ck_assert_int_eq(eventfd_write(n.kick[1], 1), 0);
	}
	ck_assert_int_eq(gu_get_stats(n.link, 0, &st), 0);
	printf("hole punch: module served %llu messages, broken %u\n", (unsigned long long)st.messages, st.broken);
	ck_assert_uint_gt(st.messages, 0);
	north_close(&n);
}
END_TEST

/* Push at least one message (up to @max) without waiting for completions; the number pushed. */
static int pump_some(struct north *n, uint64_t max)
{
	double end = gu_now() + 5.0;
	int ret;

	do {
		ret = north_pump(n, max);
		ck_assert_int_ge(ret, 0);
		if (ret > 0)
			return ret;
		usleep(1000);
	} while (gu_now() < end);
	ck_abort_msg("north could not push for 5 s");
	return 0;
}

/*
 * 50 load/unload cycles with traffic: two echo links stream; rmmod is refused
 * while they are open and they keep streaming; one is closed mid-stream, the
 * other after its memfd was hole-punched under the module; then rmmod succeeds.
 */
START_TEST(t_churn_insmod_rmmod_with_traffic)
{
	const struct north_cfg cfg_a = { .type = "echo", .count = 64, .ring_flags = VBUS_IOQ_F_EVENT_IDX };
	const struct north_cfg cfg_b = { .type = "null", .count = 64, .ring_flags = 0, .slot = 2 };
	struct north a, b;
	int cycle;

	ck_assert_int_eq(gu_module_unload("vbus"), 0);
	for (cycle = 0; cycle < 50; cycle++) {
		ck_assert_int_eq(gu_module_load(GU_MODULE_PATH), 0);
		ck_assert_int_eq(north_open(&a, &cfg_a), 0);
		ck_assert_int_eq(north_open(&b, &cfg_b), 0);
		ck_assert_int_eq(north_run(&a, 300, NORTH_SATURATE, 20), 0);
		ck_assert_int_eq(north_run(&b, 300, NORTH_SATURATE, 20), 0);
		ck_assert_int_eq(gu_module_unload("vbus"), -EWOULDBLOCK);
		ck_assert_int_eq(north_run(&a, 300, NORTH_SATURATE, 20), 0);
		ck_assert_int_gt(pump_some(&a, 64), 0);
		north_close(&a); /* mid-stream: messages in flight */
		ck_assert_int_gt(pump_some(&b, 64), 0);
		punch_region(&b);
		ck_assert_int_eq(eventfd_write(b.kick[0], 1), 0);
		ck_assert_int_eq(gu_module_unload("vbus"), -EWOULDBLOCK);
		north_close(&b);
		ck_assert_int_eq(gu_module_unload("vbus"), 0);
	}
	ck_assert_int_eq(gu_module_load(GU_MODULE_PATH), 0);
}
END_TEST

Suite *traffic_suite(void)
{
	Suite *s = suite_create("vbus.ko traffic");
	TCase *echo = tcase_create("Echo");
	TCase *hostile = tcase_create("Hostile");
	TCase *churn = tcase_create("Churn");

	tcase_add_test(echo, t_echo_million_saturated);
	tcase_add_test(echo, t_echo_pingpong_one_interrupt_per_message);
	tcase_add_test(echo, t_null_saturated);
	tcase_set_timeout(echo, 200);
	suite_add_tcase(s, echo);
	tcase_add_test(hostile, t_hostile_north);
	tcase_add_test(hostile, t_close_mid_stream);
	tcase_add_test(hostile, t_memfd_cut_under_module);
	tcase_set_timeout(hostile, 200);
	suite_add_tcase(s, hostile);
	tcase_add_test(churn, t_churn_insmod_rmmod_with_traffic);
	tcase_set_timeout(churn, 200);
	suite_add_tcase(s, churn);
	return s;
}

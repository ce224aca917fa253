// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "north.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_util.h"

#define NORTH_REGION_SIZE (1u << 20)
#define NORTH_BATCH 64u

static uint64_t north_sum(const struct north_msg *m)
{
	const uint8_t *p = (const uint8_t *)m;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over seq and payload */
	size_t i;

	for (i = 0; i < offsetof(struct north_msg, sum); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

void north_msg_fill(struct north_msg *m, uint64_t seq)
{
	size_t i;

	m->seq = seq;
	for (i = 0; i < sizeof(m->payload); i++)
		m->payload[i] = (uint8_t)(seq * 31 + i * 7 + (seq >> 8));
	m->sum = north_sum(m);
}

static int north_bind(struct north *n)
{
	struct vbus_ioc_device d = {
		.slot = n->cfg.slot, .id = n->cfg.slot + 1, .version = 1, .flags = n->cfg.late ? VBUS_IOC_DEV_F_LATE : 0
	};

	if (n->cfg.record_off) {
		/* as the daemon that owns the bus would: the device's record, state OPEN */
		struct vbus_device_record *rec = (void *)(n->region + n->cfg.record_off);

		rec->id = d.id;
		rec->version = 1;
		rec->max_shm = 2;
		snprintf(rec->type, sizeof(rec->type), "%s", n->cfg.type);
		rec->state = VBUS_DEV_OPEN;
		d.flags |= VBUS_IOC_DEV_F_RECORD;
		d.record_off = n->cfg.record_off;
	}
	bool echo = strcmp(n->cfg.type, "echo") == 0;
	unsigned int r;
	int ret;

	snprintf(d.type, sizeof(d.type), "%s", n->cfg.type);
	for (r = 0; r < 2; r++) {
		d.ring_off[r] = n->ring_off[r];
		d.signal[r] = 2 * n->cfg.slot + r;
		n->kick[r] = eventfd(0, EFD_CLOEXEC);
		n->call[r] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (n->kick[r] < 0 || n->call[r] < 0)
			return -errno;
		ret = gu_set_eventfd(n->link, VBUS_IOC_SET_KICK, d.signal[r], n->kick[r]);
		if (!ret)
			ret = gu_set_eventfd(n->link, VBUS_IOC_SET_CALL, d.signal[r], n->call[r]);
		if (ret)
			return ret;
	}
	if (!echo) { /* null serves ring 0 only: the unused ring's arguments are zero */
		d.ring_off[1] = 0;
		d.signal[1] = 0;
	}
	ret = gu_ioctl(n->link, VBUS_IOC_ADD_DEVICE, &d);
	return ret ? ret : gu_ioctl(n->link, VBUS_IOC_START, NULL);
}

int north_open(struct north *n, const struct north_cfg *cfg)
{
	uint64_t ring_bytes = VBUS_IOQ_RING_SIZE((uint64_t)cfg->count);
	uint64_t buf_bytes = (uint64_t)cfg->count * NORTH_MSG_SIZE;
	void *map;
	unsigned int r;
	int ret;

	memset(n, 0, sizeof(*n));
	n->link = n->memfd = -1;
	n->kick[0] = n->kick[1] = n->call[0] = n->call[1] = -1;
	n->cfg = *cfg;
	n->size = NORTH_REGION_SIZE;
	n->ring_off[0] = 4096;
	n->ring_off[1] = (n->ring_off[0] + ring_bytes + 4095) & ~4095ull;
	n->buf_off[0] = (n->ring_off[1] + ring_bytes + 4095) & ~4095ull;
	n->buf_off[1] = n->buf_off[0] + buf_bytes;
	if (n->buf_off[1] + buf_bytes > n->size)
		return -EINVAL;
	ret = gu_memfd_create(n->size, &n->memfd, &map);
	if (ret)
		return ret;
	n->region = map;
	for (r = 0; r < 2; r++) {
		ret = ioq_north_init(&n->q[r], (struct vbus_ioq_ring *)(n->region + n->ring_off[r]), cfg->count,
				     cfg->ring_flags, 0, n->size);
		if (ret)
			return ret;
	}
	/* North listens for completions on the ring it waits on: rx for echo, tx for null. */
	if (shm_signal_enable(&n->q[strcmp(cfg->type, "echo") == 0 ? 1 : 0].sig) != SHM_SIGNAL_OK)
		return -EPROTO; /* a fresh ring has nothing dirty or pending */
	n->link = gu_link_open();
	if (n->link < 0)
		return n->link;
	ret = gu_attach_memfd(n->link, n->memfd, n->size);
	return ret ? ret : north_bind(n);
}

int north_rings_reset(struct north *n, bool init)
{
	uint64_t ring_bytes = VBUS_IOQ_RING_SIZE((uint64_t)n->cfg.count);
	unsigned int r;
	int ret;

	n->sent = n->posted = n->echoed = n->tx_done = n->errors = 0;
	for (r = 0; r < 2; r++)
		memset(n->region + n->ring_off[r], 0, ring_bytes);
	if (!init)
		return 0;
	for (r = 0; r < 2; r++) {
		ret = ioq_north_init(&n->q[r], (struct vbus_ioq_ring *)(n->region + n->ring_off[r]), n->cfg.count,
				     n->cfg.ring_flags, 0, n->size);
		if (ret)
			return ret;
	}
	return shm_signal_enable(&n->q[strcmp(n->cfg.type, "echo") == 0 ? 1 : 0].sig) == SHM_SIGNAL_OK ? 0 : -EPROTO;
}

void north_close(struct north *n)
{
	unsigned int r;

	if (n->link >= 0)
		close(n->link);
	for (r = 0; r < 2; r++) {
		if (n->kick[r] >= 0)
			close(n->kick[r]);
		if (n->call[r] >= 0)
			close(n->call[r]);
	}
	if (n->region)
		munmap(n->region, n->size);
	if (n->memfd >= 0)
		close(n->memfd);
	memset(n, 0, sizeof(*n));
	n->link = n->memfd = -1;
}

/* Kick ring @r; write the doorbell only when the core says south must be told. 0 or -errno. */
static int north_kick(struct north *n, unsigned int r)
{
	int ret = ioq_kick(&n->q[r]);

	if (ret < 0)
		return ret;
	if (ret == SHM_SIGNAL_NOTIFY) {
		n->doorbells++;
		if (eventfd_write(n->kick[r], 1))
			return -errno;
	}
	return 0;
}

/* Post every free rx slot as an empty buffer for south to fill. */
static int north_post_rx(struct north *n)
{
	struct ioq_desc_info d[NORTH_BATCH];
	uint32_t k, todo = ioq_free_slots(&n->q[1]);
	int ret;

	if (todo > NORTH_BATCH)
		todo = NORTH_BATCH;
	if (!todo)
		return 0;
	for (k = 0; k < todo; k++, n->posted++) {
		d[k].cookie = n->posted;
		d[k].offset = n->buf_off[1] + (n->posted % n->cfg.count) * NORTH_MSG_SIZE;
		d[k].len = NORTH_MSG_SIZE;
		d[k].flags = VBUS_IOQ_DESC_F_WRITE;
	}
	ret = ioq_push(&n->q[1], d, todo);
	if (ret < 0)
		return ret;
	ret = north_kick(n, 1);
	return ret < 0 ? ret : (int)todo;
}

/* Push up to @max messages on tx. */
static int north_send(struct north *n, uint64_t max)
{
	struct ioq_desc_info d[NORTH_BATCH];
	uint32_t k, todo = ioq_free_slots(&n->q[0]);
	int ret;

	if (todo > NORTH_BATCH)
		todo = NORTH_BATCH;
	if (todo > max)
		todo = (uint32_t)max;
	if (!todo)
		return 0;
	for (k = 0; k < todo; k++, n->sent++) {
		uint64_t off = n->buf_off[0] + (n->sent % n->cfg.count) * NORTH_MSG_SIZE;

		north_msg_fill((struct north_msg *)(n->region + off), n->sent);
		d[k].cookie = n->sent;
		d[k].offset = off;
		d[k].len = NORTH_MSG_SIZE;
		d[k].flags = 0;
	}
	ret = ioq_push(&n->q[0], d, todo);
	if (ret < 0)
		return ret;
	ret = north_kick(n, 0);
	return ret < 0 ? ret : (int)todo;
}

/* ioq_reclaim_fn for rx: the echo of message n->echoed, intact and in order. */
static void north_check_echo(void *arg, const struct ioq_desc_info *d)
{
	struct north *n = arg;
	struct north_msg m;

	if (d->len != NORTH_MSG_SIZE || (d->flags & VBUS_IOQ_DESC_F_ERROR) ||
	    d->offset != n->buf_off[1] + (d->cookie % n->cfg.count) * NORTH_MSG_SIZE) {
		n->errors++;
	} else {
		memcpy(&m, n->region + d->offset, sizeof(m));
		if (m.seq != n->echoed || m.sum != north_sum(&m))
			n->errors++;
	}
	n->echoed++;
}

static void north_count_tx(void *arg, const struct ioq_desc_info *d)
{
	struct north *n = arg;

	if (d->flags & VBUS_IOQ_DESC_F_ERROR)
		n->errors++;
	n->tx_done++;
}

/* Reclaim completions on both rings; the number reclaimed, or -EIO. */
static int north_reap(struct north *n)
{
	int got = 0, ret;

	ret = ioq_reclaim(&n->q[0], n->cfg.count, north_count_tx, n, NULL);
	if (ret == -EIO)
		return ret;
	got += ret > 0 ? ret : 0;
	if (strcmp(n->cfg.type, "echo") == 0) {
		ret = ioq_reclaim(&n->q[1], n->cfg.count, north_check_echo, n, NULL);
		if (ret == -EIO)
			return ret;
		got += ret > 0 ? ret : 0;
	}
	return got;
}

/* Block for the call eventfd of ring @r (or @timeout_ms), then clear pending (§1 wakeup). */
static int north_wait(struct north *n, unsigned int r, int timeout_ms)
{
	struct pollfd p = { .fd = n->call[r], .events = POLLIN };
	eventfd_t v;
	int ret;

	ret = poll(&p, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	if (eventfd_read(n->call[r], &v) == 0)
		n->irqs += v;
	/* North drains in its own loop right after; the wakeup clears dirty and pending late. */
	ret = shm_signal_wakeup(&n->q[r].sig, NULL, NULL, 0, NULL);
	return ret == SHM_SIGNAL_OK ? 0 : -EPROTO; /* north waits only while enabled */
}

/* Messages completed so far: echoes for echo, tx completions for null. */
static uint64_t north_done(const struct north *n)
{
	return strcmp(n->cfg.type, "echo") == 0 ? n->echoed : n->tx_done;
}

int north_run(struct north *n, uint64_t count, enum north_mode mode, double timeout_s)
{
	unsigned int wr = strcmp(n->cfg.type, "echo") == 0 ? 1 : 0;
	uint64_t target = north_done(n) + count, end_sent = n->sent + count;
	double end = gu_now() + timeout_s;
	int ret, progress;

	while (north_done(n) < target) {
		if (n->errors)
			return -EIO;
		if (gu_now() > end)
			return -ETIMEDOUT;
		progress = 0;
		if (wr == 1) {
			ret = north_post_rx(n);
			if (ret < 0)
				return ret;
		}
		if (mode == NORTH_SATURATE || n->sent == north_done(n)) {
			ret = north_send(n, mode == NORTH_SATURATE ? end_sent - n->sent : (n->sent < end_sent ? 1 : 0));
			if (ret < 0)
				return ret;
			progress += ret;
		}
		if (mode == NORTH_PINGPONG) {
			/* Exactly one interrupt per message: always wait for it, never poll first. */
			ret = north_wait(n, wr, 2000);
			if (ret)
				return ret;
			ret = north_reap(n);
			if (ret < 0)
				return ret;
			continue;
		}
		ret = north_reap(n);
		if (ret < 0)
			return ret;
		progress += ret;
		if (progress)
			continue;
		/* Nothing to do: ask for an interrupt after half a ring (or what is in flight). */
		{
			uint64_t inflight = n->sent - north_done(n);
			uint32_t t = n->cfg.count / 2;

			if (inflight < t)
				t = inflight ? (uint32_t)inflight : 1;
			ret = ioq_arm(&n->q[wr], t);
			if (ret < 0)
				return ret;
			if (ret == IOQ_READY)
				continue;
		}
		ret = north_wait(n, wr, 2000);
		if (ret)
			return ret;
	}
	/*
	 * The echo backend completes the echo (rx) before the tx descriptor it came from (one kick per
	 * ring per batch, rx first): the last tx completions can trail the last echo by a pass. Reap
	 * them, so tx_done counts every message (a fast, idle machine lost that race once in CI).
	 */
	while (wr == 1 && n->tx_done < n->sent && !n->errors) {
		if (gu_now() > end)
			return -ETIMEDOUT;
		ret = north_reap(n);
		if (ret < 0)
			return ret;
		if (!ret)
			usleep(100);
	}
	return n->errors ? -EIO : 0;
}

int north_pump(struct north *n, uint64_t max)
{
	int ret;

	if (strcmp(n->cfg.type, "echo") == 0) {
		ret = north_post_rx(n);
		if (ret < 0)
			return ret;
	}
	ret = north_reap(n);
	if (ret < 0)
		return ret;
	return north_send(n, max);
}

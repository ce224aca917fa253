// SPDX-License-Identifier: GPL-2.0
/*
 * vbusd userspace backends (docs/spec/03-bus.md §3.6): echo and null. Every
 * ring operation goes through the protocol core; buffers are named by
 * descriptors the core has already range-checked against the region.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <linux/if.h>
#include <linux/if_tun.h>

#include "vbusd.h"

int vbusd_backend_known(const char *type)
{
	return strcmp(type, "echo") == 0 || strcmp(type, "null") == 0 || strcmp(type, "net") == 0;
}

uint32_t vbusd_vector(const struct vbusd_link *l, uint32_t handle)
{
	/* TR-2: handle h uses vector h if it exists, else the shared vector 0 */
	return handle < l->vectors ? handle : 0;
}

void vbusd_notify_north(struct vbusd_link *l, uint32_t handle)
{
	uint32_t v = vbusd_vector(l, handle);

	if (l->north_efd[v] >= 0 && eventfd_write(l->north_efd[v], 1) == 0)
		l->irqs++;
}

struct echo_ctx {
	struct vbusd_dev *d;
	const struct ioq_desc_info *tx;
	int err;
};

/* ioq_pop_fn on rx: copy the tx payload into north's posted buffer. */
static int echo_fill(void *arg, const struct ioq_desc_info *rx, u32 *used)
{
	struct echo_ctx *c = arg;
	uint8_t *base = c->d->link->region;

	*used = 0;
	if (!(rx->flags & VBUS_IOQ_DESC_F_WRITE) || rx->len < c->tx->len) {
		c->err = -EINVAL;
		return -EINVAL;
	}
	/* both ranges were checked by ioq_pop against the region (§2.5 Q4) */
	memmove(base + rx->offset, base + c->tx->offset, c->tx->len);
	*used = c->tx->len;
	return 0;
}

/* ioq_pop_fn on tx for echo: take exactly one rx buffer for this message. */
static int echo_tx(void *arg, const struct ioq_desc_info *tx, u32 *used)
{
	struct vbusd_dev *d = arg;
	struct echo_ctx c = { .d = d, .tx = tx, .err = 0 };
	int ret;

	*used = 0;
	if (tx->flags & VBUS_IOQ_DESC_F_WRITE) {
		d->errors++;
		return -EINVAL;
	}
	ret = ioq_pop(&d->q[1], 1, echo_fill, &c, NULL);
	if (ret < 0)
		return ret; /* the caller checked rx had a buffer; -EIO: rx broken */
	if (c.err) {
		d->errors++;
		return c.err;
	}
	d->msgs++;
	d->bytes += tx->len;
	*used = tx->len;
	return 0;
}

static void dev_fault(struct vbusd_dev *d, const char *why)
{
	if (d->broken)
		return;
	d->broken = true;
	d->violations++;
	vbus_bus_fault(d->link->bus, d->id);
	log_warn("peer %u device %u (%s): protocol violation (%s): device marked broken", d->link->peer, d->id, d->type,
		 why);
}

static void dev_kick(struct vbusd_dev *d, unsigned int r)
{
	int ret = ioq_kick(&d->q[r]);

	if (ret == SHM_SIGNAL_NOTIFY)
		vbusd_notify_north(d->link, d->handle[r]);
	else if (ret == SHM_SIGNAL_SUPPRESS || ret == SHM_SIGNAL_EVSKIP)
		d->link->suppressed++;
}

#define NET_FRAME_MAX 2048u

int vbusd_net_open(struct vbusd_dev *d, const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		int e = -errno;

		close(fd);
		return e;
	}
	snprintf(d->tap, sizeof(d->tap), "%s", ifr.ifr_name);
	d->tapfd = fd;
	return 0;
}

/* ioq_pop_fn on net tx: one frame to the TAP (a full TAP queue drops it, as a NIC would). */
static int net_tx(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	struct vbusd_dev *dev = arg;

	*used = 0;
	if ((d->flags & VBUS_IOQ_DESC_F_WRITE) || d->len < 14 || d->len > NET_FRAME_MAX) {
		dev->errors++;
		return -EINVAL;
	}
	if (write(dev->tapfd, dev->link->region + d->offset, d->len) != (ssize_t)d->len)
		dev->drops++;
	dev->msgs++;
	dev->bytes += d->len;
	return 0;
}

struct net_rx_ctx {
	const uint8_t *frame;
	size_t len;
	struct vbusd_dev *d;
};

static int net_rx_fill(void *arg, const struct ioq_desc_info *rx, u32 *used)
{
	struct net_rx_ctx *c = arg;

	*used = 0;
	if (!(rx->flags & VBUS_IOQ_DESC_F_WRITE) || rx->len < c->len) {
		c->d->errors++;
		return -EINVAL;
	}
	memcpy(c->d->link->region + rx->offset, c->frame, c->len);
	*used = (u32)c->len;
	return 0;
}

void vbusd_net_rx(struct vbusd_dev *d, unsigned int batch)
{
	uint8_t frame[NET_FRAME_MAX];
	unsigned int n = 0;
	int avail;

	if (d->tapfd < 0 || !d->attached || d->broken)
		return;
	while (n < batch) {
		struct net_rx_ctx c = { .frame = frame, .d = d };
		ssize_t len;

		avail = ioq_peek(&d->q[1]);
		if (avail < 0)
			break;
		if (avail == 0) {
			/* no buffer: stop reading the TAP, listen for north's next post */
			vbusd_tap_arm(d, false);
			if (shm_signal_enable(&d->q[1].sig) == SHM_SIGNAL_SELF)
				shm_signal_wakeup(&d->q[1].sig, NULL, NULL, 0, NULL);
			if (ioq_peek(&d->q[1]) <= 0)
				break;
			continue;
		}
		shm_signal_disable(&d->q[1].sig);
		vbusd_tap_arm(d, true);
		len = read(d->tapfd, frame, sizeof(frame));
		if (len <= 0)
			break;
		c.len = (size_t)len;
		if (ioq_pop(&d->q[1], 1, net_rx_fill, &c, NULL) == 1) {
			d->rx_frames++;
			d->rx_bytes += (uint64_t)len;
			n++;
		}
	}
	if (n)
		dev_kick(d, 1);
}

struct serve_arg {
	struct vbusd_dev *d;
	unsigned int batch;
	bool progress;
};

/* One drain pass (the wakeup handler, §1.4): at most batch messages. */
static void dev_drain(void *arg)
{
	struct serve_arg *s = arg;
	struct vbusd_dev *d = s->d;
	unsigned int done = 0;
	int ret, tx, rx;

	if (d->broken)
		return;
	if (strcmp(d->type, "net") == 0) {
		ret = ioq_pop(&d->q[0], s->batch, net_tx, d, NULL);
		if (ret == -EIO) {
			dev_fault(d, d->q[0].violation ? d->q[0].violation : "tx");
			return;
		}
		if (ret > 0) {
			s->progress = true;
			dev_kick(d, 0);
		}
		vbusd_net_rx(d, s->batch);
		if (d->q[1].broken)
			dev_fault(d, d->q[1].violation ? d->q[1].violation : "rx");
		return;
	}
	if (strcmp(d->type, "null") == 0) {
		ret = ioq_pop(&d->q[0], s->batch, NULL, NULL, NULL);
		if (ret == -EIO) {
			dev_fault(d, d->q[0].violation ? d->q[0].violation : "tx");
			return;
		}
		if (ret > 0) {
			d->msgs += ret;
			s->progress = true;
			dev_kick(d, 0);
		}
		return;
	}
	while (done < s->batch) {
		tx = ioq_peek(&d->q[0]);
		rx = ioq_peek(&d->q[1]);
		if (tx < 0 || rx < 0) {
			dev_fault(d, tx < 0 ? (d->q[0].violation ? d->q[0].violation : "tx")
					    : (d->q[1].violation ? d->q[1].violation : "rx"));
			return;
		}
		if (tx > 0 && rx == 0) {
			/*
			 * Out of rx buffers: listen for north's next post (enable
			 * re-checks, §1.2 E1-E4), then look once more.
			 */
			if (shm_signal_enable(&d->q[1].sig) == SHM_SIGNAL_SELF)
				/* SIG-4: clear what is pending; the peek below is the drain */
				shm_signal_wakeup(&d->q[1].sig, NULL, NULL, 0, NULL);
			rx = ioq_peek(&d->q[1]);
			if (rx <= 0)
				break;
		}
		if (tx == 0)
			break;
		/* buffers are there: north's posts need not ring us (see vbusd_attach_dev) */
		shm_signal_disable(&d->q[1].sig);
		ret = ioq_pop(&d->q[0], 1, echo_tx, d, NULL);
		if (ret == -EIO || d->q[1].broken) {
			dev_fault(d, d->q[0].violation ? d->q[0].violation
						       : (d->q[1].violation ? d->q[1].violation : "rx"));
			return;
		}
		if (ret <= 0)
			break;
		done++;
	}
	if (done) {
		s->progress = true;
		dev_kick(d, 1);
		dev_kick(d, 0);
	}
}

void vbusd_serve_devices(struct vbusd_link *l, const struct vbusd_cfg *cfg)
{
	unsigned int i, r, iter;
	int ret;

	for (i = 0; i < VBUSD_MAX_DEVICES; i++) {
		struct vbusd_dev *d = &l->dev[i];
		struct serve_arg s = { .d = d, .batch = cfg->batch };

		if (!d->attached || d->broken || d->kfd >= 0)
			continue;
		for (r = 0; r < 2 && !d->broken; r++) {
			if (strcmp(d->type, "null") == 0 && r == 1)
				break;
			ret = shm_signal_wakeup(&d->q[r].sig, dev_drain, &s, cfg->budget, &iter);
			if (ret == SHM_SIGNAL_RESCHED)
				l->resched = true;
		}
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel device backends over the protocol core's IOQ (kernel/core):
 *   "echo"  pops a north -> south message from ring 0 (tx) and writes the
 *           same bytes into a buffer north posted on ring 1 (rx);
 *   "null"  pops ring 0 and completes each message at once (ring 1 unused).
 * This file only moves payloads. Every ring and signal field is read and
 * written by the core (single fetch, bounds checks, barriers, broken flag);
 * there is no second copy of that logic here.
 *
 * All south operations on a device run in the link worker, or in ADD_DEVICE
 * before the link starts: one side's operations are serialised (SIG-3).
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "vbus_core.h"
#include "vbus_link.h"

struct vbus_rings {
	struct ioq q[2];		/* [0] tx (north -> south), [1] rx (south -> north) */
	unsigned int nrings;		/* echo: 2, null: 1 */
	u64 popped;			/* messages completed in the current drain pass */
};

static struct vbus_rings *vbus_rings(struct vbus_device *vdev)
{
	return vdev->priv;
}

/* Account a kick result of ring @r and signal north when the core says so. */
static void vbus_backend_kick(struct vbus_device *vdev, unsigned int r)
{
	int ret = ioq_kick(&vbus_rings(vdev)->q[r]);

	if (ret == SHM_SIGNAL_NOTIFY)
		vbus_device_call(vdev, r);
	else if (ret >= 0)
		WRITE_ONCE(vdev->stats.suppressed, vdev->stats.suppressed + 1);
}

/* After a core call returned -EIO: record which ring broke and why. */
static void vbus_backend_broken(struct vbus_device *vdev)
{
	struct vbus_rings *rings = vbus_rings(vdev);
	const char *why = "ring";
	u64 violations = 0;
	unsigned int r;

	for (r = 0; r < rings->nrings; r++) {
		violations += rings->q[r].violations;
		if (rings->q[r].violation)
			why = rings->q[r].violation;
	}
	vbus_device_mark_broken(vdev, why, violations);
}

/* ioq_pop_fn for ring 1: copy the tx payload @arg into north's rx buffer @d. */
static int vbus_echo_fill_rx(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	const struct ioq_desc_info *tx = ((const struct ioq_desc_info **)arg)[0];
	u8 *region = ((u8 **)arg)[1];

	if (!(d->flags & VBUS_IOQ_DESC_F_WRITE) || d->len < tx->len) {
		*used = 0;
		return -EMSGSIZE;
	}
	/*
	 * The core checked both [offset, offset + len) ranges against the
	 * region; north may make them overlap, hence memmove.
	 */
	memmove(region + d->offset, region + tx->offset, tx->len);
	*used = tx->len;
	return 0;
}

/* ioq_pop_fn for ring 0 of echo: pair the message with one rx buffer. */
static int vbus_echo_pop_tx(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	struct vbus_device *vdev = arg;
	struct vbus_rings *rings = vbus_rings(vdev);
	const void *ctx[2] = { d, vdev->link->shm.base };
	struct ioq_desc_info last;
	int ret;

	*used = d->len;
	if (d->flags & VBUS_IOQ_DESC_F_WRITE)
		return -EINVAL;
	ret = ioq_pop(&rings->q[1], 1, vbus_echo_fill_rx, ctx, &last);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	rings->popped++;
	return 0;
}

/* ioq_pop_fn for ring 0 of null: complete as is. */
static int vbus_null_pop_tx(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	struct vbus_device *vdev = arg;

	*used = d->len;
	vbus_rings(vdev)->popped++;
	return 0;
}

/* Messages south can serve now: tx messages, for echo only as many as rx buffers; or -EIO. */
static int vbus_backend_avail(struct vbus_rings *rings)
{
	int tx, rx;

	tx = ioq_peek(&rings->q[0]);
	if (tx <= 0 || rings->nrings == 1)
		return tx;
	rx = ioq_peek(&rings->q[1]);
	return rx < 0 ? rx : min(tx, rx);
}

/* Consume every message visible now; the count, or -EIO. */
static int vbus_backend_drain_once(struct vbus_device *vdev)
{
	struct vbus_rings *rings = vbus_rings(vdev);
	bool echo = rings->nrings == 2;
	struct ioq_desc_info last;
	int avail, ret;

	rings->popped = 0;
	avail = vbus_backend_avail(rings);
	if (avail > 0) {
		ret = ioq_pop(&rings->q[0], avail, echo ? vbus_echo_pop_tx : vbus_null_pop_tx,
			      vdev, &last);
		if (ret == -EIO)
			avail = ret;
	}
	if (rings->popped) {
		WRITE_ONCE(vdev->stats.messages, vdev->stats.messages + rings->popped);
		/* One kick per ring per batch (IOQ-6). */
		if (echo)
			vbus_backend_kick(vdev, 1);
		vbus_backend_kick(vdev, 0);
	}
	if (avail == -EIO || rings->q[0].broken || (echo && rings->q[1].broken))
		return -EIO;
	return rings->popped;
}

/*
 * Ask north to kick us for the next descriptor on every ring (the event
 * index, §2.7; harmless without VBUS_IOQ_F_EVENT_IDX). True if work arrived
 * meanwhile, so the caller drains again instead of waiting for a kick.
 */
static int vbus_backend_arm(struct vbus_rings *rings)
{
	unsigned int r;
	int ret;

	for (r = 0; r < rings->nrings; r++) {
		ret = ioq_arm(&rings->q[r], 1);
		if (ret < 0)
			return ret;
	}
	return vbus_backend_avail(rings);
}

/* The wakeup handler: drain, re-arm, and drain again while work keeps arriving. */
static void vbus_backend_drain(void *arg)
{
	struct vbus_device *vdev = arg;
	unsigned int loops;
	int ret;

	for (loops = 0; loops < 4 && !READ_ONCE(vdev->broken); loops++) {
		ret = vbus_backend_drain_once(vdev);
		if (ret >= 0)
			ret = vbus_backend_arm(vbus_rings(vdev));
		if (ret == -EIO)
			vbus_backend_broken(vdev);
		if (ret <= 0)
			break;
	}
}

static bool vbus_backend_service(struct vbus_device *vdev, unsigned int budget)
{
	struct vbus_rings *rings = vbus_rings(vdev);
	bool again = false;
	unsigned int r, iter;
	int ret;

	for (r = 0; r < rings->nrings && !READ_ONCE(vdev->broken); r++) {
		ret = shm_signal_wakeup(&rings->q[r].sig, vbus_backend_drain, vdev,
					budget, &iter);
		if (ret == SHM_SIGNAL_RESCHED)
			again = true;
	}
	return again && !READ_ONCE(vdev->broken);
}

static int vbus_backend_attach(struct vbus_device *vdev, unsigned int nrings)
{
	struct vbus_shm *shm = &vdev->link->shm;
	struct vbus_rings *rings;
	unsigned int r;
	int ret;

	rings = kzalloc(sizeof(*rings), GFP_KERNEL);
	if (!rings)
		return -ENOMEM;
	rings->nrings = nrings;
	for (r = 0; r < nrings; r++) {
		ret = ioq_south_attach(&rings->q[r], shm->base, shm->size, vdev->ring_off[r]);
		if (ret)
			goto out_free_rings;
	}
	/*
	 * South listens from now on. A SELF result (work queued before we
	 * listened) needs no action: START queues the worker, whose wakeup
	 * drains it.
	 */
	for (r = 0; r < nrings; r++)
		shm_signal_enable(&rings->q[r].sig);
	vdev->priv = rings;
	return 0;

out_free_rings:
	kfree(rings);
	return ret;
}

static int vbus_echo_attach(struct vbus_device *vdev)
{
	return vbus_backend_attach(vdev, 2);
}

static int vbus_null_attach(struct vbus_device *vdev)
{
	return vbus_backend_attach(vdev, 1);
}

static void vbus_backend_detach(struct vbus_device *vdev)
{
	kfree(vdev->priv);
	vdev->priv = NULL;
}

static const struct vbus_backend vbus_backends[] = {
	{
		.type = "echo",
		.attach = vbus_echo_attach,
		.detach = vbus_backend_detach,
		.service = vbus_backend_service,
	},
	{
		.type = "null",
		.attach = vbus_null_attach,
		.detach = vbus_backend_detach,
		.service = vbus_backend_service,
	},
};

const struct vbus_backend *vbus_backend_find(const char *type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vbus_backends); i++)
		if (!strcmp(vbus_backends[i].type, type))
			return &vbus_backends[i];
	return NULL;
}

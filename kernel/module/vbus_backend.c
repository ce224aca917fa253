// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel device backends: the table of types and their glue to the link.
 * The ring work itself (drain, echo copy, arm, peek, per-pass weight) is the
 * kernel-independent vbus_drain.c, which the fuzzer runs on the shims.
 *   "echo"  pops a north -> south message from ring 0 (tx) and writes the
 *           same bytes into a buffer north posted on ring 1 (rx);
 *   "null"  pops ring 0 and completes each message at once (ring 1 unused:
 *           its ring_off and signal must be 0).
 *
 * All south operations on a device run in the link worker, or in ADD_DEVICE
 * before the link starts: one side's operations are serialised (SIG-3).
 */
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "vbus_link.h"

static const struct vbus_backend vbus_backends[] = {
	{ .type = "echo", .nrings = 2, .version = 1 },
	{ .type = "null", .nrings = 1, .version = 1 },
};

const struct vbus_backend *vbus_backend_find(const char *type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vbus_backends); i++)
		if (!strcmp(vbus_backends[i].type, type))
			return &vbus_backends[i];
	return NULL;
}

static void vbus_backend_notify(void *arg, unsigned int ring)
{
	vbus_device_call(arg, ring);
}

static void vbus_backend_kicked(void *arg, unsigned int ring, int ret)
{
	vbus_mod_after_kick(arg, ring, ret);
}

static void vbus_backend_resched(void *arg)
{
	cond_resched();
}

static bool vbus_backend_stopping(void *arg)
{
	return kthread_should_stop();
}

/* Bind the device's rings (the core validates each header, §2.8); 0 or -EINVAL. */
int vbus_backend_attach(struct vbus_device *vdev)
{
	struct vbus_shm *shm = &vdev->link->shm;
	struct vbus_drain *dr = &vdev->drain;
	int ret;

	memset(dr, 0, sizeof(*dr));
	dr->notify = vbus_backend_notify;
	dr->kicked = vbus_backend_kicked;
	dr->resched = vbus_backend_resched;
	dr->stopping = vbus_backend_stopping;
	dr->arg = vdev;
	ret = vbus_drain_attach(dr, shm->base, shm->size, vdev->ring_off, vdev->backend->nrings);
	if (!ret)
		vbus_mod_bind(vdev);
	return ret;
}

/* Region bytes ring @r of @vdev occupies once attached. */
u64 vbus_backend_ring_bytes(const struct vbus_device *vdev, unsigned int r)
{
	return VBUS_IOQ_RING_SIZE((u64)vdev->drain.q[r].cnt);
}

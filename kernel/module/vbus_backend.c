// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel device backends: "echo" returns every north -> south message on
 * the south -> north ring; "null" consumes and completes, for throughput.
 * The rings are the protocol core's IOQs (kernel/core); this file only moves
 * payloads and never touches ring or signal fields itself.
 */
#include <linux/string.h>
#include <vbus/ioq.h>

#include "vbus_link.h"

/* SKELETON: the core's IOQ is not merged yet; the backends accept a device and serve nothing. */
static int vbus_backend_check_rings(struct vbus_device *vdev)
{
	unsigned int r;

	for (r = 0; r < 2; r++)
		if (!vbus_shm_range_ok(&vdev->link->shm, vdev->ring_off[r],
				       sizeof(struct vbus_ioq_ring)))
			return -EINVAL;
	return 0;
}

static void vbus_backend_detach(struct vbus_device *vdev)
{
}

static bool vbus_backend_service(struct vbus_device *vdev, unsigned int budget)
{
	return false;
}

static const struct vbus_backend vbus_backends[] = {
	{
		.type = "echo",
		.attach = vbus_backend_check_rings,
		.detach = vbus_backend_detach,
		.service = vbus_backend_service,
	},
	{
		.type = "null",
		.attach = vbus_backend_check_rings,
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

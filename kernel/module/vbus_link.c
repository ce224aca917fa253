// SPDX-License-Identifier: GPL-2.0
/*
 * A link: the ioctl state machine (attach memory, add devices, bind eventfds,
 * start/stop, statistics) and the per-link worker that serves its devices.
 *
 * Configuration ioctls are refused with -EBUSY while the link runs, so the
 * worker only ever sees a frozen configuration and needs no lock of its own.
 */
#include <linux/idr.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "vbus_link.h"

/* Drain passes per ring one device may run before the others get a turn. */
#define VBUS_WORK_BUDGET 16

static struct workqueue_struct *vbus_wq;
static DEFINE_IDA(vbus_link_ida);

/* Queue the worker of @link; callable from any context, including wait-queue callbacks. */
void vbus_link_kick(struct vbus_link *link)
{
	queue_work(vbus_wq, &link->work);
}

/* Signal the call eventfd of ring @ring of @vdev, as the core decided north must be told. */
void vbus_device_call(struct vbus_device *vdev, unsigned int ring)
{
	struct vbus_signal *sig = &vdev->link->sig[vdev->signal[ring]];

	WRITE_ONCE(vdev->stats.interrupts, vdev->stats.interrupts + 1);
	atomic64_inc(&sig->interrupts);
	if (sig->call)
		eventfd_signal(sig->call, 1);
}

/* Record protocol violations by north (@violations in total, >= 1); the device is served no more. */
void vbus_device_mark_broken(struct vbus_device *vdev, const char *why, u64 violations)
{
	WRITE_ONCE(vdev->stats.violations, max(violations, 1ull));
	if (vdev->broken)
		return;
	WRITE_ONCE(vdev->broken, true);
	pr_info_ratelimited("vbus: link %u device %u (%s) broken: %s\n", vdev->link->id,
			    vdev->slot, vdev->backend->type, why);
}

/* True if [off, off + len) lies inside the region; overflow-safe. */
bool vbus_shm_range_ok(const struct vbus_shm *shm, u64 off, u64 len)
{
	return off <= shm->size && len <= shm->size - off;
}

static void vbus_link_work(struct work_struct *work)
{
	struct vbus_link *link = container_of(work, struct vbus_link, work);
	bool again = false;
	unsigned int i;

	for (i = 0; i < VBUS_MAX_DEVICES; i++) {
		struct vbus_device *vdev = link->dev[i];

		if (!vdev || READ_ONCE(vdev->broken))
			continue;
		if (vdev->backend->service(vdev, VBUS_WORK_BUDGET))
			again = true;
	}
	if (again)
		vbus_link_kick(link);
}

struct vbus_link *vbus_link_create(void)
{
	struct vbus_link *link;
	unsigned int i;
	int id;

	link = kvzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return ERR_PTR(-ENOMEM);
	id = ida_alloc(&vbus_link_ida, GFP_KERNEL);
	if (id < 0) {
		kvfree(link);
		return ERR_PTR(id);
	}
	link->id = id;
	mutex_init(&link->lock);
	INIT_WORK(&link->work, vbus_link_work);
	for (i = 0; i < VBUS_IOC_MAX_SIGNALS; i++) {
		link->sig[i].link = link;
		link->sig[i].index = i;
	}
	vbus_debugfs_add_link(link);
	return link;
}

/* Stop listening to kicks, then wait for the worker; no device is served after return. */
static void vbus_link_stop(struct vbus_link *link)
{
	unsigned int i;

	for (i = 0; i < VBUS_IOC_MAX_SIGNALS; i++)
		vbus_signal_stop(&link->sig[i]);
	cancel_work_sync(&link->work);
	link->running = false;
}

static int vbus_link_start(struct vbus_link *link)
{
	unsigned int i;
	int ret;

	if (link->running)
		return -EBUSY;
	if (!link->shm.base || !link->ndev)
		return -ENXIO;
	link->running = true;
	for (i = 0; i < VBUS_IOC_MAX_SIGNALS; i++) {
		ret = vbus_signal_start(&link->sig[i]);
		if (ret)
			goto out_stop;
	}
	/* Serve whatever north queued before START. */
	vbus_link_kick(link);
	return 0;

out_stop:
	vbus_link_stop(link);
	return ret;
}

void vbus_link_destroy(struct vbus_link *link)
{
	unsigned int i;

	vbus_debugfs_remove_link(link);
	vbus_link_stop(link);
	for (i = 0; i < VBUS_MAX_DEVICES; i++) {
		struct vbus_device *vdev = link->dev[i];

		if (!vdev)
			continue;
		vdev->backend->detach(vdev);
		kfree(vdev);
	}
	for (i = 0; i < VBUS_IOC_MAX_SIGNALS; i++) {
		vbus_signal_set_kick(&link->sig[i], -1);
		vbus_signal_set_call(&link->sig[i], -1);
	}
	vbus_shm_detach(&link->shm);
	ida_free(&vbus_link_ida, link->id);
	kvfree(link);
}

static int vbus_link_attach_shm(struct vbus_link *link, void __user *argp)
{
	struct vbus_ioc_shm req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (link->shm.base)
		return -EEXIST;
	return vbus_shm_attach(&link->shm, &req);
}

static int vbus_link_add_device(struct vbus_link *link, void __user *argp)
{
	const struct vbus_backend *backend;
	struct vbus_ioc_device req;
	struct vbus_device *vdev;
	unsigned int r;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (!link->shm.base)
		return -ENXIO;
	if (req.flags || req.reserved[0] || req.reserved[1] || !req.id)
		return -EINVAL;
	if (req.slot >= VBUS_MAX_DEVICES)
		return -EINVAL;
	req.slot = array_index_nospec(req.slot, VBUS_MAX_DEVICES);
	if (link->dev[req.slot])
		return -EEXIST;
	for (r = 0; r < 2; r++)
		if (req.signal[r] >= VBUS_IOC_MAX_SIGNALS)
			return -EINVAL;
	if (strnlen(req.type, sizeof(req.type)) == sizeof(req.type))
		return -EINVAL;
	backend = vbus_backend_find(req.type);
	if (!backend)
		return -ENODEV;

	vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	if (!vdev)
		return -ENOMEM;
	vdev->link = link;
	vdev->backend = backend;
	vdev->slot = req.slot;
	vdev->id = req.id;
	vdev->version = req.version;
	for (r = 0; r < 2; r++) {
		vdev->ring_off[r] = req.ring_off[r];
		vdev->signal[r] = array_index_nospec(req.signal[r], VBUS_IOC_MAX_SIGNALS);
	}
	ret = backend->attach(vdev);
	if (ret)
		goto out_free_vdev;
	link->dev[req.slot] = vdev;
	link->ndev++;
	return 0;

out_free_vdev:
	kfree(vdev);
	return ret;
}

static int vbus_link_set_eventfd(struct vbus_link *link, void __user *argp, bool kick)
{
	struct vbus_ioc_eventfd req;
	struct vbus_signal *sig;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.index >= VBUS_IOC_MAX_SIGNALS)
		return -EINVAL;
	sig = &link->sig[array_index_nospec(req.index, VBUS_IOC_MAX_SIGNALS)];
	return kick ? vbus_signal_set_kick(sig, req.fd) : vbus_signal_set_call(sig, req.fd);
}

static void vbus_stats_add_device(struct vbus_ioc_stats *st, const struct vbus_link *link,
				  const struct vbus_device *vdev)
{
	st->broken |= READ_ONCE(vdev->broken);
	st->interrupts += READ_ONCE(vdev->stats.interrupts);
	st->suppressed += READ_ONCE(vdev->stats.suppressed);
	st->messages += READ_ONCE(vdev->stats.messages);
	st->violations += READ_ONCE(vdev->stats.violations);
	st->doorbells += atomic64_read(&link->sig[vdev->signal[0]].doorbells);
	if (vdev->signal[1] != vdev->signal[0])
		st->doorbells += atomic64_read(&link->sig[vdev->signal[1]].doorbells);
}

/**
 * vbus_link_get_stats() - fill @st for device @st->slot, or for the whole link with ~0u
 *
 * A device's doorbells are the kicks on its signal indices; the link's are
 * the kicks on every index, each counted once.
 */
int vbus_link_get_stats(struct vbus_link *link, struct vbus_ioc_stats *st)
{
	u32 slot = st->slot;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->slot = slot;
	if (slot != ~0u) {
		if (slot >= VBUS_MAX_DEVICES)
			return -EINVAL;
		slot = array_index_nospec(slot, VBUS_MAX_DEVICES);
		if (!link->dev[slot])
			return -ENOENT;
		vbus_stats_add_device(st, link, link->dev[slot]);
		return 0;
	}
	for (i = 0; i < VBUS_MAX_DEVICES; i++)
		if (link->dev[i])
			vbus_stats_add_device(st, link, link->dev[i]);
	st->doorbells = 0;
	for (i = 0; i < VBUS_IOC_MAX_SIGNALS; i++)
		st->doorbells += atomic64_read(&link->sig[i].doorbells);
	return 0;
}

static int vbus_link_ioctl_stats(struct vbus_link *link, void __user *argp)
{
	struct vbus_ioc_stats st;
	int ret;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	ret = vbus_link_get_stats(link, &st);
	if (ret)
		return ret;
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

long vbus_link_ioctl(struct vbus_link *link, unsigned int cmd, void __user *argp)
{
	long ret;

	if (cmd == VBUS_IOC_GET_VERSION)
		return put_user(VBUS_IOC_API_VERSION, (u32 __user *)argp);

	mutex_lock(&link->lock);
	switch (cmd) {
	case VBUS_IOC_GET_STATS:
		ret = vbus_link_ioctl_stats(link, argp);
		break;
	case VBUS_IOC_START:
		ret = vbus_link_start(link);
		break;
	case VBUS_IOC_STOP:
		ret = link->running ? 0 : -EINVAL;
		vbus_link_stop(link);
		break;
	case VBUS_IOC_ATTACH_SHM:
	case VBUS_IOC_ADD_DEVICE:
	case VBUS_IOC_SET_KICK:
	case VBUS_IOC_SET_CALL:
		if (link->running) {
			ret = -EBUSY;
			break;
		}
		if (cmd == VBUS_IOC_ATTACH_SHM)
			ret = vbus_link_attach_shm(link, argp);
		else if (cmd == VBUS_IOC_ADD_DEVICE)
			ret = vbus_link_add_device(link, argp);
		else
			ret = vbus_link_set_eventfd(link, argp, cmd == VBUS_IOC_SET_KICK);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	mutex_unlock(&link->lock);
	return ret;
}

int vbus_link_init(void)
{
	vbus_wq = alloc_workqueue("vbus", WQ_UNBOUND, 0);
	return vbus_wq ? 0 : -ENOMEM;
}

void vbus_link_exit(void)
{
	destroy_workqueue(vbus_wq);
	ida_destroy(&vbus_link_ida);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A link: the ioctl state machine (attach memory, add/reset devices, bind
 * eventfds, weight, start/stop, statistics) and the per-link worker that
 * serves its devices.
 *
 * Configuration ioctls are refused with -EBUSY while the link runs, so the
 * worker only ever sees a frozen configuration and needs no lock of its own.
 *
 * The worker is a kthread per link, created by START in the caller's cgroups
 * (cgroup_attach_task_all, as vhost does on 6.1): its CPU time is charged to
 * whoever runs the link, not to a shared kworker. One pass serves each
 * device at most weight_descs descriptors / weight_bytes bytes (vhost's
 * weight); it runs again at once only after real work, and a device whose
 * north keeps dirty set without posting work is left alone for a jiffy.
 * STOP and close wait for at most the pass in progress (TR-5).
 */
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/idr.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vbus_link.h"

/* How long a device that spun (dirty kept set, no work) is not served: jiffies. */
#define VBUS_SPIN_BACKOFF 1
/* How often a LATE device whose rings are not initialised yet is looked at besides kicks. */
#define VBUS_LATE_POLL (HZ / 10)

static DEFINE_IDA(vbus_link_ida);

/* Wake the worker of @link; callable from any context, including wait-queue callbacks. */
void vbus_link_kick(struct vbus_host_link *link)
{
	set_bit(VBUS_LINK_KICKED, &link->flags);
	/* set_bit before the wakeup; pairs with set_current_state() before the test in the worker
	 */
	smp_mb__after_atomic();
	if (link->worker)
		wake_up_process(link->worker);
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

/* Record the ring violations of @vdev; a broken device is served no more. */
static void vbus_device_mark_broken(struct vbus_device *vdev)
{
	struct vbus_drain *dr = &vdev->drain;
	const char *why = "ring";
	u64 violations = 0;
	unsigned int r;

	for (r = 0; r < dr->nrings; r++) {
		violations += dr->q[r].violations;
		if (dr->q[r].violation)
			why = dr->q[r].violation;
	}
	WRITE_ONCE(vdev->stats.violations, max(violations, 1ull));
	if (vdev->broken)
		return;
	/* HOST-2, §3.2: north reads the device's state in its table record (before GET_STATS shows
	 * it) */
	if (vdev->has_record)
		vbus_record_set_state(vdev->link->shm.base, vdev->record_off, VBUS_DEV_BROKEN);
	WRITE_ONCE(vdev->broken, true);
	pr_info_ratelimited("vbus: link %u device %u (%s) broken: %s\n", vdev->link->id, vdev->slot,
			    vdev->backend->type, why);
}

struct vbus_range {
	u64 start, end;
};

/* The region ranges @d occupies: its rings once attached, its record (F_RECORD). */
static unsigned int vbus_device_ranges(const struct vbus_device *d, struct vbus_range *out)
{
	unsigned int n = 0, r;

	if (d->drain.nrings)
		for (r = 0; r < d->backend->nrings; r++, n++) {
			out[n].start = d->ring_off[r];
			out[n].end = d->ring_off[r] + vbus_backend_ring_bytes(d, r);
		}
	if (d->has_record) {
		out[n].start = d->record_off;
		out[n].end = d->record_off + sizeof(struct vbus_device_record);
		n++;
	}
	return n;
}

static bool vbus_ranges_meet(const struct vbus_range *a, const struct vbus_range *b)
{
	return a->start < b->end && b->start < a->end;
}

/*
 * True if the rings and record of @vdev overlap each other, or a ring or
 * record of another device of @link (devices not attached yet: their record).
 */
static bool vbus_device_overlaps(const struct vbus_host_link *link, const struct vbus_device *vdev)
{
	struct vbus_range mine[3], other[3];
	unsigned int nm = vbus_device_ranges(vdev, mine), no, i, j, k;

	for (i = 0; i < nm; i++)
		for (j = i + 1; j < nm; j++)
			if (vbus_ranges_meet(&mine[i], &mine[j]))
				return true;
	for (k = 0; k < VBUS_MAX_DEVICES; k++) {
		const struct vbus_device *o = link->dev[k];

		if (!o || o == vdev)
			continue;
		no = vbus_device_ranges(o, other);
		for (i = 0; i < nm; i++)
			for (j = 0; j < no; j++)
				if (vbus_ranges_meet(&mine[i], &other[j]))
					return true;
	}
	return false;
}

/* Validate and bind the rings of @vdev; 0, or -EINVAL (bad header or overlapping rings). */
static int vbus_device_attach(struct vbus_device *vdev)
{
	int ret = vbus_backend_attach(vdev);

	if (!ret && vbus_device_overlaps(vdev->link, vdev))
		ret = -EINVAL;
	if (ret)
		memset(&vdev->drain, 0, sizeof(vdev->drain)); /* nrings 0: not attached */
	return ret;
}

static void vbus_device_sync_stats(struct vbus_device *vdev)
{
	WRITE_ONCE(vdev->stats.messages, vdev->stats.messages + vdev->drain.messages);
	WRITE_ONCE(vdev->stats.suppressed, vdev->stats.suppressed + vdev->drain.suppressed);
	vdev->drain.messages = 0;
	vdev->drain.suppressed = 0;
}

/* One weighted pass over @vdev; true if it must be served again at once. */
static bool vbus_device_pass(struct vbus_host_link *link, struct vbus_device *vdev)
{
	struct vbus_pass_stats *ps = &link->pass;
	enum vbus_drain_result res;
	u64 t0, ns;

	if (!vdev->drain.nrings && vbus_device_attach(vdev))
		return false; /* LATE device whose north has not initialised its rings yet */
	t0 = ktime_get_ns();
	res = vbus_drain_service(&vdev->drain, link->weight_descs, link->weight_bytes);
	ns = ktime_get_ns() - t0;
	vbus_device_sync_stats(vdev);
	WRITE_ONCE(ps->passes, ps->passes + 1);
	if (ns > ps->worst_ns)
		WRITE_ONCE(ps->worst_ns, ns);
	if (vdev->drain.pass_descs > ps->worst_descs)
		WRITE_ONCE(ps->worst_descs, vdev->drain.pass_descs);
	if (vdev->drain.pass_bytes > ps->worst_bytes)
		WRITE_ONCE(ps->worst_bytes, vdev->drain.pass_bytes);
	switch (res) {
	case VBUS_DRAIN_BROKEN:
		vbus_device_mark_broken(vdev);
		return false;
	case VBUS_DRAIN_MORE:
		return true;
	case VBUS_DRAIN_SPIN:
		WRITE_ONCE(ps->spins, ps->spins + 1);
		vdev->backoff_until = jiffies + VBUS_SPIN_BACKOFF;
		return false;
	default:
		return false;
	}
}

/* Serve every device once; the jiffies to sleep before a backed-off device is due, or MAX. */
static long vbus_link_pass(struct vbus_host_link *link)
{
	long sleep = MAX_SCHEDULE_TIMEOUT;
	bool again = false;
	unsigned int i;

	for (i = 0; i < VBUS_MAX_DEVICES; i++) {
		struct vbus_device *vdev = link->dev[i];

		if (!vdev || READ_ONCE(vdev->broken))
			continue;
		vbus_mod_expire(vdev); /* holdoffs that ran out, before new injects */
		if (time_before(jiffies, vdev->backoff_until)) {
			sleep = min_t(long, sleep, max_t(long, 1, vdev->backoff_until - jiffies));
			continue;
		}
		if (vbus_device_pass(link, vdev))
			again = true;
		else if (time_before(jiffies, vdev->backoff_until))
			sleep = min_t(long, sleep, VBUS_SPIN_BACKOFF);
		else if (!vdev->drain.nrings)
			sleep = min_t(long, sleep, VBUS_LATE_POLL); /* north may not kick first */
		cond_resched();
	}
	if (again)
		set_bit(VBUS_LINK_KICKED, &link->flags);
	return sleep;
}

static int vbus_link_worker(void *data)
{
	struct vbus_host_link *link = data;
	long sleep = MAX_SCHEDULE_TIMEOUT;

	/*
	 * Join the cgroups of the task that started the link, from the worker
	 * itself (vhost_attach_cgroups_work on 6.1); START waits for the result.
	 */
	link->attach_ret = cgroup_attach_task_all(link->owner, current);
	complete(&link->attached);

	for (;;) {
		/*
		 * The state before the flag test; pairs with smp_mb__after_atomic()
		 * in vbus_link_kick(): a kick after the test wakes us from schedule.
		 */
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (!test_and_clear_bit(VBUS_LINK_KICKED, &link->flags)) {
			if (!schedule_timeout(sleep))
				set_bit(VBUS_LINK_KICKED, &link->flags); /* a backoff ran out */
			continue;
		}
		__set_current_state(TASK_RUNNING);
		sleep = vbus_link_pass(link);
		cond_resched();
	}
	return 0;
}

struct vbus_host_link *vbus_link_create(void)
{
	struct vbus_host_link *link;
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
	link->weight_descs = VBUS_WEIGHT_DESCS;
	link->weight_bytes = VBUS_WEIGHT_BYTES;
	mutex_init(&link->lock);
	for (i = 0; i < VBUS_IOC_MAX_SIGNALS; i++) {
		link->sig[i].link = link;
		link->sig[i].index = i;
	}
	vbus_debugfs_add_link(link);
	return link;
}

/*
 * Stop listening to kicks, then stop the worker (waits for the pass in
 * progress, TR-5), then end every moderation holdoff (TR-9). A holdoff timer
 * firing meanwhile may still wake the stopped worker: we hold a reference.
 */
static void vbus_link_stop(struct vbus_host_link *link)
{
	unsigned int i;

	for (i = 0; i < VBUS_IOC_MAX_SIGNALS; i++)
		vbus_signal_stop(&link->sig[i]);
	if (link->worker) {
		kthread_stop(link->worker);
		for (i = 0; i < VBUS_MAX_DEVICES; i++)
			if (link->dev[i])
				vbus_mod_flush(link->dev[i]);
		put_task_struct(link->worker);
		link->worker = NULL;
	}
	clear_bit(VBUS_LINK_KICKED, &link->flags);
	link->running = false;
}

static int vbus_link_start(struct vbus_host_link *link)
{
	struct task_struct *worker;
	unsigned int i;
	int ret;

	if (link->running)
		return -EBUSY;
	if (!link->shm.base || !link->ndev)
		return -ENXIO;
	worker = kthread_create(vbus_link_worker, link, "vbus-%u", link->id);
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	/* Charge the worker's CPU time to the caller's cgroups; the worker attaches itself. */
	link->owner = current;
	init_completion(&link->attached);
	wake_up_process(worker);
	wait_for_completion(&link->attached);
	link->owner = NULL;
	if (link->attach_ret) {
		kthread_stop(worker);
		return link->attach_ret;
	}
	get_task_struct(worker); /* for holdoff timers that fire while STOP runs */
	link->worker = worker;
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

void vbus_link_destroy(struct vbus_host_link *link)
{
	unsigned int i;

	vbus_debugfs_remove_link(link);
	vbus_link_stop(link);
	for (i = 0; i < VBUS_MAX_DEVICES; i++)
		kfree(link->dev[i]);
	for (i = 0; i < VBUS_IOC_MAX_SIGNALS; i++) {
		vbus_signal_set_kick(&link->sig[i], -1);
		vbus_signal_set_call(&link->sig[i], -1);
	}
	vbus_shm_detach(&link->shm);
	ida_free(&vbus_link_ida, link->id);
	kvfree(link);
}

static int vbus_link_attach_shm(struct vbus_host_link *link, void __user *argp)
{
	struct vbus_ioc_shm req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (link->shm.base)
		return -EEXIST;
	return vbus_shm_attach(&link->shm, &req);
}

/* ADD_DEVICE argument checks that need no ring access; 0 or -errno. */
static int vbus_link_check_device(struct vbus_host_link *link, const struct vbus_ioc_device *req,
				  const struct vbus_backend **backend)
{
	unsigned int r, i;

	if (req->flags & ~VBUS_IOC_DEV_F_KNOWN || !req->id)
		return -EINVAL;
	if (req->flags & VBUS_IOC_DEV_F_RECORD) {
		const struct vbus_device_record *rec;

		/* 64-aligned inside the region (the region is at least a page) */
		if ((req->record_off & 63) ||
		    req->record_off > link->shm.size - sizeof(struct vbus_device_record))
			return -EINVAL;
		/* the caller wrote the record for this device: a wrong offset shows here */
		rec = (const void *)((u8 *)link->shm.base + req->record_off);
		if (le32_to_cpu(READ_ONCE(rec->id)) != req->id)
			return -EINVAL;
	} else if (req->record_off) {
		return -EINVAL;
	}
	if (req->slot >= VBUS_MAX_DEVICES)
		return -EINVAL;
	if (strnlen(req->type, sizeof(req->type)) == sizeof(req->type))
		return -EINVAL;
	*backend = vbus_backend_find(req->type);
	if (!*backend)
		return -ENODEV;
	if (req->version != (*backend)->version)
		return -EINVAL;
	for (r = 0; r < 2; r++) {
		if (req->signal[r] >= VBUS_IOC_MAX_SIGNALS)
			return -EINVAL;
		/* a ring the backend does not serve: its arguments must be zero */
		if (r >= (*backend)->nrings && (req->ring_off[r] || req->signal[r]))
			return -EINVAL;
	}
	if ((*backend)->nrings == 2 && req->ring_off[0] == req->ring_off[1])
		return -EINVAL;
	if (link->dev[array_index_nospec(req->slot, VBUS_MAX_DEVICES)])
		return -EEXIST;
	for (i = 0; i < VBUS_MAX_DEVICES; i++)
		if (link->dev[i] && link->dev[i]->id == req->id)
			return -EEXIST;
	return 0;
}

static int vbus_link_add_device(struct vbus_host_link *link, void __user *argp)
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
	ret = vbus_link_check_device(link, &req, &backend);
	if (ret)
		return ret;
	req.slot = array_index_nospec(req.slot, VBUS_MAX_DEVICES);

	vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	if (!vdev)
		return -ENOMEM;
	vdev->link = link;
	vdev->backend = backend;
	vbus_mod_init(vdev);
	vdev->slot = req.slot;
	vdev->id = req.id;
	vdev->has_record = req.flags & VBUS_IOC_DEV_F_RECORD;
	vdev->record_off = req.record_off;
	vdev->version = req.version;
	for (r = 0; r < 2; r++) {
		vdev->ring_off[r] = req.ring_off[r];
		vdev->signal[r] = array_index_nospec(req.signal[r], VBUS_IOC_MAX_SIGNALS);
	}
	if (vbus_device_overlaps(link, vdev)) { /* the record (rings: at attach) */
		kfree(vdev);
		return -EINVAL;
	}
	link->dev[req.slot] = vdev;
	if (!(req.flags & VBUS_IOC_DEV_F_LATE)) {
		ret = vbus_device_attach(vdev);
		if (ret) {
			link->dev[req.slot] = NULL;
			kfree(vdev);
			return ret;
		}
	}
	link->ndev++;
	return 0;
}

/* RESET_DEVICE: forget the rings and the broken state; the worker re-attaches (as LATE). */
static int vbus_link_reset_device(struct vbus_host_link *link, void __user *argp)
{
	struct vbus_device *vdev;
	u32 slot;

	if (get_user(slot, (u32 __user *)argp))
		return -EFAULT;
	if (slot >= VBUS_MAX_DEVICES)
		return -EINVAL;
	vdev = link->dev[array_index_nospec(slot, VBUS_MAX_DEVICES)];
	if (!vdev)
		return -ENOENT;
	memset(&vdev->drain, 0, sizeof(vdev->drain));
	WRITE_ONCE(vdev->broken, false);
	vdev->backoff_until = jiffies;
	return 0;
}

static int vbus_link_set_weight(struct vbus_host_link *link, void __user *argp)
{
	struct vbus_ioc_weight req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.reserved || !req.descs || req.descs > VBUS_IOQ_MAX_COUNT || !req.bytes ||
	    req.bytes > VBUS_IOC_MAX_WEIGHT_BYTES)
		return -EINVAL;
	link->weight_descs = req.descs;
	link->weight_bytes = req.bytes;
	return 0;
}

/* SET_MODERATION (link stopped, so no holdoff runs): TR-9. */
static int vbus_link_set_moderation(struct vbus_host_link *link, void __user *argp)
{
	struct vbus_ioc_moderation req;
	unsigned int i;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.reserved || req.holdoff_ns > VBUS_IOC_MAX_HOLDOFF_NS || req.count > 255)
		return -EINVAL;
	link->mod_holdoff_ns = req.holdoff_ns;
	link->mod_count = req.count;
	for (i = 0; i < VBUS_MAX_DEVICES; i++)
		if (link->dev[i] && link->dev[i]->drain.nrings)
			vbus_mod_bind(link->dev[i]);
	return 0;
}

static int vbus_link_set_eventfd(struct vbus_host_link *link, void __user *argp, bool kick)
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

static void vbus_stats_add_device(struct vbus_ioc_stats *st, const struct vbus_host_link *link,
				  const struct vbus_device *vdev)
{
	st->broken |= READ_ONCE(vdev->broken);
	st->interrupts += READ_ONCE(vdev->stats.interrupts);
	st->suppressed += READ_ONCE(vdev->stats.suppressed);
	st->messages += READ_ONCE(vdev->stats.messages);
	st->violations += READ_ONCE(vdev->stats.violations);
	st->doorbells += atomic64_read(&link->sig[vdev->signal[0]].doorbells);
	if (vdev->backend->nrings == 2 && vdev->signal[1] != vdev->signal[0])
		st->doorbells += atomic64_read(&link->sig[vdev->signal[1]].doorbells);
}

/**
 * vbus_link_get_stats() - fill @st for device @st->slot, or for the whole link with ~0u
 *
 * A device's doorbells are the kicks on its signal indices; the link's are
 * the kicks on every index, each counted once.
 */
int vbus_link_get_stats(struct vbus_host_link *link, struct vbus_ioc_stats *st)
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

static int vbus_link_ioctl_stats(struct vbus_host_link *link, void __user *argp)
{
	struct vbus_ioc_stats st;
	int ret;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	if (st.reserved[0] || st.reserved[1] || st.reserved[2])
		return -EINVAL;
	ret = vbus_link_get_stats(link, &st);
	if (ret)
		return ret;
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

long vbus_link_ioctl(struct vbus_host_link *link, unsigned int cmd, void __user *argp)
{
	long ret;

	if (cmd == VBUS_IOC_GET_VERSION)
		return put_user(VBUS_IOC_API_VERSION, (u32 __user *)argp);

	/* Killable: STOP waits for at most one worker pass, and a caller may still give up. */
	if (mutex_lock_killable(&link->lock))
		return -EINTR;
	switch (cmd) {
	case VBUS_IOC_GET_STATS:
		ret = vbus_link_ioctl_stats(link, argp);
		break;
	case VBUS_IOC_START:
		ret = argp ? -EINVAL : vbus_link_start(link);
		break;
	case VBUS_IOC_STOP:
		ret = argp ? -EINVAL : link->running ? 0 : -EINVAL;
		if (!argp)
			vbus_link_stop(link);
		break;
	case VBUS_IOC_ATTACH_SHM:
	case VBUS_IOC_ADD_DEVICE:
	case VBUS_IOC_RESET_DEVICE:
	case VBUS_IOC_SET_KICK:
	case VBUS_IOC_SET_CALL:
	case VBUS_IOC_SET_WEIGHT:
	case VBUS_IOC_SET_MODERATION:
		if (link->running) {
			ret = -EBUSY;
			break;
		}
		if (cmd == VBUS_IOC_ATTACH_SHM)
			ret = vbus_link_attach_shm(link, argp);
		else if (cmd == VBUS_IOC_ADD_DEVICE)
			ret = vbus_link_add_device(link, argp);
		else if (cmd == VBUS_IOC_RESET_DEVICE)
			ret = vbus_link_reset_device(link, argp);
		else if (cmd == VBUS_IOC_SET_WEIGHT)
			ret = vbus_link_set_weight(link, argp);
		else if (cmd == VBUS_IOC_SET_MODERATION)
			ret = vbus_link_set_moderation(link, argp);
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

void vbus_link_exit(void)
{
	ida_destroy(&vbus_link_ida);
}

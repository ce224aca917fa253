// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt moderation of a device's signals toward north (docs/spec/
 * 04-moderation.md §4.1, spec §5.2 TR-9). The core decides (M1-M4 in its
 * inject, T1-T4 in shm_signal_expire); this file runs the holdoff as one
 * hrtimer of holdoff_ns per ring signal instead of holdoff_ns ticks:
 *  - after every kick the timer follows the core's mt: started when a defer
 *    armed the holdoff (M3), cancelled when a notification fired (M2);
 *  - the timer's callback (hard irq) only marks the ring expired and wakes the
 *    link worker, which applies T1-T4 with shm_signal_expire() and, on FIRE,
 *    signals north: every south operation on a ring stays in the worker (SIG-3);
 *  - STOP ends every holdoff at once (expire, so a deferred notification is
 *    delivered early rather than lost).
 */
#include <linux/bitops.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>

#include "vbus_link.h"

static enum hrtimer_restart vbus_mod_timer_fn(struct hrtimer *timer)
{
	struct vbus_mod_timer *t = container_of(timer, struct vbus_mod_timer, timer);

	set_bit(t->ring, &t->vdev->mod_expired);
	/* set_bit before the wakeup: vbus_link_kick orders it (smp_mb__after_atomic) */
	vbus_link_kick(t->vdev->link);
	return HRTIMER_NORESTART;
}

/* Once, when the device is created. */
void vbus_mod_init(struct vbus_device *vdev)
{
	unsigned int r;

	for (r = 0; r < 2; r++) {
		vdev->mod[r].vdev = vdev;
		vdev->mod[r].ring = r;
		hrtimer_init(&vdev->mod[r].timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		vdev->mod[r].timer.function = vbus_mod_timer_fn;
	}
}

/*
 * After the rings are attached, or the link's parameters changed (link
 * stopped, timers off): fresh moderation state for each ring signal. With
 * moderation off (holdoff 0 or count 1, MOD-1) the core runs without it.
 */
void vbus_mod_bind(struct vbus_device *vdev)
{
	const struct vbus_host_link *link = vdev->link;
	bool on = link->mod_holdoff_ns && link->mod_count != 1;
	unsigned int r;

	for (r = 0; r < vdev->drain.nrings; r++) {
		struct vbus_mod_timer *t = &vdev->mod[r];

		vbus_moderation_set(&t->m, link->mod_holdoff_ns, link->mod_count);
		t->armed = false;
		vdev->drain.q[r].sig.mod = on ? &t->m : NULL;
	}
	vdev->mod_expired = 0;
}

/* Worker, after ioq_kick() of ring @ring returned @ret: make the timer follow the core's holdoff.
 */
void vbus_mod_after_kick(struct vbus_device *vdev, unsigned int ring, int ret)
{
	struct vbus_mod_timer *t = &vdev->mod[ring];

	if (!vdev->drain.q[ring].sig.mod)
		return;
	if (ret == SHM_SIGNAL_DEFER)
		WRITE_ONCE(vdev->stats.deferred, vdev->stats.deferred + 1);
	if (t->m.mt && !t->armed) {
		/* M3 armed a holdoff: a stale expiry of an earlier one must not end it */
		clear_bit(ring, &vdev->mod_expired);
		t->armed = true;
		hrtimer_start(&t->timer, ns_to_ktime(t->m.holdoff), HRTIMER_MODE_REL);
	} else if (!t->m.mt && t->armed) {
		/* the count fired (M2): the holdoff is over */
		t->armed = false;
		hrtimer_cancel(&t->timer);
		clear_bit(ring, &vdev->mod_expired);
	}
}

static void vbus_mod_end(struct vbus_device *vdev, unsigned int r)
{
	struct vbus_mod_timer *t = &vdev->mod[r];
	int ret;

	if (!t->armed)
		return;
	t->armed = false;
	ret = shm_signal_expire(&vdev->drain.q[r].sig); /* T1-T4 */
	if (ret == SHM_SIGNAL_FIRE) {
		WRITE_ONCE(vdev->stats.mod_fired, vdev->stats.mod_fired + 1);
		vbus_device_call(vdev, r);
	} else if (ret == SHM_SIGNAL_DROP) {
		WRITE_ONCE(vdev->stats.mod_dropped, vdev->stats.mod_dropped + 1);
	}
}

/* Worker: apply the holdoffs that ran out, before the device is served. */
void vbus_mod_expire(struct vbus_device *vdev)
{
	unsigned int r;

	for (r = 0; r < vdev->drain.nrings; r++)
		if (test_and_clear_bit(r, &vdev->mod_expired))
			vbus_mod_end(vdev, r);
}

/* STOP/close, the worker stopped: no timer runs after return; running holdoffs end now. */
void vbus_mod_flush(struct vbus_device *vdev)
{
	unsigned int r;

	for (r = 0; r < 2; r++)
		hrtimer_cancel(&vdev->mod[r].timer);
	for (r = 0; r < vdev->drain.nrings; r++)
		if (!vdev->broken)
			vbus_mod_end(vdev, r);
		else
			vdev->mod[r].armed = false;
	vdev->mod_expired = 0;
}

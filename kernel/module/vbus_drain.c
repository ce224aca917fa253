// SPDX-License-Identifier: GPL-2.0
/*
 * Backend drain over the core's IOQ API (see vbus_drain.h). "echo" pops a
 * message from ring 0 and writes the same bytes into a buffer north posted on
 * ring 1; "null" (one ring) completes each message at once. Every ring and
 * signal field is read and written by the core (single fetch, bounds checks,
 * barriers, broken flag); this file only moves payloads and counts work.
 */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "vbus_drain.h"

/* The tx descriptor an rx buffer is being filled from (ioq_pop_fn argument of ring 1). */
struct vbus_echo_ctx {
	struct vbus_drain *dr;
	const struct ioq_desc_info *tx;
};

static void vbus_drain_kick(struct vbus_drain *dr, unsigned int r)
{
	int ret = ioq_kick(&dr->q[r]);

	if (ret == SHM_SIGNAL_NOTIFY) {
		dr->notified++;
		dr->notify(dr->arg, r);
	} else if (ret >= 0) {
		dr->suppressed++;
	}
	if (dr->kicked)
		dr->kicked(dr->arg, r, ret); /* moderation: the holdoff timer follows the core */
}

static bool vbus_drain_stopping(struct vbus_drain *dr)
{
	return dr->stopping && dr->stopping(dr->arg);
}

/*
 * Copy @len bytes from @src to @dst (ranges may overlap) in chunks, with a
 * reschedule point between them; -ECANCELED if the link stops meanwhile.
 */
static int vbus_drain_copy(struct vbus_drain *dr, u8 *dst, const u8 *src, u32 len)
{
	u32 done, chunk;

	for (done = 0; done < len; done += chunk) {
		chunk = min_t(u32, len - done, VBUS_COPY_CHUNK);
		if (done) {
			dr->resched(dr->arg);
			if (vbus_drain_stopping(dr))
				return -ECANCELED;
		}
		if (dst <= src)
			memmove(dst + done, src + done, chunk);
		else
			memmove(dst + len - done - chunk, src + len - done - chunk, chunk);
	}
	return 0;
}

/* ioq_pop_fn for ring 1: copy the tx payload into north's rx buffer @d. */
static int vbus_echo_fill_rx(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	const struct vbus_echo_ctx *ctx = arg;
	const struct ioq_desc_info *tx = ctx->tx;

	if (!(d->flags & VBUS_IOQ_DESC_F_WRITE) || d->len < tx->len) {
		*used = 0;
		return -EMSGSIZE;
	}
	/* The core checked both [offset, offset + len) ranges against the region; they may overlap.
	 */
	if (vbus_drain_copy(ctx->dr, ctx->dr->region + d->offset, ctx->dr->region + tx->offset,
			    tx->len)) {
		*used = 0;
		return -ECANCELED;
	}
	*used = tx->len;
	return 0;
}

/* ioq_pop_fn for ring 0 of echo: pair the message with one rx buffer. */
static int vbus_echo_pop_tx(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	struct vbus_drain *dr = arg;
	struct vbus_echo_ctx ctx = { .dr = dr, .tx = d };
	int ret;

	*used = d->len;
	if (d->flags & VBUS_IOQ_DESC_F_WRITE)
		return -EINVAL;
	ret = ioq_pop(&dr->q[1], 1, vbus_echo_fill_rx, &ctx, NULL);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	dr->pass_bytes += d->len;
	dr->bytes_left -= min_t(u64, dr->bytes_left, d->len);
	return 0;
}

int vbus_drain_avail(struct vbus_drain *dr)
{
	int tx, rx;

	tx = ioq_peek(&dr->q[0]);
	if (tx <= 0 || dr->nrings == 1)
		return tx;
	rx = ioq_peek(&dr->q[1]);
	return rx < 0 ? rx : min_t(int, tx, rx);
}

static bool vbus_drain_is_broken(const struct vbus_drain *dr)
{
	return dr->q[0].broken || (dr->nrings == 2 && dr->q[1].broken);
}

/* Consume messages one at a time while the weight lasts; the count, or -EIO. */
static int vbus_drain_once(struct vbus_drain *dr)
{
	bool echo = dr->nrings == 2;
	int avail, ret, popped = 0;

	for (;;) {
		avail = vbus_drain_avail(dr);
		if (avail <= 0)
			break;
		if (!dr->descs_left || !dr->bytes_left || vbus_drain_stopping(dr)) {
			dr->over = true;
			break;
		}
		if (dr->pass_descs) /* between any two descriptors of the pass, across drains */
			dr->resched(dr->arg);
		/* One descriptor per pop: south.index is published as each one completes. */
		ret = ioq_pop(&dr->q[0], 1, echo ? vbus_echo_pop_tx : NULL, dr, NULL);
		if (ret <= 0) {
			avail = ret;
			break;
		}
		popped++;
		dr->descs_left--;
		dr->pass_descs++;
	}
	if (popped) {
		dr->messages += popped;
		/* One kick per ring per batch (IOQ-6). */
		if (echo)
			vbus_drain_kick(dr, 1);
		vbus_drain_kick(dr, 0);
	}
	if (avail == -EIO || vbus_drain_is_broken(dr))
		return -EIO;
	return popped;
}

/* Ask north to kick us for the next descriptor on every ring (§2.7); then what is available. */
static int vbus_drain_arm(struct vbus_drain *dr)
{
	unsigned int r;
	int ret;

	for (r = 0; r < dr->nrings; r++) {
		ret = ioq_arm(&dr->q[r], 1);
		if (ret < 0)
			return ret;
	}
	return vbus_drain_avail(dr);
}

/* The wakeup handler: drain, re-arm, drain again while work keeps arriving and weight lasts. */
static void vbus_drain_handler(void *arg)
{
	struct vbus_drain *dr = arg;
	unsigned int loops;
	int ret;

	for (loops = 0; loops < 4 && !vbus_drain_is_broken(dr); loops++) {
		ret = vbus_drain_once(dr);
		if (ret < 0 || dr->over)
			break; /* over weight: do not arm, the caller serves again */
		ret = vbus_drain_arm(dr);
		if (ret <= 0)
			break;
	}
}

enum vbus_drain_result vbus_drain_service(struct vbus_drain *dr, u32 max_descs, u64 max_bytes)
{
	bool resched = false;
	unsigned int r;
	int ret;

	dr->descs_left = max_descs ? max_descs : 1;
	dr->bytes_left = max_bytes ? max_bytes : 1;
	dr->over = false;
	dr->pass_descs = 0;
	dr->pass_bytes = 0;
	for (r = 0; r < dr->nrings && !vbus_drain_is_broken(dr); r++) {
		ret = shm_signal_wakeup(&dr->q[r].sig, vbus_drain_handler, dr, VBUS_WAKEUP_BUDGET,
					NULL);
		if (ret == SHM_SIGNAL_RESCHED)
			resched = true;
		/*
		 * Over weight: pending may have been cleared with work left in the
		 * ring; the caller serves again at once, which re-runs wakeup (a
		 * wakeup always drains once), so nothing is stranded.
		 */
		if (dr->over)
			break;
	}
	if (vbus_drain_is_broken(dr))
		return VBUS_DRAIN_BROKEN;
	if (dr->over)
		return VBUS_DRAIN_MORE;
	if (resched)
		return dr->pass_descs ? VBUS_DRAIN_MORE : VBUS_DRAIN_SPIN;
	return VBUS_DRAIN_IDLE;
}

int vbus_drain_attach(struct vbus_drain *dr, void *region, u64 size, const u64 *ring_off,
		      unsigned int nrings)
{
	unsigned int r;
	int ret;

	dr->nrings = nrings;
	dr->region = region;
	for (r = 0; r < nrings; r++) {
		ret = ioq_south_attach(&dr->q[r], region, size, ring_off[r]);
		if (ret)
			return ret;
	}
	/*
	 * South listens from now on. A SELF result (work queued before we
	 * listened) needs no action: the caller's first service drains it.
	 */
	for (r = 0; r < nrings; r++)
		shm_signal_enable(&dr->q[r].sig);
	return 0;
}

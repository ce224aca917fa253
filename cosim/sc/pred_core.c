// SPDX-License-Identifier: GPL-2.0
/*
 * The production-core backend of the scoreboard's channel predictor (pred.h):
 * kernel/core's shm_signal_* and vbus_moderation, the code a driver runs, on
 * a descriptor in host memory standing for the accelerator's irq records.
 */
#include <linux/types.h>
#include <linux/errno.h>

#include <stdlib.h>

#include "pred.h"
#include "vbus_core.h"

struct core_chan {
	struct vbus_shm_signal_desc desc;
	struct shm_signal north; /* north's handle: inject = DOORBELL, enable = N_ENABLE */
	struct shm_signal south; /* the device's handle: inject = device inject, moderated */
	struct vbus_moderation mod;
};

static int map(int r)
{
	switch (r) {
	case SHM_SIGNAL_OK:
		return CS_OK;
	case SHM_SIGNAL_SELF:
		return CS_SELF;
	case SHM_SIGNAL_NOTIFY:
		return CS_NOTIFY;
	case SHM_SIGNAL_SUPPRESS:
		return CS_SUPPRESS;
	case SHM_SIGNAL_DEFER:
		return CS_DEFER;
	case SHM_SIGNAL_FIRE:
		return CS_FIRE;
	case SHM_SIGNAL_DROP:
		return CS_DROP;
	case SHM_SIGNAL_IDLE:
		return CS_IDLE;
	default:
		return CS_OTHER;
	}
}

static void *c_create(void)
{
	struct core_chan *c = aligned_alloc(64, (sizeof(struct core_chan) + 63) & ~(size_t)63);

	if (!c)
		return NULL;
	shm_signal_init(&c->desc);
	shm_signal_bind(&c->north, &c->desc, VBUS_NORTH);
	shm_signal_bind(&c->south, &c->desc, VBUS_SOUTH);
	/* HW-2: device injects go through §4.1 (holdoff 0 = fire at once) and never elide, as the
	 * accelerator does (holdoff 0 alone is moderation off, which elides: MOD-1). */
	vbus_moderation_set(&c->mod, 0, 0);
	c->south.mod = &c->mod;
	c->south.no_elide = 1;
	return c;
}

static void c_destroy(void *ch)
{
	free(ch);
}

static struct shm_signal *handle(void *ch, int side)
{
	struct core_chan *c = ch;

	return side == VBUS_NORTH ? &c->north : &c->south;
}

/* enable/disable act on the caller's own record: side = the receiver */
static int c_enable(void *ch, int side)
{
	return map(shm_signal_enable(handle(ch, side)));
}
static int c_disable(void *ch, int side)
{
	return map(shm_signal_disable(handle(ch, side)));
}
static int c_inject(void *ch, int sender)
{
	return map(shm_signal_inject(handle(ch, sender)));
}
static int c_tick(void *ch)
{
	return map(shm_signal_tick(handle(ch, VBUS_SOUTH)));
}

static int c_expire(void *ch)
{
	return map(shm_signal_expire(handle(ch, VBUS_SOUTH)));
}

static uint8_t *c_irq(void *ch, int side)
{
	return &((struct core_chan *)ch)->desc.irq[side].enabled;
}

static void c_mod_get(void *ch, uint32_t *mc, uint32_t *mt)
{
	*mc = ((struct core_chan *)ch)->mod.mc;
	*mt = ((struct core_chan *)ch)->mod.mt;
}

static void c_mod_clear(void *ch)
{
	((struct core_chan *)ch)->mod.mc = 0;
	((struct core_chan *)ch)->mod.mt = 0;
}

static void c_mod_param(void *ch, uint32_t holdoff, uint32_t count)
{
	((struct core_chan *)ch)->mod.holdoff = holdoff;
	((struct core_chan *)ch)->mod.count = count;
}

const struct cs_pred_ops cs_pred_core = {
	.name = "core",
	.create = c_create,
	.destroy = c_destroy,
	.enable = c_enable,
	.disable = c_disable,
	.inject = c_inject,
	.tick = c_tick,
	.expire = c_expire,
	.irq = c_irq,
	.mod_get = c_mod_get,
	.mod_clear = c_mod_clear,
	.mod_param = c_mod_param,
};

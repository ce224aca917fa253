// SPDX-License-Identifier: GPL-2.0
/* The model backend of the scoreboard's channel predictor (pred.h): model/'s shm-signal and §4.1. */
#include <stdlib.h>

#include <vbus/shm_signal.h>

#include "pred.h"
#include "vbusmodel/model.h"

static int map(int r)
{
	switch (r) {
	case VM_OK:
		return CS_OK;
	case VM_SELF:
		return CS_SELF;
	case VM_NOTIFY:
		return CS_NOTIFY;
	case VM_SUPPRESS:
		return CS_SUPPRESS;
	case VM_DEFER:
		return CS_DEFER;
	case VM_FIRE:
		return CS_FIRE;
	case VM_DROP:
		return CS_DROP;
	case VM_IDLE:
		return CS_IDLE;
	default:
		return CS_OTHER;
	}
}

static void *m_create(void)
{
	struct vm_obj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	vm_obj_init_signal(o, "ch");
	/* HW-2: the accelerator's device injects go through §4.1 (MOD_HOLDOFF 0 = fire at once) and never
	 * elide (SIG-12 does not apply to HW-2; H = 0 alone is moderation off, which elides: MOD-1). */
	vm_sig_moderate(&o->sig, VBUS_SOUTH, 0, 0);
	vm_sig_no_elide(&o->sig, VBUS_SOUTH);
	return o;
}

static void m_destroy(void *ch)
{
	vm_obj_free(ch);
	free(ch);
}

static struct vm_signal *sig(void *ch)
{
	return &((struct vm_obj *)ch)->sig;
}

static int m_enable(void *ch, int side)
{
	return map(vm_sig_enable(sig(ch), side));
}
static int m_disable(void *ch, int side)
{
	return map(vm_sig_disable(sig(ch), side));
}
static int m_inject(void *ch, int sender)
{
	return map(vm_sig_inject(sig(ch), sender));
}
static int m_tick(void *ch)
{
	return map(vm_sig_tick(sig(ch)));
}

/* MOD-7: the model has no one-step expiry of its own; the remaining time units elapse at once and its
 * tick takes the last one (T1 then T2-T4), which is the rule MOD-7 states and the core implements. */
static int m_expire(void *ch)
{
	struct vm_mod *m = &sig(ch)->mod[VBUS_SOUTH];

	if (!m->on || m->mt == 0)
		return CS_IDLE;
	m->mt = 1;
	return map(vm_sig_tick(sig(ch)));
}

static uint8_t *m_irq(void *ch, int side)
{
	struct vbus_shm_signal_desc *d = (struct vbus_shm_signal_desc *)sig(ch)->desc;

	return &d->irq[side].enabled;
}

static void m_mod_get(void *ch, uint32_t *mc, uint32_t *mt)
{
	*mc = sig(ch)->mod[VBUS_SOUTH].mc;
	*mt = sig(ch)->mod[VBUS_SOUTH].mt;
}

static void m_mod_clear(void *ch)
{
	sig(ch)->mod[VBUS_SOUTH].mc = 0;
	sig(ch)->mod[VBUS_SOUTH].mt = 0;
}

static void m_mod_param(void *ch, uint32_t holdoff, uint32_t count)
{
	sig(ch)->mod[VBUS_SOUTH].holdoff = holdoff;
	sig(ch)->mod[VBUS_SOUTH].count = count;
}

const struct cs_pred_ops cs_pred_model = {
	.name = "model",
	.create = m_create,
	.destroy = m_destroy,
	.enable = m_enable,
	.disable = m_disable,
	.inject = m_inject,
	.tick = m_tick,
	.expire = m_expire,
	.irq = m_irq,
	.mod_get = m_mod_get,
	.mod_clear = m_mod_clear,
	.mod_param = m_mod_param,
};

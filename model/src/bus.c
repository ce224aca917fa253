// SPDX-License-Identifier: GPL-2.0
/*
 * §3 bus: the device table south serves, the control verbs in BUS-2 order and
 * the hotplug events; plus object life cycle (init, copy, free).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vbus/bus.h>

#include "internal.h"

const char *vm_dev_state_name(uint32_t state)
{
	switch (state) {
	case VBUS_DEV_EMPTY:
		return "empty";
	case VBUS_DEV_PRESENT:
		return "present";
	case VBUS_DEV_OPEN:
		return "open";
	case VBUS_DEV_BROKEN:
		return "broken";
	}
	return "?";
}

static struct vm_dev *bus_find(struct vm_bus *b, uint32_t id)
{
	for (unsigned i = 0; i < b->ndev; i++)
		if (b->dev[i].id == id)
			return &b->dev[i];
	return NULL;
}

void vm_obj_init_bus(struct vm_obj *o, const char *name, uint64_t region)
{
	memset(o, 0, sizeof(*o));
	strncpy(o->name, name, sizeof(o->name) - 1);
	o->kind = VM_BUS;
	o->bus.region_size = region;
}

int vm_bus_devadd(struct vm_bus *b, uint32_t id, const char *type, uint32_t version, uint32_t features,
		  uint32_t max_shm, int announce)
{
	struct vm_dev *d = bus_find(b, id);
	if (id == 0 || max_shm > VM_BUS_MAX_SHM)
		return -EINVAL;
	if (d && d->state != VBUS_DEV_EMPTY)
		return -EEXIST;
	if (!d) {
		if (b->ndev == VM_BUS_MAX_DEV)
			return -ENOSPC;
		d = &b->dev[b->ndev++];
	}
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->version = version;
	d->features = features;
	d->max_shm = max_shm;
	d->state = VBUS_DEV_PRESENT;
	strncpy(d->type, type, sizeof(d->type) - 1);
	if (announce)
		b->events++; /* DEVADD, seq = events (§3.4) */
	return VM_OK;
}

int vm_bus_devdrop(struct vm_bus *b, uint32_t id)
{
	struct vm_dev *d = bus_find(b, id);
	if (!d || d->state == VBUS_DEV_EMPTY)
		return -ENOENT;
	d->state = VBUS_DEV_EMPTY;
	d->shm_ids = 0;
	b->events++; /* DEVDROP */
	return VM_OK;
}

int vm_bus_fault(struct vm_bus *b, uint32_t id)
{
	struct vm_dev *d = bus_find(b, id);
	if (!d || d->state == VBUS_DEV_EMPTY)
		return -ENODEV;
	d->state = VBUS_DEV_BROKEN;
	return VM_OK;
}

/* The SHM verb's own checks (§3.3 table). */
static int bus_shm(struct vm_bus *b, struct vm_dev *d, uint32_t id, uint32_t prio, uint64_t off, uint64_t len,
		   uint64_t sigdesc, uint32_t *ret)
{
	uint64_t size = b->region_size;
	if (d->state != VBUS_DEV_OPEN)
		return -ENOTCONN;
	if (id >= d->max_shm || prio > VBUS_PRIO_MAX || len == 0 || off > size || len > size - off)
		return -EINVAL;
	if (sigdesc != VBUS_CTRL_NO_SIGNAL && ((sigdesc & 63) || len < 192 || sigdesc < off ||
					       sigdesc > off + len - 192)) /* v2 signal: 192 bytes, line-aligned */
		return -EINVAL;
	if (d->shm_ids & (1ull << id))
		return -EEXIST;
	d->shm_ids |= 1ull << id;
	*ret = sigdesc == VBUS_CTRL_NO_SIGNAL ? 0 : ++b->next_handle;
	return VM_OK;
}

int vm_bus_ctrl(struct vm_bus *b, uint32_t op, uint32_t devid, uint32_t arg0, uint32_t arg1, uint64_t offset,
		uint64_t len, uint64_t sigdesc, uint32_t *ret)
{
	*ret = 0;
	if (op < VBUS_CTRL_OPEN || op > VBUS_CTRL_RELEASE) /* BUS-2 check 1 */
		return -EOPNOTSUPP;
	struct vm_dev *d = bus_find(b, devid);
	if (!d || d->state == VBUS_DEV_EMPTY) /* check 2 */
		return -ENODEV;
	if (d->state == VBUS_DEV_BROKEN && op != VBUS_CTRL_RELEASE) /* check 3 */
		return -EIO;
	switch (op) { /* check 4: the verb's own rules */
	case VBUS_CTRL_OPEN:
		if (d->state == VBUS_DEV_OPEN)
			return -EBUSY;
		if (arg0 == 0 || arg0 > d->version)
			return -EINVAL;
		d->state = VBUS_DEV_OPEN;
		*ret = arg0;
		return VM_OK;
	case VBUS_CTRL_CLOSE:
		if (d->state != VBUS_DEV_OPEN)
			return -ENOTCONN;
		d->shm_ids = 0;
		d->state = VBUS_DEV_PRESENT;
		return VM_OK;
	case VBUS_CTRL_SHM:
		return bus_shm(b, d, arg0, arg1, offset, len, sigdesc, ret);
	case VBUS_CTRL_CALL:
		if (d->state != VBUS_DEV_OPEN)
			return -ENOTCONN;
		if (len > 0 && (offset > b->region_size || len > b->region_size - offset))
			return -EINVAL;
		if (arg0 == VBUS_CALL_GET_FEATURES) {
			*ret = d->features;
			return VM_OK;
		}
		if (arg0 == VBUS_CALL_SET_FEATURES)
			return (arg1 & ~d->features) ? -EINVAL : VM_OK;
		return -ENOSYS;
	default: /* VBUS_CTRL_RELEASE: any non-EMPTY state */
		d->shm_ids = 0;
		d->state = VBUS_DEV_PRESENT;
		return VM_OK;
	}
}

struct vm_signal *vm_obj_signal(struct vm_obj *o)
{
	switch (o->kind) {
	case VM_SIGNAL:
		return &o->sig;
	case VM_RING:
		return &o->ring.sig;
	default:
		return NULL;
	}
}

int vm_obj_copy(struct vm_obj *dst, const struct vm_obj *src)
{
	*dst = *src;
	if (src->kind == VM_SIGNAL) {
		dst->sig.desc = dst->sigbuf;
	} else if (src->kind == VM_RING) {
		dst->ring.region = malloc(src->ring.region_size);
		if (!dst->ring.region)
			return -ENOMEM;
		memcpy(dst->ring.region, src->ring.region, src->ring.region_size);
		dst->ring.sig.desc = dst->ring.region + (src->ring.sig.desc - src->ring.region);
	}
	return 0;
}

void vm_obj_free(struct vm_obj *o)
{
	if (o->kind == VM_RING) {
		struct vm_ring *r = &o->ring;
		free(r->region);
		free(r->ncookie);
		free(r->nlen);
		free(r->nbusy);
		free(r->nfree);
		free(r->held);
		free(r->tlen);
		r->ncookie = NULL;
		r->nlen = NULL;
		r->nbusy = NULL;
		r->nfree = NULL;
		r->held = NULL;
		r->tlen = NULL;
	}
	o->ring.region = NULL;
}

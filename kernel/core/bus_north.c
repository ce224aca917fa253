// SPDX-License-Identifier: GPL-2.0
/*
 * vbus bus: the attach handshake of both sides (docs/spec/03-bus.md §3.1.1,
 * BUS-8) and north's view of what south writes (header, device table,
 * control answers, hotplug events). Guest drivers call these instead of
 * reading the region layout themselves; every shared field is read once.
 */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

#include "vbus_core.h"

u32 vbus_bus_north_gen(const struct vbus_bus *b)
{
	const struct vbus_shm_header *h = (const void *)b->region;
	u32 gen = le32_to_cpu(READ_ONCE(h->north_gen));

	/*
	 * RMB-GEN: north_gen before the ring headers south attaches next;
	 * pairs with north's WMB-GEN in vbus_north_begin.
	 */
	virt_rmb();
	return gen;
}

void vbus_bus_set_link(struct vbus_bus *b, u32 gen, bool up)
{
	struct vbus_shm_header *h = (void *)b->region;

	WRITE_ONCE(h->south_gen, cpu_to_le32(gen));
	/*
	 * WMB-LINK: south_gen before link, so a north that sees UP sees its
	 * acknowledgement; pairs with north's rmb in vbus_north_attached.
	 */
	virt_wmb();
	WRITE_ONCE(h->link, cpu_to_le32(up ? VBUS_LINK_UP : VBUS_LINK_DOWN));
}

void vbus_bus_reset_north(struct vbus_bus *b)
{
	struct vbus_dev_state *ds;
	u32 i, k;

	for (i = 0; i < b->max_devices; i++) {
		ds = &b->dev[i];
		if (ds->state == VBUS_DEV_EMPTY)
			continue;
		for (k = 0; k < VBUS_CORE_MAX_SHM; k++)
			ds->shm[k].used = false;
		ds->accepted = 0;
		if (ds->state == VBUS_DEV_OPEN) {
			struct vbus_device_record *rec =
				(struct vbus_device_record *)(b->region + b->device_table_off) + i;

			ds->state = VBUS_DEV_PRESENT;
			WRITE_ONCE(rec->state, cpu_to_le32(VBUS_DEV_PRESENT));
		}
	}
	b->next_handle = 1;
}

static bool north_range_ok(u64 size, u64 off, u64 len)
{
	return off <= size && len <= size - off;
}

int vbus_north_header(const void *region, u64 size, struct vbus_bus_layout *lay)
{
	const struct vbus_shm_header *h = region;
	u32 magic, version;
	u64 hsize;

	if (size < sizeof(*h))
		return -EINVAL;
	magic = le32_to_cpu(READ_ONCE(h->magic));
	version = le32_to_cpu(READ_ONCE(h->version));
	hsize = le64_to_cpu(READ_ONCE(h->size));
	lay->features = le32_to_cpu(READ_ONCE(h->features));
	lay->max_devices = le32_to_cpu(READ_ONCE(h->max_devices));
	lay->device_table_off = le32_to_cpu(READ_ONCE(h->device_table_off));
	lay->ctrl_ring_off = le32_to_cpu(READ_ONCE(h->ctrl_ring_off));
	lay->event_ring_off = le32_to_cpu(READ_ONCE(h->event_ring_off));
	lay->aggr_queue_off = le32_to_cpu(READ_ONCE(h->aggr_queue_off));
	lay->data_off = le64_to_cpu(READ_ONCE(h->data_off));
	lay->data_len = le64_to_cpu(READ_ONCE(h->data_len));
	lay->north_peer = le32_to_cpu(READ_ONCE(h->north_peer));
	lay->south_peer = le32_to_cpu(READ_ONCE(h->south_peer));
	if (magic != VBUS_SHM_MAGIC || version != VBUS_SHM_VERSION || hsize != size ||
	    lay->max_devices == 0 || lay->max_devices > VBUS_MAX_DEVICES ||
	    (lay->device_table_off & 63) || (lay->ctrl_ring_off & 63) ||
	    (lay->event_ring_off & 63) || (lay->aggr_queue_off & 63) ||
	    !north_range_ok(size, lay->device_table_off,
			    (u64)lay->max_devices * sizeof(struct vbus_device_record)) ||
	    !north_range_ok(size, lay->ctrl_ring_off, sizeof(struct vbus_ioq_ring)) ||
	    !north_range_ok(size, lay->event_ring_off, sizeof(struct vbus_ioq_ring)) ||
	    !north_range_ok(size, lay->data_off, lay->data_len))
		return -EINVAL;
	return 0;
}

u32 vbus_north_begin(void *region)
{
	struct vbus_shm_header *h = region;
	u32 gen = le32_to_cpu(READ_ONCE(h->south_gen)) + 1;

	if (gen == 0)
		gen = 1;
	/*
	 * WMB-GEN: the ring headers north just initialised before north_gen;
	 * pairs with south's RMB-GEN in vbus_bus_north_gen.
	 */
	virt_wmb();
	WRITE_ONCE(h->north_gen, cpu_to_le32(gen));
	return gen;
}

bool vbus_north_attached(const void *region, u32 gen)
{
	const struct vbus_shm_header *h = region;
	u32 link = le32_to_cpu(READ_ONCE(h->link));

	/* pairs with south's WMB-LINK: link UP read before the south_gen it covers */
	virt_rmb();
	return link == VBUS_LINK_UP && le32_to_cpu(READ_ONCE(h->south_gen)) == gen;
}

bool vbus_north_link_up(const void *region)
{
	const struct vbus_shm_header *h = region;

	return le32_to_cpu(READ_ONCE(h->link)) == VBUS_LINK_UP;
}

int vbus_north_record(const void *region, const struct vbus_bus_layout *lay, u32 slot,
		      struct vbus_north_record *rec)
{
	const struct vbus_device_record *r;
	u32 i;

	if (slot >= lay->max_devices)
		return -EINVAL;
	r = (const struct vbus_device_record *)((const u8 *)region + lay->device_table_off) + slot;
	rec->state = le32_to_cpu(READ_ONCE(r->state));
	/* pairs with south's WMB-RECORD: state before the fields it publishes */
	virt_rmb();
	rec->id = le32_to_cpu(READ_ONCE(r->id));
	rec->version = le32_to_cpu(READ_ONCE(r->version));
	rec->max_shm = le32_to_cpu(READ_ONCE(r->max_shm));
	rec->features = le32_to_cpu(READ_ONCE(r->features));
	for (i = 0; i < VBUS_DEV_TYPE_LEN; i++)
		rec->type[i] = READ_ONCE(r->type[i]);
	rec->type[VBUS_DEV_TYPE_LEN - 1] = 0;
	return 0;
}

void vbus_north_ctrl_fill(void *buf, u32 op, u32 devid, u32 arg0, u32 arg1, u64 offset, u64 len,
			  u64 sigdesc)
{
	struct vbus_ctrl_msg *m = buf;

	WRITE_ONCE(m->op, cpu_to_le32(op));
	WRITE_ONCE(m->devid, cpu_to_le32(devid));
	WRITE_ONCE(m->arg0, cpu_to_le32(arg0));
	WRITE_ONCE(m->arg1, cpu_to_le32(arg1));
	WRITE_ONCE(m->offset, cpu_to_le64(offset));
	WRITE_ONCE(m->len, cpu_to_le64(len));
	WRITE_ONCE(m->sigdesc, cpu_to_le64(sigdesc));
	WRITE_ONCE(m->result, 0);
	WRITE_ONCE(m->ret, 0);
	WRITE_ONCE(m->reserved, 0);
	/* ioq_push's WMB-PUBLISH orders these stores before the descriptor reaches south */
}

int vbus_north_ctrl_result(const void *buf, u32 *ret)
{
	const struct vbus_ctrl_msg *m = buf;

	/* ioq_reclaim's rmb after the owner flip orders these loads (BUS-4's pair) */
	*ret = le32_to_cpu(READ_ONCE(m->ret));
	return (int)le32_to_cpu(READ_ONCE(m->result));
}

void vbus_north_event(const void *buf, struct vbus_bus_event *ev)
{
	const struct vbus_event *e = buf;

	/* ioq_reclaim's rmb after the owner flip orders these loads */
	ev->type = le32_to_cpu(READ_ONCE(e->type));
	ev->devid = le32_to_cpu(READ_ONCE(e->devid));
	ev->seq = le64_to_cpu(READ_ONCE(e->seq));
}

u64 ioq_signal_offset(void)
{
	return offsetof(struct vbus_ioq_ring, signal);
}

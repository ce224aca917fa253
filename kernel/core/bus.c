// SPDX-License-Identifier: GPL-2.0
/*
 * vbus bus, south side (docs/spec/03-bus.md): region header, device table,
 * control-verb codec and hotplug events. South keeps the authoritative state
 * of every device in struct vbus_bus (private memory) and only mirrors it
 * into the shared device table, so a north that scribbles over the table
 * changes nothing south believes. Control requests are copied once out of
 * shared memory and decoded from the copy (HOST-1).
 */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

#include "vbus_core.h"

static struct vbus_device_record *bus_record(struct vbus_bus *b, u32 slot)
{
	return (struct vbus_device_record *)(b->region + b->device_table_off) + slot;
}

/* Mirror south's state of slot @slot into the shared table. */
static void bus_publish_record(struct vbus_bus *b, u32 slot)
{
	const struct vbus_dev_state *ds = &b->dev[slot];
	struct vbus_device_record *rec = bus_record(b, slot);
	u32 i;

	WRITE_ONCE(rec->id, cpu_to_le32(ds->id));
	WRITE_ONCE(rec->version, cpu_to_le32(ds->version));
	WRITE_ONCE(rec->max_shm, cpu_to_le32(ds->max_shm));
	WRITE_ONCE(rec->features, cpu_to_le32(ds->features));
	for (i = 0; i < VBUS_DEV_TYPE_LEN; i++)
		WRITE_ONCE(rec->type[i], ds->type[i]);
	for (i = 0; i < ARRAY_SIZE(rec->reserved); i++)
		WRITE_ONCE(rec->reserved[i], 0);
	/*
	 * WMB-RECORD: the record's fields before its state, so a north that
	 * sees PRESENT sees the rest. Pairs with north's rmb after reading state.
	 */
	virt_wmb();
	WRITE_ONCE(rec->state, cpu_to_le32(ds->state));
}

void vbus_record_set_state(void *region, u64 off, u32 state)
{
	struct vbus_device_record *rec = (struct vbus_device_record *)((u8 *)region + off);

	/*
	 * WMB-RECORD: whatever south published before (the device's ring
	 * completions) before the state. Pairs with north's rmb after reading state.
	 */
	virt_wmb();
	WRITE_ONCE(rec->state, cpu_to_le32(state));
}

static bool bus_range_ok(u64 size, u64 off, u64 len)
{
	return off <= size && len <= size - off;
}

int vbus_bus_create(struct vbus_bus *b, void *region, u64 size, const struct vbus_bus_layout *lay)
{
	struct vbus_shm_header *h = region;
	u32 i;

	if (size < sizeof(*h) || lay->max_devices == 0 || lay->max_devices > VBUS_MAX_DEVICES ||
	    (lay->device_table_off & 63) || (lay->ctrl_ring_off & 63) ||
	    (lay->event_ring_off & 63) || (lay->aggr_queue_off & 63) ||
	    !bus_range_ok(size, lay->device_table_off,
			  (u64)lay->max_devices * sizeof(struct vbus_device_record)) ||
	    !bus_range_ok(size, lay->data_off, lay->data_len))
		return -EINVAL;

	memset(b, 0, sizeof(*b));
	b->region = region;
	b->size = size;
	b->max_devices = lay->max_devices;
	b->device_table_off = lay->device_table_off;
	b->next_handle = 1;

	WRITE_ONCE(h->magic, cpu_to_le32(VBUS_SHM_MAGIC));
	WRITE_ONCE(h->version, cpu_to_le32(VBUS_SHM_VERSION));
	WRITE_ONCE(h->size, cpu_to_le64(size));
	WRITE_ONCE(h->features, cpu_to_le32(lay->features));
	WRITE_ONCE(h->max_devices, cpu_to_le32(lay->max_devices));
	WRITE_ONCE(h->device_table_off, cpu_to_le32(lay->device_table_off));
	WRITE_ONCE(h->ctrl_ring_off, cpu_to_le32(lay->ctrl_ring_off));
	WRITE_ONCE(h->event_ring_off, cpu_to_le32(lay->event_ring_off));
	WRITE_ONCE(h->aggr_queue_off, cpu_to_le32(lay->aggr_queue_off));
	WRITE_ONCE(h->data_off, cpu_to_le64(lay->data_off));
	WRITE_ONCE(h->data_len, cpu_to_le64(lay->data_len));
	WRITE_ONCE(h->north_peer, cpu_to_le32(lay->north_peer));
	WRITE_ONCE(h->south_peer, cpu_to_le32(lay->south_peer));
	WRITE_ONCE(h->north_gen, 0);
	WRITE_ONCE(h->south_gen, 0);
	WRITE_ONCE(h->link, cpu_to_le32(VBUS_LINK_DOWN));
	for (i = 0; i < sizeof(h->reserved); i++)
		WRITE_ONCE(h->reserved[i], 0);
	for (i = 0; i < b->max_devices; i++)
		bus_publish_record(b, i);
	return 0;
}

static int bus_violate(struct vbus_bus *b, const char *why)
{
	if (!b->violation)
		b->violation = why;
	b->broken = true;
	b->violations++;
	return -EIO;
}

int vbus_bus_check(struct vbus_bus *b)
{
	const struct vbus_shm_header *h = (const void *)b->region;
	u32 magic = le32_to_cpu(READ_ONCE(h->magic));
	u32 version = le32_to_cpu(READ_ONCE(h->version));
	u64 size = le64_to_cpu(READ_ONCE(h->size));
	u32 maxd = le32_to_cpu(READ_ONCE(h->max_devices));
	u32 table = le32_to_cpu(READ_ONCE(h->device_table_off));
	u32 ctrl = le32_to_cpu(READ_ONCE(h->ctrl_ring_off));
	u32 event = le32_to_cpu(READ_ONCE(h->event_ring_off));
	u32 aggr = le32_to_cpu(READ_ONCE(h->aggr_queue_off));
	u64 data_off = le64_to_cpu(READ_ONCE(h->data_off));
	u64 data_len = le64_to_cpu(READ_ONCE(h->data_len));

	if (b->broken)
		return -EIO;
	if (magic != VBUS_SHM_MAGIC || version != VBUS_SHM_VERSION || size != b->size ||
	    maxd != b->max_devices || table != b->device_table_off)
		return bus_violate(b, "header");
	if ((ctrl & 63) || (event & 63) || (aggr & 63) ||
	    !bus_range_ok(size, ctrl, sizeof(struct vbus_ioq_ring)) ||
	    !bus_range_ok(size, event, sizeof(struct vbus_ioq_ring)) ||
	    !bus_range_ok(size, aggr, aggr ? sizeof(struct vbus_aggr_queue) : 0) ||
	    !bus_range_ok(size, data_off, data_len))
		return bus_violate(b, "header");
	return 0;
}

struct vbus_dev_state *vbus_bus_find(struct vbus_bus *b, u32 id)
{
	u32 i;

	if (id == 0)
		return NULL;
	for (i = 0; i < b->max_devices; i++)
		if (b->dev[i].state != VBUS_DEV_EMPTY && b->dev[i].id == id)
			return &b->dev[i];
	return NULL;
}

static int bus_queue_event(struct vbus_bus *b, u32 type, u32 devid)
{
	struct vbus_bus_event *ev;

	if (b->evq_head - b->evq_tail >= VBUS_CORE_EVQ_LEN)
		return -ENOSPC;
	ev = &b->evq[b->evq_head % VBUS_CORE_EVQ_LEN];
	ev->type = type;
	ev->devid = devid;
	ev->seq = ++b->event_seq;
	b->evq_head++;
	return 0;
}

int vbus_bus_add_device(struct vbus_bus *b, u32 id, const char *type, u32 version, u32 features,
			u32 max_shm, bool announce)
{
	struct vbus_dev_state *ds = NULL;
	u32 slot, i;
	int ret;

	if (id == 0 || max_shm > VBUS_CORE_MAX_SHM)
		return -EINVAL;
	if (vbus_bus_find(b, id))
		return -EEXIST;
	for (slot = 0; slot < b->max_devices; slot++) {
		if (b->dev[slot].state == VBUS_DEV_EMPTY) {
			ds = &b->dev[slot];
			break;
		}
	}
	if (!ds)
		return -ENOSPC;
	if (announce && b->evq_head - b->evq_tail >= VBUS_CORE_EVQ_LEN)
		return -ENOSPC;
	memset(ds, 0, sizeof(*ds));
	ds->id = id;
	ds->version = version;
	ds->features = features;
	ds->max_shm = max_shm;
	for (i = 0; i + 1 < VBUS_DEV_TYPE_LEN && type[i]; i++)
		ds->type[i] = type[i];
	ds->state = VBUS_DEV_PRESENT;
	bus_publish_record(b, slot);
	if (announce) {
		ret = bus_queue_event(b, VBUS_EVENT_DEVADD, id);
		if (ret)
			return ret;
	}
	return slot;
}

static void bus_drop_regs(struct vbus_dev_state *ds)
{
	u32 i;

	for (i = 0; i < VBUS_CORE_MAX_SHM; i++)
		ds->shm[i].used = false;
}

int vbus_bus_drop_device(struct vbus_bus *b, u32 id)
{
	struct vbus_dev_state *ds = vbus_bus_find(b, id);

	if (!ds)
		return -ENODEV;
	bus_drop_regs(ds);
	ds->state = VBUS_DEV_EMPTY;
	bus_publish_record(b, ds - b->dev);
	return bus_queue_event(b, VBUS_EVENT_DEVDROP, id);
}

int vbus_bus_fault(struct vbus_bus *b, u32 id)
{
	struct vbus_dev_state *ds = vbus_bus_find(b, id);

	if (!ds)
		return -ENODEV;
	ds->state = VBUS_DEV_BROKEN;
	bus_publish_record(b, ds - b->dev);
	return 0;
}

static int bus_set_state(struct vbus_bus *b, struct vbus_dev_state *ds, u32 state)
{
	ds->state = state;
	bus_publish_record(b, ds - b->dev);
	return 0;
}

static int ctrl_open(struct vbus_bus *b, struct vbus_dev_state *ds, const struct vbus_ctrl_msg *m,
		     u32 *ret)
{
	u32 ver = le32_to_cpu(m->arg0);

	if (ds->state == VBUS_DEV_OPEN)
		return -EBUSY;
	if (ver == 0 || ver > ds->version)
		return -EINVAL;
	*ret = ver;
	return bus_set_state(b, ds, VBUS_DEV_OPEN);
}

static int ctrl_shm(struct vbus_bus *b, struct vbus_dev_state *ds, const struct vbus_ctrl_msg *m,
		    u32 *ret)
{
	u32 id = le32_to_cpu(m->arg0), prio = le32_to_cpu(m->arg1);
	u64 off = le64_to_cpu(m->offset), len = le64_to_cpu(m->len);
	u64 sig = le64_to_cpu(m->sigdesc);
	struct vbus_shm_reg *reg;

	if (ds->state != VBUS_DEV_OPEN)
		return -ENOTCONN;
	if (id >= ds->max_shm || prio > VBUS_PRIO_MAX || len == 0 ||
	    !bus_range_ok(b->size, off, len))
		return -EINVAL;
	if (sig != VBUS_CTRL_NO_SIGNAL &&
	    ((sig & (VBUS_SHM_SIGNAL_ALIGN - 1)) || len < sizeof(struct vbus_shm_signal_desc) ||
	     sig < off || sig > off + len - sizeof(struct vbus_shm_signal_desc)))
		return -EINVAL;
	reg = &ds->shm[id];
	if (reg->used)
		return -EEXIST;
	reg->used = true;
	reg->offset = off;
	reg->len = len;
	reg->sigdesc = sig;
	reg->prio = prio;
	reg->handle = sig == VBUS_CTRL_NO_SIGNAL ? 0 : b->next_handle++;
	*ret = reg->handle;
	return 0;
}

static int ctrl_call(struct vbus_bus *b, struct vbus_dev_state *ds, const struct vbus_ctrl_msg *m,
		     u32 *ret)
{
	u32 func = le32_to_cpu(m->arg0), arg = le32_to_cpu(m->arg1);
	u64 off = le64_to_cpu(m->offset), len = le64_to_cpu(m->len);

	if (ds->state != VBUS_DEV_OPEN)
		return -ENOTCONN;
	if (len > 0 && !bus_range_ok(b->size, off, len))
		return -EINVAL;
	switch (func) {
	case VBUS_CALL_GET_FEATURES:
		*ret = ds->features;
		return 0;
	case VBUS_CALL_SET_FEATURES:
		if (arg & ~ds->features)
			return -EINVAL;
		ds->accepted = arg;
		*ret = 0;
		return 0;
	default:
		return -ENOSYS;
	}
}

static int ctrl_dispatch(struct vbus_bus *b, const struct vbus_ctrl_msg *m, u32 *ret)
{
	u32 op = le32_to_cpu(m->op);
	struct vbus_dev_state *ds;

	*ret = 0;
	if (op < VBUS_CTRL_OPEN || op > VBUS_CTRL_RELEASE) /* BUS-2 (1) */
		return -EOPNOTSUPP;
	ds = vbus_bus_find(b, le32_to_cpu(m->devid)); /* BUS-2 (2) */
	if (!ds)
		return -ENODEV;
	if (ds->state == VBUS_DEV_BROKEN && op != VBUS_CTRL_RELEASE) /* BUS-2 (3) */
		return -EIO;
	switch (op) { /* BUS-2 (4) */
	case VBUS_CTRL_OPEN:
		return ctrl_open(b, ds, m, ret);
	case VBUS_CTRL_CLOSE:
		if (ds->state != VBUS_DEV_OPEN)
			return -ENOTCONN;
		bus_drop_regs(ds);
		return bus_set_state(b, ds, VBUS_DEV_PRESENT);
	case VBUS_CTRL_SHM:
		return ctrl_shm(b, ds, m, ret);
	case VBUS_CTRL_CALL:
		return ctrl_call(b, ds, m, ret);
	default: /* VBUS_CTRL_RELEASE */
		bus_drop_regs(ds);
		return bus_set_state(b, ds, VBUS_DEV_PRESENT);
	}
}

void vbus_bus_ctrl_exec(struct vbus_bus *b, struct vbus_ctrl_msg *m)
{
	u32 ret = 0;
	int err = b->broken ? -EIO : ctrl_dispatch(b, m, &ret);

	m->result = cpu_to_le32((u32)err);
	m->ret = cpu_to_le32(err ? 0 : ret);
}

int vbus_bus_ctrl_pop(void *bus, const struct ioq_desc_info *d, u32 *used)
{
	struct vbus_bus *b = bus;
	struct vbus_ctrl_msg *shared, m;

	*used = 0;
	/* pop checked [offset, offset + len) is inside the region */
	if (d->len < sizeof(m) || (d->offset & 7) || (d->flags & VBUS_IOQ_DESC_F_WRITE))
		return -EINVAL;
	shared = (struct vbus_ctrl_msg *)(b->region + d->offset);
	memcpy(&m, shared, sizeof(m)); /* the single fetch (HOST-1) */
	/*
	 * Compiler barrier: every later use of the request reads the local
	 * copy @m; without it the compiler may drop @m and re-read shared
	 * memory north can rewrite meanwhile (the XSA-155 double fetch).
	 * Orders the memcpy's loads before all later code; no CPU pair.
	 */
	barrier();
	vbus_bus_ctrl_exec(b, &m);
	WRITE_ONCE(shared->result, m.result);
	WRITE_ONCE(shared->ret, m.ret);
	*used = sizeof(m);
	return 0; /* pop's WMB-COMPLETE orders these stores before the south.index store (BUS-4) */
}

u32 vbus_bus_events_queued(const struct vbus_bus *b)
{
	return b->evq_head - b->evq_tail;
}

int vbus_bus_event_pop(void *bus, const struct ioq_desc_info *d, u32 *used)
{
	struct vbus_bus *b = bus;
	const struct vbus_bus_event *ev;
	struct vbus_event *out;

	*used = 0;
	if (b->evq_head == b->evq_tail)
		return -EAGAIN;
	if (d->len < sizeof(*out) || (d->offset & 7) || !(d->flags & VBUS_IOQ_DESC_F_WRITE))
		return -EINVAL;
	ev = &b->evq[b->evq_tail % VBUS_CORE_EVQ_LEN];
	out = (struct vbus_event *)(b->region + d->offset);
	WRITE_ONCE(out->type, cpu_to_le32(ev->type));
	WRITE_ONCE(out->devid, cpu_to_le32(ev->devid));
	WRITE_ONCE(out->seq, cpu_to_le64(ev->seq));
	b->evq_tail++;
	*used = sizeof(*out);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-proxy bus: one struct vbus_device per device of a vbus region, bound
 * to vbus drivers by type (MODALIAS "vbus:<type>"), with the bus verbs
 * (open, close, shm, call, release) and ring set-up for drivers.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "vbus_pci.h"

static int vbus_match(struct device *dev, struct device_driver *drv)
{
	return strcmp(to_vbus_device(dev)->type, to_vbus_driver(drv)->type) == 0;
}

static int vbus_uevent(struct device *dev, struct kobj_uevent_env *env)
{
	struct vbus_device *vdev = to_vbus_device(dev);

	if (add_uevent_var(env, "VBUS_TYPE=%s", vdev->type) ||
	    add_uevent_var(env, "VBUS_ID=%u", vdev->id))
		return -ENOMEM;
	return add_uevent_var(env, "MODALIAS=vbus:%s", vdev->type);
}

static int vbus_probe(struct device *dev)
{
	struct vbus_device *vdev = to_vbus_device(dev);

	return to_vbus_driver(dev->driver)->probe(vdev);
}

static void vbus_remove(struct device *dev)
{
	struct vbus_device *vdev = to_vbus_device(dev);
	struct vbus_driver *drv = to_vbus_driver(dev->driver);

	if (drv->remove)
		drv->remove(vdev);
	/* whatever the driver left open: south drops the registrations (§3.3 RELEASE) */
	if (!vdev->gone)
		vbus_link_verb(vdev->link, VBUS_CTRL_RELEASE, vdev->id, 0, 0, 0, 0, 0, NULL);
	vbus_dev_reset(vdev);
}

static ssize_t type_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vbus_device(dev)->type);
}
static DEVICE_ATTR_RO(type);

static ssize_t id_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_vbus_device(dev)->id);
}
static DEVICE_ATTR_RO(id);

static ssize_t modalias_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "vbus:%s\n", to_vbus_device(dev)->type);
}
static DEVICE_ATTR_RO(modalias);

static ssize_t state_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	static const char *const names[] = { "empty", "present", "open", "broken" };
	struct vbus_device *vdev = to_vbus_device(dev);
	struct vbus_north_record rec;

	if (vdev->gone)
		return sysfs_emit(buf, "gone\n");
	if (vbus_north_record(vdev->link->region, &vdev->link->lay, vdev->slot, &rec) ||
	    rec.id != vdev->id || rec.state >= ARRAY_SIZE(names))
		return sysfs_emit(buf, "unknown\n");
	return sysfs_emit(buf, "%s\n", names[rec.state]);
}
static DEVICE_ATTR_RO(state);

static ssize_t counters_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vbus_device *vdev = to_vbus_device(dev);
	u64 irqs = 0, doorbells = 0;
	unsigned int i;

	for (i = 0; i < vdev->nsig; i++) {
		irqs += vdev->sig[i].irqs;
		doorbells += vdev->sig[i].doorbells;
	}
	return sysfs_emit(buf, "doorbells %llu\ninterrupts %llu\n", doorbells, irqs);
}
static DEVICE_ATTR_RO(counters);

/* the device's carve of the data area: "offset length" (region offsets) */
static ssize_t region_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vbus_device *vdev = to_vbus_device(dev);

	return sysfs_emit(buf, "%llu %llu\n", vdev->mem_off, vdev->mem_len);
}
static DEVICE_ATTR_RO(region);

static struct attribute *vbus_dev_attrs[] = {
	&dev_attr_type.attr,
	&dev_attr_id.attr,
	&dev_attr_modalias.attr,
	&dev_attr_state.attr,
	&dev_attr_counters.attr,
	&dev_attr_region.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vbus_dev);

static struct bus_type vbus_proxy_bus = {
	.name = "vbus",
	.match = vbus_match,
	.uevent = vbus_uevent,
	.probe = vbus_probe,
	.remove = vbus_remove,
	.dev_groups = vbus_dev_groups,
};

int __vbus_driver_register(struct vbus_driver *drv, struct module *owner)
{
	drv->driver.bus = &vbus_proxy_bus;
	drv->driver.owner = owner;
	if (!drv->driver.name)
		drv->driver.name = drv->type;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__vbus_driver_register);

void vbus_driver_unregister(struct vbus_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(vbus_driver_unregister);

static void vbus_dev_release_struct(struct device *dev)
{
	kfree(to_vbus_device(dev));
}

int vbus_proxy_add(struct vbus_link *link, u32 slot, const struct vbus_north_record *rec)
{
	u64 bus_end = link->lay.data_off + VBUS_PCI_BUS_MEM;
	u64 carve = (link->lay.data_len - VBUS_PCI_BUS_MEM) / link->lay.max_devices;
	struct vbus_device *vdev;
	unsigned long flags;
	int ret;

	vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	if (!vdev)
		return -ENOMEM;
	vdev->link = link;
	vdev->id = rec->id;
	vdev->slot = slot;
	vdev->version = rec->version;
	vdev->features = rec->features;
	vdev->max_shm = rec->max_shm;
	memcpy(vdev->type, rec->type, sizeof(vdev->type));
	vdev->mem_len = carve & ~4095ull;
	vdev->mem_off = bus_end + (u64)slot * vdev->mem_len;
	device_initialize(&vdev->dev);
	vdev->dev.bus = &vbus_proxy_bus;
	vdev->dev.parent = link->parent;
	vdev->dev.release = vbus_dev_release_struct;
	dev_set_name(&vdev->dev, "vbus%d-%u", link->index, rec->id);
	spin_lock_irqsave(&link->sig_lock, flags);
	link->devs[slot] = vdev;
	spin_unlock_irqrestore(&link->sig_lock, flags);
	ret = device_add(&vdev->dev);
	if (ret) {
		spin_lock_irqsave(&link->sig_lock, flags);
		link->devs[slot] = NULL;
		spin_unlock_irqrestore(&link->sig_lock, flags);
		put_device(&vdev->dev);
		return ret;
	}
	dev_info(link->parent, "device %u (%s) in slot %u\n", rec->id, rec->type, slot);
	return 0;
}

void vbus_proxy_remove(struct vbus_device *vdev)
{
	struct vbus_link *link = vdev->link;
	unsigned long flags;

	dev_info(link->parent, "device %u (%s) removed\n", vdev->id, vdev->type);
	device_del(&vdev->dev);
	spin_lock_irqsave(&link->sig_lock, flags);
	if (link->devs[vdev->slot] == vdev)
		link->devs[vdev->slot] = NULL;
	spin_unlock_irqrestore(&link->sig_lock, flags);
	put_device(&vdev->dev);
}

void vbus_proxy_link_change(struct vbus_device *vdev, bool up)
{
	struct vbus_driver *drv;

	device_lock(&vdev->dev);
	if (vdev->dev.driver) {
		drv = to_vbus_driver(vdev->dev.driver);
		if (drv->link_change)
			drv->link_change(vdev, up);
	}
	device_unlock(&vdev->dev);
}

int vbus_dev_open(struct vbus_device *vdev, u32 version)
{
	u32 ret;
	int err;

	/* a previous owner (an unloaded driver, a rebooted guest) may have left it open */
	vbus_link_verb(vdev->link, VBUS_CTRL_RELEASE, vdev->id, 0, 0, 0, 0, 0, NULL);
	err = vbus_link_verb(vdev->link, VBUS_CTRL_OPEN, vdev->id, version, 0, 0, 0, 0, &ret);
	if (!err)
		vdev->opened = true;
	return err;
}
EXPORT_SYMBOL_GPL(vbus_dev_open);

int vbus_dev_close(struct vbus_device *vdev)
{
	int err;

	if (!vdev->opened)
		return 0;
	err = vbus_link_verb(vdev->link, VBUS_CTRL_CLOSE, vdev->id, 0, 0, 0, 0, 0, NULL);
	vdev->opened = false;
	vbus_dev_reset(vdev);
	return err;
}
EXPORT_SYMBOL_GPL(vbus_dev_close);

int vbus_dev_call(struct vbus_device *vdev, u32 func, u32 arg, u32 *ret)
{
	return vbus_link_verb(vdev->link, VBUS_CTRL_CALL, vdev->id, func, arg, 0, 0, 0, ret);
}
EXPORT_SYMBOL_GPL(vbus_dev_call);

void *vbus_dev_alloc(struct vbus_device *vdev, size_t len, u64 *offset)
{
	u64 off = ALIGN(vdev->mem_used, 64);

	if (off > vdev->mem_len || len > vdev->mem_len - off)
		return NULL;
	vdev->mem_used = off + len;
	*offset = vdev->mem_off + off;
	return vdev->link->region + *offset;
}
EXPORT_SYMBOL_GPL(vbus_dev_alloc);

void vbus_dev_reset(struct vbus_device *vdev)
{
	unsigned long flags;

	spin_lock_irqsave(&vdev->link->sig_lock, flags);
	memset(vdev->sig, 0, sizeof(vdev->sig));
	vdev->nsig = 0;
	spin_unlock_irqrestore(&vdev->link->sig_lock, flags);
	vdev->mem_used = 0;
}
EXPORT_SYMBOL_GPL(vbus_dev_reset);

u64 vbus_dev_region_size(struct vbus_device *vdev)
{
	return vdev->link->size;
}
EXPORT_SYMBOL_GPL(vbus_dev_region_size);

void *vbus_dev_ptr(struct vbus_device *vdev, u64 off)
{
	return vdev->link->region + off;
}
EXPORT_SYMBOL_GPL(vbus_dev_ptr);

bool vbus_dev_link_up(struct vbus_device *vdev)
{
	return READ_ONCE(vdev->link->up) && !vdev->gone;
}
EXPORT_SYMBOL_GPL(vbus_dev_link_up);

int vbus_dev_ring(struct vbus_device *vdev, u32 shm_id, struct ioq *q, u32 count, u16 flags,
		  void (*fn)(void *arg), void *arg)
{
	return vbus_dev_ring_offer(vdev, shm_id, q, count, flags, NULL, fn, arg);
}
EXPORT_SYMBOL_GPL(vbus_dev_ring);

int vbus_dev_ring_offer(struct vbus_device *vdev, u32 shm_id, struct ioq *q, u32 count, u16 flags,
			const struct ioq_offer *o, void (*fn)(void *arg), void *arg)
{
	struct vbus_link *link = vdev->link;
	u64 len = VBUS_IOQ_RING_SIZE((u64)count), off;
	unsigned long irqflags;
	struct vbus_signal *s;
	void *ring;
	u32 handle;
	int ret;

	if (flags & VBUS_IOQ_F_ASYM_MB) /* no barrier of ours reaches the host's CPUs (§1.3.2) */
		return -EINVAL;
	if (vdev->nsig >= VBUS_DEV_MAX_SIGNALS)
		return -ENOSPC;
	ring = vbus_dev_alloc(vdev, len, &off);
	if (!ring)
		return -ENOMEM;
	ret = o ? ioq_north_init_offer(q, ring, count, flags, 0, link->size, o)
		: ioq_north_init(q, ring, count, flags, 0, link->size);
	if (ret)
		return ret;
	ret = vbus_link_verb(link, VBUS_CTRL_SHM, vdev->id, shm_id, 0, off, len,
			     off + ioq_signal_offset(), &handle);
	if (ret)
		return ret;
	if (!handle)
		return -EPROTO;
	spin_lock_irqsave(&link->sig_lock, irqflags);
	s = &vdev->sig[vdev->nsig];
	s->handle = handle;
	s->fn = fn;
	s->arg = arg;
	ret = vdev->nsig++;
	spin_unlock_irqrestore(&link->sig_lock, irqflags);
	return ret;
}
EXPORT_SYMBOL_GPL(vbus_dev_ring_offer);

int vbus_dev_duplex_open(struct vbus_device *vdev, u32 version, struct vbus_dev_duplex *d,
			 u32 count, u32 buf_size, void (*fn)(void *arg), void *arg)
{
	int ret, r;

	ret = vbus_dev_open(vdev, version);
	if (ret)
		return ret;
	for (r = 0; r < 2; r++) {
		d->sig[r] = vbus_dev_ring(vdev, r, &d->q[r], count, 0, fn, arg);
		if (d->sig[r] < 0)
			return d->sig[r];
	}
	d->txbuf = vbus_dev_alloc(vdev, (size_t)count * buf_size, &d->txbuf_off);
	d->rxbuf = vbus_dev_alloc(vdev, (size_t)count * buf_size, &d->rxbuf_off);
	if (!d->txbuf || !d->rxbuf)
		return -ENOMEM;
	return 0;
}
EXPORT_SYMBOL_GPL(vbus_dev_duplex_open);

void vbus_dev_notify(struct vbus_device *vdev, unsigned int sig)
{
	if (sig >= vdev->nsig)
		return;
	vdev->sig[sig].doorbells++;
	vbus_link_doorbell(vdev->link, vbus_link_vector(vdev->link, vdev->sig[sig].handle));
}
EXPORT_SYMBOL_GPL(vbus_dev_notify);

/*
 * The protocol core, linked into this module, for the device drivers: the
 * north side of the API (a guest driver is north of every ring it owns; the
 * south-only calls ioq_pop, ioq_take, ioq_complete and ioq_south_attach* are
 * the host's). ioq_north_init_offer/_ooo set up a ring with the optional
 * features of §2.8 (VBUS_IOQ_F_OOO with the driver's tracking memory; no
 * asymmetric barrier in a guest: nothing reaches the host's CPUs), which a
 * driver normally gets through vbus_dev_ring_offer.
 */
EXPORT_SYMBOL_GPL(shm_signal_enable);
EXPORT_SYMBOL_GPL(shm_signal_disable);
EXPORT_SYMBOL_GPL(shm_signal_wakeup);
EXPORT_SYMBOL_GPL(ioq_north_init);
EXPORT_SYMBOL_GPL(ioq_north_init_offer);
EXPORT_SYMBOL_GPL(ioq_north_init_ooo);
EXPORT_SYMBOL_GPL(ioq_push);
EXPORT_SYMBOL_GPL(ioq_reclaim);
EXPORT_SYMBOL_GPL(ioq_kick);
EXPORT_SYMBOL_GPL(ioq_arm);
EXPORT_SYMBOL_GPL(ioq_peek);

int vbus_proxy_init(void)
{
	return bus_register(&vbus_proxy_bus);
}

void vbus_proxy_exit(void)
{
	bus_unregister(&vbus_proxy_bus);
}

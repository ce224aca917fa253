// SPDX-License-Identifier: GPL-2.0
/*
 * vbus_pci: the guest (north) side of transport (a), QEMU's ivshmem-doorbell
 * (docs/spec/05-transports.md §5.1). Binds 1af4:1110 only when BAR2 holds a
 * vbus region (magic, version) whose north_peer is our IVPosition, sets up
 * MSI-X, attaches to the bus with the BUS-8 handshake, and registers a
 * vbus-proxy device per device table entry and hotplug event.
 *
 * Vector 0 carries the control and event IOQs and every signal whose handle
 * has no vector of its own (TR-2); vector v > 0 carries signal handle v.
 */
#include <linux/delay.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "vbus_pci.h"

#define IVSHMEM_INTR_MASK 0x00
#define IVSHMEM_INTR_STATUS 0x04
#define IVSHMEM_IV_POSITION 0x08
#define IVSHMEM_DOORBELL 0x0c

#define VBUS_ATTACH_TIMEOUT_MS 5000
#define VBUS_VERB_TIMEOUT (5 * HZ)

static DEFINE_IDA(vbus_link_ida);

u32 vbus_link_vector(struct vbus_link *link, u32 handle)
{
	return handle < link->nvec ? handle : 0; /* TR-2 */
}

void vbus_link_doorbell(struct vbus_link *link, u32 vector)
{
	/* TR-3: south_peer << 16 | vector; QEMU turns it into a write to south's eventfd */
	writel(link->lay.south_peer << 16 | vector, link->regs + IVSHMEM_DOORBELL);
	link->doorbells++;
}

static void vbus_link_kick(struct vbus_link *link, struct ioq *q)
{
	if (ioq_kick(q) == SHM_SIGNAL_NOTIFY)
		vbus_link_doorbell(link, 0);
}

/* Post every free event buffer (16 bytes each) for south to fill. Caller holds ring_lock. */
static void vbus_link_post_events(struct vbus_link *link)
{
	struct ioq_desc_info d;
	u32 free = ioq_free_slots(&link->event);

	while (free--) {
		u32 slot = link->event.idx % link->event.cnt;

		d.cookie = slot;
		d.offset = link->event_buf_off + slot * sizeof(struct vbus_event);
		d.len = sizeof(struct vbus_event);
		d.flags = VBUS_IOQ_DESC_F_WRITE;
		if (ioq_push(&link->event, &d, 1) != 1)
			break;
	}
	vbus_link_kick(link, &link->event);
}

static void vbus_ctrl_reclaimed(void *arg, const struct ioq_desc_info *d)
{
	struct vbus_link *link = arg;

	WRITE_ONCE(link->ctrl_done, true);
}

static void vbus_ctrl_drain(void *arg)
{
	struct vbus_link *link = arg;

	ioq_reclaim(&link->ctrl, link->ctrl.cnt, vbus_ctrl_reclaimed, link, NULL);
}

/* The verb's wait condition: reclaim the control ring (§1 wakeup, handler = reclaim). */
static bool vbus_ctrl_poll(struct vbus_link *link)
{
	unsigned long flags;

	if (READ_ONCE(link->ctrl_done))
		return true;
	spin_lock_irqsave(&link->ring_lock, flags);
	shm_signal_wakeup(&link->ctrl.sig, vbus_ctrl_drain, link, 0, NULL);
	spin_unlock_irqrestore(&link->ring_lock, flags);
	return READ_ONCE(link->ctrl_done);
}

int vbus_link_verb(struct vbus_link *link, u32 op, u32 devid, u32 arg0, u32 arg1, u64 off, u64 len,
		   u64 sigdesc, u32 *ret)
{
	struct ioq_desc_info d = {
		.cookie = op,
		.offset = link->ctrl_buf_off,
		.len = sizeof(struct vbus_ctrl_msg),
		.flags = 0,
	};
	unsigned long flags;
	long left;
	u32 r = 0;
	int err;

	mutex_lock(&link->verb_lock);
	if (!link->attached || !link->up) {
		mutex_unlock(&link->verb_lock);
		return -ENOLINK;
	}
	vbus_north_ctrl_fill(link->ctrl_buf, op, devid, arg0, arg1, off, len, sigdesc);
	spin_lock_irqsave(&link->ring_lock, flags);
	link->ctrl_done = false;
	err = ioq_push(&link->ctrl, &d, 1);
	if (err == 1)
		vbus_link_kick(link, &link->ctrl);
	spin_unlock_irqrestore(&link->ring_lock, flags);
	if (err != 1) {
		mutex_unlock(&link->verb_lock);
		return err < 0 ? err : -EIO;
	}
	left = wait_event_timeout(link->verb_wq, vbus_ctrl_poll(link) || !READ_ONCE(link->up),
				  VBUS_VERB_TIMEOUT);
	if (!READ_ONCE(link->ctrl_done)) {
		dev_err(link->parent, "control verb %u on device %u: %s\n", op, devid,
			left ? "link went down" : "no answer from south");
		link->attached = false; /* the ring is in an unknown state until the next attach */
		mutex_unlock(&link->verb_lock);
		return left ? -ENOLINK : -ETIMEDOUT;
	}
	err = vbus_north_ctrl_result(link->ctrl_buf, &r);
	mutex_unlock(&link->verb_lock);
	if (ret)
		*ret = r;
	return err;
}

struct vbus_ev_batch {
	struct vbus_bus_event ev[VBUS_PCI_RING_COUNT];
	unsigned int n;
	struct vbus_link *link;
};

static void vbus_event_reclaimed(void *arg, const struct ioq_desc_info *d)
{
	struct vbus_ev_batch *b = arg;
	struct vbus_link *link = b->link;

	if ((d->flags & VBUS_IOQ_DESC_F_ERROR) || d->len < sizeof(struct vbus_event) ||
	    b->n >= ARRAY_SIZE(b->ev))
		return;
	vbus_north_event(link->region + d->offset, &b->ev[b->n++]);
}

static struct vbus_device *vbus_link_find(struct vbus_link *link, u32 id)
{
	unsigned int i;

	for (i = 0; i < VBUS_MAX_DEVICES; i++)
		if (link->devs[i] && link->devs[i]->id == id)
			return link->devs[i];
	return NULL;
}

/* Add proxy devices for table slots north does not know yet. Caller holds dev_lock. */
static void vbus_link_scan(struct vbus_link *link)
{
	struct vbus_north_record rec;
	u32 slot;

	for (slot = 0; slot < link->lay.max_devices && slot < VBUS_MAX_DEVICES; slot++) {
		if (vbus_north_record(link->region, &link->lay, slot, &rec))
			continue;
		if (rec.state == VBUS_DEV_EMPTY || !rec.id)
			continue;
		if (vbus_link_find(link, rec.id))
			continue;
		if (link->devs[slot]) {
			/* the slot was reused for a new id: the old device is gone */
			vbus_proxy_remove(link->devs[slot]);
			link->devs[slot] = NULL;
		}
		vbus_proxy_add(link, slot, &rec);
	}
}

static void vbus_link_drop(struct vbus_link *link, u32 id)
{
	unsigned int i;

	for (i = 0; i < VBUS_MAX_DEVICES; i++) {
		if (link->devs[i] && link->devs[i]->id == id) {
			vbus_proxy_remove(link->devs[i]);
			link->devs[i] = NULL;
		}
	}
}

static void vbus_event_drain(void *arg)
{
	struct vbus_ev_batch *b = arg;

	ioq_reclaim(&b->link->event, ARRAY_SIZE(b->ev) - b->n, vbus_event_reclaimed, b, NULL);
}

/* Vector 0 work: control completions, hotplug events, link state, shared signals. */
static void vbus_bus_work(struct work_struct *work)
{
	struct vbus_link *link = container_of(work, struct vbus_link, bus_work);
	struct vbus_ev_batch *b;
	unsigned long flags;
	bool up = vbus_north_link_up(link->region);
	unsigned int i;

	if (up != link->up) {
		link->up = up;
		dev_info(link->parent, "link %s\n", up ? "up" : "down");
		if (!up)
			wake_up_all(&link->verb_wq);
		mutex_lock(&link->dev_lock);
		for (i = 0; i < VBUS_MAX_DEVICES; i++)
			if (link->devs[i])
				vbus_proxy_link_change(link->devs[i], up);
		mutex_unlock(&link->dev_lock);
	}
	if (!link->attached)
		return;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return;
	b->link = link;
	spin_lock_irqsave(&link->ring_lock, flags);
	shm_signal_wakeup(&link->event.sig, vbus_event_drain, b, 0, NULL);
	if (b->n)
		vbus_link_post_events(link);
	spin_unlock_irqrestore(&link->ring_lock, flags);

	if (b->n) {
		mutex_lock(&link->dev_lock);
		for (i = 0; i < b->n; i++) {
			struct vbus_bus_event *ev = &b->ev[i];

			if (ev->seq != link->event_seq + 1) {
				link->events_lost++;
				dev_warn(link->parent,
					 "hotplug event %llu after %llu: rescanning\n", ev->seq,
					 link->event_seq);
			}
			link->event_seq = ev->seq;
			if (ev->type == VBUS_EVENT_DEVDROP)
				vbus_link_drop(link, ev->devid);
		}
		/* DEVADD (and any lost event): the table says what exists */
		vbus_link_scan(link);
		mutex_unlock(&link->dev_lock);
	}
	kfree(b);
}

/* Signals routed to vector @v (v = 0: those without a vector of their own). */
static void vbus_link_dispatch(struct vbus_link *link, u32 v)
{
	unsigned int i, k;

	spin_lock(&link->sig_lock);
	for (i = 0; i < VBUS_MAX_DEVICES; i++) {
		struct vbus_device *vdev = link->devs[i];

		if (!vdev)
			continue;
		for (k = 0; k < vdev->nsig; k++) {
			struct vbus_signal *s = &vdev->sig[k];

			if (s->fn && vbus_link_vector(link, s->handle) == v) {
				s->irqs++;
				s->fn(s->arg);
			}
		}
	}
	spin_unlock(&link->sig_lock);
}

static irqreturn_t vbus_pci_irq(int irq, void *data)
{
	struct vbus_vec *vec = data;
	struct vbus_link *link = vec->link;
	u32 v = vec->v;

	link->irqs[v]++;
	if (v == 0) {
		wake_up_all(&link->verb_wq); /* a control answer: the waiter reclaims it */
		schedule_work(&link->bus_work);
	}
	vbus_link_dispatch(link, v);
	return IRQ_HANDLED;
}

/* BUS-8: initialise the bus rings, bump north_gen, wait for south's acknowledgement. */
static int vbus_link_attach(struct vbus_link *link)
{
	u32 ccount = VBUS_PCI_RING_COUNT, ecount = VBUS_PCI_RING_COUNT;
	u64 cspace = link->lay.event_ring_off - (u64)link->lay.ctrl_ring_off;
	u64 espace = link->lay.data_off - link->lay.event_ring_off;
	unsigned long flags;
	int ret, waited;

	if (link->lay.event_ring_off <= link->lay.ctrl_ring_off ||
	    link->lay.data_off <= link->lay.event_ring_off ||
	    link->lay.data_len < 2 * VBUS_PCI_BUS_MEM)
		return -EINVAL;
	while (ccount > VBUS_IOQ_MIN_COUNT && VBUS_IOQ_RING_SIZE(ccount) > cspace)
		ccount /= 2;
	while (ecount > VBUS_IOQ_MIN_COUNT && VBUS_IOQ_RING_SIZE(ecount) > espace)
		ecount /= 2;
	if (VBUS_IOQ_RING_SIZE(ccount) > cspace || VBUS_IOQ_RING_SIZE(ecount) > espace)
		return -EINVAL;
	link->ctrl_buf_off = link->lay.data_off;
	link->ctrl_buf = link->region + link->ctrl_buf_off;
	link->event_buf_off = link->lay.data_off + 256;

	spin_lock_irqsave(&link->ring_lock, flags);
	ret = ioq_north_init(&link->ctrl, (void *)(link->region + link->lay.ctrl_ring_off), ccount,
			     0, 0, link->size);
	if (!ret)
		ret = ioq_north_init(&link->event,
				     (void *)(link->region + link->lay.event_ring_off), ecount, 0,
				     0, link->size);
	if (!ret) {
		/* north listens for completions on both bus rings */
		shm_signal_enable(&link->ctrl.sig);
		shm_signal_enable(&link->event.sig);
		link->gen = vbus_north_begin(link->region);
	}
	spin_unlock_irqrestore(&link->ring_lock, flags);
	if (ret)
		return ret;
	vbus_link_doorbell(link, 0);
	for (waited = 0; waited < VBUS_ATTACH_TIMEOUT_MS; waited += 2) {
		if (vbus_north_attached(link->region, link->gen))
			break;
		usleep_range(1000, 2000);
	}
	if (!vbus_north_attached(link->region, link->gen))
		return -ETIMEDOUT;
	link->up = true;
	link->attached = true;
	link->event_seq = 0;
	spin_lock_irqsave(&link->ring_lock, flags);
	vbus_link_post_events(link);
	spin_unlock_irqrestore(&link->ring_lock, flags);
	return 0;
}

static int vbus_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct vbus_link *link;
	u32 magic, ivpos;
	int ret, nvec, i;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	if (pci_resource_len(pdev, 2) < sizeof(struct vbus_shm_header) ||
	    !(pci_resource_flags(pdev, 2) & IORESOURCE_MEM))
		return -ENODEV;
	link = devm_kzalloc(dev, sizeof(*link), GFP_KERNEL);
	if (!link)
		return -ENOMEM;
	link->pdev = pdev;
	link->parent = dev;
	/*
	 * BAR0 is mapped but not claimed: a claimed BAR cannot be mmapped through
	 * sysfs, and the hostile-guest test (tests/e2e) rings doorbells that way.
	 */
	link->regs = pcim_iomap(pdev, 0, 0);
	if (!link->regs)
		return -ENOMEM;
	link->size = pci_resource_len(pdev, 2);
	/* BAR2 is RAM shared with the host: map it cacheable, as the core expects memory */
	link->region = devm_memremap(dev, pci_resource_start(pdev, 2), link->size, MEMREMAP_WB);
	if (IS_ERR(link->region))
		return PTR_ERR(link->region);
	magic = le32_to_cpu(READ_ONCE(((struct vbus_shm_header *)link->region)->magic));
	if (magic != VBUS_SHM_MAGIC) {
		dev_info(dev, "BAR2 holds no vbus region (magic %#x): not binding\n", magic);
		return -ENODEV;
	}
	if (vbus_north_header(link->region, link->size, &link->lay)) {
		dev_warn(dev,
			 "vbus region header fails the checks (version or layout): not binding\n");
		return -ENODEV;
	}
	ivpos = readl(link->regs + IVSHMEM_IV_POSITION);
	if (ivpos != link->lay.north_peer) {
		dev_warn(dev, "IVPosition %u is not the region's north peer %u: not binding\n",
			 ivpos, link->lay.north_peer);
		return -ENODEV;
	}

	/* MSI-X messages are memory writes by the device: they need bus mastering */
	pci_set_master(pdev);
	nvec = pci_msix_vec_count(pdev);
	if (nvec < 1)
		return dev_err_probe(dev, -ENODEV,
				     "no MSI-X vectors (ivshmem-doorbell,vectors=N)\n");
	nvec = min(nvec, VBUS_PCI_MAX_VECTORS);
	nvec = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (nvec < 0)
		return nvec;
	link->nvec = nvec;
	mutex_init(&link->verb_lock);
	mutex_init(&link->dev_lock);
	spin_lock_init(&link->ring_lock);
	spin_lock_init(&link->sig_lock);
	init_waitqueue_head(&link->verb_wq);
	INIT_WORK(&link->bus_work, vbus_bus_work);
	link->index = ida_alloc(&vbus_link_ida, GFP_KERNEL);
	if (link->index < 0) {
		ret = link->index;
		goto err_vec;
	}
	for (i = 0; i < nvec; i++) {
		link->vec[i].link = link;
		link->vec[i].v = i;
		ret = devm_request_irq(dev, pci_irq_vector(pdev, i), vbus_pci_irq, 0, dev_name(dev),
				       &link->vec[i]);
		if (ret)
			goto err_ida;
	}
	pci_set_drvdata(pdev, link);
	ret = vbus_link_attach(link);
	if (ret) {
		dev_err(dev, "attach to south failed: %d (is vbusd serving this device?)\n", ret);
		goto err_irq;
	}
	dev_info(dev, "vbus%d: region %llu bytes, peer %u, south %u, %u vectors, %u slots\n",
		 link->index, link->size, link->lay.north_peer, link->lay.south_peer, link->nvec,
		 link->lay.max_devices);
	mutex_lock(&link->dev_lock);
	vbus_link_scan(link);
	mutex_unlock(&link->dev_lock);
	return 0;

err_irq:
	for (i = 0; i < nvec; i++)
		if (link->vec[i].link)
			devm_free_irq(dev, pci_irq_vector(pdev, i), &link->vec[i]);
	cancel_work_sync(&link->bus_work);
err_ida:
	ida_free(&vbus_link_ida, link->index);
err_vec:
	pci_free_irq_vectors(pdev);
	return ret;
}

static void vbus_pci_remove(struct pci_dev *pdev)
{
	struct vbus_link *link = pci_get_drvdata(pdev);
	unsigned int i;

	mutex_lock(&link->dev_lock);
	for (i = 0; i < VBUS_MAX_DEVICES; i++) {
		if (link->devs[i]) {
			vbus_proxy_remove(link->devs[i]);
			link->devs[i] = NULL;
		}
	}
	mutex_unlock(&link->dev_lock);
	link->attached = false;
	for (i = 0; i < link->nvec; i++)
		devm_free_irq(&pdev->dev, pci_irq_vector(pdev, i), &link->vec[i]);
	cancel_work_sync(&link->bus_work);
	pci_free_irq_vectors(pdev);
	ida_free(&vbus_link_ida, link->index);
}

static const struct pci_device_id vbus_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) }, /* ivshmem (doorbell) */
	{}
};
MODULE_DEVICE_TABLE(pci, vbus_pci_ids);

static struct pci_driver vbus_pci_driver = {
	.name = "vbus_pci",
	.id_table = vbus_pci_ids,
	.probe = vbus_pci_probe,
	.remove = vbus_pci_remove,
};

static int __init vbus_pci_init(void)
{
	int ret = vbus_proxy_init();

	if (ret)
		return ret;
	ret = pci_register_driver(&vbus_pci_driver);
	if (ret)
		vbus_proxy_exit();
	return ret;
}

static void __exit vbus_pci_exit(void)
{
	pci_unregister_driver(&vbus_pci_driver);
	vbus_proxy_exit();
}

module_init(vbus_pci_init);
module_exit(vbus_pci_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vbus over QEMU ivshmem-doorbell: transport and vbus-proxy bus");
MODULE_AUTHOR("vbus developers");

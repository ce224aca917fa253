// SPDX-License-Identifier: GPL-2.0
/*
 * vbus_echo: a character device per vbus "echo" device (docs/spec/03-bus.md
 * §3.6). write() sends one message (1 .. VBUS_ECHO_MAX bytes) on the tx
 * IOQ; read() returns the next echo south copied into a posted rx buffer.
 * Messages stay whole and in order; poll() works; counters are in sysfs.
 */
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vbus_proxy.h"

#define VBUS_ECHO_MAX 1024u /* bytes per message */
#define VBUS_ECHO_COUNT 64u /* descriptors per ring */

struct vbus_echo {
	struct kref ref; /* the driver's, plus one per open file */
	struct vbus_device *vdev;
	struct miscdevice misc;
	char name[24];
	int index;
	spinlock_t lock; /* both IOQs (north side) and the rx fifo */
	struct mutex wlock, rlock;
	wait_queue_head_t wq;
	struct vbus_dev_duplex rings; /* the tx and rx rings and their buffers */
	/* completed rx buffers not yet read: slot and length, in order */
	u32 fifo_slot[VBUS_ECHO_COUNT], fifo_len[VBUS_ECHO_COUNT];
	u32 fifo_head, fifo_tail;
	bool live; /* rings set up and the link up */
	u64 tx_msgs, rx_msgs, tx_bytes, rx_bytes, doorbells, interrupts, errors;
};

static DEFINE_IDA(vbus_echo_ida);

static void vbus_echo_free(struct kref *ref)
{
	kfree(container_of(ref, struct vbus_echo, ref));
}

/* A file may outlive the device (unbind, DEVDROP): it holds a reference and sees !live. */
static int vbus_echo_open(struct inode *inode, struct file *f)
{
	struct vbus_echo *e = container_of(f->private_data, struct vbus_echo, misc);

	kref_get(&e->ref);
	return 0;
}

static int vbus_echo_release(struct inode *inode, struct file *f)
{
	struct vbus_echo *e = container_of(f->private_data, struct vbus_echo, misc);

	kref_put(&e->ref, vbus_echo_free);
	return 0;
}

static void vbus_echo_kick(struct vbus_echo *e, unsigned int r)
{
	if (ioq_kick(&e->rings.q[r]) == SHM_SIGNAL_NOTIFY) {
		e->doorbells++;
		vbus_dev_notify(e->vdev, e->rings.sig[r]);
	}
}

static void vbus_echo_rx_done(void *arg, const struct ioq_desc_info *d)
{
	struct vbus_echo *e = arg;
	u32 slot = (u32)d->cookie;

	if (slot >= VBUS_ECHO_COUNT || (d->flags & VBUS_IOQ_DESC_F_ERROR) ||
	    d->len > VBUS_ECHO_MAX) {
		e->errors++;
		return;
	}
	e->fifo_slot[e->fifo_head % VBUS_ECHO_COUNT] = slot;
	e->fifo_len[e->fifo_head % VBUS_ECHO_COUNT] = d->len;
	e->fifo_head++;
}

static void vbus_echo_tx_done(void *arg, const struct ioq_desc_info *d)
{
	struct vbus_echo *e = arg;

	if (d->flags & VBUS_IOQ_DESC_F_ERROR)
		e->errors++;
}

/* One drain pass of either ring (the §1 wakeup handler). Caller holds lock. */
static void vbus_echo_drain(void *arg)
{
	struct vbus_echo *e = arg;

	ioq_reclaim(&e->rings.q[0], VBUS_ECHO_COUNT, vbus_echo_tx_done, e, NULL);
	ioq_reclaim(&e->rings.q[1], VBUS_ECHO_COUNT, vbus_echo_rx_done, e, NULL);
}

static void vbus_echo_signal(void *arg)
{
	struct vbus_echo *e = arg;
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	e->interrupts++;
	if (e->live) {
		shm_signal_wakeup(&e->rings.q[0].sig, vbus_echo_drain, e, 0, NULL);
		shm_signal_wakeup(&e->rings.q[1].sig, vbus_echo_drain, e, 0, NULL);
	}
	spin_unlock_irqrestore(&e->lock, flags);
	wake_up_interruptible(&e->wq);
}

/* Hand rx buffer @slot to south. Caller holds lock. */
static int vbus_echo_post(struct vbus_echo *e, u32 slot)
{
	struct ioq_desc_info d = {
		.cookie = slot,
		.offset = e->rings.rxbuf_off + (u64)slot * VBUS_ECHO_MAX,
		.len = VBUS_ECHO_MAX,
		.flags = VBUS_IOQ_DESC_F_WRITE,
	};

	return ioq_push(&e->rings.q[1], &d, 1) == 1 ? 0 : -EIO;
}

static bool vbus_echo_writable(struct vbus_echo *e)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&e->lock, flags);
	if (e->live)
		vbus_echo_drain(e);
	ok = !e->live || ioq_free_slots(&e->rings.q[0]) > 0;
	if (!ok) {
		/*
		 * The tx ring is full: ask for tx completions (enable re-checks,
		 * §1.2), look again; they stay off while there is room.
		 */
		if (shm_signal_enable(&e->rings.q[0].sig) == SHM_SIGNAL_SELF)
			shm_signal_wakeup(&e->rings.q[0].sig, vbus_echo_drain, e, 0,
					  NULL); /* SIG-4 */
		else
			vbus_echo_drain(e);
		ok = ioq_free_slots(&e->rings.q[0]) > 0;
	}
	if (ok && e->live)
		shm_signal_disable(&e->rings.q[0].sig);
	spin_unlock_irqrestore(&e->lock, flags);
	return ok;
}

/*
 * lazy_rx: interrupts for echoes only while a reader waits (the rx signal is
 * enabled when nothing is left to read, disabled while echoes are queued), as
 * tx completions are only while the tx ring is full. Off: always enabled.
 */
static bool lazy_rx = true;
module_param(lazy_rx, bool, 0644);
MODULE_PARM_DESC(lazy_rx, "interrupt for echoes only while a reader waits (default on)");

static bool vbus_echo_readable(struct vbus_echo *e)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&e->lock, flags);
	if (e->live)
		vbus_echo_drain(e);
	ok = !e->live || e->fifo_head != e->fifo_tail;
	if (!ok) {
		/* nothing to read: listen for echoes (enable re-checks, §1.2), look again */
		if (shm_signal_enable(&e->rings.q[1].sig) == SHM_SIGNAL_SELF)
			shm_signal_wakeup(&e->rings.q[1].sig, vbus_echo_drain, e, 0,
					  NULL); /* SIG-4 */
		else
			vbus_echo_drain(e);
		ok = e->fifo_head != e->fifo_tail;
	}
	if (ok && e->live && READ_ONCE(lazy_rx))
		shm_signal_disable(&e->rings.q[1].sig); /* the reader will drain before it sleeps */
	spin_unlock_irqrestore(&e->lock, flags);
	return ok;
}

static ssize_t vbus_echo_write(struct file *f, const char __user *ubuf, size_t len, loff_t *pos)
{
	struct vbus_echo *e = container_of(f->private_data, struct vbus_echo, misc);
	struct ioq_desc_info d;
	unsigned long flags;
	u32 slot;
	int ret;

	if (len == 0 || len > VBUS_ECHO_MAX)
		return -EMSGSIZE;
	if (mutex_lock_interruptible(&e->wlock))
		return -ERESTARTSYS;
	for (;;) {
		if (!READ_ONCE(e->live)) {
			ret = -ENOLINK;
			goto out;
		}
		if (vbus_echo_writable(e))
			break;
		if (f->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		ret = wait_event_interruptible(e->wq, vbus_echo_writable(e));
		if (ret)
			goto out;
	}
	/* the slot is ours: free in the ring, and only this writer fills slots */
	slot = e->rings.q[0].idx % VBUS_ECHO_COUNT;
	if (copy_from_user(e->rings.txbuf + (u64)slot * VBUS_ECHO_MAX, ubuf, len)) {
		ret = -EFAULT;
		goto out;
	}
	d.cookie = slot;
	d.offset = e->rings.txbuf_off + (u64)slot * VBUS_ECHO_MAX;
	d.len = len;
	d.flags = 0;
	spin_lock_irqsave(&e->lock, flags);
	ret = e->live ? ioq_push(&e->rings.q[0], &d, 1) : -ENOLINK;
	if (ret == 1) {
		e->tx_msgs++;
		e->tx_bytes += len;
		vbus_echo_kick(e, 0);
	}
	spin_unlock_irqrestore(&e->lock, flags);
	ret = ret == 1 ? (int)len : (ret < 0 ? ret : -EIO);
out:
	mutex_unlock(&e->wlock);
	return ret;
}

static ssize_t vbus_echo_read(struct file *f, char __user *ubuf, size_t len, loff_t *pos)
{
	struct vbus_echo *e = container_of(f->private_data, struct vbus_echo, misc);
	unsigned long flags;
	u32 slot, n;
	ssize_t ret;

	if (mutex_lock_interruptible(&e->rlock))
		return -ERESTARTSYS;
	for (;;) {
		if (!READ_ONCE(e->live)) {
			ret = -ENOLINK;
			goto out;
		}
		if (vbus_echo_readable(e))
			break;
		if (f->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		ret = wait_event_interruptible(e->wq, vbus_echo_readable(e));
		if (ret)
			goto out;
	}
	spin_lock_irqsave(&e->lock, flags);
	if (!e->live || e->fifo_head == e->fifo_tail) {
		spin_unlock_irqrestore(&e->lock, flags);
		ret = -ENOLINK;
		goto out;
	}
	slot = e->fifo_slot[e->fifo_tail % VBUS_ECHO_COUNT];
	n = e->fifo_len[e->fifo_tail % VBUS_ECHO_COUNT];
	spin_unlock_irqrestore(&e->lock, flags);
	if (len < n) {
		ret = -EMSGSIZE; /* the message stays queued */
		goto out;
	}
	if (copy_to_user(ubuf, e->rings.rxbuf + (u64)slot * VBUS_ECHO_MAX, n)) {
		ret = -EFAULT;
		goto out;
	}
	spin_lock_irqsave(&e->lock, flags);
	e->fifo_tail++;
	e->rx_msgs++;
	e->rx_bytes += n;
	if (e->live && !vbus_echo_post(e, slot))
		vbus_echo_kick(e, 1);
	spin_unlock_irqrestore(&e->lock, flags);
	ret = n;
out:
	mutex_unlock(&e->rlock);
	return ret;
}

static __poll_t vbus_echo_poll(struct file *f, poll_table *wait)
{
	struct vbus_echo *e = container_of(f->private_data, struct vbus_echo, misc);
	__poll_t mask = 0;

	poll_wait(f, &e->wq, wait);
	if (!READ_ONCE(e->live))
		return EPOLLERR | EPOLLHUP;
	if (vbus_echo_readable(e))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (vbus_echo_writable(e))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static const struct file_operations vbus_echo_fops = {
	.owner = THIS_MODULE,
	.open = vbus_echo_open,
	.release = vbus_echo_release,
	.read = vbus_echo_read,
	.write = vbus_echo_write,
	.poll = vbus_echo_poll,
	.llseek = noop_llseek,
};

#define VBUS_ECHO_STAT(field)                                                                      \
	static ssize_t field##_show(struct device *dev, struct device_attribute *attr, char *buf)  \
	{                                                                                          \
		struct vbus_echo *e = dev_get_drvdata(dev);                                        \
		return sysfs_emit(buf, "%llu\n", e->field);                                        \
	}                                                                                          \
	static DEVICE_ATTR_RO(field)

VBUS_ECHO_STAT(tx_msgs);
VBUS_ECHO_STAT(rx_msgs);
VBUS_ECHO_STAT(tx_bytes);
VBUS_ECHO_STAT(rx_bytes);
VBUS_ECHO_STAT(doorbells);
VBUS_ECHO_STAT(interrupts);
VBUS_ECHO_STAT(errors);

static struct attribute *vbus_echo_attrs[] = {
	&dev_attr_tx_msgs.attr,	  &dev_attr_rx_msgs.attr,
	&dev_attr_tx_bytes.attr,  &dev_attr_rx_bytes.attr,
	&dev_attr_doorbells.attr, &dev_attr_interrupts.attr,
	&dev_attr_errors.attr,	  NULL,
};
static const struct attribute_group vbus_echo_group = { .name = "echo", .attrs = vbus_echo_attrs };

/* Open the device and set up both rings; every rx buffer is posted. */
static int vbus_echo_setup(struct vbus_echo *e)
{
	struct vbus_device *vdev = e->vdev;
	unsigned long flags;
	u32 i;
	int ret;

	ret = vbus_dev_duplex_open(vdev, 1, &e->rings, VBUS_ECHO_COUNT, VBUS_ECHO_MAX,
				   vbus_echo_signal, e);
	if (ret)
		return ret;
	spin_lock_irqsave(&e->lock, flags);
	e->fifo_head = e->fifo_tail = 0;
	/* north listens for echoes (rx); tx completions only while a writer waits for room */
	shm_signal_enable(&e->rings.q[1].sig);
	for (i = 0, ret = 0; i < VBUS_ECHO_COUNT && !ret; i++)
		ret = vbus_echo_post(e, i);
	if (!ret) {
		e->live = true;
		vbus_echo_kick(e, 1);
	}
	spin_unlock_irqrestore(&e->lock, flags);
	return ret;
}

static void vbus_echo_link_change(struct vbus_device *vdev, bool up)
{
	struct vbus_echo *e = dev_get_drvdata(&vdev->dev);
	unsigned long flags;

	if (!up) {
		spin_lock_irqsave(&e->lock, flags);
		e->live = false;
		spin_unlock_irqrestore(&e->lock, flags);
		wake_up_interruptible(&e->wq);
		dev_info(&vdev->dev, "link down\n");
	}
}

static int vbus_echo_probe(struct vbus_device *vdev)
{
	struct vbus_echo *e;
	int ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	kref_init(&e->ref);
	e->vdev = vdev;
	spin_lock_init(&e->lock);
	mutex_init(&e->wlock);
	mutex_init(&e->rlock);
	init_waitqueue_head(&e->wq);
	dev_set_drvdata(&vdev->dev, e);
	ret = vbus_echo_setup(e);
	if (ret) {
		dev_err(&vdev->dev, "echo set-up failed: %d\n", ret);
		vbus_dev_close(vdev);
		kref_put(&e->ref, vbus_echo_free);
		return ret;
	}
	e->index = ida_alloc(&vbus_echo_ida, GFP_KERNEL);
	if (e->index < 0) {
		ret = e->index;
		goto err_close;
	}
	snprintf(e->name, sizeof(e->name), "vbus-echo%d", e->index);
	e->misc.minor = MISC_DYNAMIC_MINOR;
	e->misc.name = e->name;
	e->misc.fops = &vbus_echo_fops;
	e->misc.parent = &vdev->dev;
	ret = sysfs_create_group(&vdev->dev.kobj, &vbus_echo_group);
	if (ret)
		goto err_ida;
	ret = misc_register(&e->misc);
	if (ret)
		goto err_group;
	dev_info(&vdev->dev, "/dev/%s\n", e->name);
	return 0;

err_group:
	sysfs_remove_group(&vdev->dev.kobj, &vbus_echo_group);
err_ida:
	ida_free(&vbus_echo_ida, e->index);
err_close:
	e->live = false;
	vbus_dev_close(vdev);
	kref_put(&e->ref, vbus_echo_free);
	return ret;
}

static void vbus_echo_remove(struct vbus_device *vdev)
{
	struct vbus_echo *e = dev_get_drvdata(&vdev->dev);
	unsigned long flags;

	misc_deregister(&e->misc);
	sysfs_remove_group(&vdev->dev.kobj, &vbus_echo_group);
	spin_lock_irqsave(&e->lock, flags);
	e->live = false;
	spin_unlock_irqrestore(&e->lock, flags);
	wake_up_interruptible(&e->wq);
	vbus_dev_close(vdev);
	ida_free(&vbus_echo_ida, e->index);
	kref_put(&e->ref, vbus_echo_free); /* open files keep it until they close */
}

static struct vbus_driver vbus_echo_driver = {
	.type = "echo",
	.probe = vbus_echo_probe,
	.remove = vbus_echo_remove,
	.link_change = vbus_echo_link_change,
	.driver.name = "vbus_echo",
};

static int __init vbus_echo_init(void)
{
	return vbus_driver_register(&vbus_echo_driver);
}

static void __exit vbus_echo_exit(void)
{
	vbus_driver_unregister(&vbus_echo_driver);
}

module_init(vbus_echo_init);
module_exit(vbus_echo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vbus echo device: /dev/vbus-echoN");
MODULE_AUTHOR("vbus developers");
MODULE_ALIAS("vbus:echo");

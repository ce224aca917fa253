// SPDX-License-Identifier: GPL-2.0
/*
 * vbus host module: the /dev/vbus misc device. One open file is one link
 * (see vbus_link.c); opening requires CAP_SYS_ADMIN because a link maps and
 * serves memory on behalf of a guest.
 *
 * An open link holds a reference on this module (fops.owner), so rmmod with
 * live links fails with -EBUSY and leaves the links running; the last close
 * tears a link down completely, after which the module can go.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "vbus_link.h"

#define VBUS_MODULE_VERSION "1.0"

static int vbus_open(struct inode *inode, struct file *file)
{
	struct vbus_host_link *link;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	link = vbus_link_create();
	if (IS_ERR(link))
		return PTR_ERR(link);
	file->private_data = link;
	return nonseekable_open(inode, file);
}

static int vbus_release(struct inode *inode, struct file *file)
{
	vbus_link_destroy(file->private_data);
	return 0;
}

static long vbus_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return vbus_link_ioctl(file->private_data, cmd, (void __user *)arg);
}

static const struct file_operations vbus_fops = {
	.owner = THIS_MODULE,
	.open = vbus_open,
	.release = vbus_release,
	.unlocked_ioctl = vbus_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice vbus_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vbus",
	.fops = &vbus_fops,
	.mode = 0600,
};

static int __init vbus_init(void)
{
	int ret;

	ret = vbus_debugfs_init();
	if (ret)
		goto out_link_exit;
	ret = misc_register(&vbus_misc);
	if (ret)
		goto out_debugfs_exit;
	pr_info("vbus: /dev/vbus ready, ABI %u\n", VBUS_IOC_API_VERSION);
	return 0;

out_debugfs_exit:
	vbus_debugfs_exit();
out_link_exit:
	vbus_link_exit();
	return ret;
}

static void __exit vbus_exit(void)
{
	misc_deregister(&vbus_misc);
	vbus_debugfs_exit();
	vbus_link_exit();
}

module_init(vbus_init);
module_exit(vbus_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The vbus authors");
MODULE_DESCRIPTION("vbus host: /dev/vbus links served by in-kernel shm-signal/IOQ backends");
MODULE_VERSION(VBUS_MODULE_VERSION);

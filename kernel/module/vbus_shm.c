// SPDX-License-Identifier: GPL-2.0
/*
 * The shared region of a link, mapped into the kernel with vmap(). Two
 * sources: a shmem file (memfd), whose pages we hold by reference so that a
 * truncate by north only orphans them, or a userspace range pinned with
 * FOLL_LONGTERM. Either way the worker reaches the region without north's mm.
 */
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <vbus/bus.h>

#include "vbus_link.h"

/* The largest region we map: 1 GiB (the ivshmem BARs we serve are far smaller). */
#define VBUS_SHM_MAX_SIZE (1ull << 30)

static void vbus_shm_put_pages(struct vbus_shm *shm, unsigned long n)
{
	unsigned long i;

	if (shm->pinned) {
		unpin_user_pages_dirty_lock(shm->pages, n, true);
		return;
	}
	for (i = 0; i < n; i++) {
		set_page_dirty_lock(shm->pages[i]);
		put_page(shm->pages[i]);
	}
}

/* Take a reference on every page of the memfd @fd; 0 or -errno. */
static int vbus_shm_get_memfd_pages(struct vbus_shm *shm, int fd)
{
	struct address_space *mapping;
	struct file *file;
	unsigned long i;
	int ret = 0;

	file = fget(fd);
	if (!file)
		return -EBADF;
	if (!shmem_file(file)) {
		ret = -EINVAL;
		goto out_put_file;
	}
	if (i_size_read(file_inode(file)) < shm->size) {
		ret = -EINVAL;
		goto out_put_file;
	}
	mapping = file->f_mapping;
	for (i = 0; i < shm->npages; i++) {
		struct page *page = shmem_read_mapping_page(mapping, i);

		if (IS_ERR(page)) {
			ret = PTR_ERR(page);
			goto out_put_pages;
		}
		shm->pages[i] = page;
	}
	fput(file);
	return 0;

out_put_pages:
	vbus_shm_put_pages(shm, i);
out_put_file:
	fput(file);
	return ret;
}

/* Pin the userspace range [addr, addr + size) long-term; 0 or -errno. */
static int vbus_shm_pin_range(struct vbus_shm *shm, u64 addr)
{
	unsigned long done = 0;
	int n;

	if (!PAGE_ALIGNED(addr))
		return -EINVAL;
	shm->pinned = true;
	while (done < shm->npages) {
		n = pin_user_pages_fast(addr + done * PAGE_SIZE, shm->npages - done,
					FOLL_WRITE | FOLL_LONGTERM, shm->pages + done);
		if (n <= 0) {
			vbus_shm_put_pages(shm, done);
			return n < 0 ? n : -EFAULT;
		}
		done += n;
	}
	return 0;
}

/**
 * vbus_shm_attach() - map the region described by @req into the kernel
 * @shm: detached region
 * @req: ATTACH_SHM argument, as copied from userspace
 *
 * Return: 0, or -EINVAL for a bad size/flags/address, -EBADF, -EFAULT, -ENOMEM.
 */
int vbus_shm_attach(struct vbus_shm *shm, const struct vbus_ioc_shm *req)
{
	int ret;

	if (req->flags || !req->size || req->size > VBUS_SHM_MAX_SIZE ||
	    !PAGE_ALIGNED(req->size) || req->size < sizeof(struct vbus_shm_header))
		return -EINVAL;
	shm->size = req->size;
	shm->npages = req->size >> PAGE_SHIFT;
	shm->pages = kvcalloc(shm->npages, sizeof(*shm->pages), GFP_KERNEL);
	if (!shm->pages)
		return -ENOMEM;

	if (req->fd >= 0)
		ret = vbus_shm_get_memfd_pages(shm, req->fd);
	else if (req->fd == -1)
		ret = vbus_shm_pin_range(shm, req->addr);
	else
		ret = -EBADF;
	if (ret)
		goto out_free_array;

	shm->base = vmap(shm->pages, shm->npages, VM_MAP, PAGE_KERNEL);
	if (!shm->base) {
		ret = -ENOMEM;
		goto out_put_pages;
	}
	return 0;

out_put_pages:
	vbus_shm_put_pages(shm, shm->npages);
out_free_array:
	kvfree(shm->pages);
	memset(shm, 0, sizeof(*shm));
	return ret;
}

/* Unmap the region and drop the page references; the worker must be stopped. */
void vbus_shm_detach(struct vbus_shm *shm)
{
	if (!shm->base)
		return;
	vunmap(shm->base);
	vbus_shm_put_pages(shm, shm->npages);
	kvfree(shm->pages);
	memset(shm, 0, sizeof(*shm));
}

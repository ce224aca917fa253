// SPDX-License-Identifier: GPL-2.0
/*
 * The shared region of a link, mapped into the kernel with vmap(). Two
 * sources, both pinned long-term (FOLL_LONGTERM: pages leave CMA/movable
 * zones first and stay put while the link lives):
 *   - a shmem file (memfd): it must be open for writing, carry F_SEAL_SHRINK
 *     and no write seal; we map it into the caller's mm for the time of the
 *     pin (the vhost/io_uring way of pinning file pages on 6.1), and hold
 *     the mapping "writable" (mapping_map_writable) so that nobody can add
 *     F_SEAL_WRITE while the module writes into it;
 *   - a userspace range [addr, addr + size), pinned as is.
 * Pinned pages are accounted like io_uring and vfio do: against the
 * caller's RLIMIT_MEMLOCK (user->locked_vm) unless it has CAP_IPC_LOCK, and
 * always in its mm's pinned_vm (VmPin in /proc/PID/status).
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <vbus/bus.h>

#include "vbus_link.h"

/* The largest region we map: 1 GiB (the ivshmem BARs we serve are far smaller). */
#define VBUS_SHM_MAX_SIZE (1ull << 30)

/* Charge @n pinned pages to the caller (io_uring's __io_account_mem + pinned_vm); 0 or -ENOMEM. */
static int vbus_shm_account(struct vbus_shm *shm, unsigned long n)
{
	struct user_struct *user = current_user();
	unsigned long limit, cur, new;

	if (!capable(CAP_IPC_LOCK)) {
		limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
		cur = atomic_long_read(&user->locked_vm);
		do {
			new = cur + n;
			if (new > limit || new < cur)
				return -ENOMEM;
		} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, new));
		shm->user = get_uid(user);
	}
	shm->mm = current->mm;
	mmgrab(shm->mm);
	atomic64_add(n, &shm->mm->pinned_vm);
	shm->accounted = n;
	return 0;
}

static void vbus_shm_unaccount(struct vbus_shm *shm)
{
	if (shm->user) {
		atomic_long_sub(shm->accounted, &shm->user->locked_vm);
		free_uid(shm->user);
		shm->user = NULL;
	}
	if (shm->mm) {
		atomic64_sub(shm->accounted, &shm->mm->pinned_vm);
		mmdrop(shm->mm);
		shm->mm = NULL;
	}
	shm->accounted = 0;
}

/* Pin [addr, addr + size) of the caller's mm long-term into shm->pages; 0 or -errno. */
static int vbus_shm_pin(struct vbus_shm *shm, unsigned long addr)
{
	unsigned long done = 0;
	long n;

	while (done < shm->npages) {
		n = pin_user_pages_fast(addr + done * PAGE_SIZE, shm->npages - done,
					FOLL_WRITE | FOLL_LONGTERM, shm->pages + done);
		if (n <= 0) {
			unpin_user_pages(shm->pages, done);
			return n < 0 ? n : -EFAULT;
		}
		done += n;
	}
	return 0;
}

/*
 * Check the memfd @fd against the memory rules and pin its first size bytes;
 * on success shm->file holds the file and its mapping counts as writable.
 */
static int vbus_shm_pin_memfd(struct vbus_shm *shm, int fd)
{
	struct file *file;
	unsigned int seals;
	unsigned long addr;
	int ret;

	file = fget(fd);
	if (!file)
		return -EBADF;
	if (!shmem_file(file)) {
		ret = -EINVAL;
		goto out_put_file;
	}
	/* South writes into the region (irq bytes, indices, rx payloads): a read-only fd is not
	 * enough. */
	if (!(file->f_mode & FMODE_WRITE)) {
		ret = -EBADF;
		goto out_put_file;
	}
	seals = READ_ONCE(SHMEM_I(file_inode(file))->seals);
	if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) {
		ret = -EPERM;
		goto out_put_file;
	}
	/* Without F_SEAL_SHRINK north could cut the region under the pin; libvbus seals it. */
	if (!(seals & F_SEAL_SHRINK) || i_size_read(file_inode(file)) < shm->size) {
		ret = -EINVAL;
		goto out_put_file;
	}
	/* From here on F_SEAL_WRITE fails with -EBUSY, as for any writable shared mapping. */
	ret = mapping_map_writable(file->f_mapping);
	if (ret)
		goto out_put_file;
	addr = vm_mmap(file, 0, shm->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (IS_ERR_VALUE(addr)) {
		ret = (int)addr;
		goto out_unmap_writable;
	}
	ret = vbus_shm_pin(shm, addr);
	vm_munmap(addr, shm->size);
	if (ret)
		goto out_unmap_writable;
	shm->file = file;
	return 0;

out_unmap_writable:
	mapping_unmap_writable(file->f_mapping);
out_put_file:
	fput(file);
	return ret;
}

/**
 * vbus_shm_attach() - pin and map the region described by @req into the kernel
 * @shm: detached region
 * @req: ATTACH_SHM argument, as copied from userspace
 *
 * Return: 0; -EINVAL for bad size/flags/address, a non-shmem fd, a memfd without
 * F_SEAL_SHRINK or shorter than size, or addr given with an fd; -EBADF for a bad fd
 * or one not open for writing; -EPERM for a write-sealed memfd; -ENOMEM when
 * RLIMIT_MEMLOCK is exceeded (without CAP_IPC_LOCK); -EFAULT for an unmapped range.
 */
int vbus_shm_attach(struct vbus_shm *shm, const struct vbus_ioc_shm *req)
{
	int ret;

	if (req->flags || !req->size || req->size > VBUS_SHM_MAX_SIZE || !PAGE_ALIGNED(req->size) ||
	    req->size < sizeof(struct vbus_shm_header))
		return -EINVAL;
	if (req->fd >= 0 ? req->addr != 0 : !PAGE_ALIGNED(req->addr))
		return -EINVAL;
	if (req->fd < -1)
		return -EBADF;
	shm->size = req->size;
	shm->npages = req->size >> PAGE_SHIFT;
	shm->pages = kvcalloc(shm->npages, sizeof(*shm->pages), GFP_KERNEL);
	if (!shm->pages)
		return -ENOMEM;
	ret = vbus_shm_account(shm, shm->npages);
	if (ret)
		goto out_free_array;

	if (req->fd >= 0)
		ret = vbus_shm_pin_memfd(shm, req->fd);
	else
		ret = vbus_shm_pin(shm, req->addr);
	if (ret)
		goto out_unaccount;

	shm->base = vmap(shm->pages, shm->npages, VM_MAP, PAGE_KERNEL);
	if (!shm->base) {
		ret = -ENOMEM;
		goto out_unpin;
	}
	return 0;

out_unpin:
	unpin_user_pages(shm->pages, shm->npages);
	if (shm->file) {
		mapping_unmap_writable(shm->file->f_mapping);
		fput(shm->file);
	}
out_unaccount:
	vbus_shm_unaccount(shm);
out_free_array:
	kvfree(shm->pages);
	memset(shm, 0, sizeof(*shm));
	return ret;
}

/* Unmap the region, unpin its pages (dirty: south wrote them) and uncharge; the worker is stopped.
 */
void vbus_shm_detach(struct vbus_shm *shm)
{
	if (!shm->base)
		return;
	vunmap(shm->base);
	unpin_user_pages_dirty_lock(shm->pages, shm->npages, true);
	if (shm->file) {
		mapping_unmap_writable(shm->file->f_mapping);
		fput(shm->file);
	}
	vbus_shm_unaccount(shm);
	kvfree(shm->pages);
	memset(shm, 0, sizeof(*shm));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Eventfds of a link, the vhost way: a kick eventfd (north -> south) gets a
 * wait-queue entry whose callback queues the link worker; a call eventfd
 * (south -> north) is signalled with eventfd_signal().
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>

#include "vbus_link.h"

/* Wait-queue callback, runs in the context of whoever wrote the kick eventfd. */
static int vbus_kick_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct vbus_signal *sig = container_of(wait, struct vbus_signal, kick_wait);
	u64 cnt;

	if (!(key_to_poll(key) & EPOLLIN))
		return 0;
	/* We hold the eventfd's wqh lock here, as eventfd_ctx_do_read() requires. */
	eventfd_ctx_do_read(sig->kick, &cnt);
	atomic64_inc(&sig->doorbells);
	vbus_link_kick(sig->link);
	return 0;
}

static void vbus_kick_queue_proc(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct vbus_signal *sig = container_of(pt, struct vbus_signal, kick_pt);

	sig->kick_wqh = wqh;
	add_wait_queue(wqh, &sig->kick_wait);
}

/**
 * vbus_signal_start() - listen to the kick eventfd of @sig, if one is bound
 *
 * A kick that arrived before START is not lost: vfs_poll() reports it and we
 * queue the worker once.
 */
int vbus_signal_start(struct vbus_signal *sig)
{
	__poll_t mask;

	if (!sig->kick_file || sig->kick_wqh)
		return 0;
	init_waitqueue_func_entry(&sig->kick_wait, vbus_kick_wakeup);
	init_poll_funcptr(&sig->kick_pt, vbus_kick_queue_proc);
	mask = vfs_poll(sig->kick_file, &sig->kick_pt);
	if (mask & EPOLLIN)
		vbus_link_kick(sig->link);
	if (mask & EPOLLERR) {
		vbus_signal_stop(sig);
		return -EINVAL;
	}
	return 0;
}

/* Stop listening; after return our callback neither runs nor will run. */
void vbus_signal_stop(struct vbus_signal *sig)
{
	if (!sig->kick_wqh)
		return;
	remove_wait_queue(sig->kick_wqh, &sig->kick_wait);
	sig->kick_wqh = NULL;
}

/* Bind (fd >= 0) or unbind (fd == -1) the kick eventfd; the link is stopped. */
int vbus_signal_set_kick(struct vbus_signal *sig, int fd)
{
	struct eventfd_ctx *ctx = NULL;
	struct file *file = NULL;

	if (fd >= 0) {
		file = eventfd_fget(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
		ctx = eventfd_ctx_fileget(file);
		if (IS_ERR(ctx)) {
			fput(file);
			return PTR_ERR(ctx);
		}
	} else if (fd != -1) {
		return -EBADF;
	}
	if (sig->kick) {
		eventfd_ctx_put(sig->kick);
		fput(sig->kick_file);
	}
	sig->kick = ctx;
	sig->kick_file = file;
	return 0;
}

/* Bind (fd >= 0) or unbind (fd == -1) the call eventfd; the link is stopped. */
int vbus_signal_set_call(struct vbus_signal *sig, int fd)
{
	struct eventfd_ctx *ctx = NULL;

	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	} else if (fd != -1) {
		return -EBADF;
	}
	if (sig->call)
		eventfd_ctx_put(sig->call);
	sig->call = ctx;
	return 0;
}

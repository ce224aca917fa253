// SPDX-License-Identifier: GPL-2.0
/*
 * libvbus's wait loop, the code itself: tools/libvbus/libvbus.c is compiled
 * here, unchanged, against the explorer's instrumented shim (every ring
 * access of the core functions it calls is an explorer event). Its two
 * system calls on the eventfds go to the explorer: read() sleeps until a
 * doorbell is in flight and takes them all (eventfd counter semantics),
 * write() is a doorbell to the peer. LINK_WAKE_BUDGET is 1 here (64 in the
 * library), so a wakeup hits its budget with a single refill between drain
 * passes and the SHM_SIGNAL_RESCHED path is explored, not only compiled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "explore_link.h"

/* after every system header (include guards keep these names out of their declarations) */
#define read(fd, buf, n) vx_efd_read(fd, buf, n)
#define write(fd, buf, n) vx_efd_write(fd, buf, n)
#define LINK_WAKE_BUDGET 1
#include "libvbus.c"
#undef read
#undef write

int vx_link_init(void *buf, size_t len, const struct ioq *q, void *region, uint64_t size)
{
	struct vbus_link *l = buf;

	/* the agent's struct ioq aliases the link's: the explorer re-executes calls on it */
	if (len < sizeof(*l) || offsetof(struct vbus_link, q) != 0)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	for (int i = 0; i < VBUS_LINK_NFDS; i++)
		l->fd[i] = -1;
	/* what link_alloc + vbus_link_attach set, without the memfd and the stamp line */
	l->spin_ns = LINK_DEFAULT_SPIN_NS;
	l->spin_adaptive = true;
	l->threshold = 1;
	l->q = *q;
	l->region = region;
	l->size = size;
	l->rx_efd = VX_EFD_S_RX;
	l->tx_efd = VX_EFD_S_TX;
	l->stamp = NULL;
	return 0;
}

int vx_link_recv_block(void *link, uint32_t (*rx)(void *arg, const void *data, uint32_t len, uint64_t cookie))
{
	return vbus_link_recv(link, VBUS_WAIT_BLOCK, rx, NULL);
}

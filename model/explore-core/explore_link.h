/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvbus's blocking wait loop under vbus-explore-core (explore_link.c): the
 * explorer's side of the seam. The link is plain bytes inside the south
 * agent's state; its struct ioq is at offset 0 (checked at init).
 */
#ifndef VBUS_EXPLORE_LINK_H
#define VBUS_EXPLORE_LINK_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ioq;

#define VX_LINK_MAX 384	 /* bytes the agent reserves for a struct vbus_link */
#define VX_EFD_S_RX 1000 /* the eventfd south sleeps on (north's doorbells) */
#define VX_EFD_S_TX 1001 /* the eventfd south notifies north with */

/* Fill @buf as vbus_link_attach would (south side of @q's ring at @region); 0 or -EINVAL. */
int vx_link_init(void *buf, size_t len, const struct ioq *q, void *region, uint64_t size);
/* libvbus's vbus_link_recv(VBUS_WAIT_BLOCK): the real wait loop, link_block. */
int vx_link_recv_block(void *link, uint32_t (*rx)(void *arg, const void *data, uint32_t len, uint64_t cookie));
/* The explorer's eventfd: read sleeps until a doorbell is in flight, write is a doorbell. */
ssize_t vx_efd_read(int fd, void *buf, size_t n);
ssize_t vx_efd_write(int fd, const void *buf, size_t n);
#endif

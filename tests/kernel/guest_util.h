/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the in-guest tests of vbus.ko: load/unload the module, open a
 * link, build a shared region in a memfd, read statistics. Everything here
 * returns 0 / a value, or -errno; nothing exits.
 */
#ifndef VBUS_GUEST_UTIL_H
#define VBUS_GUEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <vbus/abi.h>

#define GU_MODULE_PATH "/lib/vbus/vbus.ko"

/* insmod/rmmod through the system calls (no kmod in the guest). */
int gu_module_load(const char *path);
int gu_module_unload(const char *name);
int gu_module_loaded(const char *name);

/* A memfd of @size bytes sealed with F_SEAL_SHRINK, mapped read-write; *fd and *map out. */
int gu_memfd_create(size_t size, int *fd, void **map);

/* open("/dev/vbus"); fd or -errno. */
int gu_link_open(void);
int gu_ioctl(int fd, unsigned long cmd, void *arg);
int gu_attach_memfd(int link, int memfd, uint64_t size);
int gu_set_eventfd(int link, unsigned long cmd, uint32_t index, int efd);
int gu_get_stats(int link, uint32_t slot, struct vbus_ioc_stats *st);

/* Read the whole debugfs statistics file of link N into buf; length or -errno. */
int gu_read_file(const char *path, char *buf, size_t len);

/* Monotonic time in seconds. */
double gu_now(void);

#endif /* VBUS_GUEST_UTIL_H */

// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "guest_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int gu_module_load(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

int gu_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

int gu_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

int gu_memfd_create(size_t size, int *fd, void **map)
{
	void *p;
	int f;

	f = memfd_create("vbus-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f < 0)
		return -errno;
	/* The module requires F_SEAL_SHRINK (as libvbus seals its regions). */
	if (ftruncate(f, (off_t)size) || fcntl(f, F_ADD_SEALS, F_SEAL_SHRINK)) {
		int e = -errno;

		close(f);
		return e;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	if (p == MAP_FAILED) {
		int e = -errno;

		close(f);
		return e;
	}
	memset(p, 0, size);
	*fd = f;
	*map = p;
	return 0;
}

int gu_link_open(void)
{
	int fd = open("/dev/vbus", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int gu_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int gu_attach_memfd(int link, int memfd, uint64_t size)
{
	struct vbus_ioc_shm req = { .fd = memfd, .size = size };

	return gu_ioctl(link, VBUS_IOC_ATTACH_SHM, &req);
}

int gu_set_eventfd(int link, unsigned long cmd, uint32_t index, int efd)
{
	struct vbus_ioc_eventfd req = { .index = index, .fd = efd };

	return gu_ioctl(link, cmd, &req);
}

int gu_get_stats(int link, uint32_t slot, struct vbus_ioc_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->slot = slot;
	return gu_ioctl(link, VBUS_IOC_GET_STATS, st);
}

int gu_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)got + 1 < len) {
		n = read(fd, buf + got, len - 1 - (size_t)got);
		if (n < 0) {
			int e = -errno;

			close(fd);
			return e;
		}
		if (n == 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	close(fd);
	return (int)got;
}

double gu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

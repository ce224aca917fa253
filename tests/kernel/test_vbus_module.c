// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of vbus.ko: the /dev/vbus ioctl surface, eventfd kicks,
 * statistics (ioctl and debugfs), teardown on close and the module refcount.
 * Runs as root inside the QEMU-booted kernel; loads the module itself.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_util.h"
#include "traffic.h"
#include "vbus_core.h"

#define REGION_SIZE (64 * 1024)
#define DEBUGFS_DIR "/sys/kernel/debug/vbus"

/* A link with a zeroed memfd region attached. */
struct fixture {
	int link;
	int memfd;
	void *map;
};

/* Two rings of 16 descriptors at 4096 and 8192, as device_req() names them. */
static void fixture_open(struct fixture *f)
{
	struct ioq q;

	ck_assert_int_eq(gu_memfd_create(REGION_SIZE, &f->memfd, &f->map), 0);
	ck_assert_int_eq(ioq_north_init(&q, (void *)((char *)f->map + 4096), 16, 0, 0, REGION_SIZE), 0);
	ck_assert_int_eq(ioq_north_init(&q, (void *)((char *)f->map + 8192), 16, 0, 0, REGION_SIZE), 0);
	f->link = gu_link_open();
	ck_assert_int_ge(f->link, 0);
	ck_assert_int_eq(gu_attach_memfd(f->link, f->memfd, REGION_SIZE), 0);
}

static void fixture_close(struct fixture *f)
{
	ck_assert_int_eq(close(f->link), 0);
	ck_assert_int_eq(munmap(f->map, REGION_SIZE), 0);
	ck_assert_int_eq(close(f->memfd), 0);
}

static struct vbus_ioc_device device_req(uint32_t slot, const char *type)
{
	struct vbus_ioc_device d = { .slot = slot, .id = slot + 1, .version = 1 };

	snprintf(d.type, sizeof(d.type), "%s", type);
	d.ring_off[0] = 4096;
	d.signal[0] = 0;
	if (strcmp(type, "null") != 0) { /* null serves ring 0 only: ring 1's arguments stay 0 */
		d.ring_off[1] = 8192;
		d.signal[1] = 1;
	}
	return d;
}

/* Number of entries in the debugfs directory (one file per open link). */
static int debugfs_links(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(DEBUGFS_DIR);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "link", 4) == 0)
			n++;
	closedir(d);
	return n;
}

static uint64_t wait_doorbells(int link, uint64_t want)
{
	struct vbus_ioc_stats st;
	double end = gu_now() + 5.0;

	do {
		ck_assert_int_eq(gu_get_stats(link, ~0u, &st), 0);
		if (st.doorbells >= want)
			break;
		usleep(1000);
	} while (gu_now() < end);
	return st.doorbells;
}

START_TEST(t_open_needs_cap_sys_admin)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct data[2];

		if (syscall(SYS_capget, &hdr, data))
			_exit(2);
		data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, data))
			_exit(3);
		_exit(gu_link_open() == -EPERM ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(t_version)
{
	uint32_t v = 0;
	int link = gu_link_open();

	ck_assert_int_ge(link, 0);
	ck_assert_int_eq(gu_ioctl(link, VBUS_IOC_GET_VERSION, &v), 0);
	ck_assert_uint_eq(v, VBUS_IOC_API_VERSION);
	ck_assert_int_eq(gu_ioctl(link, _IO(VBUS_IOC_MAGIC, 0x7f), NULL), -ENOTTY);
	ck_assert_int_eq(close(link), 0);
}
END_TEST

START_TEST(t_attach_memfd)
{
	struct fixture f;

	fixture_open(&f);
	ck_assert_int_eq(gu_attach_memfd(f.link, f.memfd, REGION_SIZE), -EEXIST);
	fixture_close(&f);
}
END_TEST

START_TEST(t_attach_rejects_bad_requests)
{
	struct vbus_ioc_shm req;
	void *map;
	int memfd, efd, link;

	ck_assert_int_eq(gu_memfd_create(REGION_SIZE, &memfd, &map), 0);
	efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(efd, 0);
	link = gu_link_open();
	ck_assert_int_ge(link, 0);

	ck_assert_int_eq(gu_attach_memfd(link, memfd, 0), -EINVAL);
	ck_assert_int_eq(gu_attach_memfd(link, memfd, 100), -EINVAL);
	/* sizes past the header but not a whole number of pages (the memfd is long enough): refused, not
	 * truncated to the pages below */
	ck_assert_int_eq(gu_attach_memfd(link, memfd, REGION_SIZE - 100), -EINVAL);
	ck_assert_int_eq(gu_attach_memfd(link, memfd, (uint64_t)sysconf(_SC_PAGESIZE) + 512), -EINVAL);
	ck_assert_int_eq(gu_attach_memfd(link, memfd, 2 * REGION_SIZE), -EINVAL);
	ck_assert_int_eq(gu_attach_memfd(link, efd, REGION_SIZE), -EINVAL);
	ck_assert_int_eq(gu_attach_memfd(link, 999, REGION_SIZE), -EBADF);
	req = (struct vbus_ioc_shm){ .fd = memfd, .flags = 1, .size = REGION_SIZE };
	ck_assert_int_eq(gu_ioctl(link, VBUS_IOC_ATTACH_SHM, &req), -EINVAL);
	req = (struct vbus_ioc_shm){ .fd = -1, .addr = 4096 + 12, .size = REGION_SIZE };
	ck_assert_int_eq(gu_ioctl(link, VBUS_IOC_ATTACH_SHM, &req), -EINVAL);
	req = (struct vbus_ioc_shm){ .fd = -1, .addr = 4096, .size = REGION_SIZE };
	ck_assert_int_eq(gu_ioctl(link, VBUS_IOC_ATTACH_SHM, &req), -EFAULT);
	/* After all that, a good request still works. */
	ck_assert_int_eq(gu_attach_memfd(link, memfd, REGION_SIZE), 0);

	ck_assert_int_eq(close(link), 0);
	ck_assert_int_eq(close(efd), 0);
	ck_assert_int_eq(munmap(map, REGION_SIZE), 0);
	ck_assert_int_eq(close(memfd), 0);
}
END_TEST

START_TEST(t_attach_pinned_range)
{
	struct vbus_ioc_shm req = { .fd = -1, .size = REGION_SIZE };
	void *map;
	int link;

	map = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(map, MAP_FAILED);
	req.addr = (uintptr_t)map;
	link = gu_link_open();
	ck_assert_int_ge(link, 0);
	ck_assert_int_eq(gu_ioctl(link, VBUS_IOC_ATTACH_SHM, &req), 0);
	/* The pin outlives the mapping: unmapping first must not hurt the module. */
	ck_assert_int_eq(munmap(map, REGION_SIZE), 0);
	ck_assert_int_eq(close(link), 0);
}
END_TEST

START_TEST(t_add_device_rejects_bad_requests)
{
	struct vbus_ioc_device d = device_req(0, "echo");
	struct fixture f;
	int link;

	link = gu_link_open();
	ck_assert_int_ge(link, 0);
	ck_assert_int_eq(gu_ioctl(link, VBUS_IOC_ADD_DEVICE, &d), -ENXIO);
	ck_assert_int_eq(gu_ioctl(link, VBUS_IOC_START, NULL), -ENXIO);
	ck_assert_int_eq(close(link), 0);

	fixture_open(&f);
	d = device_req(0, "no-such-backend");
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -ENODEV);
	d = device_req(VBUS_MAX_DEVICES, "echo");
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d = device_req(0, "echo");
	d.id = 0;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d = device_req(0, "echo");
	d.signal[1] = VBUS_IOC_MAX_SIGNALS;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d = device_req(0, "echo");
	d.ring_off[1] = REGION_SIZE - 64;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d = device_req(0, "echo");
	d.ring_off[0] = ~0ull - 10;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d = device_req(0, "echo");
	memset(d.type, 'x', sizeof(d.type));
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	/* The core validates the ring header (§2.8): a ring north did not initialise is refused. */
	d = device_req(0, "echo");
	d.ring_off[1] = 16384;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d = device_req(0, "echo");
	d.ring_off[1] = 8192 + 8;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d = device_req(0, "echo");
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), 0);
	fixture_close(&f);
}
END_TEST

START_TEST(t_kicks_are_counted_while_running)
{
	struct vbus_ioc_device d;
	struct vbus_ioc_stats st;
	struct fixture f;
	char buf[4096], name[300];
	int kick, call, i;

	fixture_open(&f);
	kick = eventfd(0, EFD_CLOEXEC);
	call = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(kick, 0);
	ck_assert_int_ge(call, 0);
	ck_assert_int_eq(gu_set_eventfd(f.link, VBUS_IOC_SET_KICK, 0, kick), 0);
	ck_assert_int_eq(gu_set_eventfd(f.link, VBUS_IOC_SET_CALL, 0, call), 0);
	ck_assert_int_eq(gu_set_eventfd(f.link, VBUS_IOC_SET_CALL, VBUS_IOC_MAX_SIGNALS, call), -EINVAL);
	ck_assert_int_eq(gu_set_eventfd(f.link, VBUS_IOC_SET_KICK, 1, f.memfd), -EINVAL);
	d = device_req(3, "null");
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), 0);
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EEXIST);

	/* Kicks before START are not counted (nobody listens yet). */
	ck_assert_int_eq(eventfd_write(kick, 1), 0);
	ck_assert_int_eq(gu_get_stats(f.link, ~0u, &st), 0);
	ck_assert_uint_eq(st.doorbells, 0);

	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_START, NULL), 0);
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_START, NULL), -EBUSY);
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EBUSY);
	ck_assert_int_eq(gu_set_eventfd(f.link, VBUS_IOC_SET_KICK, 0, -1), -EBUSY);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(eventfd_write(kick, 1), 0);
	ck_assert_uint_eq(wait_doorbells(f.link, 3), 3);
	ck_assert_int_eq(gu_get_stats(f.link, 3, &st), 0);
	ck_assert_uint_eq(st.doorbells, 3);
	ck_assert_uint_eq(st.broken, 0);
	ck_assert_int_eq(gu_get_stats(f.link, 4, &st), -ENOENT);
	ck_assert_int_eq(gu_get_stats(f.link, VBUS_MAX_DEVICES, &st), -EINVAL);

	/* The same numbers without a custom tool. */
	ck_assert_int_eq(debugfs_links(), 1);
	{
		DIR *dir = opendir(DEBUGFS_DIR);
		struct dirent *de;

		ck_assert_ptr_nonnull(dir);
		while ((de = readdir(dir)))
			if (strncmp(de->d_name, "link", 4) == 0)
				snprintf(name, sizeof(name), DEBUGFS_DIR "/%s", de->d_name);
		closedir(dir);
	}
	ck_assert_int_gt(gu_read_file(name, buf, sizeof(buf)), 0);
	printf("debugfs %s:\n%s", name, buf);
	ck_assert_ptr_nonnull(strstr(buf, "running 1"));
	ck_assert_ptr_nonnull(strstr(buf, "slot 3 id 4 type null doorbells 3 "));

	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_STOP, NULL), 0);
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_STOP, NULL), -EINVAL);
	ck_assert_int_eq(eventfd_write(kick, 1), 0);
	usleep(20000);
	ck_assert_int_eq(gu_get_stats(f.link, ~0u, &st), 0);
	ck_assert_uint_eq(st.doorbells, 3);

	/* Restart and close while running: teardown removes the debugfs file. */
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_START, NULL), 0);
	ck_assert_int_eq(eventfd_write(kick, 1), 0);
	fixture_close(&f);
	ck_assert_int_eq(debugfs_links(), 0);
	ck_assert_int_eq(close(kick), 0);
	ck_assert_int_eq(close(call), 0);
}
END_TEST

START_TEST(t_rmmod_refused_while_links_open)
{
	int link = gu_link_open();

	ck_assert_int_ge(link, 0);
	ck_assert_int_eq(gu_module_unload("vbus"), -EWOULDBLOCK);
	ck_assert(gu_module_loaded("vbus"));
	ck_assert_int_eq(close(link), 0);
	ck_assert_int_eq(gu_module_unload("vbus"), 0);
	ck_assert(!gu_module_loaded("vbus"));
	ck_assert_int_eq(gu_module_load(GU_MODULE_PATH), 0);
	ck_assert_int_eq(debugfs_links(), 0);
}
END_TEST

/* Only out-of-tree (O, 4096) and unsigned-module (E, 8192) taint; the kernel is signed, we are not. */
START_TEST(t_no_taint_but_out_of_tree)
{
	char buf[64];
	unsigned long taint;

	ck_assert_int_gt(gu_read_file("/proc/sys/kernel/tainted", buf, sizeof(buf)), 0);
	taint = strtoul(buf, NULL, 10);
	ck_assert_msg((taint & ~(4096ul | 8192ul)) == 0, "taint %lu", taint);
}
END_TEST

/* A memfd of REGION_SIZE with @seals added (after sizing); the fd, opened with @flags via /proc. */
static int sealed_memfd(unsigned int seals, int flags, int *orig)
{
	char path[64];
	int fd = memfd_create("vbus-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING), ro;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, REGION_SIZE), 0);
	if (seals)
		ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, flags | O_CLOEXEC);
	ck_assert_int_ge(ro, 0);
	*orig = fd;
	return ro;
}

/* Finding 4: memory the caller may not write is refused; seals are honoured both ways. */
START_TEST(t_attach_memory_rules)
{
	struct vbus_ioc_shm req;
	int link, fd, orig;

	link = gu_link_open();
	ck_assert_int_ge(link, 0);
	/* read-only fd of a write-sealed memfd: the module would write south's irq bytes into it */
	fd = sealed_memfd(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE, O_RDONLY, &orig);
	ck_assert_int_eq(gu_attach_memfd(link, fd, REGION_SIZE), -EBADF);
	close(fd);
	fd = sealed_memfd(0, O_RDWR, &orig); /* the same seals added after reopening read-write */
	ck_assert_int_eq(fcntl(orig, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_WRITE), 0);
	ck_assert_int_eq(gu_attach_memfd(link, fd, REGION_SIZE), -EPERM);
	close(fd);
	close(orig);
	fd = sealed_memfd(F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE, O_RDWR, &orig);
	ck_assert_int_eq(gu_attach_memfd(link, fd, REGION_SIZE), -EPERM);
	close(fd);
	close(orig);
	/* read-only fd without write seals: still no write permission */
	fd = sealed_memfd(F_SEAL_SHRINK, O_RDONLY, &orig);
	ck_assert_int_eq(gu_attach_memfd(link, fd, REGION_SIZE), -EBADF);
	close(fd);
	close(orig);
	/* not sealed against shrinking */
	fd = sealed_memfd(0, O_RDWR, &orig);
	ck_assert_int_eq(gu_attach_memfd(link, fd, REGION_SIZE), -EINVAL);
	/* an address with an fd is an unused argument that must be zero */
	ck_assert_int_eq(fcntl(orig, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	req = (struct vbus_ioc_shm){ .fd = fd, .addr = 4096, .size = REGION_SIZE };
	ck_assert_int_eq(gu_ioctl(link, VBUS_IOC_ATTACH_SHM, &req), -EINVAL);
	ck_assert_int_eq(gu_attach_memfd(link, fd, REGION_SIZE), 0);
	/* while attached nobody can write-seal it: the module holds it writable */
	ck_assert_int_eq(fcntl(orig, F_ADD_SEALS, F_SEAL_WRITE), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(close(link), 0);
	/* after close it can */
	ck_assert_int_eq(fcntl(orig, F_ADD_SEALS, F_SEAL_WRITE), 0);
	close(fd);
	close(orig);
}
END_TEST

/* VmPin of this process in kB, from /proc/self/status. */
static long vm_pin_kb(void)
{
	char buf[4096], *p;

	ck_assert_int_gt(gu_read_file("/proc/self/status", buf, sizeof(buf)), 0);
	p = strstr(buf, "VmPin:");
	ck_assert_ptr_nonnull(p);
	return strtol(p + 6, NULL, 10);
}

/* Child of t_memlock_accounting: without CAP_IPC_LOCK, under RLIMIT_MEMLOCK. Exit 0 = all good. */
static int memlock_child(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct rlimit rl = { 0, 0 };
	struct vbus_ioc_shm req = { .fd = -1, .size = REGION_SIZE };
	int memfd, link, link2;
	void *map, *anon;

	if (syscall(SYS_capget, &hdr, data))
		return 2;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data))
		return 3;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 4;
	if (gu_memfd_create(REGION_SIZE, &memfd, &map))
		return 5;
	link = gu_link_open();
	if (link < 0)
		return 6;
	if (gu_attach_memfd(link, memfd, REGION_SIZE) != -ENOMEM)
		return 7; /* RLIMIT_MEMLOCK = 0 must refuse the pin */
	rl.rlim_cur = rl.rlim_max = REGION_SIZE + REGION_SIZE / 2;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 8;
	if (gu_attach_memfd(link, memfd, REGION_SIZE))
		return 9;
	if (vm_pin_kb() != REGION_SIZE / 1024)
		return 10;
	/* a second region would exceed the limit: the pinned range path is charged too */
	anon = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	link2 = gu_link_open();
	if (anon == MAP_FAILED || link2 < 0)
		return 11;
	req.addr = (uintptr_t)anon;
	if (gu_ioctl(link2, VBUS_IOC_ATTACH_SHM, &req) != -ENOMEM)
		return 12;
	close(link);
	if (vm_pin_kb() != 0)
		return 13;
	if (gu_ioctl(link2, VBUS_IOC_ATTACH_SHM, &req))
		return 14;
	if (vm_pin_kb() != REGION_SIZE / 1024)
		return 15;
	close(link2);
	return vm_pin_kb() == 0 ? 0 : 16;
}

/* Finding 5: the long-term pin is charged to RLIMIT_MEMLOCK (no CAP_IPC_LOCK) and shows in VmPin. */
START_TEST(t_memlock_accounting)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(memlock_child());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == 0, "memlock child failed at step %d", WEXITSTATUS(status));
}
END_TEST

/* Finding 6: every reserved field zero, unused arguments zero, duplicates and shared rings refused. */
START_TEST(t_strict_ioctls)
{
	struct vbus_ioc_device d;
	struct vbus_ioc_stats st;
	struct vbus_ioc_weight w;
	struct fixture f;
	struct vbus_device_record *rec;
	struct ioq q;
	uint32_t slot;

	fixture_open(&f);
	/* GET_STATS: reserved input */
	memset(&st, 0, sizeof(st));
	st.slot = ~0u;
	st.reserved[2] = 1;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_GET_STATS, &st), -EINVAL);
	/* ADD_DEVICE: version the backend does not implement, unknown flags */
	d = device_req(0, "echo");
	d.version = 2;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d = device_req(0, "echo");
	d.flags = 0x80;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	/* record_off: zero without VBUS_IOC_DEV_F_RECORD */
	d = device_req(0, "echo");
	d.record_off = 1024;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	/* F_RECORD: 64-aligned, inside the region, holding this device's id, clear of every ring */
	rec = (struct vbus_device_record *)((char *)f.map + 1024);
	rec->id = 1;
	d = device_req(0, "echo");
	d.flags = VBUS_IOC_DEV_F_RECORD;
	d.record_off = 1024 + 32;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d.record_off = REGION_SIZE - 32;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d.record_off = ~0ull & ~63ull;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d.record_off = 1024;
	d.id = 9; /* the record says id 1 */
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d.id = 1;
	d.record_off = 4096 + 640; /* ring 0's cookies */
	((struct vbus_device_record *)((char *)f.map + 4096 + 640))->id = 1;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	ck_assert_int_eq(ioq_north_init(&q, (void *)((char *)f.map + 4096), 16, 0, 0, REGION_SIZE), 0);
	/* tx ring == rx ring */
	d = device_req(0, "echo");
	d.ring_off[1] = d.ring_off[0];
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	/* null: ring 1 is unused, its offset and signal must be zero */
	d = device_req(0, "null");
	d.ring_off[1] = 8192;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	d = device_req(0, "null");
	d.signal[1] = 1;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	/* overlapping rings of one device: a valid 2-entry ring inside ring 0's descriptors */
	ck_assert_int_eq(ioq_north_init(&q, (void *)((char *)f.map + 4096 + 256), 2, 0, 0, REGION_SIZE), 0);
	d = device_req(0, "echo");
	d.ring_off[1] = 4096 + 256;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	/* a good device, then one sharing its rx ring, then a duplicate id */
	ck_assert_int_eq(ioq_north_init(&q, (void *)((char *)f.map + 16384), 16, 0, 0, REGION_SIZE), 0);
	ck_assert_int_eq(ioq_north_init(&q, (void *)((char *)f.map + 20480), 16, 0, 0, REGION_SIZE), 0);
	d = device_req(0, "echo");
	d.flags = VBUS_IOC_DEV_F_RECORD;
	d.record_off = 1024;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), 0);
	d = device_req(1, "echo");
	d.ring_off[0] = 16384;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL); /* rx 8192 shared */
	d = device_req(1, "echo");
	d.ring_off[0] = 16384;
	d.ring_off[1] = 20480;
	d.flags = VBUS_IOC_DEV_F_RECORD | VBUS_IOC_DEV_F_LATE;
	d.record_off = 1024; /* slot 0's record */
	rec->id = 2;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL);
	rec->id = 1;
	d = device_req(1, "null");
	d.ring_off[0] = 8192;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EINVAL); /* ring of slot 0 */
	d = device_req(1, "echo");
	d.ring_off[0] = 16384;
	d.ring_off[1] = 20480;
	d.id = 1; /* slot 0's id */
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), -EEXIST);
	d.id = 2;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_ADD_DEVICE, &d), 0);
	/* START/STOP take no argument */
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_START, (void *)8), -EINVAL);
	/* SET_WEIGHT: range and reserved */
	w = (struct vbus_ioc_weight){ .descs = 0, .bytes = 4096 };
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_SET_WEIGHT, &w), -EINVAL);
	w = (struct vbus_ioc_weight){ .descs = 8, .bytes = 0 };
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_SET_WEIGHT, &w), -EINVAL);
	w = (struct vbus_ioc_weight){ .descs = 8, .reserved = 1, .bytes = 4096 };
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_SET_WEIGHT, &w), -EINVAL);
	w = (struct vbus_ioc_weight){ .descs = VBUS_IOQ_MAX_COUNT + 1, .bytes = 4096 };
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_SET_WEIGHT, &w), -EINVAL);
	w = (struct vbus_ioc_weight){ .descs = 8, .bytes = 4096 };
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_SET_WEIGHT, &w), 0);
	/* RESET_DEVICE: slot range, empty slot, refused while running */
	slot = VBUS_MAX_DEVICES;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_RESET_DEVICE, &slot), -EINVAL);
	slot = 5;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_RESET_DEVICE, &slot), -ENOENT);
	slot = 1;
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_RESET_DEVICE, &slot), 0);
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_START, NULL), 0);
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_RESET_DEVICE, &slot), -EBUSY);
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_SET_WEIGHT, &w), -EBUSY);
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_STOP, (void *)8), -EINVAL);
	ck_assert_int_eq(gu_ioctl(f.link, VBUS_IOC_STOP, NULL), 0);
	fixture_close(&f);
}
END_TEST

static Suite *module_suite(void)
{
	Suite *s = suite_create("vbus.ko");
	TCase *tc = tcase_create("Core");

	tcase_add_test(tc, t_open_needs_cap_sys_admin);
	tcase_add_test(tc, t_version);
	tcase_add_test(tc, t_attach_memfd);
	tcase_add_test(tc, t_attach_rejects_bad_requests);
	tcase_add_test(tc, t_attach_pinned_range);
	tcase_add_test(tc, t_add_device_rejects_bad_requests);
	tcase_add_test(tc, t_attach_memory_rules);
	tcase_add_test(tc, t_memlock_accounting);
	tcase_add_test(tc, t_strict_ioctls);
	tcase_add_test(tc, t_kicks_are_counted_while_running);
	tcase_add_test(tc, t_rmmod_refused_while_links_open);
	tcase_add_test(tc, t_no_taint_but_out_of_tree);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * This test loads and unloads vbus and writes hostile values into its shared memory: it runs only in
 * the throwaway guest qemu-run.sh boots, which puts vbus_test_vm=1 on the kernel command line.
 */
static int in_test_vm(void)
{
	char line[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	return strstr(line, "vbus_test_vm=1") != NULL;
}

int main(void)
{
	SRunner *sr;
	int failed, ran, ret;

	if (!in_test_vm()) {
		fprintf(stderr, "vbus_kmod_test: refusing to run outside the test VM (no vbus_test_vm=1 in "
				"/proc/cmdline): it loads and unloads vbus and writes hostile values into its shared "
				"memory. Run it through tests/kernel/qemu-run.sh (ctest -L kernel).\n");
		return 1;
	}
	if (!gu_module_loaded("vbus")) {
		ret = gu_module_load(GU_MODULE_PATH);
		if (ret) {
			fprintf(stderr, "cannot load %s: %s\n", GU_MODULE_PATH, strerror(-ret));
			return 1;
		}
	}
	sr = srunner_create(module_suite());
	srunner_add_suite(sr, traffic_suite());
	srunner_add_suite(sr, bounds_suite());
	srunner_add_suite(sr, moderation_suite());
	/* Tests share the loaded module and check global state (debugfs, refcount): no fork. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	ran = srunner_ntests_run(sr);
	srunner_free(sr);
	if (!ran) { /* a CK_RUN_SUITE / CK_RUN_CASE typo is a failure, as vbus_check_run() says */
		fprintf(stderr, "no test ran: CK_RUN_SUITE='%s' CK_RUN_CASE='%s' select nothing\n",
			getenv("CK_RUN_SUITE") ? getenv("CK_RUN_SUITE") : "",
			getenv("CK_RUN_CASE") ? getenv("CK_RUN_CASE") : "");
		return 1;
	}
	return failed ? 1 : 0;
}

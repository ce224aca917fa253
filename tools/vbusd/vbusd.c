// SPDX-License-Identifier: GPL-2.0
/*
 * vbusd: vbus host daemon. An ivshmem server (QEMU docs/specs/ivshmem-spec.rst)
 * on a UNIX socket; every QEMU client gets its own vbus region on a sealed
 * memfd (docs/spec/03-bus.md), with vbusd as the south peer. The bus verbs,
 * hotplug events and the echo/null backends run on the protocol core.
 *
 * Data flow: guest doorbell (BAR0 Doorbell = south_peer << 16 | v) -> QEMU
 * writes our eventfd v -> epoll -> wakeup/drain through kernel/core -> the
 * core says NOTIFY -> we write the guest's eventfd v -> QEMU raises MSI-X v.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <vbus/dev.h>

#include "vbus_cli.h"
#include "vbusd.h"

#define VBUSD_VERSION "1.0"
#define SOUTH_PEER 0u /* vbusd's own ivshmem peer id */
#define CTRL_RING_OFF 4096u
#define EVENT_RING_OFF (CTRL_RING_OFF + 8192u)
#define DATA_OFF 65536u

int vbusd_log_level = LOG_INFO_;
static const char *const level_names[] = { "error", "warn", "info", "debug" };

void vbusd_log(int level, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	if (level > vbusd_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "vbusd[%ld.%03ld] %s: ", (long)ts.tv_sec, ts.tv_nsec / 1000000, level_names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* ---------------------------------------------------------------- config */

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Strict number (docs/cli.md); the message names @what and the range. */
static int parse_u32(const char *what, const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;

	if (vbus_parse_u64("vbusd", what, s, lo, hi, &v))
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_level(const char *s)
{
	unsigned int i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* "ID TYPE [offload]" or "ID:TYPE[:offload]" */
static int parse_device(struct vbusd_cfg *c, const char *spec, const char *where)
{
	char buf[64], *sep, *type;
	struct vbusd_devcfg *d;
	unsigned int i;

	snprintf(buf, sizeof(buf), "%s", spec);
	sep = strpbrk(buf, ": \t");
	if (!sep) {
		fprintf(stderr, "vbusd: %s: device '%s': expected ID:TYPE\n", where, spec);
		return -EINVAL;
	}
	*sep = 0;
	type = sep + 1;
	while (*type == ' ' || *type == '\t')
		type++;
	sep = strpbrk(type, ": \t");
	if (sep) {
		char *flag = sep + 1;

		*sep = 0;
		while (*flag == ' ' || *flag == '\t')
			flag++;
		c->dev[c->ndev].offload = false;
		c->dev[c->ndev].tap[0] = 0;
		if (strcmp(flag, "offload") == 0) {
			c->dev[c->ndev].offload = true;
		} else if (strncmp(flag, "tap=", 4) == 0 && flag[4] && strlen(flag + 4) < 16 &&
			   strcmp(type, "net") == 0) {
			snprintf(c->dev[c->ndev].tap, sizeof(c->dev[c->ndev].tap), "%s", flag + 4);
		} else {
			fprintf(stderr,
				"vbusd: %s: device '%s': after the type only 'offload' or (net) 'tap=NAME' (< 16 chars)\n",
				where, spec);
			return -EINVAL;
		}
	} else {
		c->dev[c->ndev].offload = false;
		c->dev[c->ndev].tap[0] = 0;
	}
	if (c->ndev >= VBUSD_MAX_DEVICES || c->ndev >= c->max_devices) {
		fprintf(stderr, "vbusd: %s: too many devices (max-devices %u)\n", where, c->max_devices);
		return -EINVAL;
	}
	d = &c->dev[c->ndev];
	if (parse_u32("device id", buf, 1, UINT32_MAX, &d->id)) {
		fprintf(stderr, "vbusd: (in %s)\n", where);
		return -EINVAL;
	}
	if (!vbusd_backend_known(type)) {
		fprintf(stderr, "vbusd: %s: device type '%s' unknown (echo, null)\n", where, type);
		return -EINVAL;
	}
	for (i = 0; i < c->ndev; i++) {
		if (c->dev[i].id == d->id) {
			fprintf(stderr, "vbusd: %s: device id %u given twice\n", where, d->id);
			return -EINVAL;
		}
	}
	snprintf(d->type, sizeof(d->type), "%s", type);
	c->ndev++;
	return 0;
}

static int cfg_set(struct vbusd_cfg *c, const char *key, const char *val, const char *where)
{
	int lvl;

	if (strcmp(key, "socket") == 0) {
		if (strlen(val) >= sizeof(c->socket)) {
			fprintf(stderr, "vbusd: %s: socket path too long\n", where);
			return -EINVAL;
		}
		snprintf(c->socket, sizeof(c->socket), "%s", val);
	} else if (strcmp(key, "size") == 0) {
		if (parse_size(val, &c->size) || c->size < 2 * DATA_OFF || (c->size & (c->size - 1)) ||
		    c->size > (1ull << 30)) {
			fprintf(stderr, "vbusd: %s: size '%s': not a power of two from 128K to 1G\n", where, val);
			return -EINVAL;
		}
	} else if (strcmp(key, "vectors") == 0) {
		if (parse_u32("vectors", val, 1, VBUSD_MAX_VECTORS, &c->vectors)) {
			fprintf(stderr, "vbusd: (in %s)\n", where);
			return -EINVAL;
		}
	} else if (strcmp(key, "max-devices") == 0) {
		if (parse_u32("max-devices", val, 1, VBUSD_MAX_DEVICES, &c->max_devices)) {
			fprintf(stderr, "vbusd: (in %s)\n", where);
			return -EINVAL;
		}
	} else if (strcmp(key, "budget") == 0) {
		if (parse_u32("budget", val, 1, 1u << 20, &c->budget)) {
			fprintf(stderr, "vbusd: (in %s)\n", where);
			return -EINVAL;
		}
	} else if (strcmp(key, "log-level") == 0) {
		lvl = parse_level(val);
		if (lvl < 0) {
			fprintf(stderr, "vbusd: %s: log-level '%s': error, warn, info or debug\n", where, val);
			return -EINVAL;
		}
		vbusd_log_level = lvl;
	} else if (strcmp(key, "device") == 0) {
		return parse_device(c, val, where);
	} else if (strcmp(key, "offload") == 0) {
		if (strcmp(val, "yes") && strcmp(val, "no")) {
			fprintf(stderr, "vbusd: %s: offload '%s': yes or no\n", where, val);
			return -EINVAL;
		}
		c->offload_all = strcmp(val, "yes") == 0;
	} else {
		fprintf(stderr, "vbusd: %s: unknown key '%s'\n", where, key);
		return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

/* Config file: "key = value" lines, '#' comments (see vbusd.conf.example). */
static int cfg_load(struct vbusd_cfg *c, const char *path)
{
	char line[512], where[PATH_MAX + 32], *k, *eq;
	unsigned int n = 0;
	FILE *f = fopen(path, "r");
	struct stat st;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "vbusd: cannot open config %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "vbusd: config %s: %s\n", path,
			S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		fclose(f);
		return -EINVAL;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		snprintf(where, sizeof(where), "%s:%u", path, n);
		if (strchr(line, '#'))
			*strchr(line, '#') = 0;
		k = trim(line);
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			fprintf(stderr, "vbusd: %s: expected 'key = value'\n", where);
			ret = -EINVAL;
			break;
		}
		*eq = 0;
		ret = cfg_set(c, trim(k), trim(eq + 1), where);
		if (ret)
			break;
	}
	fclose(f);
	return ret;
}

static void cfg_defaults(struct vbusd_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->size = 4u << 20;
	c->vectors = 4;
	c->max_devices = 16;
	c->budget = 16;
	c->batch = 256;
}

/* ---------------------------------------------------------------- links */

static struct vbusd_cfg cfg;
static const char *cfg_path;
static struct vbusd_link *links;
static int epfd = -1;
static uint32_t next_peer = 1;

/* epoll tags: the low 8 bits say what the fd is */
enum { TAG_LISTEN = 1, TAG_SIGNAL, TAG_CLIENT, TAG_DOORBELL, TAG_TAP };

static uint64_t tag(int kind, struct vbusd_link *l, uint32_t v)
{
	return (uint64_t)kind | ((uint64_t)v << 8) | (l ? ((uint64_t)(uintptr_t)l << 16) : 0);
}

void vbusd_tap_arm(struct vbusd_dev *d, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0,
				  .data.u64 = tag(TAG_TAP, d->link, (uint32_t)(d - d->link->dev)) };

	if (d->tapfd < 0 || d->tap_armed == on)
		return;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, d->tapfd, &ev) == 0)
		d->tap_armed = on;
}

/* One ivshmem message: a little-endian int64, optionally with one fd (SCM_RIGHTS). */
static int send_msg(int sock, int64_t val, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	int64_t le = (int64_t)htole64((uint64_t)val);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(le) ? 0 : -EIO;
}

/* The module's counters of an offloaded device, into the log. */
static void offload_log_stats(struct vbusd_dev *d)
{
	struct vbus_ioc_stats st = { .slot = 0 };

	if (d->kfd < 0 || ioctl(d->kfd, VBUS_IOC_GET_STATS, &st))
		return;
	log_info(
		"offload peer=%u dev=%u type=%s messages=%llu doorbells=%llu interrupts=%llu suppressed=%llu violations=%llu broken=%u",
		d->link->peer, d->id, d->type, (unsigned long long)st.messages, (unsigned long long)st.doorbells,
		(unsigned long long)st.interrupts, (unsigned long long)st.suppressed, (unsigned long long)st.violations,
		st.broken);
	d->msgs = st.messages;
	d->violations = st.violations;
}

static int kioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) == 0)
		return 0;
	log_warn("/dev/vbus %s: %s", what, strerror(errno));
	return -errno;
}

static void link_dev_detach(struct vbusd_dev *d)
{
	if (!d->id)
		return;
	if (d->attached)
		log_info("peer %u device %u (%s): rings detached (msgs %llu)", d->link->peer, d->id, d->type,
			 (unsigned long long)d->msgs);
	if (d->kfd >= 0) {
		offload_log_stats(d);
		close(d->kfd); /* the module's link goes with its last close (TR-4) */
		d->kfd = -1;
	}
	d->parked = false;
	d->attached = false;
}

/*
 * North re-attaches (BUS-8: guest driver reload, guest reboot) or closes the
 * device: an offloaded device's module link is STOPped and kept, so that the
 * next registration at the same rings only needs RESET_DEVICE + START (the
 * module's lifecycle for a guest reboot, spec §5.2); others are detached.
 */
static void link_dev_release(struct vbusd_dev *d)
{
	if (d->kfd < 0 || d->parked) {
		if (d->kfd < 0)
			link_dev_detach(d);
		d->attached = false;
		return;
	}
	if (kioctl(d->kfd, VBUS_IOC_STOP, NULL, "STOP")) {
		link_dev_detach(d);
		return;
	}
	offload_log_stats(d);
	log_info("peer %u device %u (%s): module link stopped, kept for re-attach", d->link->peer, d->id, d->type);
	d->parked = true;
	d->attached = false;
}

/*
 * A parked device registered again: at the same rings and signals RESET_DEVICE
 * (forget ring state and broken) and START; else the link is closed and the
 * caller adds the device afresh. 0 when the module serves it again.
 */
static int offload_resume(struct vbusd_dev *d)
{
	uint32_t slot = 0;

	if (d->koff[0] != d->ring_off[0] || d->koff[1] != d->ring_off[1] || d->khandle[0] != d->handle[0] ||
	    d->khandle[1] != d->handle[1] || kioctl(d->kfd, VBUS_IOC_RESET_DEVICE, &slot, "RESET_DEVICE") ||
	    kioctl(d->kfd, VBUS_IOC_START, NULL, "START")) {
		close(d->kfd);
		d->kfd = -1;
		d->parked = false;
		return -EAGAIN;
	}
	d->parked = false;
	return 0;
}

/*
 * Offload (§5.2): one /dev/vbus link per device, fed the region's memfd, the
 * device's rings and the same eventfds QEMU uses (doorbells: our eventfds;
 * interrupts: the guest's). 0, or -errno (the caller serves it in userspace).
 */
static int offload_attach(struct vbusd_link *l, struct vbusd_dev *d)
{
	struct vbus_ioc_shm shm = { .fd = l->memfd, .size = l->size };
	struct vbus_ioc_device dev = { .slot = 0, .id = d->id, .version = 1 };
	struct vbus_ioc_eventfd e;
	unsigned int r, n = strcmp(d->type, "null") == 0 ? 1 : 2;
	int fd = open("/dev/vbus", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	snprintf(dev.type, sizeof(dev.type), "%s", d->type);
	ret = kioctl(fd, VBUS_IOC_ATTACH_SHM, &shm, "ATTACH_SHM");
	/* a one-ring backend (null): ring 1's offset and signal stay 0 (spec §5.2 TR-7) */
	for (r = 0; !ret && r < n; r++) {
		uint32_t h = d->handle[r];
		uint32_t v = vbusd_vector(l, h);

		dev.ring_off[r] = d->ring_off[r];
		dev.signal[r] = h;
		if (h >= VBUS_IOC_MAX_SIGNALS) {
			ret = -ERANGE;
			break;
		}
		e.index = h;
		e.fd = l->south_efd[v];
		ret = kioctl(fd, VBUS_IOC_SET_KICK, &e, "SET_KICK");
		e.fd = l->north_efd[v];
		if (!ret)
			ret = kioctl(fd, VBUS_IOC_SET_CALL, &e, "SET_CALL");
	}
	/*
	 * No VBUS_IOC_DEV_F_LATE: north registers a ring only after building it
	 * (bus verb SHM), so the module validates it now and a bad ring is a
	 * clear error here rather than a silent retry.
	 */
	/*
	 * VBUS_IOC_DEV_F_RECORD: the module writes BROKEN into the device's
	 * table record itself when it breaks the device (§5.2 TR-9); the record
	 * (written by vbus_bus_add_device, with this id) is the ABI's
	 * struct vbus_device_record at the bus's device_table_off + slot.
	 */
	{
		struct vbus_dev_state *ds = vbus_bus_find(l->bus, d->id);

		if (ds) {
			dev.flags |= VBUS_IOC_DEV_F_RECORD;
			dev.record_off = l->bus->device_table_off +
					 (uint64_t)(ds - l->bus->dev) * sizeof(struct vbus_device_record);
		}
	}
	if (!ret)
		ret = kioctl(fd, VBUS_IOC_ADD_DEVICE, &dev, "ADD_DEVICE");
	if (!ret)
		ret = kioctl(fd, VBUS_IOC_START, NULL, "START");
	if (ret) {
		close(fd);
		return ret;
	}
	d->kfd = fd;
	d->parked = false;
	for (r = 0; r < 2; r++) {
		d->koff[r] = dev.ring_off[r];
		d->khandle[r] = dev.signal[r];
	}
	return 0;
}

static void link_log_stats(const struct vbusd_link *l)
{
	unsigned int i;

	log_info("stats peer=%u doorbells=%llu irqs=%llu suppressed=%llu verbs=%llu events=%llu", l->peer,
		 (unsigned long long)l->doorbells, (unsigned long long)l->irqs, (unsigned long long)l->suppressed,
		 (unsigned long long)l->verbs, (unsigned long long)l->events);
	for (i = 0; i < VBUSD_MAX_DEVICES; i++) {
		const struct vbusd_dev *d = &l->dev[i];

		if (!d->id)
			continue;
		log_info("stats peer=%u dev=%u type=%s msgs=%llu bytes=%llu errors=%llu violations=%llu broken=%d",
			 l->peer, d->id, d->type, (unsigned long long)d->msgs, (unsigned long long)d->bytes,
			 (unsigned long long)d->errors, (unsigned long long)d->violations, d->broken);
		if (d->tapfd >= 0)
			log_info("stats peer=%u dev=%u tap=%s tx_frames=%llu rx_frames=%llu rx_bytes=%llu drops=%llu",
				 l->peer, d->id, d->tap, (unsigned long long)d->msgs, (unsigned long long)d->rx_frames,
				 (unsigned long long)d->rx_bytes, (unsigned long long)d->drops);
	}
}

static void link_free(struct vbusd_link *l)
{
	unsigned int v;

	for (v = 0; v < VBUSD_MAX_DEVICES; v++)
		if (l->dev[v].id)
			link_dev_detach(&l->dev[v]);
	link_log_stats(l);
	for (v = 0; v < VBUSD_MAX_DEVICES; v++) {
		if (l->dev[v].tapfd >= 0) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, l->dev[v].tapfd, NULL);
			close(l->dev[v].tapfd);
			l->dev[v].tapfd = -1;
		}
	}
	for (v = 0; v < l->vectors; v++) {
		if (l->south_efd[v] >= 0) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, l->south_efd[v], NULL);
			close(l->south_efd[v]);
		}
		if (l->north_efd[v] >= 0)
			close(l->north_efd[v]);
	}
	if (l->sock >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, l->sock, NULL);
		close(l->sock);
	}
	if (l->region)
		munmap(l->region, l->size);
	if (l->memfd >= 0)
		close(l->memfd);
	free(l->bus);
	free(l);
}

static struct vbusd_dev *link_dev_slot(struct vbusd_link *l, uint32_t id, bool create)
{
	unsigned int i;

	for (i = 0; i < VBUSD_MAX_DEVICES; i++)
		if (l->dev[i].id == id)
			return &l->dev[i];
	if (!create)
		return NULL;
	for (i = 0; i < VBUSD_MAX_DEVICES; i++)
		if (!l->dev[i].id)
			return &l->dev[i];
	return NULL;
}

static int link_add_device(struct vbusd_link *l, const struct vbusd_devcfg *dc, bool announce)
{
	struct vbusd_dev *d = link_dev_slot(l, dc->id, true);
	int ret;

	if (!d)
		return -ENOSPC;
	ret = vbus_bus_add_device(l->bus, dc->id, dc->type, 1, 0, 2, announce);
	if (ret < 0)
		return ret;
	memset(d, 0, sizeof(*d));
	d->id = dc->id;
	d->link = l;
	d->kfd = -1;
	d->tapfd = -1;
	snprintf(d->tap, sizeof(d->tap), "%s", dc->tap);
	d->offload = dc->offload || cfg.offload_all;
	snprintf(d->type, sizeof(d->type), "%s", dc->type);
	return 0;
}

static int uint_owner(uint32_t peer)
{
	struct vbusd_link *l;

	for (l = links; l; l = l->next)
		if (l->peer == peer)
			return 1;
	return 0;
}

static uint32_t alloc_peer(void)
{
	unsigned int tries;

	for (tries = 0; tries < 65535; tries++) {
		uint32_t p = next_peer;

		next_peer = next_peer >= 65535 ? 1 : next_peer + 1;
		if (!uint_owner(p))
			return p;
	}
	return 0;
}

static int link_create(int sock)
{
	struct vbusd_link *l = calloc(1, sizeof(*l));
	struct vbus_bus_layout lay;
	struct epoll_event ev;
	unsigned int v, i;
	int ret = -ENOMEM;

	if (!l)
		goto fail_sock;
	l->sock = sock;
	l->memfd = -1;
	l->vectors = cfg.vectors;
	for (v = 0; v < VBUSD_MAX_VECTORS; v++)
		l->north_efd[v] = l->south_efd[v] = -1;
	for (i = 0; i < VBUSD_MAX_DEVICES; i++)
		l->dev[i].kfd = l->dev[i].tapfd = -1;
	l->peer = alloc_peer();
	if (!l->peer) {
		log_err("no free peer id");
		ret = -ENOSPC;
		goto fail;
	}
	l->bus = calloc(1, sizeof(*l->bus));
	if (!l->bus)
		goto fail;
	l->size = cfg.size;
	l->memfd = memfd_create("vbus-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (l->memfd < 0 || ftruncate(l->memfd, (off_t)l->size) ||
	    fcntl(l->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		ret = -errno;
		log_err("memfd: %s", strerror(errno));
		goto fail;
	}
	l->region = mmap(NULL, l->size, PROT_READ | PROT_WRITE, MAP_SHARED, l->memfd, 0);
	if (l->region == MAP_FAILED) {
		l->region = NULL;
		ret = -errno;
		goto fail;
	}
	memset(&lay, 0, sizeof(lay));
	lay.max_devices = cfg.max_devices;
	lay.device_table_off = 128;
	lay.ctrl_ring_off = CTRL_RING_OFF;
	lay.event_ring_off = EVENT_RING_OFF;
	lay.data_off = DATA_OFF;
	lay.data_len = l->size - DATA_OFF;
	lay.north_peer = l->peer;
	lay.south_peer = SOUTH_PEER;
	ret = vbus_bus_create(l->bus, l->region, l->size, &lay);
	if (ret)
		goto fail;
	for (i = 0; i < cfg.ndev; i++) {
		ret = link_add_device(l, &cfg.dev[i], false);
		if (ret) {
			log_err("device %u: %s", cfg.dev[i].id, strerror(-ret));
			goto fail;
		}
	}
	for (v = 0; v < l->vectors; v++) {
		l->north_efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		l->south_efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (l->north_efd[v] < 0 || l->south_efd[v] < 0) {
			ret = -errno;
			goto fail;
		}
		ev.events = EPOLLIN;
		ev.data.u64 = tag(TAG_DOORBELL, l, v);
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, l->south_efd[v], &ev)) {
			ret = -errno;
			goto fail;
		}
	}
	/*
	 * ivshmem server protocol: version 0, the client's id, the shm fd with
	 * id -1, then the other peers' eventfds (only vbusd, south), then the
	 * client's own eventfds (the vectors it is interrupted on).
	 */
	ret = send_msg(sock, 0, -1);
	if (!ret)
		ret = send_msg(sock, l->peer, -1);
	if (!ret)
		ret = send_msg(sock, -1, l->memfd);
	for (v = 0; !ret && v < l->vectors; v++)
		ret = send_msg(sock, SOUTH_PEER, l->south_efd[v]);
	for (v = 0; !ret && v < l->vectors; v++)
		ret = send_msg(sock, l->peer, l->north_efd[v]);
	if (ret) {
		log_warn("client hung up during setup");
		goto fail;
	}
	ev.events = EPOLLRDHUP | EPOLLHUP | EPOLLIN;
	ev.data.u64 = tag(TAG_CLIENT, l, 0);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sock, &ev)) {
		ret = -errno;
		goto fail;
	}
	l->next = links;
	links = l;
	log_info("client connected: peer %u, region %llu bytes, %u vectors, %u devices", l->peer,
		 (unsigned long long)l->size, l->vectors, cfg.ndev);
	return 0;
fail:
	if (l) {
		l->sock = -1;
		link_free(l);
	}
fail_sock:
	close(sock);
	return ret;
}

static void link_remove(struct vbusd_link *l)
{
	struct vbusd_link **p;

	for (p = &links; *p; p = &(*p)->next) {
		if (*p == l) {
			*p = l->next;
			break;
		}
	}
	log_info("client disconnected: peer %u", l->peer);
	link_free(l);
}

/* ---------------------------------------------------------------- serving */

static void link_kick(struct vbusd_link *l, struct ioq *q)
{
	int ret = ioq_kick(q);

	if (ret == SHM_SIGNAL_NOTIFY)
		vbusd_notify_north(l, 0);
	else if (ret == SHM_SIGNAL_SUPPRESS || ret == SHM_SIGNAL_EVSKIP)
		l->suppressed++;
}

/* BUS-8: north (re)initialised its rings: forget ours and attach afresh. */
static void link_attach(struct vbusd_link *l, uint32_t gen)
{
	unsigned int i;

	for (i = 0; i < VBUSD_MAX_DEVICES; i++)
		link_dev_release(&l->dev[i]);
	vbus_bus_reset_north(l->bus);
	l->rings = false;
	l->ctrl_broken = false;
	l->gen = gen;
	if (vbus_bus_check(l->bus) || ioq_south_attach(&l->ctrl, l->region, l->size, CTRL_RING_OFF) ||
	    ioq_south_attach(&l->event, l->region, l->size, EVENT_RING_OFF)) {
		log_warn("peer %u: north's rings at generation %u do not pass the attach checks", l->peer, gen);
		l->bus->broken = false; /* a later generation may be good */
		return;
	}
	l->rings = true;
	/* South listens on both bus rings; a fresh ring has nothing dirty (SELF is harmless). */
	shm_signal_enable(&l->ctrl.sig);
	shm_signal_enable(&l->event.sig);
	vbus_bus_set_link(l->bus, gen, true);
	vbusd_notify_north(l, 0);
	log_info("peer %u: north attached (generation %u)", l->peer, gen);
}

/* After control verbs: attach the rings of devices north registered, drop the others. */
static void link_sync_devices(struct vbusd_link *l)
{
	unsigned int i, r;

	for (i = 0; i < VBUSD_MAX_DEVICES; i++) {
		struct vbusd_dev *d = &l->dev[i];
		struct vbus_dev_state *ds;
		bool ready;

		if (!d->id)
			continue;
		ds = vbus_bus_find(l->bus, d->id);
		if (!ds) {
			link_dev_detach(d);
			continue;
		}
		if (ds->state == VBUS_DEV_BROKEN)
			continue;
		d->broken = false;
		ready = ds->state == VBUS_DEV_OPEN && ds->shm[0].used &&
			(strcmp(d->type, "null") == 0 || ds->shm[1].used);
		if (d->attached && (!ready || ds->shm[0].offset != d->ring_off[0] || ds->shm[0].handle != d->handle[0]))
			link_dev_release(d);
		if (!ready || d->attached)
			continue;
		for (r = 0; r < 2; r++) {
			const struct vbus_shm_reg *reg = &ds->shm[r];

			if (r == 1 && strcmp(d->type, "null") == 0)
				break;
			if (reg->sigdesc != reg->offset + ioq_signal_offset() ||
			    ioq_south_attach(&d->q[r], l->region, l->size, reg->offset) ||
			    VBUS_IOQ_RING_SIZE((uint64_t)d->q[r].cnt) > reg->len) {
				d->violations++;
				d->broken = true;
				vbus_bus_fault(l->bus, d->id);
				log_warn("peer %u device %u: ring %u registration is not a valid ring: broken", l->peer,
					 d->id, r);
				break;
			}
			d->ring_off[r] = reg->offset;
			d->handle[r] = reg->handle;
			/*
			 * South listens on tx; on rx (echo) only while it waits for a
			 * buffer (backend.c), so posting buffers costs north no doorbell.
			 */
			if (r == 0)
				shm_signal_enable(&d->q[r].sig);
		}
		if (d->broken)
			continue;
		d->attached = true;
		if (d->parked && offload_resume(d) == 0)
			log_info("peer %u device %u (%s): offloaded to /dev/vbus again (RESET_DEVICE), signals %u/%u",
				 l->peer, d->id, d->type, d->handle[0], d->handle[1]);
		else if (d->offload) {
			int ret = offload_attach(l, d);

			if (ret)
				log_warn("peer %u device %u: offload to /dev/vbus failed (%s): serving it here",
					 l->peer, d->id, strerror(-ret));
			else
				log_info("peer %u device %u (%s): offloaded to /dev/vbus, signals %u/%u", l->peer,
					 d->id, d->type, d->handle[0], d->handle[1]);
		}
		if (d->kfd < 0)
			log_info("peer %u device %u (%s): rings attached, signals %u/%u", l->peer, d->id, d->type,
				 d->handle[0], d->handle[1]);
		if (d->kfd < 0 && strcmp(d->type, "net") == 0 && d->tapfd < 0) {
			char name[16];
			struct epoll_event ev = { .events = EPOLLIN,
						  .data.u64 = tag(TAG_TAP, l, (uint32_t)(d - l->dev)) };
			int ret;

			if (d->tap[0])
				snprintf(name, sizeof(name), "%s", d->tap);
			else
				snprintf(name, sizeof(name), "vbus%u-%u", l->peer % 1000, d->id % 10000);
			ret = vbusd_net_open(d, name);
			if (ret || epoll_ctl(epfd, EPOLL_CTL_ADD, d->tapfd, &ev)) {
				log_err("peer %u device %u: TAP %s: %s", l->peer, d->id, name,
					strerror(ret ? -ret : errno));
				if (d->tapfd >= 0)
					close(d->tapfd);
				d->tapfd = -1;
			} else {
				d->tap_armed = true;
				log_info("peer %u device %u (net): TAP %s", l->peer, d->id, d->tap);
			}
		}
	}
}

static void offload_check_broken(struct vbusd_link *l, bool force);

static void bus_drain(void *arg)
{
	struct vbusd_link *l = arg;
	int ret, n = 0;

	if (l->ctrl_broken)
		return;
	if (ioq_peek(&l->ctrl) > 0)
		offload_check_broken(l, true); /* before verbs publish any record */
	ret = ioq_pop(&l->ctrl, cfg.batch, vbus_bus_ctrl_pop, l->bus, NULL);
	if (ret == -EIO) {
		l->ctrl_broken = true;
		log_warn("peer %u: control ring violation (%s): bus stopped until north reattaches", l->peer,
			 l->ctrl.violation ? l->ctrl.violation : "?");
		return;
	}
	if (ret > 0) {
		l->verbs += ret;
		link_kick(l, &l->ctrl);
		link_sync_devices(l);
	}
	while (vbus_bus_events_queued(l->bus) && n < (int)cfg.batch) {
		ret = ioq_peek(&l->event);
		if (ret <= 0)
			break;
		ret = ioq_pop(&l->event, 1, vbus_bus_event_pop, l->bus, NULL);
		if (ret <= 0)
			break;
		n++;
	}
	if (n) {
		l->events += n;
		link_kick(l, &l->event);
	}
}

/*
 * The module serves an offloaded device's rings, marks it broken on a
 * violation and writes BROKEN into its record (VBUS_IOC_DEV_F_RECORD).
 * vbusd's own state must agree, or a later publish of that record (a verb)
 * would overwrite BROKEN: it looks at GET_STATS before every control pass
 * (@force) and at most every 100 ms when north rings a doorbell, and faults
 * the device in the bus core (which publishes BROKEN too).
 */
static void offload_check_broken(struct vbusd_link *l, bool force)
{
	struct timespec ts;
	uint64_t now;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (i = 0; i < VBUSD_MAX_DEVICES; i++) {
		struct vbusd_dev *d = &l->dev[i];
		struct vbus_ioc_stats st = { .slot = 0 };

		if (d->kfd < 0 || d->parked || d->broken || (!force && now - d->kchecked_ns < 100000000ull))
			continue;
		d->kchecked_ns = now;
		if (ioctl(d->kfd, VBUS_IOC_GET_STATS, &st) || !st.broken)
			continue;
		d->broken = true;
		d->violations = st.violations;
		vbus_bus_fault(l->bus, d->id);
		log_warn("peer %u device %u (%s): the module marked it broken (violations %llu)", l->peer, d->id,
			 d->type, (unsigned long long)st.violations);
	}
}

static void link_serve(struct vbusd_link *l)
{
	uint32_t gen = vbus_bus_north_gen(l->bus);
	unsigned int iter;

	l->resched = false;
	if (gen && gen != l->gen)
		link_attach(l, gen);
	if (!l->rings)
		return;
	if (shm_signal_wakeup(&l->ctrl.sig, bus_drain, l, cfg.budget, &iter) == SHM_SIGNAL_RESCHED)
		l->resched = true;
	if (shm_signal_wakeup(&l->event.sig, bus_drain, l, cfg.budget, &iter) == SHM_SIGNAL_RESCHED)
		l->resched = true;
	vbusd_serve_devices(l, &cfg);
	offload_check_broken(l, false);
}

/* SIGHUP: re-read the config; devices that appeared are added (DEVADD), gone ones dropped (DEVDROP). */
static void reload(void)
{
	struct vbusd_cfg nc;
	struct vbusd_link *l;
	unsigned int i, k;

	if (!cfg_path) {
		log_warn("SIGHUP: no config file to reload");
		return;
	}
	cfg_defaults(&nc);
	if (cfg_load(&nc, cfg_path)) {
		log_err("SIGHUP: %s has errors; keeping the running configuration", cfg_path);
		return;
	}
	for (l = links; l; l = l->next) {
		for (i = 0; i < VBUSD_MAX_DEVICES; i++) {
			struct vbusd_dev *d = &l->dev[i];
			bool keep = false;

			if (!d->id)
				continue;
			for (k = 0; k < nc.ndev; k++)
				keep |= nc.dev[k].id == d->id && strcmp(nc.dev[k].type, d->type) == 0;
			if (keep)
				continue;
			link_dev_detach(d);
			vbus_bus_drop_device(l->bus, d->id);
			log_info("peer %u: device %u (%s) removed", l->peer, d->id, d->type);
			memset(d, 0, sizeof(*d));
			d->kfd = -1;
		}
		for (k = 0; k < nc.ndev; k++) {
			if (link_dev_slot(l, nc.dev[k].id, false))
				continue;
			if (link_add_device(l, &nc.dev[k], true))
				log_err("peer %u: device %u could not be added", l->peer, nc.dev[k].id);
			else
				log_info("peer %u: device %u (%s) added", l->peer, nc.dev[k].id, nc.dev[k].type);
		}
		if (l->rings)
			link_serve(l); /* deliver the events if north has buffers posted */
	}
	/* keep the socket and sizes the daemon started with; take the new device list */
	cfg.ndev = nc.ndev;
	memcpy(cfg.dev, nc.dev, sizeof(cfg.dev));
}

static void shutdown_links(void)
{
	while (links) {
		struct vbusd_link *l = links;

		links = l->next;
		if (l->rings || l->gen) {
			vbus_bus_set_link(l->bus, l->gen, false);
			vbusd_notify_north(l, 0);
		}
		link_free(l);
	}
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f, "usage: vbusd [OPTION]...\n"
		   "vbus host daemon: serves QEMU ivshmem-doorbell devices (one vbus region per client)\n"
		   "on a UNIX socket, with the bus verbs, hotplug and userspace device backends.\n"
		   "\n"
		   "  -c, --config FILE      read settings from FILE (key = value; see vbusd.conf.example)\n"
		   "  -s, --socket PATH      UNIX socket QEMU connects to (required, here or in the config)\n"
		   "  -S, --size BYTES       region size per client, power of two, K/M/G suffix (default 4M)\n"
		   "  -V, --vectors N        eventfds per peer; must equal QEMU's vectors= (default 4)\n"
		   "  -d, --device ID:TYPE[:offload|:tap=NAME]  add a device (types: echo, null, net);\n"
		   "                         repeatable; net: the TAP to create or take (default vbusP-ID)\n"
		   "                         :offload hands it to the /dev/vbus host module when present\n"
		   "  -o, --offload          offload every device to /dev/vbus when present\n"
		   "  -m, --max-devices N    device table slots (default 16)\n"
		   "  -b, --budget N         drain passes per wakeup before yielding (default 16)\n"
		   "  -l, --log-level LEVEL  error, warn, info (default) or debug\n"
		   "  -p, --pidfile FILE     write the daemon's pid to FILE once the socket listens\n"
		   "  -h, --help             show this help and exit\n"
		   "      --version          show the version and exit\n"
		   "\n"
		   "Signals: SIGTERM/SIGINT: mark every link down (the guest sees it), exit 0.\n"
		   "         SIGHUP: re-read the config's device list (hotplug: DEVADD/DEVDROP).\n"
		   "         SIGUSR1: log per-link and per-device counters.\n"
		   "Exit status: 0 on a clean shutdown, 1 on a runtime error, 2 on a usage error.\n"
		   "Example QEMU side: -chardev socket,path=PATH,id=vbus0\n"
		   "                   -device ivshmem-doorbell,chardev=vbus0,vectors=N\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "socket", required_argument, NULL, 's' },
					      { "size", required_argument, NULL, 'S' },
					      { "vectors", required_argument, NULL, 'V' },
					      { "device", required_argument, NULL, 'd' },
					      { "max-devices", required_argument, NULL, 'm' },
					      { "budget", required_argument, NULL, 'b' },
					      { "offload", no_argument, NULL, 'o' },
					      { "log-level", required_argument, NULL, 'l' },
					      { "pidfile", required_argument, NULL, 'p' },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, 1 },
					      { NULL, 0, NULL, 0 } };
	const char *pidfile = NULL;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct epoll_event ev, evs[32];
	sigset_t mask;
	int c, i, n, lfd, sfd, running = 1, rc = 0;
	char *argval;

	cfg_defaults(&cfg);
	/* the config file first, so command-line options override it */
	for (i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			cfg_path = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			cfg_path = argv[i] + 9;
	}
	/* --help wins over everything else on the line (docs/cli.md) */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	}
	if (cfg_path && cfg_load(&cfg, cfg_path))
		return 1; /* a malformed file: a runtime failure (the message says where) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:s:S:V:d:m:b:l:p:ho", opts, NULL)) != -1) {
		const char *key = NULL;

		argval = optarg;
		switch (c) {
		case 'c':
			continue;
		case 's':
			key = "socket";
			break;
		case 'S':
			key = "size";
			break;
		case 'V':
			key = "vectors";
			break;
		case 'd':
			key = "device";
			break;
		case 'm':
			key = "max-devices";
			break;
		case 'b':
			key = "budget";
			break;
		case 'l':
			key = "log-level";
			break;
		case 'p':
			pidfile = optarg;
			continue;
		case 'o':
			cfg.offload_all = true;
			continue;
		case 'h':
			usage(stdout);
			return 0;
		case 1:
			printf("vbusd %s (vbus protocol %u)\n", VBUSD_VERSION, VBUS_SHM_VERSION);
			return 0;
		default:
			return vbus_getopt_error("vbusd", c, argv[optind - 1], optopt);
		}
		/* every key above is also its long option's name */
		if (cfg_set(&cfg, key, argval, "command line"))
			return vbus_usage_error("vbusd", "bad value '%s' for --%s", argval, key);
	}
	if (optind < argc)
		return vbus_usage_error("vbusd", "unexpected argument '%s'", argv[optind]);
	if (!cfg.socket[0])
		return vbus_usage_error("vbusd", "no socket given (--socket PATH or 'socket =' in the config)");

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sfd < 0 || epfd < 0 || lfd < 0) {
		log_err("setup: %s", strerror(errno));
		return 1;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", cfg.socket);
	unlink(cfg.socket);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 16)) {
		log_err("socket %s: %s", cfg.socket, strerror(errno));
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = tag(TAG_LISTEN, NULL, 0);
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.u64 = tag(TAG_SIGNAL, NULL, 0);
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");

		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
			log_err("pidfile %s: %s", pidfile, strerror(errno));
			return 1;
		}
	}
	log_info("listening on %s (%u devices, region %llu bytes, %u vectors)", cfg.socket, cfg.ndev,
		 (unsigned long long)cfg.size, cfg.vectors);

	while (running) {
		bool resched = false;
		struct vbusd_link *l;

		for (l = links; l; l = l->next)
			resched |= l->resched;
		n = epoll_wait(epfd, evs, 32, resched ? 0 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			rc = 1;
			break;
		}
		for (i = 0; i < n; i++) {
			uint64_t t = evs[i].data.u64;
			struct vbusd_link *lk = (struct vbusd_link *)(uintptr_t)(t >> 16);
			uint32_t v = (t >> 8) & 0xff;

			switch (t & 0xff) {
			case TAG_LISTEN: {
				int cs = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

				if (cs >= 0)
					link_create(cs);
				break;
			}
			case TAG_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					break;
				if (si.ssi_signo == SIGHUP) {
					reload();
				} else if (si.ssi_signo == SIGUSR1) {
					for (l = links; l; l = l->next)
						link_log_stats(l);
				} else {
					log_info("signal %d: shutting down", (int)si.ssi_signo);
					running = 0;
				}
				break;
			}
			case TAG_CLIENT:
				/* clients never send; any event is a hang-up */
				link_remove(lk);
				/* later events of this batch may name it: drop them */
				for (c = i + 1; c < n; c++)
					if ((evs[c].data.u64 >> 16) == (t >> 16))
						evs[c].data.u64 = 0;
				break;
			case TAG_TAP:
				if (v < VBUSD_MAX_DEVICES)
					vbusd_net_rx(&lk->dev[v], cfg.batch);
				break;
			case TAG_DOORBELL: {
				eventfd_t cnt;

				if (eventfd_read(lk->south_efd[v], &cnt) == 0)
					lk->doorbells += cnt;
				link_serve(lk);
				break;
			}
			default:
				break;
			}
		}
		if (resched)
			for (l = links; l; l = l->next)
				if (l->resched)
					link_serve(l);
	}
	shutdown_links();
	close(lfd);
	unlink(cfg.socket);
	if (pidfile)
		unlink(pidfile);
	return rc;
}

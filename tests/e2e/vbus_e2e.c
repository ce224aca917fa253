// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-e2e: the guest side of the end-to-end tests (static; runs in the
 * QEMU-booted test kernel).
 *
 *   vbus-e2e echo DEV COUNT SEED [WINDOW]
 *       send COUNT messages of pseudo-random sizes (16 .. 1024 bytes) through
 *       /dev/vbus-echoN, up to WINDOW (default 32) in flight; every echo must
 *       come back whole, in order, with its checksum. Prints the counts and
 *       the driver's sysfs counters (before/after deltas).
 *   vbus-e2e wait-dev DEV SECONDS
 *       wait until DEV exists (hotplug), 0 when it does.
 *   vbus-e2e wait-gone DEV SECONDS
 *       wait until DEV is gone.
 *   vbus-e2e expect-errno DEV ERRNO-NAME
 *       one write+read must fail with the given errno (e.g. ENOLINK).
 *   vbus-e2e bench PATH COUNT SIZE WINDOW IRQ-MATCH
 *       benchmark (figures, no verdict): COUNT messages of SIZE bytes through
 *       PATH (a vbus echo device, or a stream such as a virtio-serial port
 *       whose host end echoes), WINDOW in flight; prints msgs/s, the mean
 *       round trip and the interrupts per message of the /proc/interrupts
 *       lines containing IRQ-MATCH.
 *   vbus-e2e netsnap IFACE IRQ-MATCH
 *       one line: the interface's ethtool statistics (SIOCETHTOOL, as
 *       `ethtool -S` reads them) and the sum of the /proc/interrupts lines
 *       containing IRQ-MATCH, as key=value pairs (benchmark snapshots).
 *   vbus-e2e host-echo SOCKET
 *       (host side) listen on a UNIX socket, accept one connection, echo
 *       every byte until EOF.
 *   vbus-e2e hostile PCI-SLOT OFFSET LEN DOORBELLS
 *       a hostile guest: through the device's sysfs resource files, overwrite
 *       [OFFSET, OFFSET+LEN) of BAR2 with pseudo-random bytes (the rings of a
 *       device live there), then write DOORBELLS doorbells to every vector.
 *
 * Exit: 0 pass, 1 failure (printed), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "vbus_cli.h"

#define MSG_MIN 16u
#define MSG_MAX 1024u

struct hdr {
	uint32_t len;
	uint32_t sum; /* FNV-1a of seq and payload */
	uint64_t seq;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static uint32_t msg_len(uint64_t seed, uint64_t seq)
{
	return MSG_MIN + (uint32_t)(mix(seed * 0x9e3779b97f4a7c15ull + seq) % (MSG_MAX - MSG_MIN + 1));
}

static uint32_t fnv(const uint8_t *p, size_t n, uint64_t seq)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < 8; i++)
		h = (h ^ (uint8_t)(seq >> (8 * i))) * 16777619u;
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static size_t msg_build(uint8_t *buf, uint64_t seed, uint64_t seq)
{
	struct hdr h = { .len = msg_len(seed, seq), .seq = seq };
	uint64_t x = mix(seed ^ (seq << 1));
	size_t i;

	for (i = sizeof(h); i < h.len; i++) {
		if ((i & 7) == 0)
			x = mix(x + i);
		buf[i] = (uint8_t)(x >> (8 * (i & 7)));
	}
	h.sum = fnv(buf + sizeof(h), h.len - sizeof(h), seq);
	memcpy(buf, &h, sizeof(h));
	return h.len;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* /sys/class/misc/vbus-echoN/device/echo/<name> */
static long long sysfs_stat(const char *dev, const char *name)
{
	const char *base = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/%s/device/echo/%s", base, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static const char *const stat_names[] = { "tx_msgs", "rx_msgs", "doorbells", "interrupts", "errors" };
#define NSTATS (sizeof(stat_names) / sizeof(stat_names[0]))

static int cmd_echo(const char *dev, uint64_t count, uint64_t seed, unsigned int window)
{
	uint8_t out[MSG_MAX], in[MSG_MAX + 64], want[MSG_MAX];
	long long before[NSTATS], after[NSTATS];
	uint64_t sent = 0, got = 0, bytes = 0;
	double t0, t1;
	unsigned int i;
	int fd;

	fd = open(dev, O_RDWR | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "e2e-echo: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	for (i = 0; i < NSTATS; i++)
		before[i] = sysfs_stat(dev, stat_names[i]);
	t0 = now();
	while (got < count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ret;

		if (sent < count && sent - got < window)
			p.events |= POLLOUT;
		ret = poll(&p, 1, 10000);
		if (ret == 0) {
			fprintf(stderr, "e2e-echo: FAIL: no progress for 10 s (sent %" PRIu64 ", echoed %" PRIu64 ")\n",
				sent, got);
			return 1;
		}
		if (ret < 0 || (p.revents & (POLLERR | POLLHUP))) {
			fprintf(stderr, "e2e-echo: FAIL: poll: %s revents %#x\n", strerror(errno), p.revents);
			return 1;
		}
		while ((p.revents & POLLOUT) && sent < count && sent - got < window) {
			size_t n = msg_build(out, seed, sent);
			ssize_t w = write(fd, out, n);

			if (w < 0 && errno == EAGAIN)
				break;
			if (w != (ssize_t)n) {
				fprintf(stderr, "e2e-echo: FAIL: write %zu bytes: %zd (%s)\n", n, w, strerror(errno));
				return 1;
			}
			sent++;
		}
		for (;;) {
			ssize_t r = read(fd, in, sizeof(in));
			size_t n;

			if (r < 0 && errno == EAGAIN)
				break;
			if (r < 0) {
				fprintf(stderr, "e2e-echo: FAIL: read: %s\n", strerror(errno));
				return 1;
			}
			n = msg_build(want, seed, got);
			if ((size_t)r != n || memcmp(in, want, n) != 0 ||
			    fnv(in + sizeof(struct hdr), n - sizeof(struct hdr), got) != ((struct hdr *)in)->sum) {
				fprintf(stderr, "e2e-echo: FAIL: echo %" PRIu64 ": %zd bytes, wanted %zu; content %s\n",
					got, r, n, (size_t)r == n ? "differs" : "-");
				return 1;
			}
			got++;
			bytes += n;
			if (got == count)
				break;
		}
	}
	t1 = now();
	for (i = 0; i < NSTATS; i++)
		after[i] = sysfs_stat(dev, stat_names[i]);
	close(fd);
	printf("e2e-echo: sent=%" PRIu64 " echoed=%" PRIu64 " bytes=%" PRIu64
	       " errors=0 seconds=%.2f msgs_per_s=%.0f\n",
	       sent, got, bytes, t1 - t0, got / (t1 - t0));
	printf("e2e-echo: guest-counters");
	for (i = 0; i < NSTATS; i++)
		printf(" %s=%lld", stat_names[i], after[i] - before[i]);
	printf("\n");
	if (after[0] - before[0] != (long long)count || after[1] - before[1] != (long long)count ||
	    after[4] != before[4]) {
		fprintf(stderr, "e2e-echo: FAIL: the driver's counters disagree with %" PRIu64 " messages\n", count);
		return 1;
	}
	printf("e2e-echo: per message: doorbells=%.3f interrupts=%.3f\n", (double)(after[2] - before[2]) / count,
	       (double)(after[3] - before[3]) / count);
	return 0;
}

static int cmd_wait(const char *dev, int seconds, int want_present)
{
	double end = now() + seconds;
	struct stat st;

	while (now() < end) {
		if ((stat(dev, &st) == 0) == want_present)
			return 0;
		usleep(20000);
	}
	fprintf(stderr, "e2e: FAIL: %s still %s after %d s\n", dev, want_present ? "missing" : "present", seconds);
	return 1;
}

static int cmd_expect_errno(const char *dev, const char *name)
{
	uint8_t buf[64] = { 0 };
	int fd = open(dev, O_RDWR), e;
	ssize_t r;

	if (fd < 0) {
		e = errno;
	} else {
		r = write(fd, buf, sizeof(buf));
		if (r >= 0)
			r = read(fd, buf, sizeof(buf));
		e = r < 0 ? errno : 0;
		close(fd);
	}
	printf("e2e: %s: %s\n", dev, e ? strerrorname_np(e) : "no error");
	if (!e || strcmp(strerrorname_np(e), name) != 0) {
		fprintf(stderr, "e2e: FAIL: expected %s\n", name);
		return 1;
	}
	return 0;
}

static long long irq_count(const char *match)
{
	char line[1024];
	long long total = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!p || !strstr(line, match))
			continue;
		for (p++;;) {
			char *end;
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			total += v;
			p = end;
		}
	}
	fclose(f);
	return total;
}

static int xfer_all(int fd, uint8_t *buf, size_t n, int wr)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = wr ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);

		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

/* Guest CPU jiffies from /proc/stat's first line: *busy (all but idle and iowait), return total. */
static unsigned long long cpu_jiffies(unsigned long long *busy)
{
	unsigned long long v[10] = { 0 }, total = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i, n = 0;

	*busy = 0;
	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &v[6], &v[7], &v[8], &v[9]);
	fclose(f);
	for (i = 0; i < n && i < 8; i++) /* guest and guest_nice are inside user/nice */
		total += v[i];
	*busy = total - v[3] - v[4];
	return total;
}

static int e2e_json; /* bench --json */

static int cmd_bench(const char *path, uint64_t count, size_t size, unsigned int window, const char *match)
{
	uint8_t out[MSG_MAX], in[MSG_MAX];
	long long i0, i1;
	unsigned long long c0, c1, b0, b1;
	uint64_t sent = 0, got = 0, bad = 0;
	double t0, t1;
	int fd;

	if (size < 1 || size > MSG_MAX || window < 1) {
		fprintf(stderr, "bench: size 1..%u, window >= 1\n", MSG_MAX);
		return 2;
	}
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "bench: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	memset(out, 0x5a, size);
	i0 = irq_count(match);
	c0 = cpu_jiffies(&b0);
	t0 = now();
	while (got < count) {
		while (sent < count && sent - got < window) {
			out[0] = (uint8_t)sent;
			if (xfer_all(fd, out, size, 1)) {
				fprintf(stderr, "bench: write: %s\n", strerror(errno));
				return 1;
			}
			sent++;
		}
		if (xfer_all(fd, in, size, 0)) {
			fprintf(stderr, "bench: read: %s\n", strerror(errno));
			return 1;
		}
		bad += in[0] != (uint8_t)got;
		got++;
	}
	t1 = now();
	c1 = cpu_jiffies(&b1);
	i1 = irq_count(match);
	close(fd);
	/* cpu_busy: the guest's CPUs busy (not idle) during the run, all CPUs together */
	if (e2e_json) {
		/* key names of docs/cli.md; rtt_ns is the mean round trip with WINDOW in flight */
		printf("{\n  \"config\": { \"path\": \"%s\", \"messages\": %" PRIu64
		       ", \"size\": %zu, \"window\": %u, \"irq_match\": \"%s\" },\n"
		       "  \"messages\": %" PRIu64
		       ",\n  \"seconds\": %.6f,\n  \"msgs_per_s\": %.1f,\n  \"rtt_ns\": %.1f,\n"
		       "  \"interrupts\": %lld,\n  \"interrupts_per_message\": %.6f,\n  \"cpu_busy\": %.4f,\n"
		       "  \"bad\": %" PRIu64 "\n}\n",
		       path, count, size, window, match, got, t1 - t0, got / (t1 - t0), (t1 - t0) * 1e9 * window / got,
		       i1 - i0, (double)(i1 - i0) / got, c1 > c0 ? (double)(b1 - b0) / (double)(c1 - c0) : 0.0, bad);
		return bad ? 1 : 0;
	}
	printf("bench: path=%s msgs=%" PRIu64
	       " size=%zu window=%u seconds=%.3f msgs_per_s=%.0f rtt_us=%.1f irqs=%lld irqs_per_msg=%.3f cpu_busy=%.2f bad=%" PRIu64
	       "\n",
	       path, got, size, window, t1 - t0, got / (t1 - t0), (t1 - t0) * 1e6 * window / got, i1 - i0,
	       (double)(i1 - i0) / got, c1 > c0 ? (double)(b1 - b0) / (double)(c1 - c0) : 0.0, bad);
	return bad ? 1 : 0;
}

static int cmd_host_echo(const char *sockpath)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	uint8_t buf[65536];
	int l, c;
	ssize_t r;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sockpath);
	unlink(sockpath);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1)) {
		fprintf(stderr, "host-echo: %s: %s\n", sockpath, strerror(errno));
		return 1;
	}
	c = accept(l, NULL, NULL);
	if (c < 0)
		return 1;
	while ((r = read(c, buf, sizeof(buf))) > 0)
		if (xfer_all(c, buf, (size_t)r, 1))
			break;
	return 0;
}

static int cmd_hostile(const char *slot, uint64_t off, uint64_t len, uint64_t doorbells)
{
	char path[256];
	volatile uint32_t *regs;
	uint8_t *bar2;
	uint64_t i, x = 0x12345678;
	struct stat st;
	uint32_t south, v, ivpos;
	int fd0, fd2;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource2", slot);
	fd2 = open(path, O_RDWR | O_SYNC);
	if (fd2 < 0 || fstat(fd2, &st) || (uint64_t)st.st_size < off + len) {
		fprintf(stderr, "e2e-hostile: %s: %s\n", path, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", slot);
	fd0 = open(path, O_RDWR | O_SYNC);
	if (fd0 < 0) {
		fprintf(stderr, "e2e-hostile: %s: %s\n", path, strerror(errno));
		return 1;
	}
	bar2 = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	regs = mmap(NULL, 256, PROT_READ | PROT_WRITE, MAP_SHARED, fd0, 0);
	if (bar2 == MAP_FAILED || regs == MAP_FAILED) {
		fprintf(stderr, "e2e-hostile: mmap: %s\n", strerror(errno));
		return 1;
	}
	/* the header's south_peer (offset 60); the layout is the ABI's, read here as a hostile guest would */
	memcpy(&south, bar2 + 60, sizeof(south));
	ivpos = regs[2];
	for (i = 0; i < len; i++) {
		if ((i & 7) == 0)
			x = mix(x + i);
		bar2[off + i] = (uint8_t)(x >> (8 * (i & 7)));
	}
	for (i = 0; i < doorbells; i++)
		for (v = 0; v < 4; v++)
			regs[3] = south << 16 | v;
	printf("e2e-hostile: scribbled %" PRIu64 " bytes at %#" PRIx64 ", %" PRIu64
	       " doorbells x 4 vectors (south %u, me %u)\n",
	       len, off, doorbells, south, ivpos);
	return 0;
}

static int cmd_netsnap(const char *ifname, const char *match)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t len;
	} ss = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ull << ETH_SS_STATS } };
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *vals = NULL;
	struct ifreq ifr = { 0 };
	uint32_t n, i;
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc = 1;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ss;
	if (s < 0 || ioctl(s, SIOCETHTOOL, &ifr)) {
		fprintf(stderr, "e2e-netsnap: %s: SIOCETHTOOL: %s\n", ifname, strerror(errno));
		goto out;
	}
	if (!(ss.hdr.sset_mask & (1ull << ETH_SS_STATS))) {
		fprintf(stderr, "e2e-netsnap: %s: the driver has no ethtool statistics\n", ifname);
		goto out;
	}
	n = ss.len;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	vals = calloc(1, sizeof(*vals) + (size_t)n * sizeof(uint64_t));
	if (!names || !vals)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	vals->cmd = ETHTOOL_GSTATS;
	vals->n_stats = n;
	ifr.ifr_data = (void *)names;
	if (ioctl(s, SIOCETHTOOL, &ifr))
		goto out;
	ifr.ifr_data = (void *)vals;
	if (ioctl(s, SIOCETHTOOL, &ifr))
		goto out;
	printf("netsnap if=%s irqs=%lld", ifname, irq_count(match));
	for (i = 0; i < n && i < vals->n_stats; i++)
		printf(" %.*s=%llu", ETH_GSTRING_LEN, (char *)names->data + (size_t)i * ETH_GSTRING_LEN,
		       (unsigned long long)vals->data[i]);
	printf("\n");
	rc = 0;
out:
	free(names);
	free(vals);
	if (s >= 0)
		close(s);
	return rc;
}

#define PROG "vbus-e2e"

/* The commands: name, arguments, how many (at least, at most), and what `vbus-e2e NAME --help` says. */
static const struct e2e_cmd {
	const char *name, *args;
	int min, max;
	const char *help;
} e2e_cmds[] = {
	{ "echo", "DEV COUNT SEED [WINDOW]", 3, 4,
	  "Send COUNT messages of pseudo-random sizes (16 to 1024 bytes, from SEED) through DEV (/dev/vbus-echoN),\n"
	  "up to WINDOW in flight; every echo must come back whole, in order, with its checksum. Prints the counts\n"
	  "and the driver's sysfs counters (before/after deltas).\n"
	  "COUNT 1 to 2^48, SEED 0 to 2^64-1, WINDOW 1 to 4096 (default 32); DEV must be a character device.\n" },
	{ "wait-dev", "DEV SECONDS", 2, 2,
	  "Wait until DEV exists (hotplug), at most SECONDS (0 to 86400); exit 0 when it does.\n" },
	{ "wait-gone", "DEV SECONDS", 2, 2,
	  "Wait until DEV is gone, at most SECONDS (0 to 86400); exit 0 when it is.\n" },
	{ "expect-errno", "DEV ERRNO-NAME", 2, 2,
	  "One write+read on DEV (a character device) must fail with the errno named ERRNO-NAME (e.g. ENOLINK).\n" },
	{ "bench", "[--json] PATH COUNT SIZE WINDOW IRQ-MATCH", 5, 5,
	  "Benchmark (figures, no verdict): COUNT messages of SIZE bytes through PATH (a vbus echo device, or a\n"
	  "stream such as a virtio-serial port whose host end echoes), WINDOW in flight; prints msgs/s, the mean\n"
	  "round trip and the interrupts per message of the /proc/interrupts lines containing IRQ-MATCH.\n"
	  "COUNT 1 to 2^48, SIZE 1 to 1024, WINDOW 1 to 4096; PATH must be a character device.\n"
	  "  --json  one JSON object (\"config\", messages, seconds, msgs_per_s, rtt_ns, interrupts,\n"
	  "          interrupts_per_message, cpu_busy, bad)\n" },
	{ "netsnap", "IFACE IRQ-MATCH", 2, 2,
	  "One line: the interface's ethtool statistics (SIOCETHTOOL, as `ethtool -S` reads them) and the sum of\n"
	  "the /proc/interrupts lines containing IRQ-MATCH, as key=value pairs (benchmark snapshots).\n" },
	{ "host-echo", "SOCKET", 1, 1,
	  "(host side) Listen on the UNIX socket SOCKET, accept one connection, echo every byte until EOF.\n" },
	{ "hostile", "PCI-SLOT OFFSET LEN DOORBELLS", 4, 4,
	  "A hostile guest: through the device's sysfs resource files, overwrite [OFFSET, OFFSET+LEN) of BAR2\n"
	  "with pseudo-random bytes (the rings of a device live there), then write DOORBELLS doorbells to every\n"
	  "vector. OFFSET and LEN 0 to 2^48, DOORBELLS 0 to 2^32.\n" },
};
#define E2E_NCMDS (sizeof(e2e_cmds) / sizeof(e2e_cmds[0]))
_Static_assert(MSG_MAX == 1024, "bench's --help states SIZE 1 to 1024");

static void usage(void)
{
	printf("usage: vbus-e2e COMMAND ARGS...   (the guest side of the end-to-end tests; see tests/e2e/README.md)\n");
	for (unsigned int i = 0; i < E2E_NCMDS; i++)
		printf("  vbus-e2e %s %s\n", e2e_cmds[i].name, e2e_cmds[i].args);
	printf("vbus-e2e COMMAND --help: that command's usage.\n"
	       "COUNT 1 to 2^48, SEED 0 to 2^64-1, WINDOW 1 to 4096 (echo's default 32), SECONDS 0 to 86400,\n"
	       "SIZE 1 to %u, OFFSET and LEN 0 to 2^48, DOORBELLS 0 to 2^32; DEV and PATH must be character\n"
	       "devices. bench --json: one JSON object (\"config\", messages, seconds, msgs_per_s, rtt_ns,\n"
	       "interrupts, interrupts_per_message, cpu_busy, bad). Exit 0 pass, 1 failure (printed), 2 bad usage.\n",
	       MSG_MAX);
}

/* vbus-e2e COMMAND --help: the command's own usage line, what it does, its arguments' ranges. */
static void usage_cmd(const struct e2e_cmd *c)
{
	printf("usage: vbus-e2e %s %s\n%sExit 0 pass, 1 failure (printed), 2 bad usage.\n", c->name, c->args, c->help);
}

/* A device argument: a character device (a regular file would be written to); 0, or 1 with the reason. */
static int need_chardev(const char *cmd, const char *path)
{
	struct stat st;
	char what[300];

	snprintf(what, sizeof(what), "%s: %s", cmd, path);
	if (stat(path, &st))
		return vbus_fail(PROG, what, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return vbus_fail(PROG, what, "is a directory, not a character device");
	if (!S_ISCHR(st.st_mode))
		return vbus_fail(PROG, what,
				 S_ISREG(st.st_mode) && !st.st_size ? "is an empty file, not a character device"
								    : "not a character device");
	return 0;
}

int main(int argc, char **argv)
{
	const struct e2e_cmd *cmd = NULL;
	uint64_t n[4] = { 0 };
	char **a;
	int na;

	/*
	 * --help anywhere: after a command's name, that command's usage, else the program's; any other --option is
	 * unknown (a negative number is an argument, refused below)
	 */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			for (unsigned int k = 0; i > 1 && k < E2E_NCMDS; k++)
				if (!strcmp(argv[1], e2e_cmds[k].name)) {
					usage_cmd(&e2e_cmds[k]);
					return 0;
				}
			usage();
			return 0;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) { /* bench's: take it out of the line */
			e2e_json = 1;
			memmove(argv + i, argv + i + 1, (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
		} else if (!strncmp(argv[i], "--", 2)) {
			return vbus_usage_error(PROG, "unknown option '%s'", argv[i]);
		}
	}
	if (argc < 2)
		return vbus_usage_error(PROG, "no command given");
	for (unsigned int i = 0; i < E2E_NCMDS; i++)
		if (!strcmp(argv[1], e2e_cmds[i].name))
			cmd = &e2e_cmds[i];
	if (!cmd)
		return vbus_usage_error(PROG, "unknown command '%s'", argv[1]);
	if (e2e_json && strcmp(cmd->name, "bench"))
		return vbus_usage_error(PROG, "--json: only bench prints figures, not %s", cmd->name);
	a = argv + 2;
	na = argc - 2;
	if (na < cmd->min || na > cmd->max)
		return vbus_usage_error(PROG, "%s: want %s, got %d argument%s", cmd->name, cmd->args, na,
					na == 1 ? "" : "s");
	if (!strcmp(cmd->name, "echo")) {
		n[2] = 32;
		if (vbus_parse_u64(PROG, "COUNT", a[1], 1, 1ull << 48, &n[0]) ||
		    vbus_parse_u64(PROG, "SEED", a[2], 0, UINT64_MAX, &n[1]) ||
		    (na > 3 && vbus_parse_u64(PROG, "WINDOW", a[3], 1, 4096, &n[2])))
			return VBUS_EXIT_USAGE;
		if (need_chardev(cmd->name, a[0]))
			return VBUS_EXIT_FAIL;
		return cmd_echo(a[0], n[0], n[1], (unsigned int)n[2]);
	}
	if (!strcmp(cmd->name, "wait-dev") || !strcmp(cmd->name, "wait-gone")) {
		if (vbus_parse_u64(PROG, "SECONDS", a[1], 0, 86400, &n[0]))
			return VBUS_EXIT_USAGE;
		return cmd_wait(a[0], (int)n[0], !strcmp(cmd->name, "wait-dev"));
	}
	if (!strcmp(cmd->name, "expect-errno"))
		return need_chardev(cmd->name, a[0]) ? VBUS_EXIT_FAIL : cmd_expect_errno(a[0], a[1]);
	if (!strcmp(cmd->name, "bench")) {
		if (vbus_parse_u64(PROG, "COUNT", a[1], 1, 1ull << 48, &n[0]) ||
		    vbus_parse_u64(PROG, "SIZE", a[2], 1, MSG_MAX, &n[1]) ||
		    vbus_parse_u64(PROG, "WINDOW", a[3], 1, 4096, &n[2]))
			return VBUS_EXIT_USAGE;
		if (need_chardev(cmd->name, a[0]))
			return VBUS_EXIT_FAIL;
		return cmd_bench(a[0], n[0], n[1], (unsigned int)n[2], a[4]);
	}
	if (!strcmp(cmd->name, "netsnap"))
		return cmd_netsnap(a[0], a[1]);
	if (!strcmp(cmd->name, "host-echo"))
		return cmd_host_echo(a[0]);
	/* hostile */
	if (vbus_parse_u64(PROG, "OFFSET", a[1], 0, 1ull << 48, &n[0]) ||
	    vbus_parse_u64(PROG, "LEN", a[2], 0, 1ull << 48, &n[1]) ||
	    vbus_parse_u64(PROG, "DOORBELLS", a[3], 0, 1ull << 32, &n[2]))
		return VBUS_EXIT_USAGE;
	return cmd_hostile(a[0], n[0], n[1], n[2]);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-north: a userspace north that connects to vbusd as a QEMU
 * ivshmem-doorbell client would (ivshmem server protocol over a UNIX
 * socket), attaches to the bus (BUS-8), opens echo device ID through the
 * control verbs and echoes COUNT messages with checksums. Every ring, signal
 * and bus operation goes through kernel/core, like the guest driver.
 *
 * Usage: vbus-north [--help] SOCKET VECTORS DEVICE-ID COUNT [AGAIN [hostile]]
 * With AGAIN, north then re-attaches as a rebooted guest driver would (BUS-8
 * on the same connection and region, rings rebuilt, no CLOSE first), opens
 * the device again and echoes AGAIN more messages. With "hostile" it then
 * queues a tx descriptor naming memory outside the region (no CLOSE) and
 * waits up to 5 s for the device's table record to read BROKEN.
 * Exit: 0 all echoed intact, 1 failure (printed), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <getopt.h>

#include "vbus_core.h"
#include "vbus_cli.h"

#define MAXV 64
#define COUNT 64u
#define MSG 256u

static int south_efd[MAXV], north_efd[MAXV];
static unsigned int nvec;
static uint8_t *region;
static uint64_t size;
static struct vbus_bus_layout lay;
static struct ioq ctrl, evq, q[2];
static uint64_t doorbells, irqs;
static uint32_t tx_handle; /* the echo device's tx signal, from the last SHM registration */
static FILE *info;	   /* what happened, in words: stdout, or stderr under --json */

#define PROG "vbus-north"

static void usage(void)
{
	printf("usage: vbus-north [--help] [--json] SOCKET VECTORS DEVICE-ID COUNT [AGAIN [hostile]]\n"
	       "Connect to vbusd's UNIX SOCKET as a QEMU ivshmem-doorbell client with VECTORS vectors (1 to %d),\n"
	       "attach to the bus (BUS-8), open echo device DEVICE-ID (0 to 2^32-1) and echo COUNT messages\n"
	       "(1 to 2^48) with checksums. With AGAIN (1 to 2^48), re-attach as a rebooted guest driver would\n"
	       "and echo AGAIN more. With 'hostile', then queue a descriptor outside the region and wait up to\n"
	       "5 s for the device record to read BROKEN. Exit 0 every echo intact (and BROKEN seen), 1 a failure\n"
	       "(printed), 2 bad usage.\n"
	       "  --json  one JSON object on stdout: \"config\" (the arguments) and the figures (messages,\n"
	       "          doorbells, interrupts, notifications_per_message); the words go to stderr\n",
	       MAXV);
}

static int fail(const char *what)
{
	fprintf(stderr, "vbus-north: FAIL: %s\n", what);
	return 1;
}

static int recv_msg(int s, int64_t *val, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = val, .iov_len = sizeof(*val) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	*fd = -1;
	if (recvmsg(s, &m, MSG_WAITALL) != sizeof(*val))
		return -1;
	*val = (int64_t)le64toh((uint64_t)*val);
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

static uint32_t vec(uint32_t handle)
{
	return handle < nvec ? handle : 0;
}

static void ring_doorbell(uint32_t v)
{
	doorbells++;
	eventfd_write(south_efd[v], 1);
}

static void kick(struct ioq *r, uint32_t handle)
{
	if (ioq_kick(r) == SHM_SIGNAL_NOTIFY)
		ring_doorbell(vec(handle));
}

/* Block until vector @v fires (or 5 s), then run wakeup on @sig. 0 or -ETIMEDOUT. */
static int wait_vec(uint32_t v, struct ioq *r)
{
	struct pollfd p = { .fd = north_efd[v], .events = POLLIN };
	eventfd_t c;

	if (poll(&p, 1, 5000) != 1)
		return -ETIMEDOUT;
	if (eventfd_read(north_efd[v], &c) == 0)
		irqs += c;
	if (r)
		shm_signal_wakeup(&r->sig, NULL, NULL, 0, NULL);
	return 0;
}

static int verb(u32 op, u32 dev, u32 a0, u32 a1, u64 off, u64 len, u64 sig, u32 *ret)
{
	struct ioq_desc_info d = { .offset = lay.data_off, .len = sizeof(struct vbus_ctrl_msg) };
	int n;

	vbus_north_ctrl_fill(region + lay.data_off, op, dev, a0, a1, off, len, sig);
	if (ioq_push(&ctrl, &d, 1) != 1)
		return -EIO;
	kick(&ctrl, 0);
	for (;;) {
		n = ioq_reclaim(&ctrl, 1, NULL, NULL, NULL);
		if (n == 1)
			break;
		if (n != -EAGAIN || wait_vec(0, &ctrl))
			return -ETIMEDOUT;
	}
	return vbus_north_ctrl_result(region + lay.data_off, ret);
}

static uint64_t sum(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

/* One attachment: BUS-8, OPEN, the two rings, COUNT echoes, CLOSE if @close_dev. */
static int run(uint32_t id, uint64_t count, bool close_dev, uint64_t *echoed)
{
	uint64_t sent = 0, got = 0, posted = 0, mem;
	uint32_t handle[2], ret, gen, i;

	/* BUS-8: the bus rings, then the generation, then wait for the acknowledgement */
	if (ioq_north_init(&ctrl, (void *)(region + lay.ctrl_ring_off), 16, 0, 0, size) ||
	    ioq_north_init(&evq, (void *)(region + lay.event_ring_off), 16, 0, 0, size))
		return fail("ring init");
	shm_signal_enable(&ctrl.sig);
	shm_signal_enable(&evq.sig);
	gen = vbus_north_begin(region);
	ring_doorbell(0);
	while (!vbus_north_attached(region, gen))
		if (wait_vec(0, NULL))
			return fail("no attach acknowledgement");
	if (verb(VBUS_CTRL_OPEN, id, 1, 0, 0, 0, 0, &ret))
		return fail("OPEN");
	/* rings and buffers after the bus's own 4 KiB of the data area */
	mem = lay.data_off + 4096;
	for (i = 0; i < 2; i++) {
		uint64_t rlen = VBUS_IOQ_RING_SIZE((uint64_t)COUNT);

		if (ioq_north_init(&q[i], (void *)(region + mem), COUNT, 0, 0, size))
			return fail("echo ring init");
		if (verb(VBUS_CTRL_SHM, id, i, 0, mem, rlen, mem + ioq_signal_offset(), &handle[i]))
			return fail("SHM");
		if (i == 0)
			tx_handle = handle[0];
		shm_signal_enable(&q[i].sig);
		mem += (rlen + 63) & ~63ull;
	}
	for (;;) {
		struct ioq_desc_info d, done[COUNT];
		int n, k;

		while (ioq_free_slots(&q[1]) && posted < got + COUNT) {
			d = (struct ioq_desc_info){ .cookie = posted,
						    .offset = mem + COUNT * MSG + (posted % COUNT) * MSG,
						    .len = MSG,
						    .flags = VBUS_IOQ_DESC_F_WRITE };
			if (ioq_push(&q[1], &d, 1) != 1)
				return fail("rx push");
			posted++;
		}
		kick(&q[1], handle[1]);
		while (sent < count && ioq_free_slots(&q[0]) && sent < got + COUNT) {
			uint8_t *b = region + mem + (sent % COUNT) * MSG;
			uint32_t len = 16 + (uint32_t)((sent * 2654435761u) % (MSG - 16));

			memcpy(b, &sent, 8);
			for (k = 16; k < (int)len; k++)
				b[k] = (uint8_t)(sent + k);
			{
				uint64_t h = sum(b + 16, len - 16) ^ sent;

				memcpy(b + 8, &h, 8);
			}
			d = (struct ioq_desc_info){ .cookie = sent, .offset = mem + (sent % COUNT) * MSG, .len = len };
			if (ioq_push(&q[0], &d, 1) != 1)
				return fail("tx push");
			sent++;
		}
		kick(&q[0], handle[0]);
		ioq_reclaim(&q[0], COUNT, NULL, NULL, NULL);
		n = 0;
		while ((k = ioq_reclaim(&q[1], 1, NULL, NULL, &done[0])) == 1) {
			const uint8_t *b = region + done[0].offset;
			uint64_t seq, h;

			memcpy(&seq, b, 8);
			memcpy(&h, b + 8, 8);
			if (seq != got || done[0].len < 16 || (done[0].flags & VBUS_IOQ_DESC_F_ERROR) ||
			    h != (sum(b + 16, done[0].len - 16) ^ seq)) {
				fprintf(stderr, "vbus-north: FAIL: echo %" PRIu64 " wrong (seq %" PRIu64 ")\n", got,
					seq);
				return 1;
			}
			got++;
			n++;
		}
		if (got == count)
			break;
		if (!n && ioq_arm(&q[1], 1) == IOQ_ARMED && wait_vec(vec(handle[1]), &q[1]))
			return fail("no echo for 5 s");
	}
	if (close_dev && verb(VBUS_CTRL_CLOSE, id, 0, 0, 0, 0, 0, &ret))
		return fail("CLOSE");
	*echoed += got;
	return 0;
}

/*
 * A hostile north: a tx descriptor naming memory past the end of the region.
 * South must mark the device broken; wait up to 5 s for its table record to
 * say so (read through the core, as a guest driver would). 0 when it does.
 */
static int break_device(uint32_t id)
{
	struct ioq_desc_info d = { .cookie = 0, .offset = size + 4096, .len = 64 };
	struct vbus_north_record rec = { 0 };
	uint32_t slot;
	int t;

	for (slot = 0; slot < lay.max_devices; slot++)
		if (!vbus_north_record(region, &lay, slot, &rec) && rec.id == id)
			break;
	if (slot == lay.max_devices)
		return fail("device record not found");
	if (ioq_push(&q[0], &d, 1) != 1)
		return fail("hostile push");
	for (t = 0; t < 50; t++) {
		ring_doorbell(vec(tx_handle));
		usleep(100000);
		if (!vbus_north_record(region, &lay, slot, &rec) && rec.state == VBUS_DEV_BROKEN) {
			uint32_t ret;
			int err;

			fprintf(info,
				"vbus-north: device %u: record state BROKEN after a descriptor outside the region\n",
				id);
			/* BROKEN stays until RELEASE (§3.3): a CLOSE must not publish it away */
			err = verb(VBUS_CTRL_CLOSE, id, 0, 0, 0, 0, 0, &ret);
			if (vbus_north_record(region, &lay, slot, &rec) || rec.state != VBUS_DEV_BROKEN) {
				fprintf(stderr, "vbus-north: FAIL: device %u record state %u after CLOSE (%d)\n", id,
					rec.state, err);
				return 1;
			}
			fprintf(info, "vbus-north: device %u: record still BROKEN after CLOSE (CLOSE returned %d)\n",
				id, err);
			return 0;
		}
	}
	fprintf(stderr, "vbus-north: FAIL: device %u record state %u, not BROKEN, after 5 s\n", id, rec.state);
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t count, again = 0, echoed = 0;
	uint32_t id, v;
	bool hostile;
	int64_t val;
	int s, fd, self;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "json", no_argument, NULL, 'j' },
					      { NULL, 0, NULL, 0 } };
	uint64_t u;
	int c, json = 0;

	info = stdout;
	opterr = 0;
	/* '+': options only before SOCKET, so a negative number is an argument (refused with its range) */
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
			info = stderr;
			continue;
		}
		if (c != 'h')
			return vbus_getopt_error(PROG, c, argv[optind - 1], optopt);
		usage();
		return 0;
	}
	argc -= optind;
	argv += optind;
	if (argc < 4 || argc > 6)
		return vbus_usage_error(PROG,
					"want SOCKET VECTORS DEVICE-ID COUNT [AGAIN [hostile]], got %d argument%s",
					argc, argc == 1 ? "" : "s");
	if (argc == 6 && strcmp(argv[5], "hostile") != 0)
		return vbus_usage_error(PROG, "the sixth argument can only be 'hostile', not '%s'", argv[5]);
	hostile = argc == 6;
	if (vbus_parse_u64(PROG, "VECTORS", argv[1], 1, MAXV, &u))
		return VBUS_EXIT_USAGE;
	nvec = (unsigned int)u;
	if (vbus_parse_u64(PROG, "DEVICE-ID", argv[2], 0, UINT32_MAX, &u))
		return VBUS_EXIT_USAGE;
	id = (uint32_t)u;
	if (vbus_parse_u64(PROG, "COUNT", argv[3], 1, 1ull << 48, &count))
		return VBUS_EXIT_USAGE;
	if (argc >= 5 && vbus_parse_u64(PROG, "AGAIN", argv[4], 1, 1ull << 48, &again))
		return VBUS_EXIT_USAGE;
	/* the socket: missing, a directory or not a socket each said as such, before connecting */
	if (stat(argv[0], &st))
		return vbus_fail(PROG, argv[0], strerror(errno));
	if (S_ISDIR(st.st_mode))
		return vbus_fail(PROG, argv[0], "is a directory, not a UNIX socket");
	if (!S_ISSOCK(st.st_mode))
		return vbus_fail(PROG, argv[0],
				 S_ISREG(st.st_mode) && !st.st_size ? "is an empty file, not a UNIX socket"
								    : "not a UNIX socket");
	if (strlen(argv[0]) >= sizeof(a.sun_path))
		return vbus_fail(PROG, argv[0], "socket path too long");
	memcpy(a.sun_path, argv[0], strlen(argv[0]) + 1);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)))
		return vbus_fail(PROG, argv[0], strerror(errno));
	/* version 0, our id, the shm fd with -1, south's eventfds, ours */
	if (recv_msg(s, &val, &fd) || val != 0)
		return fail("protocol version");
	if (recv_msg(s, &val, &fd) || val < 0 || val > 65535)
		return fail("client id");
	self = (int)val;
	if (recv_msg(s, &val, &fd) || val != -1 || fd < 0 || fstat(fd, &st))
		return fail("shared memory");
	size = (uint64_t)st.st_size;
	region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (region == MAP_FAILED)
		return fail("mmap");
	for (v = 0; v < 2 * nvec; v++) {
		if (recv_msg(s, &val, &fd) || fd < 0)
			return fail("eventfds");
		if (v < nvec && val != self)
			south_efd[v] = fd;
		else if (v >= nvec && val == self)
			north_efd[v - nvec] = fd;
		else
			return fail("eventfd order");
	}
	if (vbus_north_header(region, size, &lay) || lay.north_peer != (uint32_t)self)
		return fail("vbus header / north_peer");
	if (run(id, count, !again && !hostile, &echoed))
		return 1;
	if (again && run(id, again, !hostile, &echoed))
		return 1;
	if (hostile && break_device(id))
		return 1;
	fprintf(info,
		"vbus-north: peer %d: %" PRIu64 " echoes intact%s; doorbells %" PRIu64 " interrupts %" PRIu64 "\n",
		self, echoed, again ? " (re-attached once)" : "", doorbells, irqs);
	if (json)
		printf("{\n  \"config\": { \"vectors\": %u, \"device_id\": %" PRIu32 ", \"count\": %" PRIu64
		       ", \"again\": %" PRIu64 ", \"hostile\": %s },\n"
		       "  \"peer\": %d, \"messages\": %" PRIu64 ", \"doorbells\": %" PRIu64 ", \"interrupts\": %" PRIu64
		       ", \"notifications_per_message\": %.6f\n}\n",
		       nvec, id, count, again, hostile ? "true" : "false", self, echoed, doorbells, irqs,
		       echoed ? (double)(doorbells + irqs) / (double)echoed : 0.0);
	return 0;
}

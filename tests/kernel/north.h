/* SPDX-License-Identifier: GPL-2.0 */
/*
 * North for the in-guest tests: one device of a /dev/vbus link, driven with
 * the protocol core compiled in userspace (kernel/core). North owns a memfd
 * region with two IOQs (tx: messages to south, rx: buffers south fills) and
 * one eventfd pair per ring.
 */
#ifndef VBUS_TEST_NORTH_H
#define VBUS_TEST_NORTH_H

#include <stdbool.h>
#include <stdint.h>

#include "vbus_core.h"

#define NORTH_MSG_SIZE 64u

/* The message north sends: a sequence number, a payload derived from it, a checksum of both. */
struct north_msg {
	uint64_t seq;
	uint8_t payload[NORTH_MSG_SIZE - 16];
	uint64_t sum;
};

struct north_cfg {
	const char *type;    /* "echo" or "null" */
	uint32_t count;	     /* descriptors per ring */
	uint16_t ring_flags; /* VBUS_IOQ_F_EVENT_IDX or 0 */
	uint32_t slot;	     /* device table slot; signals 2*slot (tx) and 2*slot+1 (rx) */
	bool late;	     /* ADD_DEVICE with VBUS_IOC_DEV_F_LATE */
	uint64_t record_off; /* != 0: ADD_DEVICE with VBUS_IOC_DEV_F_RECORD (north_open writes it) */
};

struct north {
	int link; /* /dev/vbus fd, -1 once closed */
	int memfd;
	uint8_t *region;
	uint64_t size;
	struct north_cfg cfg;
	uint64_t ring_off[2];
	uint64_t buf_off[2]; /* message buffers of each ring, count * NORTH_MSG_SIZE */
	struct ioq q[2];     /* [0] tx, [1] rx */
	int kick[2];	     /* north -> south eventfds */
	int call[2];	     /* south -> north eventfds */
	uint64_t sent, posted, echoed, tx_done;
	uint64_t errors;    /* lost, duplicated or corrupted messages */
	uint64_t doorbells; /* kicks north actually sent */
	uint64_t irqs;	    /* call eventfd counts north read */
};

/* Open a link, build the region and rings, add the device, bind eventfds, START. 0 or -errno. */
int north_open(struct north *n, const struct north_cfg *cfg);
/*
 * A guest reboot as south sees it: both rings zeroed and north's counters
 * reset; with @init the rings are initialised again (the new guest's driver).
 */
int north_rings_reset(struct north *n, bool init);
/* Close the link and release everything north holds. */
void north_close(struct north *n);
/* Fill message @seq into @m. */
void north_msg_fill(struct north_msg *m, uint64_t seq);

enum north_mode {
	NORTH_SATURATE, /* keep the rings full; block only when no progress is possible */
	NORTH_PINGPONG, /* one message in flight; block for each echo */
};

/*
 * Send @count messages and (echo) check every echo: in order, no loss, no
 * duplicate, payload and checksum intact. Stops early on the first error or
 * after @timeout_s. Returns 0, -ETIMEDOUT, -EIO or -errno.
 */
int north_run(struct north *n, uint64_t count, enum north_mode mode, double timeout_s);

/* Post rx buffers and push up to @max messages without waiting; messages pushed or -errno. */
int north_pump(struct north *n, uint64_t max);

#endif /* VBUS_TEST_NORTH_H */

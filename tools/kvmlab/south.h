/* SPDX-License-Identifier: GPL-2.0 */
/* South on a host thread (south.c): the production core consumes north's messages and completes them. */
#ifndef VBUS_KVMLAB_SOUTH_H
#define VBUS_KVMLAB_SOUTH_H

#include <pthread.h>
#include <stdint.h>

#include "vbus_core.h"

struct lab_south {
	/* configuration */
	uint8_t *region;
	uint64_t region_size;
	int kick_efd, call_efd, stop_efd;
	int mitigation, consumer;
	uint32_t evidx_threshold;
	uint64_t spin_ns;
	/* state */
	struct ioq q;
	bool enabled, resched;
	int stop; /* atomic: set by the VMM thread when the guest is done */
	pthread_t thread;
	bool started;
	/* results */
	uint64_t received, bad, first_bad;
	uint64_t calls; /* eventfd writes toward the irqfd */
	uint64_t call_suppressed;
	uint64_t kicks_seen; /* sum of the kick eventfd's counter: doorbells KVM signalled */
	uint64_t wakeups, spurious;
	int error;	       /* negative errno */
	const char *violation; /* the core's name of a protocol violation */
};

/* Attach to the ring north initialised and start the thread; 0 or -errno. */
int lab_south_start(struct lab_south *s);
/* Stop the thread and collect the kick counter; 0 or the thread's error. */
int lab_south_stop(struct lab_south *s);

#endif

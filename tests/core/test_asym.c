// SPDX-License-Identifier: GPL-2.0
/*
 * libvbus links with the asymmetric barrier (VBUS_LINK_ASYM_BARRIER, spec
 * §1.3.2): both sides sleep in read(eventfd) between messages, so every
 * message goes through enable / inject / wakeup with compiler barriers on the
 * senders and membarrier() on the receivers. A lost wakeup hangs a round trip
 * (the watchdog below fails the test); every message must arrive once, in order.
 * Exit 77 when this kernel has no membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libvbus.h"

#define ROUNDS 3000

static struct vbus_link *north, *south;
static uint64_t expect, bad;

static uint32_t rx(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	uint64_t v;

	(void)arg, (void)cookie;
	memcpy(&v, data, sizeof(v));
	if (len != sizeof(v) || v != expect)
		bad++;
	expect++;
	return len;
}

static void *south_loop(void *arg)
{
	(void)arg;
	while (vbus_link_recv(south, VBUS_WAIT_BLOCK, rx, NULL) > 0)
		;
	return NULL;
}

static void *watchdog(void *arg)
{
	(void)arg;
	sleep(50);
	fprintf(stderr, "test_asym: a round trip hung (lost wakeup?) at message %llu\n", (unsigned long long)expect);
	_exit(1);
}

int main(void)
{
	struct vbus_link_params p = { .ring_count = 8, .buf_size = 64, .flags = VBUS_LINK_ASYM_BARRIER };
	struct vbus_link_stats ss;
	int fds[VBUS_LINK_NFDS], ret;
	pthread_t t, w;

	ret = vbus_link_create(&p, &north);
	if (ret == -EOPNOTSUPP) {
		printf("SKIP: no membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) on this kernel\n");
		return 77;
	}
	if (ret) {
		fprintf(stderr, "vbus_link_create: %s\n", strerror(-ret));
		return 1;
	}
	vbus_link_fds(north, fds);
	for (int i = 0; i < VBUS_LINK_NFDS; i++)
		fds[i] = dup(fds[i]);
	ret = vbus_link_attach(fds, &south);
	if (ret) {
		fprintf(stderr, "vbus_link_attach: %s\n", strerror(-ret));
		return 1;
	}
	pthread_create(&w, NULL, watchdog, NULL);
	pthread_create(&t, NULL, south_loop, NULL);
	for (uint64_t i = 0; i < ROUNDS; i++) {
		struct vbus_link_msg m = { .data = &i, .len = sizeof(i), .cookie = i };

		if (vbus_link_send(north, &m, 1) != 1 || vbus_link_wait_done(north, VBUS_WAIT_BLOCK) != 1) {
			fprintf(stderr, "round trip %llu failed\n", (unsigned long long)i);
			return 1;
		}
	}
	vbus_link_interrupt(south);
	pthread_join(t, NULL);
	vbus_link_get_stats(south, &ss);
	printf("%d round trips, %llu south wake-ups, %llu bad\n", ROUNDS, (unsigned long long)ss.wakeups,
	       (unsigned long long)bad);
	if (bad || expect != ROUNDS)
		return 1;
	if (!ss.wakeups) { /* the test exercised nothing of the blocking path */
		fprintf(stderr, "south never slept: the asymmetric receiver path was not exercised\n");
		return 1;
	}
	vbus_link_close(south);
	vbus_link_close(north);
	return 0;
}

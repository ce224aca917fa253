// SPDX-License-Identifier: GPL-2.0
/*
 * libvbus links with the asymmetric barrier (spec §1.3.2 SIG-14), libvbus's
 * default where both ends are in one process: both sides sleep in
 * read(eventfd) between messages, so every message goes through enable /
 * inject / wakeup with compiler barriers on the senders and membarrier() on
 * the receivers. A lost wakeup hangs a round trip (the watchdog below fails the
 * test); every message must arrive once, in order. First, which links get it:
 * an in-process pair does (vbus_link_asym on both ends); a north that sent
 * before its south attached does not; a south attached in a fork child (another
 * process, though it holds a copy of north's memory) does not, and the ring
 * works with full fences. Exit 77 when this kernel has no
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libvbus.h"
#include "link_pair.h"

#define ROUNDS 3000

static struct link_pair_seq seq; /* south's: what arrived */

static void *south_loop(void *arg)
{
	(void)arg;
	while (vbus_link_recv(south, VBUS_WAIT_BLOCK, link_pair_rx_seq, &seq) > 0)
		;
	return NULL;
}

static void *watchdog(void *arg)
{
	(void)arg;
	sleep(50);
	fprintf(stderr, "test_asym: a round trip hung (lost wakeup?) at message %llu\n",
		(unsigned long long)seq.expect);
	_exit(1);
}

static uint32_t rx_count(void *arg, const void *data, uint32_t len, uint64_t cookie)
{
	(void)data, (void)cookie;
	++*(int *)arg;
	return len;
}

/* Which links get the asymmetric barrier: 0 or 1 (failure, printed). */
static int check_pairing(void)
{
	struct vbus_link_params p = { .ring_count = 8, .buf_size = 64 };
	struct vbus_link_msg m = { .data = "x", .len = 1 };
	struct vbus_link *n, *s = NULL;
	int got = 0, status = 0, pfd[2];
	pid_t pid;

	/* north sent before south attached: full fences on both ends, and the ring works */
	if (vbus_link_create(&p, &n) || vbus_link_send(n, &m, 1) != 1 || link_pair_attach(n, &s))
		return fprintf(stderr, "FAIL: link setup\n"), 1;
	if (vbus_link_asym(n) || vbus_link_asym(s))
		return fprintf(stderr, "FAIL: north used before attach, yet asymmetric\n"), 1;
	if (vbus_link_recv(s, VBUS_WAIT_POLL, rx_count, &got) != 1 || vbus_link_wait_done(n, VBUS_WAIT_POLL) != 1)
		return fprintf(stderr, "FAIL: full-fence link does not carry a message\n"), 1;
	vbus_link_close(s);
	vbus_link_close(n);

	/* south in a fork child (its own process, with a copy of north's memory): full fences */
	if (vbus_link_create(&p, &n) || pipe(pfd))
		return fprintf(stderr, "FAIL: link setup\n"), 1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		char ok = 1;

		got = 0;
		if (link_pair_attach(n, &s) || vbus_link_asym(s)) {
			fprintf(stderr, "FAIL: south in another process attached %s\n",
				s && vbus_link_asym(s) ? "asymmetric" : "not at all");
			ok = 0;
		}
		if (write(pfd[1], &ok, 1) != 1 || !ok) /* the parent must not wait for round trips then */
			_exit(1);
		while (got < 100)
			if (vbus_link_recv(s, VBUS_WAIT_BLOCK, rx_count, &got) < 0)
				_exit(1);
		_exit(0);
	}
	{
		char ok = 0;

		if (read(pfd[0], &ok, 1) != 1 || !ok) {
			waitpid(pid, &status, 0);
			return fprintf(stderr, "FAIL: cross-process attach (see above)\n"), 1;
		}
	}
	for (int i = 0; i < 100; i++)
		if (vbus_link_send(n, &m, 1) != 1 || vbus_link_wait_done(n, VBUS_WAIT_BLOCK) != 1)
			break;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return fprintf(stderr, "FAIL: cross-process link (child status %#x)\n", status), 1;
	if (vbus_link_asym(n))
		return fprintf(stderr, "FAIL: north of a cross-process link is asymmetric\n"), 1;
	vbus_link_close(n);
	printf("pairing: in-process pair asymmetric (below); north used first, fork child: full fences\n");
	return 0;
}

int main(void)
{
	struct vbus_link_stats ss;
	pthread_t t, w;
	int ret = link_pair_open_asym();

	if (ret)
		return ret;
	if (check_pairing())
		return 1;
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
	       (unsigned long long)seq.bad);
	if (seq.bad || seq.expect != ROUNDS)
		return 1;
	if (!ss.wakeups) { /* the test exercised nothing of the blocking path */
		fprintf(stderr, "south never slept: the asymmetric receiver path was not exercised\n");
		return 1;
	}
	vbus_link_close(south);
	vbus_link_close(north);
	return 0;
}

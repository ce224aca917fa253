// SPDX-License-Identifier: GPL-2.0
/*
 * test_asym_stress with a planted bug: libvbus.c compiled in with its receiver's
 * asymmetric barrier, membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), replaced by a
 * full fence on the caller's CPU only. That is the barrier a south in another
 * process would get from a command that does not reach north's CPU (and
 * vbus-explore-core's --asym-as-mb mutant): the sender's fence-free suppress (IA)
 * is then unordered against the receiver's E1/E3, a store-buffering race that
 * loses a wakeup. Run by hand (see tests/core/CMakeLists.txt): the shipped test
 * must fail this build.
 */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

static long planted_syscall(long nr, long a, long b, long c)
{
	if (nr == __NR_membarrier && a == MEMBARRIER_CMD_PRIVATE_EXPEDITED) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* PLANTED: this CPU only */
		return 0;
	}
	return syscall(nr, a, b, c);
}

/* after every system header (include guards keep the name out of their declarations) */
#define syscall(nr, a, b, c) planted_syscall(nr, a, b, c)
#include "libvbus.c"
#undef syscall

#define ASYM_STRESS_PLANTED 1
#include "test_asym_stress.c"

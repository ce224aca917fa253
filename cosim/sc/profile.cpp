// SPDX-License-Identifier: GPL-2.0
// SIGPROF sampler for vbus-cosim --bench (see profile.h).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <signal.h>
#include <sys/time.h>
#include <ucontext.h>

#include <cstring>
#include <vector>

#include "profile.h"

static const size_t kMaxSamples = 1 << 20;
static uintptr_t *samples;
static volatile size_t nsamples;

static void on_prof(int, siginfo_t *, void *uc)
{
	const ucontext_t *u = static_cast<const ucontext_t *>(uc);

	if (nsamples < kMaxSamples)
		samples[nsamples++] = uintptr_t(u->uc_mcontext.gregs[REG_RIP]);
}

void profile_start()
{
	struct sigaction sa;
	struct itimerval it = {};

	samples = new uintptr_t[kMaxSamples];
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_prof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGPROF, &sa, nullptr);
	it.it_interval.tv_usec = 1000;
	it.it_value.tv_usec = 1000;
	setitimer(ITIMER_PROF, &it, nullptr);
}

static bool starts(const char *s, const char *p)
{
	return s && !strncmp(s, p, strlen(p));
}

ProfileShares profile_stop()
{
	struct itimerval off = {};
	ProfileShares r;

	setitimer(ITIMER_PROF, &off, nullptr);
	signal(SIGPROF, SIG_IGN);
	for (size_t i = 0; i < nsamples; i++) {
		Dl_info di;

		r.samples++;
		if (!dladdr(reinterpret_cast<void *>(samples[i]), &di) || !di.dli_fname) {
			r.other++;
		} else if (strstr(di.dli_fname, "libsystemc")) {
			r.systemc++;
		} else if (di.dli_sname && (strstr(di.dli_sname, "Vdb") || strstr(di.dli_sname, "Verilated"))) {
			r.rtl++;
		} else if (starts(di.dli_sname, "cs_") || starts(di.dli_sname, "vm_") ||
			   starts(di.dli_sname, "shm_signal") || starts(di.dli_sname, "vbus_moderation")) {
			r.scoreboard++;
		} else {
			r.other++;
		}
	}
	delete[] samples;
	return r;
}

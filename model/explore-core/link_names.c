// SPDX-License-Identifier: GPL-2.0
/*
 * A program linking libvbus.so and the explorer library (as vbus-model does): every libvbus entry point it
 * calls must be libvbus.so's, not the explorer's copy of libvbus.c built against the instrumented shim.
 * The address the program uses for each name is compared with the one libvbus.so's own handle gives.
 * Exit 0: all libvbus's; 1: a name bound elsewhere (printed). Run by link_names.sh.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#include "explore_core.h"
#include "libvbus.h"

/* every name of tools/libvbus/libvbus.map, as this program binds it */
static const struct {
	const char *name;
	void *addr;
} names[] = {
	{ "vbus_link_create", (void *)vbus_link_create },
	{ "vbus_link_fds", (void *)vbus_link_fds },
	{ "vbus_link_attach", (void *)vbus_link_attach },
	{ "vbus_link_close", (void *)vbus_link_close },
	{ "vbus_link_send_fds", (void *)vbus_link_send_fds },
	{ "vbus_link_recv_fds", (void *)vbus_link_recv_fds },
	{ "vbus_link_set_spin", (void *)vbus_link_set_spin },
	{ "vbus_link_spin_budget", (void *)vbus_link_spin_budget },
	{ "vbus_link_set_threshold", (void *)vbus_link_set_threshold },
	{ "vbus_link_send", (void *)vbus_link_send },
	{ "vbus_link_wait_done", (void *)vbus_link_wait_done },
	{ "vbus_link_in_flight", (void *)vbus_link_in_flight },
	{ "vbus_link_recv", (void *)vbus_link_recv },
	{ "vbus_link_interrupt", (void *)vbus_link_interrupt },
	{ "vbus_link_get_stats", (void *)vbus_link_get_stats },
	{ "vbus_link_dump", (void *)vbus_link_dump },
};

int main(int argc, char **argv)
{
	/* the explorer's entry point, so the linker takes the library in (as vbus-model's explore command) */
	int (*volatile explore)(const char *, int, char **) = vbus_explore_core_main;
	void *h = dlopen("libvbus.so.1", RTLD_NOW | RTLD_NOLOAD);
	int bad = 0;

	(void)argc, (void)argv, (void)explore;
	if (!h) {
		fprintf(stderr, "explore_link_names: libvbus.so.1 is not loaded: %s\n", dlerror());
		return 1;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *own = dlsym(h, names[i].name);
		Dl_info at;

		if (own == names[i].addr) {
			printf("ok: %s is libvbus.so's\n", names[i].name);
			continue;
		}
		if (!dladdr(names[i].addr, &at))
			at.dli_fname = "?";
		printf("FAIL: %s is bound to %p in %s, libvbus.so's is %p\n", names[i].name, names[i].addr,
		       at.dli_fname, own);
		bad = 1;
	}
	dlclose(h);
	return bad;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A program linking libvbus.so and the explorer library (as vbus-model does): every libvbus entry point it
 * calls must be libvbus.so's, not the explorer's copy of libvbus.c built against the instrumented shim.
 * The address the program uses for each name is compared with the one libvbus.so's own handle gives.
 * Prints "ok: NAME ..." or "FAIL: NAME ..." per name (link_names.sh compares those names with the map's and
 * with libvbus.so's exports). Exit 0: all libvbus's; 1: a name bound elsewhere (printed). Run by link_names.sh.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#include "explore_core.h"
#include "libvbus.h"

/* every name of tools/libvbus/libvbus.map's global: section, as this program binds it (generated at build
 * time from the map: link_names.cmake) */
static const struct {
	const char *name;
	void *addr;
} names[] = {
#include "link_names.inc"
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

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The production-core explorer as a library (libvbus_explore_core.a): its whole command line.
 * vbus-explore-core (main.c) and `vbus-model explore --impl core` are its two front ends.
 */
#ifndef VBUS_EXPLORE_CORE_H
#define VBUS_EXPLORE_CORE_H
/* Parse argv[1..] (getopt_long from optind 1), explore, print; exit status 0, 1, 2 or 3. */
int vbus_explore_core_main(const char *prog, int argc, char **argv);
#endif

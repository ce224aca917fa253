// SPDX-License-Identifier: GPL-2.0
/* vbus-explore-core: the production-core explorer's own front end (options: explore_core.c). */
#include "explore_core.h"

int main(int argc, char **argv)
{
	return vbus_explore_core_main("vbus-explore-core", argc, argv);
}

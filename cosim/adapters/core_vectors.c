// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-core-vectors: the conformance driver (cosim/driver) over the
 * production core's adapter. Flags and exit codes: vbus_conform.h, --help.
 */
#include "adapters.h"
#include "vbus_conform.h"

int main(int argc, char **argv)
{
	struct vbus_conform c = {
		.prog = "vbus-core-vectors",
		.what = "the production core (kernel/core built in userspace)",
		.run = vbus_core_adapter_run,
		.cycle_tol = -1,
	};

	return vbus_conform_main(&c, argc, argv, VBUS_SOURCE_DIR_DEFAULT);
}

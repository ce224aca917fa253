/* SPDX-License-Identifier: GPL-2.0 */
/* The main() of every userspace Check binary (tests/core, tests/spec, tests/model), kept in one place. */
#ifndef VBUS_TESTS_CHECK_H
#define VBUS_TESTS_CHECK_H

#include <check.h>
#include <stdlib.h>

/* Run every test of @s (forked, CK_NORMAL output); EXIT_SUCCESS iff none failed. */
static inline int vbus_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

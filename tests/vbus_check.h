/* SPDX-License-Identifier: GPL-2.0 */
/* The main() of every userspace Check binary (tests/core, tests/spec, tests/model), kept in one
 * place. */
#ifndef VBUS_TESTS_CHECK_H
#define VBUS_TESTS_CHECK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Run every test of @s (forked, CK_NORMAL output); EXIT_SUCCESS iff none failed and at least one
 * ran: CK_RUN_SUITE / CK_RUN_CASE naming nothing (a typo) is a failure, not a pass of zero tests.
 */
static inline int vbus_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed, ran;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	ran = srunner_ntests_run(sr);
	srunner_free(sr);
	if (!ran) {
		fprintf(stderr, "no test ran: CK_RUN_SUITE='%s' CK_RUN_CASE='%s' select nothing\n",
			getenv("CK_RUN_SUITE") ? getenv("CK_RUN_SUITE") : "",
			getenv("CK_RUN_CASE") ? getenv("CK_RUN_CASE") : "");
		return EXIT_FAILURE;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

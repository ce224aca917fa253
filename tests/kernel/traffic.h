/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VBUS_TEST_TRAFFIC_H
#define VBUS_TEST_TRAFFIC_H
#include <check.h>

/* Echo, mitigation, hostile north and churn with traffic (test_vbus_traffic.c). */
Suite *traffic_suite(void);
/* Work bounds, close latency, worker cgroup, reboot lifecycle (test_vbus_bounds.c). */
Suite *bounds_suite(void);
/* In-kernel moderation against the reference model (test_vbus_moderation.c). */
Suite *moderation_suite(void);
#endif

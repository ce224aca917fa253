/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VBUS_TEST_TRAFFIC_H
#define VBUS_TEST_TRAFFIC_H
#include <check.h>

/* Echo, mitigation, hostile north and churn with traffic (test_vbus_traffic.c). */
Suite *traffic_suite(void);
#endif

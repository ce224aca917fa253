/* SPDX-License-Identifier: GPL-2.0 */
/* vbus-model calibrate: micro-benchmarks -> a §6 parameter file (calibrate.c). */
#ifndef VBUS_MODEL_CALIBRATE_H
#define VBUS_MODEL_CALIBRATE_H
int cmd_calibrate(int argc, char **argv);
#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One channel's predictor for the lockstep scoreboard: a shm-signal (§1) with
 * §4.1 moderation on the device's injects, driven the way the accelerator
 * drives its two irq records (§5.4 HW-1..HW-6). Two independent backends:
 * the model (model/, written from the spec) and the production core
 * (kernel/core/, the code a driver runs). Each backend file includes only its
 * own implementation's headers; this header knows neither.
 */
#ifndef VBUS_COSIM_PRED_H
#define VBUS_COSIM_PRED_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results both backends map their own enums onto. */
enum cs_res { CS_OK, CS_SELF, CS_NOTIFY, CS_SUPPRESS, CS_DEFER, CS_FIRE, CS_DROP, CS_IDLE, CS_OTHER };

/* irq record fields, as in struct vbus_shm_signal_irq */
enum { CS_EN = 0, CS_PEND = 1, CS_DIRTY = 2 };

struct cs_pred_ops {
	const char *name;
	/* A channel: valid descriptor, irq bytes 0, moderation on the device's injects with holdoff 0. */
	void *(*create)(void);
	void (*destroy)(void *ch);
	int (*enable)(void *ch, int side);   /* CS_OK / CS_SELF */
	int (*disable)(void *ch, int side);  /* CS_OK */
	int (*inject)(void *ch, int sender); /* CS_NOTIFY / CS_SUPPRESS / CS_DEFER */
	int (*tick)(void *ch);		     /* CS_FIRE / CS_DROP / CS_IDLE */
	/* MOD-7/MOD-8: the holdoff's remaining time elapses at once (T1-T4 in one step): the v2 accelerator's
	 * expiry at the first scan after its absolute deadline. CS_FIRE / CS_DROP / CS_IDLE (no holdoff). */
	int (*expire)(void *ch);
	/* The shared irq record of receiver @side: enabled, pending, dirty bytes (raw access). */
	uint8_t *(*irq)(void *ch, int side);
	void (*mod_get)(void *ch, uint32_t *mc, uint32_t *mt);
	void (*mod_clear)(void *ch);				       /* mc = mt = 0: a fire outside M1-M4 */
	void (*mod_param)(void *ch, uint32_t holdoff, uint32_t count); /* H, C; keeps mc, mt */
};

extern const struct cs_pred_ops cs_pred_model;
extern const struct cs_pred_ops cs_pred_core;

#ifdef __cplusplus
}
#endif

#endif /* VBUS_COSIM_PRED_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the module's backend drain (kernel/module/vbus_drain.c,
 * the code vbus.ko runs) on the core's userspace shims, against a hostile
 * north. Fuzzed: region size, ring offsets, ring count (2 .. 32768), the
 * per-pass weight, descriptors (offsets, lengths up to VBUS_IOQ_MAX_LEN as
 * far as the region allows), raw pokes, dirty toggles and, with
 * VBUS_FUZZ_RACE=1, racing writes after each shared load (the shim hook).
 *
 * Invariants (abort on failure), after every service call:
 *   - at most max_descs descriptors in the pass, and no descriptor started
 *     once max_bytes bytes were copied (pass bytes < max_bytes + MAX_LEN);
 *   - south.index of the tx ring moved by exactly the pass's descriptors;
 *   - a reschedule point between every two descriptors of the pass;
 *   - a broken result only with a broken ring, and broken stays broken.
 * At exit the outcome counts are printed; core.fuzz-drain (run_fuzz.sh's REACH
 * argument) fails unless the weight-exhausted and the spin/budget-exhausted
 * outcomes and the re-drain after each were reached (the corpus seeds
 * null-spin-then-work, in race mode, and null-weight-1-redrain reach them).
 *
 * Input: [count exp][region sel][ring1 sel][weight descs][weight bytes sel][type]
 * then commands [op][arg][len][len bytes].
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vbus_core.h"
#include "vbus_drain.h"

#define CHECK(c)                                                                                                       \
	do {                                                                                                           \
		if (!(c)) {                                                                                            \
			fprintf(stderr, "fuzz_drain: invariant failed: %s\n", #c);                                     \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

static struct {
	bool on;
	const u8 *tape;
	size_t len, pos;
	u8 *mem;
	size_t size;
	struct vbus_shm_signal_irq *dirty_irq[2];
} race;

static unsigned long long outcome[4], redrain_after_more, spins_then_work;

static u8 race_byte(void)
{
	return race.tape[race.len - 1 - race.pos++];
}

void vbus_shim_race(volatile void *addr, unsigned long size)
{
	u8 *p = (u8 *)(uintptr_t)addr, b;
	unsigned long i;

	if (!race.on || !race.mem || p < race.mem || p + size > race.mem + race.size || race.pos + 1 + size > race.len)
		return;
	b = race_byte();
	if ((b & 7) == 6 && race.dirty_irq[b >> 7]) { /* north injects meanwhile */
		race.dirty_irq[b >> 7]->dirty = 1;
		return;
	}
	if ((b & 15) != 15)
		return;
	for (i = 0; i < size; i++)
		p[i] = race_byte();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("VBUS_FUZZ_RACE");

	(void)argc;
	(void)argv;
	race.on = e && strcmp(e, "1") == 0;
	return 0;
}

__attribute__((destructor)) static void report(void)
{
	fprintf(stderr,
		"fuzz_drain outcomes: idle %llu more %llu spin %llu broken %llu; "
		"re-drain after more %llu, work after spin %llu\n",
		outcome[VBUS_DRAIN_IDLE], outcome[VBUS_DRAIN_MORE], outcome[VBUS_DRAIN_SPIN],
		outcome[VBUS_DRAIN_BROKEN], redrain_after_more, spins_then_work);
}

struct fz {
	u8 *mem;
	u64 size;
	struct ioq qn[2];
	struct vbus_drain dr;
	u64 ring_off[2];
	unsigned int nrings;
	u32 max_descs;
	u64 max_bytes;
	unsigned long rescheds, notifies;
	enum vbus_drain_result prev;
};

static void hook_notify(void *arg, unsigned int ring)
{
	struct fz *f = arg;

	CHECK(ring < f->nrings);
	f->notifies++;
}

static void hook_resched(void *arg)
{
	((struct fz *)arg)->rescheds++;
}

static void service(struct fz *f)
{
	u32 si0 = f->dr.q[0].idx;
	bool broken_before = f->dr.q[0].broken || (f->nrings == 2 && f->dr.q[1].broken);
	enum vbus_drain_result res;
	unsigned long r0 = f->rescheds;

	res = vbus_drain_service(&f->dr, f->max_descs, f->max_bytes);
	CHECK(res <= VBUS_DRAIN_BROKEN);
	outcome[res]++;
	CHECK(f->dr.pass_descs <= f->max_descs);
	CHECK(f->dr.pass_bytes < f->max_bytes + VBUS_IOQ_MAX_LEN);
	CHECK((u32)(f->dr.q[0].idx - si0) == f->dr.pass_descs);
	if (f->dr.pass_descs > 1)
		CHECK(f->rescheds - r0 >= f->dr.pass_descs - 1);
	if (broken_before)
		CHECK(res == VBUS_DRAIN_BROKEN && f->dr.pass_descs == 0);
	if (res == VBUS_DRAIN_BROKEN)
		CHECK(f->dr.q[0].broken || (f->nrings == 2 && f->dr.q[1].broken));
	if (f->prev == VBUS_DRAIN_MORE)
		redrain_after_more++;
	if (f->prev == VBUS_DRAIN_SPIN && f->dr.pass_descs)
		spins_then_work++;
	f->prev = res;
}

/* North posts @n descriptors on ring @r with fuzzed offsets and lengths (clipped to the region mostly). */
static void north_post(struct fz *f, unsigned int r, u8 arg, const u8 *data, u32 len)
{
	struct ioq_desc_info d;
	u32 i, n = 1 + arg % 32;
	u64 off, l;

	for (i = 0; i < n; i++) {
		u8 b = len ? data[i % len] : arg;

		off = ((u64)b * 4099 + i * 64) % f->size;
		l = (b & 0x80) ? f->size - off : (u64)(b & 0x7f) * 512; /* long or short */
		if (l > VBUS_IOQ_MAX_LEN)
			l = VBUS_IOQ_MAX_LEN;
		if (off + l > f->size && !(b & 1))
			l = f->size - off;
		d = (struct ioq_desc_info){
			.cookie = i, .offset = off, .len = (u32)l, .flags = r == 1 ? VBUS_IOQ_DESC_F_WRITE : 0
		};
		if (ioq_push(&f->qn[r], &d, 1) != 1)
			break;
	}
	ioq_kick(&f->qn[r]);
}

static void step(struct fz *f, u8 op, u8 arg, const u8 *data, u32 len)
{
	unsigned int r = arg & (f->nrings - 1);
	u64 off;

	switch (op % 8) {
	case 0:
	case 1:
		north_post(f, r, arg, data, len);
		break;
	case 2:
	case 3:
		service(f);
		break;
	case 4: /* north reclaims what south completed */
		ioq_reclaim(&f->qn[r], 1 + arg, NULL, NULL, NULL);
		break;
	case 5: /* dirty toggled without work */
		f->qn[r].ring->signal.irq[VBUS_SOUTH].dirty = 1;
		break;
	case 6: /* raw poke into a ring (header, indices, descriptors, signal) */
		off = f->ring_off[r] + ((u64)arg * 8) % VBUS_IOQ_RING_SIZE((u64)f->qn[r].cnt);
		if (off + len <= f->size)
			memcpy(f->mem + off, data, len);
		break;
	default:
		f->max_descs = 1 + arg % 64;
		f->max_bytes = 1 + (u64)arg * 8192;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	u32 count, r;
	u64 ring_bytes;
	size_t i = 6;

	if (size < 6)
		return 0;
	memset(&f, 0, sizeof(f));
	count = 2u << (data[0] % 15);	  /* 2 .. 32768 */
	f.nrings = (data[5] & 1) ? 1 : 2; /* null or echo */
	ring_bytes = (VBUS_IOQ_RING_SIZE((u64)count) + 63) & ~63ull;
	f.ring_off[0] = 64 * (u64)(data[1] % 4);
	f.ring_off[1] = f.ring_off[0] + ring_bytes + 64 * (u64)(data[2] % 4);
	f.size = f.ring_off[f.nrings - 1] + ring_bytes + 4096ull * (1 + data[1] / 4 % 64);
	f.max_descs = 1 + data[3] % 64;
	f.max_bytes = 1 + (u64)data[4] * 4096;
	f.mem = calloc(1, f.size);
	if (!f.mem)
		return 0;
	for (r = 0; r < f.nrings; r++)
		CHECK(!ioq_north_init(&f.qn[r], (void *)(f.mem + f.ring_off[r]), count, 0, 0, f.size));
	f.dr.notify = hook_notify;
	f.dr.resched = hook_resched;
	f.dr.arg = &f;
	CHECK(!vbus_drain_attach(&f.dr, f.mem, f.size, f.ring_off, f.nrings));
	race.tape = data;
	race.len = size;
	race.pos = 0;
	race.mem = f.mem;
	race.size = f.size;
	for (r = 0; r < 2; r++)
		race.dirty_irq[r] = r < f.nrings ? &f.qn[r].ring->signal.irq[VBUS_SOUTH] : NULL;
	while (i + 3 <= size) {
		u8 op = data[i], arg = data[i + 1];
		u32 len = data[i + 2] % 64;

		i += 3;
		if (len > size - i)
			len = size - i;
		step(&f, op, arg, data + i, len);
		i += len;
	}
	service(&f);
	race.mem = NULL;
	free(f.mem);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a hostile north mutates the shared memory south reads
 * (ring header, indices, descriptors, signal bytes, bus header, device table,
 * control messages) between south's steps. The regions are allocated at
 * their exact size, so ASan reports any access the core makes outside them.
 * Invariants (abort on failure): every descriptor handed to a pop callback
 * lies inside the region; a broken ring answers -EIO to everything; south's
 * index never runs ahead of what north could have published; bus state only
 * changes through verbs.
 *
 * Input: byte 0 ring count exponent, byte 1 flags (bit 0 EVENT_IDX, bit 1
 * out-of-order completion); then commands of [op][arg][len][len bytes of data].
 * Pop (op 1) with bit 7 of op set runs the core's fused pop (ioq_pop_begin,
 * ioq_pop_desc, ioq_pop_used, ioq_pop_end) instead of ioq_pop.
 *
 * Out-of-order rings (VBUS_IOQ_F_OOO, spec 02 §2.12; flags bit 1): both sides
 * get exactly-sized private tracking memory, and some ops change meaning: pop
 * with an odd arg is ioq_take, kick with an odd arg is ioq_complete of ids the
 * data picks (held ones in any order, or forged / repeated ones: a hostile or
 * buggy caller), push uses unique cookies and reclaim checks them. The fuzzer
 * keeps its own truth, independent of the core: the ids south holds (a take
 * never hands out an id it holds or one >= count; a complete with a forged or
 * duplicate id is -EINVAL and writes nothing, else it releases exactly those
 * ids) and north's cookies in flight (reclaim returns each pushed cookie at
 * most once, with the buffer it was pushed with and no longer length), while
 * pokes make north's ids and south's used[] entries hostile.
 *
 * Race mode (VBUS_FUZZ_RACE=1 in the environment; the target is built with
 * -DVBUS_SHIM_RACE): after each shared load the core makes (the shim's
 * READ_ONCE), north may overwrite the field just loaded, taking the decision
 * and the bytes from the input read backwards. A second fetch of a field
 * inside one core call then sees a value the checks of the first never saw
 * (tests/core/race_planted.sh plants one in ioq_pop and expects the finding).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <asm/byteorder.h>

#include "vbus_core.h"

#define RING_REGION 8192u
#define BUS_REGION 8192u
#define BUS_CTRL_OFF 1280u
#define BUS_EVENT_OFF 2048u
#define BUS_DATA_OFF 4096u

#define CHECK(c)                                                                                                       \
	do {                                                                                                           \
		if (!(c))                                                                                              \
			abort();                                                                                       \
	} while (0)

#define OOO_MAX 128 /* the largest count the fuzzer builds */

struct fz {
	u8 *ring_mem;
	u8 *bus_mem;
	struct ioq qn, qs;
	bool ooo;		 /* the ring is VBUS_IOQ_F_OOO */
	void *track_n, *track_s; /* the two sides' private tracking memory (exact size) */
	u64 next_cookie;	 /* OOO: north's cookies are unique */
	struct {
		u64 cookie, offset;
		u32 len;
		bool on;
	} nf[OOO_MAX];	    /* OOO: north's cookies in flight (pushed, not reclaimed) */
	bool held[OOO_MAX]; /* OOO: the ids south took and did not complete */
	struct ioq cn, cs;  /* control ring: north, south */
	struct ioq en, es;  /* event ring */
	struct vbus_bus *bus;
	u64 touched;
};

static int touch_buffer(void *arg, const struct ioq_desc_info *d, u32 *used)
{
	struct fz *f = arg;
	u64 i;

	CHECK(d->offset <= RING_REGION && d->len <= RING_REGION - d->offset);
	CHECK(d->len <= VBUS_IOQ_MAX_LEN);
	for (i = 0; i < d->len; i += 64) /* ASan checks every line we read */
		f->touched += f->ring_mem[d->offset + i];
	*used = d->len / 2;
	return (d->cookie & 1) ? -EINVAL : 0;
}

/*
 * South's fused pop (vbus_core.h, what libvbus drains with): begin, then each
 * descriptor checked in place and touched as ioq_pop's callback would, its
 * used length reported, then one end. The same invariants as ioq_pop's path.
 */
static int fused_pop(struct fz *f, unsigned int n)
{
	int k = ioq_pop_begin(&f->qs, n), i;

	if (k <= 0)
		return k;
	CHECK((unsigned int)k <= n && (u32)k <= f->qs.cnt);
	for (i = 0; i < k; i++) {
		struct ioq_desc_info d;
		u32 used;

		if (ioq_pop_desc(&f->qs, i, &d)) {
			CHECK(f->qs.broken);
			CHECK(ioq_pop_end(&f->qs, k) == -EIO); /* nothing of the batch published */
			return -EIO;
		}
		CHECK(d.cookie == f->qs.idx + i);
		touch_buffer(f, &d, &used); /* the range invariants; its error result has no fused form */
		CHECK(ioq_pop_used(&f->qs, &d, used) <= d.len);
	}
	return ioq_pop_end(&f->qs, k);
}

static void drain(void *arg)
{
	struct fz *f = arg;
	int n;

	do {
		n = ioq_pop(&f->qs, 4, touch_buffer, f, NULL);
	} while (n > 0);
}

static void check_south(struct fz *f, int ret)
{
	if (f->qs.broken)
		CHECK(ret == -EIO || ret == -EINVAL || ret >= 0 /* signal ops ignore broken */);
	CHECK(f->qs.cnt == 0 || (f->qs.cnt & (f->qs.cnt - 1)) == 0);
}

/* Copy @len fuzz bytes into a region at @off, clipped to the region (a raw poke). */
static void poke(u8 *mem, u32 size, u32 off, const u8 *data, u32 len)
{
	if (off >= size)
		off %= size;
	if (len > size - off)
		len = size - off;
	memcpy(mem + off, data, len);
}

static struct vbus_bus bus_state;

/* Race mode: the tape of racing writes and the shared regions they may hit. */
static struct {
	bool on;
	const u8 *tape;
	size_t len, pos;
	u8 *mem[2];
	size_t size[2];
	unsigned long long races;
} race;

static u8 race_byte(void)
{
	return race.tape[race.len - 1 - race.pos++];
}

void vbus_shim_race(volatile void *addr, unsigned long size)
{
	u8 *p = (u8 *)(uintptr_t)addr;
	unsigned long i;
	int r;

	if (!race.on)
		return;
	for (r = 0; r < 2; r++)
		if (race.mem[r] && p >= race.mem[r] && p + size <= race.mem[r] + race.size[r])
			break;
	if (r == 2 || race.pos + 1 + size > race.len)
		return;
	if ((race_byte() & 7) != 7) /* one load in eight races */
		return;
	for (i = 0; i < size; i++)
		p[i] = race_byte();
	race.races++;
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

static int setup(struct fz *f, u8 exp, u8 flags)
{
	struct vbus_bus_layout lay = {
		.max_devices = 4,
		.device_table_off = 128,
		.ctrl_ring_off = BUS_CTRL_OFF,
		.event_ring_off = BUS_EVENT_OFF,
		.data_off = BUS_DATA_OFF,
		.data_len = BUS_REGION - BUS_DATA_OFF,
	};
	u32 count = 2u << (exp % 7); /* 2 .. 128 */

	f->ring_mem = calloc(1, RING_REGION);
	f->bus_mem = calloc(1, BUS_REGION);
	f->bus = &bus_state; /* large: reused, vbus_bus_create() clears it */
	if (!f->ring_mem || !f->bus_mem)
		return -1;
	f->ooo = flags & 2;
	if (f->ooo) {
		/* exactly the bytes the core asks for: ASan sees any access past them */
		f->track_n = malloc(IOQ_OOO_TRACK_BYTES(count));
		f->track_s = malloc(IOQ_OOO_TRACK_BYTES(count));
		if (!f->track_n || !f->track_s)
			return -1;
		CHECK(!ioq_north_init_ooo(&f->qn, (void *)f->ring_mem, count, VBUS_IOQ_F_OOO | (flags & 1),
					  (u32)flags << 24, RING_REGION, f->track_n, IOQ_OOO_TRACK_BYTES(count)));
		CHECK(!ioq_south_attach_ooo(&f->qs, f->ring_mem, RING_REGION, 0, f->track_s,
					    IOQ_OOO_TRACK_BYTES(count)));
		CHECK(ioq_is_ooo(&f->qs));
	} else {
		CHECK(!ioq_north_init(&f->qn, (void *)f->ring_mem, count, flags & 1, (u32)flags << 24, RING_REGION));
		CHECK(!ioq_south_attach(&f->qs, f->ring_mem, RING_REGION, 0));
	}
	CHECK(!vbus_bus_create(f->bus, f->bus_mem, BUS_REGION, &lay));
	CHECK(vbus_bus_add_device(f->bus, 1, "echo", 2, 3, 4, false) == 0);
	CHECK(vbus_bus_add_device(f->bus, 2, "null", 1, 0, 2, true) == 1);
	CHECK(!ioq_north_init(&f->cn, (void *)(f->bus_mem + BUS_CTRL_OFF), 4, 0, 0, BUS_REGION));
	CHECK(!ioq_south_attach(&f->cs, f->bus_mem, BUS_REGION, BUS_CTRL_OFF));
	CHECK(!ioq_north_init(&f->en, (void *)(f->bus_mem + BUS_EVENT_OFF), 4, 0, 0, BUS_REGION));
	CHECK(!ioq_south_attach(&f->es, f->bus_mem, BUS_REGION, BUS_EVENT_OFF));
	return 0;
}

/* OOO, north: a completion reclaim returned must be a cookie in flight, with its buffer. */
static void reclaim_check(void *arg, const struct ioq_desc_info *d)
{
	struct fz *f = arg;
	u32 i;

	for (i = 0; i < OOO_MAX; i++)
		if (f->nf[i].on && f->nf[i].cookie == d->cookie)
			break;
	CHECK(i < OOO_MAX); /* forged or already reclaimed: a duplicate completion got through */
	CHECK(d->offset == f->nf[i].offset && d->len <= f->nf[i].len);
	f->nf[i].on = false;
}

/* OOO, north: push one buffer with a fresh cookie and remember it. */
static void ooo_push(struct fz *f, u8 arg, u32 len)
{
	struct ioq_desc_info d = { .cookie = ++f->next_cookie, .offset = (u64)arg * 32, .len = len };
	u32 i;

	if (ioq_push(&f->qn, &d, 1) != 1)
		return;
	for (i = 0; i < OOO_MAX && f->nf[i].on; i++)
		;
	CHECK(i < OOO_MAX); /* at most count <= OOO_MAX in flight */
	f->nf[i].on = true;
	f->nf[i].cookie = d.cookie;
	f->nf[i].offset = d.offset;
	f->nf[i].len = d.len;
}

/* The core's per-id busy bits agree with the fuzzer's own record of what south holds. */
static void ooo_check_held(struct fz *f)
{
	u32 i;

	if (!ioq_is_ooo(&f->qs))
		return;
	for (i = 0; i < f->qs.cnt; i++)
		CHECK(!!f->qs.ooo[i].busy == f->held[i]);
}

/* OOO, south: take up to @n; every id handed out is < count, not held, in range. */
static void ooo_take(struct fz *f, unsigned int n)
{
	struct ioq_desc_info d[8];
	u32 si = f->qs.idx, used;
	int ret, i;

	ret = ioq_take(&f->qs, d, n);
	if (ret < 0) {
		CHECK(ret == -EAGAIN || (ret == -EIO && f->qs.broken));
		CHECK(f->qs.idx == si); /* all or nothing */
	} else {
		CHECK((u32)ret <= n && f->qs.idx - si == (u32)ret);
		for (i = 0; i < ret; i++) {
			CHECK(d[i].cookie < f->qs.cnt && !f->held[d[i].cookie]); /* hostile or repeated id */
			f->held[d[i].cookie] = true;
			touch_buffer(f, &d[i], &used);
		}
	}
	ooo_check_held(f);
}

/*
 * OOO, south: complete ids the data picks, in that order: a byte below 0x80
 * names a held id (the k-th one held), 0x80 and above a raw id (forged, or
 * repeated). Valid (distinct, all held) -> n and exactly those released;
 * else -EINVAL and nothing written (used[], south.index, busy bits).
 */
static void ooo_complete(struct fz *f, u8 arg, const u8 *data, u32 len)
{
	struct ioq_desc_info c[8];
	u32 cnt = f->qs.cnt, n = 1 + (arg >> 1) % 8, i, j, k, nheld = 0;
	u8 before[8 * OOO_MAX];
	__le32 si_before = f->qs.ring->south.index;
	u32 done_before = f->qs.done;
	bool valid = true, seen[OOO_MAX] = { false };
	int ret;

	if (n > len)
		n = len;
	if (!n)
		return;
	for (i = 0; i < cnt; i++)
		nheld += f->held[i];
	for (i = 0; i < n; i++) {
		u32 id = data[i] & 0x7f;

		if (!(data[i] & 0x80) && nheld) { /* the (data % nheld)-th held id */
			for (j = 0, k = data[i] % nheld;; j++)
				if (f->held[j] && k-- == 0)
					break;
			id = j;
		}
		c[i] = (struct ioq_desc_info){ .cookie = id,
					       .len = (u32)data[i] << 4,
					       .flags = data[i] & 1 ? VBUS_IOQ_DESC_F_ERROR : 0 };
		if (id >= cnt || !f->held[id] || seen[id])
			valid = false;
		else
			seen[id] = true;
	}
	memcpy(before, (u8 *)f->qs.ring + VBUS_IOQ_USED_OFF((size_t)cnt), 8 * cnt);
	ret = ioq_complete(&f->qs, c, n);
	if (f->qs.broken) {
		CHECK(ret == -EIO);
	} else if (valid) {
		CHECK(ret == (int)n && f->qs.done == done_before + n);
		CHECK(le32_to_cpu(f->qs.ring->south.index) == f->qs.done);
		for (i = 0; i < n; i++)
			f->held[c[i].cookie] = false;
	} else {
		CHECK(ret == -EINVAL && f->qs.done == done_before);
		CHECK(f->qs.ring->south.index == si_before);
		CHECK(!memcmp(before, (u8 *)f->qs.ring + VBUS_IOQ_USED_OFF((size_t)cnt), 8 * cnt));
	}
	ooo_check_held(f);
}

static void step(struct fz *f, u8 op, u8 arg, const u8 *data, u32 len)
{
	struct ioq_desc_info d, last;
	u32 si_before = f->qs.idx;
	int ret;

	if (f->ooo) { /* north's flags are its own; south's follow the header it last validated */
		switch (op % 16) {
		case 1:
			if ((arg & 1) && ioq_is_ooo(&f->qs)) {
				ooo_take(f, 1 + (arg >> 1) % 8);
				return;
			}
			break; /* ioq_pop: in order through used[] */
		case 3:
			if ((arg & 1) && ioq_is_ooo(&f->qs)) {
				ooo_complete(f, arg, data, len);
				return;
			}
			break;
		case 7:
			ooo_push(f, arg, len);
			ioq_kick(&f->qn);
			return;
		case 8:
			ret = ioq_reclaim(&f->qn, 1 + arg % 8, reclaim_check, f, NULL);
			if (f->qn.broken)
				CHECK(ret == -EIO);
			return;
		}
	}
	switch (op % 16) {
	case 0: /* hostile write into the ring: header, indices, descriptors, signal */
		poke(f->ring_mem, RING_REGION, (u32)arg * 4, data, len);
		break;
	case 1:
		if (op & 0x80) { /* the fused pop (libvbus's drain) */
			ret = fused_pop(f, 1 + arg % 8);
			check_south(f, ret);
			if (ioq_is_ooo(&f->qs))
				CHECK(ret == -EINVAL);
			if (ret > 0)
				CHECK((u32)(f->qs.idx - si_before) == (u32)ret);
			else
				CHECK(f->qs.idx == si_before);
			break;
		}
		ret = ioq_pop(&f->qs, 1 + arg % 8, touch_buffer, f, &last);
		check_south(f, ret);
		if (ret > 0)
			CHECK((u32)(f->qs.idx - si_before) == (u32)ret && (u32)ret <= f->qs.cnt);
		break;
	case 2:
		ret = ioq_south_reattach(&f->qs);
		CHECK(ret == 0 || (ret == -EINVAL && f->qs.broken));
		if (ret == 0) /* a re-attached south holds nothing (§2.12: attach starts with no id taken) */
			memset(f->held, 0, sizeof(f->held));
		ooo_check_held(f);
		break;
	case 3:
		check_south(f, ioq_kick(&f->qs));
		break;
	case 4:
		check_south(f, ioq_arm(&f->qs, 1 + arg % 16));
		break;
	case 5:
		if (shm_signal_enable(&f->qs.sig) == SHM_SIGNAL_SELF)
			shm_signal_wakeup(&f->qs.sig, drain, f, 8, NULL);
		break;
	case 6:
		shm_signal_wakeup(&f->qs.sig, drain, f, 1 + arg % 8, NULL);
		break;
	case 7: /* north pushes legitimately (it may be confused by its own pokes) */
		d = (struct ioq_desc_info){ .cookie = arg, .offset = (u64)arg * 32, .len = len, .flags = arg & 1 };
		ioq_push(&f->qn, &d, 1);
		ioq_kick(&f->qn);
		break;
	case 8:
		ret = ioq_reclaim(&f->qn, 1 + arg % 8, NULL, NULL, &last);
		if (f->qn.broken)
			CHECK(ret == -EIO);
		break;
	case 9: /* hostile write into the bus region: header, table, rings, messages */
		poke(f->bus_mem, BUS_REGION, (u32)arg * 32, data, len);
		break;
	case 10: /* north queues a control request at a fuzzed offset; south serves the ring */
		d = (struct ioq_desc_info){ .cookie = 1,
					    .offset = BUS_DATA_OFF + (u32)arg * 8,
					    .len = sizeof(struct vbus_ctrl_msg) };
		poke(f->bus_mem, BUS_REGION, d.offset, data, len);
		ioq_push(&f->cn, &d, 1);
		ret = ioq_pop(&f->cs, 4, vbus_bus_ctrl_pop, f->bus, NULL);
		if (f->cs.broken)
			CHECK(ret == -EIO);
		ioq_reclaim(&f->cn, 4, NULL, NULL, NULL);
		break;
	case 11:
		vbus_bus_check(f->bus);
		break;
	case 12: /* north posts an event buffer; south delivers a queued event */
		d = (struct ioq_desc_info){ .offset = BUS_DATA_OFF + (u32)arg * 16,
					    .len = 16,
					    .flags = VBUS_IOQ_DESC_F_WRITE };
		ioq_push(&f->en, &d, 1);
		if (vbus_bus_events_queued(f->bus))
			ioq_pop(&f->es, 1, vbus_bus_event_pop, f->bus, NULL);
		ioq_reclaim(&f->en, 4, NULL, NULL, NULL);
		break;
	case 13:
		if (arg & 1)
			vbus_bus_drop_device(f->bus, 1 + arg % 3);
		else
			vbus_bus_add_device(f->bus, 1 + arg % 3, "echo", 1, 0, arg % 5, true);
		break;
	case 14: {
		struct vbus_ctrl_msg m;

		memset(&m, 0, sizeof(m));
		memcpy(&m, data, len < sizeof(m) ? len : sizeof(m));
		vbus_bus_ctrl_exec(f->bus, &m);
		break;
	}
	default:
		ret = ioq_pop(&f->cs, 1, vbus_bus_ctrl_pop, f->bus, NULL);
		if (f->cs.broken)
			CHECK(ret == -EIO);
		break;
	}
	/* device states stay in range whatever north wrote into the shared table */
	for (ret = 0; ret < 4; ret++)
		CHECK(f->bus->dev[ret].state <= VBUS_DEV_BROKEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	size_t i = 2;

	if (size < 2)
		return 0;
	memset(&f, 0, sizeof(f));
	race.mem[0] = race.mem[1] = NULL;
	if (setup(&f, data[0], data[1]))
		goto out_free;
	/* setup is north's honest init; races start with the commands */
	race.tape = data;
	race.len = size;
	race.pos = 0;
	race.mem[0] = f.ring_mem;
	race.size[0] = RING_REGION;
	race.mem[1] = f.bus_mem;
	race.size[1] = BUS_REGION;
	while (i + 3 <= size) {
		u8 op = data[i], arg = data[i + 1];
		u32 len = data[i + 2] % 64;

		i += 3;
		if (len > size - i)
			len = size - i;
		step(&f, op, arg, data + i, len);
		i += len;
	}
out_free:
	race.mem[0] = race.mem[1] = NULL;
	free(f.ring_mem);
	free(f.bus_mem);
	free(f.track_n);
	free(f.track_s);
	return 0;
}

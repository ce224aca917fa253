// SPDX-License-Identifier: GPL-2.0
/*
 * §2 IOQ ring v2: push/pop/reclaim completed by index (§2.5: a descriptor is
 * written back only when fewer bytes were used), kick/arm with the event index, attach, and
 * the hostile-north poke. The ring lives at offset 0 of its own byte region;
 * every shared field is read once into a local (HOST-1) and written with the
 * ABI layout. Sequential model: barriers are markers, see signal.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vbus/ioq.h>

#include "internal.h"

#define R_MAGIC offsetof(struct vbus_ioq_ring, magic)
#define R_VERSION offsetof(struct vbus_ioq_ring, version)
#define R_FLAGS offsetof(struct vbus_ioq_ring, flags)
#define R_COUNT offsetof(struct vbus_ioq_ring, count)
#define R_SIG offsetof(struct vbus_ioq_ring, signal)
#define R_IRQ(side) (R_SIG + offsetof(struct vbus_shm_signal_desc, irq) + (side) * sizeof(struct vbus_shm_signal_irq))
#define R_NI (offsetof(struct vbus_ioq_ring, north) + offsetof(struct vbus_ioq_idx, index))
#define R_NE (offsetof(struct vbus_ioq_ring, north) + offsetof(struct vbus_ioq_idx, event))
#define R_SI (offsetof(struct vbus_ioq_ring, south) + offsetof(struct vbus_ioq_idx, index))
#define R_SE (offsetof(struct vbus_ioq_ring, south) + offsetof(struct vbus_ioq_idx, event))
#define D_OFF(slot) (offsetof(struct vbus_ioq_ring, desc) + (size_t)(slot) * sizeof(struct vbus_ioq_desc))
#define D_OFFSET offsetof(struct vbus_ioq_desc, offset)
#define D_LEN offsetof(struct vbus_ioq_desc, len)
#define D_FLAGS offsetof(struct vbus_ioq_desc, flags)
#define D_ID offsetof(struct vbus_ioq_desc, id)
/* §2.12: used[k & (cnt-1)], in the cookie table's place on OOO rings. */
#define U_OFF(cnt, k) (VBUS_IOQ_USED_OFF((size_t)(cnt)) + (size_t)((k) & ((cnt)-1)) * sizeof(struct vbus_ioq_used))
#define U_ID offsetof(struct vbus_ioq_used, id)
#define U_FLAGS offsetof(struct vbus_ioq_used, flags)
#define U_LEN offsetof(struct vbus_ioq_used, len)
/* North's cookie table after desc[] (§2.1): north only, south never reads it. */
#define C_OFF(cnt, slot) (VBUS_IOQ_COOKIE_OFF((size_t)(cnt)) + (size_t)(slot)*8)

uint32_t vm_ring_shared(const struct vm_ring *r, int which)
{
	static const size_t off[] = { R_NI, R_SI, R_NE, R_SE };
	return vm_rd32(r->region + off[which]);
}

int vm_need_event(uint32_t event, uint32_t nw, uint32_t old)
{
	return (uint32_t)(nw - event - 1) < (uint32_t)(nw - old);
}

int vm_obj_init_ring(struct vm_obj *o, const char *name, uint32_t count, unsigned flags, uint32_t base, uint64_t region)
{
	int evidx = !!(flags & VBUS_IOQ_F_EVENT_IDX), ooo = !!(flags & VBUS_IOQ_F_OOO);
	memset(o, 0, sizeof(*o));
	strncpy(o->name, name, sizeof(o->name) - 1);
	o->kind = VM_RING;
	struct vm_ring *r = &o->ring;
	if (count < VBUS_IOQ_MIN_COUNT || count > VBUS_IOQ_MAX_COUNT || (count & (count - 1)) ||
	    region < VBUS_IOQ_RING_SIZE(count) || region > (1ull << 30) || (flags & ~VBUS_IOQ_F_KNOWN))
		return -EINVAL;
	r->region = calloc(1, region);
	if (!r->region)
		return -ENOMEM;
	if (ooo) { /* both sides' private tracking (§2.12); south offers OOO for up to count ids */
		r->ncookie = calloc(count, sizeof(*r->ncookie));
		r->nlen = calloc(count, sizeof(*r->nlen));
		r->nbusy = calloc(count, 1);
		r->nfree = calloc(count, sizeof(*r->nfree));
		r->held = calloc(count, 1);
		r->tlen = calloc(count, sizeof(*r->tlen));
		if (!r->ncookie || !r->nlen || !r->nbusy || !r->nfree || !r->held || !r->tlen)
			return -ENOMEM;
		for (uint32_t i = 0; i < count; i++)
			r->nfree[i] = (uint16_t)(count - 1 - i); /* reference allocator: 0, 1, 2 ... first */
		r->nnfree = count;
		r->soffer = 1;
	}
	r->region_size = region;
	uint8_t *m = r->region;
	/* North initialises (§2.2, SIG-2): every descriptor and cookie zero (calloc). */
	vm_wr32(m + R_MAGIC, VBUS_IOQ_MAGIC);
	vm_wr(m + R_VERSION, 2, VBUS_IOQ_VERSION);
	vm_wr(m + R_FLAGS, 2, flags);
	vm_wr32(m + R_COUNT, count);
	vm_wr32(m + R_SIG + offsetof(struct vbus_shm_signal_desc, magic), VBUS_SHM_SIGNAL_MAGIC);
	vm_wr32(m + R_SIG + offsetof(struct vbus_shm_signal_desc, version), VBUS_SHM_SIGNAL_VERSION);
	vm_wr32(m + R_NI, base);
	vm_wr32(m + R_SI, base);
	vm_wr32(m + R_NE, base);
	vm_wr32(m + R_SE, base);
	r->sig.desc = m + R_SIG;
	r->ncount = count;
	r->nflags = flags;
	(void)evidx;
	r->ni = r->rc = r->nk = base;
	return vm_ring_attach(r) == VM_OK ? 0 : -EINVAL;
}

/* violate(why): broken, counted, -EIO; nothing of the call is published (§2.5). */
static int violate(struct vm_ring *r, const char *why)
{
	r->sbroken = 1;
	r->violations++;
	r->last_violation = why;
	return -EIO;
}

static int violate_north(struct vm_ring *r, const char *why)
{
	r->nbroken = 1;
	r->last_violation = why;
	return -EIO;
}

int vm_ring_attach(struct vm_ring *r)
{
	const uint8_t *m = r->region;
	/* Each header field read once (HOST-1). */
	uint32_t magic = vm_rd32(m + R_MAGIC);
	uint32_t version = (uint32_t)vm_rd(m + R_VERSION, 2);
	uint32_t flags = (uint32_t)vm_rd(m + R_FLAGS, 2);
	uint32_t count = vm_rd32(m + R_COUNT);
	uint32_t smagic = vm_rd32(m + R_SIG + offsetof(struct vbus_shm_signal_desc, magic));
	uint32_t sversion = vm_rd32(m + R_SIG + offsetof(struct vbus_shm_signal_desc, version));

	if (magic != VBUS_IOQ_MAGIC || version != VBUS_IOQ_VERSION || count < VBUS_IOQ_MIN_COUNT ||
	    count > VBUS_IOQ_MAX_COUNT || (count & (count - 1)) ||
	    (flags & ~(VBUS_IOQ_F_EVENT_IDX | (r->soffer ? VBUS_IOQ_F_OOO : 0))) || /* negotiation (§2.12) */
	    ((flags & VBUS_IOQ_F_OOO) && count > r->ncount) ||			    /* more ids than south tracks */
	    smagic != VBUS_SHM_SIGNAL_MAGIC || sversion != VBUS_SHM_SIGNAL_VERSION ||
	    VBUS_IOQ_RING_SIZE((uint64_t)count) > r->region_size) {
		violate(r, "header");
		return -EINVAL;
	}
	r->cnt = count;
	r->sflags = flags;
	r->si = r->sk = r->done = vm_rd32(m + R_SI);
	if (flags & VBUS_IOQ_F_OOO)
		memset(r->held, 0, r->ncount); /* nothing taken yet */
	r->sbroken = 0;
	return VM_OK;
}

int vm_ring_push(struct vm_ring *r, uint32_t n, uint32_t len, uint64_t off, const uint64_t *cookie, uint16_t flags,
		 uint32_t *pushed)
{
	*pushed = 0;
	if ((uint64_t)(uint32_t)(r->ni - r->rc) + n > r->ncount) /* P1: all or nothing */
		return -ENOSPC;
	for (uint32_t i = 0; i < n; i++) { /* P2 */
		uint32_t slot = r->ni & (r->ncount - 1);
		uint8_t *d = r->region + D_OFF(slot);
		vm_wr(d + D_OFFSET, 8, off);
		vm_wr32(d + D_LEN, len);
		vm_wr(d + D_FLAGS, 2, flags);
		if (r->nflags & VBUS_IOQ_F_OOO) { /* P2': an id per descriptor, its cookie and len private */
			uint16_t id = r->nfree[--r->nnfree];
			r->ncookie[id] = cookie ? *cookie : r->ni;
			r->nlen[id] = len;
			r->nbusy[id] = 1;
			vm_wr(d + D_ID, 2, id);
		} else {
			vm_wr(r->region + C_OFF(r->ncount, slot), 8, cookie ? *cookie : r->ni);
		}
		r->ni++;
	}
	/* P3 WMB-PUBLISH, once per batch: the descriptors before the index; pairs with RMB-INDEX (Q2). */
	vm_wr32(r->region + R_NI, r->ni); /* P4 */
	*pushed = n;
	return VM_OK;
}

/*
 * Q5/T5: descriptor number @s, each field read once and checked (IOQ-10); on OOO rings its id too:
 * < cnt and not held (§2.12 T5). The id read precedes the other checks, as in the core.
 */
static int read_desc(struct vm_ring *r, uint32_t s, uint32_t *len, uint32_t *id)
{
	const uint8_t *d = r->region + D_OFF(s & (r->cnt - 1));
	uint64_t doff = vm_rd(d + D_OFFSET, 8);
	uint32_t dlen = vm_rd32(d + D_LEN), dflags = (uint32_t)vm_rd(d + D_FLAGS, 2);
	*id = 0;
	if (r->sflags & VBUS_IOQ_F_OOO) {
		*id = (uint32_t)vm_rd(d + D_ID, 2);
		if (*id >= r->cnt || r->held[*id])
			return violate(r, "id");
	}
	if (dflags & ~VBUS_IOQ_DESC_F_KNOWN)
		return violate(r, "flags");
	if (dlen > VBUS_IOQ_MAX_LEN || doff > r->region_size || dlen > r->region_size - doff)
		return violate(r, "range");
	*len = dlen;
	return VM_OK;
}

int vm_ring_pop(struct vm_ring *r, uint32_t n, const uint32_t *used, uint32_t *got, uint64_t *cookie, uint32_t *len)
{
	*got = 0;
	if (r->sbroken) /* Q0 */
		return -EIO;
	uint32_t x = vm_rd32(r->region + R_NI); /* Q1: single fetch */
	/* Q2 RMB-INDEX: the index before the descriptors; pairs with WMB-PUBLISH (P3). */
	uint32_t avail = x - r->si; /* Q3 */
	if (avail > r->cnt)
		return violate(r, "index");
	if (avail == 0) /* Q4 */
		return -EAGAIN;
	uint32_t k = n < avail ? n : avail, s = r->si;
	int ooo = !!(r->sflags & VBUS_IOQ_F_OOO);
	for (uint32_t i = 0; i < k; i++) { /* Q5 */
		uint32_t dlen, id;
		int rc = read_desc(r, s, &dlen, &id);
		if (rc)
			return rc;
		uint32_t w = used && *used < dlen ? *used : dlen;
		if (ooo) { /* OOO ring completed in order: a used[] entry, no write-back (§2.12) */
			uint8_t *u = r->region + U_OFF(r->cnt, r->done + i);
			vm_wr(u + U_ID, 2, id);
			vm_wr(u + U_FLAGS, 2, 0);
			vm_wr32(u + U_LEN, w);
			*cookie = id;
		} else {
			if (w < dlen) /* the only write-back: fewer bytes used than the buffer holds */
				vm_wr32(r->region + D_OFF(s & (r->cnt - 1)) + D_LEN, w);
			*cookie = s; /* v2: south sees the descriptor's index, not north's cookie */
		}
		s++;
		*len = w;
	}
	/* Q6 WMB-COMPLETE, once per batch: write-backs before the index; pairs with RMB-RECLAIM (R2). */
	r->si = s;
	if (ooo)
		r->done += k;
	vm_wr32(r->region + R_SI, ooo ? r->done : s); /* Q7 */
	*got = k;
	return VM_OK;
}

int vm_ring_take(struct vm_ring *r, uint32_t n, uint32_t *got, uint64_t *id, uint32_t *len)
{
	*got = 0;
	if (!(r->sflags & VBUS_IOQ_F_OOO))
		return -EINVAL;
	if (r->sbroken) /* T0 */
		return -EIO;
	uint32_t x = vm_rd32(r->region + R_NI); /* T1 */
	/* T2 RMB-INDEX: the index before the descriptors; pairs with WMB-PUBLISH (P3). */
	uint32_t avail = x - r->si; /* T3 */
	if (avail > r->cnt)
		return violate(r, "index");
	if (avail == 0) /* T4 */
		return -EAGAIN;
	uint32_t k = n < avail ? n : avail;
	uint16_t *ids = malloc(k * sizeof(*ids)); /* ids of this call, released again on a violation */
	if (!ids)
		return -ENOMEM;
	for (uint32_t i = 0; i < k; i++) { /* T5 */
		uint32_t dlen, did;
		int rc = read_desc(r, r->si + i, &dlen, &did);
		if (rc) { /* nothing of this call is taken */
			for (uint32_t j = 0; j < i; j++)
				r->held[ids[j]] = 0;
			free(ids);
			return rc;
		}
		ids[i] = (uint16_t)did;
		r->held[did] = 1;
		r->tlen[did] = dlen;
		*id = did;
		*len = dlen;
	}
	free(ids);
	r->si += k;
	*got = k;
	return VM_OK;
}

int vm_ring_complete(struct vm_ring *r, uint32_t id, uint32_t used, int error)
{
	if (!(r->sflags & VBUS_IOQ_F_OOO))
		return -EINVAL;
	if (r->sbroken) /* C0 */
		return -EIO;
	if (id >= r->cnt || !r->held[id]) /* C1: south's own bug, nothing written */
		return -EINVAL;
	uint8_t *u = r->region + U_OFF(r->cnt, r->done); /* C2 */
	vm_wr(u + U_ID, 2, id);
	vm_wr(u + U_FLAGS, 2, error ? VBUS_IOQ_DESC_F_ERROR : 0);
	vm_wr32(u + U_LEN, used < r->tlen[id] ? used : r->tlen[id]);
	r->held[id] = 0;
	r->done++;
	/* C3 WMB-COMPLETE: the used[] entry before the index; pairs with RMB-RECLAIM (R2). */
	vm_wr32(r->region + R_SI, r->done); /* C4 */
	return VM_OK;
}

int vm_ring_reclaim(struct vm_ring *r, uint32_t n, uint32_t *got, uint64_t *cookie, uint32_t *len)
{
	*got = 0;
	if (r->nbroken) /* R0 */
		return -EIO;
	uint32_t y = vm_rd32(r->region + R_SI); /* R1 */
	/* R2 RMB-RECLAIM: the index before the descriptors; pairs with WMB-COMPLETE (Q6). */
	uint32_t done = y - r->rc; /* R3 */
	if (done > (uint32_t)(r->ni - r->rc))
		return violate_north(r, "index");
	if (done == 0) /* R4 */
		return -EAGAIN;
	uint32_t k = n < done ? n : done;
	if (r->nflags & VBUS_IOQ_F_OOO) { /* R5': completions by id, checked against north's private state */
		for (uint32_t i = 0; i < k; i++) {
			const uint8_t *u = r->region + U_OFF(r->ncount, r->rc);
			uint32_t id = (uint32_t)vm_rd(u + U_ID, 2), uf = (uint32_t)vm_rd(u + U_FLAGS, 2);
			uint32_t ul = vm_rd32(u + U_LEN);
			if (id >= r->ncount || !r->nbusy[id])
				return violate_north(r, "id");
			if ((uf & ~VBUS_IOQ_DESC_F_ERROR) || ul > r->nlen[id])
				return violate_north(r, "used");
			*cookie = r->ncookie[id];
			*len = ul;
			r->nbusy[id] = 0;
			r->nfree[r->nnfree++] = (uint16_t)id;
			r->rc++;
			*got = i + 1;
		}
		return VM_OK;
	}
	for (uint32_t i = 0; i < k; i++) { /* R5 */
		uint32_t slot = r->rc & (r->ncount - 1);
		const uint8_t *d = r->region + D_OFF(slot);
		*cookie = vm_rd(r->region + C_OFF(r->ncount, slot), 8);
		*len = vm_rd32(d + D_LEN);
		r->rc++;
	}
	*got = k;
	return VM_OK;
}

int vm_ring_kick(struct vm_ring *r, int x)
{
	uint32_t nw = x == VBUS_NORTH ? r->ni : (r->sflags & VBUS_IOQ_F_OOO) ? r->done : r->si;
	uint32_t *oldp = x == VBUS_NORTH ? &r->nk : &r->sk;
	uint32_t old = *oldp, flags = x == VBUS_NORTH ? r->nflags : r->sflags;
	*oldp = nw;
	/* K0 MB-PUBLISH (WMB-INJECT with EVENT_IDX), KE elision, K1, K2 MB-INJECT: K1 and the index
	 * store before the K3-K5 loads; pairs with MB-ENABLE, MB-CLEAR and MB-ARM (A2). */
	if (!vm_sig_kick_check(&r->sig, x, !!(flags & VBUS_IOQ_F_EVENT_IDX))) /* KE, K3 */
		return VM_SUPPRESS;
	if (flags & VBUS_IOQ_F_EVENT_IDX) { /* K4 */
		uint32_t ev = vm_rd32(r->region + (x == VBUS_NORTH ? R_SE : R_NE));
		if (!vm_need_event(ev, nw, old))
			return VM_EVSKIP;
	}
	return vm_sig_kick_send(&r->sig, x); /* K5 */
}

int vm_ring_arm(struct vm_ring *r, int x, uint32_t t)
{
	int south = x == VBUS_SOUTH;
	if (south ? r->sbroken : r->nbroken)
		return -EIO;
	uint32_t seen = south ? r->si : r->rc;
	vm_wr32(r->region + (south ? R_SE : R_NE), seen + t - 1); /* A1 */
	/* A2 MB-ARM: A1 before the A3 load; pairs with MB-INJECT (K2). */
	uint32_t y = vm_rd32(r->region + (south ? R_NI : R_SI)); /* A3 */
	if (south && (uint32_t)(y - r->si) > r->cnt)
		return violate(r, "index");
	if (!south && (uint32_t)(y - r->rc) > (uint32_t)(r->ni - r->rc))
		return violate_north(r, "index");
	if ((uint32_t)(y - seen) >= t) /* A4 */
		return VM_READY;
	return VM_ARMED; /* A5 */
}

int vm_ring_poke(struct vm_ring *r, const char *field, uint64_t val)
{
	static const struct {
		const char *name;
		size_t off;
		int bytes;
	} f[] = {
		{ "magic", R_MAGIC, 4 },
		{ "version", R_VERSION, 2 },
		{ "flags", R_FLAGS, 2 },
		{ "count", R_COUNT, 4 },
		{ "sig.magic", R_SIG + offsetof(struct vbus_shm_signal_desc, magic), 4 },
		{ "sig.version", R_SIG + offsetof(struct vbus_shm_signal_desc, version), 4 },
		{ "ni", R_NI, 4 },
		{ "si", R_SI, 4 },
		{ "ne", R_NE, 4 },
		{ "se", R_SE, 4 },
		{ "N.e", R_IRQ(VBUS_NORTH) + 0, 1 },
		{ "N.p", R_IRQ(VBUS_NORTH) + 1, 1 },
		{ "N.d", R_IRQ(VBUS_NORTH) + 2, 1 },
		{ "S.e", R_IRQ(VBUS_SOUTH) + 0, 1 },
		{ "S.p", R_IRQ(VBUS_SOUTH) + 1, 1 },
		{ "S.d", R_IRQ(VBUS_SOUTH) + 2, 1 },
	};
	size_t off = 0;
	int bytes = 0;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!strcmp(field, f[i].name)) {
			off = f[i].off;
			bytes = f[i].bytes;
		}
	if (!bytes && !strncmp(field, "desc", 4)) {
		char *end;
		unsigned long slot = strtoul(field + 4, &end, 10);
		static const struct {
			const char *name;
			size_t off;
			int bytes;
		} df[] = {
			{ ".len", D_LEN, 4 }, { ".offset", D_OFFSET, 8 }, { ".flags", D_FLAGS, 2 }, { ".id", D_ID, 2 }
		};
		if (end == field + 4 || slot >= r->ncount)
			return -EINVAL;
		for (size_t i = 0; i < sizeof(df) / sizeof(df[0]); i++)
			if (!strcmp(end, df[i].name)) {
				off = D_OFF(slot) + df[i].off;
				bytes = df[i].bytes;
			}
		if (!strcmp(end, ".cookie")) {
			off = C_OFF(r->ncount, slot);
			bytes = 8;
		}
	}
	if (!bytes || (bytes < 8 && val >> (8 * bytes)))
		return -EINVAL;
	vm_wr(r->region + off, bytes, val);
	return 0;
}

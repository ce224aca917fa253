// SPDX-License-Identifier: GPL-2.0
/*
 * ABI conformance: every struct of the ABI header set against the
 * machine-readable layout tables of docs/spec/ (```layout blocks), the
 * accelerator register map of <vbus/accel.h> against docs/spec/05's ```regmap
 * blocks, and the committed Verilog include against the generator's output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vbus/abi.h>
#include "../vbus_check.h"

struct field {
	const char *strct, *name;
	size_t off, size;
};

#define F(s, f)                                                                                                        \
	{                                                                                                              \
#s, #f, __builtin_offsetof(struct s, f), sizeof(((struct s *)0)->f)                                    \
	}
#define FAM(s, f)                                                                                                      \
	{                                                                                                              \
#s, #f, __builtin_offsetof(struct s, f), 0                                                             \
	}

static const struct field fields[] = {
	F(vbus_shm_signal_irq, enabled),
	F(vbus_shm_signal_irq, pending),
	F(vbus_shm_signal_irq, dirty),
	F(vbus_shm_signal_irq, reserved),
	F(vbus_shm_signal_irq, pad),
	F(vbus_shm_signal_desc, magic),
	F(vbus_shm_signal_desc, version),
	F(vbus_shm_signal_desc, reserved),
	F(vbus_shm_signal_desc, irq),
	F(vbus_ioq_desc, offset),
	F(vbus_ioq_desc, len),
	F(vbus_ioq_desc, flags),
	F(vbus_ioq_desc, id),
	F(vbus_ioq_used, id),
	F(vbus_ioq_used, flags),
	F(vbus_ioq_used, len),
	F(vbus_ioq_idx, index),
	F(vbus_ioq_idx, event),
	F(vbus_ioq_idx, reserved),
	F(vbus_ioq_ring, magic),
	F(vbus_ioq_ring, version),
	F(vbus_ioq_ring, flags),
	F(vbus_ioq_ring, count),
	F(vbus_ioq_ring, reserved0),
	F(vbus_ioq_ring, signal),
	F(vbus_ioq_ring, reserved1),
	F(vbus_ioq_ring, north),
	F(vbus_ioq_ring, south),
	FAM(vbus_ioq_ring, desc),
	F(vbus_shm_header, magic),
	F(vbus_shm_header, version),
	F(vbus_shm_header, size),
	F(vbus_shm_header, features),
	F(vbus_shm_header, max_devices),
	F(vbus_shm_header, device_table_off),
	F(vbus_shm_header, ctrl_ring_off),
	F(vbus_shm_header, event_ring_off),
	F(vbus_shm_header, aggr_queue_off),
	F(vbus_shm_header, data_off),
	F(vbus_shm_header, data_len),
	F(vbus_shm_header, north_peer),
	F(vbus_shm_header, south_peer),
	F(vbus_shm_header, north_gen),
	F(vbus_shm_header, south_gen),
	F(vbus_shm_header, link),
	F(vbus_shm_header, reserved),
	F(vbus_device_record, id),
	F(vbus_device_record, version),
	F(vbus_device_record, state),
	F(vbus_device_record, max_shm),
	F(vbus_device_record, type),
	F(vbus_device_record, features),
	F(vbus_device_record, reserved),
	F(vbus_ctrl_msg, op),
	F(vbus_ctrl_msg, devid),
	F(vbus_ctrl_msg, arg0),
	F(vbus_ctrl_msg, arg1),
	F(vbus_ctrl_msg, offset),
	F(vbus_ctrl_msg, len),
	F(vbus_ctrl_msg, sigdesc),
	F(vbus_ctrl_msg, result),
	F(vbus_ctrl_msg, ret),
	F(vbus_ctrl_msg, reserved),
	F(vbus_event, type),
	F(vbus_event, devid),
	F(vbus_event, seq),
	F(vbus_aggr_queue, magic),
	F(vbus_aggr_queue, count),
	F(vbus_aggr_queue, head),
	F(vbus_aggr_queue, tail),
	F(vbus_aggr_queue, signal),
	F(vbus_aggr_queue, reserved),
	FAM(vbus_aggr_queue, handle),
	F(vbus_ioc_shm, fd),
	F(vbus_ioc_shm, flags),
	F(vbus_ioc_shm, addr),
	F(vbus_ioc_shm, size),
	F(vbus_ioc_device, slot),
	F(vbus_ioc_device, id),
	F(vbus_ioc_device, version),
	F(vbus_ioc_device, flags),
	F(vbus_ioc_device, type),
	F(vbus_ioc_device, ring_off),
	F(vbus_ioc_device, signal),
	F(vbus_ioc_device, record_off),
	F(vbus_ioc_eventfd, index),
	F(vbus_ioc_eventfd, fd),
	F(vbus_ioc_stats, slot),
	F(vbus_ioc_stats, broken),
	F(vbus_ioc_stats, doorbells),
	F(vbus_ioc_stats, interrupts),
	F(vbus_ioc_stats, suppressed),
	F(vbus_ioc_stats, messages),
	F(vbus_ioc_stats, violations),
	F(vbus_ioc_stats, reserved),
	F(vbus_ioc_weight, descs),
	F(vbus_ioc_weight, reserved),
	F(vbus_ioc_weight, bytes),
};

static const struct {
	const char *name;
	size_t size;
} structs[] = {
	{ "vbus_shm_signal_irq", sizeof(struct vbus_shm_signal_irq) },
	{ "vbus_shm_signal_desc", sizeof(struct vbus_shm_signal_desc) },
	{ "vbus_ioq_desc", sizeof(struct vbus_ioq_desc) },
	{ "vbus_ioq_used", sizeof(struct vbus_ioq_used) },
	{ "vbus_ioq_idx", sizeof(struct vbus_ioq_idx) },
	{ "vbus_ioq_ring", sizeof(struct vbus_ioq_ring) },
	{ "vbus_shm_header", sizeof(struct vbus_shm_header) },
	{ "vbus_device_record", sizeof(struct vbus_device_record) },
	{ "vbus_ctrl_msg", sizeof(struct vbus_ctrl_msg) },
	{ "vbus_event", sizeof(struct vbus_event) },
	{ "vbus_aggr_queue", sizeof(struct vbus_aggr_queue) },
	{ "vbus_ioc_shm", sizeof(struct vbus_ioc_shm) },
	{ "vbus_ioc_device", sizeof(struct vbus_ioc_device) },
	{ "vbus_ioc_eventfd", sizeof(struct vbus_ioc_eventfd) },
	{ "vbus_ioc_stats", sizeof(struct vbus_ioc_stats) },
	{ "vbus_ioc_weight", sizeof(struct vbus_ioc_weight) },
};

#define NSTRUCTS (sizeof(structs) / sizeof(structs[0]))
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* What the spec's blocks said, collected once. */
static struct spec_field {
	char strct[64], name[64];
	size_t off, size;
	char where[300];
} spec_fields[256];
static size_t n_spec_fields;
static struct spec_struct {
	char name[64];
	size_t size;
	char where[300];
} spec_structs[64];
static size_t n_spec_structs;

struct spec_reg {
	char block[16], name[32];
	unsigned long a, b;
	char access[8];
	unsigned long reset;
	char where[300];
};
static struct spec_reg spec_regs[64];
static size_t n_spec_regs;

static const char *src_dir(void)
{
	const char *d = getenv("VBUS_SOURCE_DIR");

	return d ? d : VBUS_SOURCE_DIR_DEFAULT;
}

static void parse_md(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], kind[16] = "", block[64] = "";
	int lineno = 0;

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char a[64], b[64], c[64], d[64];
		int n;

		lineno++;
		if (!strncmp(line, "```layout ", 10)) {
			struct spec_struct *s = &spec_structs[n_spec_structs++];

			ck_assert(n_spec_structs < 64);
			ck_assert_msg(sscanf(line + 10, "%63s %zu", s->name, &s->size) == 2, "%s:%d: bad layout header",
				      path, lineno);
			snprintf(s->where, sizeof(s->where), "%.250s:%d", path, lineno);
			strcpy(kind, "layout");
			strcpy(block, s->name);
			continue;
		}
		if (!strncmp(line, "```regmap ", 10)) {
			ck_assert_msg(sscanf(line + 10, "%63s", block) == 1, "%s:%d: bad regmap", path, lineno);
			strcpy(kind, "regmap");
			continue;
		}
		if (!strncmp(line, "```", 3)) {
			kind[0] = '\0';
			continue;
		}
		if (!strcmp(kind, "layout")) {
			struct spec_field *sf = &spec_fields[n_spec_fields++];

			ck_assert(n_spec_fields < 256);
			n = sscanf(line, "%63s %zu %zu", sf->name, &sf->off, &sf->size);
			ck_assert_msg(n == 3, "%s:%d: expected 'field offset size'", path, lineno);
			strcpy(sf->strct, block);
			snprintf(sf->where, sizeof(sf->where), "%.250s:%d", path, lineno);
		} else if (!strcmp(kind, "regmap")) {
			struct spec_reg *r = &spec_regs[n_spec_regs++];

			ck_assert(n_spec_regs < 64);
			snprintf(r->block, sizeof(r->block), "%.15s", block);
			snprintf(r->where, sizeof(r->where), "%.250s:%d", path, lineno);
			if (!strcmp(block, "status")) {
				n = sscanf(line, "%31s %lu %lu", r->name, &r->a, &r->b);
				ck_assert_msg(n == 3, "%s:%d: expected 'name lsb width'", path, lineno);
			} else {
				n = sscanf(line, "%31s %63s %63s %63s", r->name, a, c, d);
				ck_assert_msg(n == 4, "%s:%d: expected 'name offset access reset'", path, lineno);
				r->a = strtoul(a, NULL, 0);
				snprintf(r->access, sizeof(r->access), "%.7s", c);
				r->reset = strtoul(d, NULL, 0);
			}
			(void)b;
		}
	}
	fclose(f);
}

static void load_spec(void)
{
	char dir[400];
	DIR *d;
	struct dirent *e;

	if (n_spec_structs)
		return;
	snprintf(dir, sizeof(dir), "%s/docs/spec", src_dir());
	d = opendir(dir);
	ck_assert_msg(d, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char path[700];
		size_t len = strlen(e->d_name);

		if (len < 4 || strcmp(e->d_name + len - 3, ".md"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		parse_md(path);
	}
	closedir(d);
}

START_TEST(struct_sizes_match_spec)
{
	load_spec();
	for (size_t i = 0; i < NSTRUCTS; i++) {
		const struct spec_struct *found = NULL;

		for (size_t j = 0; j < n_spec_structs; j++)
			if (!strcmp(spec_structs[j].name, structs[i].name))
				found = &spec_structs[j];
		ck_assert_msg(found, "struct %s has no ```layout block in docs/spec", structs[i].name);
		ck_assert_msg(found->size == structs[i].size, "%s: spec says %s is %zu bytes, header has %zu",
			      found->where, structs[i].name, found->size, structs[i].size);
	}
	ck_assert_uint_eq(n_spec_structs, NSTRUCTS);
}
END_TEST

START_TEST(field_offsets_match_spec)
{
	load_spec();
	for (size_t i = 0; i < n_spec_fields; i++) {
		const struct spec_field *sf = &spec_fields[i];
		const struct field *f = NULL;

		for (size_t j = 0; j < NFIELDS; j++)
			if (!strcmp(fields[j].strct, sf->strct) && !strcmp(fields[j].name, sf->name))
				f = &fields[j];
		ck_assert_msg(f, "%s: %s.%s is not in the ABI header (or not in this test's table)", sf->where,
			      sf->strct, sf->name);
		ck_assert_msg(f->off == sf->off && f->size == sf->size,
			      "%s: %s.%s: spec offset %zu size %zu, header offset %zu size %zu", sf->where, sf->strct,
			      sf->name, sf->off, sf->size, f->off, f->size);
	}
	/* and every header field is in the spec */
	for (size_t j = 0; j < NFIELDS; j++) {
		int seen = 0;

		for (size_t i = 0; i < n_spec_fields; i++)
			seen |= !strcmp(fields[j].strct, spec_fields[i].strct) &&
				!strcmp(fields[j].name, spec_fields[i].name);
		ck_assert_msg(seen, "%s.%s is missing from the spec's layout tables", fields[j].strct, fields[j].name);
	}
}
END_TEST

START_TEST(fields_tile_each_struct)
{
	/* no hidden padding: the spec's fields cover every byte exactly once, in order */
	load_spec();
	for (size_t i = 0; i < n_spec_structs; i++) {
		size_t next = 0;

		for (size_t j = 0; j < n_spec_fields; j++) {
			if (strcmp(spec_fields[j].strct, spec_structs[i].name))
				continue;
			ck_assert_msg(spec_fields[j].off == next, "%s: %s.%s starts at %zu, expected %zu",
				      spec_fields[j].where, spec_structs[i].name, spec_fields[j].name,
				      spec_fields[j].off, next);
			next += spec_fields[j].size;
		}
		ck_assert_msg(next == spec_structs[i].size, "%s: fields of %s end at %zu, size is %zu",
			      spec_structs[i].where, spec_structs[i].name, next, spec_structs[i].size);
	}
}
END_TEST

struct reg {
	const char *block, *name, *access;
	unsigned long a, b, reset;
};

#define RG(name, off, acc, rst, desc) { "global", #name, #acc, off, 0, rst },
#define RC(name, off, acc, rst, desc) { "channel", #name, #acc, off, 0, rst },
#define RS(name, lsb, width, desc) { "status", #name, "", lsb, width, 0 },
static const struct reg regs[] = { VBUS_ACCEL_GLOBAL_REGS(RG) VBUS_ACCEL_CHAN_REGS(RC) VBUS_ACCEL_STATUS_FIELDS(RS) };
#define NREGS (sizeof(regs) / sizeof(regs[0]))

START_TEST(regmap_matches_spec)
{
	load_spec();
	ck_assert_uint_eq(n_spec_regs, NREGS);
	for (size_t i = 0; i < NREGS; i++) {
		const struct spec_reg *s = NULL;

		for (size_t j = 0; j < n_spec_regs; j++)
			if (!strcmp(spec_regs[j].block, regs[i].block) && !strcmp(spec_regs[j].name, regs[i].name))
				s = &spec_regs[j];
		ck_assert_msg(s, "register %s.%s is not in docs/spec/05-transports.md", regs[i].block, regs[i].name);
		ck_assert_msg(s->a == regs[i].a, "%s: %s: spec 0x%lx, header 0x%lx", s->where, regs[i].name, s->a,
			      regs[i].a);
		if (!strcmp(regs[i].block, "status")) {
			ck_assert_msg(s->b == regs[i].b, "%s: %s width", s->where, regs[i].name);
		} else {
			ck_assert_msg(!strcmp(s->access, regs[i].access), "%s: %s access %s vs %s", s->where,
				      regs[i].name, s->access, regs[i].access);
			ck_assert_msg(s->reset == regs[i].reset, "%s: %s reset", s->where, regs[i].name);
		}
	}
}
END_TEST

START_TEST(regmap_is_well_formed)
{
	/* channel registers are word aligned, unique, and fit the channel stride */
	for (size_t i = 0; i < NREGS; i++) {
		if (!strcmp(regs[i].block, "status")) {
			ck_assert_uint_le(regs[i].a + regs[i].b, 32);
			continue;
		}
		ck_assert_uint_eq(regs[i].a % 4, 0);
		if (!strcmp(regs[i].block, "channel"))
			ck_assert_uint_lt(regs[i].a, VBUS_ACCEL_CHAN_STRIDE);
		else
			ck_assert_uint_lt(regs[i].a, VBUS_ACCEL_CHAN_BASE);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(regs[i].block, regs[j].block) || regs[i].a != regs[j].a,
				      "%s and %s share offset 0x%lx", regs[i].name, regs[j].name, regs[i].a);
	}
	ck_assert_uint_eq(VBUS_ACCEL_CHAN_ADDR(2, VBUS_ACCEL_CH_N_ACK), 0x188);
}
END_TEST

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	ck_assert_int_ge(len, 0);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

START_TEST(committed_vh_matches_generator)
{
	char committed[400], generated[400];
	const char *bin = getenv("VBUS_BINARY_DIR");
	char *a, *b;

	snprintf(committed, sizeof(committed), "%s/rtl-accel/rtl/vbus_accel_regs.vh", src_dir());
	snprintf(generated, sizeof(generated), "%s/gen/vbus_accel_regs.vh", bin ? bin : VBUS_BINARY_DIR_DEFAULT);
	a = slurp(committed);
	b = slurp(generated);
	ck_assert_msg(!strcmp(a, b), "%s differs from the generator's %s: run build/bin/gen-accel-vh %s and commit it",
		      committed, generated, committed);
	free(a);
	free(b);
}
END_TEST

static Suite *abi_suite(void)
{
	Suite *s = suite_create("abi");
	TCase *core = tcase_create("Core");
	TCase *regmap = tcase_create("Regmap");

	tcase_add_test(core, struct_sizes_match_spec);
	tcase_add_test(core, field_offsets_match_spec);
	tcase_add_test(core, fields_tile_each_struct);
	suite_add_tcase(s, core);
	tcase_add_test(regmap, regmap_matches_spec);
	tcase_add_test(regmap, regmap_is_well_formed);
	tcase_add_test(regmap, committed_vh_matches_generator);
	suite_add_tcase(s, regmap);
	return s;
}

int main(void)
{
	return vbus_check_run(abi_suite());
}

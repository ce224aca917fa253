// SPDX-License-Identifier: GPL-2.0
/*
 * libvbusmodel: functional model against the spec text, every conformance
 * vector, the explorer's required results, the timing engine's closed form
 * (§6.1), parameter defaults against the §6 table, and file:line errors for
 * malformed vector, trace and JSON files.
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vbus/shm_signal.h>

#include "vbusmodel/calib.h"
#include "vbusmodel/explore.h"
#include "vbusmodel/model.h"
#include "vbusmodel/runner.h"
#include "vbusmodel/timing.h"
#include "../vbus_check.h"

static const char *source_dir(void)
{
	const char *s = getenv("VBUS_SOURCE_DIR");
	return s && *s ? s : VBUS_SOURCE_DIR_DEFAULT;
}

/* ---- temporary files in a private directory (no fixed /tmp paths) ---- */
static char tmpdir[256];

static void tmp_setup(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/vbus-model-test-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char p[512];
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

static const char *write_tmp(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* ---- §1 signal ---- */
static void noop_handler(void *ctx)
{
	(*(int *)ctx)++;
}

START_TEST(signal_inject_rules)
{
	struct vm_obj o;
	vm_obj_init_signal(&o, "sig0");
	struct vm_signal *s = vm_obj_signal(&o);
	/* SIG-5: toward a disabled receiver: dirty, nothing sent */
	ck_assert_int_eq(vm_sig_inject(s, VBUS_NORTH), VM_SUPPRESS);
	ck_assert_int_eq(vm_sig_get(s, VBUS_SOUTH, 2), 1);
	/* SIG-4: enable with dirty work self-notifies */
	ck_assert_int_eq(vm_sig_enable(s, VBUS_SOUTH), VM_SELF);
	int calls = 0;
	unsigned iter;
	ck_assert_int_eq(vm_sig_wakeup(s, VBUS_SOUTH, noop_handler, &calls, &iter), VM_OK);
	ck_assert_uint_eq(iter, 1);
	ck_assert_int_eq(calls, 1);
	/* SIG-7: one notification, then SIG-6 suppress while pending */
	ck_assert_int_eq(vm_sig_inject(s, VBUS_NORTH), VM_NOTIFY);
	ck_assert_int_eq(vm_sig_inject(s, VBUS_NORTH), VM_SUPPRESS);
	ck_assert_uint_eq(s->notifications[VBUS_SOUTH], 1);
	ck_assert_int_eq(vm_sig_wakeup(s, VBUS_SOUTH, NULL, NULL, &iter), VM_OK);
	ck_assert_int_eq(vm_sig_get(s, VBUS_SOUTH, 1), 0); /* late pending clear done */
	/* SIG-11: a disabled wakeup leaves pending */
	ck_assert_int_eq(vm_sig_inject(s, VBUS_NORTH), VM_NOTIFY);
	vm_sig_disable(s, VBUS_SOUTH);
	ck_assert_int_eq(vm_sig_wakeup(s, VBUS_SOUTH, NULL, NULL, &iter), VM_DISABLED);
	ck_assert_int_eq(vm_sig_get(s, VBUS_SOUTH, 1), 1);
	vm_obj_free(&o);
}
END_TEST

/* A handler that injects again on its first call: the W4 loop runs twice (SIG-8). */
static void reinject_handler(void *ctx)
{
	struct vm_signal *s = ctx;
	static int once;
	if (!once++)
		vm_sig_inject(s, VBUS_NORTH);
}

START_TEST(signal_drain_loop)
{
	struct vm_obj o;
	unsigned iter;
	vm_obj_init_signal(&o, "sig0");
	struct vm_signal *s = vm_obj_signal(&o);
	vm_sig_enable(s, VBUS_SOUTH);
	ck_assert_int_eq(vm_sig_inject(s, VBUS_NORTH), VM_NOTIFY);
	ck_assert_int_eq(vm_sig_wakeup(s, VBUS_SOUTH, reinject_handler, s, &iter), VM_OK);
	ck_assert_uint_eq(iter, 2);
	ck_assert_uint_eq(s->notifications[VBUS_SOUTH], 1); /* the re-inject was suppressed by pending */
	vm_obj_free(&o);
}
END_TEST

START_TEST(signal_garbage_bytes_read_as_one)
{
	struct vm_obj o;
	vm_obj_init_signal(&o, "sig0");
	o.sigbuf[128] = 0x5a; /* irq[S].enabled (v2: its own line at 128): HOST-3 */
	ck_assert_int_eq(vm_sig_get(&o.sig, VBUS_SOUTH, 0), 1);
	ck_assert_int_eq(vm_sig_inject(&o.sig, VBUS_NORTH), VM_NOTIFY);
	vm_obj_free(&o);
}
END_TEST

START_TEST(moderation_count_and_holdoff)
{
	struct vm_obj o;
	vm_obj_init_signal(&o, "sig0");
	struct vm_signal *s = vm_obj_signal(&o);
	vm_sig_enable(s, VBUS_NORTH);
	vm_sig_moderate(s, VBUS_SOUTH, 5, 3);
	ck_assert_int_eq(vm_sig_inject(s, VBUS_SOUTH), VM_DEFER);
	ck_assert_uint_eq(s->mod[VBUS_SOUTH].mt, 5);
	ck_assert_int_eq(vm_sig_tick(s), VM_IDLE);
	ck_assert_int_eq(vm_sig_inject(s, VBUS_SOUTH), VM_DEFER);
	ck_assert_uint_eq(s->mod[VBUS_SOUTH].mt, 4);		   /* MOD-5: not re-armed */
	ck_assert_int_eq(vm_sig_inject(s, VBUS_SOUTH), VM_NOTIFY); /* count 3 reached */
	ck_assert_uint_eq(s->mod[VBUS_SOUTH].mc, 0);
	ck_assert_int_eq(vm_sig_get(s, VBUS_NORTH, 1), 1);
	vm_obj_free(&o);
}
END_TEST

START_TEST(moderation_count_saturates)
{
	struct vm_obj o;
	vm_obj_init_signal(&o, "sig0");
	struct vm_signal *s = vm_obj_signal(&o);
	vm_sig_enable(s, VBUS_NORTH);
	vm_sig_moderate(s, VBUS_SOUTH, 1000, 0); /* timer only: every inject defers */
	for (int i = 0; i < 300; i++)
		ck_assert_int_eq(vm_sig_inject(s, VBUS_SOUTH), VM_DEFER);
	ck_assert_uint_eq(s->mod[VBUS_SOUTH].mc, 255); /* MOD-6 */
	for (int i = 0; i < 999; i++)
		ck_assert_int_eq(vm_sig_tick(s), VM_IDLE);
	ck_assert_int_eq(vm_sig_tick(s), VM_FIRE);
	vm_obj_free(&o);
}
END_TEST

/* ---- §2 ring ---- */
START_TEST(ring_need_event)
{
	/* need_event is true iff event lies in [old, new) modulo 2^32 */
	ck_assert_int_eq(vm_need_event(0, 1, 0), 1);
	ck_assert_int_eq(vm_need_event(1, 1, 0), 0);
	ck_assert_int_eq(vm_need_event(3, 4, 1), 1);
	ck_assert_int_eq(vm_need_event(4, 4, 1), 0);
	ck_assert_int_eq(vm_need_event(0xffffffffu, 1, 0xfffffffeu), 1);
	ck_assert_int_eq(vm_need_event(0, 0, 0), 0);
}
END_TEST

START_TEST(ring_full_and_wrap)
{
	struct vm_obj o;
	uint32_t got, len;
	uint64_t cookie;
	ck_assert_int_eq(vm_obj_init_ring(&o, "r0", 4, 0, 0xfffffffeu, 65536), 0);
	struct vm_ring *r = &o.ring;
	ck_assert_int_eq(vm_ring_push(r, 4, 64, 0, NULL, 0, &got), VM_OK);
	ck_assert_int_eq(vm_ring_push(r, 1, 64, 0, NULL, 0, &got), -ENOSPC); /* §2.10 */
	ck_assert_int_eq(vm_ring_pop(r, 2, NULL, &got, &cookie, &len), VM_OK);
	ck_assert_uint_eq(got, 2);
	ck_assert_int_eq(vm_ring_reclaim(r, 8, &got, &cookie, &len), VM_OK);
	ck_assert_uint_eq(got, 2);
	ck_assert_int_eq(vm_ring_push(r, 2, 64, 0, NULL, 0, &got), VM_OK);
	ck_assert_int_eq(vm_ring_pop(r, 8, NULL, &got, &cookie, &len), VM_OK);
	ck_assert_uint_eq(got, 4);
	ck_assert_uint_eq(cookie, 3); /* base + 5 wrapped */
	ck_assert_uint_eq(vm_ring_shared(r, VM_SI), 4);
	ck_assert_int_eq(vm_ring_pop(r, 1, NULL, &got, &cookie, &len), -EAGAIN);
	vm_obj_free(&o);
}
END_TEST

START_TEST(ring_violation_is_sticky)
{
	struct vm_obj o;
	uint32_t got, len;
	uint64_t cookie;
	ck_assert_int_eq(vm_obj_init_ring(&o, "r0", 8, 0, 0, 65536), 0);
	ck_assert_int_eq(vm_ring_poke(&o.ring, "ni", 9), 0);
	ck_assert_int_eq(vm_ring_pop(&o.ring, 1, NULL, &got, &cookie, &len), -EIO);
	ck_assert_int_eq(vm_ring_poke(&o.ring, "ni", 1), 0);
	ck_assert_int_eq(vm_ring_pop(&o.ring, 1, NULL, &got, &cookie, &len), -EIO); /* HOST-2 sticky */
	ck_assert_uint_eq(o.ring.violations, 1);
	ck_assert_int_eq(vm_ring_poke(&o.ring, "nonsense", 1), -EINVAL);
	ck_assert_int_eq(vm_ring_poke(&o.ring, "N.e", 256), -EINVAL);
	vm_obj_free(&o);
}
END_TEST

START_TEST(ring_copy_is_a_snapshot)
{
	struct vm_obj o, snap;
	uint32_t got;
	ck_assert_int_eq(vm_obj_init_ring(&o, "r0", 8, 1, 0, 65536), 0);
	ck_assert_int_eq(vm_obj_copy(&snap, &o), 0);
	ck_assert_int_eq(vm_ring_push(&o.ring, 3, 64, 0, NULL, 0, &got), VM_OK);
	ck_assert_int_eq(vm_sig_enable(vm_obj_signal(&o), VBUS_SOUTH), VM_OK);
	ck_assert_uint_eq(vm_ring_shared(&o.ring, VM_NI), 3);
	ck_assert_uint_eq(vm_ring_shared(&snap.ring, VM_NI), 0);
	ck_assert_int_eq(vm_sig_get(vm_obj_signal(&snap), VBUS_SOUTH, 0), 0);
	vm_obj_free(&o);
	vm_obj_free(&snap);
}
END_TEST

/* ---- vectors ---- */
START_TEST(every_vector_passes)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/docs/spec/vectors", source_dir());
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
	struct dirent *e;
	unsigned n = 0, failed = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".vec"))
			continue;
		char path[2048], name[256], msg[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int rc = vm_check_vector_file(path, name, sizeof(name), msg, sizeof(msg));
		if (rc) {
			fprintf(stderr, "FAIL %s: %s\n", name, msg);
			failed++;
		}
		n++;
	}
	closedir(d);
	ck_assert_uint_ge(n, 40);
	ck_assert_uint_eq(failed, 0);
}
END_TEST

/* A vector whose expect block is wrong fails with the first divergence. */
START_TEST(wrong_expectation_fails)
{
	const char *p = write_tmp("wrong.vec", "vbus-vector 1\nname wrong\ncovers SIG-5\ndesc d\n"
					       "object sig0 signal\nsteps\nN inject sig0\nexpect\n"
					       "1 N inject sig0 notify N=000 S=001\nend\n");
	char name[64], msg[512];
	ck_assert_int_eq(vm_check_vector_file(p, name, sizeof(name), msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "step 1: field result: expected notify, actual suppress");
}
END_TEST

START_TEST(malformed_vector_file_line)
{
	const char *p = write_tmp("bad.vec", "vbus-vector 1\nname bad\ncovers SIG-5\ndesc d\n"
					     "object sig0 signal\nsteps\nN frobnicate sig0\nexpect\nend\n");
	char name[64], msg[512], want[600];
	ck_assert_int_lt(vm_check_vector_file(p, name, sizeof(name), msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want), "%s:7:", p);
	ck_assert_msg(!strncmp(msg, want, strlen(want)), "message '%s' lacks '%s'", msg, want);
}
END_TEST

START_TEST(semantic_vector_error_file_line)
{
	/* parses, but the runner rejects: a second devadd of a present device (§8.3), and a bad key */
	const char *p = write_tmp("sem.vec", "vbus-vector 1\nname sem\ncovers BUS-2\ndesc d\n"
					     "object b0 bus devices=1:echo\nsteps\nS devadd b0 dev=1 type=echo\n"
					     "expect\n1 S devadd b0 ok d1=present ev=1\nend\n");
	char name[64], msg[512], want[600];
	ck_assert_int_lt(vm_check_vector_file(p, name, sizeof(name), msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want), "%s:7: devadd: device 1 is already present", p);
	ck_assert_str_eq(msg, want);
	p = write_tmp("key.vec", "vbus-vector 1\nname key\ncovers SIG-5\ndesc d\nobject r0 ring\nsteps\n"
				 "N push r0 colour=red\nexpect\nend\n");
	ck_assert_int_lt(vm_check_vector_file(p, name, sizeof(name), msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want), "%s:7: operation 'push' takes no key 'colour'", p);
	ck_assert_str_eq(msg, want);
}
END_TEST

START_TEST(malformed_trace_file_line)
{
	const char *p = write_tmp("bad.trace", "vbus-trace 1\n1 N inject sig0 notify N=000 S=111\n"
					       "# comment\ntwo N inject sig0 notify\n");
	struct vbus_trace t = { 0 };
	char err[512], want[600];
	ck_assert_int_lt(vbus_trace_read_file(p, &t, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:4:", p);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "message '%s' lacks '%s'", err, want);
	vbus_trace_free(&t);
}
END_TEST

/* ---- parameters ---- */
START_TEST(defaults_match_spec_table)
{
	char path[1024], line[1024];
	snprintf(path, sizeof(path), "%s/docs/spec/06-timing.md", source_dir());
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	struct vm_params p;
	vm_params_default(&p);
	int seen[VM_NPARAMS] = { 0 }, rows = 0;
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned long long v;
		if (sscanf(line, "| `%63[a-z_]` | %llu |", name, &v) != 2)
			continue;
		rows++;
		int found = 0;
		for (int i = 0; i < VM_NPARAMS; i++)
			if (!strcmp(name, vm_param_name(i))) {
				ck_assert_msg(p.v[i] == v, "%s: spec %llu, model %llu", name, v,
					      (unsigned long long)p.v[i]);
				seen[i] = found = 1;
			}
		ck_assert_msg(found, "spec parameter %s unknown to the model", name);
	}
	fclose(f);
	for (int i = 0; i < VM_NPARAMS; i++)
		ck_assert_msg(seen[i], "model parameter %s missing from the spec table", vm_param_name(i));
	ck_assert_int_eq(rows, VM_NPARAMS);
}
END_TEST

START_TEST(json_params_apply)
{
	const char *p = write_tmp("ok.json", "{\n  \"doorbell\": 1000,\n  \"wakeup\": 7\n}\n");
	struct vm_params prm;
	char err[512];
	vm_params_default(&prm);
	ck_assert_int_eq(vm_params_load_json(&prm, p, err, sizeof(err)), 0);
	ck_assert_uint_eq(prm.v[VM_P_DOORBELL], 1000);
	ck_assert_uint_eq(prm.v[VM_P_WAKEUP], 7);
	ck_assert_uint_eq(prm.v[VM_P_INTERRUPT], 1500);
	ck_assert_int_eq(vm_param_parse(&prm, "line_transfer=9", err, sizeof(err)), 0);
	ck_assert_uint_eq(prm.v[VM_P_LINE_TRANSFER], 9);
	ck_assert_int_ne(vm_param_parse(&prm, "line_transfer=-1", err, sizeof(err)), 0);
	ck_assert_int_ne(vm_param_parse(&prm, "nosuch=1", err, sizeof(err)), 0);
}
END_TEST

static void json_err_case(const char *text, int line, const char *needle)
{
	const char *p = write_tmp("bad.json", text);
	struct vm_params prm;
	char err[512], want[600];
	vm_params_default(&prm);
	ck_assert_int_lt(vm_params_load_json(&prm, p, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:%d: ", p, line);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "message '%s' lacks '%s'", err, want);
	ck_assert_msg(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
}

START_TEST(json_errors_file_line)
{
	json_err_case("{\n \"doorbell\": 1,\n \"bogus\": 2\n}\n", 3, "unknown parameter 'bogus'");
	json_err_case("{\n \"doorbell\": \"fast\"\n}\n", 2, "must be a number");
	json_err_case("{\n \"doorbell\": 1\n \"wakeup\": 2\n}\n", 3, "expected ',' or '}'");
	json_err_case("[1, 2]\n", 1, "expected '{'");
	json_err_case("{\n\n \"doorbell\": 1,\n \"doorbell\": 2}\n", 4, "given twice");
	json_err_case("{\"doorbell\": 1} x\n", 1, "unexpected text");
	json_err_case("{\n \"doorbell\": 1.5\n}\n", 2, "whole number");
	json_err_case("", 1, "empty file");
}
END_TEST

/* The file `vbus-model calibrate` writes: parameters, their spread and how they were measured (TIM-3). */
START_TEST(json_calibrate_file_format)
{
	const char *p = write_tmp("cal.json", "{\n  \"line_transfer\": 660,\n  \"wakeup\": 180000,\n"
					      "  \"spread\": {\n    \"line_transfer\": [640, 680],\n"
					      "    \"wakeup\": [170000, 190000]\n  },\n"
					      "  \"calibration\": {\"reps\": 5, \"batches\": 200, "
					      "\"load_1min_before\": 6.8, \"load_1min_after\": 7.1}\n}\n");
	struct vm_params prm, dflt;
	char err[512];
	vm_params_default(&prm);
	vm_params_default(&dflt);
	ck_assert_int_eq(vm_params_load_json(&prm, p, err, sizeof(err)), 0);
	ck_assert_uint_eq(prm.v[VM_P_LINE_TRANSFER], 660);
	ck_assert_uint_eq(prm.v[VM_P_WAKEUP], 180000);
	/* the spread informs the reader; it sets nothing */
	for (int i = 0; i < VM_NPARAMS; i++)
		if (i != VM_P_LINE_TRANSFER && i != VM_P_WAKEUP)
			ck_assert_uint_eq(prm.v[i], dflt.v[i]);
	/* empty sections are fine */
	p = write_tmp("cal0.json", "{\"spread\": {}, \"calibration\": {}}\n");
	ck_assert_int_eq(vm_params_load_json(&prm, p, err, sizeof(err)), 0);
	/* each malformed section is an error at its line */
	json_err_case("{\n \"spread\": {\n  \"nosuch\": [1, 2]\n }\n}\n", 3, "unknown parameter 'nosuch'");
	json_err_case("{\n \"spread\": {\n  \"wakeup\": [9, 2]\n }\n}\n", 3, "lowest <= highest");
	json_err_case("{\n \"spread\": {\"wakeup\": 5}\n}\n", 2, "[lowest, highest]");
	json_err_case("{\n \"spread\": {\"wakeup\": [1]}\n}\n", 2, "[lowest, highest]");
	json_err_case("{\n \"spread\": {\"wakeup\": [1, 2, 3]}\n}\n", 2, "[lowest, highest]");
	json_err_case("{\n \"spread\": {\"wakeup\": [-1, 2]}\n}\n", 2, "lowest <= highest");
	json_err_case("{\n \"spread\": {\"wakeup\": [1, 2],\n \"wakeup\": [1, 2]}\n}\n", 3, "given twice");
	json_err_case("{\"spread\": {},\n \"spread\": {}}\n", 2, "given twice");
	json_err_case("{\n \"spread\": [1, 2]\n}\n", 2, "must be an object");
	json_err_case("{\n \"calibration\": {\"reps\": \"five\"}\n}\n", 2, "must be a number");
	json_err_case("{\n \"calibration\": 5\n}\n", 2, "must be an object");
}
END_TEST

/* ---- explorer ---- */
START_TEST(explore_spec_has_no_violation)
{
	for (unsigned depth = 1; depth <= 3; depth++) {
		struct vm_explore_cfg c = { .full_barriers = VM_BAR_ALL, .depth = depth, .south_cycle = 1 };
		struct vm_explore_result r;
		ck_assert_int_eq(vm_explore_run(&c, &r, NULL), 0);
		ck_assert_uint_eq(r.violations, 0);
		ck_assert_uint_gt(r.quiescent, 0);
		ck_assert_uint_gt(r.states, 100);
		/* store buffers are really exercised */
		ck_assert_uint_ge(r.max_sb, 2);
	}
}
END_TEST

/* Run the explorer with @c; its printed report as a malloc'ed string (free it). */
static char *explore_to_string(const struct vm_explore_cfg *c, struct vm_explore_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(vm_explore_run(c, r, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(buf);
	return buf;
}

START_TEST(explore_2009_has_a_counterexample)
{
	struct vm_explore_cfg c = { .depth = 2, .south_cycle = 1 };
	struct vm_explore_result r;
	ck_assert_int_eq(vm_explore_parse_placement("2009", &c.full_barriers), 0);
	char *buf = explore_to_string(&c, &r);
	ck_assert_uint_gt(r.violations, 0);
	ck_assert_ptr_nonnull(strstr(buf, "counterexample (placement 2009"));
	ck_assert_ptr_nonnull(strstr(buf, "VIOLATION: lost wakeup"));
	ck_assert_ptr_nonnull(strstr(buf, "= wmb: no effect on TSO"));
	free(buf);
}
END_TEST

/* MB-1: every one of the five full barriers is needed on its own (MB-PUBLISH by the SIG-12 elision). */
START_TEST(explore_each_barrier_is_needed)
{
	static const char *const p[] = { "minus-MB-INJECT", "minus-MB-ENABLE", "minus-MB-DRAIN", "minus-MB-CLEAR",
					 "minus-MB-PUBLISH" };
	for (int i = 0; i < 5; i++) {
		struct vm_explore_cfg c = { .depth = 2, .south_cycle = 1 };
		struct vm_explore_result r;
		ck_assert_int_eq(vm_explore_parse_placement(p[i], &c.full_barriers), 0);
		ck_assert_int_eq(vm_explore_run(&c, &r, NULL), 0);
		ck_assert_msg(r.violations > 0, "%s: no violation found", p[i]);
	}
	unsigned m;
	ck_assert_int_eq(vm_explore_parse_placement("minus-MB-FOO", &m), -EINVAL);
}
END_TEST

/* Event index (§2.7): the spec placement with re-arming is clean; without re-arming a kick skips forever. */
START_TEST(explore_event_index)
{
	struct vm_explore_cfg c = { .full_barriers = VM_BAR_ALL, .depth = 3, .south_cycle = 1, .event_idx = 1 };
	struct vm_explore_result r;
	ck_assert_int_eq(vm_explore_run(&c, &r, NULL), 0);
	ck_assert_uint_eq(r.violations, 0);
	ck_assert_uint_gt(r.quiescent, 0);
	c.no_rearm = 1;
	char *buf = explore_to_string(&c, &r);
	ck_assert_uint_gt(r.violations, 0);
	ck_assert_ptr_nonnull(strstr(buf, "kick returns evskip"));
	ck_assert_ptr_nonnull(strstr(buf, "VIOLATION: lost wakeup"));
	free(buf);
	/* MB-ARM: a sleeping receiver lowering its threshold needs the full barrier */
	c.no_rearm = 0;
	c.lower_threshold = 1;
	c.south_cycle = 0;
	ck_assert_int_eq(vm_explore_run(&c, &r, NULL), 0);
	ck_assert_uint_eq(r.violations, 0);
	ck_assert_int_eq(vm_explore_parse_placement("minus-MB-ARM", &c.full_barriers), 0);
	ck_assert_int_eq(vm_explore_run(&c, &r, NULL), 0);
	ck_assert_uint_gt(r.violations, 0);
	c.event_idx = 0;
	ck_assert_int_eq(vm_explore_run(&c, &r, NULL), -EINVAL);
	/* SIG-12: a kick on an EVENT_IDX ring that elided on dirty left by an evskip loses the wakeup */
	struct vm_explore_cfg e = {
		.full_barriers = VM_BAR_ALL, .depth = 3, .south_cycle = 1, .event_idx = 1, .elide_evidx = 1
	};
	buf = explore_to_string(&e, &r);
	ck_assert_uint_gt(r.violations, 0);
	ck_assert_ptr_nonnull(strstr(buf, "kick returns evskip"));
	ck_assert_ptr_nonnull(strstr(buf, "(dirty already set: elided)"));
	ck_assert_ptr_nonnull(strstr(buf, "VIOLATION: lost wakeup"));
	free(buf);
	e.event_idx = 0;
	ck_assert_int_eq(vm_explore_run(&e, &r, NULL), -EINVAL);
}
END_TEST

/* ---- timing ---- */
static uint64_t closed_form_half(const struct vm_params *p, uint64_t notify)
{
	return p->v[VM_P_PRODUCE_PER_MSG] + notify + p->v[VM_P_WAKEUP] + p->v[VM_P_HANDLER_PER_MSG] +
	       2 * p->v[VM_P_LINE_TRANSFER];
}

START_TEST(pingpong_none_matches_closed_form)
{
	static const char *const overrides[][3] = {
		{ NULL, NULL, NULL },
		{ "doorbell_wake=1234", "wakeup=999", "line_transfer=17" },
		{ "produce_per_msg=1", "handler_per_msg=3", "interrupt=5" },
	};
	for (unsigned k = 0; k < 3; k++) {
		struct vm_sim_cfg c;
		struct vm_report r;
		char err[256];
		vm_sim_cfg_default(&c);
		c.mitigation = VM_MIT_NONE;
		c.messages = 50;
		for (int j = 0; j < 3; j++)
			if (overrides[k][j])
				ck_assert_int_eq(vm_param_parse(&c.p, overrides[k][j], err, sizeof(err)), 0);
		ck_assert_int_eq(vm_sim_run(&c, &r), 0);
		uint64_t rtt = 2 * closed_form_half(&c.p, c.p.v[VM_P_DOORBELL_WAKE]);
		ck_assert_uint_eq(r.messages, 50);
		ck_assert_uint_eq(r.lat_p50, rtt);
		ck_assert_uint_eq(r.lat_max, rtt);
		ck_assert_uint_eq(r.cycles, 50 * rtt);
		ck_assert_uint_eq(r.doorbells, 50);
		ck_assert_uint_eq(r.interrupts, 50);
		/* a trapping doorbell costs vm_exit on the north->south half only */
		c.doorbell_traps = 1;
		ck_assert_int_eq(vm_sim_run(&c, &r), 0);
		ck_assert_uint_eq(r.lat_max, closed_form_half(&c.p, c.p.v[VM_P_VM_EXIT]) +
						     closed_form_half(&c.p, c.p.v[VM_P_DOORBELL_WAKE]));
	}
}
END_TEST

/*
 * TIM-3 doorbell_wake: a write that wakes a blocked receiver costs its sender doorbell_wake, one that
 * wakes no one doorbell. A blocking ping-pong's every write wakes: its round trip holds doorbell_wake +
 * wakeup per half, never doorbell, so moving cost from wakeup to doorbell_wake (what calibrate does:
 * wakeup = half round trip - doorbell_wake) leaves it as it was; the sender's CPU pays the difference.
 */
START_TEST(waking_write_costs_doorbell_wake)
{
	struct vm_sim_cfg c;
	struct vm_report r, r0;
	vm_sim_cfg_default(&c);
	c.mitigation = VM_MIT_NONE;
	c.messages = 50;
	c.p.v[VM_P_DOORBELL] = 100;
	c.p.v[VM_P_DOORBELL_WAKE] = 5000;
	c.p.v[VM_P_WAKEUP] = 9000;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.lat_max, 2 * closed_form_half(&c.p, 5000));
	ck_assert_uint_eq(r.lat_p50, 2 * closed_form_half(&c.p, 5000));
	/* the same half round trip split the old way (a cheap write, the rest wakeup): the same RTT */
	c.p.v[VM_P_DOORBELL_WAKE] = 100;
	c.p.v[VM_P_WAKEUP] = 13900;
	ck_assert_int_eq(vm_sim_run(&c, &r0), 0);
	ck_assert_uint_eq(r0.lat_max, r.lat_max);
	/* a blocking stream (shm-signal): the producer pays the waking write on its own CPU each time it wakes
	 * the consumer: with the same wakeup, a dearer doorbell_wake makes the stream slower */
	vm_sim_cfg_default(&c);
	c.workload = VM_WL_STREAM;
	c.consumer = VM_CONS_BLOCK;
	c.completions = 1;
	c.messages = 4000;
	c.p.v[VM_P_DOORBELL] = 100;
	c.p.v[VM_P_DOORBELL_WAKE] = 100;
	c.p.v[VM_P_WAKEUP] = 10000;
	ck_assert_int_eq(vm_sim_run(&c, &r0), 0);
	c.p.v[VM_P_DOORBELL_WAKE] = 50000;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_gt(r0.doorbells + r0.interrupts, 0);
	ck_assert_uint_gt(r.cycles, r0.cycles);
}
END_TEST

/* A north -> south stream, every cost 0 (poll_interval and the event threshold 1), polling, completions on. */
static void zero_stream(struct vm_sim_cfg *c)
{
	vm_sim_cfg_default(c);
	for (int i = 0; i < VM_NPARAMS; i++)
		c->p.v[i] = 0;
	c->p.v[VM_P_POLL_INTERVAL] = c->p.v[VM_P_EVIDX_THRESHOLD] = 1;
	c->workload = VM_WL_STREAM;
	c->consumer = VM_CONS_POLL;
	c->s2n = 0;
	c->completions = 1;
}

/*
 * TIM-3 per-call CPU path: a ping-pong's round trip is north's send call and south's drain pass (the
 * reply stands for south's completion, no call of its own): produce_per_call and handler_per_call add
 * once each to the closed form; a one-way stream pays produce_per_call per batch.
 */
START_TEST(per_call_costs_once_per_round_trip)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	char err[256];
	vm_sim_cfg_default(&c);
	c.mitigation = VM_MIT_NONE;
	c.messages = 50;
	ck_assert_int_eq(vm_param_parse(&c.p, "produce_per_call=70", err, sizeof(err)), 0);
	ck_assert_int_eq(vm_param_parse(&c.p, "handler_per_call=900", err, sizeof(err)), 0);
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	uint64_t rtt = 2 * closed_form_half(&c.p, c.p.v[VM_P_DOORBELL_WAKE]) + 70 + 900;
	ck_assert_uint_eq(r.lat_p50, rtt);
	ck_assert_uint_eq(r.lat_max, rtt);
	/* a polling stream whose producer is the bottleneck: produce_per_call C per batch of B, nothing else */
	zero_stream(&c);
	c.p.v[VM_P_PRODUCE_PER_CALL] = 300;
	c.batch = 4;
	c.ring_count = 64;
	c.messages = 400;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 400);
	/* the last batch is published at 100 x 300; the poller sees it within one poll_interval */
	ck_assert_uint_ge(r.cycles, 100 * 300);
	ck_assert_uint_le(r.cycles, 100 * 300 + 1);
}
END_TEST

/* spin-then-block starts spinning (libvbus's VBUS_WAIT_SPIN): a stream that never outlasts the budget
 * sends no notification at all */
START_TEST(spin_then_block_starts_spinning)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	vm_sim_cfg_default(&c);
	c.workload = VM_WL_STREAM;
	c.consumer = VM_CONS_SPIN;
	c.s2n = 0;
	c.batch = 32;
	c.ring_count = 1024;
	c.messages = 20000;
	c.completions = 1;
	c.payload_lines = 1;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 20000);
	ck_assert_uint_eq(r.doorbells + r.interrupts, 0);
}
END_TEST

/*
 * SIG-14 and IOQ-13 as libvbus runs them (ring's 08:49 landing): toward a polling receiver a kick has no
 * fence; descriptors are written on the first lap only; without a fence the batch's ownership requests
 * still hold the next batch (stores commit in order).
 */
START_TEST(asym_kick_and_stable_descriptors)
{
	struct vm_sim_cfg c;
	struct vm_report r, r1;
	/* a fence of 1000 per kick: 64 kicks pay it symmetric; asymmetric, a polling receiver costs none */
	zero_stream(&c);
	c.p.v[VM_P_BARRIER_FULL] = 1000;
	c.batch = 4;
	c.ring_count = 64;
	c.messages = 256;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_ge(r.cycles, 64 * 1000);
	c.asym = 1;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 256);
	ck_assert_uint_lt(r.cycles, 1000);
	/* 4 laps of a 16-slot ring (4 descriptor lines), a lap per batch, line_stream S alone: rewritten
	 * descriptors cost each lap the consumer's 3 further misses (the first at line_transfer, 0) and the
	 * producer's commit of the same 3 (overlapping the consumer's pass: SIG-14 publishes at the kick);
	 * stable ones are missed on the first lap only: 3 laps x 3 lines x S less */
	zero_stream(&c);
	c.asym = 1;
	c.p.v[VM_P_LINE_STREAM] = 1000;
	c.batch = 16;
	c.ring_count = 16;
	c.messages = 64;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	c.stable_desc = 1;
	ck_assert_int_eq(vm_sim_run(&c, &r1), 0);
	ck_assert_uint_eq(r.messages, 64);
	ck_assert_uint_eq(r1.messages, 64);
	ck_assert_uint_eq(r.cycles - r1.cycles, 3 * 3 * 1000);
	/* single messages, line_transfer L alone: the consumer reads the index line between most
	 * publishes, so most batches wait L for its ownership before the next starts (else ~0) */
	zero_stream(&c);
	c.asym = c.stable_desc = 1;
	c.p.v[VM_P_LINE_TRANSFER] = 500;
	c.batch = 1;
	c.ring_count = 64;
	c.messages = 1000;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 1000);
	ck_assert_uint_ge(r.cycles, 1000 * 500 / 2);
}
END_TEST

/*
 * TIM-3 send path into the consumer's lines: once a one-way stream's slots have been read by the consumer
 * (from the second lap on), a batch costs the producer produce_remote_msg per message and
 * produce_remote_call per call (the larger of them and the cache-hot costs); the first lap, whose lines
 * no one has read, costs the cache-hot path (0 here). A ping-pong's send finds an empty store buffer: its
 * round trip does not change with them.
 */
START_TEST(send_into_the_consumers_lines)
{
	struct vm_sim_cfg c;
	struct vm_report r, r0;
	zero_stream(&c);
	c.asym = c.stable_desc = 1;
	c.payload_lines = 1;
	c.batch = 32;
	c.ring_count = 1024;
	c.messages = 32 * 1024;
	c.p.v[VM_P_PRODUCE_REMOTE_MSG] = 100;
	c.p.v[VM_P_PRODUCE_REMOTE_CALL] = 500;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 32 * 1024);
	/* 31 laps of 32 batches at 32 x 100 + 500 */
	ck_assert_uint_ge(r.cycles, 31 * 32 * 3700);
	ck_assert_uint_le(r.cycles, 31 * 32 * 3700 + 1000);
	/* a cache-hot cost above the remote one stays: 150 a message */
	c.p.v[VM_P_PRODUCE_PER_MSG] = 150;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_ge(r.cycles, 32 * 1024 * 150 + 31 * 32 * 500);
	ck_assert_uint_le(r.cycles, 32 * 1024 * 150 + 31 * 32 * 500 + 1000);
	/* a polling ping-pong with line costs: the same round trip with and without the remote costs */
	vm_sim_cfg_default(&c);
	c.workload = VM_WL_PINGPONG;
	c.consumer = VM_CONS_POLL;
	c.asym = c.stable_desc = 1;
	c.payload_lines = 1;
	c.ring_count = 64;
	c.batch = 1;
	c.messages = 500;
	ck_assert_int_eq(vm_sim_run(&c, &r0), 0);
	c.p.v[VM_P_PRODUCE_REMOTE_MSG] = 1000;
	c.p.v[VM_P_PRODUCE_REMOTE_CALL] = 5000;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 500);
	ck_assert_uint_eq(r.lat_p50, r0.lat_p50);
	ck_assert_uint_eq(r.cycles, r0.cycles);
}
END_TEST

/*
 * TIM-3 completions in a polling ping-pong: the reply is south's completion (north reads south's index),
 * not a message: no payload line, no per-message path of its own. Round trip, costs zero but produce_per_msg
 * P, handler_per_msg H and line_transfer L: P + L + H + L, against 2 (P + L + H) for a message each way.
 */
START_TEST(reply_is_a_completion)
{
	for (int comp = 0; comp < 2; comp++) {
		struct vm_sim_cfg c;
		struct vm_report r;
		zero_stream(&c);
		c.workload = VM_WL_PINGPONG;
		c.completions = comp;
		c.asym = c.stable_desc = 1;
		c.payload_lines = 1;
		c.ring_count = 64;
		c.batch = 1;
		c.messages = 500;
		c.p.v[VM_P_PRODUCE_PER_MSG] = 70;
		c.p.v[VM_P_HANDLER_PER_MSG] = 300;
		c.p.v[VM_P_LINE_TRANSFER] = 1000;
		c.p.v[VM_P_LINE_STREAM] = 20;
		ck_assert_int_eq(vm_sim_run(&c, &r), 0);
		ck_assert_uint_eq(r.messages, 500);
		/* + each direction's payload line at line_stream (the request's only, with completions) */
		uint64_t rtt = comp ? 70 + 1000 + 20 + 300 + 1000 : 2 * (70 + 1000 + 20 + 300);
		ck_assert_uint_ge(r.lat_p50, rtt);
		ck_assert_uint_le(r.lat_p50, rtt + 2);
	}
}
END_TEST

/*
 * TIM-3 store window: single messages into the consumer's lines, line_transfer L 1000, the send call
 * (produce_remote_call) 200: the store buffer holds L / 200 = 5 calls; each batch becomes visible when it
 * commits; a polling consumer reads the index line between commits, so the next commit comes 2 L after the
 * last one, and the batches sent meanwhile commit with it: 5 messages per 2 L from the second lap on
 * (31 x 1024 messages: 12.7 M cycles), not one per L (31.7 M) nor per 2 L (63.5 M).
 */
/* the store-window cases' stream: 32 K single messages (SIG-14, IOQ-13) into the consumer's lines, L 1000 */
static void window_stream(struct vm_sim_cfg *c, uint64_t remote_call)
{
	zero_stream(c);
	c->asym = c->stable_desc = 1;
	c->payload_lines = 1;
	c->batch = 1;
	c->ring_count = 1024;
	c->messages = 32 * 1024;
	c->p.v[VM_P_LINE_TRANSFER] = 1000;
	c->p.v[VM_P_PRODUCE_REMOTE_CALL] = remote_call;
}

START_TEST(store_window_commits_together)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	window_stream(&c, 200);
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 32 * 1024);
	/* the second lap on: 31 x 1024 / 5 commits of 2 L; the first lap (W = 1, no remote cost) about L each */
	uint64_t laps = 31 * 1024 / 5 * 2000;
	ck_assert_uint_ge(r.cycles, laps);
	ck_assert_uint_le(r.cycles, laps + 1024 * 2000 + 10000);
}
END_TEST

/*
 * TIM-3 store window, a mean: the send call's whole time is produce_remote_call 250 plus the unfenced kick's
 * I1 and IA at shm_access 50 each, 350, as calibrate times it; line_transfer L 1000: the buffer holds
 * 1000 / 350 = 2.86 calls on average, so a commit group of 2 or 3 every 2 L, 2.86 of them on average:
 * 1000 / 700 = 1.43 messages per 1000 cycles (the median batch of 4096, from the second lap on). A window
 * of whole calls only (the floor, 2) gives 1.0, the ceiling (3) 1.5, the call's cost without the kick's
 * accesses (1000 / 250 = 4) 2.0.
 */
START_TEST(store_window_is_a_mean)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	window_stream(&c, 250);
	c.batch_clock = 4096;
	c.p.v[VM_P_SHM_ACCESS] = 50;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 32 * 1024);
	/* 1000 / (2 x 350) = 1.4286 a 1000 cycles, within 2 % */
	ck_assert_double_ge(r.batch_throughput, 1.4286 * 0.98);
	ck_assert_double_le(r.batch_throughput, 1.4286 * 1.02);
}
END_TEST

/*
 * TIM-3 store window from the stream's own send call (produce_stream_call C, what calibrate times while the
 * consumer drains): a commit round is 2 line_transfer (2000), so a round commits 2000 / C calls: with C 500,
 * 4 a round, 2.0 messages per 1000 cycles, whatever the fill's send path (produce_remote_call 250 and the
 * kick's accesses at 50 each: 1.43 without C). Half of that (1.0) if the round were one line_transfer. Only
 * single-message calls: a stream of bursts of 2 keeps the fill's window (1000 / (2 x 250 + 100) = 1.67
 * calls a round: 1.67 x 2 / 2000 = 1.67 a 1000 cycles).
 */
START_TEST(store_window_follows_the_stream_call)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	for (int b = 1; b <= 2; b++) {
		window_stream(&c, 250);
		c.batch_clock = 4096;
		c.batch = (uint32_t)b;
		c.p.v[VM_P_SHM_ACCESS] = 50;
		c.p.v[VM_P_PRODUCE_REMOTE_MSG] = b == 2 ? 250 : 0; /* a burst of 2: 2 x 250 + (250 - 250) */
		c.p.v[VM_P_PRODUCE_REMOTE_CALL] = b == 2 ? 0 : 250;
		c.p.v[VM_P_PRODUCE_STREAM_CALL] = 500;
		ck_assert_int_eq(vm_sim_run(&c, &r), 0);
		ck_assert_uint_eq(r.messages, 32 * 1024);
		double want = b == 1 ? 2.0 : 1000.0 / 600 * 2 / 2;
		ck_assert_double_ge(r.batch_throughput, want * 0.98);
		ck_assert_double_le(r.batch_throughput, want * 1.02);
	}
}
END_TEST

/*
 * TIM-3 overlap in a handler pass: a message's lines stream in (line_stream S each) while the CPU works
 * on the ones before (handler_per_msg H): a consumer-bound stream costs max(S, H) a message, not S + H
 * (32 K messages: 3.28 M cycles, against 5.24 M summed). The producer is free, line_transfer 0; the
 * first lap also misses its 256 descriptor lines.
 */
START_TEST(pass_overlaps_misses_with_work)
{
	static const uint64_t sh[2][2] = { { 100, 60 }, { 60, 100 } };
	for (int k = 0; k < 2; k++) {
		struct vm_sim_cfg c;
		struct vm_report r;
		zero_stream(&c);
		c.stable_desc = 1;
		c.payload_lines = 1;
		c.p.v[VM_P_LINE_STREAM] = sh[k][0];
		c.p.v[VM_P_HANDLER_PER_MSG] = sh[k][1];
		c.batch = 32;
		c.ring_count = 1024;
		c.messages = 32 * 1024;
		ck_assert_int_eq(vm_sim_run(&c, &r), 0);
		ck_assert_uint_eq(r.messages, 32 * 1024);
		/* + the pipeline restarting at each pass and behind each quarter's completion fence: the
		 * message after pays S + H, min(S, H) more, about twice per quarter ring */
		uint64_t per = sh[k][0] > sh[k][1] ? sh[k][0] : sh[k][1], lo = sh[k][0] + sh[k][1] - per;
		ck_assert_uint_ge(r.cycles, 32 * 1024 * per);
		ck_assert_uint_le(r.cycles, 32 * 1024 * per + 256 * sh[k][0] + 2 * 128 * lo + 1000);
	}
}
END_TEST

/*
 * TIM-3 fence stall: a batch's ownership requests overlap its work W (32 x produce_per_msg 50): the
 * payload lines' from the batch's start (line_transfer L 500, then S 10 each: done at 810), the index
 * line's from its store at the end (W + L = 2100): the fence waits 2100 - W = L, so a producer-bound
 * stream costs W + L a batch (not W + L + 32 S, nor more). The consumer (L + 32 S a pass) keeps up.
 */
START_TEST(fence_waits_for_what_is_in_flight)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	zero_stream(&c);
	c.stable_desc = 1;
	c.payload_lines = 1;
	c.p.v[VM_P_LINE_TRANSFER] = 500;
	c.p.v[VM_P_LINE_STREAM] = 10;
	c.p.v[VM_P_PRODUCE_PER_MSG] = 50;
	c.batch = 32;
	c.ring_count = 1024;
	c.messages = 3200;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 3200);
	ck_assert_uint_ge(r.cycles, 100 * (32 * 50 + 500));
	ck_assert_uint_le(r.cycles, 100 * (32 * 50 + 500) + 500 + 32 * 10 + 10);
}
END_TEST

/*
 * TIM-3 fence stall when the index line is not the last request: a blocking consumer sleeps while the
 * producer fills the ring, so it reads neither the index line nor the payload lines meanwhile; from the
 * second lap on each batch's 32 payload lines are lines it read (ownership requests) and every kick fences
 * (the receiver is enabled). The requests leave as the stores execute: line j of 32 at j/32 of the work W
 * (32 x produce_per_msg 50), done line_transfer L 500 after (line_stream 0): the last at L + 31 W / 32 =
 * 2050, so consecutive pushes of a fill are W + 450 apart, not W (the requests all leaving at the batch's
 * start and done by L). North's push records in the trace give the intervals.
 */
START_TEST(fence_waits_for_the_last_store)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	char *buf = NULL;
	size_t len = 0;
	zero_stream(&c);
	c.consumer = VM_CONS_BLOCK;
	c.stable_desc = 1;
	c.payload_lines = 1;
	c.p.v[VM_P_LINE_TRANSFER] = 500;
	c.p.v[VM_P_PRODUCE_PER_MSG] = 50;
	c.p.v[VM_P_WAKEUP] = 200000; /* the consumer sleeps through each fill (32 x ~2050) */
	c.batch = 32;
	c.ring_count = 1024;
	c.messages = 4 * 1024;
	c.trace = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(c.trace);
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	fclose(c.trace);
	ck_assert_uint_eq(r.messages, 4 * 1024);
	unsigned long long t, last = 0;
	unsigned step, pushes = 0, w450 = 0, w0 = 0;
	char side, op[16];
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (sscanf(l, "%u@%llu %c %15s", &step, &t, &side, op) != 4 || side != 'N' || strcmp(op, "push"))
			continue;
		if (pushes++ >= 32) { /* from the second lap on */
			w450 += t - last == 32 * 50 + 450;
			w0 += t - last == 32 * 50;
		}
		last = t;
	}
	free(buf);
	ck_assert_uint_eq(pushes, 4 * 32);
	/* three laps of 32 pushes: all but the first push of each fill (after the consumer's pass) */
	ck_assert_uint_ge(w450, 3 * 30);
	ck_assert_uint_eq(w0, 0);
}
END_TEST

/*
 * TIM-3 libvbus's adaptive spin budget: bursts of 32 every 60000 cycles to a spin-then-block consumer
 * whose budget is 40000. With the budget fixed it sleeps after each burst it drained (a wakeup that found
 * nothing, the SIG-4 self-wakeup at its enable, sends it straight back to sleep), the next burst's kick
 * wakes it after doorbell_wake 1000 + wakeup 69000, by when the burst after has come too: one notification
 * per two bursts. libvbus's budget is the average (weight 1/8) of its own wake-ups, 70000 each here:
 * 70000 - 30000 (7/8)^n after n. The consumer's spin starts after its drain, 640 after a burst it caught
 * or ~10600 after a wake-up (two bursts): the next burst is 59360 or ~49400 away, which the budget passes
 * after 9 or 3 samples (43750, 47031, 49902, ..., 59691, 60980); the consumer outwaits the gaps from then
 * on.
 */
START_TEST(spin_budget_follows_the_wakeups)
{
	struct vm_sim_cfg c;
	struct vm_report fixed, adapt;
	zero_stream(&c);
	c.workload = VM_WL_BURSTY;
	c.consumer = VM_CONS_SPIN;
	c.stable_desc = c.asym = 1;
	c.burst = c.batch = 32;
	c.load = 32 * 1000.0 / 60000; /* a burst every 60000 cycles */
	c.p.v[VM_P_PRODUCE_PER_MSG] = 10;
	c.p.v[VM_P_HANDLER_PER_MSG] = 10;
	c.p.v[VM_P_SPIN_BUDGET] = 40000;
	c.p.v[VM_P_WAKEUP] = 69000;
	c.p.v[VM_P_DOORBELL_WAKE] = 1000;
	c.ring_count = 1024;
	c.messages = 200 * 32;
	ck_assert_int_eq(vm_sim_run(&c, &fixed), 0);
	c.spin_lo = 3000;
	c.spin_hi = 750000;
	ck_assert_int_eq(vm_sim_run(&c, &adapt), 0);
	ck_assert_uint_eq(fixed.messages, 200 * 32);
	ck_assert_uint_eq(adapt.messages, 200 * 32);
	/* fixed: one per two bursts (the first burst comes while the consumer still spins) */
	ck_assert_uint_ge(fixed.doorbells + fixed.interrupts, 99);
	ck_assert_uint_le(fixed.doorbells + fixed.interrupts, 100);
	/* adaptive: 3 to 9 wake-ups, then none */
	ck_assert_uint_ge(adapt.doorbells + adapt.interrupts, 3);
	ck_assert_uint_le(adapt.doorbells + adapt.interrupts, 9);
	/* a clamp below both gaps keeps it sleeping between bursts */
	c.spin_hi = 45000;
	ck_assert_int_eq(vm_sim_run(&c, &adapt), 0);
	ck_assert_uint_ge(adapt.doorbells + adapt.interrupts, 99);
}
END_TEST

/*
 * TIM-3 descheduling: a thread that loses its CPU for longer than the spinning peer's budget makes the
 * peer sleep (a notification when the stream resumes); one shorter than the budget costs none. The
 * median batch (batch_clock) is the undisturbed stream's rate; the whole run's is lower.
 */
START_TEST(desched_outlasting_the_budget_notifies)
{
	struct vm_sim_cfg c;
	struct vm_report r0, r;
	zero_stream(&c);
	c.consumer = VM_CONS_SPIN;
	c.payload_lines = 1;
	c.stable_desc = 1;
	c.p.v[VM_P_PRODUCE_PER_MSG] = 10;
	c.p.v[VM_P_SPIN_BUDGET] = 20000;
	c.p.v[VM_P_WAKEUP] = 5000;
	c.p.v[VM_P_DOORBELL] = 100;
	c.batch = 32;
	c.ring_count = 1024;
	c.messages = 200000;
	c.batch_clock = 4096;
	ck_assert_int_eq(vm_sim_run(&c, &r0), 0);
	ck_assert_uint_eq(r0.descheds, 0);
	ck_assert_uint_eq(r0.doorbells + r0.interrupts, 0);
	/* gaps of 50000 every 400000 on average, per thread: about a tenth of the run lost */
	c.p.v[VM_P_DESCHED_INTERVAL] = 400000;
	c.p.v[VM_P_DESCHED_LEN] = 50000;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 200000);
	ck_assert_uint_ge(r.descheds, 4);
	ck_assert_uint_ge(r.doorbells + r.interrupts, r.descheds / 4);
	ck_assert_uint_le(r.doorbells + r.interrupts, 2 * r.descheds + 1);
	ck_assert(r.throughput < 0.95 * r0.throughput);
	ck_assert(fabs(r.batch_throughput - r0.throughput) <= 0.02 * r0.throughput);
	/* gaps shorter than the budget: the spinner waits them out */
	c.p.v[VM_P_DESCHED_LEN] = 10000;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_ge(r.descheds, 4);
	ck_assert_uint_eq(r.doorbells + r.interrupts, 0);
}
END_TEST

/*
 * TIM-3 descheduling as calibrate counts it (vm_cal_gap_counts): a gap of one thread counts when the
 * spinning peer runs at some moment after its budget has run out while the gap lasts; a gap both CPUs
 * sit out together, or one the peer sits out until we are back, or one shorter than the budget, does
 * not. Times in ns: our gap [0, 100 us), budget 20 us.
 */
START_TEST(desched_counts_what_the_peer_sees)
{
	const double us = 1e3, at = 0, len = 100 * us, b = 20 * us;
	double pat[2] = { 0, 0 }, plen[2] = { 0, 0 };
	/* the peer runs throughout: it gives up at 20 us */
	ck_assert_int_eq(vm_cal_gap_counts(at, len, pat, plen, 0, b), 1);
	/* both off together (the whole VM): nobody spins */
	pat[0] = 0;
	plen[0] = 100 * us;
	ck_assert_int_eq(vm_cal_gap_counts(at, len, pat, plen, 1, b), 0);
	/* the peer off [5, 100): its deadline passes while it is off, and we are back when it returns */
	pat[0] = 5 * us;
	plen[0] = 95 * us;
	ck_assert_int_eq(vm_cal_gap_counts(at, len, pat, plen, 1, b), 0);
	/* the peer off [10, 95): back at 95 past its deadline, we are still off: it gives up */
	pat[0] = 10 * us;
	plen[0] = 85 * us;
	ck_assert_int_eq(vm_cal_gap_counts(at, len, pat, plen, 1, b), 1);
	/* ... unless it is off again from 95 on */
	pat[1] = 95 * us;
	plen[1] = 30 * us;
	ck_assert_int_eq(vm_cal_gap_counts(at, len, pat, plen, 2, b), 0);
	/* the peer off [30, 110): it ran [20, 30) past its deadline: it gave up */
	pat[0] = 30 * us;
	plen[0] = 80 * us;
	ck_assert_int_eq(vm_cal_gap_counts(at, len, pat, plen, 1, b), 1);
	/* a gap shorter than the budget, or than a budget of 250 us: the spinner waits it out */
	ck_assert_int_eq(vm_cal_gap_counts(at, 15 * us, pat, plen, 0, b), 0);
	ck_assert_int_eq(vm_cal_gap_counts(at, len, pat, plen, 0, 250 * us), 0);
}
END_TEST

START_TEST(mitigation_never_notifies_more)
{
	for (int w = 0; w < VM_WL_COUNT; w++) {
		struct vm_sim_cfg c;
		struct vm_report none, r;
		vm_sim_cfg_default(&c);
		c.workload = w;
		c.messages = 3000;
		c.mitigation = VM_MIT_NONE;
		ck_assert_int_eq(vm_sim_run(&c, &none), 0);
		ck_assert_uint_eq(none.messages, 3000);
		for (int m = VM_MIT_SHM_SIGNAL; m < VM_MIT_COUNT; m++) {
			c.mitigation = m;
			ck_assert_int_eq(vm_sim_run(&c, &r), 0);
			ck_assert_msg(r.messages == 3000, "%s/%s: %llu messages", vm_workload_name(w),
				      vm_mitigation_name(m), (unsigned long long)r.messages);
			ck_assert_uint_le(r.doorbells + r.interrupts, none.doorbells + none.interrupts);
			ck_assert_uint_le(r.lat_p50, r.lat_p99);
			ck_assert_uint_le(r.lat_p99, r.lat_max);
		}
	}
}
END_TEST

START_TEST(polling_consumer_gets_no_notification)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	vm_sim_cfg_default(&c);
	c.workload = VM_WL_POISSON;
	c.consumer = VM_CONS_POLL;
	c.messages = 2000;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 2000);
	ck_assert_uint_eq(r.doorbells + r.interrupts, 0);
	c.mitigation = VM_MIT_NONE;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.interrupts, 2000); /* without mitigation every message notifies */
}
END_TEST

/*
 * TIM-3 completions, by hand: a blocking stream of 2R messages over a ring of R, batches of R, every
 * cost 0 but doorbell D and wakeup W. North fills the ring and notifies (D); south wakes (W) and drains.
 * Without completions north goes on when south's pass ends (t = D + W) and its second kick wakes south
 * once more: done at 2 (D + W). With completions north was asleep on the full ring: south's kick
 * notifies it (D), it wakes (W), refills and notifies south (D), which wakes (W): done at 3 (D + W),
 * two doorbells and one interrupt. A polling pair sends no notification at all.
 */
START_TEST(stream_completions_by_hand)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	char err[256];
	vm_sim_cfg_default(&c);
	for (int i = 0; i < VM_NPARAMS; i++)
		c.p.v[i] = 0;
	/* every notification here wakes a sleeper: it costs doorbell_wake (doorbell, 0, is never paid) */
	ck_assert_int_eq(vm_param_parse(&c.p, "doorbell_wake=1000", err, sizeof(err)), 0);
	ck_assert_int_eq(vm_param_parse(&c.p, "wakeup=100000", err, sizeof(err)), 0);
	c.p.v[VM_P_POLL_INTERVAL] = c.p.v[VM_P_EVIDX_THRESHOLD] = 1;
	uint64_t D = c.p.v[VM_P_DOORBELL_WAKE], W = c.p.v[VM_P_WAKEUP];
	c.workload = VM_WL_STREAM;
	c.consumer = VM_CONS_BLOCK;
	c.s2n = 0;
	c.ring_count = c.batch = 8;
	c.messages = 16;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 16);
	ck_assert_uint_eq(r.cycles, 2 * (D + W));
	ck_assert_uint_eq(r.doorbells, 2);
	ck_assert_uint_eq(r.interrupts, 0);
	c.completions = 1;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 16);
	ck_assert_uint_eq(r.cycles, 3 * (D + W));
	ck_assert_uint_eq(r.doorbells, 2);
	ck_assert_uint_eq(r.interrupts, 1);
	/*
	 * Kicks per quarter ring (2 of 8), with a fence B and a handler cost H per message: south's first pass
	 * starts at 3B + D + W (north's kick: 2 fences + D; south's MB-DRAIN) and its kick after 2 messages
	 * (B + D) wakes north at r1 = 4B + 2D + 2W + 2H. North's kick (2B + D) wakes south (W), MB-DRAIN (B), and
	 * its 8th message is done after 8H and 3 quarter kicks (3B): r1 + 6B + D + W + 8H = 10B + 3(D + W) + 10H.
	 * (One kick at the end of a pass instead: 7B + 3(D + W) + 16H.)
	 */
	ck_assert_int_eq(vm_param_parse(&c.p, "barrier_full=10", err, sizeof(err)), 0);
	ck_assert_int_eq(vm_param_parse(&c.p, "handler_per_msg=100", err, sizeof(err)), 0);
	uint64_t B = c.p.v[VM_P_BARRIER_FULL], H = c.p.v[VM_P_HANDLER_PER_MSG];
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 16);
	ck_assert_uint_eq(r.cycles, 10 * B + 3 * (D + W) + 10 * H);
	ck_assert_uint_eq(r.doorbells, 2);
	ck_assert_uint_eq(r.interrupts, 1);
	/*
	 * The fence stall (TIM-3) with line_stream S alone: a kick's ownership requests are the two descriptor
	 * lines of the batch, pipelined from the batch's start (line_transfer (0), then S), and the producer's
	 * index line, stored at the end of the work (0) and owned line_transfer (0) later: a stall of S in
	 * each of north's two kicks; south's second pass misses its second descriptor line (S) before the 8th
	 * message: 3 (D + W) + 3S. (The three requests one after the other, as before they overlapped: 5S.)
	 */
	vm_params_default(&c.p);
	for (int i = 0; i < VM_NPARAMS; i++)
		c.p.v[i] = 0;
	c.p.v[VM_P_DOORBELL_WAKE] = D;
	c.p.v[VM_P_WAKEUP] = W;
	c.p.v[VM_P_POLL_INTERVAL] = c.p.v[VM_P_EVIDX_THRESHOLD] = 1;
	ck_assert_int_eq(vm_param_parse(&c.p, "line_stream=500", err, sizeof(err)), 0);
	uint64_t S = c.p.v[VM_P_LINE_STREAM];
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 16);
	ck_assert_uint_eq(r.cycles, 3 * (D + W) + 3 * S);
	/* the same pair polling: the stalled producer reads the index after the pass, nobody notifies */
	ck_assert_int_eq(vm_param_parse(&c.p, "line_transfer=77", err, sizeof(err)), 0);
	c.consumer = VM_CONS_POLL;
	ck_assert_int_eq(vm_sim_run(&c, &r), 0);
	ck_assert_uint_eq(r.messages, 16);
	ck_assert_uint_eq(r.doorbells + r.interrupts, 0);
}
END_TEST

START_TEST(timing_rejects_bad_config)
{
	struct vm_sim_cfg c;
	struct vm_report r;
	vm_sim_cfg_default(&c);
	c.ring_count = 6;
	ck_assert_int_eq(vm_sim_run(&c, &r), -EINVAL);
	vm_sim_cfg_default(&c);
	c.messages = 0;
	ck_assert_int_eq(vm_sim_run(&c, &r), -EINVAL);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *core = tcase_create("Core");
	tcase_add_test(core, signal_inject_rules);
	tcase_add_test(core, signal_drain_loop);
	tcase_add_test(core, moderation_count_and_holdoff);
	tcase_add_test(core, moderation_count_saturates);
	tcase_add_test(core, ring_need_event);
	tcase_add_test(core, ring_full_and_wrap);
	tcase_add_test(core, ring_copy_is_a_snapshot);
	suite_add_tcase(s, core);
	TCase *lim = tcase_create("Limits");
	tcase_add_test(lim, signal_garbage_bytes_read_as_one);
	tcase_add_test(lim, ring_violation_is_sticky);
	suite_add_tcase(s, lim);
	TCase *vec = tcase_create("Vectors");
	tcase_add_checked_fixture(vec, tmp_setup, tmp_teardown);
	tcase_add_test(vec, every_vector_passes);
	tcase_add_test(vec, wrong_expectation_fails);
	tcase_add_test(vec, malformed_vector_file_line);
	tcase_add_test(vec, semantic_vector_error_file_line);
	tcase_add_test(vec, malformed_trace_file_line);
	suite_add_tcase(s, vec);
	TCase *prm = tcase_create("Params");
	tcase_add_checked_fixture(prm, tmp_setup, tmp_teardown);
	tcase_add_test(prm, defaults_match_spec_table);
	tcase_add_test(prm, json_params_apply);
	tcase_add_test(prm, json_errors_file_line);
	tcase_add_test(prm, json_calibrate_file_format);
	suite_add_tcase(s, prm);
	TCase *ex = tcase_create("Explorer");
	tcase_set_timeout(ex, 60);
	tcase_add_test(ex, explore_spec_has_no_violation);
	tcase_add_test(ex, explore_2009_has_a_counterexample);
	tcase_add_test(ex, explore_each_barrier_is_needed);
	tcase_add_test(ex, explore_event_index);
	suite_add_tcase(s, ex);
	TCase *tim = tcase_create("Timing");
	tcase_set_timeout(tim, 60);
	tcase_add_test(tim, pingpong_none_matches_closed_form);
	tcase_add_test(tim, mitigation_never_notifies_more);
	tcase_add_test(tim, polling_consumer_gets_no_notification);
	tcase_add_test(tim, timing_rejects_bad_config);
	tcase_add_test(tim, stream_completions_by_hand);
	tcase_add_test(tim, per_call_costs_once_per_round_trip);
	tcase_add_test(tim, spin_then_block_starts_spinning);
	tcase_add_test(tim, asym_kick_and_stable_descriptors);
	tcase_add_test(tim, send_into_the_consumers_lines);
	tcase_add_test(tim, reply_is_a_completion);
	tcase_add_test(tim, store_window_commits_together);
	tcase_add_test(tim, store_window_is_a_mean);
	tcase_add_test(tim, store_window_follows_the_stream_call);
	tcase_add_test(tim, pass_overlaps_misses_with_work);
	tcase_add_test(tim, fence_waits_for_what_is_in_flight);
	tcase_add_test(tim, fence_waits_for_the_last_store);
	tcase_add_test(tim, spin_budget_follows_the_wakeups);
	tcase_add_test(tim, desched_outlasting_the_budget_notifies);
	tcase_add_test(tim, desched_counts_what_the_peer_sees);
	tcase_add_test(tim, waking_write_costs_doorbell_wake);
	suite_add_tcase(s, tim);
	return s;
}

int main(void)
{
	return vbus_check_run(model_suite());
}

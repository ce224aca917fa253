// SPDX-License-Identifier: GPL-2.0
/*
 * libvbusvector: the vector reader accepts the documented format, rejects
 * malformed input with file:line, and the trace comparator names the first
 * divergence (docs/spec/07-trace.md §7.2, 08-vectors.md §8.1).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vbus_vector.h"
#include "../vbus_check.h"

static const char good[] = "vbus-vector 1\n"
			   "name t\n"
			   "covers SIG-5\n"
			   "desc a test # with a hash kept\n"
			   "object sig0 signal\n"
			   "object r0 ring count=4 evidx=1 base=0xfffffffe\n"
			   "object b0 bus devices=1:echo,2:null:3:5\n"
			   "steps\n"
			   "S enable sig0   # comment\n"
			   "S wakeup sig0\n"
			   "> N inject sig0\n"
			   "N push r0 n=2 len=100\n"
			   "expect\n"
			   "1 S enable sig0 ok N=000 S=100\n"
			   "2@17 N inject sig0 suppress N=000 S=111\n"
			   "end\n";

START_TEST(parses_good_vector)
{
	struct vbus_vector v;
	char err[VBUS_VEC_ERR_LEN];
	const struct vbus_vec_object *r, *b;
	uint64_t x;

	ck_assert_int_eq(vbus_vec_parse_string("t.vec", good, &v, err, sizeof(err)), 0);
	ck_assert_str_eq(v.name, "t");
	ck_assert_str_eq(v.desc, "a test # with a hash kept");
	ck_assert_uint_eq(v.nobj, 3);
	r = vbus_vec_object(&v, "r0");
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->count, 4);
	ck_assert_int_eq(r->evidx, 1);
	ck_assert_uint_eq(r->base, 0xfffffffeu);
	ck_assert_uint_eq(r->region, 65536);
	b = vbus_vec_object(&v, "b0");
	ck_assert_uint_eq(b->ndev, 2);
	ck_assert_uint_eq(b->dev[1].version, 3);
	ck_assert_uint_eq(b->dev[1].features, 5);
	ck_assert_str_eq(b->dev[1].type, "null");
	ck_assert_uint_eq(v.nsteps, 4);
	ck_assert_int_eq(v.steps[2].nested, 1);
	ck_assert_int_eq(v.steps[2].side, 'N');
	ck_assert_int_eq(v.steps[3].line, 12);
	ck_assert_int_eq(vbus_step_u64(&v.steps[3], "len", 64, &x), 0);
	ck_assert_uint_eq(x, 100);
	ck_assert_int_eq(vbus_step_u64(&v.steps[3], "off", 7, &x), 0);
	ck_assert_uint_eq(x, 7);
	ck_assert_uint_eq(v.expect.n, 2);
	ck_assert_int_eq(v.expect.rec[1].has_cycle, 1);
	ck_assert_uint_eq(v.expect.rec[1].cycle, 17);
	ck_assert_str_eq(v.expect.rec[1].result, "suppress");
	ck_assert_str_eq(v.expect.rec[1].kv[1].val, "111");
	vbus_vec_free(&v);
}
END_TEST

/* Each malformed text, and the line number and message fragment it must be rejected with. */
static const struct {
	const char *text, *where, *what;
} bad[] = {
	{ "", "bad.vec:1:", "empty file" },
	{ "vbus-vector 2\n", "bad.vec:1:", "vbus-vector 1" },
	{ "vbus-vector 1\nname x\nbogus\n", "bad.vec:3:", "unknown keyword" },
	{ "vbus-vector 1\nname x\nobject a widget\n", "bad.vec:3:", "unknown object kind" },
	{ "vbus-vector 1\nname x\nobject r ring count=6\n", "bad.vec:3:", "power of two" },
	{ "vbus-vector 1\nname x\nobject r ring size=6\n", "bad.vec:3:", "unknown key" },
	{ "vbus-vector 1\nname x\nobject r ring count=abc\n", "bad.vec:3:", "not a number" },
	{ "vbus-vector 1\nname x\nobject s signal\nobject s signal\n", "bad.vec:4:", "declared twice" },
	{ "vbus-vector 1\nobject s signal\nsteps\n", "bad.vec:3:", "'name' missing" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nN fly s\n", "bad.vec:5:", "unknown operation" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nQ inject s\n", "bad.vec:5:", "side must be" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nN inject t\n", "bad.vec:5:", "unknown object" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nN inject s\n> N inject s\n",
	  "bad.vec:6:", "must follow a wakeup" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nN inject s n\n", "bad.vec:5:", "key=value" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nN inject s\nexpect\n2 N inject s ok\nend\n",
	  "bad.vec:7:", "expected step 1" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nN inject s\nexpect\n1 N inject s\nend\n",
	  "bad.vec:7:", "trace record needs" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nN inject s\nexpect\n1 N inject s ok\n",
	  "bad.vec:7:", "missing 'end'" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nN inject s\nexpect\nend\nN inject s\n",
	  "bad.vec:8:", "after 'end'" },
	{ "vbus-vector 1\nname x\nobject b bus devices=0:echo\n", "bad.vec:3:", "device must be" },
	{ "vbus-vector 1\nname x\nobject s signal\nsteps\nexpect\nend\n", "bad.vec:6:", "no steps" },
};

START_TEST(rejects_malformed_with_file_line)
{
	struct vbus_vector v;
	char err[VBUS_VEC_ERR_LEN] = "";

	ck_assert_int_eq(vbus_vec_parse_string("bad.vec", bad[_i].text, &v, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, bad[_i].where) == err, "case %d: '%s' does not start with '%s'", _i, err,
		      bad[_i].where);
	ck_assert_msg(strstr(err, bad[_i].what), "case %d: '%s' does not mention '%s'", _i, err, bad[_i].what);
}
END_TEST

/* Write @text to @dir/@name (path returned in @path), every step checked. */
static void write_file(const char *dir, const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	ck_assert_int_lt(snprintf(path, len, "%s/%s", dir, name), (int)len);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(file_name_must_match)
{
	char dir[] = "/tmp/vbus-vec-XXXXXX", path[64], err[VBUS_VEC_ERR_LEN];
	struct vbus_vector v;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "other.vec", good, path, sizeof(path));
	ck_assert_int_eq(vbus_vec_parse_file(path, &v, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "name must equal the file name"));
	ck_assert_int_eq(unlink(path), 0);
	write_file(dir, "t.vec", good, path, sizeof(path));
	ck_assert_int_eq(vbus_vec_parse_file(path, &v, err, sizeof(err)), 0);
	vbus_vec_free(&v);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(vbus_vec_parse_file(path, &v, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static void trace_of(struct vbus_trace *t, const char *const *lines, int n)
{
	char err[VBUS_VEC_ERR_LEN];

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < n; i++) {
		struct vbus_trace_rec r;

		ck_assert_msg(vbus_trace_parse_line("mem", i + 1, lines[i], &r, err, sizeof(err)) == 0, "%s", err);
		ck_assert_int_eq(vbus_trace_append(t, &r), 0);
	}
}

START_TEST(compare_names_first_divergence)
{
	static const char *const exp[] = { "1 S enable sig0 ok N=000 S=100", "2 N inject sig0 notify N=000 S=111" };
	static const char *const same[] = { "1@5 S enable sig0 ok N=000 S=100",
					    "2@9 N inject sig0 notify N=000 S=111" };
	static const char *const res[] = { "1 S enable sig0 ok N=000 S=100", "2 N inject sig0 suppress N=000 S=111" };
	static const char *const st[] = { "1 S enable sig0 ok N=000 S=100", "2 N inject sig0 notify N=000 S=101" };
	static const char *const shortt[] = { "1 S enable sig0 ok N=000 S=100" };
	struct vbus_trace e, a;
	char msg[256];

	trace_of(&e, exp, 2);
	trace_of(&a, same, 2);
	ck_assert_int_eq(vbus_trace_compare(&e, &a, -1, msg, sizeof(msg)), 0);
	vbus_trace_free(&a);
	trace_of(&a, res, 2);
	ck_assert_int_eq(vbus_trace_compare(&e, &a, -1, msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "step 2: field result: expected notify, actual suppress");
	vbus_trace_free(&a);
	trace_of(&a, st, 2);
	ck_assert_int_eq(vbus_trace_compare(&e, &a, -1, msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "step 2: field S: expected 111, actual 101");
	vbus_trace_free(&a);
	trace_of(&a, shortt, 1);
	ck_assert_int_eq(vbus_trace_compare(&e, &a, -1, msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "step 2: field end: expected 2 records, actual 1 records");
	vbus_trace_free(&a);
	vbus_trace_free(&e);
}
END_TEST

START_TEST(compare_cycles_with_tolerance)
{
	static const char *const x[] = { "1@100 S enable sig0 ok N=000 S=100" };
	static const char *const y[] = { "1@103 S enable sig0 ok N=000 S=100" };
	struct vbus_trace a, b;
	char msg[256];

	trace_of(&a, x, 1);
	trace_of(&b, y, 1);
	ck_assert_int_eq(vbus_trace_compare(&a, &b, 3, msg, sizeof(msg)), 0);
	ck_assert_int_eq(vbus_trace_compare(&a, &b, 2, msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "step 1: field cycle: expected 100, actual 103");
	vbus_trace_free(&a);
	vbus_trace_free(&b);
}
END_TEST

START_TEST(format_round_trips)
{
	struct vbus_trace_rec r, back;
	char line[256], err[VBUS_VEC_ERR_LEN];

	memset(&r, 0, sizeof(r));
	r.step = 3;
	r.side = 'S';
	strcpy(r.op, "pop");
	strcpy(r.obj, "r0");
	strcpy(r.result, "ok");
	ck_assert_int_eq(vbus_trace_rec_kv(&r, "n", "%d", 2), 0);
	ck_assert_int_eq(vbus_trace_rec_kv(&r, "cookie", "%u", 4294967295u), 0);
	ck_assert_int_gt(vbus_trace_format(&r, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "3 S pop r0 ok n=2 cookie=4294967295");
	ck_assert_int_eq(vbus_trace_format(&r, line, 10), -ENOSPC);
	ck_assert_int_eq(vbus_trace_format(&r, line, sizeof(line)), (int)strlen(line));
	ck_assert_int_eq(vbus_trace_parse_line("mem", 1, line, &back, err, sizeof(err)), 0);
	ck_assert_str_eq(back.kv[1].val, "4294967295");
}
END_TEST

START_TEST(trace_file_errors_have_file_line)
{
	char dir[] = "/tmp/vbus-trc-XXXXXX", path[64], err[VBUS_VEC_ERR_LEN];
	struct vbus_trace t;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "a.trace", "vbus-trace 1\n# c\n1 S enable sig0 ok N=000 S=100\n3 N inject sig0 ok\n", path,
		   sizeof(path));
	ck_assert_int_eq(vbus_trace_read_file(path, &t, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "a.trace:4: expected step 2"));
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *reader_suite(void)
{
	Suite *s = suite_create("vector-reader");
	TCase *core = tcase_create("Core");
	TCase *limits = tcase_create("Limits");

	tcase_add_test(core, parses_good_vector);
	tcase_add_test(core, compare_names_first_divergence);
	tcase_add_test(core, compare_cycles_with_tolerance);
	tcase_add_test(core, format_round_trips);
	suite_add_tcase(s, core);
	tcase_add_loop_test(limits, rejects_malformed_with_file_line, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(limits, file_name_must_match);
	tcase_add_test(limits, trace_file_errors_have_file_line);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	return vbus_check_run(reader_suite());
}

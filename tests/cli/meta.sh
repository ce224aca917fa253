#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Checks on the test harness itself. Usage: meta.sh CASE
#   ck-typo       every Check binary run with CK_RUN_CASE naming no test fails (it used to pass with 0 tests)
#   no-tests      `make check`'s ctest fails when a label or -R regex selects no test (--no-tests=error)
#   readme        every folder tests/README.md names as `name/` exists; its Check example builds and runs; its
#                 label list is the labels the tests carry
#   clang-format  every tracked C/C++ file but those of clang-format-exclude.txt is formatted as .clang-format says
#   kmod-guard    the destructive in-guest module test refuses to run outside the test VM
#   programs      every program in bin/ and every tracked script has a row in programs.txt or a reason in not-programs.txt;
#                 every script with a row is tracked executable
#   qemu-progress tests/kernel/qemu-run.sh prints progress on stderr while QEMU runs (a stand-in QEMU)
# Exit 0 pass, 1 fail (with the reason), 77 skip (with the reason).
set -uo pipefail
case_=${1:?usage: meta.sh CASE}
src=${VBUS_SOURCE_DIR:?VBUS_SOURCE_DIR must be set (ctest sets it)}
bin=${VBUS_BINARY_DIR:?VBUS_BINARY_DIR must be set (ctest sets it)}
fail() { echo "FAIL: $*" >&2; exit 1; }

case $case_ in
ck-typo)
	# every Check binary (test_*, check_* of the build; vbus_check_run() of tests/vbus_check.h): a filter
	# naming no test fails with "no test ran" (srunner's own main counts zero tests as a pass)
	command -v nm >/dev/null || { echo "SKIP: nm not installed (Debian package binutils)"; exit 77; }
	n=0
	for t in "$bin"/bin/test_* "$bin"/bin/check_*; do
		[ -x "$t" ] || continue
		# not grep -q: under pipefail, nm killed by SIGPIPE when grep stops at the first match would
		# make a large suite look like no Check suite (CI's fresh clone found only 3 of 9 that way)
		nm "$t" 2>/dev/null | grep ' srunner_run_all$' >/dev/null || continue # not a Check suite (test_asym)
		n=$((n + 1))
		out=$(CK_RUN_CASE=no-such-case-typo timeout 60 "$t" 2>&1)
		rc=$?
		if [ $rc -eq 0 ] || ! echo "$out" | grep -q 'no test ran'; then
			echo "$out" | tail -3
			fail "${t##*/} with CK_RUN_CASE=no-such-case-typo exited $rc without 'no test ran' (zero tests counted as a pass)"
		fi
		echo "ok: ${t##*/}: CK_RUN_CASE=no-such-case-typo -> $rc: $(echo "$out" | grep 'no test ran')"
	done
	[ $n -ge 5 ] || fail "found only $n Check binaries in $bin/bin"
	"$bin/bin/test_core" >/dev/null 2>&1 || fail "test_core without a filter fails"
	;;
no-tests)
	# the Makefile's ctest line carries the flag, and with it ctest refuses an empty selection
	# make's output is read whole before it is searched (no pipe into grep -q, which under pipefail can fail
	# the pipeline on make's SIGPIPE); MAKEFLAGS from a calling make (make check runs this test inside one)
	# must not change what is printed
	mk=$(MAKEFLAGS= MAKELEVEL= make -s -n -C "$src" test-default BUILD_DIR="$bin" 2>&1)
	mkrc=$?
	case $mk in
	*'ctest --no-tests=error'*) ;;
	*) fail "make test-default does not run ctest --no-tests=error (make -n exit $mkrc, output: $mk)" ;;
	esac
	(cd "$bin" && ctest --no-tests=error -R 'no-such-test-typo-zz' >/dev/null 2>&1) &&
		fail "ctest --no-tests=error -R typo passed"
	(cd "$bin" && ctest --no-tests=error -L 'no-such-label-zz' >/dev/null 2>&1) &&
		fail "ctest --no-tests=error -L typo passed"
	echo "an empty selection fails"
	;;
readme)
	rd=$src/tests/README.md
	for d in $(grep -o '`[a-z0-9_-]*/`' "$rd" | tr -d '`' | sort -u); do
		[ -d "$src/tests/$d" ] || [ -d "$src/$d" ] || fail "tests/README.md names $d, which does not exist"
		echo "ok: $d"
	done
	# the ten-line example works: its C file builds against vbus_check.h and passes, and a filter typo fails
	t=$(mktemp -d "${TMPDIR:-/tmp}/vbus-meta-readme-XXXXXX") || exit 1
	trap 'rm -rf "$t"' EXIT
	awk '/^```c$/ { on = 1; next } /^```/ { if (on) exit } on' "$rd" >"$t/test_thing.c"
	[ -s "$t/test_thing.c" ] || fail "tests/README.md has no C example of a Check suite"
	awk '/^```cmake$/ { on = 1; next } /^```/ { if (on) exit } on' "$rd" | grep -q 'vbus_add_test(NAME .* LABEL ' ||
		fail "tests/README.md has no CMake example registering it with vbus_add_test(NAME ... LABEL ...)"
	pkg-config --exists check || { echo "SKIP: pkg-config check not found (Debian package check)"; exit 77; }
	# shellcheck disable=SC2046
	${CC:-cc} -std=c11 -Wall -Wextra -Werror -I"$src/tests/core" -o "$t/test_thing" "$t/test_thing.c" \
		$(pkg-config --cflags --libs check) || fail "the README's Check example does not build"
	"$t/test_thing" || fail "the README's Check example fails"
	CK_RUN_CASE=no-such-case-typo "$t/test_thing" >/dev/null 2>&1 && fail "the README's example passes a filter typo"
	echo "ok: the README's Check example builds, passes and fails on a filter typo"
	# the labels: every label a test carries is in the README's list, and every listed one selects a test
	listed=$(sed -n 's/^Labels: \(.*\)\.$/\1/p' "$rd" | tr ' ' '\n' | sed '/^$/d' | sort -u)
	[ -n "$listed" ] || fail "tests/README.md has no 'Labels: ...' line"
	known=$(cd "$bin" && ctest --print-labels | sed -n 's/^  *//p' | sort -u)
	unlisted=$(comm -13 <(echo "$listed") <(echo "$known") | tr '\n' ' ')
	[ -z "$unlisted" ] || fail "labels tests carry but tests/README.md does not list: $unlisted"
	# (a listed label may select nothing in a build without its part: make check's --no-tests=error says so)
	empty=$(comm -23 <(echo "$listed") <(echo "$known") | tr '\n' ' ')
	[ -z "$empty" ] || echo "note: no test of this build carries: $empty"
	echo "ok: labels $(echo "$listed" | tr '\n' ' ')"
	;;
clang-format)
	cf=$(command -v clang-format-14 || command -v clang-format) ||
		{ echo "SKIP: clang-format not installed (Debian package clang-format)"; exit 77; }
	ex=$src/tests/cli/clang-format-exclude.txt
	# every C/C++ file we track (a tree without .git: every one outside the build folders)
	if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		all=$(git -C "$src" ls-files -- '*.c' '*.h' '*.cpp' '*.hpp' '*.cc')
	else
		all=$(cd "$src" && find . \( -name 'build*' -o -name .git \) -prune -o -type f \
			\( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' -o -name '*.cc' \) -print |
			sed 's|^\./||' | sort)
	fi
	[ -n "$all" ] || fail "found no C/C++ file under $src"
	skip=$(sed -e 's/#.*//' -e 's/[[:space:]].*//' -e '/^$/d' "$ex")
	for e in $skip; do
		[ -e "$src/$e" ] || fail "clang-format-exclude.txt lists $e, which does not exist"
		awk -v e="$e" '$1 == e && NF > 1' "$ex" | grep -q . || fail "clang-format-exclude.txt gives no reason for $e"
	done
	files=() n_ex=0
	for f in $all; do
		for e in $skip; do
			case $f in "$e" | "${e%/}"/*) n_ex=$((n_ex + 1)); continue 2 ;; esac
		done
		files+=("$f")
	done
	if ! (cd "$src" && "$cf" --dry-run -Werror "${files[@]}" 2>"$bin/clang-format.err"); then
		head -30 "$bin/clang-format.err"
		bad=$(grep -o '^[^:]*\.\(c\|h\|cpp\|hpp\|cc\):[0-9]*:[0-9]*: error' "$bin/clang-format.err" |
			cut -d: -f1 | sort -u | tr '\n' ' ')
		fail "not formatted as .clang-format says: $bad(fix: $cf -i FILE)"
	fi
	echo "${#files[@]} files formatted as .clang-format says ($n_ex excluded by clang-format-exclude.txt)"
	;;
kmod-guard)
	t=$bin/bin/vbus_kmod_test
	[ -x "$t" ] || { echo "SKIP: $t not built (needs the kernel build)"; exit 77; }
	out=$("$t" 2>&1); rc=$?
	echo "$out" | head -5
	[ $rc -ne 0 ] && [ $rc -ne 77 ] || fail "vbus_kmod_test outside the test VM exited $rc, want a refusal (1)"
	echo "$out" | grep -q 'refus' || fail "vbus_kmod_test did not say it refuses"
	;;
qemu-progress)
	# A stand-in QEMU (VBUS_QEMU) that boots for 3 s, runs for 3 s and reports rc=0, as the real one's
	# console would: qemu-run.sh must print the stage and the elapsed time on stderr, and nothing of it
	# on stdout (the guest's output).
	t=$(mktemp -d "${TMPDIR:-/tmp}/vbus-meta-qemu-XXXXXX") || exit 1
	trap 'rm -rf "$t"' EXIT
	printf '#!/bin/sh\nsleep 3\necho "vbus-guest: running: true"\nsleep 3\necho "VBUS-GUEST-RESULT rc=0"\n' \
		>"$t/qemu"
	chmod +x "$t/qemu"
	: >"$t/vmlinuz"
	run() { VBUS_QEMU=$t/qemu VBUS_KERNEL=$t/vmlinuz "$src/tests/kernel/qemu-run.sh" --name q --timeout 60 -- true; }
	VBUS_PROGRESS=1 run >"$t/out" 2>"$t/err"
	rc=$?
	[ $rc -ne 77 ] || { cat "$t/err"; echo "SKIP: qemu-run.sh skipped (above)"; exit 77; }
	cat "$t/err"
	[ $rc -eq 0 ] || fail "qemu-run.sh with the stand-in QEMU exited $rc"
	grep -Eq '^q: booting the guest \([0-9]+ s of 60\)$' "$t/err" || fail "no 'booting' progress line on stderr"
	grep -Eq '^q: running the guest command \([0-9]+ s of 60\)$' "$t/err" || fail "no 'running' progress line"
	grep -q ' s of 60' "$t/out" && fail "a progress line on stdout"
	;;
programs)
	# every program the build puts in bin/ and every tracked shell/Python script has a row in programs.txt or
	# a line with its reason in not-programs.txt: a new program cannot miss the contract unnoticed
	set -f # the patterns of not-programs.txt are matched by case, never expanded as file names
	tab=$src/tests/cli/programs.txt not=$src/tests/cli/not-programs.txt
	# the rows' programs: bin/NAME for @BIN@/NAME, the source path for @SRC@/PATH (after an optional bash)
	rows=$(grep -v '^#' "$tab" | grep -v '^$' | cut -d'|' -f2 | awk '{ w = $1; if (w == "bash") w = $2; print w }' |
		sed -e 's|^@BIN@/|bin/|' -e 's|^@SRC@/||' | sort -u)
	pats=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$not" | awk '{ print $1 }')
	while read -r p; do
		awk -v p="$p" '$1 == p && NF > 1' "$not" | grep -q . || fail "not-programs.txt gives no reason for $p"
	done <<<"$pats"
	if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		scripts=$(git -C "$src" ls-files -- '*.sh' '*.py')
	else
		scripts=$(cd "$src" && find . \( -name 'build*' -o -name .git \) -prune -o -type f \( -name '*.sh' -o -name '*.py' \) \
			-print | sed 's|^\./||')
	fi
	progs=$(cd "$bin" && find bin -maxdepth 1 -type f -perm -u+x | sort)
	[ -n "$progs" ] || fail "no program in $bin/bin"
	n=0 missing=
	for p in $progs $scripts; do
		n=$((n + 1))
		grep -qxF -- "$p" <<<"$rows" && continue
		for pat in $pats; do
			# shellcheck disable=SC2254
			case $p in $pat) continue 2 ;; esac
		done
		missing+=" $p"
	done
	[ -z "$missing" ] || fail "no row in tests/cli/programs.txt and no reason in not-programs.txt:$missing"
	# and every row names something that exists
	# and every script row names a file that exists (a program row may be one this build does not make)
	for r in $rows; do
		case $r in bin/*) ;; *) [ -f "$src/$r" ] || fail "programs.txt names $r, which does not exist" ;; esac
	done
	# a script with a row is a program users run as the READMEs show (path/to/script.sh ARGS): tracked executable
	if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		noexec=
		for r in $rows; do
			case $r in bin/*) continue ;; esac
			mode=$(git -C "$src" ls-files -s -- "$r" | awk '{ print $1 }')
			[ -z "$mode" ] || [ "$mode" = 100755 ] || noexec+=" $r"
		done
		[ -z "$noexec" ] || fail "scripts with a programs.txt row not tracked executable (git update-index --chmod=+x):$noexec"
	fi
	echo "$n programs and scripts: each has a row or a reason"
	;;
*)
	echo "meta.sh: unknown case '$case_'" >&2
	exit 2
	;;
esac
echo "PASS $case_"

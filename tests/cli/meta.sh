#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Checks on the test harness itself. Usage: meta.sh CASE
#   ck-typo       a Check binary run with CK_RUN_CASE naming no test fails (it used to pass with 0 tests)
#   no-tests      `make check`'s ctest fails when a label or -R regex selects no test (--no-tests=error)
#   readme        every folder tests/README.md names as `name/` exists
#   clang-format  every tracked C/C++ file but those of clang-format-exclude.txt is formatted as .clang-format says
#   kmod-guard    the destructive in-guest module test refuses to run outside the test VM
#   qemu-progress tests/kernel/qemu-run.sh prints progress on stderr while QEMU runs (a stand-in QEMU)
# Exit 0 pass, 1 fail (with the reason), 77 skip (with the reason).
set -uo pipefail
case_=${1:?usage: meta.sh CASE}
src=${VBUS_SOURCE_DIR:?VBUS_SOURCE_DIR must be set (ctest sets it)}
bin=${VBUS_BINARY_DIR:?VBUS_BINARY_DIR must be set (ctest sets it)}
fail() { echo "FAIL: $*" >&2; exit 1; }

case $case_ in
ck-typo)
	out=$(CK_RUN_CASE=no-such-case-typo "$bin/bin/test_core" 2>&1); rc=$?
	echo "$out"
	[ $rc -ne 0 ] || fail "test_core with CK_RUN_CASE=no-such-case-typo exited 0 (zero tests counted as a pass)"
	echo "$out" | grep -q 'no test ran' || fail "no 'no test ran' message"
	"$bin/bin/test_core" >/dev/null 2>&1 || fail "test_core without a filter fails"
	;;
no-tests)
	# the Makefile's ctest line carries the flag, and with it ctest refuses an empty selection
	make -s -n -C "$src" test-default BUILD_DIR="$bin" 2>/dev/null | grep -q -- 'ctest --no-tests=error' ||
		fail "make test-default does not run ctest --no-tests=error"
	(cd "$bin" && ctest --no-tests=error -R 'no-such-test-typo-zz' >/dev/null 2>&1) &&
		fail "ctest --no-tests=error -R typo passed"
	(cd "$bin" && ctest --no-tests=error -L 'no-such-label-zz' >/dev/null 2>&1) &&
		fail "ctest --no-tests=error -L typo passed"
	echo "an empty selection fails"
	;;
readme)
	for d in $(grep -o '`[a-z0-9_-]*/`' "$src/tests/README.md" | tr -d '`' | sort -u); do
		[ -d "$src/tests/$d" ] || [ -d "$src/$d" ] || fail "tests/README.md names $d, which does not exist"
		echo "ok: $d"
	done
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
*)
	echo "meta.sh: unknown case '$case_'" >&2
	exit 2
	;;
esac
echo "PASS $case_"

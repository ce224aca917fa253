#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Finding 7 of issue 9, as compiled: the control request is loaded from shared memory in one
# block before the verb runs (the compiler barrier after the memcpy in vbus_bus_ctrl_pop).
# single_fetch.c watches the compiled core with PROT_NONE pages and single-stepping.
#  1. clang -O3 with unlimited inlining (a compiler that uses every freedom the C code leaves it)
#     on the core as it is: must pass;
#  2. cc -O2 (the build's compiler and level) on the core as it is: must pass;
#  3. the same clang build of a copy of the core with the barrier removed (the code before the
#     fix): must FAIL (exit 3), or the check has lost its teeth with this compiler.
# Usage: single_fetch.sh CLANG|SKIP CC CORE_DIR ABI_INCLUDE HARNESS_SRC
set -euo pipefail
if [ $# -ne 5 ]; then
	echo "usage: single_fetch.sh CLANG|SKIP CC CORE_DIR ABI_INCLUDE HARNESS_SRC" >&2
	exit 2
fi
clang=$1 cc=$2 core=$3 abi=$4 src=$5
if [ "$clang" = "SKIP" ]; then
	echo "SKIP: no clang found at configure time (Debian package clang)"
	exit 77
fi
if [ "$(uname -m)" != x86_64 ]; then
	echo "SKIP: the access tracer reads x86-64 registers (REG_ERR, the TF flag); this is $(uname -m)"
	exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-single-fetch-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cp -r "$core" "$work/planted"
sed -i 's|^\tbarrier();$|\t/* PLANTED: no compiler barrier after the memcpy */|' "$work/planted/bus.c"
[ "$(grep -c PLANTED "$work/planted/bus.c")" = 1 ] ||
	{ echo "FAIL: could not remove the barrier in a copy of bus.c (vbus_bus_ctrl_pop changed?)" >&2; exit 1; }
common=(-std=c11 -g -Wall -Wextra -Werror)
aggressive=(-O3 -mllvm -inline-threshold=100000)

build() { # out compiler core-dir flags...
	local out=$1 comp=$2 dir=$3
	shift 3
	"$comp" "${common[@]}" "$@" -I"$dir/shim" -I"$dir" -I"$abi" "$src" "$dir"/*.c -o "$work/$out"
}
build real-clang "$clang" "$core" "${aggressive[@]}"
build real-cc "$cc" "$core" -O2
build planted-clang "$clang" "$work/planted" "${aggressive[@]}"

fail=0
for b in real-clang real-cc; do
	echo "== $b (the core as it is)"
	rc=0; "$work/$b" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: $b: exit $rc" >&2
		fail=1
	fi
done
echo "== planted-clang (barrier removed: expected to fail)"
rc=0; "$work/planted-clang" || rc=$?
if [ "$rc" -ne 3 ]; then
	echo "FAIL: without the barrier the check still passes (exit $rc): it has no teeth with $("$clang" --version | head -1)" >&2
	fail=1
fi
[ "$fail" = 0 ] && echo "PASS: the request is fetched in one block; without the barrier clang interleaves its loads with the verb"
exit "$fail"

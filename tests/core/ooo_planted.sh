#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# core.fuzz-ooo-planted: the consumer fuzzer's out-of-order checks have teeth. For each of the three
# id checks of VBUS_IOQ_F_OOO rings (spec 02 §2.12), build the fuzzer on a copy of the core with that
# check removed and expect a finding from the committed corpus within the budget:
#   take      T5: an id south already holds is handed out again (hostile north pokes desc[].id)
#   complete  C1: a duplicate id inside one ioq_complete call is accepted
#   reclaim   R5': a completion whose id is not in flight (hostile south repeats an id in used[])
# The real core passes the same corpus (core.fuzz). Usage:
#   ooo_planted.sh CLANG|SKIP CORE_DIR ABI_INCLUDE FUZZ_SRC CORPUS SECONDS
set -euo pipefail
if [ $# -ne 6 ]; then
	echo "usage: ooo_planted.sh CLANG|SKIP CORE_DIR ABI_INCLUDE FUZZ_SRC CORPUS SECONDS" >&2
	exit 2
fi
clang=$1 core=$2 abi=$3 src=$4 corpus=$5 secs=$6
if [ "$clang" = "SKIP" ]; then
	echo "SKIP: no clang with libFuzzer found at configure time (install clang-14 and libclang-rt-14-dev)"
	exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-ooo-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail=0
# name, the exact source line (a fixed string), what replaces it
names=(take complete reclaim)
froms=(
	"if (id >= q->cnt || q->ooo[id].busy) /* bad id, or one south holds: duplicate */"
	"if (c[i].cookie >= q->cnt || !q->ooo[c[i].cookie].busy) {"
	"if (id >= q->cnt || !q->ooo[id].busy)"
)
tos=(
	"if (id >= q->cnt) /* PLANTED: held id not checked */"
	"if (c[i].cookie >= q->cnt) { /* PLANTED: duplicate not checked */"
	"if (id >= q->cnt) /* PLANTED: in-flight not checked */"
)
for k in "${!names[@]}"; do
	name=${names[$k]}
	rm -rf "$work/core" && cp -r "$core" "$work/core"
	FROM=${froms[$k]} TO=${tos[$k]} awk '{ i = index($0, ENVIRON["FROM"]) }
		i && !done { $0 = substr($0, 1, i - 1) ENVIRON["TO"] substr($0, i + length(ENVIRON["FROM"])); done = 1 }
		{ print }' "$core/ioq.c" >"$work/core/ioq.c"
	if ! grep -q "PLANTED" "$work/core/ioq.c"; then
		echo "FAIL: could not plant '$name' (the check in ioq.c changed?)" >&2
		fail=1
		continue
	fi
	"$clang" -std=c11 -g -O1 -Wall -Wextra -Werror -DVBUS_SHIM_RACE \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I"$work/core/shim" -I"$work/core" -I"$abi" "$src" "$work"/core/*.c -o "$work/fuzz-$name"
	mkdir -p "$work/new-$name"
	set +e
	"$work/fuzz-$name" -seed=1 -max_total_time="$secs" -max_len=512 -timeout=10 -error_exitcode=3 \
		-artifact_prefix="$work/$name-" "$work/new-$name" "$corpus" >"$work/$name.log" 2>&1
	rc=$?
	set -e
	if [ $rc -ne 0 ] && grep -q "deadly signal" "$work/$name.log"; then
		echo "ok: planted '$name' found (exit $rc, after $(grep -Eo '#[0-9]+' "$work/$name.log" | tail -1 || echo '?') executions)"
	else
		echo "FAIL: planted '$name' not found within $secs s (exit $rc)" >&2
		tail -n 20 "$work/$name.log" >&2
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "PASS: each out-of-order id check, removed, is found by the consumer fuzzer"
exit $fail

#!/usr/bin/env bash
# Cross-check: replay every conformance vector through the model (model/) and through the
# production core (kernel/core via vbus-core-vectors), and diff the two traces record by record.
# Each must also equal the vector's expected trace (both tools check that themselves).
# Usage: crosscheck.sh BIN_DIR VECTOR_DIR
set -euo pipefail
bin=${1:?usage: crosscheck.sh BIN_DIR VECTOR_DIR}
vecdir=${2:?usage: crosscheck.sh BIN_DIR VECTOR_DIR}
for t in vbus-model vbus-core-vectors; do
	[ -x "$bin/$t" ] || { echo "crosscheck: $bin/$t missing" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/core" "$work/model"

# production core: every vector against its expect block, traces kept
"$bin/vbus-core-vectors" -q --trace-out "$work/core" "$vecdir"

pass=0 fail=0
for vec in "$vecdir"/*.vec; do
	name=$(basename "$vec" .vec)
	if ! "$bin/vbus-model" replay "$vec" -o "$work/model/$name.trace"; then
		echo "FAIL $name: the model could not replay it"
		fail=$((fail + 1))
		continue
	fi
	if [ ! -f "$work/core/$name.trace" ]; then
		echo "FAIL $name: the core adapter wrote no trace"
		fail=$((fail + 1))
		continue
	fi
	if out=$("$bin/vbus-model" diff "$work/model/$name.trace" "$work/core/$name.trace" 2>&1); then
		pass=$((pass + 1))
	else
		echo "FAIL $name: model vs core: $out"
		fail=$((fail + 1))
	fi
done
echo "model vs core: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
# the spec ships at least 40 vectors (spec.vectors-parse checks the same floor)
[ "$pass" -ge 40 ] || { echo "crosscheck: only $pass vectors compared, at least 40 expected" >&2; exit 1; }

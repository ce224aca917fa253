#!/usr/bin/env bash
# Cross-check: replay every conformance vector through the model (vbus-model vectors) and through the
# production core (vbus-core-vectors), both front ends of the one conformance driver, keep both traces
# and diff them record by record (each must also equal the vector's expect block: the driver checks that).
# Usage: crosscheck.sh BIN_DIR VECTOR_DIR
set -euo pipefail
bin=${1:?usage: crosscheck.sh BIN_DIR VECTOR_DIR}
vecdir=${2:?usage: crosscheck.sh BIN_DIR VECTOR_DIR}
for t in vbus-model vbus-core-vectors; do
	[ -x "$bin/$t" ] || { echo "crosscheck: $bin/$t missing" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-crosscheck-XXXXXX")
trap 'rm -rf "$work"' EXIT

"$bin/vbus-core-vectors" -q --trace-out "$work/core" "$vecdir"
"$bin/vbus-model" vectors -q --trace-out "$work/model" "$vecdir"

pass=0 fail=0
for vec in "$vecdir"/*.vec; do
	name=$(basename "$vec" .vec)
	for side in model core; do
		[ -f "$work/$side/$name.trace" ] || { echo "FAIL $name: no $side trace"; fail=$((fail + 1)); continue 2; }
	done
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

#!/usr/bin/env bash
# make demo: the main job. Usage: scripts/demo.sh BUILD_DIR
set -euo pipefail
build=${1:-}
if [ -z "$build" ] || [ ! -d "$build" ]; then
	echo "demo.sh: usage: scripts/demo.sh BUILD_DIR (run 'make demo' to build first)" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
echo "== vbus protocol spec v1 ($top/docs/spec)"
grep -h '^| \[' "$top/docs/spec/README.md" | sed 's/^| \[\([^]]*\)\]([^)]*) | /  \1: /; s/ |$//'
echo
echo "== ABI self-check (layouts and register map against the spec)"
"$build/bin/test_abi"
echo
echo "== conformance vectors"
"$build/bin/vbus-vec-check" --min 40 "$top/docs/spec/vectors" | tail -1

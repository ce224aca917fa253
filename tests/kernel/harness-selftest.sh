#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The harness must fail a run whose kernel log shows "BUG:" even though the guest
# command itself succeeded. Usage: harness-selftest.sh QEMU-RUN-ARGS... (before --)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/vbus-selftest.XXXXXX")
trap 'rm -rf "$out"' EXIT

"$here/qemu-run.sh" "$@" -- 'echo "vbus-selftest B""UG: injected on purpose" >/dev/kmsg; exit 0' \
	>"$out/stdout" 2>"$out/stderr"
rc=$?
cat "$out/stdout" "$out/stderr"
if [ $rc -eq 77 ]; then
	exit 77
fi
if [ $rc -ne 1 ] || ! grep -q 'kernel log shows' "$out/stderr"; then
	echo "harness-selftest: FAIL: qemu-run.sh returned $rc for a log with BUG:, want 1 and 'kernel log shows' on stderr" >&2
	exit 1
fi
echo "harness-selftest: ok, an injected BUG: line failed the run"

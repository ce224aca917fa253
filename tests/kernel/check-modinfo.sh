#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# modinfo of the built vbus.ko must show license GPL, description, author and version,
# and a vermagic of the packaged kernel. Usage: check-modinfo.sh vbus.ko
set -euo pipefail
ko=${1:?usage: check-modinfo.sh vbus.ko}
command -v modinfo >/dev/null 2>&1 || { echo "check-modinfo: SKIP: no modinfo (Debian package kmod)"; exit 77; }
[ -r "$ko" ] || { echo "check-modinfo: FAIL: $ko missing" >&2; exit 1; }
modinfo "$ko"
fail=0
for f in license description author version vermagic; do
	v=$(modinfo -F "$f" "$ko")
	if [ -z "$v" ]; then
		echo "check-modinfo: FAIL: no $f" >&2
		fail=1
	fi
done
[ "$(modinfo -F license "$ko")" = GPL ] || { echo "check-modinfo: FAIL: license is not GPL" >&2; fail=1; }
modinfo -F vermagic "$ko" | grep -q '^6\.1\.0-.*-amd64 SMP' || { echo "check-modinfo: FAIL: vermagic" >&2; fail=1; }
exit $fail

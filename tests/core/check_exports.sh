#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# libvbus.so exports exactly the vbus_link_* API of its public header, nothing else (no core symbols).
set -euo pipefail
lib=${1:?usage: check_exports.sh LIBVBUS.so}
hdr=${VBUS_SOURCE_DIR:?VBUS_SOURCE_DIR must be set (ctest sets it)}/tools/libvbus/include/libvbus.h
[ -r "$lib" ] || { echo "FAIL: $lib not found" >&2; exit 1; }
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
declared=$(grep -oE '\bvbus_link_[a-z_]+\(' "$hdr" | tr -d '(' | sort -u)
if [ "$exported" != "$declared" ]; then
	echo "FAIL: exported symbols differ from the header"
	diff <(echo "$declared") <(echo "$exported") || true
	exit 1
fi
other=$(nm -D --defined-only "$lib" | awk '$2 != "A" && $3 !~ /^vbus_link_/' || true)
if [ -n "$other" ]; then
	echo "FAIL: unexpected exports:"
	echo "$other"
	exit 1
fi
echo "PASS: $(echo "$exported" | wc -l) symbols, all vbus_link_*, all declared in libvbus.h"

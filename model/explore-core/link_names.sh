#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# model.explore-core-link-names: the explorer library (libvbus_explore_core.a) defines kernel/core's and
# libvbus's functions itself, built against the instrumented shim; none of those names may be global in it,
# or a program linking libvbus.so or vbus_core next to it silently calls the explorer's copies.
# Usage: link_names.sh EXPLORE_LINK_NAMES LIBVBUS_EXPLORE_CORE.a EXPLORE_CORE.api LIBVBUS.so LIBVBUS.map
set -uo pipefail
[ $# -eq 5 ] || {
	echo "usage: link_names.sh EXPLORE_LINK_NAMES LIBVBUS_EXPLORE_CORE.a EXPLORE_CORE.api LIBVBUS.so LIBVBUS.map" >&2
	exit 2
}
prog=$1 lib=$2 api=$3 so=$4 map=$5 fail=0
command -v nm >/dev/null || { echo "SKIP: nm not installed (Debian package binutils)"; exit 77; }
# 1. the symbol table: the defined global symbols are exactly explore_core.api's
want=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$api" | sort)
got=$(nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort)
echo "global symbols of $lib: $(echo "$got" | tr '\n' ' ')"
if [ "$got" != "$want" ]; then
	echo "FAIL: $lib defines global symbols beyond explore_core.api:"
	comm -23 <(echo "$got") <(echo "$want") | head -20 | sed 's/^/  /'
	fail=1
fi
# 2. a program linking both calls libvbus.so's vbus_link_*
out=$("$prog")
rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "FAIL: a program linking libvbus.so and the explorer library does not call libvbus's"; fail=1; }
# 3. it checked every name: those of libvbus.map's global: section, which are libvbus.so's exports
checked=$(echo "$out" | sed -n 's/^\(ok\|FAIL\): \([A-Za-z_][A-Za-z0-9_]*\) is .*/\2/p' | sort)
mapped=$(sed -e 's|/\*.*\*/||g' -e 's/#.*//' "$map" | awk '/global:/ { g = 1; sub(/.*global:/, "") } /local:/ { g = 0 } g' |
	tr -s ' \t;' '\n\n\n' | grep -E '^[A-Za-z_][A-Za-z0-9_]*$' | sort)
exported=$(nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
missing=$(comm -23 <(echo "$mapped") <(echo "$checked"))
[ -z "$missing" ] || { echo "FAIL: not checked, though in $map: $(echo "$missing" | tr '\n' ' ')"; fail=1; }
missing=$(comm -23 <(echo "$exported") <(echo "$checked"))
[ -z "$missing" ] || { echo "FAIL: not checked, though exported by $so: $(echo "$missing" | tr '\n' ' ')"; fail=1; }
if [ -z "$checked" ]; then
	echo "FAIL: the program checked no name"
	fail=1
fi
[ $fail -eq 0 ] && echo "PASS: the explorer library hides every name but its entry point; $(echo "$checked" | wc -l) names checked"
exit $fail

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The guest drivers' DKMS route, as a user runs it: `make -C guest dkms-install` twice (repeatable),
# modprobe resolves the MODALIAS `vbus:echo` to the DKMS-installed modules of the packaged 6.1 kernel,
# `make -C guest dkms-uninstall` removes them. It installs into /lib/modules/<6.1 release>/updates/dkms
# of this machine (the packaged kernel the QEMU tests boot, not the running one) and removes it again.
#
# Usage: dkms.sh SRC-DIR   Exit 77 with the reason if dkms, root or the packaged headers are missing.
set -euo pipefail
name=e2e.dkms
src=${1:?usage: dkms.sh SRC-DIR}
skip() { echo "$name: SKIP: $*" >&2; exit 77; }
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
command -v dkms >/dev/null || skip "dkms not installed (Debian package dkms; not in scripts/deps.sh: a DKMS cycle runs depmod over the whole module tree, minutes on a loaded 2-core machine)"
[ "$(id -u)" = 0 ] || skip "needs root (dkms installs into /lib/modules)"
kdir=$(ls -1d /lib/modules/6.1.0-*-amd64/build 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$kdir" ] || skip "no packaged 6.1 headers (linux-headers-amd64)"
krel=$(basename "$(dirname "$kdir")")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$src/guest/dkms.conf")
trap 'make -s -C "$src/guest" KVER="$krel" dkms-uninstall >/dev/null 2>&1 || true' EXIT

for round in 1 2; do
	make -s -C "$src/guest" KVER="$krel" dkms-install >/dev/null || fail "dkms-install (round $round) failed"
	st=$(dkms status "vbus-guest/$ver" -k "$krel")
	echo "$name: round $round: $st"
	grep -q 'installed' <<<"$st" || fail "dkms status does not say installed: '$st'"
	[ "$(grep -c . <<<"$st")" = 1 ] || fail "more than one vbus-guest entry after round $round"
	plan=$(modprobe -n -v -S "$krel" vbus:echo 2>&1) || fail "modprobe cannot resolve vbus:echo: $plan"
	echo "$plan"
	grep -q "updates/dkms/vbus_pci.ko" <<<"$plan" && grep -q "updates/dkms/vbus_echo.ko" <<<"$plan" ||
		fail "modprobe vbus:echo does not load the DKMS vbus_pci + vbus_echo"
	modinfo -k "$krel" -F license vbus_echo | grep -qx GPL || fail "modinfo vbus_echo: no GPL license"
done
make -s -C "$src/guest" KVER="$krel" dkms-uninstall >/dev/null || fail "dkms-uninstall failed"
[ -z "$(dkms status "vbus-guest/$ver" 2>/dev/null)" ] || fail "dkms still lists vbus-guest"
[ ! -e "/lib/modules/$krel/updates/dkms/vbus_echo.ko" ] || fail "vbus_echo.ko left behind"
[ ! -e "/usr/src/vbus-guest-$ver" ] || fail "/usr/src/vbus-guest-$ver left behind"
if modprobe -n -S "$krel" vbus:echo >/dev/null 2>&1; then fail "vbus:echo still resolves after uninstall"; fi
trap - EXIT
echo "$name: PASS: dkms-install twice, modprobe resolves vbus:echo to the DKMS modules, dkms-uninstall leaves nothing"

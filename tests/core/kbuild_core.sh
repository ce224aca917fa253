#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the unmodified kernel/core/*.c as a kernel module against the installed kernel headers
# (the other half of "same files in kernel and userspace"). Exit 77 with a reason when no headers.
set -euo pipefail
src=${VBUS_SOURCE_DIR:?VBUS_SOURCE_DIR not set}
kdir=${KDIR:-/lib/modules/$(uname -r)/build}
if [ ! -d "$kdir" ]; then
	kdir=$(ls -d /lib/modules/*/build 2>/dev/null | head -1 || true)
fi
if [ -z "$kdir" ] || [ ! -d "$kdir" ]; then
	echo "SKIP: no kernel headers under /lib/modules/*/build (install linux-headers-amd64)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objs=""
for f in "$src"/kernel/core/*.c; do
	ln -s "$f" "$tmp/$(basename "$f")"
	objs="$objs $(basename "${f%.c}").o"
done
printf '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n' >"$tmp/vbus_core_stub.c"
cat >"$tmp/Kbuild" <<KB
obj-m := vbus_core_check.o
vbus_core_check-y := vbus_core_stub.o $objs
ccflags-y := -I$src/kernel/include/uapi -I$src/kernel/core -Werror
KB
make -C "$kdir" M="$tmp" modules >"$tmp/log" 2>&1 || {
	cat "$tmp/log"
	echo "FAIL: kernel/core does not build as kernel code against $kdir"
	exit 1
}
grep -E 'warning|error' "$tmp/log" | grep -v 'Skipping BTF' && {
	echo "FAIL: warnings in the kernel build"
	exit 1
}
echo "PASS: kernel/core/{$(cd "$src/kernel/core" && ls *.c | tr '\n' ' ')} built as a module against $kdir"

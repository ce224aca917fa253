#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vbus vs virtio-serial in the same TCG guest (figures, not a test; nothing here passes or fails
# on a number). One boot with two devices: an ivshmem-doorbell served by vbusd (echo device) and
# a virtio-serial port whose host end is a UNIX socket echoed by `vbus-e2e host-echo`. For each
# window (1 = ping-pong, 32 = pipelined) the guest runs `vbus-e2e bench` on both and prints
# msgs/s, mean round trip and interrupts per message; vbus's doorbells come from its driver's
# counters. Then the same-run ratios.
#
# Usage: tests/e2e/bench.sh [BUILD-DIR] [COUNT] [SIZE]   (defaults: build 20000 64)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
count=${2:-20000}
size=${3:-64}
kos=("$build/guest/kbuild/guest/vbus_pci.ko" "$build/guest/kbuild/guest/vbus_echo.ko")
for f in "$build/bin/vbusd" "$build/bin/vbus-e2e" "${kos[@]}"; do
	[ -e "$f" ] || { echo "bench: $f missing: build first (cmake --build build)" >&2; exit 1; }
done
krel=$(basename "$(ls -1 /boot/vmlinuz-6.1.0-*-amd64 | sort -V | tail -n1)" | sed 's/^vmlinuz-//')
vmods=()
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console; do
	f=$(modinfo -k "$krel" -n "$m" 2>/dev/null) || { echo "bench: module $m of $krel not found" >&2; exit 1; }
	vmods+=(--ko "$f")
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-bench.XXXXXX") || exit 1
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
"$build/bin/vbusd" --socket "$work/vbusd.sock" --vectors 4 --device 1:echo 2>"$work/vbusd.log" &
pids+=($!)
"$build/bin/vbus-e2e" host-echo "$work/vs.sock" &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/vbusd.sock" ] && [ -S "$work/vs.sock" ] && break; sleep 0.05; done

ins=""
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console; do
	ins+="insmod /lib/vbus/$m.ko; "
done
cmd="$ins insmod /lib/vbus/vbus_pci.ko && insmod /lib/vbus/vbus_echo.ko && vbus-e2e wait-dev /dev/vbus-echo0 10 \
&& for i in \$(seq 50); do ls /dev/vport*p1 >/dev/null 2>&1 && break; sleep 0.2; done \
&& vp=\$(ls /dev/vport*p1 | head -n1) && s=/sys/class/misc/vbus-echo0/device/echo \
&& for w in 1 32; do \
d0=\$(cat \$s/doorbells); vbus-e2e bench /dev/vbus-echo0 $count $size \$w 0000:00:02.0 || exit 1; \
echo vbus-doorbells w=\$w \$(( \$(cat \$s/doorbells) - d0 )); \
vbus-e2e bench \$vp $count $size \$w virtio || exit 1; done"
"$src/tests/kernel/qemu-run.sh" --name bench --timeout 900 "${vmods[@]}" --ko "${kos[0]}" --ko "${kos[1]}" \
	--bin "$build/bin/vbus-e2e" \
	--qemu-arg -chardev --qemu-arg "socket,path=$work/vbusd.sock,id=vbus0" \
	--qemu-arg -device --qemu-arg "ivshmem-doorbell,chardev=vbus0,vectors=4" \
	--qemu-arg -chardev --qemu-arg "socket,path=$work/vs.sock,id=vs0" \
	--qemu-arg -device --qemu-arg virtio-serial-pci \
	--qemu-arg -device --qemu-arg "virtserialport,chardev=vs0,name=bench" \
	-- "$cmd" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
grep -E '^bench:|^vbus-doorbells' "$work/out"
echo
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v count="$count" '
/^bench:/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	kind = (f["path"] ~ /vbus/) ? "vbus" : "virtio-serial"
	w = f["window"]; mps[kind, w] = f["msgs_per_s"]; rtt[kind, w] = f["rtt_us"]; ipm[kind, w] = f["irqs_per_msg"]
}
/^vbus-doorbells/ { split($2, kv, "="); db[kv[2]] = $3 }
END {
	printf "| window | transport | msgs/s | mean RTT us | guest irqs/msg | guest doorbells/msg |\n"
	printf "|---|---|---|---|---|---|\n"
	for (w = 1; w <= 32; w += 31) {
		printf "| %d | vbus (ivshmem-doorbell + vbusd) | %s | %s | %s | %.3f |\n", w, mps["vbus", w], rtt["vbus", w], ipm["vbus", w], db[w] / count
		printf "| %d | virtio-serial (UNIX socket echo) | %s | %s | %s | n/a |\n", w, mps["virtio-serial", w], rtt["virtio-serial", w], ipm["virtio-serial", w]
		if (mps["virtio-serial", w] > 0 && ipm["virtio-serial", w] > 0)
			printf "| %d | **ratio vbus / virtio-serial** | %.2fx | %.2fx | %.2fx | |\n", w, mps["vbus", w] / mps["virtio-serial", w], rtt["vbus", w] / rtt["virtio-serial", w], ipm["vbus", w] / ipm["virtio-serial", w]
	}
}' "$work/out"

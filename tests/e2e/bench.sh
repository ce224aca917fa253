#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vbus vs virtio-serial in the same TCG guest (figures, not a test; nothing here passes or fails
# on a number). One boot with two devices: an ivshmem-doorbell served by vbusd (echo device) and
# a virtio-serial port whose host end is a UNIX socket echoed by `vbus-e2e host-echo`. For each
# window (1 = ping-pong, 32 = pipelined) the guest runs `vbus-e2e bench` on both (vbus twice: vbus_echo
# lazy_rx=0 and =1, before and after the lazy rx interrupts), REPS times
# alternating, and prints msgs/s, mean round trip, interrupts per message and how busy the guest's
# CPUs were; vbus's doorbells come from its driver's counters. Then the medians and the same-run
# ratios of the medians, with the range of the per-repetition ratios: on a loaded host the time of
# one run is mostly the host's scheduling of vbusd / QEMU's main loop / the socket echo process
# (the guest is idle most of the time, cpu_busy), so single runs swing several-fold.
#
# Usage: tests/e2e/bench.sh [BUILD-DIR] [COUNT] [SIZE] [REPS]   (defaults: build 5000 64 3)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/e2e/bench_args.sh"
bench_args bench.sh "usage: bench.sh [BUILD-DIR] [COUNT] [SIZE] [REPS]" \
	"vbus vs virtio-serial in one TCG guest: msgs/s, round trip, interrupts per message, same-run ratios
(figures, not a test). BUILD-DIR default ./build of the source tree; COUNT messages per run (default
5000), SIZE bytes per message (default 64), REPS repetitions (default 3). Takes minutes (QEMU boots)." \
	"count:COUNT:5000:1:10000000 size:SIZE:64:1:1024 reps:REPS:3:1:20" -- "$@"
kos=("$build/guest/kbuild/guest/vbus_pci.ko" "$build/guest/kbuild/guest/vbus_echo.ko")
for f in "$build/bin/vbusd" "$build/bin/vbus-e2e" "${kos[@]}"; do
	[ -e "$f" ] || { echo "bench.sh: $f: No such file or directory (build first: cmake --build build)" >&2; exit 1; }
done
krel=$(basename "$(ls -1 /boot/vmlinuz-6.1.0-*-amd64 | sort -V | tail -n1)" | sed 's/^vmlinuz-//')
vmods=()
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console; do
	f=$(modinfo -k "$krel" -n "$m" 2>/dev/null) || { echo "bench.sh: module $m of $krel: not found" >&2; exit 1; }
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
&& for w in 1 32; do for r in \$(seq $reps); do for lz in 0 1; do \
echo \$lz >/sys/module/vbus_echo/parameters/lazy_rx && echo lazy_rx=\$lz; \
d0=\$(cat \$s/doorbells); vbus-e2e bench /dev/vbus-echo0 $count $size \$w 0000:00:02.0 || exit 1; \
echo vbus-doorbells w=\$w \$(( \$(cat \$s/doorbells) - d0 )); done; \
vbus-e2e bench \$vp $count $size \$w virtio || exit 1; done; done"
"$src/tests/kernel/qemu-run.sh" --name bench --timeout 900 "${vmods[@]}" --ko "${kos[0]}" --ko "${kos[1]}" \
	--bin "$build/bin/vbus-e2e" \
	--qemu-arg -chardev --qemu-arg "socket,path=$work/vbusd.sock,id=vbus0" \
	--qemu-arg -device --qemu-arg "ivshmem-doorbell,chardev=vbus0,vectors=4" \
	--qemu-arg -chardev --qemu-arg "socket,path=$work/vs.sock,id=vs0" \
	--qemu-arg -device --qemu-arg virtio-serial-pci \
	--qemu-arg -device --qemu-arg "virtserialport,chardev=vs0,name=bench" \
	-- "$cmd" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
grep -E '^bench:|^vbus-doorbells|^lazy_rx' "$work/out"
echo
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v count="$count" '
function median(arr, n,   i, j, t, c) {
	for (i = 1; i <= n; i++) c[i] = arr[i]
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (c[j] < c[i]) { t = c[i]; c[i] = c[j]; c[j] = t }
	return (n % 2) ? c[(n + 1) / 2] : (c[n / 2] + c[n / 2 + 1]) / 2
}
/^lazy_rx=/ { split($1, kv, "="); lazy = kv[2] }
/^bench:/ {
	delete f
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	kind = (f["path"] ~ /vbus/) ? (lazy ? "vbus" : "eager") : "vs"
	w = f["window"]; k = kind SUBSEP w; n[k]++
	mps[k, n[k]] = f["msgs_per_s"]; rtt[k, n[k]] = f["rtt_us"]; ipm[k, n[k]] = f["irqs_per_msg"]; busy[k, n[k]] = f["cpu_busy"]
}
/^vbus-doorbells/ { split($2, kv, "="); k = (lazy ? "vbus" : "eager") SUBSEP kv[2]; nd[k]++; db[k, nd[k]] = $3 / count }
function row(kind, w, label,   k, m, i, a1, a2, a3, a4, a5) {
	k = kind SUBSEP w; m = n[k]
	for (i = 1; i <= m; i++) { a1[i] = mps[k, i]; a2[i] = rtt[k, i]; a3[i] = ipm[k, i]; a4[i] = busy[k, i]; a5[i] = db[k, i] }
	M[kind, "mps"] = median(a1, m); M[kind, "rtt"] = median(a2, m); M[kind, "ipm"] = median(a3, m); M[kind, "db"] = median(a5, m)
	printf "| %d | %s | %.0f | %.1f | %.3f | %s | %.2f |\n", w, label, M[kind, "mps"], M[kind, "rtt"], M[kind, "ipm"],
		(kind == "vs") ? "n/a" : sprintf("%.3f", M[kind, "db"]), median(a4, m)
}
function ratio(a, b, w, label,   i, r, lo, hi) {
	lo = 1e9; hi = 0
	for (i = 1; i <= n[a SUBSEP w]; i++) {
		r = mps[a SUBSEP w, i] / mps[b SUBSEP w, i]; if (r < lo) lo = r; if (r > hi) hi = r
	}
	printf "| %d | **%s** (medians; per-repetition msgs/s ratios %.2f-%.2fx) | %.2fx | %.2fx | %.2fx | %s | |\n",
		w, label, lo, hi, M[a, "mps"] / M[b, "mps"], M[a, "rtt"] / M[b, "rtt"],
		(M[b, "ipm"] > 0 ? M[a, "ipm"] / M[b, "ipm"] : 0),
		(b == "vs" || M[b, "db"] == 0) ? "" : sprintf("%.2fx", M[a, "db"] / M[b, "db"])
}
END {
	printf "| window | transport | msgs/s | mean RTT us | guest irqs/msg | guest doorbells/msg | guest CPU busy |\n"
	printf "|---|---|---|---|---|---|---|\n"
	for (w = 1; w <= 32; w += 31) {
		row("vbus", w, "vbus (ivshmem-doorbell + vbusd; vbus_echo lazy_rx=1, default)")
		row("eager", w, "vbus, vbus_echo lazy_rx=0 (rx interrupts always on: the old driver)")
		row("vs", w, "virtio-serial (UNIX socket echo)")
		ratio("vbus", "vs", w, "ratio vbus / virtio-serial")
		ratio("vbus", "eager", w, "ratio lazy_rx=1 / lazy_rx=0")
	}
	printf "(medians of %d repetitions of %d messages each, alternating; times are TCG guest times)\n", n["vbus" SUBSEP 1], count
}' "$work/out"

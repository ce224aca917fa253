#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vbus_net vs virtio-net, bulk TCP, in the same TCG guest (figures, not a test: nothing here passes or
# fails on a number). One boot, two NICs, both backed by a TAP device in a network namespace this
# script creates (QEMU and vbusd run inside it, so nothing touches the host's own networking):
#   vbus_net   ivshmem-doorbell served by vbusd (`device = 4 net`, vbusd's TAP), 10.77.0.0/24
#   virtio-net virtio-net-pci with QEMU's userspace TAP backend (vhost=off, like vbusd), 10.78.0.0/24
# For each NIC the guest receives SIZE MiB from the host and sends SIZE MiB to it (busybox nc against a
# python3 source/sink in the namespace). Per transfer the guest snapshots the NIC's ethtool counters and
# its interrupts (/proc/interrupts) before and after; the host times the transfer. Printed: MiB/s (TCG
# time: means little), guest interrupts per MiB, guest->host notifications per MiB (vbus doorbells;
# virtio-net kicks = what would be VM exits under KVM), and the same-run ratios vbus_net / virtio-net.
#
# Usage: tests/e2e/bench-net.sh [BUILD-DIR] [SIZE-MIB]   (defaults: build 16; needs root, /dev/net/tun)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/e2e/bench_args.sh"
bench_args bench-net.sh "usage: bench-net.sh [BUILD-DIR] [SIZE-MIB]" \
	"vbus_net vs virtio-net, bulk TCP each way in one TCG guest: MiB/s, interrupts and notifications per MiB,
same-run ratios (figures, not a test). BUILD-DIR default ./build of the source tree; SIZE-MIB per
transfer (default 16). Needs root and /dev/net/tun; takes minutes (QEMU boots)." \
	"mib:SIZE-MIB:16:1:1024" -- "$@"
die() { echo "bench-net.sh: $*" >&2; exit 1; }
kos=("$build/guest/kbuild/guest/vbus_pci.ko" "$build/guest/kbuild/guest/vbus_net.ko")
for f in "$build/bin/vbusd" "$build/bin/vbus-e2e" "${kos[@]}"; do
	[ -e "$f" ] || die "$f: No such file or directory (build first: cmake --build build)"
done
[ -c /dev/net/tun ] || die "/dev/net/tun missing"
command -v ip >/dev/null || die "ip (iproute2) missing"
command -v python3 >/dev/null || die "python3 missing (the host's source/sink)"
krel=$(basename "$(ls -1 /boot/vmlinuz-6.1.0-*-amd64 | sort -V | tail -n1)" | sed 's/^vmlinuz-//')
vmods=() ins=""
for m in failover net_failover virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_net; do
	f=$(modinfo -k "$krel" -n "$m" 2>/dev/null) || die "module $m of $krel not found"
	vmods+=(--ko "$f")
	ins+="insmod /lib/vbus/$(basename "$f"); "
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-bench-net.XXXXXX") || exit 1
ns=vbus-bn-$$
vtap=vbb$$ qtap=vbq$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns" || die "cannot create a network namespace (root needed)"
ip netns exec "$ns" ip link set lo up
ip -n "$ns" tuntap add dev "$qtap" mode tap || die "cannot create a TAP in the namespace"
ip -n "$ns" addr add 10.78.0.1/24 dev "$qtap"
ip -n "$ns" link set "$qtap" up

cat >"$work/vbusd.conf" <<CONF
socket = $work/vbusd.sock
size = 4M
vectors = 4
log-level = info
device = 4 net tap=$vtap
CONF
ip netns exec "$ns" "$build/bin/vbusd" --config "$work/vbusd.conf" 2>"$work/vbusd.log" &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/vbusd.sock" ] && break; sleep 0.05; done

# Host side: port 5002 sinks SIZE MiB, port 5003 sources SIZE MiB, for each NIC; prints the times.
cat >"$work/srv.py" <<'PY'
import socket, sys, time, threading
n = int(sys.argv[1]) << 20
out = []
def serve(port, sink):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port)); ls.listen(4)
    for _ in range(2):
        c, peer = ls.accept()
        t0 = time.monotonic(); done = 0
        if sink:
            while done < n:
                b = c.recv(1 << 16)
                if not b: break
                done += len(b)
        else:
            buf = bytes(1 << 16)
            while done < n:
                done += c.send(buf[:min(len(buf), n - done)])
            c.shutdown(socket.SHUT_WR)
            c.recv(1)
        dt = time.monotonic() - t0
        c.close()
        print(f"host: peer={peer[0]} dir={'tx' if sink else 'rx'} bytes={done} seconds={dt:.3f}", flush=True)
ts = [threading.Thread(target=serve, args=(5002, True)), threading.Thread(target=serve, args=(5003, False))]
for t in ts: t.start()
for t in ts: t.join()
PY
ip netns exec "$ns" python3 "$work/srv.py" "$mib" >"$work/host.out" 2>&1 &
pids+=($!)

# Guest: find each NIC by its driver, address it, then per NIC: snapshot, receive, snapshot, send, snapshot.
cmd="$ins insmod /lib/vbus/vbus_pci.ko && insmod /lib/vbus/vbus_net.ko && sleep 1 && ip link set lo up \
&& for i in \$(ls /sys/class/net); do d=\$(basename \$(readlink /sys/class/net/\$i/device/driver) 2>/dev/null); \
case \$d in vbus_net) vb=\$i;; virtio_net) vq=\$i;; esac; done && echo nics vbus=\$vb virtio=\$vq \
&& ip addr add 10.77.0.2/24 dev \$vb && ip link set \$vb up && ip addr add 10.78.0.2/24 dev \$vq && ip link set \$vq up \
&& echo STEP-UP && for i in \$(seq 60); do ping -c1 -W1 10.77.0.1 >/dev/null 2>&1 && break; done \
&& ping -c1 -W2 10.78.0.1 >/dev/null \
&& for k in vbus,\$vb,10.77.0.1,0000:00:04.0 virtio,\$vq,10.78.0.1,virtio; do set -- \$(echo \$k | tr , ' '); \
echo snap \$1 0 \$(vbus-e2e netsnap \$2 \$4) && nc \$3 5003 >/dev/null && echo snap \$1 1 \$(vbus-e2e netsnap \$2 \$4) \
&& head -c $((mib << 20)) /dev/zero | nc \$3 5002 && echo snap \$1 2 \$(vbus-e2e netsnap \$2 \$4) || exit 1; done"
ip netns exec "$ns" "$src/tests/kernel/qemu-run.sh" --name bench-net --timeout 900 "${vmods[@]}" \
	--ko "${kos[0]}" --ko "${kos[1]}" --bin "$build/bin/vbus-e2e" --live-log "$work/console" \
	--qemu-arg -chardev --qemu-arg "socket,path=$work/vbusd.sock,id=vbus0" \
	--qemu-arg -device --qemu-arg "ivshmem-doorbell,chardev=vbus0,vectors=4,addr=4" \
	--qemu-arg -netdev --qemu-arg "tap,id=n0,ifname=$qtap,script=no,downscript=no,vhost=off" \
	--qemu-arg -device --qemu-arg "virtio-net-pci,netdev=n0,addr=5" \
	-- "$cmd" >"$work/out" 2>&1 &
qpid=$!
while kill -0 $qpid 2>/dev/null; do
	if grep -aq '^STEP-UP' "$work/console" 2>/dev/null; then
		for _ in $(seq 600); do ip -n "$ns" link show "$vtap" >/dev/null 2>&1 && break; sleep 0.1; done
		ip -n "$ns" link show "$vtap" >/dev/null 2>&1 ||
			{ cat "$work/out" "$work/vbusd.log" >&2; die "vbusd created no TAP $vtap"; }
		ip -n "$ns" addr add 10.77.0.1/24 dev "$vtap"
		ip -n "$ns" link set "$vtap" up
		break
	fi
	sleep 0.2
done
wait $qpid || { cat "$work/out" "$work/host.out" "$work/vbusd.log" >&2; die "the guest run failed"; }
grep -E '^(snap|nics)' "$work/out"
cat "$work/host.out"
echo
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); TCG guest: times are TCG's"
cat "$work/out" "$work/host.out" | awk -v mib="$mib" '
function get(line, key,   i, n, kv) {
	n = split(line, a, " ")
	for (i = 1; i <= n; i++) { split(a[i], kv, "="); if (kv[1] == key) return kv[2] + 0 }
	return 0
}
# notifications guest -> host: vbus_net doorbells; virtio-net kicks of every queue
function kicks(line,   i, n, kv, s) {
	n = split(line, a, " "); s = 0
	for (i = 1; i <= n; i++) { split(a[i], kv, "="); if (kv[1] == "doorbells" || kv[1] ~ /_kicks$/) s += kv[2] }
	return s
}
/^snap / { snap[$2, $3] = $0 }
/^host: / {
	peer = get($0, "x"); split($2, p, "="); split($3, d, "=");
	t = (p[2] == "10.77.0.2") ? "vbus" : "virtio"
	sec[t, d[2]] = substr($5, 9) + 0
}
END {
	printf "| NIC | direction | MiB/s (TCG) | guest irqs/MiB | guest->host notifications/MiB |\n|---|---|---|---|---|\n"
	for (k = 1; k <= 2; k++) {
		dir = (k == 1) ? "rx" : "tx"
		for (j = 1; j <= 2; j++) {
			t = (j == 1) ? "vbus" : "virtio"
			irq[t, dir] = (get(snap[t, k], "irqs") - get(snap[t, k - 1], "irqs")) / mib
			ntf[t, dir] = (kicks(snap[t, k]) - kicks(snap[t, k - 1])) / mib
			rate[t, dir] = sec[t, dir] > 0 ? mib / sec[t, dir] : 0
			printf "| %s | %s | %.1f | %.1f | %.1f |\n", (t == "vbus") ? "vbus_net (vbusd)" : "virtio-net (QEMU, vhost=off)", (dir == "rx") ? "host->guest" : "guest->host", rate[t, dir], irq[t, dir], ntf[t, dir]
		}
		printf "| **ratio vbus_net / virtio-net** | %s | %.2fx | %.2fx | %.2fx |\n", dir,
			rate["virtio", dir] ? rate["vbus", dir] / rate["virtio", dir] : 0,
			irq["virtio", dir] ? irq["vbus", dir] / irq["virtio", dir] : 0,
			ntf["virtio", dir] ? ntf["vbus", dir] / ntf["virtio", dir] : 0
	}
}'

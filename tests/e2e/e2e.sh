#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end scenarios: vbusd on this machine serves one ivshmem-doorbell device of a QEMU
# (TCG) guest booted by tests/kernel/qemu-run.sh with the guest drivers and vbus-e2e.
#
# Usage: e2e.sh SCENARIO
#   echo      drivers autoloaded (MODALIAS -> mdev -> modprobe); 100k echoes of random sizes with
#             checksums; guest and vbusd counters agree
#   hotplug   a device added (SIGHUP) and removed while the guest runs; vbus_echo reloaded;
#             vbus_pci reloaded (re-attach handshake), traffic after each step
#   linkdown  vbusd stopped with SIGTERM while the guest runs: the guest sees the link down; vbusd
#             restarted and the device re-plugged through QMP: link up, traffic again
#   offload   inside the booted kernel: vbus.ko, vbusd --device 1:echo:offload and a userspace north
#             that re-attaches once (guest driver reload: the module link is reset, not replaced)
#             (vbus-north) over the ivshmem protocol: 100k echoes served by the module, its counters
#   net       vbus_net in the guest, the TAP vbusd creates in a network namespace this test makes:
#             ping both ways' reachability and a 2 MiB transfer host -> guest with a SHA-256 check
#   hostile   a guest tool scribbles over one echo device's rings and storms the doorbells: vbusd
#             marks that device broken, keeps serving the other echo device, and goes idle after
# Environment (ctest sets these): VBUSD, VBUS_E2E (the static guest tool), VBUS_GUEST_KOS
# (vbus_pci.ko and vbus_echo.ko, space separated), VBUS_QEMU_RUN (qemu-run.sh),
# VBUS_E2E_COUNT (echoes, default 100000). Exit 77 with the reason when a part is missing.
set -euo pipefail
scenario=${1:?usage: e2e.sh echo|hotplug|linkdown}
name=e2e.$scenario
skip() { echo "$name: SKIP: $*" >&2; exit 77; }
fail() { echo "$name: FAIL: $*" >&2; exit 1; }

[ -n "${VBUS_GUEST_KOS:-}" ] || skip "guest drivers not built: ${VBUS_GUEST_SKIP:-no reason given}"
[ -n "${VBUS_E2E:-}" ] || skip "vbus-e2e not built: ${VBUS_E2E_SKIP:-no reason given}"
vbusd=${VBUSD:?VBUSD must be set}
run=${VBUS_QEMU_RUN:?VBUS_QEMU_RUN must be set}
count=${VBUS_E2E_COUNT:-100000}
here=$(cd "$(dirname "$0")" && pwd)
read -r pci_ko echo_ko net_ko_all <<<"$VBUS_GUEST_KOS"

work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-e2e.XXXXXX") || exit 1
vpid=""
cleanup() {
	if [ -n "$vpid" ] && kill -0 "$vpid" 2>/dev/null; then
		kill -TERM "$vpid" 2>/dev/null || true
		wait "$vpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
sock=$work/vbusd.sock
conf=$work/vbusd.conf
log=$work/vbusd.log

# The configuration README.md "Deploy on a KVM host" quotes.
write_conf() {
	cat >"$conf" <<EOF
# vbusd configuration used by the e2e tests
socket = $sock
size = 4M
vectors = 4
log-level = info
device = 1 echo
device = 2 null
$*
EOF
}

start_vbusd() {
	"$vbusd" --config "$conf" 2>>"$log" &
	vpid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && return 0
		kill -0 "$vpid" 2>/dev/null || { cat "$log" >&2; fail "vbusd exited at start"; }
		sleep 0.05
	done
	fail "vbusd did not create $sock"
}

stop_vbusd() {
	kill -TERM "$vpid"
	local rc=0
	wait "$vpid" || rc=$?
	vpid=""
	[ "$rc" -eq 0 ] || { cat "$log" >&2; fail "vbusd exited $rc on SIGTERM"; }
}

qemu_args=(--qemu-arg -chardev --qemu-arg "socket,path=$sock,id=vbus0"
	--qemu-arg -device --qemu-arg "ivshmem-doorbell,chardev=vbus0,vectors=4")
console=$work/console.log
guest() {
	local timeout=$1
	shift
	"$run" --name "$name" --timeout "$timeout" --ko "$pci_ko" --ko "$echo_ko" --bin "$VBUS_E2E" \
		--live-log "$console" "${qemu_args[@]}" -- "$@"
}

# wait_marker PID MARKER: wait until the guest's console shows MARKER (0) or the guest ends (1).
wait_marker() {
	while kill -0 "$1" 2>/dev/null; do
		grep -aq "^$2" "$console" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

load='insmod /lib/vbus/vbus_pci.ko && insmod /lib/vbus/vbus_echo.ko'
case "$scenario" in
echo)
	write_conf
	start_vbusd
	# Autoprobe as udev does it: the modules in /lib/modules/<release>/extra with busybox depmod's
	# modules.alias; busybox `uevent` listens on the kernel's uevent netlink socket (as udevd does;
	# Debian's kernel has no uevent helper) and runs mdev, whose rule runs `modprobe $MODALIAS`. A
	# replayed "add" uevent of the ivshmem PCI device loads vbus_pci (its PCI id table), whose proxy
	# bus announces MODALIAS=vbus:echo, which loads vbus_echo. No insmod.
	autoprobe='r=$(uname -r) && mkdir -p /lib/modules/$r/extra /etc && cp /lib/vbus/*.ko /lib/modules/$r/extra/ \
&& depmod && grep vbus /lib/modules/$r/modules.alias \
&& echo "\$MODALIAS=.* 0:0 660 @modprobe \"\$MODALIAS\"" >/etc/mdev.conf && { uevent mdev & } && sleep 1 \
&& echo add >/sys/bus/pci/devices/0000:00:02.0/uevent'
	set +e
	out=$(guest 330 "$autoprobe && vbus-e2e wait-dev /dev/vbus-echo0 30 && lsmod | grep vbus \
&& vbus-e2e echo /dev/vbus-echo0 $count 42 32")
	grc=$?
	set -e
	echo "$out"
	stop_vbusd
	cat "$log"
	[ "$grc" -eq 0 ] || fail "guest exited $grc"
	# Counters agree: the guest's tx/rx deltas (checked in the guest) and vbusd's echo count.
	line=$(grep -o 'stats peer=[0-9]* dev=1 type=echo msgs=[0-9]*' "$log" | tail -n1)
	host=${line##*msgs=}
	guest_tx=$(echo "$out" | sed -n 's/.*guest-counters tx_msgs=\([0-9]*\) rx_msgs=\([0-9]*\).*/\1 \2/p')
	[ -n "$host" ] || fail "vbusd logged no echo counters"
	[ "$host" = "$count" ] || fail "vbusd echoed $host messages, the guest sent $count"
	grep -q '^vbus_echo ' <<<"$out" || fail "vbus_echo was not autoloaded (lsmod)"
	[ "$guest_tx" = "$count $count" ] || fail "guest counters '$guest_tx', want '$count $count'"
	grep -q 'violations=0 broken=0' <<<"$(grep 'dev=1 type=echo' "$log" | tail -n1)" ||
		fail "vbusd saw violations on a well-behaved guest"
	echo "$name: PASS: drivers autoloaded by MODALIAS (mdev + modprobe); $count echoes, guest tx/rx $guest_tx, vbusd $host"
	;;
hotplug)
	write_conf
	start_vbusd
	# The guest waits for each step; the host performs it when the guest prints its marker.
	guest_cmd="$load && vbus-e2e wait-dev /dev/vbus-echo0 10 && vbus-e2e echo /dev/vbus-echo0 2000 1 \
&& echo STEP-ADD && vbus-e2e wait-dev /dev/vbus-echo1 30 && vbus-e2e echo /dev/vbus-echo1 2000 2 \
&& echo STEP-DROP && vbus-e2e wait-gone /dev/vbus-echo1 30 && vbus-e2e echo /dev/vbus-echo0 2000 3 \
&& rmmod vbus_echo && insmod /lib/vbus/vbus_echo.ko && vbus-e2e wait-dev /dev/vbus-echo0 10 \
&& vbus-e2e echo /dev/vbus-echo0 2000 4 \
&& rmmod vbus_echo && rmmod vbus_pci && $load && vbus-e2e wait-dev /dev/vbus-echo0 10 \
&& vbus-e2e echo /dev/vbus-echo0 2000 5 && cat /sys/bus/vbus/devices/*/state"
	set +e
	guest 330 "$guest_cmd" >"$work/out" 2>&1 &
	gpid=$!
	added=0 dropped=0
	if wait_marker $gpid STEP-ADD; then
		write_conf "device = 3 echo"
		kill -HUP "$vpid"
		added=1
	fi
	if wait_marker $gpid STEP-DROP; then
		write_conf
		kill -HUP "$vpid"
		dropped=1
	fi
	wait "$gpid"
	grc=$?
	set -e
	cat "$work/out"
	stop_vbusd
	cat "$log"
	[ "$grc" -eq 0 ] || fail "guest exited $grc"
	[ $added -eq 1 ] && [ $dropped -eq 1 ] || fail "the guest never reached the hotplug steps"
	grep -q 'device 3 (echo) added' "$log" || fail "vbusd did not add device 3"
	grep -q 'device 3 (echo) removed' "$log" || fail "vbusd did not remove device 3"
	[ "$(grep -c 'north attached' "$log")" -eq 2 ] || fail "expected two attaches (vbus_pci reload)"
	echo "$name: PASS: hotplug add/remove, vbus_echo reload, vbus_pci reload, traffic after each"
	;;
linkdown)
	# vbusd stopped (SIGTERM) under a running guest: link down, ENOLINK. Then vbusd restarted and
	# the device re-plugged through QMP (QEMU 7.2 takes a server's memory and interrupt eventfds
	# only while realizing the device, see README "Deploy on a KVM host"): the guest's driver sees
	# the old device go and probes the new one, the link comes up, traffic resumes.
	command -v python3 >/dev/null || skip "python3 (the QMP client) missing"
	write_conf
	start_vbusd
	qmp=$work/qmp.sock
	qemu_args=(--qemu-arg -chardev --qemu-arg "socket,path=$sock,id=vbus0"
		--qemu-arg -device --qemu-arg "ivshmem-doorbell,chardev=vbus0,vectors=4,id=vbus-iv0"
		--qemu-arg -qmp --qemu-arg "unix:$qmp,server=on,wait=off")
	set +e
	guest 330 "$load && vbus-e2e wait-dev /dev/vbus-echo0 10 && vbus-e2e echo /dev/vbus-echo0 1000 7 \
&& echo STEP-STOP && sleep 3 && dmesg | grep 'link down' \
&& vbus-e2e expect-errno /dev/vbus-echo0 ENOLINK && echo STEP-REPLUG && vbus-e2e wait-gone /dev/vbus-echo0 120 \
&& vbus-e2e wait-dev /dev/vbus-echo0 120 && vbus-e2e echo /dev/vbus-echo0 1000 8 && echo STEP-UP-OK" \
		>"$work/out" 2>&1 &
	gpid=$!
	stopped=0 replugged=0
	if wait_marker $gpid STEP-STOP; then
		stop_vbusd
		stopped=1
	fi
	if wait_marker $gpid STEP-REPLUG; then
		start_vbusd
		python3 "$here/qmp-replug.py" "$qmp" vbus-iv0 vbus0 "$sock" 4 120 && replugged=1
	fi
	wait "$gpid"
	grc=$?
	set -e
	cat "$work/out"
	stop_vbusd
	cat "$log"
	[ $stopped -eq 1 ] || fail "the guest never reached the stop step"
	[ $replugged -eq 1 ] || fail "the device could not be re-plugged through QMP"
	[ "$grc" -eq 0 ] || fail "guest exited $grc (link down, then up after the re-plug, traffic)"
	grep -q '^STEP-UP-OK' "$work/out" || fail "no traffic after the restart"
	[ "$(grep -c 'north attached' "$log")" -eq 2 ] || fail "expected one attach per vbusd run"
	echo "$name: PASS: SIGTERM marks the link down (ENOLINK); vbusd restarted + QMP re-plug: link up, 1000 echoes"
	;;
net)
	[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
	command -v ip >/dev/null || skip "ip (iproute2) missing"
	net_ko=$net_ko_all
	[ -n "$net_ko" ] || skip "vbus_net.ko not built"
	ns=vbus-e2e-$$
	tap=vbt$$
	ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace (not root?)"
	trap 'ip netns del "$ns" 2>/dev/null; cleanup' EXIT
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" sh -c 'exec 3<>/dev/net/tun' 2>/dev/null || skip "/dev/net/tun unusable in a namespace"
	head -c 2097152 /dev/urandom >"$work/blob"
	want=$(sha256sum "$work/blob" | cut -d' ' -f1)
	write_conf "device = 4 net tap=$tap"
	# vbusd runs inside the namespace, so its TAP is created there; QEMU reaches it by the socket path.
	ip netns exec "$ns" "$vbusd" --config "$conf" 2>>"$log" &
	vpid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	set +e
	"$run" --name "$name" --timeout 330 --ko "$pci_ko" --ko "$net_ko" --bin "$VBUS_E2E" \
		--live-log "$console" "${qemu_args[@]}" -- "insmod /lib/vbus/vbus_pci.ko && insmod /lib/vbus/vbus_net.ko \
&& ip link set lo up && ip addr add 10.77.0.2/24 dev eth0 && ip link set eth0 up && echo STEP-UP \
&& ok=0 && for i in \$(seq 40); do ping -c 1 -W 1 10.77.0.1 >/dev/null 2>&1 && ok=1 && break; done \
&& [ \$ok = 1 ] && ping -c 5 10.77.0.1 && { (nc -l -p 5001 >/tmp/got; touch /tmp/done) & } && sleep 1 && echo STEP-NC \
&& for i in \$(seq 60); do [ -f /tmp/done ] && break; sleep 1; done; sleep 2; sha256sum /tmp/got; \
ethtool -S eth0 2>/dev/null; cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/carrier" \
		>"$work/out" 2>&1 &
	gpid=$!
	sent=0
	if wait_marker $gpid STEP-UP; then
		for _ in $(seq 100); do ip -n "$ns" link show "$tap" >/dev/null 2>&1 && break; sleep 0.1; done
		ip -n "$ns" addr add 10.77.0.1/24 dev "$tap"
		ip -n "$ns" link set "$tap" up
	fi
	if wait_marker $gpid STEP-NC; then
		for _ in $(seq 20); do
			ip netns exec "$ns" bash -c "cat '$work/blob' >/dev/tcp/10.77.0.2/5001" 2>/dev/null && { sent=1; break; }
			sleep 1
		done
	fi
	wait "$gpid"
	grc=$?
	set -e
	cat "$work/out"
	stop_vbusd
	cat "$log"
	[ "$grc" -eq 0 ] || fail "guest exited $grc (ping to the host's TAP must work)"
	[ $sent -eq 1 ] || fail "the host could not send to the guest"
	got=$(sed -n 's/^\([0-9a-f]\{64\}\)  \/tmp\/got.*/\1/p' "$work/out" | tail -n1)
	[ "$got" = "$want" ] || fail "SHA-256 of the received 2 MiB: '$got', want '$want'"
	echo "$name: PASS: ping over vbus_net + TAP in a namespace; 2 MiB host -> guest, SHA-256 intact"
	;;
offload)
	[ -n "${VBUS_HOST_KO:-}" ] || skip "vbus.ko not built: ${VBUS_HOST_KO_SKIP:-no reason given}"
	[ -n "${VBUSD_STATIC:-}" ] || skip "static vbusd not built: ${VBUS_E2E_SKIP:-no reason given}"
	# After $count echoes north re-attaches on the same connection as a rebooted guest driver
	# would (BUS-8, rings rebuilt, no CLOSE) and echoes $again more: vbusd keeps the module's
	# link, STOPs it at the re-attach and RESET_DEVICE + START when the rings are registered again.
	again=2000
	total=$((count + again))
	set +e
	out=$("$run" --name "$name" --timeout 330 --ko "$VBUS_HOST_KO" --bin "$VBUSD_STATIC" \
		--bin "$VBUS_NORTH_STATIC" -- "insmod /lib/vbus/vbus.ko && \
(vbusd-static --socket /tmp/s --vectors 4 --device 1:echo:offload 2>/tmp/vbusd.log & echo \$! >/tmp/pid) && \
sleep 1 && vbus-north-static /tmp/s 4 1 $count $again hostile; rc=\$?; sleep 1; kill \$(cat /tmp/pid); sleep 1; \
cat /tmp/vbusd.log; cat /sys/kernel/debug/vbus/*/* 2>/dev/null | head -20; exit \$rc")
	grc=$?
	set -e
	echo "$out"
	[ "$grc" -eq 0 ] || fail "guest exited $grc"
	grep -q 'device 1 (echo): offloaded to /dev/vbus' <<<"$out" || fail "vbusd did not offload the device"
	grep -q 'device 1 (echo): offloaded to /dev/vbus again (RESET_DEVICE)' <<<"$out" ||
		fail "after the re-attach vbusd did not resume the module's link with RESET_DEVICE"
	[ "$(grep -c 'device 1 (echo): offloaded to /dev/vbus, signals' <<<"$out")" = 1 ] ||
		fail "vbusd opened a second module link instead of reusing the first"
	grep -q "offload peer=1 dev=1 type=echo messages=$total " <<<"$out" ||
		fail "the module's counters do not show $total messages"
	grep -q "$total echoes intact (re-attached once)" <<<"$out" || fail "the north did not finish"
	# then north queued a descriptor outside the region: the module breaks the device, writes BROKEN
	# into its record (VBUS_IOC_DEV_F_RECORD); north's CLOSE makes vbusd look at GET_STATS first, so its
	# own state follows and the record stays BROKEN
	grep -q 'device 1: record state BROKEN' <<<"$out" || fail "the guest never saw the device record BROKEN"
	grep -q 'device 1: record still BROKEN after CLOSE' <<<"$out" || fail "a CLOSE published BROKEN away"
	grep -q 'device 1 (echo): the module marked it broken' <<<"$out" ||
		fail "vbusd did not take the module's broken state"
	echo "$name: PASS: $count echoes, north re-attach (guest driver reload), $again more, all served by vbus.ko through one offloaded link; a hostile descriptor -> record BROKEN"
	;;
hostile)
	write_conf "device = 3 echo"
	start_vbusd
	cpu() { awk '{ print $14 + $15 }' "/proc/$vpid/stat"; }	# utime + stime, clock ticks
	set +e
	guest 330 "$load && vbus-e2e wait-dev /dev/vbus-echo1 10 && vbus-e2e echo /dev/vbus-echo0 500 8 \
&& vbus-e2e echo /dev/vbus-echo1 500 9 && read off len </sys/bus/vbus/devices/vbus0-1/region \
&& echo STEP-STORM && vbus-e2e hostile 0000:00:02.0 \$off 8192 20000 && sleep 1 \
&& echo STEP-STORM-END && state=\$(cat /sys/bus/vbus/devices/vbus0-1/state) && echo state=\$state \
&& [ \$state = broken ] && vbus-e2e echo /dev/vbus-echo1 2000 10 && echo STEP-IDLE && sleep 3 && echo STEP-DONE" \
		>"$work/out" 2>&1 &
	gpid=$!
	c0="" c1="" c2="" c3=""
	wait_marker $gpid STEP-STORM && c0=$(cpu)
	wait_marker $gpid STEP-STORM-END && c1=$(cpu)
	wait_marker $gpid STEP-IDLE && { sleep 0.5; c2=$(cpu); }
	wait_marker $gpid STEP-DONE && c3=$(cpu)
	wait "$gpid"
	grc=$?
	set -e
	cat "$work/out"
	stop_vbusd
	cat "$log"
	[ "$grc" -eq 0 ] || fail "guest exited $grc (device 1 must read broken, device 3 must keep echoing)"
	grep -q 'device 1 (echo): protocol violation' "$log" || fail "vbusd did not report the violation"
	grep 'dev=3 type=echo' "$log" | tail -n1 | grep -q 'violations=0 broken=0' || fail "device 3 was hurt"
	hz=$(getconf CLK_TCK)
	echo "$name: vbusd CPU: storm $(( (c1 - c0) * 1000 / hz )) ms; idle window $(( (c3 - c2) * 1000 / hz )) ms"
	# After the storm vbusd must go quiet: no livelock on the broken device (ticks of 1/CLK_TCK s).
	[ $((c3 - c2)) -le $((hz / 5)) ] || fail "vbusd kept using CPU after the storm ($((c3 - c2)) ticks)"
	echo "$name: PASS: device 1 broken, device 3 served, vbusd idle afterwards"
	;;
*)
	echo "usage: e2e.sh echo|hotplug|linkdown|hostile" >&2
	exit 2
	;;
esac

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run vbus-kvmlab where KVM really runs it, and say where that was.
#
# Usage: kvm-run.sh [--name N] [--timeout S] VBUS-KVMLAB -- LAB-ARGS... [--then LAB-ARGS...]...
# Each --then starts another vbus-kvmlab invocation; all must pass (one QEMU boot for all of them).
#
# 1. /dev/kvm here runs the lab (vbus-kvmlab --probe): run it directly.
# 2. Otherwise, nested: boot Debian's packaged kernel under QEMU TCG with an AMD SVM CPU model
#    (QEMU's TCG implements SVM), load kvm + kvm_amd from the packaged modules, and run the
#    statically linked vbus-kvmlab in that guest on its /dev/kvm. Counts of exits and interrupts
#    are KVM's own there too; times are TCG's and mean nothing.
#    VBUS_KVMLAB_NESTED=0 turns this route off; VBUS_KVMLAB_NESTED_ARGS replaces LAB-ARGS there
#    (the nested route runs much slower, so tests pass a scaled-down message count).
# 3. Neither: exit 77 with the reason.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=kvm-run
timeout_s=300
while [ $# -gt 0 ]; do
	case "$1" in
	--name) name=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "$name: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
lab=${1:?usage: kvm-run.sh [--name N] [--timeout S] VBUS-KVMLAB -- LAB-ARGS...}
shift
[ "${1:-}" = -- ] && shift
direct_args=("$@")
skip() {
	echo "$name: SKIP: $*"
	exit 77
}
[ -x "$lab" ] || { echo "$name: FAIL: $lab is not an executable" >&2; exit 1; }

set +e
probe=$("$lab" --probe 2>&1)
prc=$?
set -e
# run_groups CMD-PREFIX ARGS...: one vbus-kvmlab per --then-separated group, stop at the first failure
run_groups() {
	local group=() a
	for a in "$@" --then; do
		if [ "$a" = --then ]; then
			echo "$name: vbus-kvmlab ${group[*]}"
			"$lab" "${group[@]}" || return $?
			group=()
		else
			group+=("$a")
		fi
	done
}
if [ $prc -eq 0 ]; then
	# The full counts take seconds on a host whose blocking ping-pong round trip is tens of
	# microseconds. Where /dev/kvm is itself nested (KVM inside a cloud VM) round trips of 1-2 ms,
	# about one VM exit per message and ~2000 messages/s were seen: the full counts would take
	# hours, and the guest cannot outrun south, so a "saturated" stream is not saturated (one
	# doorbell per batch of 16, not <= 0.01 per message). There the nested route below is the
	# faithful one (KVM under QEMU TCG, where the guest and south run at the same emulated speed):
	# time 200 blocking round trips first and, above VBUS_KVMLAB_SLOW_RTT_US (default 200), take it.
	slow_us=${VBUS_KVMLAB_SLOW_RTT_US:-200}
	set +e
	speed=$("$lab" --workload ping-pong --mitigation none --consumer block --messages 200 \
		--calibrate-iters 5 --no-model --json 2>&1)
	src=$?
	set -e
	if [ $src -ne 0 ]; then
		echo "$name: FAIL: the speed check (200 blocking round trips on this host's /dev/kvm) failed:" >&2
		echo "$speed" >&2
		exit 1
	fi
	rtt_ns=$(printf '%s\n' "$speed" | grep -o '"rtt_mean_ns": [0-9.]*' | head -n1 | sed 's/.*: //')
	[ -n "$rtt_ns" ] || { echo "$name: FAIL: the speed check printed no rtt_mean_ns: $speed" >&2; exit 1; }
	rtt_us=$(awk -v n="$rtt_ns" 'BEGIN { printf "%.0f", n / 1000 }')
	if [ "$rtt_us" -le "$slow_us" ]; then
		echo "$name: running on this host's /dev/kvm ($probe; blocking round trip $rtt_us us)"
		run_groups "${direct_args[@]}"
		exit $?
	fi
	probe="this host's /dev/kvm is nested virtualisation (blocking round trip $rtt_us us > $slow_us us)"
	prc=1
fi
[ $prc -eq 1 ] || { echo "$name: FAIL: $lab --probe exited $prc: $probe" >&2; exit 1; }
echo "$name: this host: $probe"

[ "${VBUS_KVMLAB_NESTED:-1}" != 0 ] || skip "no usable /dev/kvm here ($probe) and the nested route is off (VBUS_KVMLAB_NESTED=0)"
# a dynamically linked program has a PT_INTERP program header (binutils' readelf builds the project anyway)
if ! command -v readelf >/dev/null 2>&1; then
	skip "no usable /dev/kvm here ($probe); the nested route needs readelf (Debian package binutils) to check the binary"
fi
if readelf -l "$lab" 2>/dev/null | grep 'INTERP' >/dev/null; then # all of readelf's output read: no SIGPIPE under pipefail
	skip "no usable /dev/kvm here ($probe); the nested route needs a static vbus-kvmlab (sanitizer builds link dynamically)"
fi
kernel=${VBUS_KERNEL:-$(ls -1 /boot/vmlinuz-6.1.0-*-amd64 2>/dev/null | sort -V | tail -n1 || true)}
[ -n "$kernel" ] || skip "no usable /dev/kvm here ($probe) and no packaged kernel for the nested route (linux-image-amd64)"
kver=${kernel#/boot/vmlinuz-}
mods=/lib/modules/$kver/kernel
ko=()
for m in virt/lib/irqbypass.ko drivers/crypto/ccp/ccp.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko; do
	f=$mods/$m
	[ -r "$f" ] || skip "no usable /dev/kvm here ($probe) and $f is missing for the nested route"
	ko+=(--ko "$f")
done
nargs=("${direct_args[@]}")
if [ -n "${VBUS_KVMLAB_NESTED_ARGS:-}" ]; then
	read -r -a nargs <<<"$VBUS_KVMLAB_NESTED_ARGS"
fi
# the guest's command: the same --then groups, each its own vbus-kvmlab, the first failure ends the script
labname=$(basename "$lab")
guest_runs=""
group=""
for a in "${nargs[@]}" --then; do
	if [ "$a" = --then ]; then
		guest_runs+="echo 'vbus-kvmlab-nested: vbus-kvmlab$group'; $labname$group || exit \$?; "
		group=""
	else
		group+=" $a"
	fi
done
echo "$name: nested route: QEMU TCG with SVM, $(basename "$kernel"), kvm_amd, then: vbus-kvmlab ${nargs[*]}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
# The guest prints the nested KVM's own failure as a SKIP line with exit 77 when /dev/kvm refuses.
VBUS_QEMU_TCG_THREAD=single VBUS_KERNEL=$kernel "$here/../kernel/qemu-run.sh" --name "$name" --timeout "$timeout_s" --smp 2 "${ko[@]}" \
	--bin "$lab" -- \
	"for m in irqbypass ccp kvm kvm-amd; do insmod /lib/vbus/\$m.ko || { echo \"vbus-kvmlab-nested: SKIP: insmod \$m failed\"; exit 77; }; done;" \
	"grep -q -w svm /proc/cpuinfo || { echo 'vbus-kvmlab-nested: SKIP: the TCG CPU has no svm'; exit 77; };" \
	"$labname --probe || { echo 'vbus-kvmlab-nested: SKIP: the nested /dev/kvm does not run the lab (message above)'; exit 77; };" \
	"$guest_runs" >"$out" 2>&1
rc=$?
set -e
cat "$out"
if [ $rc -eq 77 ]; then
	reason=$(grep -m1 -E '^vbus-kvmlab(-nested)?: SKIP: ' "$out" | sed 's/^[^:]*: SKIP: //' || true)
	[ -n "$reason" ] || reason="the nested guest skipped without a reason"

	skip "no usable /dev/kvm here ($probe); nested KVM in QEMU TCG did not run the lab either: $reason"
fi
exit $rc

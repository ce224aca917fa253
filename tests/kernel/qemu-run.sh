#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot Debian's packaged kernel in QEMU with an initramfs of our own and run a command in it.
#
# Usage: qemu-run.sh [options] -- GUEST-COMMAND...
#   --ko FILE        copy a kernel module into the guest as /lib/vbus/<name>.ko (repeatable)
#   --bin FILE       copy a static program into the guest as /bin/<name> (repeatable)
#   --timeout S      wall-clock limit for the whole boot + test (default 90)
#   --name NAME      test name used in messages (default: qemu-run)
#   --keep-log FILE  also copy the console log to FILE
#   --smp N          guest vCPUs (default 2)
#   --qemu-arg ARG   pass ARG to QEMU as is (repeatable; e.g. an ivshmem-doorbell device)
#   --live-log FILE  write the console log to FILE while the guest runs (a host side can follow it)
# Environment:
#   VBUS_QEMU_ACCEL  tcg (default) or kvm. KVM is never chosen on its own: see
#                    docs/environment notes, a full Linux guest hangs under nested KVM here.
#   VBUS_KERNEL      kernel image (default: newest /boot/vmlinuz-6.1.0-*-amd64)
#   VBUS_QEMU        QEMU binary (default: qemu-system-x86_64)
#   VBUS_QEMU_TCG_THREAD  multi (default) or single: TCG's threading (the nested-KVM route uses single)
#   VBUS_PROGRESS    seconds between progress lines on stderr when it is not a terminal (default 5;
#                    0: none); on a terminal one line is redrawn every second
#
# Exit status: the guest command's exit status; 1 if the guest did not report one (timeout,
# panic) or if the console log shows BUG:/WARNING:/Oops/Call Trace; 77 (skip) when QEMU,
# busybox-static, cpio or the packaged kernel is missing, with the reason printed; 2 bad usage.
# no_timer_check: on a loaded host a TCG guest can miss the IO-APIC timer check and panic.
set -euo pipefail

name=qemu-run
timeout_s=90
smp=2
keep_log=""
kos=()
bins=()
qemu_extra=()
live_log=""

die() {
	echo "$name: $*" >&2
	exit 1
}
skip() {
	echo "$name: SKIP: $*" >&2
	exit 77
}

usage_err() {
	echo "qemu-run.sh: $* (try 'qemu-run.sh --help')" >&2
	exit 2
}
# need OPT COUNT: OPT has a value (COUNT = the arguments left, $# of the loop)
need() { [ "$2" -ge 2 ] || usage_err "option '$1' needs a value"; }
# num OPT VALUE MIN MAX: a whole number in range
num() {
	[[ $2 =~ ^[0-9]+$ ]] && [ "${#2}" -le 9 ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
		usage_err "$1 '$2': not a whole number from $3 to $4"
}
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help)
		sed -n '5,26p' "$0" | sed 's/^# \{0,1\}//; s/^Usage:/usage:/'
		exit 0
		;;
	--ko) need "$1" $#; kos+=("$2"); shift 2 ;;
	--bin) need "$1" $#; bins+=("$2"); shift 2 ;;
	--timeout) need "$1" $#; num "$1" "$2" 1 86400; timeout_s="$2"; shift 2 ;;
	--name) need "$1" $#; name="$2"; shift 2 ;;
	--keep-log) need "$1" $#; keep_log="$2"; shift 2 ;;
	--smp) need "$1" $#; num "$1" "$2" 1 64; smp="$2"; shift 2 ;;
	--qemu-arg) need "$1" $#; qemu_extra+=("$2"); shift 2 ;;
	--live-log) need "$1" $#; live_log="$2"; shift 2 ;;
	--) shift; break ;;
	*) usage_err "unknown option '$1'" ;;
	esac
done
[ $# -gt 0 ] || usage_err "no guest command given after --"
# the files to copy, before anything else (a typo must not wait for a boot or look like a skip)
for f in "${kos[@]}" "${bins[@]}"; do
	[ -e "$f" ] || die "$f: No such file or directory"
	[ -d "$f" ] && die "$f: is a directory, not a file"
	[ -r "$f" ] || die "$f: not readable"
done

qemu=${VBUS_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 || skip "$qemu not found (Debian package qemu-system-x86)"
command -v cpio >/dev/null 2>&1 || skip "cpio not found (Debian package cpio)"
busybox=""
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then
		busybox=$b
		break
	fi
done
if [ -z "$busybox" ] && [ -x /bin/busybox ] && ! command -v file >/dev/null 2>&1; then
	# No file(1): trust the Debian busybox-static package if it is what is installed.
	dpkg-query -W -f='${db:Status-Status}' busybox-static 2>/dev/null | grep -q installed && busybox=/bin/busybox
fi
[ -n "$busybox" ] || skip "no static busybox (Debian package busybox-static)"

kernel=${VBUS_KERNEL:-}
if [ -z "$kernel" ]; then
	kernel=$(ls -1 /boot/vmlinuz-6.1.0-*-amd64 2>/dev/null | sort -V | tail -n1 || true)
fi
[ -n "$kernel" ] && [ -r "$kernel" ] || skip "no readable /boot/vmlinuz-6.1.0-*-amd64 (Debian package linux-image-amd64)"

accel=${VBUS_QEMU_ACCEL:-tcg}
case "$accel" in
tcg)
	# VBUS_QEMU_TCG_THREAD=single: one host thread for every vCPU. The nested-KVM route needs it: under
	# multi-threaded TCG, a vCPU can keep executing a stale translation of code another vCPU is live-patching
	# (text_poke_bp's int3, e.g. a static key flipped when a VM is created), and loops on that int3 forever.
	tcg_thread=${VBUS_QEMU_TCG_THREAD:-multi}
	case "$tcg_thread" in single | multi) ;; *) die "VBUS_QEMU_TCG_THREAD must be single or multi, not '$tcg_thread'" ;; esac
	accel_args=(-accel "tcg,thread=$tcg_thread" -cpu max)
	;;
kvm)
	[ -w /dev/kvm ] || skip "VBUS_QEMU_ACCEL=kvm but /dev/kvm is not usable"
	accel_args=(-accel kvm -cpu host)
	;;
*) die "VBUS_QEMU_ACCEL must be tcg or kvm, not '$accel'" ;;
esac

for f in "${kos[@]}" "${bins[@]}"; do
	[ -r "$f" ] || die "cannot read $f"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-qemu.XXXXXX")
qpid=""
trap '[ -z "$qpid" ] || kill "$qpid" 2>/dev/null; rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,lib/vbus,usr/bin,usr/sbin}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
for f in "${kos[@]}"; do cp "$f" "$root/lib/vbus/"; done
for f in "${bins[@]}"; do cp "$f" "$root/bin/"; done

# The guest command words are joined into a shell script run by busybox sh; its status is
# reported on the console with a marker the host parses. poweroff -f makes QEMU exit.
printf '%s\n' "$*" >"$root/test-cmd"
cat >"$root/init" <<'EOF'
#!/bin/sh
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp
echo "vbus-guest: running: $(cat /test-cmd)"
sh /test-cmd
rc=$?
echo "vbus-guest: taint=$(cat /proc/sys/kernel/tainted)"
echo "VBUS-GUEST-RESULT rc=$rc"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

log=${live_log:-$work/console.log}
cmdline="console=ttyS0 no_timer_check oops=panic panic_on_warn=1 panic=-1 softlockup_panic=1 hung_task_panic=1 hung_task_timeout_secs=30 rdinit=/init vbus_test_vm=1"
start=$(date +%s.%N)
set +e
timeout -k 5 "$timeout_s" "$qemu" "${accel_args[@]}" -smp "$smp" -m 512M \
	-nographic -no-reboot -nodefaults -serial stdio -display none \
	-kernel "$kernel" -initrd "$work/initrd.gz" -append "$cmdline" ${qemu_extra[@]+"${qemu_extra[@]}"} \
	</dev/null >"$log" 2>&1 &
qpid=$!
# Progress on stderr while the guest boots and runs (docs/cli.md, "Progress"): the elapsed time, the
# limit and the stage read from the console log; redrawn on a terminal, else a line every VBUS_PROGRESS s.
every=${VBUS_PROGRESS:-5}
if [[ $every =~ ^0*\.?0*$ ]]; then every=0                           # 0: no progress lines
elif [[ $every =~ ^([0-9]{1,6})(\.[0-9]*)?$ ]]; then every=$((10#${BASH_REMATCH[1]})); [ "$every" -gt 0 ] || every=1
else every=5; fi
[ -t 2 ] && [ "$every" -gt 0 ] && every=1 tty=1 || tty=0
SECONDS=0 next=$every stage="booting the guest"
while [ "$every" -gt 0 ] && kill -0 "$qpid" 2>/dev/null; do
	sleep 0.5
	[ "$SECONDS" -ge "$next" ] || continue
	next=$((SECONDS + every))
	case $stage in booting*) ! grep -q 'vbus-guest: running' "$log" 2>/dev/null || stage="running the guest command" ;; esac
	if [ $tty -eq 1 ]; then
		printf '\r\033[K%s: %s (%d s of %d)' "$name" "$stage" "$SECONDS" "$timeout_s" >&2
	else
		printf '%s: %s (%d s of %d)\n' "$name" "$stage" "$SECONDS" "$timeout_s" >&2
	fi
done
wait "$qpid"
qrc=$?
qpid=""
[ $tty -eq 0 ] || printf '\r\033[K' >&2
set -e
end=$(date +%s.%N)
elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
[ -z "$keep_log" ] || cp "$log" "$keep_log"

fail=0
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "$name: FAIL: timed out after ${timeout_s}s" >&2
	fail=1
fi
bad=$(grep -nE 'BUG:|WARNING:|Oops|Call Trace|Kernel panic' "$log" || true)
if [ -n "$bad" ]; then
	echo "$name: FAIL: kernel log shows:" >&2
	echo "$bad" | head -n 20 >&2
	fail=1
fi
rc=$(sed -n 's/.*VBUS-GUEST-RESULT rc=\([0-9]*\).*/\1/p' "$log" | tail -n1)
if [ -z "$rc" ]; then
	echo "$name: FAIL: the guest reported no result (qemu exit $qrc)" >&2
	fail=1
fi

# Show the guest's own output (not the boot chatter) so ctest --output-on-failure is useful.
sed -n '/vbus-guest: running/,$p' "$log" | tr -d '\r'
echo "$name: accel=$accel kernel=$(basename "$kernel") wall=${elapsed}s guest-rc=${rc:-none}"
if [ $fail -ne 0 ]; then
	echo "---- last 60 console lines ----" >&2
	tail -n 60 "$log" | tr -d '\r' >&2
	exit 1
fi
exit "$rc"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package vbus needs. Idempotent; fast when all are present.
# Usage: scripts/deps.sh [--check]   (--check: only report what is missing, exit 1 if anything is)
set -euo pipefail

PKGS=(
	build-essential cmake pkg-config ninja-build
	check libsubunit-dev
	clang llvm libclang-rt-14-dev
	verilator iverilog libsystemc-dev
	yosys nextpnr-ice40 fpga-icestorm
	qemu-system-x86 linux-headers-amd64 linux-image-amd64
	busybox-static cpio kmod iproute2
	spin gnuplot-nox python3
)

case "${1:-}" in
"" | --check) ;;
-h | --help)
	echo "usage: scripts/deps.sh [--check]"
	echo "Install every Debian package vbus needs (apt-get; idempotent, fast when all are present)."
	echo "  --check  only report what is missing; exit 1 if anything is"
	exit 0
	;;
*)
	echo "deps.sh: unknown option '$1' (try 'scripts/deps.sh --help')" >&2
	exit 2
	;;
esac

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps.sh: all ${#PKGS[@]} packages present"
	exit 0
fi
echo "deps.sh: missing: ${missing[*]}"
[ "${1:-}" = --check ] && exit 1

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		echo "deps.sh: not root and no password-less sudo; install as root:" >&2
		echo "  apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "deps.sh: installed ${#missing[@]} packages"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Hold one program or script to the command-line contract of docs/cli.md.
# Usage: contract.sh BINDIR NAME     (NAME: a row of programs.txt; ctest runs one per row as unit.cli.NAME)
#        contract.sh BINDIR --list   (the rows: NAME;PROGRAM)
# Checks: --help (usage on stdout naming the program, exit 0, fast, no work done); an unknown option (exit 2, named on stderr,
# nothing on stdout); a missing file, a directory, an empty file and a malformed file (the row's exit status,
# the path and the reason on stderr); out-of-range and malformed numbers (exit 2, the option and its range
# named); the row's other usage errors (exit 2, the option named); no shell errors ("unbound variable"),
# no crash, and nothing left behind in the working folder. Exit 0 pass, 1 fail (every failure printed).
set -uo pipefail
bin=${1:?usage: contract.sh BINDIR NAME|--list}
want=${2:?usage: contract.sh BINDIR NAME|--list}
here=$(cd "$(dirname "$0")" && pwd)
src=${VBUS_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
table=$here/programs.txt

if [ "$want" = --list ]; then
	# NAME;PROGRAM per row (PROGRAM: the build target of an @BIN@ command, '-' for a script)
	grep -v '^#' "$table" | grep -v '^$' | awk -F'|' '{
		split($2, w, " "); p = w[1]; if (p ~ /^@BIN@\//) sub(/^@BIN@\//, "", p); else p = "-"
		print $1 ";" p }'
	exit 0
fi
row=$(grep -v '^#' "$table" | awk -F'|' -v n="$want" '$1 == n' | head -n1)
[ -n "$row" ] || { echo "contract.sh: no row '$want' in $table" >&2; exit 2; }
IFS='|' read -r name cmd filearg checks malformed numbers extra <<<"$row"
cmd=${cmd//@BIN@/$bin}
cmd=${cmd//@SRC@/$src}
filearg=${filearg//@SRC@/$src}
read -ra argv0 <<<"$cmd"

work=$(mktemp -d "${TMPDIR:-/tmp}/vbus-cli-contract-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/cwd" "$work/in"
failed=0
fail() {
	echo "FAIL [$name] $*"
	failed=1
}

# run ARGS...: the command with ARGS in $work/cwd, 30 s at most; sets rc, out, err.
run() {
	(cd "$work/cwd" && timeout 30 "${argv0[@]}" "$@") >"$work/out" 2>"$work/err" </dev/null
	rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
	if grep -q 'unbound variable\|command not found\|syntax error' "$work/err"; then
		fail "$*: shell error: $(head -n1 "$work/err")"
	fi
	if [ $rc -ge 124 ] && [ $rc -ne 77 ]; then
		fail "$*: timed out or crashed (exit $rc)"
	fi
}

# expect_usage WHAT ARGS...: exit 2, WHAT named on stderr, nothing on stdout.
expect_usage() {
	local what=$1
	shift
	run "$@"
	if [ $rc -ne 2 ]; then
		fail "'$*' exited $rc, want 2 (usage error); stderr: $(head -c 200 "$work/err")"
	elif ! grep -qF -- "$what" "$work/err"; then
		fail "'$*': the error does not name '$what': $(head -c 200 "$work/err")"
	elif [ -n "$out" ]; then
		fail "'$*': a usage error printed on stdout: $(head -c 120 "$work/out")"
	else
		echo "ok: $name $* -> 2: $(head -n1 "$work/err")"
	fi
}

# named ENTRY: an entry of the numbers or extra column into the words a (the arguments) and what (the word
# the error must name): the first word, or WORD of a leading [WORD] (a positional argument's name).
named() {
	what=
	if [[ $1 =~ ^\[([^]]*)\][[:space:]]*(.*)$ ]]; then
		what=${BASH_REMATCH[1]}
		read -ra a <<<"${BASH_REMATCH[2]}"
	else
		read -ra a <<<"$1"
	fi
	[ -n "$what" ] || what=${a[0]}
}

# --help: usage on stdout naming the program itself (the command's first word, the script after bash; and a
# subcommand's row its subcommand too), exit 0, nothing on stderr
self=${argv0[0]}
[ "$self" = bash ] && self=${argv0[1]}
self=${self##*/}
# a subcommand's row (the program's next word a plain word: vbus-model run, vbus-e2e echo): its own usage line,
# naming the subcommand after the program (`vbus-e2e echo --help` printed the program's usage)
if [ "${argv0[0]}" != bash ] && [ ${#argv0[@]} -ge 2 ] && [[ ${argv0[1]} =~ ^[a-z][a-z0-9-]*$ ]]; then
	self="$self ${argv0[1]}"
fi
run --help
if [ $rc -ne 0 ]; then
	fail "--help exited $rc, want 0"
elif ! head -n1 "$work/out" | grep -q '^usage: '; then
	fail "--help: the first line on stdout is not 'usage: ...': $(head -n1 "$work/out")"
elif ! head -n1 "$work/out" | grep -Eq "^usage: ([^ ]*/)?${self//./\\.}( |\$)"; then
	fail "--help: the usage line does not name $self (another program's or the program's usage?): $(head -n1 "$work/out")"
elif [ -s "$work/err" ]; then
	fail "--help wrote on stderr: $(head -n1 "$work/err")"
else
	echo "ok: $name --help -> 0: $(head -n1 "$work/out")"
fi
cp "$work/out" "$work/help"

# help_range OPTION: the "A to B" the --help text states for OPTION (its line and the lines continuing it),
# empty when it states none
help_range() {
	awk -v o="$1" '
		on && /^ *-/ { exit }
		!on && index($0, o) && match($0, "(^|[ ,])" o "([ =,]|$)") { on = 1 }
		on { t = t " " $0 }
		END { if (match(t, /[-0-9.][-+0-9.e^]* to [-0-9.][-+0-9.e^]*/)) print substr(t, RSTART, RLENGTH) }' "$work/help"
}

# an unknown option
expect_usage --no-such-option-xyz --no-such-option-xyz

# bad input files
if [ "$checks" != - ]; then
	kinds=${checks%%:*}
	fexit=${checks##*:}
	: >"$work/in/empty.file"
	case $malformed in
	vec) printf 'vbus-vector 1\nname bad\nobject sig0 signal\nsteps\nS frobnicate sig0\nexpect\nend\n' ;;
	trace) printf 'vbus-trace 1\n1 S enable sig0 ok N=000 S=100\nnot a record\n' ;;
	json) printf '{\n  "doorbell": 10,\n  "wakeup": "slow"\n}\n' ;;
	*) printf 'garbage\n' ;;
	esac >"$work/in/bad.file"
	for k in $(echo "$kinds" | grep -o .); do
		case $k in
		m) f=$work/in/missing.file why='No such file' ;;
		d) f=$work/in why='directory' ;;
		e) f=$work/in/empty.file why='empty' ;;
		x) f=$work/in/bad.file why='' ;;
		*) echo "contract.sh: bad check letter '$k' in row $name" >&2; exit 2 ;;
		esac
		read -ra fargs <<<"${filearg//@FILE@/$f}"
		run "${fargs[@]}"
		both="$out$err"
		if [ $rc -ne "$fexit" ]; then
			fail "$k: '${fargs[*]}' exited $rc, want $fexit; stderr: $(head -c 200 "$work/err")"
		elif ! grep -qF -- "$f" <<<"$both"; then
			fail "$k: the message does not name the file $f: $(head -c 200 "$work/err")"
		elif [ -n "$why" ] && ! grep -qi -- "$why" "$work/err"; then
			fail "$k: the message does not say '$why': $(head -c 200 "$work/err")"
		else
			echo "ok: $name ${fargs[*]} -> $rc: $(head -n1 "$work/err")"
		fi
	done
fi

# out-of-range and malformed numbers: exit 2, the option named, and its range when it has one
if [ "$numbers" != - ]; then
	IFS=';' read -ra nums <<<"$numbers"
	for n in "${nums[@]}"; do
		named "$n"
		expect_usage "$what" "${a[@]}"
		if [ $rc -eq 2 ] && ! grep -q 'from .* to ' "$work/err"; then
			fail "'$n': the error does not state the range ('from A to B'): $(head -n1 "$work/err")"
		elif [ $rc -eq 2 ] && [[ $what == -* ]]; then
			# the range the error states is the one --help states for the option (when it states one)
			hr=$(help_range "$what")
			er=$(grep -o 'from [-0-9.][-+0-9.e]* to [-0-9.][-+0-9.e]*' "$work/err" | head -n1)
			er=${er#from }
			if [ -n "$hr" ] && ! awk -v a="$hr" -v b="$er" '
				function val(v,   p, q) { # a number, or 2^N[-M] as help texts write the largest ones
					sub(/[.]$/, "", v)
					if (split(v, p, "^") < 2) return v + 0
					split(p[2], q, "-")
					return p[1] ^ q[1] - q[2]
				}
				BEGIN { split(a, x, " "); split(b, y, " "); exit !(val(x[1]) == val(y[1]) && val(x[3]) == val(y[3])) }'; then
				fail "'$n': the error states '$er', --help states '$hr' for $what"
			fi
		fi
	done
fi

# the row's other usage errors
if [ "$extra" != - ]; then
	IFS=';' read -ra ex <<<"$extra"
	for e in "${ex[@]}"; do
		named "$e"
		expect_usage "$what" "${a[@]}"
	done
fi

left=$(ls -A "$work/cwd")
[ -z "$left" ] || fail "bad input left files behind in the working folder: $left"
[ $failed -eq 0 ] && echo "PASS [$name]: every check of docs/cli.md"
exit $failed

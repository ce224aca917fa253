# SPDX-License-Identifier: GPL-2.0
# Sourced by bench.sh and bench-net.sh: their command line as docs/cli.md says, [BUILD-DIR] then numbers.
# bench_args PROG USAGE HELP SPECS -- ARGS...
#   USAGE  the usage line; HELP what follows it under --help
#   SPECS  one "VAR:NAME:DEFAULT:MIN:MAX" per positional number after BUILD-DIR, space-separated
# Sets build (the build folder, absolute) and each VAR. --help: usage on stdout, exit 0; an unknown option,
# too many arguments or a number out of range: exit 2 naming it; a missing build folder: exit 1.
bench_args() {
	local prog=$1 usage=$2 help=$3 specs=$4 pos=() sp var name def min max v i=1
	shift 5
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help) printf '%s\n%s\n' "$usage" "$help"; exit 0 ;;
		--) shift; pos+=("$@"); break ;;
		-[0-9]*) pos+=("$1"); shift ;; # a negative number: the range error names it
		-?*) echo "$prog: unknown option '$1' (try '$prog --help')" >&2; exit 2 ;;
		*) pos+=("$1"); shift ;;
		esac
	done
	read -ra sp <<<"$specs"
	if [ ${#pos[@]} -gt $((${#sp[@]} + 1)) ]; then
		echo "$prog: too many arguments: ${pos[*]} (try '$prog --help')" >&2
		exit 2
	fi
	for s in "${sp[@]}"; do
		IFS=: read -r var name def min max <<<"$s"
		v=${pos[i]:-$def}
		if ! [[ $v =~ ^[0-9]+$ ]] || [ ${#v} -gt 9 ] || [ "$v" -lt "$min" ] || [ "$v" -gt "$max" ]; then
			echo "$prog: $name '$v': not a whole number from $min to $max (try '$prog --help')" >&2
			exit 2
		fi
		printf -v "$var" '%s' "$v"
		i=$((i + 1))
	done
	build=${pos[0]:-$src/build}
	[ -e "$build" ] || { echo "$prog: $build: No such file or directory (the build folder)" >&2; exit 1; }
	[ -d "$build" ] || { echo "$prog: $build: not a directory (the build folder)" >&2; exit 1; }
	build=$(cd "$build" && pwd)
}

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mutation.catalogue: the catalogue parses and every anchor/edit still matches the tree (a stale mutant is an
# error), without building anything. Usage: check_catalogue.sh PYTHON SOURCE_DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: check_catalogue.sh PYTHON SOURCE_DIR" >&2; exit 2; }
exec "$1" "$(dirname "$0")/run_mutants.py" --check "$2"

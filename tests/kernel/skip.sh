#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A test that cannot run here: print why and exit 77 (CTest SKIP_RETURN_CODE).
if [ $# -eq 0 ]; then
	echo "skip.sh: no reason given (usage: skip.sh REASON...); a skip must say why" >&2
	exit 2
fi
echo "SKIP: $*"
exit 77

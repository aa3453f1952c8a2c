#!/bin/sh
# tests/merge/check.sh OTZONE: `otzone merge` end to end (check_merge.py):
# plant captures split as two SPAN points see them, each half read by its
# own sensor, merged, and compared with one sensor that saw everything
# (assets, flows with operation counts, zones, findings); idempotence;
# bad inputs.
set -u
if ! command -v python3 >/dev/null 2>&1; then
	echo "merge: SKIP: python3 not installed"
	echo "merge: 0 passed, 0 failed"
	exit 0
fi
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: tests/merge/check.sh OTZONE" >&2
	exit 2
fi
exec python3 "$(dirname "$0")/check_merge.py" "$1"

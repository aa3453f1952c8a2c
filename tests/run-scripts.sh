#!/bin/sh
# run-scripts.sh OTZONE: run every tests/<area>/check.sh with the binary's
# absolute path; each prints its own results; fail if any fails.
set -u
otz=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
pass=0
fail=0
for s in tests/*/check.sh; do
	[ -f "$s" ] || continue
	if sh "$s" "$otz"; then
		pass=$((pass + 1))
	else
		echo "scripts: $s FAILED"
		fail=$((fail + 1))
	fi
done
echo "scripts: $pass passed, $fail failed"
[ $fail -eq 0 ]

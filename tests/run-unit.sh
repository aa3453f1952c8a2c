#!/bin/sh
# run-unit.sh BIN...: run each check(1) unit test binary, sum the counts
# and print one closing line "N passed, N failed".
set -u
pass=0
fail=0
for t in "$@"; do
	out=$(CK_FORK=yes "$t" 2>&1)
	rc=$?
	echo "$out" | grep -E '^[0-9]+%: Checks' | sed "s|^|$(basename "$t"): |"
	echo "$out" | grep -E ':[EF]:' | head -20
	n=$(echo "$out" | sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p')
	if [ -z "$n" ]; then
		echo "$(basename "$t"): no check summary (exit $rc)"
		echo "$out" | tail -5
		fail=$((fail + 1))
		continue
	fi
	c=${n%% *}; rest=${n#* }; f=${rest%% *}; e=${rest#* }
	pass=$((pass + c - f - e))
	fail=$((fail + f + e))
	[ $rc -ne 0 ] && [ $((f + e)) -eq 0 ] && fail=$((fail + 1))
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/sh
# tests/policy/check.sh OTZONE: the policy check and the assessor's report
# end to end (check_policy.py): every rule firing and not firing on the
# captures of tests/gen/policy_cases.py, exact findings and exit codes,
# errors, the HTML report (parsed, and rendered by headless Chromium when
# it is installed), and the zones --emit-policy round trip.
set -u
if ! command -v python3 >/dev/null 2>&1; then
	echo "policy: SKIP: python3 not installed"
	echo "policy: 0 passed, 0 failed"
	exit 0
fi
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: tests/policy/check.sh OTZONE" >&2
	exit 2
fi
exec python3 "$(dirname "$0")/check_policy.py" "$1"

#!/bin/sh
# tests/gen/check.sh [OTZONE]: the traffic generator's own checks.
#  1. otgen is deterministic and pcaps/ is what it generates today;
#  2. tshark decodes every bundled capture without errors and agrees
#     with the truth files (check_tshark.py; skipped without tshark).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	echo "gen: SKIP: python3 not installed"
	exit 0
fi
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
python3 tests/gen/otgen.py all -o "$tmp" >/dev/null || {
	echo "gen: FAIL: otgen.py all"; exit 1; }
stale=0
for f in "$tmp"/*; do
	b=$(basename "$f")
	if ! cmp -s "$f" "pcaps/$b"; then
		echo "gen: pcaps/$b differs from what otgen.py generates" \
		    "(run: python3 tests/gen/otgen.py all -o pcaps)"
		stale=1
	fi
done
[ $stale -eq 0 ] && echo "gen: pcaps/ matches otgen.py output byte for byte"
python3 tests/gen/check_tshark.py pcaps || exit 1
exit $stale

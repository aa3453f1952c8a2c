#!/bin/sh
# run.sh OTZONE [--update]: golden tests.  Each line of tests/golden/LIST
# is "name pcap"; the capture is read into a fresh database and the
# assets and flows JSON are compared with tests/golden/<name>.expected.
# A missing expected file fails; --update (make golden-update) rewrites
# them, to be reviewed with git diff.
set -u
otz=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
update=${2:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while read -r name pcap rest; do
	case "$name" in "" | "#"*) continue ;; esac
	exp=tests/golden/$name.expected
	db=$tmp/$name.db
	out=$tmp/$name.out
	if [ ! -f "$pcap" ]; then
		echo "golden: $name: FAIL: capture $pcap missing"
		fail=$((fail + 1))
		continue
	fi
	if ! "$otz" --db "$db" --quiet read "$pcap" 2>"$tmp/err"; then
		echo "golden: $name: FAIL: otzone read exited non-zero"
		cat "$tmp/err"
		fail=$((fail + 1))
		continue
	fi
	{
		echo "# assets"
		"$otz" --db "$db" assets --format json
		echo "# flows"
		"$otz" --db "$db" flows --format json
	} >"$out" 2>&1
	if [ "$update" = "--update" ]; then
		cp "$out" "$exp"
		echo "golden: $name: updated $exp"
		pass=$((pass + 1))
	elif [ ! -f "$exp" ]; then
		echo "golden: $name: FAIL: $exp missing (make golden-update, then review)"
		fail=$((fail + 1))
	elif diff -u "$exp" "$out" >"$tmp/diff"; then
		pass=$((pass + 1))
	else
		echo "golden: $name: FAIL: output differs from $exp:"
		head -40 "$tmp/diff"
		fail=$((fail + 1))
	fi
done <tests/golden/LIST
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/sh
# run.sh OTZONE: cross-check otzone against tshark on the real captures of
# ../shared/pcaps (next to the repository; $OTZONE_SHARED_PCAPS overrides).
#   unicast_ips.py  asset IPs == unicast IPs tshark sees, per capture
#   oracle_ops.py   operation counts == tshark's request codes, per protocol
#   oracle_ident.py device identities == the fields tshark decodes, per
#                   device (also over the project's own pcaps/)
# Protocols listed in tests/shared/ENFORCED must agree >= 99% over all
# captures, those of tests/shared/ENFORCED_IDENT at their identity
# minimum; the others are reported only.  Remaining, understood
# disagreements are explained in tests/shared/KNOWN.md.
# Prints "shared: N passed, M failed" (files for unicast_ips, enforced
# protocols for the oracle) and exits 1 on any failure.  Without tshark,
# python3 or the capture folder it prints one skip line and exits 0.
set -u
if [ $# -lt 1 ]; then
	echo "usage: sh tests/shared/run.sh PATH/TO/otzone" >&2
	exit 2
fi
otz=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) ||
	top=$(cd "$here/../.." && pwd)

if [ -n "${OTZONE_SHARED_PCAPS:-}" ]; then
	pcaps=$OTZONE_SHARED_PCAPS
	shown=$pcaps
else
	pcaps=$top/../shared/pcaps
	shown=../shared/pcaps
fi
if ! command -v tshark >/dev/null 2>&1; then
	echo "shared: tshark not found, skipping the real-capture cross-checks"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "shared: python3 not found, skipping the real-capture cross-checks"
	exit 0
fi
if [ ! -d "$pcaps" ]; then
	echo "shared: $shown not found, skipping the real-capture cross-checks"
	exit 0
fi
if [ ! -x "$otz" ]; then
	echo "shared: FAIL: $otz is not an executable"
	echo "shared: 0 passed, 1 failed"
	exit 1
fi

enforce=$(sed -e 's/#.*//' "$here/ENFORCED" 2>/dev/null | tr -s ' \t\n' ',' |
	sed -e 's/^,//' -e 's/,$//')
if [ -n "$enforce" ]; then
	set -- --min 99 --enforce "$enforce"
else
	set --
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The two checks run side by side (tshark start-up dominates); their
# outputs are shown one after the other.
python3 "$here/unicast_ips.py" "$otz" "$pcaps" >"$tmp/ips" 2>&1 &
ips_pid=$!
python3 "$here/oracle_ident.py" "$otz" --selftest --pcaps "$pcaps" \
	--enforce "$here/ENFORCED_IDENT" >"$tmp/ident" 2>&1 &
ident_pid=$!
python3 "$here/oracle_ops.py" "$otz" --pcaps "$pcaps" "$@" >"$tmp/ops" 2>&1
ops_rc=$?
wait $ips_pid
ips_rc=$?
wait $ident_pid
ident_rc=$?

echo "== shared: unicast IPs, otzone assets vs tshark ($shown)"
cat "$tmp/ips"
echo "== shared: operations, otzone vs tshark (enforced at 99%: ${enforce:-none})"
cat "$tmp/ops"
echo "== shared: device identities, otzone vs tshark (minimums: tests/shared/ENFORCED_IDENT)"
cat "$tmp/ident"

passed=$(grep -c '^ok  ' "$tmp/ips")
failed=$(grep -c '^FAIL ' "$tmp/ips")
p_ok=$(grep -c '^oracle-total .* ok$' "$tmp/ops")
p_fail=$(grep -c '^oracle-total .* FAIL$' "$tmp/ops")
p_rep=$(grep -c '^oracle-total .* report$' "$tmp/ops")
i_ok=$(grep -c '^ident-total .* ok ' "$tmp/ident")
i_fail=$(grep -c '^ident-total .* FAIL ' "$tmp/ident")
i_rep=$(grep -c '^ident-total .* report$' "$tmp/ident")
passed=$((passed + p_ok + i_ok))
failed=$((failed + p_fail + i_fail))
p_rep=$((p_rep + i_rep))
# A script that died (rather than reporting failures) is a failure too.
for pair in "unicast_ips:$ips_rc" "oracle_ops:$ops_rc" \
	"oracle_ident:$ident_rc"; do
	case ${pair#*:} in
	0 | 1) ;;
	*)
		echo "shared: FAIL: ${pair%%:*}.py exited ${pair#*:}"
		failed=$((failed + 1))
		;;
	esac
done
if [ "$ips_rc" -eq 1 ] && [ "$(grep -c '^FAIL ' "$tmp/ips")" -eq 0 ]; then
	failed=$((failed + 1))
fi
if [ "$ops_rc" -eq 1 ] && [ "$p_fail" -eq 0 ]; then
	failed=$((failed + 1))
fi
if [ "$ident_rc" -eq 1 ] && [ "$i_fail" -eq 0 ]; then
	failed=$((failed + 1))
fi
echo "shared: $passed passed, $failed failed ($p_rep protocols report-only)"
[ "$failed" -eq 0 ]

#!/bin/sh
# check.sh OTZONE: bad input gets one clear "otzone: ..." line, exit 2,
# and never loses or corrupts what was already stored.
set -u
otz=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
sample=$top/pcaps/modbus-basic.pcap

ok() { pass=$((pass + 1)); }
bad() { echo "badinput: FAIL: $*"; fail=$((fail + 1)); }

# expect NAME RC PATTERN CMD...: exit status and a stderr line
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		bad "$name: exit $rc, want $want"; cat "$tmp/err"; return
	fi
	if ! grep -q -- "$pat" "$tmp/err"; then
		bad "$name: stderr lacks '$pat':"; cat "$tmp/err"; return
	fi
	ok
}

# a baseline database the bad inputs must not damage
"$otz" --db "$tmp/base.db" --quiet read "$sample" || bad "baseline read"
"$otz" --db "$tmp/base.db" assets --format json >"$tmp/base.json"
n0=$(grep -c '"ip"' "$tmp/base.json")
[ "$n0" -gt 0 ] || bad "baseline has no assets"

printf 'hello, not a capture\n' >"$tmp/text.pcap"
expect not-a-capture 2 "otzone: $tmp/text.pcap: not a pcap or pcapng capture" \
	"$otz" --db "$tmp/base.db" read "$tmp/text.pcap"
expect missing-path 2 "otzone: $tmp/nope.pcap: No such file or directory" \
	"$otz" --db "$tmp/base.db" read "$tmp/nope.pcap"
mkdir "$tmp/empty"
expect empty-dir 2 "otzone: read: no capture files" \
	"$otz" --db "$tmp/base.db" read "$tmp/empty"
# truncated mid-record: what came before is kept
head -c 3000 "$sample" >"$tmp/cut.pcap"
expect truncated 2 "capture damaged after frame" \
	"$otz" --db "$tmp/cut.db" read "$tmp/cut.pcap"
n=$("$otz" --db "$tmp/cut.db" assets --format json | grep -c '"ip"')
[ "$n" -gt 0 ] && ok || bad "truncated: nothing kept before the damage"
python3 - "$tmp" <<'PY'
import struct, sys
t = sys.argv[1]
hdr = lambda snap: struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snap, 1)
open(t + '/oversnap.pcap', 'wb').write(
    hdr(64) + struct.pack('<IIII', 0, 0, 200, 200) + b'\0' * 200)
open(t + '/huge.pcap', 'wb').write(
    hdr(65535) + struct.pack('<IIII', 0, 0, 0xfffffff0, 0xfffffff0))
open(t + '/badmagic.pcap', 'wb').write(b'\xd4\xc3\xb2\xa1' + b'\xff' * 20)
PY
expect record-over-snaplen 2 "longer than the file's snaplen" \
	"$otz" --db "$tmp/base.db" read "$tmp/oversnap.pcap"
expect record-4GB 2 "capture damaged after frame 0" \
	"$otz" --db "$tmp/base.db" read "$tmp/huge.pcap"
expect bad-header 2 "otzone: $tmp/badmagic.pcap:" \
	"$otz" --db "$tmp/base.db" read "$tmp/badmagic.pcap"
expect db-not-a-database 2 "not a usable database" \
	"$otz" --db "$tmp/text.pcap" assets
expect db-missing 2 "no such database" \
	"$otz" --db "$tmp/none.db" assets
expect bad-option 2 "unknown option" "$otz" --frobnicate assets
expect bad-format 2 "unknown format" "$otz" --format xml assets
# a locked database: another writer holds it past the busy timeout
python3 - "$tmp/base.db" "$tmp/locked" <<'PY' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=1)
c.execute('BEGIN EXCLUSIVE')
open(sys.argv[2], 'w').close()
time.sleep(12)
PY
lockpid=$!
while [ ! -f "$tmp/locked" ]; do sleep 0.1; done
expect db-locked 2 "locked" \
	"$otz" --db "$tmp/base.db" --quiet read "$top/pcaps/s7-basic.pcap"
kill $lockpid 2>/dev/null
wait $lockpid 2>/dev/null
# after all that, the baseline is intact
"$otz" --db "$tmp/base.db" assets --format json >"$tmp/after.json"
cmp -s "$tmp/base.json" "$tmp/after.json" && ok ||
	bad "the baseline database changed"
sqlite3 "$tmp/base.db" "PRAGMA integrity_check" 2>/dev/null | grep -qx ok &&
	ok || bad "integrity_check"
echo "badinput: $pass passed, $fail failed"
[ $fail -eq 0 ]

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
# a capture truncated by another process while it is read (it is
# mapped: the pages past the new end raise SIGBUS, which must become an
# "otzone: FILE: ..." error, never a crash); the cut lands mid-read at
# some of these delays on any machine that reads it in more than 30 ms
big=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
python3 - "$big/pristine.pcap" <<'PY'
import struct, sys
frames = []
for i in range(10000):
    pl = struct.pack('>HHHBBHH', i, 0, 6, 1, 3, 0, 10)
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 40 + len(pl), i, 0x4000,
        64, 6, 0, bytes([10, 0, 0, 20]), bytes([10, 0, 0, 10]))
    tcp = struct.pack('>HHIIBBHHH', 40000 + i % 50, 502, i * 12, 1,
        0x50, 0x18, 8192, 0, 0)
    f = b'\x00\x1d\x9c\x01\x02\x03\x00\x0c\x29\x04\x05\x06\x08\x00' + \
        ip + tcp + pl
    frames.append((i, f))
with open(sys.argv[1], 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for k in range(150):
        blk = b''.join(struct.pack('<IIII', 1700000000 + k, i * 50,
            len(f), len(f)) + f for i, f in frames)
        out.write(blk)
PY
shrank=0
for d in 0.03 0.05 0.07 0.09 0.12 0.16 0.2 0.3; do
	cp "$big/pristine.pcap" "$big/live.pcap"
	rm -f "$tmp/shrink.db"*
	"$otz" --db "$tmp/shrink.db" --quiet read "$big/live.pcap" \
	    >/dev/null 2>"$tmp/shrink.err" &
	rpid=$!
	sleep $d
	truncate -s 100000 "$big/live.pcap"
	wait $rpid
	rc=$?
	case $rc in
	0) ok ;;
	2)
		if grep -q "shrank while it was read" "$tmp/shrink.err"; then
			shrank=$((shrank + 1))
			ok
		elif grep -q "otzone: $big/live.pcap:" "$tmp/shrink.err"; then
			ok
		else
			bad "truncated while read ($d s): exit 2 without" \
			    "an otzone: line"; cat "$tmp/shrink.err"
		fi ;;
	*) bad "truncated while read ($d s): exit $rc"; cat "$tmp/shrink.err" ;;
	esac
	sqlite3 "$tmp/shrink.db" "PRAGMA integrity_check" 2>/dev/null |
	    grep -qx ok && ok || bad "truncated while read ($d s): integrity"
done
# the same capture, mapped (8 MiB and more), cut inside its last record
# and inside a record header 3 windows in: the read(2) path's messages
size=$(wc -c <"$big/pristine.pcap")
cp "$big/pristine.pcap" "$big/cut.pcap"
truncate -s $((size - 30)) "$big/cut.pcap"
expect mapped-cut-record 2 \
    "capture damaged after frame 1499999: truncated dump file; tried to read 66 captured bytes, only got 36" \
    "$otz" --db "$tmp/mcut.db" --quiet read "$big/cut.pcap"
# 24 + k * 82: a record boundary; 10 bytes further: inside a header
cut=$((24 + 307000 * 82 + 10))
cp "$big/pristine.pcap" "$big/cut.pcap"
truncate -s $cut "$big/cut.pcap"
expect mapped-cut-header 2 \
    "capture damaged after frame 307000: truncated dump file; tried to read 16 header bytes, only got 10" \
    "$otz" --db "$tmp/mcut2.db" --quiet read "$big/cut.pcap"
# a file system that cannot map files: the capture is read with read(2)
# instead, from its start, or from the window whose mapping failed, with
# the result of the mapped read (tests/badinput/nommap.c, LD_PRELOAD)
shim=$tmp/nommap.so
if ${CC:-cc} -shared -fPIC -O2 -o "$shim" "$top/tests/badinput/nommap.c" \
    -ldl 2>"$tmp/cc.err"; then
	"$otz" --db "$tmp/map.db" --quiet read "$big/pristine.pcap" ||
	    bad "mapped read"
	"$otz" --db "$tmp/map.db" flows --format json >"$tmp/map.flows"
	"$otz" --db "$tmp/map.db" assets --format json >"$tmp/map.assets"
	for after in 0 2; do
		rm -f "$tmp/nomap.db"*
		if ! NOMMAP_AFTER=$after LD_PRELOAD=$shim \
		    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		    "$otz" --db "$tmp/nomap.db" --quiet read "$big/pristine.pcap" \
		    2>"$tmp/nomap.err"; then
			bad "unmappable after $after windows: read failed"
			cat "$tmp/nomap.err"
			continue
		fi
		grep -qx "nommap: allowed $after, refused 1" "$tmp/nomap.err" &&
		    ok || { bad "unmappable after $after windows: the shim" \
		    "did not refuse exactly one mapping"; cat "$tmp/nomap.err"; }
		"$otz" --db "$tmp/nomap.db" flows --format json >"$tmp/nomap.flows"
		"$otz" --db "$tmp/nomap.db" assets --format json \
		    >"$tmp/nomap.assets"
		cmp -s "$tmp/map.flows" "$tmp/nomap.flows" &&
		    cmp -s "$tmp/map.assets" "$tmp/nomap.assets" && ok ||
		    bad "unmappable after $after windows: not what the" \
		    "mapped read gave"
	done
else
	bad "cannot build tests/badinput/nommap.c"; cat "$tmp/cc.err"
fi
rm -rf "$big"
if [ $shrank -gt 0 ]; then
	ok
else
	bad "truncated while read: no cut landed mid-read in 8 tries"
fi
echo "badinput: truncated while read: $shrank of 8 cuts landed mid-read"
# after all that, the baseline is intact
"$otz" --db "$tmp/base.db" assets --format json >"$tmp/after.json"
cmp -s "$tmp/base.json" "$tmp/after.json" && ok ||
	bad "the baseline database changed"
sqlite3 "$tmp/base.db" "PRAGMA integrity_check" 2>/dev/null | grep -qx ok &&
	ok || bad "integrity_check"
echo "badinput: $pass passed, $fail failed"
[ $fail -eq 0 ]

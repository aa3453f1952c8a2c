#!/bin/sh
# check.sh OTZONE [long]: no data lost.
#
# 1. SIGKILL during `otzone read --quiet` of a generated capture (a plant
#    inside a flood of SYNs with data from many sources, tests/scan/gen_scan.py: the
#    last flushes write tens of thousands of rows, so kills land inside
#    transactions too): when the WAL has grown past a size (inside a big
#    flush), when the database file has (after a checkpoint), and when
#    given shares of the capture have been read.  After each kill:
#      - PRAGMA integrity_check is ok;
#      - the database holds whole flushes: the plant flows that talk all
#        the time were all last seen within 3 s of each other (a flush
#        split in several transactions would leave some a whole flush
#        interval behind);
#      - every asset and flow in it is in the complete read, with counts
#        (packets, bytes, connections, operations) no larger;
#      - `otzone read --force` of the same file then exits 0 and adds up:
#        every count equals what the kill left plus the complete read's;
#      - a crash loses at most a flush interval (README): of the packets
#        read before the kill, all but the last two intervals (1M each)
#        are in the database.
# 2. (root, chattr) the database and its WAL made immutable between the
#    source's registration and the first flush: the failed flush is
#    reported ("(retrying)"); made writable again, the retry writes it
#    all: exit 0 and the complete read's inventory.
# 3. (root, in a private mount namespace) a database on a full tmpfs:
#      - the flush fails, is reported ("otzone: DB: ... (retrying)"),
#        the in-memory state is kept, and once space is freed the retry
#        succeeds: exit 0 and the same inventory as an undisturbed read;
#      - space never freed: exit 2 with a clear line, and what the
#        database held before is intact;
#    and a database on a read-only file system: exit 2, one clear line,
#    the database unchanged.
#
# `check.sh OTZONE` (make check) kills at 2 points of a 1.2M-packet
# capture (in a flush, at 90 % read); `check-long.sh OTZONE` (make
# check-long) at 11 points of a 3.2M-packet one.  Captures are generated
# once into ${TMPDIR:-/tmp}/otzone-killtest (100 MB / 250 MB), reused.
set -u
otz=$1
mode=${2:-quick}
top=$(cd "$(dirname "$0")/../.." && pwd)
# tmpfs when it has room (fsyncs on a disk triple the run time)
shm=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
if [ "${shm:-0}" -gt 1048576 ]; then
	tmp=$(mktemp -d -p /dev/shm)
else
	tmp=$(mktemp -d)
fi
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "killtest: FAIL: $*"; fail=$((fail + 1)); }
now() { date +%s%N; }
t0=$(now)
el() { echo "$((($(now) - t0) / 1000000000)) s"; }

if [ "$mode" = long ]; then
	flood=3000000 sources=30000 secs=60
	kills="pos:10 pos:25 pos:40 pos:55 pos:70 pos:85 pos:95 pos:100
	    wal:1000000 wal:3000000 wal:6000000"
else
	flood=1200000 sources=30000 secs=30
	kills="wal:4000000 pos:90"
fi
# Fewer sources than the graph lets scan noise take (1/8 of 262,144
# assets): no cap drops a packet, so counts add up exactly.

# ---- the capture, generated once -------------------------------------------
gen=$top/tests/scan/gen_scan.py
sum=$(cat "$gen" "$top/tests/gen/otgen.py" | cksum | cut -d' ' -f1)
cache=${TMPDIR:-/tmp}/otzone-killtest
# Each flood SYN carries 8 bytes, so every source is traffic, not scan
# noise (which the graph folds into its server): the flushes stay big
# (tens of thousands of rows) and kills land inside them.
cap=$cache/scan-$flood-$sources-$secs-p8-$sum.pcap
mkdir -p "$cache"
if [ ! -s "$cap" ]; then
	rm -f "$cache"/scan-$flood-$sources-$secs-*.pcap
	if ! python3 "$gen" "$cap.tmp" --flood $flood --sources $sources \
	    --seconds $secs --payload 8 >"$tmp/gen.log" 2>&1; then
		cat "$tmp/gen.log"
		echo "killtest: 0 passed, 1 failed (gen_scan.py)"
		exit 1
	fi
	mv "$cap.tmp" "$cap"
fi

capsize=$(stat -c %s "$cap")

# ---- helpers ---------------------------------------------------------------
cat >"$tmp/chk.py" <<'PY'
"""cmp.py integrity DB | dump DB OUT | le FULL K | add FULL K K2 |
snap FULL K INTERVAL"""
import datetime
import json
import pickle
import sqlite3
import subprocess
import sys


def counts(r, kind):
    c = {'packets': r['packets'], 'bytes': r['bytes']}
    if kind == 'flows':
        c['connections'] = r['connections']
        for o in r['operations']:
            k = (o['protocol'], o['code'])
            c['op %s/%s count' % k] = o['count']
            c['op %s/%s errors' % k] = o.get('errors', 0)
    return c


def load(prefix):
    """{key: (counts, first_seen)} for the flows and assets of a dump;
    cached beside it."""
    try:
        with open(prefix + '.pkl', 'rb') as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.PickleError):
        pass
    out = {}
    for kind in ('flows', 'assets'):
        try:
            text = open('%s.%s' % (prefix, kind)).read()
        except OSError:
            text = ''
        for line in text.splitlines():
            line = line.strip().rstrip(',')
            if not line.startswith('{'):
                continue
            r = json.loads(line)
            if kind == 'flows':
                k = ('flow', r['client'], r['server'], r['vlan'],
                     r['transport'], r['server_port'], r['protocol'])
            else:
                k = ('asset', r['ip'], r['vlan'])
            out[k] = (counts(r, kind), r['first_seen'], r['last_seen'])
    if prefix != '/dev/null':
        with open(prefix + '.pkl', 'wb') as f:
            pickle.dump(out, f)
    return out


def flow_packets(d):
    return sum(v[0]['packets'] for k, v in d.items() if k[0] == 'flow')


def main():
    a = sys.argv[1:]
    bad = []
    if a[0] == 'integrity':
        try:
            db = sqlite3.connect(a[1])
            r = db.execute('PRAGMA integrity_check').fetchall()
            db.close()
        except sqlite3.Error as e:
            r = [(str(e),)]
        if r != [('ok',)]:
            bad.append('integrity_check: %s' % r[:3])
    elif a[0] == 'dump':
        for kind in ('flows', 'assets'):
            p = subprocess.run([a[1], '--db', a[2], kind, '--format',
                                'json'], capture_output=True, text=True)
            if p.returncode != 0 and 'no such database' not in p.stderr:
                bad.append('otzone %s: exit %d: %s' % (kind, p.returncode,
                                                       p.stderr.strip()))
            open('%s.%s' % (a[3], kind), 'w').write(p.stdout)
    elif a[0] == 'le':
        full, k = load(a[1]), load(a[2])
        for key, (kc, first, _) in k.items():
            f = full.get(key)
            if f is None:
                bad.append('%s not in the complete read' % (key,))
                continue
            fc, ffirst, _ = f
            for c, v in kc.items():
                if v > fc.get(c, 0):
                    bad.append('%s: %s %d > complete read %d' %
                               (key, c, v, fc.get(c, 0)))
            if first and ffirst and first < ffirst:
                bad.append('%s: first_seen before the complete read' %
                           (key,))
        print('%d flows, %d assets, %d flow packets' %
              (sum(1 for x in k if x[0] == 'flow'),
               sum(1 for x in k if x[0] == 'asset'), flow_packets(k)))
    elif a[0] == 'snap':
        # A flush is one transaction: the flows it updated all carry the
        # same moment.  The flows that talk all the time (polled every
        # second or faster through the whole capture) must, in what a
        # kill left, have last_seen within a few seconds of each other;
        # a flush split into transactions would leave some a whole flush
        # interval (18 s of capture) behind the others.
        full, k = load(a[1]), load(a[2])

        def t(x):
            return datetime.datetime.strptime(x, '%Y-%m-%dT%H:%M:%S.%fZ')
        flows = [(key, v) for key, v in full.items() if key[0] == 'flow']
        end = max(t(v[2]) for _, v in flows)
        start = min(t(v[1]) for _, v in flows)
        steady = [key for key, v in flows
                  if v[0]['packets'] >= 40 and
                  (end - t(v[2])).total_seconds() < 2 and
                  (t(v[1]) - start).total_seconds() < 2]
        seen = [t(k[key][2]) for key in steady if key in k]
        if len(steady) < 10:
            bad.append('only %d steady flows in the capture' % len(steady))
        elif seen and (max(seen) - min(seen)).total_seconds() > 3:
            bad.append('%d steady flows last seen %.1f s apart: not one '
                       'flush' % (len(seen),
                                  (max(seen) - min(seen)).total_seconds()))
        print('%d of %d steady flows present' % (len(seen), len(steady)))
    elif a[0] == 'loss':
        # "a crash loses at most one flush interval": of the packets read
        # before the kill (from the bytes read), all but the last two
        # intervals' worth must be in the database (one interval read
        # since the last flush, one more for the flush under way).
        full, k = load(a[1]), load(a[2])
        total = flow_packets(full)
        read = total * min(int(a[3]), int(a[4])) // int(a[4])
        iv = 1000000  # INGEST_FLUSH_PACKETS, sensor/ingest.c
        have = flow_packets(k)
        need = max(0, (read // iv - 1) * iv - 5000)
        if have < need:
            bad.append('crash-loses-more-than-one-interval: %d of about '
                       '%d packets read are in the database, want at '
                       'least %d' % (have, read, need))
        else:
            print('%d of about %d packets read kept (at least %d)' %
                  (have, read, need))
    elif a[0] == 'add':
        full, k, k2 = load(a[1]), load(a[2]), load(a[3])
        for key in set(full) | set(k) | set(k2):
            f, r, r2 = full.get(key), k.get(key), k2.get(key)
            if r2 is None:
                bad.append('%s missing after the re-read' % (key,))
                continue
            fc = f[0] if f else {}
            kc = r[0] if r else {}
            got = r2[0]
            for c in set(fc) | set(kc) | set(got):
                if fc.get(c, 0) + kc.get(c, 0) != got.get(c, 0):
                    bad.append('%s: %s %d, want %d (kill) + %d (read)' %
                               (key, c, got.get(c, 0), kc.get(c, 0),
                                fc.get(c, 0)))
    for b in bad[:10]:
        print(b)
    if len(bad) > 10:
        print('... %d more' % (len(bad) - 10))
    sys.exit(1 if bad else 0)


main()
PY
chk() { python3 "$tmp/chk.py" "$@"; }

# ---- 1. SIGKILL --------------------------------------------------------------
t=$(now)
if ! "$otz" --db "$tmp/full.db" read --quiet "$cap"; then
	echo "killtest: FAIL: the complete read of $cap failed"
	echo "killtest: 0 passed, 1 failed"
	exit 1
fi
full_ms=$((($(now) - t) / 1000000))
chk dump "$otz" "$tmp/full.db" "$tmp/full" || bad "dump of the complete read"
echo "killtest: $(basename "$cap"): complete read in $full_ms ms," \
    "$(chk le "$tmp/full" "$tmp/full")"

# killed NAME: the checks on $tmp/$NAME.db after a kill
killed() {
	n=$1
	db=$tmp/$n.db
	if out=$(chk integrity "$db"); then ok; else
		bad "$n: $out"
	fi
	if ! out=$(chk dump "$otz" "$db" "$tmp/$n"); then
		bad "$n: $out"
		return
	fi
	if out=$(chk le "$tmp/full" "$tmp/$n"); then
		echo "killtest: $n: left $out"
		ok
	else
		bad "$n: more than the complete read:"
		echo "$out" | sed 's/^/    /'
	fi
	if out=$(chk snap "$tmp/full" "$tmp/$n"); then
		echo "killtest: $n: one flush: $out"
		ok
	else
		bad "$n: $out"
	fi
	if "$otz" --db "$db" read --force --quiet "$cap" 2>"$tmp/err"; then
		ok
	else
		bad "$n: read --force after the kill failed:"
		head -3 "$tmp/err"
	fi
	chk dump "$otz" "$db" "$tmp/$n.2" >/dev/null
	if out=$(chk add "$tmp/full" "$tmp/$n" "$tmp/$n.2"); then ok; else
		bad "$n: read --force does not add up:"
		echo "$out" | sed 's/^/    /'
	fi
}

# Kill points, by progress rather than by time (a loaded machine must
# not move them): pos:PCT when otzone has read PCT % of the capture's
# bytes (/proc/PID/io rchar; 100: all read, the kill lands in the last
# flushes); wal:BYTES when the WAL has grown past BYTES (inside a big
# flush transaction); db:BYTES when the database file has (a
# flush is committed and checkpointed).  Which flush a WAL size falls in
# depends on what the engine pushes when; the checks do not.
for k in $kills; do
	what=${k%%:*}
	v=${k#*:}
	case $what in
	pos) n=kill-at-$v-percent-read ;;
	wal) n=kill-in-flush-wal-$((v / 1000000))MB ;;
	db) n=kill-after-checkpoint-db-$((v / 1000000))MB ;;
	esac
	db=$tmp/$n.db
	"$otz" --db "$db" read --quiet "$cap" 2>/dev/null &
	pid=$!
	if [ "$what" = pos ]; then
		want=$((capsize / 100 * v))
		while kill -0 $pid 2>/dev/null; do
			r=$(sed -n 's/^rchar: //p' /proc/$pid/io 2>/dev/null)
			[ "${r:-0}" -ge "$want" ] && break
			sleep 0.005
		done
	else
		f=$db
		[ "$what" = wal ] && f=$db-wal
		while kill -0 $pid 2>/dev/null; do
			s=$(stat -c %s "$f" 2>/dev/null || echo 0)
			[ "$s" -gt "$v" ] && break
			sleep 0.01
		done
	fi
	# how far it had read: rchar less the 2 MiB of the content hash
	r=$(sed -n 's/^rchar: //p' /proc/$pid/io 2>/dev/null)
	kill -KILL $pid 2>/dev/null
	{ wait $pid; } 2>/dev/null
	rc=$?
	[ $rc -eq 137 ] ||
	    echo "killtest: $n: otzone had ended (exit $rc) before the kill"
	r=$((${r:-0} - 2097152))
	[ $r -lt 0 ] && r=0
	[ $rc -eq 137 ] || r=$capsize
	killed $n
	if out=$(chk loss "$tmp/full" "$tmp/$n" $r $capsize); then
		echo "killtest: $n: $out"
		ok
	else
		bad "$n: $out"
	fi
	echo "killtest: $n: checked at $(el)"
	rm -f "$db" "$db-wal" "$db-shm" "$tmp/$n".*
done

# ---- 2. a database made read-only during a flush ----------------------------
# chattr +i stops even root's writes through descriptors already open:
# set on the database and its WAL after the source is registered and
# before the first flush (at packet 1,000,000), cleared once otzone has
# reported the failed flush; the retry must then write everything.
if [ "$(id -u)" -ne 0 ] || ! command -v chattr >/dev/null 2>&1; then
	echo "killtest: not root or no chattr: read-only-during-flush skipped"
elif ! { rodir=$(mktemp -d) && : >"$rodir/imm" &&
    chattr +i "$rodir/imm" 2>/dev/null; }; then
	echo "killtest: chattr +i unsupported in ${TMPDIR:-/tmp}:" \
	    "read-only-during-flush skipped"
	rm -rf "$rodir"
else
	# on a disk: tmpfs may accept the flag without enforcing it
	chattr -i "$rodir/imm"
	n=read-only-during-flush
	db=$rodir/$n.db
	: >"$tmp/$n.err"
	"$otz" --db "$db" read "$cap" 2>"$tmp/$n.err" &
	pid=$!
	while kill -0 $pid 2>/dev/null && [ ! -s "$db-wal" ]; do
		sleep 0.01
	done
	sleep 0.1
	chattr +i "$db" "$db-wal" 2>/dev/null
	while kill -0 $pid 2>/dev/null && ! grep -q retrying "$tmp/$n.err"; do
		sleep 0.02
	done
	chattr -i "$db" "$db-wal" 2>/dev/null
	wait $pid
	rc=$?
	sed "s/^/killtest: $n: /" "$tmp/$n.err" | head -4
	if [ $rc -eq 0 ] && grep -q "^otzone: $db: .*(retrying)" "$tmp/$n.err"
	then ok; else
		bad "$n: exit $rc, want 0 after a reported, retried flush"
	fi
	# the cause is named, not only SQLite's "disk I/O error"
	if grep -q "^otzone: $db: .*is immutable or append-only" "$tmp/$n.err"
	then ok; else
		bad "$n: the message does not name the immutable file"
	fi
	chk dump "$otz" "$db" "$tmp/$n"
	if out=$(chk add /dev/null "$tmp/full" "$tmp/$n"); then ok; else
		bad "$n: not the complete inventory:"
		echo "$out" | sed 's/^/    /'
	fi
	rm -rf "$rodir"
	echo "killtest: $n: checked at $(el)"
fi

# ---- 3. full disk, read-only file system --------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	echo "killtest: not root: full-disk and read-only tests skipped"
elif ! unshare -m true 2>/dev/null; then
	echo "killtest: no mount namespace (unshare -m): full-disk and" \
	    "read-only tests skipped"
else
	small=$tmp/small.pcap
	python3 "$gen" "$small" --flood 20000 --seconds 4 >/dev/null ||
	    bad "gen_scan.py (small)"
	base=$top/pcaps/modbus-basic.pcap
	# references: the baseline alone, the baseline and the small capture
	"$otz" --db "$tmp/ref1.db" read --quiet "$base"
	chk dump "$otz" "$tmp/ref1.db" "$tmp/ref1"
	"$otz" --db "$tmp/ref2.db" read --quiet "$base"
	"$otz" --db "$tmp/ref2.db" read --quiet "$small"
	chk dump "$otz" "$tmp/ref2.db" "$tmp/ref2"
	mnt=$tmp/mnt
	mkdir "$mnt"
	# the script run in the namespace: NAME FREE_KB FREE_LATER
	cat >"$tmp/full.sh" <<'SH'
set -u
otz=$1 mnt=$2 base=$3 small=$4 free=$5 later=$6 out=$7
mount -t tmpfs -o size=64m tmpfs "$mnt" || exit 99
"$otz" --db "$mnt/db" read --quiet "$base" || exit 98
# fill the file system, then give back FREE KB
dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null
truncate -s "-${free}K" "$mnt/filler"
: >"$out.err"
"$otz" --db "$mnt/db" read "$small" 2>"$out.err" &
pid=$!
if [ "$later" = yes ]; then
	while kill -0 $pid 2>/dev/null && ! grep -q retrying "$out.err"; do
		sleep 0.05
	done
	rm -f "$mnt/filler"
fi
wait $pid
echo $? >"$out.rc"
rm -f "$mnt/filler"
cp "$mnt/db" "$out.db"
[ -f "$mnt/db-wal" ] && cp "$mnt/db-wal" "$out.db-wal"
umount "$mnt"
exit 0
SH
	# full, then freed: the retry succeeds with everything kept
	unshare -m sh "$tmp/full.sh" "$otz" "$mnt" "$base" "$small" 64 yes \
	    "$tmp/df1"
	rc=$(cat "$tmp/df1.rc" 2>/dev/null || echo none)
	sed 's/^/killtest: disk-full-then-freed: /' "$tmp/df1.err" | head -3
	if [ "$rc" = 0 ] && grep -q "^otzone: .*(retrying)" "$tmp/df1.err"
	then ok; else
		bad "disk-full-then-freed: exit $rc, want 0 after a reported retry"
	fi
	chk dump "$otz" "$tmp/df1.db" "$tmp/df1"
	if chk add /dev/null "$tmp/ref2" "$tmp/df1" >"$tmp/out"; then ok; else
		bad "disk-full-then-freed: not the undisturbed inventory:"
		sed 's/^/    /' "$tmp/out"
	fi
	# full for good: exit 2, one clear line, the baseline intact
	unshare -m sh "$tmp/full.sh" "$otz" "$mnt" "$base" "$small" 64 no \
	    "$tmp/df2"
	rc=$(cat "$tmp/df2.rc" 2>/dev/null || echo none)
	sed 's/^/killtest: disk-full: /' "$tmp/df2.err" | tail -2
	if [ "$rc" = 2 ] && grep -qE "^otzone: $mnt/db: .*full" "$tmp/df2.err"
	then ok; else
		bad "disk-full: exit $rc, want 2 and an 'otzone: $mnt/db: ...full' line"
	fi
	if out=$(chk integrity "$tmp/df2.db"); then ok; else
		bad "disk-full: $out"
	fi
	chk dump "$otz" "$tmp/df2.db" "$tmp/df2"
	if chk add /dev/null "$tmp/ref1" "$tmp/df2" >"$tmp/out"; then ok; else
		bad "disk-full: the baseline changed:"
		sed 's/^/    /' "$tmp/out"
	fi
	# read-only file system
	cat >"$tmp/ro.sh" <<'SH'
set -u
otz=$1 mnt=$2 base=$3 small=$4 out=$5
mount -t tmpfs -o size=8m tmpfs "$mnt" || exit 99
"$otz" --db "$mnt/db" read --quiet "$base" || exit 98
mount -o remount,ro "$mnt" || exit 97
"$otz" --db "$mnt/db" read "$small" 2>"$out.err"
echo $? >"$out.rc"
cp "$mnt/db" "$out.db"
umount "$mnt"
SH
	unshare -m sh "$tmp/ro.sh" "$otz" "$mnt" "$base" "$small" "$tmp/ro"
	rc=$(cat "$tmp/ro.rc" 2>/dev/null || echo none)
	sed 's/^/killtest: read-only: /' "$tmp/ro.err" | tail -2
	if [ "$rc" = 2 ] &&
	    grep -q "^otzone: $mnt/db: .*$mnt is on a read-only file system" \
	    "$tmp/ro.err"; then
		ok
	else
		bad "read-only: exit $rc, want 2 and an 'otzone: $mnt/db: ..." \
		    "$mnt is on a read-only file system' line"
	fi
	chk dump "$otz" "$tmp/ro.db" "$tmp/ro"
	if chk add /dev/null "$tmp/ref1" "$tmp/ro" >"$tmp/out"; then ok; else
		bad "read-only: the database changed:"
		sed 's/^/    /' "$tmp/out"
	fi
fi
echo "killtest: $(el) in all"
echo "killtest: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/sh
# check.sh OTZONE: bounded memory under a scan.  gen_scan.py writes a
# SYN flood from 1,000,000 distinct source addresses with a legitimate
# plant conversation inside it; `otzone read` with its default caps must
#  - finish (exit 0) with a peak RSS under SCAN_MAX_RSS_MB (256; not
#    checked under ASan, whose shadow memory is not otzone's);
#  - report the caps it hit ("dropped by caps" in the summary line);
#  - inventory the plant exactly as when the plant is read alone: every
#    plant flow with the same counters and operations (frame numbers
#    mapped to the larger capture), every plant asset the same (the two
#    flood targets' packet and byte counts and times aside).
# Prints the caps, the peak RSS, the evictions and the run times.
set -u
otz=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
maxrss=${SCAN_MAX_RSS_MB:-256}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "scan: FAIL: $*"; fail=$((fail + 1)); }
now() { date +%s%N; }
ms() { echo $((($(now) - $1) / 1000000)); }

t=$(now)
if ! python3 "$top/tests/scan/gen_scan.py" "$tmp/scan.pcap" \
    --plant "$tmp/plant.pcap" --map "$tmp/map.json" >"$tmp/gen.log" 2>&1
then
	cat "$tmp/gen.log"
	echo "scan: 0 passed, 1 failed (gen_scan.py)"
	exit 1
fi
echo "scan: $(cat "$tmp/gen.log") in $(ms $t) ms"

# the default caps, as otzone documents them
"$otz" help 2>&1 | grep -E -- '--(max-conns|max-assets|reasm-bytes)' |
    sed 's/^ */scan: cap: /'

asan=0
if command -v ldd >/dev/null 2>&1 && ldd "$otz" 2>/dev/null |
    grep -q libasan; then
	asan=1
fi
timecmd=
[ -x /usr/bin/time ] && timecmd="/usr/bin/time -f %M -o $tmp/rss"
t=$(now)
$timecmd "$otz" --db "$tmp/scan.db" read "$tmp/scan.pcap" 2>"$tmp/err"
rc=$?
el=$(ms $t)
sed 's/^/scan: /' "$tmp/err" | head -5
if [ $rc -eq 0 ]; then ok; else bad "otzone read exited $rc"; fi
rss=0
[ -n "$timecmd" ] && rss=$(tail -1 "$tmp/rss" | tr -dc 0-9)
[ -n "$rss" ] || rss=0
evicted=$(sed -n 's/.* \([0-9][0-9]*\) dropped by caps.*/\1/p' "$tmp/err")
echo "scan: read in $el ms, peak RSS $((rss / 1024)) MB" \
    "(limit $maxrss MB), dropped by caps: ${evicted:-?}"
if [ -z "$timecmd" ]; then
	echo "scan: /usr/bin/time missing: peak RSS not checked"
elif [ $asan -eq 1 ]; then
	echo "scan: ASan build: peak RSS not checked"
elif [ "$rss" -gt $((maxrss * 1024)) ]; then
	bad "peak RSS $((rss / 1024)) MB > $maxrss MB"
else
	ok
fi
if [ "${evicted:-0}" -gt 0 ]; then ok; else
	bad "no caps hit: the flood should have filled the connection table"
fi

"$otz" --db "$tmp/plant.db" --quiet read "$tmp/plant.pcap" ||
    bad "reading the plant alone failed"
for db in plant scan; do
	# only the plant's addresses (10.10.0.0/16) matter; the scan's
	# 11.0.0.0/8 sources are left out before parsing
	"$otz" --db "$tmp/$db.db" flows --format json |
	    grep '"client":"10\.10\.' >"$tmp/$db.flows"
	"$otz" --db "$tmp/$db.db" assets --format json |
	    grep '"ip":"10\.10\.' >"$tmp/$db.assets"
done
t=$(now)
python3 - "$tmp" <<'PY' >"$tmp/cmp" 2>&1
import json, sys
d = sys.argv[1]
m = json.load(open(d + '/map.json'))
frames, targets = m['frames'], set(m['targets'])


def load(name):
    out = []
    for line in open(d + '/' + name):
        line = line.strip().rstrip(',')
        if line.startswith('{'):
            out.append(json.loads(line))
    return out


def key(f):
    return (f['client'], f['server'], f['vlan'], f['transport'],
            f['server_port'], f['protocol'])


def remap(f):
    f = json.loads(json.dumps(f))
    f['evidence']['frame'] = frames[f['evidence']['frame'] - 1]
    f['evidence'].pop('source', None)
    for o in f['operations']:
        o['first_frame'] = frames[o['first_frame'] - 1]
    return f


pa = load('plant.assets')
ips = {a['ip'] for a in pa}
sf = {key(f): f for f in load('scan.flows')
      if f['client'] in ips and f['server'] in ips}
sa = {a['ip']: a for a in load('scan.assets')}
bad = 0
for f in load('plant.flows'):
    g = sf.pop(key(f), None)
    if g is None:
        print('cap-starvation: plant flow %s -> %s %s/%d %s missing' %
              (f['client'], f['server'], f['transport'], f['server_port'],
               f['protocol']))
        bad += 1
        continue
    g['evidence'].pop('source', None)
    r = remap(f)
    for k in sorted(set(r) | set(g)):
        if r.get(k) != g.get(k):
            print('plant flow %s -> %s %s: %s %s, alone %s' %
                  (f['client'], f['server'], f['protocol'], k,
                   str(g.get(k))[:160], str(r.get(k))[:160]))
            bad += 1
for k in sf:
    print('extra flow between plant hosts: %s' % (k,))
    bad += 1
for a in pa:
    b = sa.get(a['ip'])
    if b is None:
        print('cap-starvation: plant asset %s missing' % a['ip'])
        bad += 1
        continue
    for k in sorted(set(a) | set(b)):
        if a['ip'] in targets and k in ('packets', 'bytes', 'first_seen',
                                         'last_seen'):
            continue
        if a.get(k) != b.get(k):
            print('plant asset %s: %s %s, alone %s' %
                  (a['ip'], k, str(b.get(k))[:160], str(a.get(k))[:160]))
            bad += 1
print('compared %d plant flows, %d plant assets: %d differences' %
      (len(load('plant.flows')), len(pa), bad))
sys.exit(1 if bad else 0)
PY
if [ $? -eq 0 ]; then ok; else
	bad "the plant is not inventoried as when read alone:"
	sed 's/^/    /' "$tmp/cmp" | head -20
fi
tail -1 "$tmp/cmp" | sed 's/^/scan: /'
echo "scan: $pass passed, $fail failed"
[ $fail -eq 0 ]

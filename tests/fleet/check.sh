#!/bin/sh
# check.sh OTZONE: two sensors, one site.  The test makes a network
# namespace with two veth pairs (a0/a1, b0/b1) and a PostgreSQL server
# on its loopback (tests/central/pglib.sh).  pcaps/plant-cells.pcap is
# split by cell (tests/merge/split.py: cells 1-3 and the supervisory
# network's own traffic to sensor-a, cells 4-6 to sensor-b, each flow in
# exactly one half); tcpreplay plays both halves at the same time, one
# into each pair, while two `otzone sensor`s capture them and push to
# the server, which is stopped for part of the replay and restarted.
# Then three views of the plant must agree:
#   (1) `otzone merge` of the two sensors' SQLite databases,
#   (2) `otzone --db postgresql://...` (the central store),
#   (3) `otzone read` of the whole capture by one sensor,
# on assets, flows (with operation counts), zones and findings (`check
# --policy tests/merge/cells.yaml`).
# (1) and (2) are built from the same sensors' rows: they must be equal
# byte for byte (JSON), evidence and times included.  Against (3) these
# fields may differ, and only these (tests/fleet/same.py --loose):
#   - first_seen / last_seen: a live sensor stamps packets with the time
#     of the replay, the offline read with the capture's own times;
#   - evidence.frame and first_frame: the number of a frame in the half
#     one sensor saw, not in the whole capture;
#   - evidence.source: "iface:a0" (the sensor's interface) instead of the
#     capture's path.
# Sensor names appear in none of these outputs.  Exact counts are checked
# too: assets, flows, operations, zones and findings.
# Needs root, ip(8), tcpreplay, python3 and Debian's postgresql; skipped
# with a line otherwise.
set -u
otz=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/fleet
. "$top/tests/central/pglib.sh"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "fleet: FAIL: $*"; fail=$((fail + 1)); }
finish() {
	echo "fleet: $pass passed, $fail failed"
	[ $fail -eq 0 ]
	exit $?
}

if [ "$(id -u)" -ne 0 ]; then
	echo "fleet: SKIP: not root (needs a network namespace)"
	finish
fi
for t in ip tcpreplay python3 runuser; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "fleet: SKIP: $t not installed"
		finish
	fi
done
if ! pg_find; then
	echo "fleet: SKIP: PostgreSQL server not installed (/usr/lib/postgresql/*/bin/initdb; Debian package postgresql)"
	finish
fi

tmp=$(mktemp -d /tmp/otz-fleet.XXXXXX)
chmod 755 "$tmp"
ns=otzf$$
pgns=$ns
pa=
pb=
ra=
rb=
cleanup() {
	for p in $pa $pb $ra $rb; do kill -9 "$p" 2>/dev/null; done
	pg_down
	ip netns del "$ns" 2>/dev/null
	[ -n "${OTZ_KEEP:-}" ] && echo "fleet: kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

if ! ip netns add "$ns" 2>"$tmp/err"; then
	echo "fleet: SKIP: cannot create a network namespace: $(cat "$tmp/err")"
	finish
fi
nsx() { ip netns exec "$ns" "$@"; }
# the CLI in the namespace (the server listens there), its temporary
# copies in a directory of the test's, checked empty at the end
cli() { nsx env TMPDIR="$tmp/clitmp" "$otz" "$@"; }
mkdir -p "$tmp/clitmp"
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1
nsx sysctl -qw net.ipv6.conf.default.disable_ipv6=1
nsx ip link set lo up
for s in a b; do
	nsx ip link add ${s}0 type veth peer name ${s}1
	for i in ${s}0 ${s}1; do
		nsx ip link set $i mtu 9000
		nsx ip link set $i up
	done
done

pw=otz-Fleet-0123456789
if ! pg_init "$tmp/pg" "$pw"; then
	bad "initdb failed"
	finish
fi
pg_up || { bad "server start"; finish; }
url="postgresql://otzone@127.0.0.1:$pgport/postgres"
printf '%s\n' "$pw" >"$tmp/pw"
chmod 600 "$tmp/pw"
printf '127.0.0.1:%s:*:otzone:%s\n' "$pgport" "$pw" >"$tmp/pgpass"
chmod 600 "$tmp/pgpass"
export PGPASSFILE="$tmp/pgpass"

pcap=$top/pcaps/plant-cells.pcap
policy=$top/tests/merge/cells.yaml
split=$(python3 "$top/tests/merge/split.py" "$pcap" "$tmp/a.pcap" "$tmp/b.pcap" \
	--a 10.20.1.,10.20.2.,10.20.3. --b 10.20.4.,10.20.5.,10.20.6.)
set -- $split
na=$(($1 + $3))
nb=$2
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] && ok || bad "split: $split"

# conf SENSOR IFACE PORT
conf() {
	mkdir -p "$tmp/$1"
	chown nobody "$tmp/$1"
	cat >"$tmp/$1.conf" <<EOF
name: sensor-$1
capture:
  interfaces: [$2]
database: $tmp/$1/otzone.db
user: nobody
log_level: debug
flush_interval: 1
limits:
  tcp_timeout: 8
  udp_timeout: 8
api:
  port: $3
central:
  url: $url
  password_file: $tmp/pw
  timeout: 2
  retry_max: 1
EOF
}
conf a a0 18081
conf b b0 18082
health() { # health PORT EXPR [TIMEOUT]
	p=$1
	shift
	nsx python3 "$top/tests/central/wait.py" "http://127.0.0.1:$p/healthz" "$@"
}
ip netns exec "$ns" "$otz" sensor -c "$tmp/a.conf" 2>"$tmp/a.log" &
pa=$!
ip netns exec "$ns" "$otz" sensor -c "$tmp/b.conf" 2>"$tmp/b.log" &
pb=$!
if ! health 18081 'j["status"] == "ok"' 10 >/dev/null ||
	! health 18082 'j["status"] == "ok"' 10 >/dev/null; then
	bad "the sensors did not come up: $(tail -2 "$tmp/a.log" "$tmp/b.log")"
	finish
fi

# both halves at once, twice the capture's rate; the server down for a
# few seconds in the middle
ip netns exec "$ns" tcpreplay -q -i a1 --multiplier 2 "$tmp/a.pcap" >/dev/null 2>&1 &
ra=$!
ip netns exec "$ns" tcpreplay -q -i b1 --multiplier 2 "$tmp/b.pcap" >/dev/null 2>&1 &
rb=$!
sleep 2
pg_down
sleep 4
health 18081 'not j["central"]["up"] and j["central"]["pending"] > 0' 5 >/dev/null &&
	health 18082 'not j["central"]["up"] and j["central"]["pending"] > 0' 5 >/dev/null &&
	ok || bad "server down: the sensors did not queue"
pg_up || bad "server restart"
wait "$ra"
wait "$rb"
ra=
rb=
for x in "18081 $na" "18082 $nb"; do
	set -- $x
	health "$1" "j[\"settled\"] and j[\"packets\"] == $2 and j[\"central\"][\"up\"] and j[\"central\"][\"pending\"] == 0" 40 \
		>"$tmp/h.json" && ok || bad "port $1: did not capture $2 packets, settle and catch up: $(cat "$tmp/h.json")"
done
for p in $pa $pb; do
	kill -TERM "$p"
	wait "$p"
	r=$?
	[ $r -eq 0 ] && ok || bad "sensor $p: exit $r"
done
pa=
pb=
for s in a b; do
	python3 "$top/tests/central/compare.py" "$tmp/$s/otzone.db" "$pgdir/sock" \
		"$pgport" >"$tmp/cmp.out" && ok ||
		{ bad "sensor-$s: PostgreSQL differs from its SQLite"; cat "$tmp/cmp.out"; }
done
n=$(pg_sql "SELECT string_agg(name, ',' ORDER BY name) FROM otzone_sensors")
[ "$n" = "sensor-a,sensor-b" ] && ok || bad "sensors in PostgreSQL: '$n'"

# ---- the three views ------------------------------------------------------
"$otz" --db "$tmp/whole.db" --quiet read "$pcap" || bad "offline read"
"$otz" merge "$tmp/a/otzone.db" "$tmp/b/otzone.db" --db "$tmp/site.db" \
	2>"$tmp/merge.err" && ok || bad "merge: $(cat "$tmp/merge.err")"
views() { # views NAME DB
	for c in assets flows zones; do
		"$otz" --db "$2" $c --format json >"$tmp/$1-$c.json" 2>"$tmp/$1-$c.err"
		echo $? >"$tmp/$1-$c.rc"
	done
	"$otz" --db "$2" check --policy "$policy" --format json \
		>"$tmp/$1-check.json" 2>"$tmp/$1-check.err"
	echo $? >"$tmp/$1-check.rc"
}
views whole "$tmp/whole.db"
views merged "$tmp/site.db"
# the read commands run in the namespace: the server listens there
for c in assets flows zones; do
	cli --db "$url" $c --format json >"$tmp/central-$c.json" 2>"$tmp/central-$c.err"
	echo $? >"$tmp/central-$c.rc"
done
cli --db "$url" check --policy "$policy" --format json \
	>"$tmp/central-check.json" 2>"$tmp/central-check.err"
echo $? >"$tmp/central-check.rc"

for c in assets flows zones check; do
	want=0
	[ $c = check ] && want=1
	for v in whole merged central; do
		r=$(cat "$tmp/$v-$c.rc")
		[ "$r" = "$want" ] && ok || bad "$v $c: exit $r: $(cat "$tmp/$v-$c.err")"
	done
	# (1) and (2): identical, byte for byte
	cmp -s "$tmp/merged-$c.json" "$tmp/central-$c.json" && ok ||
		{ bad "$c: merge and central differ"; python3 "$here/same.py" "$c" \
			"$tmp/merged-$c.json" "$tmp/central-$c.json"; }
	# (1) against (3): equal but for times, frame numbers and source
	python3 "$here/same.py" "$c" "$tmp/merged-$c.json" "$tmp/whole-$c.json" \
		--loose >"$tmp/same.out" && ok ||
		{ bad "$c: the sensors' site differs from one sensor that saw everything"; cat "$tmp/same.out"; }
done

# report: made from the central store, naming it (not the temporary copy)
cli --db "$url" report --policy "$policy" -o "$tmp/central.html" \
	2>"$tmp/report.err"
r=$?
[ $r -eq 0 ] && grep -q "database <code>postgresql://otzone@127.0.0.1:$pgport/postgres</code>" \
	"$tmp/central.html" && ! grep -q "otzone-central\." "$tmp/central.html" &&
	grep -q "<svg" "$tmp/central.html" && ok ||
	bad "report from the central store: exit $r: $(cat "$tmp/report.err")"

# exact counts, the same in all three
counts() {
	python3 - "$tmp/$1-assets.json" "$tmp/$1-flows.json" "$tmp/$1-zones.json" \
		"$tmp/$1-check.json" <<'EOF'
import json, sys
a, f, z, c = (json.load(open(p)) for p in sys.argv[1:5])
ops = sum(o["count"] for x in f for o in x["operations"])
print(len(a), len(f), ops, len(z["zones"]), len(z["conduits"]),
      len(c["violations"]))
EOF
}
cw=$(counts whole)
cm=$(counts merged)
cc=$(counts central)
echo "fleet: assets flows operations zones conduits findings: whole $cw, merged $cm, central $cc"
[ "$cw" = "$cm" ] && [ "$cw" = "$cc" ] && ok || bad "counts differ"
set -- $cw
[ "$6" -eq 13 ] && ok || bad "want 13 findings with cells.yaml, got $6"
[ "$1" -gt 30 ] && [ "$2" -gt 30 ] && [ "$3" -gt 100 ] && ok ||
	bad "too little traffic to compare: $cw"
[ -z "$(ls -A "$tmp/clitmp")" ] && ok || bad "the CLI left $(ls "$tmp/clitmp") behind in TMPDIR"

finish

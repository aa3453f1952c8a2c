#!/bin/sh
# tests/zones/check.sh OTZONE: `otzone zones` end to end (make check).
#
# For each plant with known zones (the three bundled in pcaps/, and two
# generated here by tests/gen/plants.py: subnets that lie, ~200 assets):
#   - read into a fresh database, `zones --format json` twice: identical;
#   - adjusted Rand index against the truth >= 0.9 (printed);
#   - `--format svg` parses as XML with one cluster per zone;
#   - `--emit-policy` declares every asset once, every zone and conduit,
#     default deny; twice: identical;
#   - round trip: `otzone check` with that policy finds nothing (exit 0);
#   - every run stored a proposal (proposals, zones, zone_members,
#     conduits);
# then the error paths: one line "otzone: zones: ...", exit status 2.
# Prints "zones: N passed, M failed" and exits non-zero on a failure.
set -u
otz=${1:?usage: tests/zones/check.sh OTZONE}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	echo "zones: FAIL: $*"
	fail=$((fail + 1))
}
if ! command -v python3 >/dev/null 2>&1; then
	echo "zones: SKIP: python3 not installed"
	echo "zones: 0 passed, 0 failed"
	exit 0
fi
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
have_dot=1
command -v dot >/dev/null 2>&1 || {
	have_dot=0
	echo "zones: SKIP: svg checks (Graphviz dot not installed)"
}

if python3 tests/zones/ari.py selftest >/dev/null; then ok; else
	bad "ari.py selftest"; fi
if python3 tests/gen/plants.py extra -o "$tmp/gen" >/dev/null; then ok; else
	bad "tests/gen/plants.py extra"; fi

count() { # count DB SQL
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute(sys.argv[2]).fetchone()[0])' "$1" "$2"
}

for p in pcaps/plant-flat pcaps/plant-routed pcaps/plant-cells \
    "$tmp/gen/plant-flat-bytype" "$tmp/gen/plant-large"; do
	n=$(basename "$p")
	db="$tmp/$n.db"
	out="$tmp/$n"
	if [ ! -f "$p.pcap" ]; then
		bad "$n: $p.pcap missing"
		continue
	fi
	if ! "$otz" --quiet --db "$db" read "$p.pcap" >/dev/null; then
		bad "$n: otzone read"
		continue
	fi
	"$otz" --db "$db" zones --format json >"$out.1.json" &&
	    "$otz" --db "$db" zones --format json >"$out.2.json" ||
	    { bad "$n: zones --format json failed"; continue; }
	if cmp -s "$out.1.json" "$out.2.json"; then ok; else
		bad "$n: two runs give different JSON"; fi
	if python3 tests/zones/ari.py score "$p.truth.json" "$out.1.json" \
	    --min 0.9; then ok; else bad "$n: ARI below 0.9"; fi
	nz=$(python3 -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["zones"]))' "$out.1.json")
	if [ "$have_dot" = 1 ]; then
		if "$otz" --db "$db" zones --format svg >"$out.svg" &&
		    python3 tests/zones/ari.py svg "$out.svg" "$nz"; then ok
		else bad "$n: --format svg"; fi
	fi
	if "$otz" --db "$db" zones --format dot >"$out.dot" &&
	    grep -q '^digraph otzone_zones {' "$out.dot" &&
	    [ "$(grep -c 'subgraph cluster_z' "$out.dot")" = "$nz" ]; then ok
	else bad "$n: --format dot"; fi
	if "$otz" --db "$db" zones --emit-policy >"$out.yaml" &&
	    "$otz" --db "$db" zones --emit-policy -o "$out.2.yaml" \
	    >"$out.table" &&
	    "$otz" --db "$db" assets --format json >"$out.assets.json" &&
	    python3 tests/zones/ari.py policy "$out.yaml" "$out.1.json" \
	    "$out.assets.json" >/dev/null; then ok
	else bad "$n: --emit-policy does not declare the proposal"; fi
	if cmp -s "$out.yaml" "$out.2.yaml"; then ok; else
		bad "$n: two policies differ"; fi
	# with the policy in a file, the proposal still goes to stdout
	if head -1 "$out.table" | grep -q 'LEVEL SL-T ASSETS'; then ok; else
		bad "$n: no table on stdout with --emit-policy -o"; fi
	"$otz" --db "$db" check --policy "$out.yaml" >"$out.check" \
	    2>"$out.check.err"
	rc=$?
	if [ $rc -eq 0 ]; then ok
	elif grep -q 'not available' "$out.check.err"; then
		echo "zones: SKIP: $n: round trip (otzone check not built)"
	else
		bad "$n: round trip: otzone check exit $rc with the emitted" \
		    "policy"
		head -5 "$out.check" "$out.check.err"
	fi
	np=$(count "$db" "SELECT count(*) FROM proposals")
	nzs=$(count "$db" "SELECT count(*) FROM zones WHERE proposal_id =
	    (SELECT max(id) FROM proposals)")
	nm=$(count "$db" "SELECT count(*) FROM zone_members m JOIN zones z
	    ON z.id = m.zone_id WHERE z.proposal_id =
	    (SELECT max(id) FROM proposals)")
	na=$(count "$db" "SELECT count(*) FROM assets")
	if [ "$np" -ge 5 ] && [ "$nzs" = "$nz" ] && [ "$nm" = "$na" ]; then ok
	else bad "$n: stored $np proposals, $nzs zones, $nm members" \
	    "(want >= 5, $nz, $na)"; fi
done

# Errors: one line, exit 2, nothing printed on stdout.
db="$tmp/plant-flat.db"
expect_err() { # expect_err WHAT PATTERN -- ARGS...
	what=$1
	pat=$2
	shift 3
	"$@" >"$tmp/e.out" 2>"$tmp/e.err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/e.err")" -eq 1 ] &&
	    grep -q "^otzone: zones: .*$pat" "$tmp/e.err" &&
	    [ ! -s "$tmp/e.out" ]; then ok
	else
		bad "$what: exit $rc, stderr: $(head -2 "$tmp/e.err")"
	fi
}
expect_err "missing database" "no such database" -- \
	"$otz" --db "$tmp/none.db" zones
echo "not a database" >"$tmp/text.db"
expect_err "not a database" "text.db" -- "$otz" --db "$tmp/text.db" zones
expect_err "csv" "csv is not available" -- \
	"$otz" --db "$db" zones --format csv
expect_err "extra argument" "unexpected argument" -- \
	"$otz" --db "$db" zones extra
expect_err "unwritable -o" "$tmp/no/dir/x.svg" -- \
	"$otz" --db "$db" zones --format json -o "$tmp/no/dir/x.svg"
expect_err "no dot" "graphviz" -- \
	env PATH=/nonexistent "$otz" --db "$db" zones --format svg
if [ -f "$db" ]; then
	chmod a-w "$db" "$tmp" 2>/dev/null
	if [ "$(id -u)" != 0 ]; then
		expect_err "read-only database" "cannot store" -- \
			"$otz" --db "$db" zones
	fi
	chmod u+w "$db" "$tmp" 2>/dev/null
fi

echo "zones: $pass passed, $fail failed"
[ $fail -eq 0 ]

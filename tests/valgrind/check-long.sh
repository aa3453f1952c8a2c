#!/bin/sh
# check-long.sh OTZONE: valgrind memcheck over `otzone read` of every
# capture in pcaps/ and, when present, ../shared/pcaps (one fresh
# database each), then over `otzone assets` and `otzone flows` of a
# database holding all of them.  Any invalid read or write, use of
# uninitialised memory, or definite/indirect leak fails the file
# (--error-exitcode); the memcheck summary of a failing run is printed.
# A few minutes; run by make check-long.  Valgrind and ASan do not mix:
# given an ASan binary, the plain build/otzone is used instead.
set -u
otz=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
t0=$(date +%s)

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: not installed (apt-get install valgrind): skipped"
	echo "valgrind: 0 passed, 0 failed"
	exit 0
fi
if ldd "$otz" 2>/dev/null | grep -q libasan; then
	if [ -x "$top/build/otzone" ] &&
	    ! ldd "$top/build/otzone" | grep -q libasan; then
		echo "valgrind: $otz is an ASan build: using build/otzone"
		otz=$top/build/otzone
	else
		echo "valgrind: $otz is an ASan build and there is no plain" \
		    "build/otzone (make): skipped"
		echo "valgrind: 0 passed, 0 failed"
		exit 0
	fi
fi

vg() {
	log=$1
	shift
	valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
	    --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --num-callers=24 \
	    --log-file="$log" "$@"
}

# run NAME WANT CMD...: memcheck over one command
run() {
	name=$1 want=$2
	shift 2
	s=$(date +%s%N)
	vg "$tmp/vg.log" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	ms=$((($(date +%s%N) - s) / 1000000))
	if [ $rc -eq 99 ]; then
		echo "valgrind: FAIL: $name: memcheck errors:"
		# each error's record: from its first line to the blank one
		sed -n '/Invalid\|uninitialised\|definitely lost\|indirectly lost\|Mismatched\|overlap/,/^==[0-9]*== $/p' \
		    "$tmp/vg.log" | head -60
		grep 'ERROR SUMMARY' "$tmp/vg.log"
		cp "$tmp/vg.log" "$tmp/../otzone-valgrind-$$.log" 2>/dev/null &&
		    echo "    (whole log: $tmp/../otzone-valgrind-$$.log)"
		fail=$((fail + 1))
	elif [ $rc -ne "$want" ]; then
		echo "valgrind: FAIL: $name: exit $rc, want $want"
		head -3 "$tmp/err"
		fail=$((fail + 1))
	else
		echo "valgrind: $name: clean ($ms ms)"
		pass=$((pass + 1))
	fi
}

set --
for d in "$top/pcaps" "$top/../shared/pcaps"; do
	if [ ! -d "$d" ]; then
		echo "valgrind: $d absent: skipped"
		continue
	fi
	for f in "$d"/*.pcap "$d"/*.pcapng; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
done
for f in "$@"; do
	rm -f "$tmp/one.db"*
	run "read $(basename "$f")" 0 "$otz" --db "$tmp/one.db" --quiet \
	    read "$f"
done
# everything in one database, and the output commands over it
if [ $# -gt 0 ]; then
	"$otz" --db "$tmp/all.db" --quiet read "$@" 2>/dev/null
	run "assets (all captures)" 0 "$otz" --db "$tmp/all.db" assets \
	    --format json
	run "flows (all captures)" 0 "$otz" --db "$tmp/all.db" flows \
	    --format json
fi
echo "valgrind: $# captures, $(($(date +%s) - t0)) s in all"
echo "valgrind: $pass passed, $fail failed"
[ $fail -eq 0 ]

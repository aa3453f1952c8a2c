#!/bin/sh
# check.sh OTZONE: the hostile-capture corpus (tests/hostile/gen.py).
#
# For each case of the generated MANIFEST, `otzone read` into a fresh
# database must:
#  - exit as expected: 2 for a damaged file, 0 for a valid file with
#    hostile contents; never crash, never time out;
#  - when damaged, print an "otzone: FILE: ..." line matching the case's
#    pattern;
#  - keep what came before the damage: the assets and flows (JSON) equal
#    those of the case's undamaged prefix, read through the same path;
#  - print no sanitizer report (make SAN=address,undefined check runs this
#    with the ASan/UBSan binary);
#  - finish within HOSTILE_MAX_SECONDS (default 5) and pass the case's
#    extra checks (operation counts, truncation counted, peak RSS).
set -u
otz=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
maxs=${HOSTILE_MAX_SECONDS:-5}
# tmpfs when there is one: ~300 databases are created, and fsync on a
# disk doubles the run time
tmp=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
t0=$(date +%s)

bad() { echo "hostile: FAIL: $*"; fail=$((fail + 1)); }

if ! python3 "$top/tests/hostile/gen.py" "$tmp/c" >"$tmp/gen.log" 2>&1; then
	cat "$tmp/gen.log"
	echo "hostile: 0 passed, 1 failed (gen.py)"
	exit 1
fi
timecmd=
if [ -x /usr/bin/time ]; then
	timecmd="/usr/bin/time -f %M -o $tmp/rss"
fi
tab=$(printf '\t')
# the cases some other case compares with
cut -f5 "$tmp/c/MANIFEST" | grep -v '^-$' | sort -u >"$tmp/prefixes"
mkdir "$tmp/json"
maxrss=0
slowest=0
slowname=

# dump DB OUT: the contract's view of a database (OUT.a, OUT.f)
dump() {
	"$otz" --db "$1" assets --format json >"$2.a" 2>&1
	"$otz" --db "$1" flows --format json >"$2.f" 2>&1
}

# opcount FLOWS PROTO CODE: requests of that code over all flows
opcount() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
n = 0
for f in json.load(open(sys.argv[1])):
    for o in f.get('operations', []):
        if o['protocol'] == sys.argv[2] and o['code'] == int(sys.argv[3]):
            n += o['count']
print(n)
PY
}

while IFS="$tab" read -r name files rc pat prefix checks; do
	w=$tmp/w
	rm -rf "$w"
	mkdir "$w"
	# the same path for every case, so that evidence paths compare
	set --
	i=0
	oldifs=$IFS
	IFS=+
	for f in $files; do
		i=$((i + 1))
		if [ $i -eq 1 ]; then dst=$w/capture; else dst=$w/capture$i; fi
		cp "$tmp/c/$f" "$dst"
		set -- "$@" "$dst"
	done
	IFS=$oldifs
	start=$(date +%s%N)
	$timecmd timeout 120 "$otz" --db "$w/db" read "$@" \
	    >"$w/out" 2>"$w/err"
	got=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	if [ "$ms" -gt "$slowest" ]; then slowest=$ms; slowname=$name; fi
	rss=0
	[ -n "$timecmd" ] && rss=$(tail -1 "$tmp/rss" 2>/dev/null | tr -dc 0-9)
	[ -n "$rss" ] || rss=0
	[ "$rss" -gt "$maxrss" ] && maxrss=$rss
	ok=1
	if grep -qE 'Sanitizer|runtime error:|SUMMARY: ' "$w/err"; then
		bad "$name: sanitizer report:"
		grep -E 'ERROR|runtime error|SUMMARY|#[0-9]+ ' "$w/err" | head -20
		ok=0
	fi
	if [ "$got" -ne "$rc" ]; then
		if [ "$got" -eq 124 ]; then
			bad "$name: timed out (120 s)"
		elif [ "$got" -gt 128 ]; then
			bad "$name: killed by signal $((got - 128))"
		else
			bad "$name: exit $got, want $rc"
		fi
		sed 's/^/    /' "$w/err" | head -5
		ok=0
	fi
	if [ "$pat" != - ]; then
		p=$(printf '%s' "$pat" | sed -e "s|FILE2|$w/capture2|g" \
		    -e "s|FILE|$w/capture|g")
		if ! grep -qE "$p" "$w/err"; then
			bad "$name: no stderr line matching '$p':"
			sed 's/^/    /' "$w/err" | head -5
			ok=0
		fi
	fi
	if [ "$rc" -ne 0 ] && ! grep -q '^otzone: ' "$w/err"; then
		bad "$name: damaged, but no 'otzone:' line"
		ok=0
	fi
	if [ "$ms" -gt $((maxs * 1000)) ]; then
		bad "$name: took $ms ms (limit ${maxs}s)"
		ok=0
	fi
	need_json=0
	[ "$prefix" != - ] && need_json=1
	grep -qxF "$name" "$tmp/prefixes" && need_json=1
	case " $checks " in *" op="*) need_json=1 ;; esac
	if [ $need_json -eq 1 ]; then
		dump "$w/db" "$tmp/json/$name"
	fi
	if [ "$prefix" != - ]; then
		if [ ! -f "$tmp/json/$prefix.a" ]; then
			bad "$name: prefix case $prefix not run before it"
			ok=0
		elif ! cmp -s "$tmp/json/$prefix.a" "$tmp/json/$name.a" ||
		    ! cmp -s "$tmp/json/$prefix.f" "$tmp/json/$name.f"; then
			bad "$name: differs from its undamaged prefix $prefix:"
			for x in a f; do
				diff "$tmp/json/$prefix.$x" "$tmp/json/$name.$x"
			done | head -6 | cut -c1-300
			ok=0
		fi
	fi
	for ck in $checks; do
		case $ck in
		-) ;;
		truncated\>0)
			# the summary line counts the truncated packets
			if ! grep -qE ' [1-9][0-9]* truncated' "$w/err"; then
				bad "$name: no truncated packets counted:"
				tail -1 "$w/err"
				ok=0
			fi ;;
		rss\<*)
			lim=${ck#rss<}
			if [ -n "$timecmd" ] && [ "$rss" -gt $((lim * 1024)) ]; then
				bad "$name: peak RSS $((rss / 1024)) MB > $lim MB"
				ok=0
			fi ;;
		op=*)
			spec=${ck#op=}
			proto=${spec%%:*}
			rest=${spec#*:}
			code=${rest%%=*}
			want=${rest#*=}
			n=$(opcount "$tmp/json/$name.f" "$proto" "$code")
			if [ "$n" != "$want" ]; then
				bad "$name: $proto code $code counted $n times, want $want"
				ok=0
			fi ;;
		*)
			bad "$name: unknown check '$ck'"
			ok=0 ;;
		esac
	done
	[ $ok -eq 1 ] && pass=$((pass + 1))
done <"$tmp/c/MANIFEST"

echo "hostile: slowest case $slowname ${slowest} ms, peak RSS" \
    "$((maxrss / 1024)) MB, $(($(date +%s) - t0)) s in all"
echo "hostile: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# exact.sh REF_OTZONE NEW_OTZONE [CAPTURE...]: does a speed change leave
# every output as it was?  A developer's tool for performance work, not a
# test of `make check` (the tests there assert the behaviour itself).
#
# For every capture (default: pcaps/*.pcap, ../shared/pcaps/*, the
# hostile corpus of tests/hostile/gen.py and the bench inputs (a) and (b)
# when cached in ${OTZONE_BENCH_DIR:-/tmp/otzone-bench}), both binaries
# run `otzone read` into a fresh database, then `assets`, `flows` (JSON)
# and `zones --format json`; the exit status, stderr of the read and the
# three outputs must be byte-identical.  Prints one line per difference
# and a closing "exact: N same, M differ".
set -u
ref=$1
new=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ $# -eq 0 ]; then
	set -- "$top"/pcaps/*.pcap
	if [ -d "$top/../shared/pcaps" ]; then
		for f in "$top"/../shared/pcaps/*; do
			case $f in *.tsv|*.md|*.txt) continue ;; esac
			set -- "$@" "$f"
		done
	else
		echo "exact: ../shared/pcaps absent: skipping the real captures"
	fi
	if python3 "$top/tests/hostile/gen.py" "$tmp/h" >/dev/null 2>&1; then
		for f in "$tmp"/h/*; do
			case $f in *MANIFEST*) continue ;; esac
			[ -f "$f" ] && set -- "$@" "$f"
		done
	fi
	bd=${OTZONE_BENCH_DIR:-/tmp/otzone-bench}
	for f in "$bd/a-polling.pcap" "$bd/b-mixed.pcap" "$bd/d-onedir.pcap"; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
fi
same=0
differ=0
run() { # BIN TAG FILE
	db=$tmp/$2.db
	rm -f "$db" "$db"-wal "$db"-shm
	"$1" --db "$db" --quiet read "$3" >"$tmp/$2.out" 2>"$tmp/$2.err"
	echo "exit $?" >>"$tmp/$2.out"
	for c in assets flows; do
		"$1" --db "$db" $c --format json >>"$tmp/$2.out" 2>&1
	done
	"$1" --db "$db" zones --format json >>"$tmp/$2.out" 2>&1
	sed "s|$db|DB|g" "$tmp/$2.err" >>"$tmp/$2.out"
}
for f in "$@"; do
	run "$ref" r "$f"
	run "$new" n "$f"
	if cmp -s "$tmp/r.out" "$tmp/n.out"; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
		echo "exact: DIFFERS: $f"
		diff "$tmp/r.out" "$tmp/n.out" | head -${EXACT_DIFF_LINES:-10}
	fi
done
echo "exact: $same same, $differ differ"
[ "$differ" -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# run.sh BUILD: `make bench`.  Figures, not tests: nothing here fails on a
# slow run, and none of it is part of `make check`.
#
# 1. Generates the inputs with tests/bench/gen_inputs.py into a cache
#    outside the repository (${OTZONE_BENCH_DIR:-/tmp/otzone-bench}),
#    reusing what is already there: (a) OT polling, (b) OT + IT mix with
#    OPC UA bulk transfers, (c) a 1M-source scan with a SYN flood and a
#    legitimate plant conversation, (d) (b) with the server side of every
#    TCP stream removed, a 10,000-asset / 100,000-edge graph, and a
#    one-frame capture for each tool's start-up cost.
# 2. For each of (a)-(d), in this one invocation: the bare libpcap loop
#    (BUILD/tools/pcaploop), `otzone read` into a fresh database,
#    ndpiReader, tshark (full dissection: -z io,phs) and zeek when
#    installed; each pinned to core 0 (taskset), the best of
#    OTZONE_BENCH_REPEAT runs (default 3; ndpiReader as many, tshark and zeek
#    once), CPU time and peak RSS
#    from wait4().  On (c), checks that the legitimate flows are all in
#    the inventory.
# 3. The 1 -> 2 core figure: (a) and (b) split in two by a symmetric
#    5-tuple hash, one `otzone read` per core started together
#    (OTZONE_BENCH_SCALING=0 skips it).
# 4. Times the analysis on the 10,000-asset / 100,000-edge graph: the
#    commands end to end, and the pure functions alone (zones_bench,
#    graph_bench).
# 5. Prints the table and writes it, with the machine, to
#    ${OTZONE_BENCH_OUT:-docs/bench-results.md}.
# 6. The live-capture test, tests/bench/live.sh (OTZONE_BENCH_LIVE=0
#    skips it).
#
# Environment: OTZONE_BENCH_DIR, OTZONE_BENCH_OUT, OTZONE_BENCH_REPEAT,
# OTZONE_BENCH_PEERS (default "ndpiReader tshark zeek"; "" for none),
# OTZONE_BENCH_INPUTS (default "a b c d"), OTZONE_BENCH_LIVE,
# OTZONE_BENCH_PACKETS_A (2000000), OTZONE_BENCH_PACKETS_B (1000000),
# OTZONE_BENCH_SOURCES (1000000), OTZONE_BENCH_SCALING (1), and for
# live.sh OTZONE_LIVE_SECONDS, OTZONE_LIVE_PPS, OTZONE_LIVE_TRIES,
# OTZONE_LIVE_SENDER (blast, the default when BUILD/tools/blast is
# built, or tcpreplay).

set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $BUILD in
/*) ;;
*) BUILD=$root/$BUILD ;;
esac
OTZ=$BUILD/otzone
LOOP=$BUILD/tools/pcaploop
dir=${OTZONE_BENCH_DIR:-/tmp/otzone-bench}
out=${OTZONE_BENCH_OUT:-$root/docs/bench-results.md}
repeat=${OTZONE_BENCH_REPEAT:-3}
peers=${OTZONE_BENCH_PEERS-ndpiReader tshark zeek}
inputs=${OTZONE_BENCH_INPUTS:-a b c d}
util="python3 $here/bench_util.py"

for f in "$OTZ" "$LOOP"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f missing (run make bench, or make all tools)" >&2
		exit 2
	fi
done
if ! command -v python3 >/dev/null 2>&1; then
	echo "bench: python3 is needed to generate the inputs" >&2
	exit 2
fi

mkdir -p "$dir" || exit 2
echo "bench: inputs in $dir (generated once, then reused)"
python3 "$here/gen_inputs.py" -d "$dir" \
    --packets-a "${OTZONE_BENCH_PACKETS_A:-2000000}" \
    --packets-b "${OTZONE_BENCH_PACKETS_B:-1000000}" \
    --sources "${OTZONE_BENCH_SOURCES:-1000000}" \
    $inputs graph one >/dev/null || exit 2

pin=
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
	pin="taskset -c 0"
fi
tsv=$dir/results.tsv
log=$dir/bench.log
work=$dir/work
rm -rf "$work"
mkdir -p "$work" || exit 2
: >"$tsv"
: >"$log"

# The machine.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
    head -n 1)
printf 'info\tdate\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" >>"$tsv"
printf 'info\tcores (nproc)\t%s\n' "$(nproc 2>/dev/null)" >>"$tsv"
printf 'info\tCPU\t%s\n' "${cpu:-unknown}" >>"$tsv"
printf 'info\tkernel\t%s\n' "$(uname -sr)" >>"$tsv"
printf 'info\tmemory\t%s\n' "$(awk '/^MemTotal/ {
    printf "%.1f GB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)" >>"$tsv"
printf 'info\tpinned\t%s\n' "${pin:-no (taskset missing)}" >>"$tsv"
printf 'info\tload average at start\t%s\n' \
    "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >>"$tsv"
printf 'info\totzone\t%s (git %s)\n' "$($OTZ --version 2>/dev/null)" \
    "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')" \
    >>"$tsv"
printf 'info\tlibpcap\t%s\n' "$(pkg-config --modversion libpcap \
    2>/dev/null || echo '?')" >>"$tsv"
for p in $peers; do
	if command -v "$p" >/dev/null 2>&1; then
		case $p in
		ndpiReader) v=$(ndpiReader -h 2>&1 |
		    sed -n 's/.*nDPI \([0-9.]*\).*/\1/p' | head -n 1) ;;
		tshark) v=$(tshark -v 2>/dev/null | head -n 1) ;;
		zeek) v=$(zeek --version 2>/dev/null) ;;
		*) v= ;;
		esac
		printf 'info\t%s\t%s\n' "$p" "${v:-installed}" >>"$tsv"
	else
		printf 'info\t%s\tnot installed: no figures\n' "$p" >>"$tsv"
	fi
done

file_of() {
	case $1 in
	a) echo "$dir/a-polling.pcap" ;;
	b) echo "$dir/b-mixed.pcap" ;;
	c) echo "$dir/c-scan.pcap" ;;
	d) echo "$dir/d-onedir.pcap" ;;
	startup) echo "$dir/one-frame.pcap" ;;
	esac
}

# measure INPUT TOOL REPEAT [--fresh DB] [--ok CODES] -- COMMAND...
measure() {
	m_in=$1
	m_tool=$2
	m_rep=$3
	shift 3
	$util run --tsv "$tsv" --log "$log" --input "$m_in" --tool "$m_tool" \
	    --repeat "$m_rep" "$@" || echo "bench: $m_in $m_tool failed" \
	    "(see $log)" >&2
}

peer() {
	p_in=$1
	p_rep=$2
	p_file=$3
	for p in $peers; do
		command -v "$p" >/dev/null 2>&1 || continue
		case $p in
		ndpiReader)
			measure "$p_in" ndpiReader "$p_rep" -- $pin ndpiReader \
			    -q -i "$p_file" ;;
		tshark)
			# -z io,phs dissects every frame fully (plain -q
			# skips most of the dissection).
			measure "$p_in" tshark 1 -- $pin tshark -n -q \
			    -r "$p_file" -z io,phs ;;
		zeek)
			mkdir -p "$work/zeek"
			measure "$p_in" zeek 1 --cwd "$work/zeek" -- $pin zeek \
			    -C -r "$p_file" ;;
		esac
	done
}

# Start-up cost of every tool (subtracted from its figures).
f=$(file_of startup)
measure startup pcaploop "$repeat" -- $pin "$LOOP" "$f"
measure startup otzone "$repeat" --fresh "$work/startup.db" -- $pin "$OTZ" \
    --db "$work/startup.db" --quiet read "$f"
peer startup "$repeat" "$f"

for i in $inputs; do
	f=$(file_of "$i")
	echo "bench: ($i) $(basename "$f")"
	cat "$f" >/dev/null # page cache: every tool reads from memory
	# packets and wire bytes, from the loop itself
	set -- $("$LOOP" "$f")
	printf 'count\t%s\t%s\t%s\n' "$i" "$2" "$4" >>"$tsv"
	measure "$i" pcaploop "$repeat" -- $pin "$LOOP" "$f"
	measure "$i" otzone "$repeat" --fresh "$work/$i.db" -- $pin "$OTZ" \
	    --db "$work/$i.db" --quiet read "$f"
	# ndpiReader gets as many runs as otzone (its best is compared
	# with otzone's best); tshark and zeek, 50x slower, run once
	peer "$i" "$repeat" "$f"
	if [ "$i" = c ]; then
		# The flood must not push the plant out of the inventory.
		r=$(python3 "$here/gen_inputs.py" check-scan "$OTZ" \
		    "$work/c.db" "$dir/c-scan.truth.json" | tail -n 1)
		echo "bench: $r"
		printf 'note\t(c) %s\n' "$r" >>"$tsv"
	fi
	rm -f "$work/$i.db" "$work/$i.db-wal" "$work/$i.db-shm"
done

# 1 -> 2 cores: (a) and (b) split by a symmetric 5-tuple hash, one
# otzone per core, started together (OTZONE_BENCH_SCALING=0 skips).
if [ "${OTZONE_BENCH_SCALING:-1}" != 0 ] && [ -n "$pin" ] &&
    taskset -c 1 true 2>/dev/null; then
	for i in a b; do
		case " $inputs " in *" $i "*) ;; *) continue ;; esac
		set -- $(python3 "$here/gen_inputs.py" -d "$dir" "$i.shards" |
		    tail -n 1)
		s0=$2
		s1=$3
		echo "bench: ($i) two workers on two cores"
		cat "$s0" "$s1" >/dev/null
		$util par --tsv "$tsv" --log "$log" --input "$i" \
		    --repeat "$repeat" --fresh "$work/s0.db" \
		    --fresh "$work/s1.db" -- \
		    taskset -c 0 "$OTZ" --db "$work/s0.db" --quiet read "$s0" :: \
		    taskset -c 1 "$OTZ" --db "$work/s1.db" --quiet read "$s1" ||
		    echo "bench: ($i) scaling run failed (see $log)" >&2
	done
	rm -f "$work"/s[01].db*
fi

# Analysis on a 10,000-asset / 100,000-edge graph.
echo "bench: analysis on graph.pcap (10,000 assets, 100,000 edges)"
g=$work/graph.db
measure graph "read graph.pcap" 1 --fresh "$g" -- $pin "$OTZ" --db "$g" \
    --quiet read "$dir/graph.pcap"
measure graph "assets --format json (load, infer kinds)" "$repeat" -- $pin \
    "$OTZ" --db "$g" assets --format json
measure graph "flows --format json (load 100,000 flows)" "$repeat" -- $pin \
    "$OTZ" --db "$g" flows --format json
# zones and check end to end (load, infer, analyse, store, print); a
# build whose commands are still placeholders says "not available".
for c in "zones --format json" \
    "check --policy $dir/graph.policy.yaml --format json"; do
	name=$(echo "$c" | sed "s|$dir/||")
	if "$OTZ" --db "$g" $c 2>&1 >/dev/null | grep -q "not available"; then
		printf 'run\tgraph\t%s\t0\t0\t0\tnot in this build\n' "$name" \
		    >>"$tsv"
		continue
	fi
	measure graph "$name" "$repeat" --ok 0,1 -- $pin "$OTZ" --db "$g" $c
done
# The pure functions alone (no SQLite, no output): the zone proposal
# (zones_bench.c, written with store/zones.c) and kind inference plus
# the policy check (graph_bench.c), on graphs of the same size.
for t in zones_bench graph_bench; do
	if [ -x "$BUILD/tools/$t" ]; then
		$pin "$BUILD/tools/$t" >"$work/$t.out" 2>&1 ||
		    echo "bench: $t failed" >>"$work/$t.out"
		sed "s/^/gnote\t/" "$work/$t.out" >>"$tsv"
	else
		printf 'gnote\t%s: not built\n' "$t" >>"$tsv"
	fi
done

echo
$util report --tsv "$tsv" --out "$out"
echo
echo "bench: written to $out (raw figures: $tsv)"

if [ "${OTZONE_BENCH_LIVE:-1}" != 0 ]; then
	sh "$here/live.sh" "$BUILD" "$out" || true
fi
exit 0

#!/bin/sh
# run.sh smoke BUILD NAME...          replay each target's seed corpus with
#                                     the GCC build, then (clang present)
#                                     libFuzzer for FUZZ_SMOKE_SECONDS each
# run.sh long BUILD NAME... -- SECS   libFuzzer for SECS seconds per target
set -u
mode=$1
build=$2
shift 2
names=""
secs=${FUZZ_SMOKE_SECONDS:-5}
while [ $# -gt 0 ]; do
	if [ "$1" = "--" ]; then
		secs=$2
		break
	fi
	names="$names $1"
	shift
done
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
pass=0
fail=0

if [ "$mode" = smoke ]; then
	for n in $names; do
		c=tests/fuzz/corpus/$n
		if [ ! -d "$c" ]; then
			echo "fuzz: $n: no seed corpus in $c"
			fail=$((fail + 1))
			continue
		fi
		if "$build/fuzz-replay/$n" "$c" >/dev/null 2>&1; then
			pass=$((pass + 1))
		else
			echo "fuzz: $n: replay of the seed corpus FAILED"
			"$build/fuzz-replay/$n" "$c" 2>&1 | tail -20
			fail=$((fail + 1))
		fi
	done
	echo "fuzz replay: $pass passed, $fail failed"
	[ $fail -eq 0 ] || exit 1
	# libFuzzer smoke run, when clang's runtime is installed.
	if ! command -v clang >/dev/null 2>&1 ||
	    ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
		echo "fuzz: clang with libFuzzer not installed, skipping the libFuzzer smoke run"
		exit 0
	fi
fi

fb=build-fuzz
for n in $names; do
	if ! make --no-print-directory -s BUILD=$fb CC=clang SAN=address,undefined \
	    EXTRA_CFLAGS="-fsanitize=fuzzer-no-link -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION" "$fb/fuzz/$n" >/tmp/otz-fuzz-build.$$ 2>&1; then
		echo "fuzz: $n: libFuzzer build FAILED"
		tail -20 /tmp/otz-fuzz-build.$$
		fail=$((fail + 1))
		continue
	fi
	work=$(mktemp -d)
	cp tests/fuzz/corpus/$n/* "$work/" 2>/dev/null
	dict=""
	[ -f tests/fuzz/dict/$n.dict ] && dict="-dict=tests/fuzz/dict/$n.dict"
	mkdir -p tests/artifacts/fuzz
	if "$fb/fuzz/$n" $dict -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -artifact_prefix=tests/artifacts/fuzz/$n- \
	    -print_final_stats=1 "$work" >"$work.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
		echo "fuzz: $n: ${secs}s, ${runs:-?} runs, no crash"
		pass=$((pass + 1))
	else
		echo "fuzz: $n: CRASH (see tests/artifacts/fuzz/$n-*)"
		grep -E "ERROR|SUMMARY|#[0-9]+ 0x" "$work.log" | head -20
		fail=$((fail + 1))
	fi
	rm -rf "$work" "$work.log"
done
rm -f /tmp/otz-fuzz-build.$$
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/zones.sh [BUILD] [ASSETS [FLOWS]]: time and peak memory of
# the zone proposal (store/zones.c) alone, on a generated graph of 10,000
# assets and 100,000 flows (no SQLite, no output).  A figure, not a test:
# not part of `make check`.  Aim: under 2 s and 200 MB on one core.
#
#   sh tests/bench/zones.sh            # builds build/tools/zones_bench
#   sh tests/bench/zones.sh build 50000 500000
#
# The end-to-end figure (`otzone zones` on a 10,000-asset capture: load
# from SQLite, infer kinds, propose, store, print) is in tests/bench/run.sh.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
build=${1:-build}
[ $# -gt 0 ] && shift
make --no-print-directory "$build/tools/zones_bench" >/dev/null || exit 2
pin=
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
exec $pin "$build/tools/zones_bench" "$@"

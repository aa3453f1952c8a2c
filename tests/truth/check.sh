#!/bin/sh
# check.sh OTZONE: every generated capture in pcaps/ against the truth the
# generator wrote beside it (flows, operations, first frames, assets).
set -u
exec python3 "$(dirname "$0")/truth.py" "$1"

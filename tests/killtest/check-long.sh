#!/bin/sh
# check-long.sh OTZONE: the SIGKILL tests of check.sh at ten points of a
# 3.2M-packet capture (a few minutes); run by make check-long.
exec sh "$(dirname "$0")/check.sh" "$1" long

#!/bin/sh
# tests/events/check.sh OTZONE: change events end to end.
#
#  - a plant read in two steps (gen_events.py, otgen): every event type,
#    checked field by field against the generator's truth; the NDJSON
#    validated against events.schema.json; rotation; drops; bad input
#    (check_events.py);
#  - syslog: Debian's rsyslogd, started here with its own configuration,
#    work directory and loopback ports (imudp, imtcp), receives the same
#    events over UDP and TCP (octet counting); each RFC 5424 field is
#    checked.  rsyslogd is stopped on exit.
set -u
if ! command -v python3 >/dev/null 2>&1; then
	echo "events: SKIP: python3 not installed"
	exit 0
fi
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: tests/events/check.sh OTZONE" >&2
	exit 2
fi
OTZ=$1
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/otzone-events.XXXXXX)
RSPID=
cleanup() {
	if [ -n "$RSPID" ]; then
		kill "$RSPID" 2>/dev/null
		wait "$RSPID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

python3 "$HERE/gen_events.py" -o "$TMP" || {
	echo "events: FAIL: gen_events.py"
	exit 1
}
rc=0
python3 "$HERE/check_events.py" "$OTZ" "$TMP" || rc=1

RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
if [ ! -x "$RSYSLOGD" ]; then
	echo "events: SKIP syslog: rsyslogd not installed (Debian: rsyslog)"
	exit $rc
fi
# two free loopback ports (bound then released)
PORTS=$(python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
t = socket.socket()
t.bind(("127.0.0.1", 0))
print(u.getsockname()[1], t.getsockname()[1])')
UDP=${PORTS% *}
TCP=${PORTS#* }
mkdir -p "$TMP/rsyslog"
cat >"$TMP/rsyslog.conf" <<EOF
global(workDirectory="$TMP/rsyslog" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
template(name="fields" type="string"
    string="%pri%|%protocol-version%|%app-name%|%procid%|%msgid%|%structured-data%|%hostname%|%inputname%|%msg%\n")
ruleset(name="otzone") {
    action(type="omfile" file="$TMP/received.log" template="fields")
}
input(type="imudp" address="127.0.0.1" port="$UDP" ruleset="otzone")
input(type="imtcp" address="127.0.0.1" port="$TCP" ruleset="otzone")
EOF
"$RSYSLOGD" -n -f "$TMP/rsyslog.conf" -i "$TMP/rsyslogd.pid" \
	>"$TMP/rsyslogd.out" 2>&1 &
RSPID=$!
# ready when the TCP port accepts (the UDP input starts with it)
i=0
until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $TCP), 1).close()" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge 100 ] || ! kill -0 "$RSPID" 2>/dev/null; then
		echo "events: FAIL: rsyslogd did not start:"
		cat "$TMP/rsyslogd.out"
		exit 1
	fi
	sleep 0.1
done
python3 "$HERE/check_events.py" "$OTZ" "$TMP" --syslog "$UDP" "$TCP" \
	"$TMP/received.log" || rc=1
exit $rc

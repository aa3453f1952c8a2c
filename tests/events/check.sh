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
#  - the daemon (root, ip(8), tcpreplay; skipped otherwise): the sensor
#    captures on a veth pair in a network namespace made here while
#    tcpreplay plays step1 then step2 into it; its event file holds the
#    same events as the offline read (live times, source iface:va); a
#    SIGHUP after the file was moved away makes it write a new one.
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
DRSPID=
SPID=
NS=
cleanup() {
	if [ -n "$RSPID" ]; then
		kill "$RSPID" 2>/dev/null
		wait "$RSPID" 2>/dev/null
	fi
	if [ -n "$DRSPID" ]; then
		kill "$DRSPID" 2>/dev/null
		wait "$DRSPID" 2>/dev/null
	fi
	if [ -n "$SPID" ]; then
		kill -9 "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
	fi
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

python3 "$HERE/gen_events.py" -o "$TMP" || {
	echo "events: FAIL: gen_events.py"
	exit 1
}
rc=0
python3 "$HERE/check_events.py" "$OTZ" "$TMP" || rc=1

# ---- the daemon -------------------------------------------------------------
# rsyslogd_conf DIR OUT TCPPORT: a configuration receiving RFC 5424 over TCP
# on 127.0.0.1 (of the namespace it runs in) into OUT, one line a message
rsyslogd_conf() {
	mkdir -p "$1/work"
	{
		echo "global(workDirectory=\"$1/work\" maxMessageSize=\"64k\")"
		echo "module(load=\"imtcp\")"
		echo "template(name=\"fields\" type=\"string\""
		echo "    string=\"%pri%|%protocol-version%|%app-name%|%procid%|%msgid%|%structured-data%|%hostname%|%inputname%|%msg%\\n\")"
		echo "ruleset(name=\"otzone\") {"
		echo "    action(type=\"omfile\" file=\"$2\" template=\"fields\")"
		echo "}"
		echo "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$3\" ruleset=\"otzone\")"
	} >"$1/rsyslog.conf"
}
# ns_rsyslogd DIR: start it in the namespace, wait for its port (DRSPID)
ns_rsyslogd() {
	ip netns exec "$NS" "$RSYSLOGD" -n -f "$1/rsyslog.conf" \
		-i "$1/rsyslogd.pid" >>"$1/rsyslogd.out" 2>&1 &
	DRSPID=$!
	i=0
	until ip netns exec "$NS" python3 -c "import socket; socket.create_connection(('127.0.0.1', 1514), 1).close()" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -ge 100 ] || ! kill -0 "$DRSPID" 2>/dev/null; then
			echo "events: FAIL: rsyslogd (namespace) did not start:"
			cat "$1/rsyslogd.out"
			return 1
		fi
		sleep 0.1
	done
}
# wait_lines FILE N: until FILE has N lines (at most 20 s), then 1 s more
# for anything that should not be there
wait_lines() {
	i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt 200 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	sleep 1
}
daemon_checks() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "events: SKIP daemon: not root (needs a network namespace)"
		return 0
	fi
	for t in ip tcpreplay; do
		if ! command -v $t >/dev/null 2>&1; then
			echo "events: SKIP daemon: $t not installed"
			return 0
		fi
	done
	NS=otzev$$
	if ! ip netns add "$NS" 2>"$TMP/nserr"; then
		echo "events: SKIP daemon: no network namespace: $(cat "$TMP/nserr")"
		NS=
		return 0
	fi
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" ip link add va type veth peer name vb
	ip netns exec "$NS" ip link set va up
	ip netns exec "$NS" ip link set vb up
	mkdir -p "$TMP/d"
	sl=0
	if [ -x "$RSYSLOGD" ]; then
		sl=1
		rsyslogd_conf "$TMP/drs" "$TMP/d/received.log" 1514
		ns_rsyslogd "$TMP/drs" || return 1
	else
		echo "events: SKIP daemon syslog: rsyslogd not installed"
	fi
	{
		echo "capture:"
		echo "  interfaces: [va]"
		echo "database: $TMP/d/otzone.db"
		echo "user: root"
		echo "flush_interval: 1"
		echo "analysis_interval: 1"
		echo "policy: $HERE/plant.yaml"
		echo "limits:"
		echo "  max_connections: 16"
		echo "name: sensor-test"
		echo "api:"
		echo "  enabled: false"
		echo "events:"
		echo "  file: $TMP/d/events.ndjson"
		if [ $sl -eq 1 ]; then
			echo "  syslog:"
			echo "    host: 127.0.0.1"
			echo "    port: 1514"
			echo "    transport: tcp"
			echo "    facility: local3"
		fi
	} >"$TMP/d.conf"
	ip netns exec "$NS" "$OTZ" sensor -c "$TMP/d.conf" 2>"$TMP/d.log" &
	SPID=$!
	i=0
	until grep -qs "sensor ready" "$TMP/d.log"; do
		i=$((i + 1))
		if [ $i -ge 100 ] || ! kill -0 "$SPID" 2>/dev/null; then
			echo "events: FAIL: the sensor did not start:"
			cat "$TMP/d.log"
			return 1
		fi
		sleep 0.1
	done
	ip netns exec "$NS" tcpreplay -q -i vb --multiplier 10 \
		"$TMP/step1.pcap" >/dev/null 2>&1
	wait_lines "$TMP/d/events.ndjson" 7
	# the collector goes away while step 2 is captured
	if [ $sl -eq 1 ]; then
		kill "$DRSPID"
		wait "$DRSPID" 2>/dev/null
		DRSPID=
	fi
	mv "$TMP/d/events.ndjson" "$TMP/d/events.step1"
	kill -HUP "$SPID"
	i=0
	until grep -qs "reload done" "$TMP/d.log" || [ $i -ge 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	ip netns exec "$NS" tcpreplay -q -i vb --multiplier 10 \
		"$TMP/step2.pcap" >/dev/null 2>&1
	wait_lines "$TMP/d/events.ndjson" 7
	# 200 connections at once into a table of 16: capture-drops
	mv "$TMP/d/events.ndjson" "$TMP/d/events.step2"
	kill -HUP "$SPID"
	i=0
	until [ "$(grep -c "reload done" "$TMP/d.log")" -ge 2 ] || [ $i -ge 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	ip netns exec "$NS" tcpreplay -q -i vb --multiplier 10 \
		"$TMP/flood.pcap" >/dev/null 2>&1
	i=0
	until grep -qs capture-drops "$TMP/d/events.ndjson" || [ $i -ge 200 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	sleep 2
	set -- "$TMP/d/events.step1" "$TMP/d/events.step2" \
		"$TMP/d/events.ndjson"
	if [ $sl -eq 1 ]; then
		# back: the queued events arrive after a reconnection
		ns_rsyslogd "$TMP/drs" || return 1
		want=$(cat "$TMP/d/events.step1" "$TMP/d/events.step2" \
			"$TMP/d/events.ndjson" | wc -l)
		i=0
		while [ "$(cat "$TMP/d/received.log" 2>/dev/null | wc -l)" -lt "$want" ] &&
		    [ $i -lt 300 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		set -- "$@" "$TMP/d/received.log"
	fi
	kill -TERM "$SPID"
	wait "$SPID"
	src=$?
	SPID=
	if [ $sl -eq 1 ]; then
		kill "$DRSPID"
		wait "$DRSPID" 2>/dev/null
		DRSPID=
	fi
	if [ $src -ne 0 ]; then
		echo "events: FAIL: sensor exit $src"
		cat "$TMP/d.log"
		return 1
	fi
	python3 "$HERE/check_events.py" "$OTZ" "$TMP" --daemon "$@"
}
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
daemon_checks || rc=1

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

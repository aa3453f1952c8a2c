#!/bin/sh
# check.sh OTZONE: the central store on PostgreSQL, all components real.
# The test makes a network namespace with a veth pair and starts Debian's
# PostgreSQL server in it (initdb in a temporary directory, 127.0.0.1 on
# a free port, run as nobody, password authentication over TCP); an
# `otzone sensor` captures on one end of the pair while tcpreplay plays
# pcaps/plant-routed.pcap into the other, and pushes to the server.
# Checked:
#   - configuration refused: a URL that is not postgresql://, an unknown
#     key under central:, a missing password file (exit 2, one line)
#   - the server is down when the sensor starts and is stopped again in
#     the middle of the replay: one warning, the rows stay marked
#     (pending > 0, up false), and once it is back every row of sources,
#     assets, flows and operations in PostgreSQL equals the sensor's own
#     SQLite, column by column (tests/central/compare.py); nothing else
#     of the sensor is there
#   - a server that accepts connections but never answers (its processes
#     stopped): each push gives up after central.timeout, the capture
#     loop keeps counting every frame, and it catches up when it resumes
#   - the push never holds the capture loop (a thread): with the server
#     hung and central.timeout 5, /healthz answers within 0.5 s and a
#     replay at 2000 frames/s through a 1 MiB ring (capture.buffer_mb: 1)
#     is counted whole with no kernel drops; every thread runs as nobody
#   - the sensor stopped (SIGTERM) while the server is down, the server
#     started, the sensor started again with no traffic: it catches up
#     from the marks on disk
#   - a role without CREATE pushes into tables made before (SELECT,
#     INSERT, UPDATE granted)
#   - push_interval spaces pushes out; the last flush (SIGTERM) pushes
#     regardless
#   - the marks stay bounded (at most one per row); with central off the
#     daemon removes them and their triggers
#   - the server loses the sensor's rows (as a restore from an older
#     backup would): the sensor notices at its next connection that the
#     server has fewer of its pushes and sends everything again
#   - a server whose otzone schema is newer: refused by the sensor (rows
#     kept) and by the CLI (exit 2)
#   - `otzone --db postgresql://... assets|flows` equals the same command
#     on the sensor's database; its temporary copy is removed, also when
#     the reader of its output goes away (SIGPIPE); the CLI's errors: no
#     server, no otzone data, read into PostgreSQL
#   - TLS (sslmode=verify-full): the push is encrypted; a certificate
#     from another authority is refused and the rows stay queued
#   - the password is never in the log; the metrics and /healthz
# Needs root, ip(8), tcpreplay and Debian's postgresql; skipped with a
# line otherwise.
set -u
otz=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/central
. "$here/pglib.sh"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "central: FAIL: $*"; fail=$((fail + 1)); }
finish() {
	echo "central: $pass passed, $fail failed"
	[ $fail -eq 0 ]
	exit $?
}

if [ "$(id -u)" -ne 0 ]; then
	echo "central: SKIP: not root (needs a network namespace)"
	finish
fi
for t in ip tcpreplay python3 runuser; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "central: SKIP: $t not installed"
		finish
	fi
done
if ! pg_find; then
	echo "central: SKIP: PostgreSQL server not installed (/usr/lib/postgresql/*/bin/initdb; Debian package postgresql)"
	finish
fi

tmp=$(mktemp -d /tmp/otz-central.XXXXXX)
chmod 755 "$tmp"
ns=otzc$$
pgns=$ns
spid=
rpid=
cleanup() {
	[ -n "$spid" ] && kill -9 "$spid" 2>/dev/null
	[ -n "$rpid" ] && kill -9 "$rpid" 2>/dev/null
	pg_down
	ip netns del "$ns" 2>/dev/null
	[ -n "${OTZ_KEEP:-}" ] && echo "central: kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

if ! ip netns add "$ns" 2>"$tmp/err"; then
	echo "central: SKIP: cannot create a network namespace: $(cat "$tmp/err")"
	finish
fi
nsx() { ip netns exec "$ns" "$@"; }
# the CLI in the namespace (the server listens there), its temporary
# copies in a directory of the test's, checked empty at the end
cli() { nsx env TMPDIR="$tmp/clitmp" "$otz" "$@"; }
mkdir -p "$tmp/clitmp"
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1
nsx sysctl -qw net.ipv6.conf.default.disable_ipv6=1
nsx ip link set lo up
nsx ip link add va type veth peer name vb
for i in va vb; do
	nsx ip link set $i mtu 9000
	nsx ip link set $i up
done

pw=otz-Secret-0123456789
if ! pg_init "$tmp/pg" "$pw"; then
	bad "initdb failed"
	finish
fi
url="postgresql://otzone@127.0.0.1:$pgport/postgres"
printf '%s\n' "$pw" >"$tmp/pw"
chmod 600 "$tmp/pw" # root's: read before privileges are dropped
# the CLI reads the password the libpq way
printf '127.0.0.1:%s:*:otzone:%s\n' "$pgport" "$pw" >"$tmp/pgpass"
chmod 600 "$tmp/pgpass"
export PGPASSFILE="$tmp/pgpass"

pcap=$top/pcaps/plant-routed.pcap
pcap2=$top/pcaps/modbus-basic.pcap
port=18071
base=http://127.0.0.1:$port
health() { nsx python3 "$here/wait.py" "$base/healthz" "$@"; }
same() { python3 "$here/compare.py" "$tmp/s/otzone.db" "$pgdir/sock" "$pgport"; }

# conf NAME [extra YAML lines...]
conf() {
	n=$1
	shift
	mkdir -p "$tmp/s"
	chown nobody "$tmp/s"
	{
		echo "capture:"
		echo "  interfaces: [va]"
		echo "database: $tmp/s/otzone.db"
		echo "user: nobody"
		echo "log_level: debug"
		echo "flush_interval: 1"
		echo "limits:"
		echo "  tcp_timeout: 8"
		echo "  udp_timeout: 8"
		echo "api:"
		echo "  port: $port"
		for l in "$@"; do echo "$l"; done
	} >"$tmp/$n.conf"
}
central_conf() {
	echo "central:"
	echo "  url: $url"
	echo "  password_file: $tmp/pw"
	echo "  timeout: 2"
	echo "  retry_max: 1"
}
start() { # start NAME: the sensor in the namespace, log in $tmp/NAME.log
	# not through nsx: $! must be the sensor's pid (ip netns exec execs)
	ip netns exec "$ns" "$otz" sensor -c "$tmp/$1.conf" 2>>"$tmp/$1.log" &
	spid=$!
	if ! health 'j["status"] == "ok"' 10 >/dev/null; then
		bad "$1: the sensor did not come up: $(tail -3 "$tmp/$1.log")"
		kill -9 "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		spid=
		return 1
	fi
	return 0
}
stop() {
	kill -TERM "$spid" 2>/dev/null
	wait "$spid"
	src=$?
	spid=
}

# ---- configuration refused -----------------------------------------------
conf badurl "central:" "  url: http://127.0.0.1/x"
nsx "$otz" sensor -c "$tmp/badurl.conf" --check-config >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -qx "otzone: central.url: not a postgresql:// URL" "$tmp/err" && ok ||
	bad "bad URL: exit $rc: $(cat "$tmp/err")"
conf badkey "central:" "  url: $url" "  pasword_file: x"
nsx "$otz" sensor -c "$tmp/badkey.conf" --check-config >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "badkey.conf:.*: unknown key 'pasword_file' in 'central'" "$tmp/err" && ok ||
	bad "unknown key: exit $rc: $(cat "$tmp/err")"
conf nopw "central:" "  url: $url" "  password_file: $tmp/nope"
nsx "$otz" sensor -c "$tmp/nopw.conf" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "error: central.password_file: $tmp/nope: No such file or directory" "$tmp/err" && ok ||
	bad "missing password file: exit $rc: $(cat "$tmp/err")"
rm -rf "$tmp/s"

# ---- down at start, down again mid-replay, back: nothing lost ---------------
conf live "$(central_conf)"
if start live; then
	health 'j["central"]["up"] == False and j["central"]["errors"] >= 1' 5 \
		>/dev/null && ok || bad "server down at start: not reported"
	ip netns exec "$ns" tcpreplay -q -i vb "$pcap" >"$tmp/replay.out" 2>&1 &
	rpid=$!
	sleep 3
	pg_up || bad "server start"
	if health 'j["central"]["up"] and j["central"]["pushes"] >= 1' 10 >/dev/null; then
		ok
	else
		bad "no push after the server came up"
	fi
	pg_down
	sleep 4
	if health 'not j["central"]["up"] and j["central"]["pending"] > 0' 5 >"$tmp/h.json"; then
		ok
	else
		bad "server down mid-replay: not seen as down with rows pending: $(cat "$tmp/h.json")"
	fi
	pg_up || bad "server restart"
	wait "$rpid"
	rpid=
	if health 'j["settled"] and j["central"]["up"] and j["central"]["pending"] == 0' 40 \
		>"$tmp/h.json"; then
		ok
	else
		bad "did not settle and catch up: $(cat "$tmp/h.json")"
	fi
	same >"$tmp/same.out" && ok || { bad "PostgreSQL differs from the sensor's SQLite"; cat "$tmp/same.out"; }
	n=$(grep -c "warning: central: postgresql://otzone@127.0.0.1:$pgport/postgres: .* rows kept, retrying in 1s" "$tmp/live.log")
	[ "$n" -eq 2 ] && ok || bad "want one warning per outage (2), got $n"
	grep -q "info: central: .*: pushing again after [0-9]*s" "$tmp/live.log" && ok ||
		bad "no recovery line in the log"
	grep -q "$pw" "$tmp/live.log" && bad "the password is in the log" || ok
	nsx python3 "$top/tests/daemon/apiclient.py" get "$base/metrics" >"$tmp/metrics.txt"
	grep -qx "otzone_central_up 1" "$tmp/metrics.txt" &&
		grep -qx "otzone_central_pending_rows 0" "$tmp/metrics.txt" &&
		grep -q "^otzone_central_push_errors_total [1-9]" "$tmp/metrics.txt" &&
		grep -q "^otzone_central_rows_pushed_total [1-9]" "$tmp/metrics.txt" && ok ||
		bad "metrics: $(grep '^otzone_central' "$tmp/metrics.txt" | tr '\n' ' ')"
	# the server's count lies between two scrapes (the interface's
	# sources row changes at every flush and is pushed again)
	m=$(sed -n 's/^otzone_central_rows_pushed_total //p' "$tmp/metrics.txt")
	pushed=$(pg_sql "SELECT rows_pushed FROM otzone_sensors")
	m2=$(nsx python3 "$top/tests/daemon/apiclient.py" get "$base/metrics" |
		sed -n 's/^otzone_central_rows_pushed_total //p')
	[ "$m" -le "$pushed" ] && [ "$pushed" -le "$m2" ] && ok ||
		bad "rows_pushed: server $pushed, metrics $m then $m2"

	# ---- a server that accepts but never answers: every wait bounded ----
	# (its processes stopped: the kernel still completes TCP handshakes)
	pm=$(head -1 "$pgdir/data/postmaster.pid")
	pgk=$(pgrep -P "$pm" | tr '\n' ' ')
	before=$(nsx python3 "$here/wait.py" "$base/healthz" 'True' 5 | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
	kill -STOP "$pm" $pgk
	nsx tcpreplay -q -i vb "$pcap2" >/dev/null 2>&1
	if health 'j["central"]["last_error"] == "no answer within 2s (central.timeout)" and not j["central"]["up"]' 15 \
		>"$tmp/h.json"; then
		ok
	else
		bad "hung server: no timeout reported: $(cat "$tmp/h.json")"
	fi
	# the capture loop kept going: every frame counted, none dropped
	want=$((before + $(python3 "$top/tests/daemon/util.py" frames "$pcap2")))
	health "j[\"packets\"] == $want and j[\"interfaces\"][0][\"kernel_drops\"] == 0" 15 \
		>"$tmp/h.json" && ok || bad "hung server: capture stalled: $(cat "$tmp/h.json")"
	kill -CONT "$pm" $pgk
	health 'j["central"]["up"] and j["central"]["pending"] == 0' 20 >"$tmp/h.json" &&
		ok || bad "hung server resumed: no catch-up: $(cat "$tmp/h.json")"
	same >"$tmp/same.out" && ok || { bad "after a hung server: PostgreSQL differs"; cat "$tmp/same.out"; }

	# ---- the push never holds the capture loop ------------------------
	# The pusher is a thread: with the server hung (each push waits the
	# whole central.timeout of 5 s), /healthz answers at once and a replay
	# at 2000 frames/s is captured whole through a 1 MiB ring, which a
	# capture loop held for 5 s would overflow (checked against the
	# single-threaded daemon: it drops, and /healthz takes seconds).
	stop
	conf ring "central:" "  url: $url" "  password_file: $tmp/pw" \
		"  timeout: 5" "  retry_max: 1"
	sed -i 's/^  interfaces: \[va\]$/&\n  buffer_mb: 1/' "$tmp/ring.conf"
	if start ring; then
		# every thread of the sensor runs as nobody, the pusher too
		uid=$(id -u nobody)
		nt=0
		for st in /proc/$spid/task/*/status; do
			u=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "$st")
			[ "$u" = "$uid$uid$uid$uid" ] || bad "thread $st runs as uid $u"
			nt=$((nt + 1))
		done
		[ $nt -ge 2 ] && ok || bad "want the pusher thread, got $nt threads"
		health 'j["central"]["up"] and j["central"]["pending"] == 0' 15 >"$tmp/h.json" ||
			bad "ring: no first push: $(cat "$tmp/h.json")"
		before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$tmp/h.json")
		e0=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["central"]["errors"])' "$tmp/h.json")
		# the server's processes now (the sensor's backend is new)
		pgk=$(pgrep -P "$pm" | tr '\n' ' ')
		kill -STOP "$pm" $pgk
		nsx tcpreplay -q --pps=2000 --loop=3 -i vb "$pcap" >/dev/null 2>&1 &
		rpid=$!
		slow=$(nsx python3 "$here/latency.py" "$base/healthz" 5.5)
		wait "$rpid"
		rpid=
		# (a held loop answers after the 5 s push timeout; 2 s leaves
		# room for a loaded CI machine and a sanitizer build)
		[ "$slow" -lt 2000 ] && ok || bad "hung server: /healthz took ${slow} ms during a push"
		want=$((before + 3 * $(python3 "$top/tests/daemon/util.py" frames "$pcap")))
		health "j[\"packets\"] == $want and j[\"interfaces\"][0][\"kernel_drops\"] == 0" 5 \
			>"$tmp/h.json" && ok || bad "hung server, 1 MiB ring: capture held: want $want packets: $(cat "$tmp/h.json")"
		# and a push was under way: it timed out
		health "j[\"central\"][\"errors\"] > $e0 and j[\"central\"][\"last_error\"] == \"no answer within 5s (central.timeout)\"" 10 \
			>"$tmp/h.json" && ok || bad "hung server, 1 MiB ring: no push timed out: $(cat "$tmp/h.json")"
		kill -CONT "$pm" $pgk
		health 'j["central"]["up"] and j["central"]["pending"] == 0' 20 >"$tmp/h.json" &&
			ok || bad "ring: no catch-up: $(cat "$tmp/h.json")"
		stop
		[ $src -eq 0 ] && ok || bad "ring: exit $src"
		same >"$tmp/same.out" && ok || { bad "ring: PostgreSQL differs"; cat "$tmp/same.out"; }
	fi
	kill -CONT "$pm" $pgk 2>/dev/null
	start live || bad "live: restart after the ring check"

	# ---- stopped while the server is down; started again: catches up ---
	pg_down
	nsx tcpreplay -q -i vb "$pcap2" >/dev/null 2>&1
	sleep 2
	stop
	[ $src -eq 0 ] && ok || bad "SIGTERM with the server down: exit $src"
	p=$(sqlite3 "$tmp/s/otzone.db" "SELECT count(*) FROM central_dirty")
	[ "$p" -gt 0 ] && ok || bad "no marks kept on disk after a stop with the server down"
	# bounded: at most one mark per row (operations by flow)
	rows=$(sqlite3 "$tmp/s/otzone.db" "SELECT (SELECT count(*) FROM sources) + (SELECT count(*) FROM assets) + 2 * (SELECT count(*) FROM flows)")
	[ "$p" -le "$rows" ] && ok || bad "marks $p > rows $rows"
	pg_up
	if start live; then
		health 'j["central"]["up"] and j["central"]["pending"] == 0' 10 \
			>/dev/null && ok || bad "restart: did not catch up"
		stop
		same >"$tmp/same.out" && ok || { bad "after a restart: PostgreSQL differs"; cat "$tmp/same.out"; }
	fi
	sensors=$(pg_sql "SELECT count(*) FROM otzone_sensors")
	[ "$sensors" = 1 ] && ok || bad "want one sensor row, got $sensors"

	# ---- the server lost the sensor's rows: sent again -------------------
	pg_sql "DELETE FROM otzone_operations; DELETE FROM otzone_flows; UPDATE otzone_sensors SET push_seq = 0"
	if start live; then
		health 'j["central"]["up"] and j["central"]["pending"] == 0 and j["central"]["pushes"] >= 1' 10 \
			>/dev/null && ok || bad "lost rows: not sent again"
		grep -q "has 0 of this sensor's [0-9]* pushes (restored or replaced?): sending everything again" \
			"$tmp/live.log" && ok || bad "lost rows: not reported"
		stop
		same >"$tmp/same.out" && ok || { bad "after the server lost rows: PostgreSQL differs"; cat "$tmp/same.out"; }
	fi

	# ---- a newer schema on the server: refused ---------------------------
	pg_sql "UPDATE otzone_meta SET value = '99' WHERE key = 'schema_version'"
	if start live; then
		health 'not j["central"]["up"] and "version 99" in j["central"]["last_error"]' 10 \
			>/dev/null && ok || bad "newer schema: not refused by the sensor"
		stop
	fi
	cli --db "$url" assets >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc -eq 2 ] && grep -qx "otzone: postgresql://otzone@127.0.0.1:$pgport/postgres: otzone schema version 99 is newer than this otzone (1)" "$tmp/err" && ok ||
		bad "newer schema: CLI exit $rc: $(cat "$tmp/err")"
	pg_sql "UPDATE otzone_meta SET value = '1' WHERE key = 'schema_version'"

	# ---- push_interval: pushes spaced out; the last flush pushes anyway -
	conf spaced "$(central_conf)" "  push_interval: 3600"
	if start spaced; then
		health 'j["central"]["pushes"] >= 1 and j["central"]["pending"] == 0' 10 \
			>"$tmp/h0.json" || bad "push_interval: no first push: $(cat "$tmp/h0.json")"
		p0=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["central"]["pushes"])' "$tmp/h0.json")
		nsx tcpreplay -q -i vb "$pcap2" >/dev/null 2>&1
		health "j[\"central\"][\"pending\"] > 0 and j[\"central\"][\"pushes\"] == $p0" 10 \
			>"$tmp/h.json" && ok || bad "push_interval: pushed before the interval: $(cat "$tmp/h.json")"
		stop
		[ $src -eq 0 ] && ok || bad "push_interval: exit $src"
		same >"$tmp/same.out" && ok || { bad "push_interval: the last flush did not push"; cat "$tmp/same.out"; }
	fi

	# ---- a role that may not create tables: made already, rights given --
	lpw=otz-Limited-0123456789
	pg_sql "CREATE ROLE otzlimited LOGIN PASSWORD '$lpw'; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO otzlimited"
	[ "$(pg_sql "SELECT has_schema_privilege('otzlimited', 'public', 'CREATE')")" = f ] &&
		ok || bad "the limited role can create in public"
	printf '%s\n' "$lpw" >"$tmp/pw2"
	chmod 600 "$tmp/pw2"
	conf limited "central:" "  url: postgresql://otzlimited@127.0.0.1:$pgport/postgres" \
		"  password_file: $tmp/pw2" "  timeout: 2" "  retry_max: 1"
	if start limited; then
		nsx tcpreplay -q -i vb "$pcap2" >/dev/null 2>&1
		health 'j["central"]["up"] and j["central"]["pending"] == 0 and j["central"]["pushes"] >= 1' 15 \
			>"$tmp/h.json" && ok || bad "limited role: no push: $(cat "$tmp/h.json")"
		stop
		same >"$tmp/same.out" && ok || { bad "limited role: PostgreSQL differs"; cat "$tmp/same.out"; }
	fi

	# ---- central off: the marks and triggers are removed ----------------
	conf plain
	if start plain; then
		stop
		n=$(sqlite3 "$tmp/s/otzone.db" "SELECT count(*) FROM sqlite_master WHERE name = 'central_dirty' OR name LIKE 'central_mark_%'")
		[ "$n" = 0 ] && ok || bad "central off: $n marks tables and triggers left"
	fi

	# ---- TLS: verify-full against the server's certificate --------------
	if command -v openssl >/dev/null 2>&1; then
		tls=$tmp/pg/tls
		mkdir -p "$tls"
		for n in server other; do
			openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
				-subj "/CN=otzone-test-$n" \
				-addext "subjectAltName=IP:127.0.0.1" \
				-keyout "$tls/$n.key" -out "$tls/$n.crt" \
				>/dev/null 2>&1
		done
		chown -R nobody "$tls"
		chmod 600 "$tls"/*.key
		chmod 644 "$tls"/*.crt
		pg_down
		pgopts="-c ssl=on -c ssl_cert_file=$tls/server.crt -c ssl_key_file=$tls/server.key"
		pg_up || bad "server start with TLS"
		conf tls "central:" "  url: $url?sslmode=verify-full&sslrootcert=$tls/server.crt" \
			"  password_file: $tmp/pw" "  timeout: 2" "  retry_max: 1"
		if start tls; then
			nsx tcpreplay -q -i vb "$pcap2" >/dev/null 2>&1
			health 'j["central"]["up"] and j["central"]["pending"] == 0 and j["central"]["pushes"] >= 1' 15 \
				>"$tmp/h.json" && ok || bad "TLS: no push: $(cat "$tmp/h.json")"
			s=$(pg_sql "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'otzone-sensor'")
			[ "$s" = t ] && ok || bad "TLS: the sensor's connection is not encrypted ('$s')"
			stop
			same >"$tmp/same.out" && ok || { bad "TLS: PostgreSQL differs"; cat "$tmp/same.out"; }
		fi
		# a certificate from another authority: refused, rows kept
		conf tlsbad "central:" "  url: $url?sslmode=verify-full&sslrootcert=$tls/other.crt" \
			"  password_file: $tmp/pw" "  timeout: 2" "  retry_max: 1"
		if start tlsbad; then
			nsx tcpreplay -q -i vb "$pcap2" >/dev/null 2>&1
			health 'not j["central"]["up"] and "certificate verify failed" in j["central"]["last_error"] and j["central"]["pending"] > 0' 15 \
				>"$tmp/h.json" && ok || bad "TLS: a wrong CA was not refused: $(cat "$tmp/h.json")"
			stop
		fi
		pg_down
		pgopts=
		pg_up || bad "server restart without TLS"
		# what the refused sensor queued goes with the next good start
		if start live; then
			health 'j["central"]["up"] and j["central"]["pending"] == 0' 15 \
				>/dev/null && ok || bad "after TLS refusal: no catch-up"
			stop
		fi
	else
		echo "central: SKIP: TLS not checked (no openssl)"
	fi

	# ---- the read side --------------------------------------------------
	for what in assets flows; do
		"$otz" --db "$tmp/s/otzone.db" $what --format json >"$tmp/db-$what.json"
		if cli --db "$url" $what --format json >"$tmp/pg-$what.json" 2>"$tmp/err"; then
			python3 "$here/../fleet/same.py" "$what" "$tmp/pg-$what.json" \
				"$tmp/db-$what.json" >"$tmp/cmp.out" && ok ||
				{ bad "--db postgresql:// $what differs from the sensor's"; cat "$tmp/cmp.out"; }
		else
			bad "--db postgresql:// $what: $(cat "$tmp/err")"
		fi
	done
fi
# the reader of a pipe gone (SIGPIPE) or Ctrl-C: the copy is removed too
cli --db "$url" flows --format json | true
[ -n "$(cli --db "$url" assets | head -1)" ] && ok || bad "assets | head: no output"
[ -z "$(ls -A "$tmp/clitmp")" ] && ok || bad "the CLI left $(ls "$tmp/clitmp") behind in TMPDIR"

# ---- CLI errors ----------------------------------------------------------------
cli --db "postgresql://otzone@127.0.0.1:1/postgres?connect_timeout=2" assets \
	>/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	grep -q "^otzone: postgresql://otzone@127.0.0.1:1/postgres: connection to server at \"127.0.0.1\", port 1 failed" "$tmp/err" && ok ||
	bad "no server: exit $rc: $(cat "$tmp/err")"
pg_sql "CREATE DATABASE empty" >/dev/null
cli --db "postgresql://otzone@127.0.0.1:$pgport/empty" flows >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -qx "otzone: postgresql://otzone@127.0.0.1:$pgport/empty: no otzone data (no sensor has pushed to it)" "$tmp/err" && ok ||
	bad "empty database: exit $rc: $(cat "$tmp/err")"
cli --db "$url" read "$pcap2" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -qx "otzone: read: --db postgresql://... is for assets, flows, zones, check and report" "$tmp/err" && ok ||
	bad "read into PostgreSQL: exit $rc: $(cat "$tmp/err")"

finish

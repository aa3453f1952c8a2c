# pglib.sh: a throw-away PostgreSQL server for tests (sourced by
# tests/central/check.sh and tests/fleet/check.sh).
#
#   pg_find                      sets pgbin (Debian's server binaries) or
#                                returns 1 (the caller prints its SKIP)
#   pg_init DIR PASSWORD         initdb in DIR/data as an unprivileged user
#                                (nobody when run as root): superuser
#                                'otzone' with PASSWORD for TCP (scram),
#                                trust on the unix socket in DIR/sock;
#                                picks a free loopback port: pgport
#   pg_up / pg_down              start / stop (fast) the server, waiting
#                                ($pgopts: more server options, -c k=v)
#   pg_sql SQL                   run SQL as 'otzone' over the unix socket,
#                                unaligned, no headers, '|' separated
# The server listens on 127.0.0.1 only: the loopback of the network
# namespace named by $pgns when set (the sensors capturing there reach it),
# else the host's.  psql talks to it over the unix socket, which works
# from outside the namespace.  The caller's trap calls pg_down.
pg_find() {
	pgbin=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && pgbin=$d
	done
	[ -n "$pgbin" ] && command -v psql >/dev/null 2>&1
}

pg_as() { # run as the server's user, in $pgns when set
	if [ "$(id -u)" -eq 0 ] && [ -n "${pgns:-}" ]; then
		ip netns exec "$pgns" runuser -u nobody -- "$@"
	elif [ "$(id -u)" -eq 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

pg_init() {
	pgdir=$1
	mkdir -p "$pgdir/sock"
	printf '%s\n' "$2" >"$pgdir/pwfile"
	[ "$(id -u)" -eq 0 ] && chown -R nobody "$pgdir"
	chmod 700 "$pgdir/sock"
	[ "$(id -u)" -eq 0 ] && chmod 755 "$pgdir/sock"
	pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	pg_as "$pgbin/initdb" -D "$pgdir/data" -U otzone \
		--auth-local=trust --auth-host=scram-sha-256 \
		--pwfile="$pgdir/pwfile" -E UTF8 --locale=C.UTF-8 \
		>"$pgdir/initdb.log" 2>&1 || { cat "$pgdir/initdb.log"; return 1; }
	rm -f "$pgdir/pwfile"
}

pg_up() {
	pg_as "$pgbin/pg_ctl" -D "$pgdir/data" -w -t 30 -l "$pgdir/server.log" \
		-o "-h 127.0.0.1 -p $pgport -k $pgdir/sock -c fsync=off ${pgopts:-}" \
		start >/dev/null 2>&1 || { tail -5 "$pgdir/server.log"; return 1; }
}

pg_down() {
	[ -n "${pgdir:-}" ] && [ -f "$pgdir/data/postmaster.pid" ] &&
		pg_as "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w -t 30 stop \
			>/dev/null 2>&1
	return 0
}

pg_sql() {
	psql -X -q -A -t -h "$pgdir/sock" -p "$pgport" -U otzone -d postgres \
		-v ON_ERROR_STOP=1 -c "$1"
}

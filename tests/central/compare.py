#!/usr/bin/env python3
"""compare.py: a sensor's SQLite database against its copy in PostgreSQL.

  compare.py SENSOR.db SOCKDIR PORT
      every column of every row of sources, assets, flows and operations
      in SENSOR.db equals the same row in otzone_<table> for the sensor's
      id (meta.sensor_id), and PostgreSQL has no other row of it; prints
      one line per table ("assets: 33 rows, identical") and exits 1 on
      any difference (the first few are shown)
  compare.py counts SOCKDIR PORT
      rows per table and sensor in PostgreSQL, one line each
"""
import sqlite3
import subprocess
import sys

TABLES = {
    "sources": ("id", ["id", "path", "sha256", "size", "linktype",
                       "ingested_at", "complete", "packets", "bytes",
                       "first_us", "last_us", "truncated", "malformed",
                       "not_ip", "dropped_caps", "dropped_kernel"]),
    "assets": ("id", ["id", "vlan", "ip", "ip_text", "macs", "names",
                      "first_us", "last_us", "packets", "bytes", "vendor",
                      "product", "model", "firmware", "hardware", "serial",
                      "name", "url", "ident_source", "vendor_id",
                      "device_type", "product_code"]),
    "flows": ("id", ["id", "vlan", "client_vlan", "client", "server",
                     "client_text", "server_text", "transport",
                     "server_port", "protocol", "packets", "bytes",
                     "connections", "first_us", "last_us", "source_id",
                     "frame", "sec_mode", "authenticated", "encrypted",
                     "sec_policy"]),
    "operations": ("flow_id, protocol, code",
                   ["flow_id", "protocol", "code", "class", "name", "count",
                    "errors", "first_us", "last_us", "source_id", "frame"]),
}
BLOBS = {"ip", "client", "server"}
NULL = "<null>"


def psql(sock, port, sql):
    out = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-h", sock, "-p", port,
         "-U", "otzone", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
         "-c", sql], check=True, capture_output=True, text=True).stdout
    return [tuple(l.split("\t")) for l in out.splitlines() if l != ""]


def local_rows(db, table, key, cols):
    sel = ", ".join("ifnull(lower(hex(%s)), '%s')" % (c, NULL) if c in BLOBS
                    else "ifnull(CAST(%s AS TEXT), '%s')" % (c, NULL)
                    for c in cols)
    return [tuple(r) for r in db.execute(
        "SELECT %s FROM %s ORDER BY %s" % (sel, table, key))]


def remote_rows(sock, port, sid, table, key, cols):
    sel = ", ".join("coalesce(encode(%s, 'hex'), '%s')" % (c, NULL)
                    if c in BLOBS else "coalesce(%s::text, '%s')" % (c, NULL)
                    for c in cols)
    return psql(sock, port, "SELECT %s FROM otzone_%s WHERE sensor_id = '%s'"
                " ORDER BY %s" % (sel, table, sid, key))


def main():
    if sys.argv[1] == "counts":
        sock, port = sys.argv[2], sys.argv[3]
        for t in TABLES:
            for r in psql(sock, port, "SELECT s.name, count(x.*) FROM "
                          "otzone_sensors s LEFT JOIN otzone_%s x USING "
                          "(sensor_id) GROUP BY s.name ORDER BY s.name" % t):
                print("%s %s %s" % (t, r[0], r[1]))
        return 0
    path, sock, port = sys.argv[1:4]
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    sid = db.execute("SELECT value FROM meta WHERE key = 'sensor_id'"
                     ).fetchone()[0]
    bad = 0
    for t, (key, cols) in TABLES.items():
        a = local_rows(db, t, key, cols)
        b = remote_rows(sock, port, sid, t, key, cols)
        if a == b:
            print("%s: %d rows, identical" % (t, len(a)))
            continue
        bad += 1
        print("%s: sqlite %d rows, postgresql %d: they differ" %
              (t, len(a), len(b)))
        sa, sb = set(a), set(b)
        for r in sorted(sa - sb)[:3]:
            print("  only sqlite:     " + "|".join(r)[:300])
        for r in sorted(sb - sa)[:3]:
            print("  only postgresql: " + "|".join(r)[:300])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""tests/merge/check_merge.py OTZONE: `otzone merge` end to end.

Two SPAN points: a generated plant capture is split (split.py) into the
packets of some cells and those of the others; each half is read into its
own sensor database (--sensor a, --sensor b) and the two are merged.  The
site must answer like one database read from the whole capture:

  assets --format json, zones --format json: equal, every field;
  flows --format json: equal except the evidence, `evidence.source` and
    `evidence.frame` and the operations' `first_frame`: each sensor
    numbers the frames of its own capture file, so the site's evidence
    names the half a sensor read; it is checked to be the very same packet
    (same bytes and time stamp) as the whole capture's evidence;
  check --policy ... --format json: equal except `evidence` (same reason,
    same check) and the sensor's path of the policy file (same here).

Cases: each flow in one half; the supervisory network's own traffic in
both halves (the same packets at two points: counted once); a routed
plant (policy-plant.pcap) with planted violations.  Then: merging again,
or in the other order, gives byte-identical outputs and tables; a schema 1
database merges as it is; bad inputs exit 2 with their message and leave
the site unchanged; `read` into a site is refused.
"""
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PCAPS = os.path.join(ROOT, "pcaps")

passed = 0
failed = 0


def report(ok, name, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("merge: ok: %s" % name)
    else:
        failed += 1
        print("merge: FAIL: %s%s" % (name, ": " + detail if detail else ""))


def run(otz, args, cwd):
    p = subprocess.run([otz] + args, cwd=cwd, capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def records(path):
    """The records of a classic pcap file, 1-based: header + data."""
    with open(path, "rb") as f:
        raw = f.read()
    endian = "<" if raw[:4] in (b"\xd4\xc3\xb2\xa1",
                                b"\x4d\x3c\xb2\xa1") else ">"
    out = [None]
    off = 24
    while off + 16 <= len(raw):
        incl = struct.unpack_from(endian + "I", raw, off + 8)[0]
        out.append(raw[off:off + 16 + incl])
        off += 16 + incl
    return out


class Pcaps:
    def __init__(self):
        self.cache = {}

    def packet(self, path, frame):
        if path not in self.cache:
            self.cache[path] = records(path) if os.path.exists(path) else []
        r = self.cache[path]
        return r[frame] if 0 < frame < len(r) else None


def table_dump(db):
    con = sqlite3.connect(db)
    out = []
    for t in ("sources", "assets", "flows", "operations", "meta",
              "m_sources", "m_assets", "m_flows", "m_operations"):
        out.append("-- " + t)
        out.extend(sorted(repr(row) for row in
                          con.execute("SELECT * FROM %s" % t)))
    con.close()
    return "\n".join(out)


def strip_flows(v):
    ev = []
    for f in v:
        ev.append(f.pop("evidence", None))
        for o in f.get("operations", []):
            o.pop("first_frame", None)
    return ev


def strip_check(v):
    ev = []
    for x in v.get("violations", []):
        ev.append(x.pop("evidence", None))
    return ev


def same_packets(pc, ev_whole, ev_site):
    """Each pair of evidence names the same packet in its file."""
    bad = []
    for w, s in zip(ev_whole, ev_site):
        if w is None or s is None:
            if w != s:
                bad.append((w, s))
            continue
        pw = pc.packet(w["source"], w["frame"])
        ps = pc.packet(s["source"], s["frame"])
        if pw is None or pw != ps:
            bad.append((w, s))
    return bad


def outputs(otz, db, policy, cwd):
    out = {}
    for cmd in ("assets", "flows", "zones"):
        rc, o, e = run(otz, ["--db", db, cmd, "--format", "json"], cwd)
        out[cmd] = (rc, o, e)
    rc, o, e = run(otz, ["--db", db, "check", "--policy", policy,
                         "--format", "json"], cwd)
    out["check"] = (rc, o, e)
    return out


def compare(otz, tmp, name, whole, site, policy, pc, want_findings):
    w = outputs(otz, whole, policy, tmp)
    s = outputs(otz, site, policy, tmp)
    for cmd in ("assets", "zones"):
        ok = w[cmd][0] == 0 and s[cmd][0] == 0
        jw = json.loads(w[cmd][1]) if ok else None
        js = json.loads(s[cmd][1]) if ok else None
        report(ok and jw == js and len(w[cmd][1]) > 2,
               "%s: %s equal to one sensor's" % (name, cmd),
               "rc %d/%d %s" % (w[cmd][0], s[cmd][0], s[cmd][2].strip()))
    fw = json.loads(w["flows"][1])
    fs = json.loads(s["flows"][1])
    ew, es = strip_flows(fw), strip_flows(fs)
    report(fw == fs and len(fw) > 0,
           "%s: flows equal to one sensor's (%d, with operation counts)" %
           (name, len(fw)))
    bad = same_packets(pc, ew, es)
    report(not bad and len(ew) == len(es),
           "%s: every flow's evidence is the same packet" % name,
           "%d differ, e.g. %r" % (len(bad), bad[:1]))
    cw, cs = json.loads(w["check"][1]), json.loads(s["check"][1])
    evw, evs = strip_check(cw), strip_check(cs)
    report(w["check"][0] == 1 and s["check"][0] == 1 and cw == cs and
           len(cw["violations"]) == want_findings,
           "%s: check findings equal (%d, exit 1)" %
           (name, len(cw["violations"])),
           "rc %d/%d, %d/%d findings" % (w["check"][0], s["check"][0],
                                          len(cw.get("violations", [])),
                                          len(cs.get("violations", []))))
    bad = same_packets(pc, evw, evs)
    report(not bad, "%s: every finding's evidence is the same packet" %
           name, "%r" % bad[:1])
    return s


def split(tmp, pcap, a_pref, b_pref, shared, tag):
    a = os.path.join(tmp, "%s-a.pcap" % tag)
    b = os.path.join(tmp, "%s-b.pcap" % tag)
    p = subprocess.run([sys.executable, os.path.join(HERE, "split.py"),
                        pcap, a, b, "--a", a_pref, "--b", b_pref,
                        "--shared", shared], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("merge: split.py failed: " + p.stderr)
    return a, b, [int(x) for x in p.stdout.split()]


def read(otz, tmp, db, pcap, sensor=None):
    args = ["--db", db]
    if sensor:
        args += ["--sensor", sensor]
    rc, o, e = run(otz, args + ["read", "-q", pcap], tmp)
    if rc != 0:
        raise SystemExit("merge: read %s failed: %s" % (pcap, e))


def case(otz, tmp, pc, tag, pcap, a_pref, b_pref, shared, policy,
         want_findings, want_dedup):
    a, b, counts = split(tmp, pcap, a_pref, b_pref, shared, tag)
    whole = os.path.join(tmp, tag + "-whole.db")
    adb = os.path.join(tmp, tag + "-a.db")
    bdb = os.path.join(tmp, tag + "-b.db")
    site = os.path.join(tmp, tag + "-site.db")
    read(otz, tmp, whole, pcap)
    read(otz, tmp, adb, a, "a")
    read(otz, tmp, bdb, b, "b")
    rc, o, e = run(otz, ["merge", adb, bdb, "--db", site], tmp)
    lines = e.strip().split("\n")
    report(rc == 0 and len(lines) == 2 and
           lines[0].startswith("otzone: merged %s: sensor a: " % adb) and
           lines[1].startswith("otzone: merged %s: sensor b: " % bdb) and
           all(("%d counted once" % want_dedup) in ln for ln in lines),
           "%s: merge of %d+%d packets (%d shared, %s) exits 0 with one "
           "line per sensor, %d flow counted once each" %
           (tag, counts[0], counts[1], counts[2], shared, want_dedup),
           "rc %d: %s" % (rc, e.strip()))
    compare(otz, tmp, tag, whole, site, policy, pc, want_findings)
    return adb, bdb, site


def main():
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        print("usage: tests/merge/check_merge.py OTZONE", file=sys.stderr)
        return 2
    otz = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="otz-merge-")
    pc = Pcaps()
    try:
        cells = os.path.join(PCAPS, "plant-cells.pcap")
        cpol = os.path.join(HERE, "cells.yaml")
        cell_a = "10.20.1.,10.20.2.,10.20.3."
        cell_b = "10.20.4.,10.20.5.,10.20.6."
        # each flow in one half
        case(otz, tmp, pc, "cells", cells, cell_a, cell_b, "a", cpol, 13, 0)
        # the supervisory network's own traffic at both SPAN points
        adb, bdb, site = case(otz, tmp, pc, "cells-both", cells, cell_a,
                              cell_b, "both", cpol, 13, 1)
        # a routed plant with the planted violations
        case(otz, tmp, pc, "routed", os.path.join(PCAPS, "policy-plant.pcap"),
             "10.10.1.,10.10.2.", "10.10.3.,10.10.4.", "both",
             os.path.join(ROOT, "tests", "policy", "plant.yaml"), 4, 9)
        idempotence(otz, tmp, adb, bdb, site, cpol)
        version1(otz, tmp, adb, bdb, site, cpol)
        errors(otz, tmp, adb, bdb, site)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("merge: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def idempotence(otz, tmp, adb, bdb, site, policy):
    before = outputs(otz, site, policy, tmp)
    tables = table_dump(site)
    rc, o, e = run(otz, ["merge", adb, "--db", site], tmp)
    report(rc == 0 and "sensor a (replaces its earlier merge): " in e and
           "(0 new), " in e,
           "merging a again: exit 0, says it replaces a's rows", e.strip())
    after = outputs(otz, site, policy, tmp)
    report(before == after, "merging a again: byte-identical assets, flows,"
           " zones and check outputs")
    report(table_dump(site) == tables,
           "merging a again: identical tables, row by row")
    rc, o, e = run(otz, ["merge", bdb, adb, "--db", site, "--quiet"], tmp)
    report(rc == 0 and e == "" and outputs(otz, site, policy, tmp) == before
           and table_dump(site) == tables,
           "merging b then a (--quiet): silent, the same site", e.strip())
    # report works on the site as on any database
    html = os.path.join(tmp, "site.html")
    rc, o, e = run(otz, ["--db", site, "report", "--policy", policy, "-o",
                         html], tmp)
    report(rc in (0, 1) and os.path.getsize(html) > 1000,
           "report on the site database", "rc %d %s" % (rc, e.strip()))


def no_evidence(out):
    """outputs() without the evidence: which sensor's capture names a
    packet both saw at the same time depends on the sensors' names."""
    fl = json.loads(out["flows"][1])
    ch = json.loads(out["check"][1])
    strip_flows(fl)
    strip_check(ch)
    return (out["assets"], out["zones"], fl, ch)


def version1(otz, tmp, adb, bdb, site, policy):
    """A database of otzone's schema 1 (no meta) merges as it is, named
    after its file, unchanged by the merge."""
    old = os.path.join(tmp, "old-cell.db")
    con = sqlite3.connect(adb)
    con.execute("VACUUM INTO ?", (old,))
    con.close()
    con = sqlite3.connect(old)
    con.executescript("DROP TABLE meta; PRAGMA user_version = 1;")
    con.close()
    site1 = os.path.join(tmp, "site-v1.db")
    rc, o, e = run(otz, ["merge", old, bdb, "--db", site1], tmp)
    report(rc == 0 and ("merged %s: sensor old-cell: " % old) in e,
           "a version 1 database merges, named after its file", e.strip())
    want = no_evidence(outputs(otz, site, policy, tmp))
    report(no_evidence(outputs(otz, site1, policy, tmp)) == want,
           "version 1 input: the same site as from its version 2 original"
           " (but for the evidence: the tie between sensors 'old-cell'"
           " and 'b' goes the other way)")
    con = sqlite3.connect(old)
    v = con.execute("PRAGMA user_version").fetchone()[0]
    n = con.execute("SELECT count(*) FROM sqlite_master WHERE name ="
                    " 'meta'").fetchone()[0]
    con.close()
    report(v == 1 and n == 0, "version 1 input: left at version 1")
    tables = table_dump(site1)
    rc, o, e = run(otz, ["merge", old, "--db", site1, "-q"], tmp)
    report(rc == 0 and table_dump(site1) == tables,
           "version 1 input merged again: recognised by its derived id,"
           " identical tables", e.strip())


def expect_fail(otz, tmp, name, args, want, site, tables):
    rc, o, e = run(otz, args, tmp)
    lines = e.strip().split("\n")
    report(rc == 2 and len(lines) == 1 and lines[0].startswith("otzone: ")
           and want in lines[0] and
           (site is None or table_dump(site) == tables),
           "%s: exit 2, one line '%s'%s" %
           (name, want, ", site unchanged" if site else ""),
           "rc %d: %s" % (rc, e.strip()))


def errors(otz, tmp, adb, bdb, site):
    tables = table_dump(site)
    junk = os.path.join(tmp, "junk.db")
    with open(junk, "w") as f:
        f.write("this is not a database, it is a text file of some size\n")
    empty = os.path.join(tmp, "empty.db")
    open(empty, "w").close()
    newer = os.path.join(tmp, "newer.db")
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.close()
    site2 = os.path.join(tmp, "site2.db")
    run(otz, ["merge", adb, "--db", site2, "-q"], tmp)
    expect_fail(otz, tmp, "missing input",
                ["merge", adb, os.path.join(tmp, "nope.db"), "--db", site],
                "nope.db: No such file or directory", site, tables)
    expect_fail(otz, tmp, "not a database", ["merge", junk, "--db", site],
                "not a usable database", site, tables)
    expect_fail(otz, tmp, "empty file", ["merge", empty, "--db", site],
                "no otzone data", site, tables)
    expect_fail(otz, tmp, "newer schema", ["merge", newer, "--db", site],
                "database schema version 99 is newer than this otzone",
                site, tables)
    expect_fail(otz, tmp, "site as its own input",
                ["merge", adb, site, "--db", site],
                "is the site database itself", site, tables)
    expect_fail(otz, tmp, "a site database as input",
                ["merge", site2, "--db", site],
                "is a site database (made by otzone merge)", site, tables)
    expect_fail(otz, tmp, "a sensor's database as the site",
                ["merge", adb, "--db", bdb],
                "holds a sensor's own data", None, None)
    expect_fail(otz, tmp, "no input", ["merge", "--db", site],
                "merge: no database given", site, tables)
    new_site = os.path.join(tmp, "new-site.db")
    expect_fail(otz, tmp, "failed merge into a new file",
                ["merge", junk, "--db", new_site], "not a usable database",
                None, None)
    report(not os.path.exists(new_site) and
           not os.path.exists(new_site + "-wal"),
           "failed merge into a new file: the file is not left behind")
    expect_fail(otz, tmp, "read into a site",
                ["--db", site, "read", os.path.join(PCAPS,
                                                     "modbus-basic.pcap")],
                "a merged site database (otzone merge)", site, tables)
    # a site locked by another writer: refused after the busy timeout
    con = sqlite3.connect(site, timeout=1, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    done = threading.Event()
    holder = threading.Timer(30, done.set)
    holder.start()
    try:
        expect_fail(otz, tmp, "locked site", ["merge", adb, "--db", site],
                    "database is locked", None, None)
    finally:
        holder.cancel()
        con.execute("ROLLBACK")
        con.close()
    report(table_dump(site) == tables, "locked site: unchanged")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""check_policy.py OTZONE: the policy check end to end (make check).

 1. pcaps/policy-*.pcap, tests/policy/*.yaml and cases.json are what
    tests/gen/policy_cases.py generates today (byte for byte);
 2. every case: otzone read + check (json, csv, table): exit status 0 or 1
    and exactly the expected findings (rule, requirement, SL-T, client,
    server, protocol, class, zones, count, evidence file and frame), the
    same rows stored in the database's violations table;
 3. errors: a policy with mistakes (FILE:LINE:COL, exit 2, nothing
    stored), no database, no --policy, a bad --format: exit 2;
 4. the report of the planted-violations plant: parses as HTML (balanced
    tags), holds every finding and every asset, fetches nothing; rendered
    by headless Chromium (skipped, with a line, when not installed), the
    screenshot kept in tests/artifacts/;
 5. the round trip: `otzone zones --emit-policy` checked against the same
    traffic gives no finding (skipped while `zones` is not available).
Prints one line per failure and a closing "policy: N passed, M failed".
"""
import csv
import filecmp
import html.parser
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FIELDS = ("rule", "requirement", "sl_t", "client", "server", "protocol",
          "class", "zone_from", "zone_to", "count", "frame")


class T:
    def __init__(self):
        self.npass = self.nfail = 0

    def ok(self, cond, what):
        if cond:
            self.npass += 1
        else:
            self.nfail += 1
            print("policy: FAIL %s" % what)
        return cond


def run(otz, *args, db=None):
    cmd = [otz] + (["--db", db] if db else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=TOP)


def key(f):
    return (f["rule"], f["client"], f["server"], f["protocol"], f["class"])


def fresh(t, tmp):
    """The committed files are what the generator makes today."""
    out = os.path.join(tmp, "gen")
    r = subprocess.run([sys.executable, os.path.join(
        TOP, "tests", "gen", "policy_cases.py"), "-o", out],
        capture_output=True, text=True)
    if not t.ok(r.returncode == 0, "policy_cases.py failed: %s" % r.stderr):
        return
    cases = json.load(open(os.path.join(out, "tests", "policy",
                                        "cases.json")))["cases"]
    files = ["tests/policy/cases.json"]
    for c in cases:
        files += [c["pcap"], c["pcap"][:-5] + ".truth.json", c["policy"]]
    for f in sorted(set(files)):
        t.ok(os.path.exists(os.path.join(TOP, f)) and filecmp.cmp(
            os.path.join(out, f), os.path.join(TOP, f), shallow=False),
            "%s differs from what tests/gen/policy_cases.py generates" % f)
    for c in cases:
        t.ok(os.path.getsize(os.path.join(TOP, c["pcap"])) < 100 * 1024,
             "%s is not under 100 KB" % c["pcap"])


def check_case(t, otz, tmp, c):
    name = c["name"]
    db = os.path.join(tmp, name + ".db")
    r = run(otz, "--quiet", "read", c["pcap"], db=db)
    if not t.ok(r.returncode == 0, "%s: read: %s" % (name, r.stderr)):
        return None
    r = run(otz, "check", "--policy", c["policy"], "--format", "json", db=db)
    t.ok(r.returncode == c["exit"], "%s: exit %d, want %d (%s)" % (
        name, r.returncode, c["exit"], r.stderr.strip()))
    try:
        got = json.loads(r.stdout)
    except ValueError:
        t.ok(False, "%s: check output is not JSON" % name)
        return None
    gv = {key(f): f for f in got["violations"]}
    t.ok(len(gv) == len(got["violations"]), "%s: duplicate findings" % name)
    want = {key(f): f for f in c["findings"]}
    for k in sorted(set(want) - set(gv), key=str):
        t.ok(False, "%s: missing finding %s" % (name, k))
    for k in sorted(set(gv) - set(want), key=str):
        t.ok(False, "%s: unexpected finding %s" % (name, k))
    for k in sorted(set(want) & set(gv), key=str):
        w, g = want[k], gv[k]
        for fld in FIELDS:
            gf = g["evidence"]["frame"] if fld == "frame" else g[fld]
            t.ok(gf == w[fld], "%s: %s: %s is %r, want %r" % (
                name, k, fld, gf, w[fld]))
        t.ok(os.path.basename(g["evidence"]["source"] or "") ==
             os.path.basename(c["pcap"]),
             "%s: %s: evidence source %r" % (name, k,
                                              g["evidence"]["source"]))
        t.ok(g["severity"] in ("low", "medium", "high", "critical"),
             "%s: severity %r" % (name, g["severity"]))
    t.ok(len(got["sl_gap"]) > 0 and all(
        0 <= z["achieved"] <= 4 and len(z["requirements"]) == 8
        for z in got["sl_gap"]), "%s: sl_gap" % name)
    # the same findings stored in the database
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT rule, client, server, protocol, class, requirement, sl_t,"
        " count, frame FROM violations").fetchall()
    con.close()
    stored = {(r[0], r[1], r[2], r[3], r[4]): r[5:] for r in rows}
    t.ok(len(rows) == len(gv) and all(
        stored.get(k) == (g["requirement"], g["sl_t"], g["count"],
                          g["evidence"]["frame"]) for k, g in gv.items()),
        "%s: the violations table does not hold the findings" % name)
    # CSV and table carry the same findings, with the same exit status
    r = run(otz, "check", "--policy", c["policy"], "--format", "csv", db=db)
    t.ok(r.returncode == c["exit"], "%s: csv exit %d" % (name, r.returncode))
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    t.ok(sorted((x["rule"], x["client"], x["evidence_frame"]) for x in rows)
         == sorted((g["rule"], g["client"], str(g["evidence"]["frame"]))
                   for g in gv.values()), "%s: csv differs" % name)
    r = run(otz, "check", "--policy", c["policy"], db=db)
    t.ok(r.returncode == c["exit"] and "%d finding" % len(gv) in r.stdout,
         "%s: table output" % name)
    return db


class Html(html.parser.HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area",
            "base", "wbr", "source", "track", "embed", "param"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.text = []
        self.fetches = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.fetches.append(v)
        if tag not in self.VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append("</%s> at %s does not close %s" % (
                tag, self.getpos(), self.stack[-1] if self.stack else
                "anything"))
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def check_report(t, otz, tmp, c, db):
    out = os.path.join(tmp, "report.html")
    r = run(otz, "report", "--policy", c["policy"], "-o", out, db=db)
    if not t.ok(r.returncode == 0, "report: exit %d: %s" % (
            r.returncode, r.stderr)):
        return
    doc = open(out, encoding="utf-8").read()
    p = Html()
    p.feed(doc)
    p.close()
    t.ok(not p.errors and not p.stack, "report: unbalanced HTML: %s %s" % (
        p.errors[:3], p.stack[:3]))
    t.ok(not p.fetches, "report: fetches %s" % p.fetches[:3])
    t.ok("Content-Security-Policy" in doc and "<svg" in doc,
         "report: no CSP or no inline diagram")
    text = " ".join(" ".join(p.text).split())
    got = json.loads(run(otz, "check", "--policy", c["policy"], "--format",
                         "json", db=db).stdout)["violations"]
    t.ok(len(got) == len(c["findings"]), "report: findings")
    for g in got:
        needle = "%s %s %s" % (g["rule"], g["requirement"], g["sl_t"])
        ev = "%s frame %d" % (g["evidence"]["source"],
                              g["evidence"]["frame"])
        t.ok(needle in text and ev in text and g["client"] in text,
             "report: finding %s %s -> %s (%s) not shown" % (
                 g["rule"], g["client"], g["server"], ev))
    assets = json.loads(run(otz, "assets", "--format", "json",
                            db=db).stdout)
    t.ok(len(assets) > 10, "report: assets")
    for a in assets:
        t.ok(a["ip"] in text, "report: asset %s not shown" % a["ip"])
    chromium(t, out)


def chromium(t, html_path):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("policy: SKIP report rendering: chromium is not installed")
        return
    art = os.path.join(TOP, "tests", "artifacts")
    os.makedirs(art, exist_ok=True)
    png = os.path.join(art, "policy-report.png")
    if os.path.exists(png):
        os.unlink(png)
    with tempfile.TemporaryDirectory() as prof:
        base = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + prof]
        url = "file://" + os.path.abspath(html_path)
        try:
            r = subprocess.run(base + ["--window-size=1400,2400",
                                       "--screenshot=" + png, url],
                               capture_output=True, timeout=120)
            d = subprocess.run(base + ["--dump-dom", url],
                               capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            t.ok(False, "report: chromium timed out")
            return
    data = open(png, "rb").read() if os.path.exists(png) else b""
    t.ok(r.returncode == 0 and data[:8] == b"\x89PNG\r\n\x1a\n" and
         len(data) > 20000, "report: chromium screenshot (exit %d, %d "
         "bytes)" % (r.returncode, len(data)))
    # the DOM after rendering: the browser built the findings tables and
    # the inline SVG
    t.ok(d.returncode == 0 and 'id="findings"' in d.stdout and
         "<svg" in d.stdout and d.stdout.count("<tr") > 20,
         "report: chromium DOM")
    if data:
        print("policy: report screenshot %s (%d bytes)" % (
            os.path.relpath(png, TOP), len(data)))


def check_errors(t, otz, tmp, db):
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("zones:\n"
                "  - name: cell\n"
                "    sl_t: 5\n"
                "    networks: [10.0.0.0/33]\n"
                "  - name: office\n"
                "    sl_t: 1\n"
                "    networks: [10.0.0.0/8]\n"
                "    colour: blue\n"
                "conduits:\n"
                "  - {from: office, to: nowhere, allow: []}\n")
    con = sqlite3.connect(db)
    before = con.execute("SELECT count(*) FROM violations").fetchone()[0]
    con.close()
    r = run(otz, "check", "--policy", bad, db=db)
    want = ["otzone: %s:3:11: sl_t must be from 1 to 4, not 5" % bad,
            "otzone: %s:4:16: networks: '10.0.0.0/33': an IPv4 prefix "
            "length is at most 32" % bad,
            "otzone: %s:8:5: unknown key 'colour' in a zone (expected "
            "name, sl_t, networks, assets, precedence, purdue_level, "
            "description)" % bad,
            "otzone: %s:10:24: to: unknown zone 'nowhere'" % bad]
    t.ok(r.returncode == 2 and r.stdout == "" and
         r.stderr.splitlines() == want,
         "bad policy: exit %d, stderr %r" % (r.returncode, r.stderr))
    con = sqlite3.connect(db)
    after = con.execute("SELECT count(*) FROM violations").fetchone()[0]
    con.close()
    t.ok(before == after, "bad policy: stored findings changed")
    r = run(otz, "report", "--policy", bad, "-o",
            os.path.join(tmp, "x.html"), db=db)
    t.ok(r.returncode == 2 and not os.path.exists(
        os.path.join(tmp, "x.html")), "bad policy: report exit %d" %
        r.returncode)
    pol = "tests/policy/no-conduit.yaml"
    for args, what in (
            (["check"], "no --policy"),
            (["check", "--policy", pol, "--format", "dot"], "format dot"),
            (["check", "--policy", "/nonexistent.yaml"], "no policy file"),
            (["check", "--policy", pol, "extra"], "extra argument"),
            (["report", "--policy", pol, "--format", "json"],
             "report --format")):
        r = run(otz, *args, db=db)
        t.ok(r.returncode == 2 and r.stderr.startswith("otzone: "),
             "%s: exit %d (%s)" % (what, r.returncode, r.stderr.strip()))
    r = run(otz, "check", "--policy", pol,
            db=os.path.join(tmp, "missing.db"))
    t.ok(r.returncode == 2 and "no such database" in r.stderr and
         not os.path.exists(os.path.join(tmp, "missing.db")),
         "missing database: exit %d" % r.returncode)


def example(t, otz, tmp):
    """etc/policy.example.yaml is valid and reads the sample plant."""
    db = os.path.join(tmp, "sample.db")
    run(otz, "--quiet", "read", "pcaps/sample-plant.pcap", db=db)
    r = run(otz, "check", "--policy", "etc/policy.example.yaml", "--format",
            "json", db=db)
    got = []
    try:
        got = sorted((f["rule"], f["client"], f["server"])
                     for f in json.loads(r.stdout)["violations"])
    except ValueError:
        pass
    t.ok(r.returncode == 1 and r.stderr == "" and got == [
        ("no-integrity", "10.0.30.10", "10.0.40.11"),
        ("remote-access-into-control", "10.0.10.101", "10.0.20.10"),
        ("remote-access-into-control", "10.0.10.102", "10.0.20.20")],
        "etc/policy.example.yaml on the sample plant: exit %d, %s %s" % (
            r.returncode, r.stderr.strip(), got))


def round_trip(t, otz, tmp):
    probe = run(otz, "zones", "--emit-policy",
                db=os.path.join(tmp, "no-conduit-fire.db"))
    if probe.returncode != 0:
        print("policy: SKIP round trip: `otzone zones --emit-policy` is "
              "not available (%s)" % probe.stderr.strip()[:80])
        return
    pcaps = sorted("pcaps/" + f for f in os.listdir(os.path.join(
        TOP, "pcaps")) if f.endswith(".pcap") and not (
            f.startswith("policy-") and f != "policy-plant.pcap"))
    done = 0
    for pcap in pcaps:
        db = os.path.join(tmp, "rt-" + os.path.basename(pcap) + ".db")
        run(otz, "--quiet", "read", pcap, db=db)
        r = run(otz, "zones", "--emit-policy", db=db)
        if not t.ok(r.returncode == 0, "round trip %s: zones exit %d" % (
                pcap, r.returncode)):
            continue
        pol = os.path.join(tmp, "rt-" + os.path.basename(pcap) + ".yaml")
        with open(pol, "w") as f:
            f.write(r.stdout)
        r = run(otz, "check", "--policy", pol, "--format", "json", db=db)
        n = -1
        try:
            n = len(json.loads(r.stdout)["violations"])
        except ValueError:
            pass
        if t.ok(r.returncode == 0 and n == 0,
                "round trip %s: exit %d, %d findings: %s" % (
                    pcap, r.returncode, n, r.stderr.strip()[:200] or
                    r.stdout[:300])):
            done += 1
    print("policy: round trip: %d of %d captures give no finding against "
          "the policy `otzone zones --emit-policy` declares for them" % (
              done, len(pcaps)))


def main():
    otz = os.path.abspath(sys.argv[1])
    t = T()
    cases = json.load(open(os.path.join(TOP, "tests", "policy",
                                        "cases.json")))["cases"]
    with tempfile.TemporaryDirectory() as tmp:
        fresh(t, tmp)
        dbs = {}
        for c in cases:
            dbs[c["name"]] = check_case(t, otz, tmp, c)
        plant = [c for c in cases if c["name"] == "plant"][0]
        if dbs.get("plant"):
            check_report(t, otz, tmp, plant, dbs["plant"])
            check_errors(t, otz, tmp, dbs["plant"])
        example(t, otz, tmp)
        round_trip(t, otz, tmp)
    print("policy: %d passed, %d failed" % (t.npass, t.nfail))
    return 1 if t.nfail else 0


if __name__ == "__main__":
    sys.exit(main())

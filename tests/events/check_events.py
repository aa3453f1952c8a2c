#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""check_events.py: the change events end to end (tests/events/check.sh).

    check_events.py OTZONE WORKDIR            file checks
    check_events.py OTZONE WORKDIR --syslog UDPPORT TCPPORT RECEIVED
                                              syslog checks (rsyslogd
                                              started by check.sh)

WORKDIR holds step1/step2 captures from gen_events.py.  Every expected
value comes from the generator's truth and frame log (gen_events.py), the
policy tests/events/plant.yaml and the ARCHITECTURE rules, not from otzone.
"""

import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
POLICY = os.path.join(HERE, "plant.yaml")
SCHEMA = os.path.join(HERE, "events.schema.json")

PASS = 0
FAIL = 0


def ok(name, cond, detail=""):
    global PASS, FAIL
    if cond:
        PASS += 1
        print("events: ok   %s" % name)
    else:
        FAIL += 1
        print("events: FAIL %s%s" % (name, (": " + detail) if detail else ""))


def run(otz, args, expect=0):
    p = subprocess.run([otz] + args, capture_output=True, text=True)
    if p.returncode != expect:
        print("events: %s exited %d: %s" % (" ".join(args), p.returncode,
                                           p.stderr.strip()))
    return p


def plc_firmware(otz, db):
    p = run(otz, ["--db", db, "assets", "--format", "json"])
    for a in json.loads(p.stdout or "[]"):
        if a.get("ip") == "10.4.0.10":
            return (a.get("identity") or {}).get("firmware")
    return None


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(x) for x in f if x.strip()]


def ts_text(us):
    t = time.gmtime(us // 1000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%06dZ" % (us % 1000000)


def ecs_mac(m):
    return m.upper().replace(":", "-")


# --- expectations from the generator -----------------------------------------

class Plant:
    def __init__(self, work, step):
        with open(os.path.join(work, step + ".truth.json")) as f:
            self.truth = json.load(f)
        with open(os.path.join(work, "frames.json")) as f:
            self.frames = json.load(f)[step]
        self.path = os.path.join(work, step + ".pcap")
        self.assets = {a["ip"]: a for a in self.truth["assets"]}

    def ts(self, frame):
        return ts_text(self.frames["ts"][frame])

    def flow(self, client, server):
        for f in self.truth["flows"]:
            if f["client"] == client and f["server"] == server:
                return f
        raise KeyError((client, server))

    def first_req(self, client, server, cls):
        f = self.flow(client, server)
        return min(r["first_frame"] for r in f["requests"]
                   if r["class"] == cls)


ZONE = {"10.1.0": "office", "10.3.0": "supervisory", "10.4.0": "cell"}
LEVEL = {"new-asset": 5, "asset-identity-changed": 4, "new-zone-flow": 6,
         "new-conduit": 5, "capture-drops": 4}
KIND = {
    "new-asset": ("event", ["host"], ["creation"]),
    "asset-identity-changed": ("event", ["host", "configuration"],
                               ["change"]),
    "new-zone-flow": ("event", ["network"], ["connection", "start"]),
    "new-conduit": ("event", ["network"], ["connection", "start"]),
    "first-class-on-conduit": ("event", ["network"], ["protocol"]),
    "new-finding": ("alert", ["intrusion_detection", "network"], ["info"]),
    "capture-drops": ("event", ["network"], ["info"]),
}
# otzone's product is the 43/14 ProductCode object (README, identity)
IDENT_V310 = {"vendor": "Schneider Electric", "product": "BMX P34 2020",
              "model": "BMX P34 2020", "firmware": "v3.10",
              "name": "LINE2_FILLER"}


def asset_obj(pl, ip, ident=None):
    a = pl.assets[ip]
    o = {"ip": ip, "vlan": a.get("vlan") or 0, "mac": a["mac"]}
    o.update(ident or {})
    return o


def base(pl, action, ts_frame, observer, level=None):
    kind, cat, typ = KIND[action]
    lvl = LEVEL[action] if level is None else level
    names = ["emergency", "alert", "critical", "error", "warning", "notice",
             "informational", "debug"]
    return {
        "@timestamp": pl.ts(ts_frame),
        "ecs": {"version": "8.11.0"},
        "event": {"kind": kind, "category": cat, "type": typ,
                  "action": action, "severity": lvl, "module": "otzone",
                  "dataset": "otzone.events"},
        "log": {"level": names[lvl]},
        "observer": {"name": observer, "type": "sensor",
                     "product": "otzone", "vendor": "otzone"},
    }


def ev_asset(pl, ip, observer, ident=None):
    f = min((f for f in pl.truth["flows"]
             if ip in (f["client"], f["server"])),
            key=lambda f: f["first_frame"])
    e = base(pl, "new-asset", f["first_frame"], observer)
    a = pl.assets[ip]
    e["message"] = "new asset %s (vlan %d)" % (ip, a.get("vlan") or 0)
    e["host"] = {"ip": [ip], "mac": [ecs_mac(a["mac"])]}
    e["otzone"] = {"type": "new-asset", "asset": asset_obj(pl, ip, ident),
                   "evidence": {"source": pl.path,
                                "frame": f["first_frame"]}}
    return e


def flow_part(pl, e, action, c, s, ident_s=None):
    zf, zt = ZONE[c.rsplit(".", 1)[0]], ZONE[s.rsplit(".", 1)[0]]
    e["source"] = {"ip": c, "mac": ecs_mac(pl.assets[c]["mac"])}
    e["destination"] = {"ip": s, "mac": ecs_mac(pl.assets[s]["mac"]),
                        "port": 502}
    vlan = pl.assets[c].get("vlan") or pl.assets[s].get("vlan")
    e["network"] = {"protocol": "modbus", "transport": "tcp"}
    if vlan:
        e["network"]["vlan"] = {"id": str(vlan)}
    e["otzone"] = {"type": action, "source": asset_obj(pl, c),
                   "destination": asset_obj(pl, s, ident_s),
                   "zones": {"from": zf, "to": zt}}
    return zf, zt


def ev_flow(pl, action, c, s, observer, ident_s, cls=None):
    f = pl.flow(c, s)
    frame = f["first_frame"] if cls is None else pl.first_req(c, s, cls)
    lvl = None
    if cls is not None:
        lvl = {"program": 4, "control": 4, "write": 5}.get(cls, 6)
    e = base(pl, action, frame, observer, lvl)
    e["message"] = ""
    zf, zt = flow_part(pl, e, action, c, s, ident_s)
    if action == "new-zone-flow":
        e["message"] = ("new flow %s -> %s tcp/502 (modbus) from zone %s to "
                        "zone %s" % (c, s, zf, zt))
    elif action == "new-conduit":
        e["message"] = ("new conduit: first flow from zone %s to zone %s "
                        "(%s -> %s, modbus)" % (zf, zt, c, s))
    else:
        e["message"] = ("first %s operation from zone %s to zone %s "
                        "(%s -> %s, modbus)" % (cls, zf, zt, c, s))
        e["otzone"]["class"] = cls
    e["otzone"]["evidence"] = {"source": pl.path, "frame": frame}
    return e


def expected_step1(pl, obs):
    scada, ews, plc = "10.3.0.10", "10.3.0.30", "10.4.0.10"
    return [
        ev_asset(pl, scada, obs),
        ev_asset(pl, plc, obs, IDENT_V310),
        ev_flow(pl, "new-zone-flow", scada, plc, obs, IDENT_V310),
        ev_flow(pl, "new-conduit", scada, plc, obs, IDENT_V310),
        ev_flow(pl, "first-class-on-conduit", scada, plc, obs, IDENT_V310,
                "read"),
        ev_asset(pl, ews, obs),
        ev_flow(pl, "new-zone-flow", ews, plc, obs, IDENT_V310),
    ]


def expected_step2(pl, obs):
    ews, pc, plc = "10.3.0.30", "10.1.0.10", "10.4.0.10"
    v320 = dict(IDENT_V310, firmware="v3.20")
    fr = pl.frames["identity_frame"]
    idc = base(pl, "asset-identity-changed", fr, obs)
    idc["message"] = ("asset %s: firmware changed from 'v3.10' to 'v3.20'"
                      % plc)
    idc["host"] = {"ip": [plc], "mac": [ecs_mac(pl.assets[plc]["mac"])]}
    idc["otzone"] = {"type": "asset-identity-changed",
                     "asset": asset_obj(pl, plc, v320),
                     "changes": [{"field": "firmware", "old": "v3.10",
                                  "new": "v3.20"}],
                     "evidence": {"source": pl.path, "frame": fr}}
    f = pl.flow(pc, plc)
    find = base(pl, "new-finding", f["first_frame"], obs, 5)
    flow_part(pl, find, "new-finding", pc, plc, v320)
    del find["destination"]["port"]
    del find["network"]["transport"]
    find["message"] = ("new finding no-conduit (SR 5.2 RE1, low): %s -> %s "
                       "modbus" % (pc, plc))
    find["rule"] = {"id": "no-conduit", "name": "no-conduit",
                    "reference": "IEC 62443-3-3 SR 5.2 RE1",
                    "ruleset": "otzone-policy"}
    find["otzone"]["class"] = "read"
    find["otzone"]["finding"] = {"rule": "no-conduit",
                                 "requirement": "SR 5.2 RE1", "sl_t": 2,
                                 "severity": "low", "count": 1}
    find["otzone"]["evidence"] = {"source": pl.path,
                                  "frame": f["first_frame"]}
    return [
        idc,
        ev_flow(pl, "first-class-on-conduit", ews, plc, obs, v320,
                "program"),
        ev_asset(pl, pc, obs),
        ev_flow(pl, "new-zone-flow", pc, plc, obs, v320),
        ev_flow(pl, "new-conduit", pc, plc, obs, v320),
        ev_flow(pl, "first-class-on-conduit", pc, plc, obs, v320, "read"),
        find,
    ]


def diff(got, want):
    """First difference between two JSON values, as a path."""
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got)):
            if k not in got:
                return "%s: missing" % k
            if k not in want:
                return "%s: unexpected %r" % (k, got[k])
            d = diff(got[k], want[k])
            if d:
                return "%s.%s" % (k, d)
        return ""
    if got != want:
        return " got %r, want %r" % (got, want)
    return ""


def compare(name, got, want):
    ok("%s: %d events" % (name, len(want)), len(got) == len(want),
       "got %d: %s" % (len(got), [g["event"]["action"] for g in got]))
    for i, (g, w) in enumerate(zip(got, want)):
        d = diff(g, w)
        ok("%s: event %d %s field by field" % (name, i + 1,
                                               w["event"]["action"]),
           d == "", d)


def validate(name, events):
    try:
        import jsonschema
    except ImportError:
        print("events: SKIP schema: python3-jsonschema not installed")
        return
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker())
    bad = []
    for i, e in enumerate(events):
        for err in v.iter_errors(e):
            bad.append("line %d: %s at %s" % (i + 1, err.message,
                                              list(err.path)))
        if e.get("event", {}).get("action") != e.get("otzone", {}).get(
                "type"):
            bad.append("line %d: event.action != otzone.type" % (i + 1))
    ok("%s: %d lines valid against events.schema.json" % (name,
                                                          len(events)),
       not bad and events, "; ".join(bad[:3]))
    return v


# --- the checks ----------------------------------------------------------------

def file_checks(otz, work):
    obs = socket.gethostname()
    p1, p2 = Plant(work, "step1"), Plant(work, "step2")
    db = os.path.join(work, "e.db")
    ev1, ev2 = os.path.join(work, "e1.ndjson"), os.path.join(work,
                                                            "e2.ndjson")
    run(otz, ["--db", db, "read", "--quiet", "--events", ev1, "--policy",
              POLICY, p1.path])
    run(otz, ["--db", db, "read", "--quiet", "--events", ev2, "--policy",
              POLICY, p2.path])
    g1, g2 = lines(ev1), lines(ev2)
    compare("step 1", g1, expected_step1(p1, obs))
    compare("step 2", g2, expected_step2(p2, obs))
    types = {e["event"]["action"] for e in g1 + g2}
    ok("every change type produced", types == {
        "new-asset", "asset-identity-changed", "new-zone-flow",
        "new-conduit", "first-class-on-conduit", "new-finding"},
       str(sorted(types)))
    v = validate("schema", g1 + g2)
    if v is not None:
        broken = dict(g1[0])
        del broken["@timestamp"]
        ok("schema rejects a line without @timestamp",
           not v.is_valid(broken))
        broken = json.loads(json.dumps(g2[-1]))
        broken["event"]["kind"] = "event"
        ok("schema rejects a finding that is not an alert",
           not v.is_valid(broken))

    # the last capture again: nothing is new
    ev3 = os.path.join(work, "e3.ndjson")
    run(otz, ["--db", db, "read", "--quiet", "--force", "--events", ev3,
              "--policy", POLICY, p2.path])
    ok("re-reading the last capture: no events", lines(ev3) == [],
       str([e["message"] for e in lines(ev3)]))
    # the older capture again: its older firmware does not change the
    # identity back, and no event says it did
    ev6 = os.path.join(work, "e6.ndjson")
    run(otz, ["--db", db, "read", "--quiet", "--force", "--events", ev6,
              "--policy", POLICY, p1.path])
    ok("re-reading the older capture: no events", lines(ev6) == [],
       str([e["message"] for e in lines(ev6)]))
    ok("re-reading the older capture: the firmware stays v3.20",
       plc_firmware(otz, db) == "v3.20", plc_firmware(otz, db))
    # newer first, then older, into a fresh database: the same identity
    db6 = os.path.join(work, "reverse.db")
    ev7 = os.path.join(work, "e7.ndjson")
    run(otz, ["--db", db6, "read", "--quiet", p2.path])
    run(otz, ["--db", db6, "read", "--quiet", "--events", ev7, p1.path])
    ok("older capture read last: the firmware is the newer one's",
       plc_firmware(otz, db6) == "v3.20", plc_firmware(otz, db6))
    got = [e["event"]["action"] for e in lines(ev7)]
    ok("older capture read last: no identity change", "asset-identity-"
       "changed" not in got, str(got))

    # no policy and no proposal: no zone events
    db2 = os.path.join(work, "nozones.db")
    ev4 = os.path.join(work, "e4.ndjson")
    run(otz, ["--db", db2, "read", "--quiet", "--events", ev4, p1.path])
    got = [e["event"]["action"] for e in lines(ev4)]
    ok("without zones: only the 3 new-asset events",
       got == ["new-asset"] * 3, str(got))
    # zones from the stored proposal
    run(otz, ["--db", db2, "zones", "--format", "json", "-o",
              os.path.join(work, "zones.json")])
    with open(os.path.join(work, "zones.json")) as f:
        zj = json.load(f)
    zone_of = {}
    for z in zj["zones"]:
        for m in z["members"]:
            zone_of[m["ip"] if isinstance(m, dict) else m] = z["name"]
    ev5 = os.path.join(work, "e5.ndjson")
    run(otz, ["--db", db2, "read", "--quiet", "--events", ev5, p2.path])
    got = lines(ev5)
    acts = [e["event"]["action"] for e in got]
    # The proposal puts the SCADA, the station and the PLC in one cell
    # zone (docs/zones.md), and the office PC is new (in no stored zone):
    # no zone event at all, only the identity change and the new asset.
    ok("with the stored proposal (one zone): no zone events",
       len(set(zone_of.get(ip) for ip in ("10.3.0.10", "10.3.0.30",
                                           "10.4.0.10"))) == 1 and
       acts == ["asset-identity-changed", "new-asset"], str(acts))

    # rotation: every line is over 1024 bytes, so each file holds one
    db3 = os.path.join(work, "rot.db")
    rot = os.path.join(work, "rot", "events.ndjson")
    os.makedirs(os.path.dirname(rot))
    for pl in (p1, p2):
        run(otz, ["--db", db3, "read", "--quiet", "--events", rot,
                  "--events-max-bytes", "1024", "--events-keep", "3",
                  "--policy", POLICY, pl.path])
    files = sorted(os.listdir(os.path.dirname(rot)))
    ok("rotation: events.ndjson and .1 .. .3 (keep 3)", files == [
        "events.ndjson", "events.ndjson.1", "events.ndjson.2",
        "events.ndjson.3"], str(files))
    newest = [lines(rot + s) for s in ("", ".1", ".2", ".3")]
    ok("rotation: one line per file, the newest four events in order",
       [len(x) for x in newest] == [1, 1, 1, 1] and
       [x[0] for x in reversed(newest)] == g2[-4:],
       str([len(x) for x in newest]))

    # drops: one connection slot for two connections
    db4 = os.path.join(work, "drops.db")
    ev6 = os.path.join(work, "e6.ndjson")
    p = run(otz, ["--db", db4, "read", "--max-conns", "1", "--events", ev6,
                  p1.path])
    summary = p.stderr.strip().splitlines()[-1] if p.stderr else ""
    dropped = int(summary.split(" dropped by caps")[0].split()[-1]) \
        if " dropped by caps" in summary else -1
    drops = [e for e in lines(ev6)
             if e["event"]["action"] == "capture-drops"]
    last = len(p1.frames["ts"]) - 1
    want = base(p1, "capture-drops", last, obs)
    want["message"] = ("%d packets dropped (threshold 0) on %s" %
                       (dropped, p1.path))
    want["otzone"] = {"type": "capture-drops",
                      "drops": {"dropped": dropped, "packets": last,
                                "threshold": 0},
                      "evidence": {"source": p1.path, "frame": last}}
    ok("drops: the summary counts drops by caps", dropped >= 1, summary)
    ok("drops: one capture-drops event, field by field",
       len(drops) == 1 and diff(drops[0], want) == "",
       diff(drops[0], want) if drops else "none")
    validate("drops schema", lines(ev6))
    db5 = os.path.join(work, "drops2.db")
    ev7 = os.path.join(work, "e7.ndjson")
    run(otz, ["--db", db5, "read", "--quiet", "--max-conns", "1",
              "--drop-threshold", str(max(dropped, 1)), "--events", ev7,
              p1.path])
    ok("drops: none at or under the threshold",
       not any(e["event"]["action"] == "capture-drops"
               for e in lines(ev7)))

    # bad input
    p = run(otz, ["--db", os.path.join(work, "x.db"), "read", "--syslog",
                  "nohostport", p1.path], expect=2)
    ok("bad --syslog: exit 2 with one line", p.returncode == 2 and
       p.stderr.strip() == "otzone: --syslog: 'nohostport' is not "
       "[udp://|tcp://]HOST:PORT", p.stderr)
    p = run(otz, ["--db", os.path.join(work, "x.db"), "read", "--policy",
                  POLICY, p1.path], expect=2)
    ok("--policy without --events or --syslog: exit 2 with one line",
       p.returncode == 2 and p.stderr == "otzone: read: --policy is for "
       "the change events: give --events or --syslog (or run 'otzone "
       "check')\n", p.stderr)
    p = run(otz, ["--db", os.path.join(work, "x.db"), "read", "--events",
                  os.path.join(work, "no", "such", "dir", "e.ndjson"),
                  p1.path], expect=2)
    ok("unwritable --events: exit 2, 'otzone: events: PATH: why'",
       p.returncode == 2 and p.stderr.startswith("otzone: events: ") and
       "No such file or directory" in p.stderr, p.stderr)


def syslog_checks(otz, work, udp, tcp, received):
    obs = socket.gethostname()
    p1, p2 = Plant(work, "step1"), Plant(work, "step2")
    db = os.path.join(work, "sl.db")
    f1, f2 = os.path.join(work, "sl1.ndjson"), os.path.join(work,
                                                           "sl2.ndjson")
    run(otz, ["--db", db, "read", "--quiet", "--events", f1, "--syslog",
              "udp://127.0.0.1:%s" % udp, "--policy", POLICY, p1.path])
    run(otz, ["--db", db, "read", "--quiet", "--events", f2, "--syslog",
              "tcp://127.0.0.1:%s" % tcp, "--policy", POLICY, p2.path])
    want = [("imudp", l) for l in open(f1).read().splitlines()] + \
        [("imtcp", l) for l in open(f2).read().splitlines()]
    got = []
    for _ in range(100):
        if os.path.exists(received):
            with open(received) as f:
                got = f.read().splitlines()
        if len(got) >= len(want):
            break
        time.sleep(0.1)
    ok("syslog: %d messages received (UDP then TCP)" % len(want),
       len(got) == len(want), "got %d" % len(got))
    # pri|version|app|procid|msgid|sd|hostname|input|msg
    bad = []
    for i, (line, (inp, js)) in enumerate(zip(got, want)):
        f = line.split("|", 8)
        ev = json.loads(js)
        pri = 16 * 8 + ev["event"]["severity"]
        if len(f) != 9:
            bad.append("%d: %r" % (i, line))
            continue
        exp = [str(pri), "1", "otzone", f[3], ev["event"]["action"], "-",
               obs, inp, js]
        if f != exp or not f[3].isdigit():
            bad.append("%d: %s" % (i, diff(f, exp) or "procid"))
    ok("syslog: PRI (local0 + severity), version 1, otzone, PROCID, MSGID = "
       "type, no SD, HOSTNAME = sensor, MSG = the NDJSON line", not bad and
       got, "; ".join(bad[:3]))
    types = {json.loads(js)["event"]["action"] for _, js in want}
    ok("syslog: every change type over UDP and TCP", len(types) == 6,
       str(types))
    # a collector that is not there: bounded wait, counted
    import socket as so
    s = so.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    t0 = time.time()
    p = run(otz, ["--db", os.path.join(work, "sl2.db"), "read", "--quiet",
                  "--syslog", "tcp://127.0.0.1:%d" % port, p1.path])
    el = time.time() - t0
    ok("syslog: collector down: exit 0 within the 5 s drain, drops told",
       p.returncode == 0 and el < 9 and
       p.stderr.strip() == "otzone: syslog: 3 of 3 events not delivered",
       "%.1fs %r" % (el, p.stderr))


def key(e):
    o = e["otzone"]
    return (e["event"]["action"], e.get("source", {}).get("ip") or
            o.get("asset", {}).get("ip"), e.get("destination", {}).get("ip"),
            json.dumps(o.get("zones")), o.get("class"),
            json.dumps(o.get("changes")))


def daemon_checks(otz, work, f1, f2, f3, received=None):
    """The daemon's events: the offline ones (same types, assets, zones,
    classes, changes), observed live: source iface:va, the configured
    name; the finding from the analysis timer."""
    p1, p2 = Plant(work, "step1"), Plant(work, "step2")
    g1, g2 = lines(f1), lines(f2)
    w1 = sorted(key(e) for e in expected_step1(p1, "sensor-test"))
    w2 = sorted(key(e) for e in expected_step2(p2, "sensor-test"))
    ok("daemon: step 1 events as offline (the moved file)",
       sorted(key(e) for e in g1) == w1,
       str(sorted(key(e) for e in g1)))
    ok("daemon: after SIGHUP a new file, with the step 2 events",
       sorted(key(e) for e in g2) == w2,
       str(sorted(key(e) for e in g2)))
    g3 = lines(f3)
    drops = [e for e in g3 if e["event"]["action"] == "capture-drops"]
    # offline, the same 200 SYNs into 16 slots evict 184 connections
    db = os.path.join(work, "flood.db")
    p = run(otz, ["--db", db, "read", "--max-conns", "16",
                  os.path.join(work, "flood.pcap")])
    off = int(p.stderr.split(" dropped by caps")[0].split()[-1])
    # live, the table may still hold the 5 connections of steps 1 and 2
    # (closed ones leave it 5 s of packet time later): at most 5 more
    n = sum(e["otzone"]["drops"]["dropped"] for e in drops)
    ok("daemon: capture-drops on iface:va, adding up to the offline "
       "evictions (%d) plus at most the 5 earlier connections" % off,
       drops and off > 0 and all(
           e["otzone"]["evidence"] == {"source": "iface:va"} and
           e["otzone"]["drops"]["threshold"] == 0 for e in drops) and
       off <= n <= off + 5,
       str([e["otzone"] for e in drops]))
    every = g1 + g2 + g3
    ok("daemon: observer.name is the configured name, evidence the "
       "interface", every and all(
           e["observer"]["name"] == "sensor-test" and
           e["otzone"]["evidence"]["source"] == "iface:va"
           for e in every if e["event"]["action"] != "new-finding"))
    validate("daemon schema", every)
    if received is None:
        return
    with open(received) as f:
        got = f.read().splitlines()
    lines_raw = (open(f1).read().splitlines() +
                 open(f2).read().splitlines() +
                 open(f3).read().splitlines())
    ok("daemon syslog: every event received once, in order, after the "
       "collector came back (%d)" % len(lines_raw),
       [x.split("|", 8)[-1] for x in got] == lines_raw,
       "got %d of %d" % (len(got), len(lines_raw)))
    bad = []
    for i, (line, js) in enumerate(zip(got, lines_raw)):
        f = line.split("|", 8)
        ev = json.loads(js)
        exp = [str(19 * 8 + ev["event"]["severity"]), "1", "otzone", f[3],
               ev["event"]["action"], "-", "sensor-test", "imtcp", js]
        if f != exp or not f[3].isdigit():
            bad.append("%d: %s" % (i, diff(f, exp) or "procid"))
    ok("daemon syslog: PRI with facility local3, HOSTNAME = name:, MSGID "
       "= type", not bad and got, "; ".join(bad[:3]))


def main():
    otz, work = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3 and sys.argv[3] == "--daemon":
        daemon_checks(otz, work, sys.argv[4], sys.argv[5], sys.argv[6],
                      sys.argv[7] if len(sys.argv) > 7 else None)
    elif len(sys.argv) > 3 and sys.argv[3] == "--syslog":
        syslog_checks(otz, work, sys.argv[4], sys.argv[5], sys.argv[6])
    else:
        file_checks(otz, work)
    print("events: %d passed, %d failed" % (PASS, FAIL))
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main())

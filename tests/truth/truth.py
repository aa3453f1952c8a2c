#!/usr/bin/env python3
"""truth.py OTZONE [PCAP...]: compare otzone's inventory of each generated
capture with what the generator says it put in it (<name>.truth.json):
every flow (client, server, transport, server port, protocol) with its
packet count and first frame, every request code with its count, errors
and first frame, and every asset address with its kind, Purdue level and
identity.  Flows, operations and asset addresses must agree exactly (exit
1 otherwise); differences in inferred kind, Purdue level and identity
fields are printed as notes: the generator's intent there is a target for
the inference, not a contract."""
import json
import os
import re
import subprocess
import sys
import tempfile


def run(otz, db, *args):
    r = subprocess.run([otz, "--db", db, "--quiet"] + list(args),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s %s: exit %d: %s" % (otz, " ".join(args),
                                                    r.returncode, r.stderr))
    return r.stdout


def key(f):
    return (f["client"], f["server"], f["transport"], f["server_port"],
            f["protocol"])


def check(otz, pcap):
    truth = json.load(open(pcap[:-len(".pcap")] + ".truth.json"))
    bad = []
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "t.db")
        run(otz, db, "read", pcap)
        flows = json.loads(run(otz, db, "flows", "--format", "json"))
        assets = json.loads(run(otz, db, "assets", "--format", "json"))
    got = {}
    for f in flows:
        k = key(f)
        if k in got:
            bad.append("flow %s reported twice" % (k,))
        got[k] = f
    want = {key(f): f for f in truth["flows"]}
    for k in sorted(set(want) - set(got)):
        bad.append("flow %s missing" % (k,))
    for k in sorted(set(got) - set(want)):
        bad.append("flow %s not in the truth" % (k,))
    for k in sorted(set(want) & set(got)):
        w, g = want[k], got[k]
        if w["packets"] != g["packets"]:
            bad.append("flow %s: packets %d, truth %d" %
                       (k, g["packets"], w["packets"]))
        if w.get("first_frame") and w["first_frame"] != g["evidence"]["frame"]:
            bad.append("flow %s: first frame %s, truth %d" %
                       (k, g["evidence"]["frame"], w["first_frame"]))
        wops = {(o["protocol"], o["code"]): o for o in w.get("requests", [])}
        gops = {(o["protocol"], o["code"]): o for o in g["operations"]}
        for ok in sorted(set(wops) | set(gops)):
            wo, go = wops.get(ok), gops.get(ok)
            if wo is None:
                bad.append("flow %s: op %s x%d not in the truth" %
                           (k, ok, go["count"]))
            elif go is None:
                bad.append("flow %s: op %s (%s) x%d missing" %
                           (k, ok, wo.get("name"), wo["count"]))
            else:
                for fld, gf in (("count", "count"), ("errors", "errors"),
                                ("class", "class"),
                                ("first_frame", "first_frame")):
                    if fld in wo and wo[fld] != go[gf]:
                        bad.append("flow %s: op %s %s %s, truth %s" %
                                   (k, ok, fld, go[gf], wo[fld]))
    gas = {a["ip"]: a for a in assets}
    talking = set()
    for f in truth["flows"]:
        talking.add(f["client"])
        talking.add(f["server"])
        for r in f.get("responders", []):
            talking.add(r if isinstance(r, str) else r.get("ip"))
    for a in truth["assets"]:
        for ip in [a.get("ip"), a.get("ip6")]:
            if not ip or ip not in talking:
                continue
            g = gas.get(ip)
            if g is None:
                if a.get("silent"):
                    continue
                bad.append("asset %s (%s) missing" % (ip, a.get("name")))
                continue
            if ip == a.get("ip"):
                for fld in ("kind", "purdue_level"):
                    if fld in a and a[fld] != g[fld]:
                        notes.append("asset %s (%s): %s %s, truth %s" %
                                   (ip, a.get("name"), fld, g[fld], a[fld]))
                for fld, val in (a.get("identity") or {}).items():
                    if fld in g["identity"] and g["identity"][fld] != val:
                        notes.append("asset %s: identity.%s %r, truth %r" %
                                   (ip, fld, g["identity"].get(fld), val))
    return bad, notes


def note_category(n):
    """'asset IP (name): kind hmi, truth plc' -> 'kind plc -> hmi';
    identity notes by field."""
    m = re.search(r": (kind|purdue_level) (\S+), truth (\S+)$", n)
    if m:
        return "%s %s -> %s" % (m.group(1), m.group(3), m.group(2))
    m = re.search(r": (identity\.\w+) ", n)
    return m.group(1) if m else "other"


def main():
    otz = os.path.abspath(sys.argv[1])
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    if len(sys.argv) > 2 and sys.argv[2] == "--quiet-notes":
        del sys.argv[2]
    pcaps = sys.argv[2:] or sorted(
        os.path.join(top, "pcaps", f) for f in os.listdir(
            os.path.join(top, "pcaps"))
        if f.endswith(".pcap") and os.path.exists(
            os.path.join(top, "pcaps", f[:-5] + ".truth.json")))
    npass = nfail = 0
    cats = {}
    for p in pcaps:
        bad, notes = check(otz, p)
        for n in notes:
            print("truth: note %s: %s" % (os.path.basename(p), n))
            cat = note_category(n)
            cats[cat] = cats.get(cat, 0) + 1
        if bad:
            nfail += 1
            print("truth: FAIL %s: %d disagreements" % (
                os.path.basename(p), len(bad)))
            for b in bad[:40]:
                print("  " + b)
        else:
            npass += 1
            print("truth: ok   %s" % os.path.basename(p))
    # the notes by category (truth -> otzone), most frequent first: the
    # figure to compare before and after a change to store/infer.c
    for cat, n in sorted(cats.items(), key=lambda x: (-x[1], x[0])):
        print("truth: notes %3d %s" % (n, cat))
    print("truth: %d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""ari.py: checks on `otzone zones` output (standard library, plus PyYAML
when installed).

    ari.py score TRUTH.json ZONES.json [--min 0.9]
        adjusted Rand index between the true zones (the truth file's
        assets[].zone, matched by ip and ip6) and the proposed ones;
        prints one line; exit 1 below --min.
    ari.py svg FILE.svg NZONES
        the SVG parses (xml.etree) and draws one cluster per zone.
    ari.py policy POLICY.yaml ZONES.json ASSETS.json
        the emitted policy declares every asset once, every proposed zone
        and conduit, ends with default: deny.
    ari.py selftest
        the ARI function against hand-computed values.
"""

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter


def comb2(n):
    return n * (n - 1) // 2


def ari(labels_a, labels_b):
    """Adjusted Rand index (Hubert and Arabie 1985) of two labelings of
    the same items."""
    n = len(labels_a)
    if n != len(labels_b):
        raise ValueError("labelings differ in length")
    if n < 2:
        return 1.0
    pairs = Counter(zip(labels_a, labels_b))
    sum_ij = sum(comb2(v) for v in pairs.values())
    sum_a = sum(comb2(v) for v in Counter(labels_a).values())
    sum_b = sum(comb2(v) for v in Counter(labels_b).values())
    total = comb2(n)
    expected = sum_a * sum_b / total
    maximum = (sum_a + sum_b) / 2
    if maximum == expected:
        return 1.0
    return (sum_ij - expected) / (maximum - expected)


def score(truth_path, zones_path, minimum):
    truth = json.load(open(truth_path))
    zones = json.load(open(zones_path))
    true_zone = {}
    for a in truth["assets"]:
        for key in ("ip", "ip6"):
            if a.get(key):
                true_zone[a[key]] = a["zone"]
    prop = {}
    for z in zones["zones"]:
        for ip in z["assets"]:
            if ip in prop:
                print("FAIL: %s in two zones" % ip)
                return 1
            prop[ip] = z["name"]
    common = sorted(set(true_zone) & set(prop))
    unknown = sorted(set(prop) - set(true_zone))
    missing = sorted(set(true_zone) - set(prop))
    a = [true_zone[ip] for ip in common]
    b = [prop[ip] for ip in common]
    s = ari(a, b)
    name = truth.get("scenario", truth_path)
    print("%s: ARI %.3f (%d assets, %d true zones, %d proposed%s%s)" % (
        name, s, len(common), len(set(a)), len(zones["zones"]),
        ", %d not in the truth" % len(unknown) if unknown else "",
        ", %d silent in the capture" % len(missing) if missing else ""))
    if s < minimum:
        by_true = {}
        for ip in common:
            by_true.setdefault(true_zone[ip], Counter())[prop[ip]] += 1
        for t in sorted(by_true):
            print("  true %s -> %s" % (t, dict(by_true[t])))
        return 1
    return 0


def svg(path, nzones):
    tree = ET.parse(path)
    root = tree.getroot()
    if not root.tag.endswith("svg"):
        print("FAIL: %s: root element is %s" % (path, root.tag))
        return 1
    clusters = [g for g in root.iter()
                if g.tag.endswith("g") and g.get("class") == "cluster"]
    if len(clusters) != nzones:
        print("FAIL: %s: %d clusters for %d zones" % (path, len(clusters),
                                                     nzones))
        return 1
    return 0


def load_yaml(path):
    """PyYAML when present; else a reader of exactly what
    `otzone zones --emit-policy` writes."""
    try:
        import yaml
        return yaml.safe_load(open(path))
    except ImportError:
        pass
    doc = {"zones": [], "conduits": []}
    sect = None
    cur = None
    sub = None

    def unq(s):
        s = s.strip()
        if s.startswith('"'):
            return json.loads(s)
        return s
    for line in open(path):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            k, _, v = line.partition(":")
            v = v.strip()
            if k in ("zones", "conduits"):
                sect = k
                if v == "[]":
                    doc[k] = []
            else:
                doc[k] = v
            continue
        s = line.strip()
        if line.startswith("  - "):
            cur = {}
            doc[sect].append(cur)
            s = s[2:]
            sub = None
        if line.startswith("      - "):
            item = s[2:]
            if item.startswith("{"):
                d = {}
                for part in item.strip("{} ").split(","):
                    k, _, v = part.partition(":")
                    d[k.strip()] = unq(v.split("#")[0])
                cur[sub].append(d)
            else:
                cur[sub].append(unq(item))
            continue
        k, _, v = s.partition(":")
        v = v.strip()
        if v == "":
            sub = k
            cur[k] = []
        elif v.startswith("["):
            cur[k] = [unq(x) for x in v.strip("[]").split(",") if x.strip()]
        elif v.isdigit():
            cur[k] = int(v)
        else:
            cur[k] = unq(v)
    return doc


def policy(yaml_path, zones_path, assets_path):
    pol = load_yaml(yaml_path)
    zones = json.load(open(zones_path))
    assets = json.load(open(assets_path))
    bad = 0
    if pol.get("default") != "deny":
        print("FAIL: policy has no 'default: deny'")
        bad += 1
    declared = Counter()
    names = set()
    for z in pol.get("zones") or []:
        names.add(z["name"])
        for ip in z.get("assets") or []:
            declared[ip] += 1
        if not isinstance(z.get("sl_t"), int) or not 1 <= z["sl_t"] <= 4:
            print("FAIL: zone %r: sl_t %r" % (z["name"], z.get("sl_t")))
            bad += 1
    ips = [a["ip"] for a in assets]
    for ip in ips:
        if declared[ip] != 1:
            print("FAIL: asset %s declared %d times" % (ip, declared[ip]))
            bad += 1
    want = set(z["name"] for z in zones["zones"])
    if names != want:
        print("FAIL: policy zones differ from the proposal: %s" %
              sorted(names ^ want))
        bad += 1
    pairs = set((c["from"], c["to"]) for c in pol.get("conduits") or [])
    for c in zones["conduits"]:
        if (c["from"], c["to"]) not in pairs:
            print("FAIL: no conduit %s -> %s" % (c["from"], c["to"]))
            bad += 1
        for cd in pol.get("conduits") or []:
            if (cd["from"], cd["to"]) == (c["from"], c["to"]):
                allowed = set(r["protocol"] for r in cd["allow"])
                if allowed != set(c["protocols"]):
                    print("FAIL: conduit %s -> %s allows %s, carries %s"
                          % (c["from"], c["to"], sorted(allowed),
                             c["protocols"]))
                    bad += 1
    if len(pairs) != len(zones["conduits"]):
        print("FAIL: %d conduits in the policy, %d proposed" %
              (len(pairs), len(zones["conduits"])))
        bad += 1
    if bad == 0:
        print("policy: %d assets in %d zones, %d conduits, default deny" %
              (len(ips), len(names), len(pairs)))
    return 1 if bad else 0


def selftest():
    cases = [
        (([0, 0, 1, 1], [0, 0, 1, 1]), 1.0),
        (([0, 0, 1, 1], [1, 1, 0, 0]), 1.0),
        (([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]), 0.24242424242424243),
        (([0, 0, 1, 1], [0, 1, 0, 1]), -0.5),
    ]
    for (a, b), want in cases:
        got = ari(a, b)
        if abs(got - want) > 1e-9:
            print("FAIL: ari(%s, %s) = %r, want %r" % (a, b, got, want))
            return 1
    print("ari selftest: %d cases ok" % len(cases))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "score":
        minimum = 0.9
        if len(argv) >= 5 and argv[3] == "--min":
            minimum = float(argv[4])
        return score(argv[1], argv[2], minimum)
    if len(argv) == 3 and argv[0] == "svg":
        return svg(argv[1], int(argv[2]))
    if len(argv) == 4 and argv[0] == "policy":
        return policy(argv[1], argv[2], argv[3])
    if argv == ["selftest"]:
        return selftest()
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""plants.py: plants whose true zones are known, for the zone proposal.

Captures and truth files (``<name>.truth.json``: every asset with its true
``zone``) made with otgen's building blocks.  Deterministic: the same
command writes the same bytes.

    python3 tests/gen/plants.py list
    python3 tests/gen/plants.py bundled -o pcaps      # the three in pcaps/
    python3 tests/gen/plants.py extra -o /tmp/x       # the harder ones
    python3 tests/gen/plants.py plant-large -o /tmp/x

The three bundled plants are otgen's own scenarios (``plant-flat``: one
flat /16, addresses scattered; ``plant-routed``: enterprise, DMZ,
operations, supervisory and cells behind a router; ``plant-cells``: six
cells on their own VLANs that talk only through the supervisory level);
writing them here gives the same bytes as ``otgen.py all``.  The extra
plants are generated at test time, not bundled:

* ``plant-flat-bytype``: one flat /16 addressed by device type (PLCs in
  10.10.1.x, I/O in 10.10.2.x, panels in 10.10.3.x, ...), so every /24
  holds one kind of device from every line: subnets that lie;
* ``plant-large``: about 200 assets in one flat /16 (56 production
  lines, supervisory, office), for the drawing and the scores at scale.
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import otgen  # noqa: E402

BUNDLED = ["plant-flat", "plant-routed", "plant-cells"]
EXTRA = ["plant-flat-bytype", "plant-large"]


def _n_io(lt, big=3):
    """I/O devices per line type, as otgen's flat plant has them."""
    return 0 if lt in (3, 4) else (big if lt == 2 else 2)


def _flat_plant(net, ltypes, addr, duration_ms, n_office=4):
    """A flat 10.10.0.0/16 plant: supervisory, office and one zone per
    production line; addr(role, k) gives the k-th address of a role."""
    count = {}

    def take(role):
        count[role] = count.get(role, 0) + 1
        return addr(role, count[role] - 1)

    assets = otgen.supervisory_assets(
        "supervisory", [take("sup") for _ in range(4)])
    office = otgen.enterprise_assets("office",
                                     [take("office") for _ in range(4)])
    for i in range(4, n_office):
        office.append({"name": "pc%d" % (i - 1), "zone": "office",
                       "ip": take("office"), "vendor": "dell",
                       "purdue_level": 4, "ttl": 128})
    assets += office
    for i, lt in enumerate(ltypes):
        n_io = _n_io(lt)
        hmi = lt != 3
        ips = [take("ctl")] + [take("io") for _ in range(n_io)]
        if hmi:
            ips.append(take("hmi"))
        tag = "line%d" % (i + 1)
        assets += otgen.line_assets(tag, ips, lt, tag, n_io, hmi)
    assets.append({"name": "historian", "zone": "supervisory",
                   "ip": take("sup"), "vendor": "hp", "kind": "historian",
                   "purdue_level": 3})
    zones = [{"name": "supervisory", "purdue_level": 2, "networks": []},
             {"name": "office", "purdue_level": 4, "networks": []}] + \
        [{"name": "line%d" % (i + 1), "purdue_level": 1, "networks": []}
         for i in range(len(ltypes))]
    for z in zones:
        z["l2network"] = "10.10.0.0/16"
    for a in assets:
        a["network"] = "10.10.0.0/16"
    plant = {"zones": zones, "assets": assets}
    otgen._bind(net, plant)
    pats = otgen.supervisory_patterns(len(ltypes), ltypes)
    for i, lt in enumerate(ltypes):
        pats += otgen.line_patterns("line%d" % (i + 1), lt, _n_io(lt),
                                    lt != 3)
    pats.append({"from": "historian", "to": "scada1", "proto": "opcua",
                 "every_ms": 5000})
    it = otgen.office_it(None) + otgen.ews_visits(
        [("line%d" % (i + 1), otgen.LINE_TYPES[lt][0])
         for i, lt in enumerate(ltypes) if lt != 4][:5])
    for i in range(4, n_office):
        it.append((6000 + i * 150, (lambda n: lambda h: (
            otgen.it_dns(h["ews1"].net_ref, h[n], h["dc"],
                         "www.corp.example", h["web"].ip),
            otgen.it_tls(h["ews1"].net_ref, h[n], h["web"],
                         "www.corp.example", exchanges=1)))(
            "pc%d" % (i - 1))))
    otgen.run_topology(net, plant, pats, duration_ms, it)


@otgen.scenario("plant-flat-bytype",
                "flat 10.10.0.0/16 addressed by device type: each /24 "
                "holds one kind of device from every line (subnets lie); "
                "8 lines + supervisory + office; 10 s")
def sc_plant_flat_bytype(net):
    base = {"ctl": 1, "io": 2, "hmi": 3, "sup": 4, "office": 5}

    def addr(role, k):
        return "10.10.%d.%d" % (base[role], 10 + k)

    _flat_plant(net, [0, 1, 2, 3, 4, 0, 1, 2], addr, 10000)


@otgen.scenario("plant-large",
                "about 200 assets in one flat 10.10.0.0/16 with scattered "
                "addresses: 56 lines of five types, supervisory, office "
                "with 12 PCs; 8 s")
def sc_plant_large(net):
    r = random.Random(net.seed + 7)
    pool = []
    seen = set()
    while len(pool) < 300:
        a = "10.10.%d.%d" % (r.randint(0, 255), r.randint(2, 254))
        if a not in seen:
            seen.add(a)
            pool.append(a)
    it = iter(pool)

    def addr(role, k):
        return next(it)

    ltypes = [(i * 7 + 3) % 5 for i in range(56)]
    _flat_plant(net, ltypes, addr, 8000, n_office=12)


def write(name, outdir):
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, name + ".pcap")
    net = otgen.run_scenario(name, path)
    return path, net.w.frames


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="plants.py",
        description="Plants with known zones (pcap + truth).")
    ap.add_argument("what", nargs="+",
                    help="'list', 'bundled', 'extra', 'all' or names")
    ap.add_argument("-o", "--output", help="output directory")
    a = ap.parse_args(argv)
    if a.what == ["list"]:
        for n in BUNDLED + EXTRA:
            print("%-18s %s" % (n, otgen.SCENARIOS[n][1]))
        return 0
    if not a.output:
        ap.error("-o DIR is required")
    names = []
    for w in a.what:
        if w == "bundled":
            names += BUNDLED
        elif w == "extra":
            names += EXTRA
        elif w == "all":
            names += BUNDLED + EXTRA
        elif w in BUNDLED or w in EXTRA:
            names.append(w)
        else:
            ap.error("unknown plant %r (try 'list')" % w)
    for n in names:
        path, frames = write(n, a.output)
        print("%s: %d frames, %d bytes" % (path, frames,
                                           os.path.getsize(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

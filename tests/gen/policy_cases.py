#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""policy_cases.py: captures, policies and expected findings for the
policy check (tests/policy/check.sh).

Built with otgen (imported as a library, never changed): for every rule of
ARCHITECTURE.md a capture where it must fire and one where it must not,
both checked against the same policy, plus a plant with three planted
violations (a Modbus write from an office PC into a cell, RDP into the
supervisory zone, an OPC UA session with security None on a conduit that
demands signing).  The expected findings are computed here from the
generator's own truth (flows, requests, their first frames), not from
otzone:

  flow-level rules (no-conduit, protocol-not-allowed, initiator for a
  whole flow, remote access, insecure service): count = connections (at
  least 1), frame = the flow's first packet, class = the highest class of
  the flow's requests;
  access-exceeds / initiator for a class: count = requests of that class,
  frame = the first of them;
  no-integrity: frame = the OPC UA OpenSecureChannel, else the first
  request; unzoned-asset: count = flows of the asset, frame = its first
  flow's first packet.

    python3 tests/gen/policy_cases.py             # pcaps/ and tests/policy/
    python3 tests/gen/policy_cases.py -o DIR      # everything into DIR

Writes pcaps/policy-<case>.pcap (+ .truth.json, the generator's usual
truth), tests/policy/<rule>.yaml and tests/policy/cases.json.
Deterministic: the same files byte for byte on every run.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import otgen  # noqa: E402
from otgen import (AENT_IDENT, LOGIX_IDENT, S71500_UA,  # noqa: E402
                   SCADA_UA_CLIENT, HIST_UA_CLIENT, EnipClient, ModbusClient,
                   Net, S7Client, S7PlusClient, Scheduler, UaClient,
                   UaSecureClient, UaServerInfo, build_plant, cip_identity,
                   enip_list_identity, it_http, it_rdp, it_tls, modicon_attrs,
                   modicon_identity, s7_1500_identity, s7_315_identity,
                   s7_poll, s7_szl_identify, ua_server)

TOP = os.path.dirname(os.path.dirname(HERE))

CLASS_RANK = {"session": 1, "discover": 2, "other": 3, "read": 4,
              "write": 5, "control": 6, "program": 7}
ACCESS = {"read": 1, "write": 2, "control": 3, "program": 4}

# --- the plant every rule case uses -----------------------------------------

ZONES = [
    {"name": "office", "purdue_level": 4, "network": "10.1.0.0/24"},
    {"name": "dmz", "purdue_level": 3, "network": "10.2.0.0/24"},
    {"name": "supervisory", "purdue_level": 2, "network": "10.3.0.0/24"},
    {"name": "cell", "purdue_level": 1, "network": "10.4.0.0/24"},
    {"name": "lab", "purdue_level": 4, "network": "10.6.0.0/24"},
    {"name": "visitors", "purdue_level": 4, "network": "192.168.99.0/24"},
]

ASSETS = [
    {"name": "pc1", "zone": "office", "ip": ".10", "vendor": "dell",
     "ttl": 128},
    {"name": "pc2", "zone": "office", "ip": ".11", "vendor": "hp",
     "ttl": 128},
    {"name": "hist", "zone": "dmz", "ip": ".10", "vendor": "hp",
     "kind": "historian"},
    {"name": "jump", "zone": "dmz", "ip": ".20", "vendor": "intel",
     "ttl": 128},
    {"name": "scada", "zone": "supervisory", "ip": ".10", "vendor": "dell",
     "kind": "scada-server", "ttl": 128},
    {"name": "hmi", "zone": "supervisory", "ip": ".20", "vendor": "intel",
     "kind": "hmi", "ttl": 128},
    {"name": "ews", "zone": "supervisory", "ip": ".30", "vendor": "hp",
     "kind": "engineering-workstation", "ttl": 128},
    {"name": "web", "zone": "supervisory", "ip": ".80", "vendor": "dell"},
    {"name": "plc", "zone": "cell", "ip": ".10", "vendor": "schneider",
     "kind": "plc", "identity": modicon_identity(),
     "attrs": modicon_attrs()},
    {"name": "plc-s7", "zone": "cell", "ip": ".11", "vendor": "siemens",
     "kind": "plc", "ttl": 30, "identity": s7_315_identity()},
    {"name": "plc-1500", "zone": "cell", "ip": ".12", "vendor": "siemens2",
     "kind": "plc", "identity": s7_1500_identity()},
    {"name": "logix", "zone": "cell", "ip": ".13", "vendor": "rockwell",
     "kind": "plc", "identity": cip_identity(LOGIX_IDENT),
     "attrs": {"cip_ident": LOGIX_IDENT}},
    {"name": "lab-pc", "zone": "lab", "ip": ".10", "vendor": "dell",
     "ttl": 128},
    {"name": "rogue", "zone": "visitors", "ip": ".5", "vendor": "intel",
     "ttl": 128, "note": "a visitor laptop: in no declared zone"},
]

HIST_UA = ("urn:hist:OPCUA:Server", "http://example.com/historian",
           "Historian OPC UA Server")


def plant(net):
    h = build_plant(net, {"zones": ZONES, "assets": ASSETS})
    return h


def gap(net, ms=30):
    net.adv(ms * 1000)


def modbus_reads(net, c, s, n=3, unit=1):
    m = ModbusClient(net, c, s, unit=unit).connect()
    for _ in range(n):
        m.read_regs(3, 0, 10)
        gap(net, 200)
    return m


def ua_session(net, c, s, info, reads=2):
    u = UaClient(net, c, s, UaServerInfo(*info, "opc.tcp://%s:4840/" % s.ip),
                 SCADA_UA_CLIENT)
    u.hello()
    u.open()
    u.create_session()
    u.activate_session()
    for _ in range(reads):
        gap(net, 300)
        u.read(otgen.UA_NODES[:1], [50.0])
    u.close_session()
    u.close()
    return u


def ua_encrypted(net, c, s, info):
    u = UaSecureClient(net, c, s,
                       UaServerInfo(*info, "opc.tcp://%s:4840/" % s.ip),
                       HIST_UA_CLIENT)
    otgen.opcua_encrypted_session(net, u, n=3)
    return u


# --- per-rule cases: policy, a capture that must fire, one that must not ----

POLICY_HEAD = """\
# %s
# Test policy for tests/policy/check.sh, written by
# tests/gen/policy_cases.py: the capture pcaps/policy-%s-fire.pcap must
# give exactly the findings in tests/policy/cases.json, and
# pcaps/policy-%s-quiet.pcap none.
"""

CASES = []


def case(rule, title, policy):
    def reg(fns):
        CASES.append((rule, title, policy, fns))
        return fns
    return reg


def z(name, sl_t, net=None):
    nets = net or [zz["network"] for zz in ZONES if zz["name"] == name]
    return "  - name: %s\n    sl_t: %d\n    networks: [%s]\n" % (
        name, sl_t, ", ".join(nets))


# no-conduit ------------------------------------------------------------------

def nc_fire(net, h):
    modbus_reads(net, h["scada"], h["plc"]).close()      # under a conduit
    gap(net, 100)
    # a controller polling SCADA: the conduit is for the other direction
    m = modbus_reads(net, h["plc"], h["scada"], n=2)
    m.close()
    gap(net, 100)
    it_tls(net, h["pc1"], h["lab-pc"], "lab.example")    # SL 1 to SL 1
    return [("no-conduit", "SR 5.2 RE1", 2, m.flow, "flow"),
            ("no-conduit", "SR 5.2", 1,
             net.truth.flows[(h["pc1"].ip, h["lab-pc"].ip, "tcp", 443,
                              "tls")], "flow")]


def nc_quiet(net, h):
    modbus_reads(net, h["scada"], h["plc"]).close()
    gap(net, 100)
    it_tls(net, h["pc1"], h["pc2"], "pc2.example")        # inside a zone
    return []


case("no-conduit", "a flow that crosses zones with no conduit for its "
     "direction (SR 5.2, SR 5.2 RE1 from SL-T 2)",
     "zones:\n" + z("office", 1) + z("lab", 1) + z("supervisory", 2) +
     z("cell", 2) +
     "conduits:\n"
     "  - name: scada-polls-cell\n"
     "    from: supervisory\n"
     "    to: cell\n"
     "    allow:\n"
     "      - {protocol: modbus, access: read}\n"
     "default: deny\n")((nc_fire, nc_quiet))


# protocol-not-allowed ----------------------------------------------------------

def pna_fire(net, h):
    modbus_reads(net, h["scada"], h["plc"]).close()
    gap(net, 100)
    c = S7Client(net, h["hmi"], h["plc-s7"]).connect()
    s7_poll(c)
    gap(net, 300)
    s7_poll(c)
    c.close()
    return [("protocol-not-allowed", "SR 5.2", 2, c.flow, "flow")]


def pna_quiet(net, h):
    modbus_reads(net, h["scada"], h["plc"]).close()
    gap(net, 100)
    modbus_reads(net, h["hmi"], h["plc"], n=2).close()
    return []


case("protocol-not-allowed", "a conduit carries a protocol it does not "
     "allow (SR 5.2)",
     "zones:\n" + z("supervisory", 2) + z("cell", 2) +
     "conduits:\n"
     "  - name: scada-polls-cell\n"
     "    from: supervisory\n"
     "    to: cell\n"
     "    allow:\n"
     "      - {protocol: modbus, access: read}\n")((pna_fire, pna_quiet))


# access-exceeds-conduit --------------------------------------------------------

def ax_fire(net, h):
    m = modbus_reads(net, h["scada"], h["plc"], n=2)
    m.device_id(2)
    gap(net)
    m.write_reg(10, 1234)
    gap(net)
    m.write_regs(40, [1, 2, 3])
    gap(net)
    m.read_regs(3, 0, 10)
    m.close()
    gap(net, 100)
    e = S7Client(net, h["ews"], h["plc-s7"]).connect()
    s7_szl_identify(e)
    gap(net, 100)
    e.download("08", 1, 120)
    gap(net, 100)
    e.plc_stop()
    e.close()
    return [("access-exceeds-conduit", "SR 2.1", 2, m.flow, "write"),
            ("access-exceeds-conduit", "SR 2.1", 2, e.flow, "program"),
            ("access-exceeds-conduit", "SR 2.1", 2, e.flow, "control")]


def ax_quiet(net, h):
    m = modbus_reads(net, h["scada"], h["plc"], n=2)
    m.device_id(2)
    gap(net)
    m.diagnostics(0, 0xA537)    # "other": comes with any access
    m.close()
    gap(net, 100)
    c = S7Client(net, h["hmi"], h["plc-s7"]).connect()
    s7_poll(c)
    gap(net, 100)
    c.write_var([("DB", 10, 4, b"\x00\x2a")])
    c.close()
    return []


case("access-exceeds-conduit", "an operation's class is above the "
     "conduit's access (SR 2.1)",
     "zones:\n" + z("supervisory", 2) + z("cell", 2) +
     "conduits:\n"
     "  - name: supervisory-to-cell\n"
     "    from: supervisory\n"
     "    to: cell\n"
     "    allow:\n"
     "      - {protocol: modbus, access: read}\n"
     "      - {protocol: s7comm, access: write}\n")((ax_fire, ax_quiet))


# initiator-not-allowed ---------------------------------------------------------

def in_fire(net, h):
    m = modbus_reads(net, h["scada"], h["plc"], n=1)
    m.write_reg(10, 5)
    m.close()
    gap(net, 100)
    w = modbus_reads(net, h["hmi"], h["plc"], n=2)
    w.write_reg(11, 7)          # the HMI is not the listed writer
    gap(net)
    w.write_coil(3, True)
    w.close()
    gap(net, 100)
    e = S7Client(net, h["ews"], h["plc-s7"]).connect()
    s7_poll(e)                  # only the HMI may use S7comm
    e.close()
    return [("initiator-not-allowed", "SR 2.1", 2, w.flow, "write"),
            ("initiator-not-allowed", "SR 2.1", 2, e.flow, "flow")]


def in_quiet(net, h):
    m = modbus_reads(net, h["scada"], h["plc"], n=1)
    m.write_reg(10, 5)
    m.close()
    gap(net, 100)
    modbus_reads(net, h["hmi"], h["plc"], n=2).close()
    gap(net, 100)
    c = S7Client(net, h["hmi"], h["plc-s7"]).connect()
    s7_poll(c)
    c.write_var([("DB", 10, 4, b"\x00\x01")])
    c.close()
    return []


case("initiator-not-allowed", "a rule limits from_assets and another host "
     "uses it (SR 2.1)",
     "zones:\n" + z("supervisory", 2) + z("cell", 2) +
     "conduits:\n"
     "  - name: supervisory-to-cell\n"
     "    from: supervisory\n"
     "    to: cell\n"
     "    allow:\n"
     "      - {protocol: modbus, access: read}\n"
     "      - {protocol: modbus, access: write, from_assets: [10.3.0.10]}\n"
     "      - {protocol: s7comm, access: write, from_assets: [10.3.0.20]}\n"
     )((in_fire, in_quiet))


# no-integrity ------------------------------------------------------------------

def ni_fire(net, h):
    m = modbus_reads(net, h["scada"], h["plc"], n=1)
    m.write_reg(10, 99)
    m.close()
    gap(net, 100)
    u = ua_session(net, h["scada"], h["plc-1500"], S71500_UA)
    gap(net, 100)
    v = ua_session(net, h["scada"], h["hist"], HIST_UA)
    return [("no-integrity", "SR 3.1 RE1", 3, m.flow, "integrity"),
            ("no-integrity", "SR 3.1 RE1", 3, u.flow, "integrity"),
            ("no-integrity", "SR 3.1 RE1", 2, v.flow, "integrity")]


def ni_quiet(net, h):
    p = S7PlusClient(net, h["ews"], h["plc-1500"]).connect()
    gap(net, 100)
    p.get_multi_variables(2)
    gap(net, 100)
    p.close()
    gap(net, 100)
    ua_encrypted(net, h["scada"], h["plc-1500"], S71500_UA)
    gap(net, 100)
    ua_encrypted(net, h["scada"], h["hist"], HIST_UA)
    gap(net, 100)
    # cleartext inside the cell crosses no boundary
    modbus_reads(net, h["plc-s7"], h["plc"], n=2).close()
    return []


case("no-integrity", "cleartext industrial protocol across a boundary into "
     "SL-T >= 3, or below a rule's OPC UA security (SR 3.1 RE1)",
     "zones:\n" + z("dmz", 2) + z("supervisory", 2) + z("cell", 3) +
     "conduits:\n"
     "  - name: supervisory-to-cell\n"
     "    from: supervisory\n"
     "    to: cell\n"
     "    allow:\n"
     "      - {protocol: modbus, access: write}\n"
     "      - {protocol: s7comm-plus, access: read}\n"
     "      - {protocol: opcua, access: read}\n"
     "  - name: supervisory-to-historian\n"
     "    from: supervisory\n"
     "    to: dmz\n"
     "    allow:\n"
     "      - {protocol: opcua, access: read, security: sign}\n"
     )((ni_fire, ni_quiet))


# remote-access-into-control ------------------------------------------------------

def ra_fire(net, h):
    it_rdp(net, h["pc1"], h["jump"], "a.user")
    return [("remote-access-into-control", "SR 1.13, SR 5.1", 2,
             net.truth.flows[(h["pc1"].ip, h["jump"].ip, "tcp", 3389,
                              "rdp")], "flow")]


def ra_quiet(net, h):
    it_rdp(net, h["jump"], h["ews"], "eng")     # SL-T 2 into SL-T 2
    gap(net, 100)
    it_rdp(net, h["pc1"], h["pc2"], "helpdesk")  # inside the office
    return []


case("remote-access-into-control", "RDP, VNC, SSH, Telnet or SMB from a "
     "lower-SL-T zone into SL-T >= 2 (SR 1.13, SR 5.1)",
     "zones:\n" + z("office", 1) + z("dmz", 2) + z("supervisory", 2) +
     "conduits:\n"
     "  - {name: office-to-jump, from: office, to: dmz, allow: "
     "[{protocol: rdp, access: read}]}\n"
     "  - {name: jump-to-supervisory, from: dmz, to: supervisory, allow: "
     "[{protocol: rdp, access: read, from_assets: [10.2.0.20]}]}\n"
     )((ra_fire, ra_quiet))


# insecure-service ------------------------------------------------------------------

def is_fire(net, h):
    it_http(net, h["hmi"], h["web"], "web.plant.example")
    return [("insecure-service", "SR 7.7", 2,
             net.truth.flows[(h["hmi"].ip, h["web"].ip, "tcp", 80,
                              "http")], "flow")]


def is_quiet(net, h):
    it_http(net, h["pc1"], h["pc2"], "pc2.example")   # SL-T 1
    gap(net, 100)
    it_tls(net, h["pc1"], h["web"], "web.plant.example")
    return []


case("insecure-service", "Telnet, FTP, TFTP, HTTP or SNMP inside or into "
     "SL-T >= 2 (SR 7.7)",
     "zones:\n" + z("office", 1) + z("supervisory", 2) +
     "conduits:\n"
     "  - {name: office-to-web, from: office, to: supervisory, allow: "
     "[{protocol: tls, access: read}]}\n")((is_fire, is_quiet))


# unzoned-asset ---------------------------------------------------------------------

def uz_fire(net, h):
    it_tls(net, h["pc1"], h["web"], "web.plant.example")
    gap(net, 100)
    it_tls(net, h["rogue"], h["web"], "web.plant.example")
    return [("unzoned-asset", "SR 7.8, SR 5.1", 2,
             net.truth.flows[(h["rogue"].ip, h["web"].ip, "tcp", 443,
                              "tls")], "asset")]


def uz_quiet(net, h):
    it_tls(net, h["pc1"], h["web"], "web.plant.example")
    gap(net, 100)
    # a broadcast sweep across zones: not checked against conduits
    enip_list_identity(net, h["ews"], [h["logix"]])
    return []


case("unzoned-asset", "an asset that talks but is in no declared zone "
     "(SR 7.8, SR 5.1)",
     "zones:\n" + z("office", 1) + z("supervisory", 2) + z("cell", 2) +
     "conduits:\n"
     "  - {name: office-to-web, from: office, to: supervisory, allow: "
     "[{protocol: tls, access: read}]}\n")((uz_fire, uz_quiet))


# --- the plant with planted violations ------------------------------------------

PLANT_POLICY = """\
# The routed plant of pcaps/policy-plant.pcap (tests/gen/policy_cases.py):
# the asset owner's declared zones and conduits.  Everything the plant
# does on purpose is allowed; three planted violations are not:
#   - a Modbus write from an office PC into cell-2 (no conduit),
#   - RDP from an office PC straight into the supervisory zone (no
#     conduit, and remote access from SL-T 1 into SL-T 2),
#   - the historian's OPC UA session with security None on a conduit
#     that demands signing.
# Cells are SL-T 2: their Modbus, S7comm, EtherNet/IP and DNP3 carry no
# cryptographic integrity (SR 3.1 RE1, required from SL 3).
zones:
  - name: enterprise
    sl_t: 1
    networks: [10.1.0.0/24]
  - name: dmz
    sl_t: 2
    networks: [10.2.0.0/24]
  - name: operations
    sl_t: 2
    networks: [10.3.0.0/24]
  - name: supervisory
    sl_t: 2
    networks: [10.4.0.0/24]
  - name: cell-1
    sl_t: 2
    networks: [10.10.1.0/24]
  - name: cell-2
    sl_t: 2
    networks: [10.10.2.0/24]
  - name: cell-3
    sl_t: 2
    networks: [10.10.3.0/24]
  - name: cell-4
    sl_t: 2
    networks: [10.10.4.0/24]
conduits:
  - name: scada-to-cell-1
    from: supervisory
    to: cell-1
    allow:
      - {protocol: s7comm, access: write}
  - name: scada-to-cell-2
    from: supervisory
    to: cell-2
    allow:
      - {protocol: modbus, access: read}
      - {protocol: modbus, access: write, from_assets: [10.4.0.10]}
  - name: scada-to-cell-3
    from: supervisory
    to: cell-3
    allow:
      - {protocol: enip, access: write}
  - name: scada-to-cell-4
    from: supervisory
    to: cell-4
    allow:
      - {protocol: dnp3, access: control}
  - name: historian-reads-scada
    from: operations
    to: supervisory
    allow:
      - {protocol: opcua, access: read, security: sign}
  - name: scada-time-and-names
    from: supervisory
    to: enterprise
    allow:
      - {protocol: ntp, access: read}
  - name: scada-plant-dns
    from: supervisory
    to: operations
    allow:
      - {protocol: dns, access: read}
  - name: mirror-pulls-historian
    from: dmz
    to: operations
    allow:
      - {protocol: tls, access: read}
  - name: office-to-jump
    from: enterprise
    to: dmz
    allow:
      - {protocol: tls, access: read}
  - name: jump-to-supervisory
    from: dmz
    to: supervisory
    allow:
      - {protocol: rdp, access: read, from_assets: [10.2.0.10]}
  - name: patches
    from: operations
    to: enterprise
    allow:
      - {protocol: http, access: read}
default: deny
"""


def plant_scenario(net):
    """A routed Purdue plant after otgen's plant-routed (same helpers),
    shorter, with the planted violations; returns the expected findings."""
    ltypes = [0, 1, 2, 3]
    zones = [
        {"name": "enterprise", "purdue_level": 4, "network": "10.1.0.0/24"},
        {"name": "dmz", "purdue_level": 3, "network": "10.2.0.0/24"},
        {"name": "operations", "purdue_level": 3,
         "network": "10.3.0.0/24"},
        {"name": "supervisory", "purdue_level": 2,
         "network": "10.4.0.0/24"},
    ] + [{"name": "cell-%d" % (i + 1), "purdue_level": 1,
          "network": "10.10.%d.0/24" % (i + 1)} for i in range(len(ltypes))]
    assets = otgen.enterprise_assets("enterprise",
                                     [".11", ".12", ".10", ".20"])
    assets += [
        {"name": "jump", "zone": "dmz", "ip": ".10", "vendor": "intel",
         "ttl": 128, "note": "remote access jump host"},
        {"name": "hist-mirror", "zone": "dmz", "ip": ".20", "vendor": "hp",
         "kind": "historian", "note": "DMZ historian replica"},
        {"name": "historian", "zone": "operations", "ip": ".10",
         "vendor": "hp", "kind": "historian"},
        {"name": "ops-dc", "zone": "operations", "ip": ".11",
         "vendor": "dell2", "ttl": 128, "note": "plant DNS/NTP"},
        {"name": "patch", "zone": "operations", "ip": ".12",
         "vendor": "dell", "ttl": 128, "note": "patch server"},
    ]
    assets += otgen.supervisory_assets("supervisory",
                                       [".10", ".11", ".30", ".20"])
    for i, lt in enumerate(ltypes):
        n_io = 0 if lt == 3 else (2 if lt == 2 else 1)
        assets += otgen.line_assets("cell-%d" % (i + 1),
                                    [".%d" % (10 + j)
                                     for j in range(1 + n_io)] + [".50"],
                                    lt, "line%d" % (i + 1), n_io, lt != 3)
    p = {"zones": zones, "assets": assets}
    otgen._bind(net, p)
    pats = []
    for i, lt in enumerate(ltypes):
        proto = otgen.LINE_TYPES[lt][0]
        pats.append({"from": "scada1", "to": "line%d-ctl" % (i + 1),
                     "proto": proto, "every_ms": 1500,
                     "write_every_ms": 2500 if i != 1 else None})
        pats += otgen.line_patterns("line%d" % (i + 1), lt,
                                    0 if lt == 3 else (2 if lt == 2 else 1),
                                    lt != 3, period=1500)
    # the historian reads SCADA over OPC UA: security None (planted)
    pats.append({"from": "historian", "to": "scada1", "proto": "opcua",
                 "every_ms": 2000})
    out = {}

    def ntp(h):
        otgen.it_ntp(net, h["scada1"], h["dc"])

    def dns(h):
        otgen.it_dns(net, h["scada1"], h["ops-dc"],
                     "historian.plant.example", h["historian"].ip)

    def office(h):
        it_http(net, h["pc1"], h["web"], "intranet.corp.example")
        gap(net, 50)
        it_tls(net, h["pc2"], h["jump"], "jump.corp.example", exchanges=1)

    def jump_rdp(h):
        it_rdp(net, h["jump"], h["ews1"], "eng")

    def mirror(h):
        it_tls(net, h["hist-mirror"], h["historian"],
               "historian.plant.example", exchanges=1)

    def patches(h):
        it_http(net, h["patch"], h["web"], "updates.corp.example")

    def planted_modbus(h):
        m = ModbusClient(net, h["pc1"], h["line2-ctl"]).connect()
        m.write_reg(7, 4242)
        gap(net, 20)
        m.close()
        out["modbus"] = m.flow

    def planted_rdp(h):
        it_rdp(net, h["pc2"], h["ews1"], "someone")
        out["rdp"] = net.truth.flows[(h["pc2"].ip, h["ews1"].ip, "tcp",
                                      3389, "rdp")]

    it = [(300, ntp), (600, dns), (900, office), (1800, jump_rdp),
          (2600, mirror), (3200, patches), (4100, planted_modbus),
          (4700, planted_rdp)]
    h = otgen.run_topology(net, p, pats, 6000, it)
    ua = net.truth.flows[(h["historian"].ip, h["scada1"].ip, "tcp", 4840,
                          "opcua")]
    return [("no-conduit", "SR 5.2 RE1", 2, out["modbus"], "flow"),
            ("no-conduit", "SR 5.2 RE1", 2, out["rdp"], "flow"),
            ("remote-access-into-control", "SR 1.13, SR 5.1", 2,
             out["rdp"], "flow"),
            ("no-integrity", "SR 3.1 RE1", 2, ua, "integrity")]


# --- expected findings from the truth ---------------------------------------------

def top_class(flow):
    best = ""
    for o in flow.ops.values():
        if CLASS_RANK.get(o["class"], 3) > CLASS_RANK.get(best, 0):
            best = o["class"]
    return best


def expect(net, spec, zones_of):
    rule, req, sl_t, flow, how = spec
    f = {"rule": rule, "requirement": req, "sl_t": sl_t,
         "client": flow.cip, "server": flow.sip,
         "protocol": flow.protocol, "class": top_class(flow) or None,
         "count": max(1, flow.connections), "frame": flow.first_frame}
    if how in ACCESS:
        ops = [o for o in flow.ops.values() if o["class"] == how]
        assert ops, (rule, how)
        f["class"] = how
        f["count"] = sum(o["count"] for o in ops)
        f["frame"] = min(o["first_frame"] for o in ops)
    elif how == "integrity":
        ops = list(flow.ops.values())
        opn = [o for o in ops if o["protocol"] == "opcua" and
               o["code"] == 446]
        f["frame"] = (opn[0] if opn else
                      min(ops, key=lambda o: o["first_frame"])
                      )["first_frame"]
    elif how == "asset":
        ip = flow.cip
        mine = [g for g in net.truth.flows.values()
                if ip in (g.cip, g.sip)]
        first = min(mine, key=lambda g: g.first_frame)
        f.update(server=None, protocol=None, **{"class": None},
                 count=len(mine), frame=first.first_frame)
    f["zone_from"] = zones_of(f["client"]) if how != "asset" else None
    f["zone_to"] = zones_of(f["server"]) if f["server"] else None
    return f


def zone_lookup(policy_text):
    """name -> networks of the zones in a policy written above."""
    import ipaddress
    zones = []
    name = None
    for line in policy_text.splitlines():
        s = line.strip()
        if s.startswith("- name:") and line.startswith("  - "):
            name = s.split(":", 1)[1].strip()
        elif s.startswith("networks:") and name:
            nets = s.split(":", 1)[1].strip().strip("[]").split(",")
            zones.append((name, [ipaddress.ip_network(n.strip())
                                 for n in nets if n.strip()]))
            name = None

    def lookup(ip):
        a = ipaddress.ip_address(ip)
        for n, nets in zones:
            if any(a in x for x in nets):
                return n
        return None
    return lookup


def run_case(outdir, name, fn, policy_text):
    pcap = os.path.join(outdir, "pcaps", "policy-%s.pcap" % name)
    net = Net(pcap, scenario="policy-" + name,
              description="policy check case %s" % name)
    if fn is plant_scenario:
        specs = fn(net)
    else:
        h = plant(net)
        specs = fn(net, h)
    net.close()
    net.truth.write(pcap[:-5] + ".truth.json")
    lookup = zone_lookup(policy_text)
    found = [expect(net, s, lookup) for s in specs]
    return {"pcap": "pcaps/policy-%s.pcap" % name,
            "frames": net.w.frames, "findings": found}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=TOP,
                    help="top directory (pcaps/ and tests/policy/ in it)")
    a = ap.parse_args(argv)
    os.makedirs(os.path.join(a.output, "pcaps"), exist_ok=True)
    pdir = os.path.join(a.output, "tests", "policy")
    os.makedirs(pdir, exist_ok=True)
    cases = []
    for rule, title, policy, (fire, quiet) in CASES:
        text = POLICY_HEAD % (title, rule, rule) + policy
        ppath = os.path.join(pdir, rule + ".yaml")
        with open(ppath, "w") as f:
            f.write(text)
        for kind, fn in (("fire", fire), ("quiet", quiet)):
            c = run_case(a.output, "%s-%s" % (rule, kind), fn, text)
            c.update(name="%s-%s" % (rule, kind), rule=rule,
                     policy="tests/policy/%s.yaml" % rule,
                     exit=1 if c["findings"] else 0)
            assert (kind == "fire") == bool(c["findings"]), c["name"]
            cases.append(c)
    with open(os.path.join(pdir, "plant.yaml"), "w") as f:
        f.write(PLANT_POLICY)
    c = run_case(a.output, "plant", plant_scenario, PLANT_POLICY)
    c.update(name="plant", rule="planted violations",
             policy="tests/policy/plant.yaml", exit=1)
    cases.append(c)
    with open(os.path.join(pdir, "cases.json"), "w") as f:
        json.dump({"generator": "tests/gen/policy_cases.py",
                   "cases": cases}, f, indent=1, sort_keys=True)
        f.write("\n")
    for c in cases:
        size = os.path.getsize(os.path.join(a.output, c["pcap"]))
        print("%-42s %5d frames %7d bytes %d findings" % (
            c["pcap"], c["frames"], size, len(c["findings"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

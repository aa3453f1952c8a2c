#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""gen_inputs.py: the inputs of `make bench`, generated, never downloaded.

    gen_inputs.py [-d DIR] [--packets-a N] [--packets-b N] [--sources N]
                  [--force] [a b c d graph one live a.shards b.shards]
    gen_inputs.py check-scan OTZONE DB DIR/c-scan.truth.json

Writes into DIR (default ${OTZONE_BENCH_DIR:-/tmp/otzone-bench}), reusing
a file when it exists and was made with the same parameters (a
NAME.params file beside it says which):

  a-polling.pcap  (a) otgen's `bench` scenario: 250 controllers polled
                  over Modbus/TCP, S7comm, DNP3 and EtherNet/IP with CIP
                  class 1 I/O; small frames.
  b-mixed.pcap    (b) a plant and an office on one SPAN: OT polling and
                  CIP I/O, OPC UA bulk reads (13 KB responses) by a
                  historian and SCADA servers, and IT sessions (HTTP
                  downloads, TLS, DNS, SMB2, RDP, SSH, NTP), each a new
                  TCP connection; frames average about 450 bytes.
  c-scan.pcap     (c) 1,000,000 distinct spoofed sources each sending one
                  SYN to a plant address (a SYN flood on the OT ports, a
                  scan of the others), each answered (SYN-ACK or RST), at
                  200,000 packets/s, mixed with a small legitimate plant
                  conversation (c-scan.truth.json) whose flows must still
                  be inventoried: `check-scan` checks that.
  d-onedir.pcap   (d) b-mixed.pcap with every packet sent by the server
                  side of a TCP connection removed (an asymmetric SPAN).
  graph.pcap      10,000 assets and 100,000 client/server edges (one
                  Modbus read each) in 100 cells of 100 hosts, for timing
                  the analysis commands; graph.policy.yaml declares the
                  cells as zones.
  one-frame.pcap  one Modbus request: each tool's start-up cost.
  live-64.pcap    (only when asked for: `live`) 100,000 minimum-size
                  frames (60 bytes + FCS) for tests/bench/live.sh.
  X.s0.pcap, X.s1.pcap  (`a.shards`, `b.shards`) (a) or (b) split in
                  two by a symmetric hash of the 5-tuple: what two
                  per-core workers would each see, for the 1 -> 2 core
                  scaling figure.

(a) and (b) come from tests/gen/otgen.py (imported, not modified); (c),
(d) and the graph stream precomputed frame templates and patch only the
fields that change, so a million frames take a few seconds.
Standard library only.
"""

import argparse
import json
import os
import random
import struct
import subprocess
import sys
import time
from zlib import crc32

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import otgen  # noqa: E402

GEN_VERSION = 1
SHARD_SALT = 1
DEFAULT_DIR = os.environ.get("OTZONE_BENCH_DIR", "/tmp/otzone-bench")

PCAP_HDR = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
REC = struct.Struct("<IIII")


# ---------------------------------------------------------------------------
# streaming pcap I/O (classic, LE, microseconds, Ethernet)
# ---------------------------------------------------------------------------

class Writer:
    """Buffered classic pcap writer for prebuilt frames."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(PCAP_HDR)
        self.buf = []
        self.frames = 0
        self.bytes = 0

    def write(self, ts_us, frame):
        n = len(frame)
        self.buf.append(REC.pack(ts_us // 1000000, ts_us % 1000000, n, n))
        self.buf.append(frame)
        self.frames += 1
        self.bytes += n
        if len(self.buf) >= 16384:
            self.f.write(b"".join(self.buf))
            self.buf.clear()

    def write_raw(self, rec):
        """A record as read (16-byte header + frame)."""
        self.buf.append(rec)
        self.frames += 1
        self.bytes += len(rec) - 16
        if len(self.buf) >= 16384:
            self.f.write(b"".join(self.buf))
            self.buf.clear()

    def close(self):
        self.f.write(b"".join(self.buf))
        self.buf.clear()
        self.f.close()


def read_records(path):
    """Yield (ts_us, buf, start, end) for each record of a classic
    little-endian microsecond pcap, streaming: buf[start:end] is the
    record, its 16-byte header included."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) != 24 or hdr[:4] != b"\xd4\xc3\xb2\xa1":
            raise SystemExit("%s: not a little-endian microsecond pcap" %
                             path)
        data = b""
        off = 0
        unpack = REC.unpack_from
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            data = data[off:] + chunk
            off = 0
            n = len(data)
            while off + 16 <= n:
                sec, usec, incl, _ = unpack(data, off)
                end = off + 16 + incl
                if end > n:
                    break
                yield sec * 1000000 + usec, data, off, end
                off = end


# ---------------------------------------------------------------------------
# (a) otgen's bench scenario
# ---------------------------------------------------------------------------

def gen_a(path, packets):
    otgen.run_scenario("bench", path, packets=packets)


# ---------------------------------------------------------------------------
# (b) mixed OT and IT with OPC UA bulk transfers
# ---------------------------------------------------------------------------

MIXED_DESC = ("bench (b): plant polling, CIP I/O, OPC UA bulk reads and "
              "office IT sessions on one SPAN")


def mixed_plant():
    kinds = [("modbus", "schneider"), ("s7comm", "siemens"),
             ("dnp3", "sel"), ("enip", "rockwell")]
    assets, pats = [], []
    for i in range(1, 5):
        assets.append({"name": "scada%d" % i, "zone": "sup", "ip": ".%d" %
                       (10 + i), "vendor": "dell", "kind": "scada-server",
                       "ttl": 128})
    assets.append({"name": "hist", "zone": "dmz", "ip": ".10",
                   "vendor": "hp", "kind": "historian"})
    for i in range(96):
        proto, vendor = kinds[i % 4]
        name = "plc%02d" % i
        a = {"name": name, "zone": "plant", "ip": ".%d" % (20 + i),
             "vendor": vendor, "kind": "rtu" if proto == "dnp3" else "plc"}
        if proto == "modbus":
            a["attrs"] = otgen.modicon_attrs()
        if proto == "enip":
            a["attrs"] = {"cip_ident": otgen.LOGIX_IDENT}
        assets.append(a)
        pats.append({"from": "scada%d" % (1 + i % 4), "to": name,
                     "proto": proto, "every_ms": 100 + (i % 5) * 50,
                     "write_every_ms": 5000, "start_ms": (i * 53) % 1000})
        if proto == "enip" and i % 8 == 3:
            io = "io%02d" % i
            assets.append({"name": io, "zone": "plant",
                           "ip": ".%d" % (140 + i), "vendor": "rockwell2",
                           "kind": "io-adapter",
                           "attrs": {"cip_ident": otgen.AENT_IDENT}})
            pats.append({"from": name, "to": io, "proto": "enip-io",
                         "rpi_ms": 50, "start_ms": 300 + i})
    for i in range(6):
        assets.append({"name": "ua%d" % i, "zone": "plant",
                       "ip": ".%d" % (240 + i), "vendor": "siemens2",
                       "kind": "plc"})
    for i in range(40):
        assets.append({"name": "pc%02d" % i, "zone": "office",
                       "ip": ".%d" % (100 + i), "vendor": ("dell", "hp",
                                                            "intel")[i % 3],
                       "ttl": 128})
    for name, ip, vendor in (("dc", ".10", "dell2"), ("web", ".20", "hp"),
                             ("portal", ".21", "hp"), ("jump", ".30",
                                                       "intel"),
                             ("linux", ".40", "dell")):
        assets.append({"name": name, "zone": "office", "ip": ip,
                       "vendor": vendor})
    plant = {"zones": [
        {"name": "office", "purdue_level": 4, "network": "10.61.0.0/24"},
        {"name": "dmz", "purdue_level": 3, "network": "10.62.0.0/24"},
        {"name": "sup", "purdue_level": 2, "network": "10.63.0.0/24"},
        {"name": "plant", "purdue_level": 1, "network": "10.60.0.0/24"}],
        "assets": assets}
    return plant, pats


def sc_mixed(net, packets):
    plant, pats = mixed_plant()
    h = otgen.build_plant(net, plant)
    s = otgen.Scheduler(net)
    r = net.rng
    for p in pats:
        otgen.start_pattern(net, s, h, p)

    # OPC UA bulk: each reader keeps a session with each UA server and
    # reads 60 string nodes (recipe and batch records) per poll.
    nodes = [(3, 5000 + k) for k in range(60)]
    vals = ["batch-%04d:" % k + "x" * 200 for k in range(60)]
    readers = ["hist", "scada1", "scada2"]
    for i in range(6):
        srv = h["ua%d" % i]
        info = otgen.UaServerInfo("urn:ua%d:S7-1500" % i,
                                  otgen.S71500_UA[1], "ua%d OPC UA" % i,
                                  "opc.tcp://%s:4840" % srv.ip)
        for j, rd in enumerate(readers):
            c = h[rd]
            u = otgen.UaClient(net, c, srv, info,
                               ("urn:%s:client" % rd, "http://example",
                                "%s client" % rd))

            def setup(u=u):
                u.hello()
                u.open()
                u.create_session()
                u.activate_session()
            start = 100 + 37 * (3 * i + j)
            s.once(start, setup)
            s.every(300, lambda u=u: u.read(nodes, vals), start_ms=start +
                    80)
            s.every(5000, lambda u=u: u.browse(
                [(3, 7000 + k, "Tag%03d" % k) for k in range(120)],
                chunks=3), start_ms=start + 2500)

    pcs = [h["pc%02d" % i] for i in range(40)]

    def pc():
        return pcs[r.randrange(len(pcs))]

    def http():
        otgen.it_http(net, pc(), h["web"], "intranet.corp.example",
                      path="/docs/%d" % r.randrange(1000),
                      body_len=r.randint(4000, 60000))

    def tls():
        otgen.it_tls(net, pc(), h["portal"], "portal.corp.example",
                     exchanges=3)

    def dns():
        otgen.it_dns(net, pc(), h["dc"], "host%d.corp.example" %
                     r.randrange(500), h["web"].ip)

    s.every(40, http, start_ms=5)
    s.every(50, tls, start_ms=11)
    s.every(20, dns, start_ms=17)
    s.every(500, lambda: otgen.it_smb2(net, pc(), h["dc"]), start_ms=23)
    s.every(2000, lambda: otgen.it_rdp(net, pc(), h["jump"]), start_ms=29)
    s.every(3000, lambda: otgen.it_ssh(net, pc(), h["linux"]), start_ms=31)
    s.every(1000, lambda: otgen.it_ntp(net, pc(), h["dc"]), start_ms=37)
    s.run(max_frames=packets)


def gen_b(path, packets):
    net = otgen.Net(path, seed=otgen.DEFAULT_SEED, scenario="bench-mixed",
                    description=MIXED_DESC)
    sc_mixed(net, packets)
    net.close()
    net.truth.write(path[:-5] + ".truth.json")


# ---------------------------------------------------------------------------
# (c) 1M-source scan and SYN flood, with a legitimate plant conversation
# ---------------------------------------------------------------------------

SCAN_DESC = "bench (c): the legitimate plant conversation under the flood"
# frame: Ethernet, IPv4 (20), TCP (20), 6 bytes of padding = 60
SYN = struct.Struct(">6s6sHBBHHHBBHIIHHIIBBHHH6x")
FLOOD_PPS = 200000
OPEN_PORTS = (502, 102, 44818, 20000)


def fold(s):
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return s


def legit_plant(net, duration_ms):
    """A few controllers polled during the whole flood."""
    assets = [{"name": "scada", "zone": "plant", "ip": ".5",
               "vendor": "dell", "kind": "scada-server", "ttl": 128},
              {"name": "hmi", "zone": "plant", "ip": ".6",
               "vendor": "intel", "kind": "hmi", "ttl": 128}]
    kinds = [("modbus", "schneider"), ("s7comm", "siemens"),
             ("dnp3", "sel"), ("enip", "rockwell")]
    pats = []
    for i in range(8):
        proto, vendor = kinds[i % 4]
        name = "plc%d" % i
        a = {"name": name, "zone": "plant", "ip": ".%d" % (10 + i),
             "vendor": vendor, "kind": "rtu" if proto == "dnp3" else "plc"}
        if proto == "modbus":
            a["attrs"] = otgen.modicon_attrs()
        if proto == "enip":
            a["attrs"] = {"cip_ident": otgen.LOGIX_IDENT}
        assets.append(a)
        pats.append({"from": "scada" if i % 2 == 0 else "hmi", "to": name,
                     "proto": proto, "every_ms": 100 + 50 * (i % 3),
                     "write_every_ms": 2000, "start_ms": 10 * i})
    h = otgen.build_plant(net, {"zones": [{"name": "plant",
                                           "purdue_level": 1,
                                           "network": "10.70.0.0/24"}],
                                "assets": assets})
    s = otgen.Scheduler(net)
    for p in pats:
        otgen.start_pattern(net, s, h, p)
    s.run(until_ms=duration_ms)
    return [h["plc%d" % i] for i in range(8)]


def gen_c(path, sources):
    """The flood is streamed from a template; the legitimate capture is
    made first (small), then both are merged in time order."""
    legit_path = path[:-5] + ".legit.pcap"
    duration_ms = int(sources * 1000 / (FLOOD_PPS / 2)) + 2000
    net = otgen.Net(legit_path, seed=otgen.DEFAULT_SEED,
                    scenario="bench-scan-legit", description=SCAN_DESC)
    targets = legit_plant(net, duration_ms)
    net.close()
    net.truth.write(path[:-5] + ".truth.json")
    legit = [(ts, bytes(d[a + 16:b])) for ts, d, a, b in
             read_records(legit_path)]
    os.unlink(legit_path)

    rng = random.Random(otgen.DEFAULT_SEED + 3)
    w = Writer(path)
    router = otgen.make_mac("cisco", 0x2B0001)
    tgt = [(t.ipb, t.mac, struct.unpack(">I", t.ipb)[0]) for t in targets]
    t0 = otgen.START_US + 1000000  # the plant talks for 1 s first
    gap = 1000000 // (FLOOD_PPS // 2)  # between SYNs
    li = 0
    nl = len(legit)
    pack = SYN.pack
    w_rec = REC.pack
    buf = w.buf
    # 1,000,000 distinct sources: an odd multiplier permutes 2^24, so
    # every source is new; spread over 11.0.0.0/8 in scattered order.
    for i in range(sources):
        ts = t0 + i * gap
        while li < nl and legit[li][0] <= ts:
            w.write(*legit[li])
            li += 1
        src = 0x0B000000 | ((i * 0x9E3779B1) & 0xFFFFFF)
        dip, dmac, dnum = tgt[i & 7]
        if i % 10 < 7:
            dport = OPEN_PORTS[(i >> 3) & 3]
            reply = 0x12  # SYN-ACK
        else:
            dport = 1 + (i * 7919) % 1024
            reply = 0x14  # RST-ACK
        sport = 1024 + (i * 40503) % 64000
        seq = rng.getrandbits(32)
        ipid = i & 0xFFFF
        # IPv4 header checksum: 4500 0028 id 0000 4006 0000 src dst
        s = (0x4500 + 0x28 + ipid + 0x4006 + (src >> 16) + (src & 0xFFFF) +
             (dnum >> 16) + (dnum & 0xFFFF))
        ipc = 0xFFFF - fold(s)
        # TCP checksum: pseudo header + header (ack 0, off 5, SYN, win)
        s = ((src >> 16) + (src & 0xFFFF) + (dnum >> 16) + (dnum & 0xFFFF) +
             6 + 20 + sport + dport + (seq >> 16) + (seq & 0xFFFF) +
             0x5002 + 1024)
        tc = 0xFFFF - fold(s)
        f = pack(dmac, router, 0x0800, 0x45, 0, 40, ipid, 0, 64, 6, ipc,
                 src, dnum, sport, dport, seq, 0, 0x50, 0x02, 1024, tc, 0)
        buf.append(w_rec(ts // 1000000, ts % 1000000, 60, 60))
        buf.append(f)
        # the target's answer, 3 us later
        ts += 3
        rseq = 0 if reply == 0x14 else (seq * 2654435761) & 0xFFFFFFFF
        ack = (seq + 1) & 0xFFFFFFFF
        s = (0x4500 + 0x28 + ipid + 0x4006 + (src >> 16) + (src & 0xFFFF) +
             (dnum >> 16) + (dnum & 0xFFFF))
        ipc = 0xFFFF - fold(s)
        s = ((src >> 16) + (src & 0xFFFF) + (dnum >> 16) + (dnum & 0xFFFF) +
             6 + 20 + sport + dport + (rseq >> 16) + (rseq & 0xFFFF) +
             (ack >> 16) + (ack & 0xFFFF) + (0x5000 | reply) + 8192)
        tc = 0xFFFF - fold(s)
        f = pack(router, dmac, 0x0800, 0x45, 0, 40, ipid, 0, 64, 6, ipc,
                 dnum, src, dport, sport, rseq, ack, 0x50, reply, 8192, tc,
                 0)
        buf.append(w_rec(ts // 1000000, ts % 1000000, 60, 60))
        buf.append(f)
        w.frames += 2
        w.bytes += 120
        if len(buf) >= 32768:
            w.f.write(b"".join(buf))
            buf.clear()
    while li < nl:
        w.write(*legit[li])
        li += 1
    w.close()


def check_scan(otz, db, truth_path):
    """Every flow of the legitimate conversation is in the inventory,
    with its protocol, packet count and requests.  Exit 0 or 1."""
    truth = json.load(open(truth_path))
    want = {}
    for f in truth["flows"]:
        want[(f["client"], f["server"], f["transport"], f["server_port"],
              f["protocol"])] = f
    hosts = {k[0] for k in want} | {k[1] for k in want}
    r = subprocess.run([otz, "--db", db, "flows", "--format", "json"],
                       stdout=subprocess.PIPE, check=True)
    got = {}
    for f in json.loads(r.stdout):
        if f["client"] in hosts and f["server"] in hosts:
            got[(f["client"], f["server"], f["transport"],
                 f["server_port"], f["protocol"])] = f
    bad = []
    for k in sorted(want):
        g = got.get(k)
        if g is None:
            bad.append("missing %s" % (k,))
            continue
        if g["packets"] != want[k]["packets"]:
            bad.append("%s: packets %d, truth %d" % (k, g["packets"],
                                                     want[k]["packets"]))
        wops = {(o["protocol"], o["code"]): o["count"]
                for o in want[k]["requests"]
                if o.get("requester", "client") == "client"}
        gops = {(o["protocol"], o["code"]): o["count"]
                for o in g.get("operations", [])}
        for ok in sorted(wops):
            if gops.get(ok) != wops[ok]:
                bad.append("%s: %s count %s, truth %d" % (
                    k, ok, gops.get(ok), wops[ok]))
    for k in sorted(set(got) - set(want)):
        bad.append("unexpected %s" % (k,))
    for b in bad[:20]:
        print("check-scan: " + b)
    print("check-scan: %d of %d legitimate flows inventoried exactly%s" % (
        len(want) - len({b.split(":")[0] for b in bad}), len(want),
        "" if not bad else " (%d problems)" % len(bad)))
    return 1 if bad else 0


# ---------------------------------------------------------------------------
# (d) one direction of each TCP stream missing
# ---------------------------------------------------------------------------

WELL_KNOWN = {502, 102, 20000, 44818, 4840, 80, 443, 445, 3389, 22, 53,
              123}


def gen_d(path, src_path):
    """Drop every packet the server side of a TCP connection sent.  The
    client is the sender of the SYN; without one, the side not on a
    well-known port, else the lower port is the server's."""
    w = Writer(path)
    client = {}  # (a, ap, b, bp) canonical -> (ip, port) of the client
    unpack_from = struct.unpack_from
    for ts, d, a, b in read_records(src_path):
        off = a + 16 + 12
        et = (d[off] << 8) | d[off + 1]
        off += 2
        if et == 0x8100:
            et = (d[off + 2] << 8) | d[off + 3]
            off += 4
        if et == 0x0800 and d[off + 9] == 6:
            ihl = (d[off] & 15) * 4
            sip = d[off + 12:off + 16]
            dip = d[off + 16:off + 20]
            t = off + ihl
        elif et == 0x86DD and d[off + 6] == 6:
            sip = d[off + 8:off + 24]
            dip = d[off + 24:off + 40]
            t = off + 40
        else:
            w.write_raw(d[a:b])
            continue
        sp, dp = unpack_from(">HH", d, t)
        flags = d[t + 13]
        k = (sip, sp, dip, dp) if (sip, sp) < (dip, dp) else \
            (dip, dp, sip, sp)
        if flags & 0x12 == 0x02:
            c = client[k] = (sip, sp)
        elif flags & 0x12 == 0x12:
            c = client[k] = (dip, dp)
        else:
            c = client.get(k)
        if c is None:
            if dp in WELL_KNOWN and sp not in WELL_KNOWN:
                c = (sip, sp)
            elif sp in WELL_KNOWN and dp not in WELL_KNOWN:
                c = (dip, dp)
            else:
                c = (sip, sp) if sp > dp else (dip, dp)
            client[k] = c
        if (sip, sp) == c:
            w.write_raw(d[a:b])
    w.close()


# ---------------------------------------------------------------------------
# graph: 10,000 assets, 100,000 edges
# ---------------------------------------------------------------------------

CELLS, PER_CELL, PLCS, CLIENTS_PER, FANOUT, CROSS = 100, 100, 20, 80, 12, 40


def graph_edges():
    """(client, server) as host numbers: 100 cells of 20 controllers and
    80 clients; each client polls 12 controllers of its cell, and 40
    clients of each cell also poll the first controller of the next."""
    for c in range(CELLS):
        for k in range(CLIENTS_PER):
            cli = (c, PLCS + 1 + k)
            for j in range(FANOUT):
                yield cli, (c, 1 + (k + j) % PLCS)
            if k < CROSS:
                yield cli, ((c + 1) % CELLS, 1)


def host_ip(h):
    c, n = h
    return (10 << 24) | (128 << 16) | (c << 8) | n


def host_mac(h):
    return b"\x00\x80\xf4" + struct.pack(">I", host_ip(h))[1:]


def mb_frame(src, dst, sport, dport, seq, ack, payload, ipid):
    s = (0x4500 + 40 + len(payload) + ipid + 0x4006 + (src >> 16) +
         (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF))
    ipc = 0xFFFF - fold(s)
    words = sum(struct.unpack(">%dH" % (len(payload) // 2),
                              payload[:len(payload) & ~1]))
    if len(payload) & 1:
        words += payload[-1] << 8
    s = ((src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + 6 +
         20 + len(payload) + sport + dport + (seq >> 16) + (seq & 0xFFFF) +
         (ack >> 16) + (ack & 0xFFFF) + 0x5018 + 8192 + words)
    tc = 0xFFFF - fold(s)
    ip = struct.pack(">BBHHHBBHII", 0x45, 0, 40 + len(payload), ipid, 0x4000,
                     64, 6, ipc, src, dst)
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 0x50, 0x18, 8192,
                      tc, 0)
    f = ip + tcp + payload
    return f + b"\0" * max(0, 46 - len(f))


def gen_graph(path):
    w = Writer(path)
    t = otgen.START_US
    i = 0
    for cli, srv in graph_edges():
        a, b = host_ip(cli), host_ip(srv)
        sport = 49152 + i % 16000
        seq, ack = (i * 7919) & 0xFFFFFFFF, (i * 104729) & 0xFFFFFFFF
        tid = i & 0xFFFF
        req = struct.pack(">HHHBBHH", tid, 0, 6, 1, 3, 0, 10)
        resp = struct.pack(">HHHBBB", tid, 0, 23, 1, 3, 20) + b"\0" * 20
        w.write(t, host_mac(srv) + host_mac(cli) + b"\x08\x00" +
                mb_frame(a, b, sport, 502, seq, ack, req, i & 0xFFFF))
        w.write(t + 300, host_mac(cli) + host_mac(srv) + b"\x08\x00" +
                mb_frame(b, a, 502, sport, ack, seq + len(req), resp,
                         i & 0xFFFF))
        t += 1000
        i += 1
    w.close()
    with open(path[:-5] + ".policy.yaml", "w") as f:
        f.write("# bench: the 100 cells of graph.pcap as zones\nzones:\n")
        for c in range(CELLS):
            f.write("  - name: cell-%02d\n    sl_t: %d\n    networks: "
                    "[10.128.%d.0/24]\n" % (c, 2 + c % 2, c))
        f.write("conduits:\n")
        for c in range(CELLS):
            f.write("  - name: cell-%02d-to-cell-%02d\n    from: cell-%02d\n"
                    "    to: cell-%02d\n    allow:\n      - { protocol: "
                    "modbus, access: read }\n" % (c, (c + 1) % CELLS, c,
                                                 (c + 1) % CELLS))
        f.write("default: deny\n")


# ---------------------------------------------------------------------------
# one frame (each tool's start-up cost) and 64-byte frames (live replay)
# ---------------------------------------------------------------------------

def gen_one(path):
    """One Modbus request: what a tool costs before its first packet."""
    w = Writer(path)
    cli, srv = (0, 21), (0, 1)
    req = struct.pack(">HHHBBHH", 1, 0, 6, 1, 3, 0, 10)
    w.write(otgen.START_US, host_mac(srv) + host_mac(cli) + b"\x08\x00" +
            mb_frame(host_ip(cli), host_ip(srv), 50000, 502, 1, 1, req, 1))
    w.close()


def gen_live(path, frames=100000):
    """Minimum-size frames (60 bytes captured, 64 on the wire with the
    FCS) for the live replay: pure ACKs of 2048 Modbus/TCP connections
    and 18-byte CIP class 1 I/O datagrams of 512 UDP pairs, alternating."""
    w = Writer(path)
    t = otgen.START_US
    udp = struct.Struct(">6s6sHBBHHHBBHIIHHHH18s")
    for i in range(frames):
        if i & 1 == 0:
            k = (i >> 1) % 2048
            cli, srv = (1 + k // 200, 21 + k % 200), (0, 1 + k % 20)
            f = host_mac(srv) + host_mac(cli) + b"\x08\x00" + mb_frame(
                host_ip(cli), host_ip(srv), 50000 + k, 502,
                (i * 7) & 0xFFFFFFFF, (i * 13) & 0xFFFFFFFF, b"",
                i & 0xFFFF)
        else:
            k = (i >> 1) % 512
            a, b = host_ip((2, 1 + k % 250)), host_ip((3, 1 + k % 250))
            s = (0x4500 + 46 + (i & 0xFFFF) + 0x4011 + (a >> 16) +
                 (a & 0xFFFF) + (b >> 16) + (b & 0xFFFF))
            ipc = 0xFFFF - fold(s)
            # CPF (little-endian): sequenced address item (connection
            # id, sequence), then an empty connected data item
            payload = struct.pack("<HHHIIHH", 2, 0x8002, 8, 0x10000 + k,
                                  i >> 1, 0x00B1, 0)
            f = udp.pack(host_mac((3, 1 + k % 250)),
                         host_mac((2, 1 + k % 250)), 0x0800, 0x45, 0, 46,
                         i & 0xFFFF, 0, 64, 17, ipc, a, b, 2222, 2222, 26, 0,
                         payload)
        w.write(t, f)
        t += 10
    w.close()


# ---------------------------------------------------------------------------
# shards: one capture split in two by a symmetric hash of the 5-tuple
# ---------------------------------------------------------------------------

def shard_of(d, a, n):
    """0 or 1: a symmetric hash of (addresses, ports, protocol), the
    split a per-core reader would make.  Non-IP frames and IP fragments
    go by address pair only (fragments carry no ports)."""
    off = a + 16 + 12
    et = (d[off] << 8) | d[off + 1]
    off += 2
    while et in (0x8100, 0x88A8):
        et = (d[off + 2] << 8) | d[off + 3]
        off += 4
    if et == 0x0800:
        ihl = (d[off] & 15) * 4
        proto = d[off + 9]
        x, y = d[off + 12:off + 16], d[off + 16:off + 20]
        frag = ((d[off + 6] & 0x3F) << 8 | d[off + 7]) != 0
        t = off + ihl
    elif et == 0x86DD:
        proto = d[off + 6]
        x, y = d[off + 8:off + 24], d[off + 24:off + 40]
        frag = proto == 44
        t = off + 40
    else:
        return 0
    if not frag and proto in (6, 17) and t + 4 <= n:
        x += d[t:t + 2]
        y += d[t + 2:t + 4]
    h = crc32(x) + crc32(y) + proto  # order-free: both directions alike
    return (h ^ (h >> 17)) & 1


def gen_shards(path, src_path):
    """path is the shard-0 file; shard 1 goes beside it."""
    s1 = path[:-len(".s0.pcap.tmp.pcap")] + ".s1.pcap"
    w = [Writer(path), Writer(s1 + ".tmp")]
    for ts, d, a, b in read_records(src_path):
        w[shard_of(d, a, b)].write_raw(d[a:b])
    for x in w:
        x.close()
    os.replace(s1 + ".tmp", s1)


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

def fresh(path, params):
    """The file exists and was made with these parameters."""
    try:
        with open(path + ".params") as f:
            return os.path.exists(path) and json.load(f) == params
    except (OSError, ValueError):
        return False


def make(path, params, fn, *args):
    if fresh(path, params):
        return False
    tmp = path + ".tmp.pcap"
    t = time.time()
    fn(tmp, *args)
    os.replace(tmp, path)
    if os.path.exists(tmp[:-5] + ".truth.json"):
        os.replace(tmp[:-5] + ".truth.json", path[:-5] + ".truth.json")
    if os.path.exists(tmp[:-5] + ".policy.yaml"):
        os.replace(tmp[:-5] + ".policy.yaml", path[:-5] + ".policy.yaml")
    with open(path + ".params", "w") as f:
        json.dump(params, f)
    print("gen_inputs: %s written in %.1f s" % (path, time.time() - t),
          file=sys.stderr)
    return True


def main(argv):
    if argv and argv[0] == "check-scan":
        if len(argv) != 4:
            print("usage: gen_inputs.py check-scan OTZONE DB TRUTH",
                  file=sys.stderr)
            return 2
        return check_scan(*argv[1:])
    ap = argparse.ArgumentParser(prog="gen_inputs.py")
    ap.add_argument("-d", "--dir", default=DEFAULT_DIR)
    ap.add_argument("--packets-a", type=int, default=2000000)
    ap.add_argument("--packets-b", type=int, default=1000000)
    ap.add_argument("--sources", type=int, default=1000000)
    ap.add_argument("--force", action="store_true")
    ap.add_argument("which", nargs="*",
                    default=["a", "b", "c", "d", "graph", "one"])
    a = ap.parse_args(argv)
    os.makedirs(a.dir, exist_ok=True)
    p = {k: os.path.join(a.dir, v) for k, v in (
        ("a", "a-polling.pcap"), ("b", "b-mixed.pcap"),
        ("c", "c-scan.pcap"), ("d", "d-onedir.pcap"),
        ("graph", "graph.pcap"), ("one", "one-frame.pcap"),
        ("live", "live-64.pcap"))}
    p["a.shards"] = p["a"]
    p["b.shards"] = p["b"]
    if a.force:
        for k in a.which:
            if os.path.exists(p[k] + ".params"):
                os.unlink(p[k] + ".params")
    base = {"gen": GEN_VERSION, "otgen": otgen.VERSION}
    pb = dict(base, packets=a.packets_b)
    for k in a.which:
        if k == "a":
            make(p["a"], dict(base, packets=a.packets_a), gen_a,
                 a.packets_a)
        elif k == "b":
            make(p["b"], pb, gen_b, a.packets_b)
        elif k == "c":
            make(p["c"], dict(base, sources=a.sources), gen_c, a.sources)
        elif k == "d":
            if "b" not in a.which:
                make(p["b"], pb, gen_b, a.packets_b)
            make(p["d"], dict(pb, from_b=os.path.getmtime(p["b"])), gen_d,
                 p["b"])
        elif k == "graph":
            make(p["graph"], base, gen_graph)
        elif k in ("a.shards", "b.shards"):
            src = p[k[0]]
            if not os.path.exists(src):
                ap.error("%s: generate %s first" % (k, k[0]))
            out = src[:-5] + ".s0.pcap"
            prm = dict(base, src=os.path.getmtime(src), hash=SHARD_SALT)
            if not os.path.exists(src[:-5] + ".s1.pcap") and \
                    os.path.exists(out + ".params"):
                os.unlink(out + ".params")
            make(out, prm, gen_shards, src)
            print("%s %s %s" % (k, out, src[:-5] + ".s1.pcap"))
            continue
        elif k == "one":
            make(p["one"], base, gen_one)
        elif k == "live":
            make(p["live"], base, gen_live)
        else:
            ap.error("unknown input %r" % k)
        print("%s %s" % (k, p[k]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

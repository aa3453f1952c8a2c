#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""otgen: deterministic OT traffic generator, the test-data factory of otzone.

Writes classic pcap captures (microsecond timestamps, DLT_EN10MB) of small
plants, byte-exact and deterministic (fixed seed, fixed start time
2026-01-05T08:00:00Z), and next to each capture a <name>.truth.json with what
the generator put in it: assets, flows and the exact request counts per flow,
classified as in shared/ARCHITECTURE.md.

Standard library only.  Layout of this file:

  1. pcap writer, checksums, addresses
  2. network model: Host, Net (Ethernet/802.1Q/IPv4/IPv6/UDP/ARP/LLDP),
     TcpSession (handshake, seq/ack, split/retransmit/out-of-order, FIN)
  3. truth recorder (flows, operations and their classes, notable frames)
  4. protocol encoders: Modbus/TCP, DNP3, S7comm (+S7comm-plus), EtherNet/IP
     + CIP, OPC UA binary, IT protocols (DNS, HTTP, RDP, SMB2, SSH, NTP, TLS)
  5. protocol sessions (stateful clients that emit traffic and truth)
  6. plant description -> hosts, pattern scheduler
  7. scenarios and command line

    otgen.py SCENARIO -o FILE.pcap      writes FILE.pcap and FILE.truth.json
    otgen.py all -o DIR                 every bundled scenario into DIR
    otgen.py bench -o F.pcap --packets N   a large Modbus/S7/DNP3 polling mix
    otgen.py list                       the scenario names
"""

import argparse
import calendar
import ipaddress
import json
import os
import random
import struct
import sys

VERSION = 1
START_US = calendar.timegm((2026, 1, 5, 8, 0, 0)) * 1000000
DEFAULT_SEED = 20260105

_pack = struct.pack

# ---------------------------------------------------------------------------
# 1. pcap writer, checksums, addresses
# ---------------------------------------------------------------------------


class PcapWriter:
    """Streams classic pcap (LE, usec, DLT_EN10MB) to a file.

    Records are buffered and written in large chunks, so that millions of
    frames cost little more than the bytes themselves.
    """

    def __init__(self, path, snaplen=65535):
        self.f = open(path, "wb")
        self.f.write(_pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        self.buf = []
        self.bufn = 0
        self.frames = 0
        self.bytes = 0
        self.last_ts = 0

    def write(self, ts_us, frame):
        """Append one frame; returns its 1-based frame number."""
        if ts_us < self.last_ts:
            raise ValueError("timestamps must not go backwards")
        self.last_ts = ts_us
        n = len(frame)
        self.buf.append(_pack("<IIII", ts_us // 1000000, ts_us % 1000000, n, n))
        self.buf.append(frame)
        self.bufn += 1
        self.frames += 1
        self.bytes += n
        if self.bufn >= 4096:
            self.flush()
        return self.frames

    def flush(self):
        self.f.write(b"".join(self.buf))
        self.buf = []
        self.bufn = 0

    def close(self):
        self.flush()
        self.f.close()


def csum(data):
    """Internet checksum (RFC 1071).  Sum of 16-bit words mod 0xffff equals
    the big integer mod 0xffff, since 0x10000 = 1 (mod 0xffff)."""
    if len(data) & 1:
        data += b"\0"
    s = int.from_bytes(data, "big") % 0xFFFF
    return 0xFFFF - s if s else 0  # data is never all-zero here


def rbytes(rng, n):
    """n random octets from rng (one call, deterministic)."""
    return rng.getrandbits(8 * n).to_bytes(n, "little") if n > 0 else b""


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


BROADCAST_MAC = b"\xff" * 6
LLDP_MAC = bytes.fromhex("0180c200000e")

# OUIs with their names as in the IEEE registry (ieee-data oui.txt).
OUI = {
    "siemens": ("00:1b:1b", "Siemens AG"),
    "siemens2": ("00:0e:8c", "Siemens AG"),
    "rockwell": ("00:00:bc", "Rockwell Automation"),
    "rockwell2": ("00:1d:9c", "Rockwell Automation"),
    "schneider": ("00:80:f4", "TELEMECANIQUE ELECTRIQUE"),
    "moxa": ("00:90:e8", "MOXA TECHNOLOGIES CORP., LTD."),
    "sel": ("00:30:a7", "SCHWEITZER ENGINEERING"),
    "dell": ("f8:bc:12", "Dell Inc."),
    "dell2": ("14:18:77", "Dell Inc."),
    "hp": ("3c:d9:2b", "Hewlett Packard"),
    "intel": ("a0:36:9f", "Intel Corporate"),
    "cisco": ("00:1a:a1", "Cisco Systems, Inc"),
}


def make_mac(vendor, serial):
    """A MAC with vendor's OUI and a NIC part derived from serial."""
    oui = OUI[vendor][0]
    return mac_bytes(oui) + _pack(">I", serial & 0xFFFFFF)[1:]


def iso_time(us):
    s, frac = divmod(us, 1000000)
    t = __import__("time").gmtime(s)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (
        t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, frac)


# ---------------------------------------------------------------------------
# 2. network model
# ---------------------------------------------------------------------------

ETH_IP4 = b"\x08\x00"
ETH_IP6 = b"\x86\xdd"
ETH_ARP = b"\x08\x06"
ETH_LLDP = b"\x88\xcc"
ETH_VLAN = b"\x81\x00"


class Host:
    """An endpoint.  kind/level/zone are the generator's intent (truth)."""

    def __init__(self, name, ip, mac, vendor, kind="it-host", level=None,
                 zone=None, vlan=None, network=None, ip6=None, ttl=64,
                 identity=None, note=None):
        self.name = name
        self.ip = ip
        self.ipb = ipaddress.IPv4Address(ip).packed
        self.ip6 = ip6
        self.ip6b = ipaddress.IPv6Address(ip6).packed if ip6 else None
        self.mac = mac
        self.vendor = vendor
        self.kind = kind
        self.level = level
        self.zone = zone
        self.vlan = vlan
        self.network = ipaddress.IPv4Network(network) if network else None
        self.ttl = ttl
        self.identity = dict(identity or {})  # declared (documentation)
        self.revealed = {}  # what the captured protocols actually carry
        self.note = note
        self.ipid = 0
        self.eph = 49152  # next ephemeral port
        self.seen = False

    def reveal(self, source, **fields):
        """Record identity fields that a packet in the capture carries."""
        for k, v in fields.items():
            if v not in (None, ""):
                self.revealed.setdefault(k, v)
        src = self.revealed.setdefault("sources", [])
        if source not in src:
            src.append(source)

    def next_port(self, rng):
        self.eph += 1 + rng.randint(0, 7)
        if self.eph > 65000:
            self.eph = 49153
        return self.eph

    def same_l2(self, other):
        if self.network is None or other.network is None:
            return True
        return other.ipaddress() in self.network and self.vlan == other.vlan

    def ipaddress(self):
        return ipaddress.IPv4Address(self.ip)


class BroadcastHost:
    """Destination for broadcasts (ListIdentity sweep, DHCP...)."""

    def __init__(self, ip="255.255.255.255"):
        self.name = "broadcast"
        self.ip = ip
        self.ipb = ipaddress.IPv4Address(ip).packed
        self.mac = BROADCAST_MAC
        self.vlan = None
        self.network = None


BCAST = BroadcastHost()


class Net:
    """The capture being written: clock, hosts, L2/L3/L4 framing, truth."""

    def __init__(self, path, seed=DEFAULT_SEED, start_us=START_US,
                 router_mac=None, scenario="", description=""):
        self.w = PcapWriter(path) if path else None
        self.path = path
        self.t = start_us
        self.start = start_us
        self.rng = random.Random(seed)
        self.seed = seed
        self.hosts = []
        self.by_ip = {}
        self.zones = []
        self.router_mac = router_mac or make_mac("cisco", 0x2B0001)
        self._l2 = {}
        self.truth = Truth(self, scenario, description)

    # --- clock ---
    def adv(self, us):
        self.t += int(us)

    def at(self, t_us):
        """Move the clock to t_us (absolute) if it is in the future."""
        if t_us > self.t:
            self.t = int(t_us)

    def jitter(self, lo, hi):
        return self.rng.randint(lo, hi)

    # --- hosts ---
    def add(self, host):
        self.hosts.append(host)
        self.by_ip[host.ip] = host
        if host.ip6:
            self.by_ip[host.ip6] = host
        host.ipid = self.rng.randint(1, 0xFFFF)
        host.eph = self.rng.randint(49200, 60000)
        return host

    # --- L2 ---
    def l2(self, src, dst):
        """Ethernet header as seen on the sender's segment (cached)."""
        k = (id(src), id(dst))
        h = self._l2.get(k)
        if h is None:
            h = self._l2[k] = self._l2_build(src, dst)
        return h

    def _l2_build(self, src, dst):
        if dst.mac == BROADCAST_MAC:
            dmac = BROADCAST_MAC
        elif src.same_l2(dst):
            dmac = dst.mac
        else:
            dmac = self.router_mac
        if src.vlan:
            return dmac + src.mac + ETH_VLAN + _pack(">H", src.vlan)
        return dmac + src.mac

    def emit(self, frame, flow=None):
        """Write one frame at the current time; pad to 60 bytes."""
        if len(frame) < 60:
            frame += b"\0" * (60 - len(frame))
        n = self.w.write(self.t, frame)
        if flow is not None:
            flow.count_frame(n, len(frame), self.t)
        return n

    # --- L3 ---
    def ip4_packet(self, src, dst, proto, l4, dont_frag=True, tos=0):
        src.ipid = (src.ipid + 1) & 0xFFFF
        h = _pack(">BBHHHBBH4s4s", 0x45, tos, 20 + len(l4), src.ipid,
                  0x4000 if dont_frag else 0, src.ttl, proto, 0, src.ipb,
                  dst.ipb)
        c = csum(h)
        return h[:10] + _pack(">H", c) + h[12:] + l4

    def send_ip(self, src, dst, proto, l4, flow=None, v6=False, tos=0):
        src.seen = True
        if v6:
            pkt = _pack(">IHBB", 0x60000000, len(l4), proto, src.ttl) + \
                src.ip6b + dst.ip6b + l4
            return self.emit(self.l2(src, dst) + ETH_IP6 + pkt, flow)
        return self.emit(self.l2(src, dst) + ETH_IP4 +
                         self.ip4_packet(src, dst, proto, l4, tos=tos), flow)

    @staticmethod
    def pseudo(src, dst, proto, length, v6):
        if v6:
            return src.ip6b + dst.ip6b + _pack(">IxxxB", length, proto)
        return src.ipb + dst.ipb + _pack(">xBH", proto, length)

    # --- UDP ---
    def udp(self, src, dst, sport, dport, payload, flow=None, v6=False):
        ln = 8 + len(payload)
        h = _pack(">HHHH", sport, dport, ln, 0)
        c = csum(self.pseudo(src, dst, 17, ln, v6) + h + payload)
        if c == 0:
            c = 0xFFFF
        return self.send_ip(src, dst, 17,
                            h[:6] + _pack(">H", c) + payload, flow, v6)

    # --- ARP / LLDP ---
    def arp(self, src, target):
        """who-has target tell src (broadcast), then target's reply."""
        def body(op, smac, sip, tmac, tip):
            return _pack(">HHBBH", 1, 0x0800, 6, 4, op) + smac + sip + tmac + tip
        f1 = self.l2(src, BCAST) + ETH_ARP + \
            body(1, src.mac, src.ipb, b"\0" * 6, target.ipb)
        n = self.emit(f1)
        self.adv(self.jitter(80, 400))
        f2 = self.l2(target, src) + ETH_ARP + \
            body(2, target.mac, target.ipb, src.mac, src.ipb)
        self.emit(f2)
        return n

    def lldp(self, src, sysname, sysdesc, port="port-001", ttl=20):
        def tlv(t, v):
            return _pack(">H", (t << 9) | len(v)) + v
        body = (tlv(1, b"\x04" + src.mac) + tlv(2, b"\x07" + port.encode()) +
                tlv(3, _pack(">H", ttl)) + tlv(5, sysname.encode()) +
                tlv(6, sysdesc.encode()) +
                tlv(8, b"\x05\x01" + src.ipb + b"\x02\x00\x00\x00\x01\x00") +
                tlv(0, b""))
        if src.vlan:
            hdr = LLDP_MAC + src.mac + ETH_VLAN + _pack(">H", src.vlan)
        else:
            hdr = LLDP_MAC + src.mac
        return self.emit(hdr + ETH_LLDP + body)

    def close(self):
        self.w.close()


TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 1, 2, 4, 8, 16


class TcpSession:
    """One TCP connection, with sequence/ack tracking in both directions.

    The capture point is next to the server's switch port: a request shows
    up at time t, the server answers 1-5 ms later (rtt_us range), the
    client ACKs the answer shortly after.
    """

    MSS = 1460

    def __init__(self, net, client, server, dport, sport=None, flow=None,
                 v6=False, rtt=(300, 900), think=(800, 4500),
                 c_win=64240, s_win=8192):
        self.net = net
        self.c = client
        self.s = server
        self.dport = dport
        self.sport = sport or client.next_port(net.rng)
        self.flow = flow
        self.v6 = v6
        self.rtt = rtt
        self.think = think
        self.c_win = c_win
        self.s_win = s_win
        self.c_seq = net.rng.randint(1, 0xFFFFFFFF)
        self.s_seq = net.rng.randint(1, 0xFFFFFFFF)
        self.c_ack = 0
        self.s_ack = 0
        self.last = None  # (from_client, seq, ack, flags, payload)
        self.open_ = False
        self.ooo_frame = self.retx_frame = 0
        self.split_frames = (0, 0)

    # one segment on the wire
    def seg(self, from_client, flags, payload=b"", seq=None, ack=None,
            opts=b""):
        net = self.net
        if from_client:
            src, dst, sp, dp, win = self.c, self.s, self.sport, self.dport, \
                self.c_win
            if seq is None:
                seq = self.c_seq
            if ack is None:
                ack = self.c_ack
        else:
            src, dst, sp, dp, win = self.s, self.c, self.dport, self.sport, \
                self.s_win
            if seq is None:
                seq = self.s_seq
            if ack is None:
                ack = self.s_ack
        if not (flags & TCP_ACK):
            ack = 0
        doff = (20 + len(opts)) // 4
        h = _pack(">HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                  doff << 4, flags, win, 0, 0) + opts
        ln = len(h) + len(payload)
        c = csum(Net.pseudo(src, dst, 6, ln, self.v6) + h + payload)
        l4 = h[:16] + _pack(">H", c) + h[18:] + payload
        self.last = (from_client, seq, ack, flags, payload, opts)
        return net.send_ip(src, dst, 6, l4, self.flow, self.v6)

    def open(self):
        net = self.net
        syn_opts = b"\x02\x04\x05\xb4\x01\x01\x04\x02"  # MSS 1460, SACK_PERM
        self.seg(True, TCP_SYN, opts=syn_opts)
        self.c_seq += 1
        self.s_ack = self.c_seq
        net.adv(net.jitter(*self.rtt))
        self.seg(False, TCP_SYN | TCP_ACK, opts=b"\x02\x04\x05\xb4")
        self.s_seq += 1
        self.c_ack = self.s_seq
        net.adv(net.jitter(*self.rtt))
        self.seg(True, TCP_ACK)
        self.open_ = True
        net.adv(net.jitter(200, 900))
        return self

    def send(self, from_client, data, split=None, ooo=False,
             retransmit=False, gap=(30, 200)):
        """Send data (PSH/ACK).  split: list of cut offsets to send the data
        in several segments; ooo: send the segments of a 2-way split in
        reverse order; retransmit: send the last segment twice.  Data
        longer than the MSS is always cut.  Returns the frame number at
        which the receiver has all of data (in stream order)."""
        net = self.net
        cuts = sorted(set(split or []))
        pos = 0
        pieces = []
        for c in cuts + [len(data)]:
            while c - pos > self.MSS:
                pieces.append((pos, pos + self.MSS))
                pos += self.MSS
            if c > pos:
                pieces.append((pos, c))
                pos = c
        base = self.c_seq if from_client else self.s_seq
        order = list(range(len(pieces)))
        if ooo and len(pieces) >= 2:
            order[-2], order[-1] = order[-1], order[-2]
        done_frame = 0
        for k, i in enumerate(order):
            a, b = pieces[i]
            fl = TCP_ACK | (TCP_PSH if b == len(data) else 0)
            n = self.seg(from_client, fl, data[a:b], seq=base + a)
            done_frame = max(done_frame, n)
            if k != i:
                self.ooo_frame = n  # arrived after a later segment
            if k + 1 < len(order):
                net.adv(net.jitter(*gap))
        if len(pieces) > 1:
            self.split_frames = (done_frame - len(pieces) + 1, done_frame)
        if retransmit:
            net.adv(net.jitter(200000, 220000))  # RTO ~200 ms
            fc, seq, ack, flags, payload, opts = self.last
            self.retx_frame = self.seg(fc, flags, payload, seq=seq, ack=ack)
        if from_client:
            self.c_seq = base + len(data)
            self.s_ack = self.c_seq
        else:
            self.s_seq = base + len(data)
            self.c_ack = self.s_seq
        return done_frame

    def ack(self, from_client):
        return self.seg(from_client, TCP_ACK)

    def exchange(self, req, resp, req_split=None, resp_split=None,
                 req_ooo=False, req_retx=False, resp_retx=False,
                 ack=True, resp_split_ooo=False):
        """A request from the client, its response, the client's ACK.
        Returns (request frame, response frame)."""
        net = self.net
        fr = self.send(True, req, split=req_split, ooo=req_ooo,
                       retransmit=req_retx)
        net.adv(net.jitter(*self.think))
        if resp is None:
            if ack:
                self.ack(False)
            return fr, None
        fs = self.send(False, resp, split=resp_split, ooo=resp_split_ooo,
                       retransmit=resp_retx)
        if ack:
            net.adv(net.jitter(*self.rtt))
            self.ack(True)
        return fr, fs

    def push(self, resp, split=None):
        """Server-initiated data (e.g. DNP3 unsolicited), client ACKs."""
        fs = self.send(False, resp, split=split)
        self.net.adv(self.net.jitter(*self.rtt))
        self.ack(True)
        return fs

    def close(self, by_client=True):
        net = self.net
        first = by_client
        self.seg(first, TCP_FIN | TCP_ACK)
        if first:
            self.c_seq += 1
            self.s_ack = self.c_seq
        else:
            self.s_seq += 1
            self.c_ack = self.s_seq
        net.adv(net.jitter(*self.rtt))
        self.seg(not first, TCP_FIN | TCP_ACK)
        if first:
            self.s_seq += 1
            self.c_ack = self.s_seq
        else:
            self.c_seq += 1
            self.s_ack = self.c_seq
        net.adv(net.jitter(*self.rtt))
        self.seg(first, TCP_ACK)
        self.open_ = False
        net.adv(net.jitter(100, 500))


# ---------------------------------------------------------------------------
# 3. truth recorder
# ---------------------------------------------------------------------------

# Operation classes of ARCHITECTURE.md, per protocol and request code.
# A code that the table does not list is "other".  Where one code means
# different things (Modbus 43 by MEI type, CIP 0x4E by object), the
# session passes the class explicitly.
CLASS_TABLE = {
    "modbus": dict([(c, "read") for c in (1, 2, 3, 4, 20, 24)] +
                   [(c, "write") for c in (5, 6, 15, 16, 22, 23)] +
                   [(90, "program"), (21, "program"), (17, "discover")]),
    "dnp3": dict([(1, "read"), (2, "write"), (24, "write")] +
                 [(c, "control") for c in range(3, 15)] +
                 [(c, "program") for c in list(range(15, 20)) +
                  list(range(25, 31))]),
    "s7comm": dict([(0x04, "read"), (0x05, "write"), (0x28, "control"),
                    (0x29, "control"), (0xF0, "session"), (0x10401, "discover")] +
                   [(c, "program") for c in range(0x1A, 0x20)]),
    "s7comm-plus": {0x04CA: "session", 0x054C: "read", 0x0542: "write"},
    "enip": {0x65: "session", 0x63: "discover", 0x04: "discover"},
    "cip": {0x01: "read", 0x03: "read", 0x0E: "read", 0x4C: "read",
            0x52: "read", 0x02: "write", 0x04: "write", 0x10: "write",
            0x4D: "write", 0x54: "session", 0x4E: "session",
            0x05: "control",
            0x06: "control", 0x07: "control"},
    "opcua": {631: "read", 527: "read", 533: "read", 664: "read",
              787: "read", 826: "read", 751: "read",
              673: "write", 700: "write", 488: "write", 500: "write",
              712: "control", 428: "discover", 422: "discover",
              446: "session", 461: "session", 467: "session",
              452: "session", 473: "session", 0: "session"},
}


def op_class(proto, code):
    return CLASS_TABLE.get(proto, {}).get(code, "other")


# Roles as "<proto>-<role>" (dissectors/dissect.h obs_role_kind).
ROLE_NAMES = {
    "modbus": ("client", "server"), "s7comm": ("client", "server"),
    "s7comm-plus": ("client", "server"), "enip": ("client", "server"),
    "opcua": ("client", "server"), "dnp3": ("master", "outstation"),
}


class Flow:
    def __init__(self, client, server, transport, port, protocol, v6,
                 client_ip=None, server_ip=None):
        self.client = client
        self.server = server
        self.cip = client_ip or (client.ip6 if v6 else client.ip)
        self.sip = server_ip or (server.ip6 if v6 else server.ip)
        self.transport = transport
        self.port = port
        self.protocol = protocol
        self.packets = 0
        self.bytes = 0
        self.first_frame = 0
        self.first_ts = 0
        self.last_ts = 0
        self.ops = {}
        self.order = []
        self.attrs = {}
        self.connections = 0
        self.roles = None  # override (client role, server role)
        self.extra = {}

    def count_frame(self, n, ln, t):
        self.packets += 1
        self.bytes += ln
        if not self.first_frame:
            self.first_frame = n
            self.first_ts = t
        self.last_ts = t

    def op(self, proto, code, frame, cls=None, error=False, by="client",
           name=None, n=1):
        """Record n requests (proto, code) first seen at frame."""
        key = (proto, code, by)
        o = self.ops.get(key)
        if o is None:
            o = self.ops[key] = {
                "protocol": proto, "code": code,
                "class": cls or op_class(proto, code),
                "count": 0, "errors": 0, "first_frame": frame}
            if name:
                o["name"] = name
            if by != "client":
                o["requester"] = by
            self.order.append(key)
        o["count"] += n
        if error:
            o["errors"] += 1
        return o

    def error(self, proto, code, by="client"):
        self.ops[(proto, code, by)]["errors"] += 1

    def to_json(self):
        reqs = [self.ops[k] for k in sorted(
            self.ops, key=lambda k: (k[0], k[1], k[2]))]
        d = {
            "client": self.cip, "server": self.sip,
            "transport": self.transport, "server_port": self.port,
            "protocol": self.protocol, "packets": self.packets,
            "bytes": self.bytes, "first_frame": self.first_frame,
            "first_seen": iso_time(self.first_ts),
            "last_seen": iso_time(self.last_ts),
            "connections": self.connections,
            "requests": reqs,
            "request_count": sum(o["count"] for o in reqs),
            "errors": sum(o["errors"] for o in reqs),
        }
        if self.attrs:
            d["attrs"] = self.attrs
        d.update(self.extra)
        return d


class Truth:
    def __init__(self, net, scenario, description):
        self.net = net
        self.scenario = scenario
        self.description = description
        self.flows = {}
        self.flow_order = []
        self.notable = {}

    def flow(self, client, server, transport, port, protocol, v6=False,
             server_ip=None):
        key = (client.ip6 if v6 else client.ip,
               server_ip or (server.ip6 if v6 else server.ip),
               transport, port, protocol)
        f = self.flows.get(key)
        if f is None:
            f = self.flows[key] = Flow(client, server, transport, port,
                                       protocol, v6, server_ip=server_ip)
            self.flow_order.append(key)
        return f

    def note(self, what, frame):
        """Remember the first frame of something notable."""
        if what not in self.notable and frame:
            self.notable[what] = frame

    def assets_json(self):
        roles = {}
        protos = {}
        for key in self.flow_order:
            f = self.flows[key]
            for h in (f.client, f.server):
                if isinstance(h, Host):
                    protos.setdefault(h.ip, set()).add(f.protocol)
            if f.protocol in ROLE_NAMES:
                cr, sr = f.roles or ROLE_NAMES[f.protocol]
                if isinstance(f.client, Host):
                    roles.setdefault(f.client.ip, set()).add(
                        "%s-%s" % (f.protocol, cr))
                if isinstance(f.server, Host):
                    roles.setdefault(f.server.ip, set()).add(
                        "%s-%s" % (f.protocol, sr))
        out = []
        for h in self.net.hosts:
            if not h.seen:
                continue
            vendor = [v for k, v in OUI.items()
                      if mac_bytes(v[0]) == h.mac[:3]]
            a = {
                "name": h.name, "ip": h.ip, "ip6": h.ip6,
                "mac": mac_str(h.mac),
                "mac_vendor": vendor[0][1] if vendor else None,
                "vlan": h.vlan, "kind": h.kind, "purdue_level": h.level,
                "zone": h.zone,
                "protocols": sorted(protos.get(h.ip, ())),
                "roles": sorted(roles.get(h.ip, ())),
                "identity": h.revealed,
            }
            if h.note:
                a["note"] = h.note
            out.append(a)
        return out

    def to_json(self):
        net = self.net
        flows = [self.flows[k].to_json() for k in self.flow_order]
        ops = {}
        for f in flows:
            for o in f["requests"]:
                k = "%s/%s" % (o["protocol"], o["class"])
                ops[k] = ops.get(k, 0) + o["count"]
        return {
            "generator": "otgen.py",
            "generator_version": VERSION,
            "scenario": self.scenario,
            "description": self.description,
            "pcap": os.path.basename(net.path),
            "seed": net.seed,
            "start": iso_time(net.start),
            "end": iso_time(net.w.last_ts),
            "frames": net.w.frames,
            "frame_bytes": net.w.bytes,
            "zones": net.zones,
            "assets": self.assets_json(),
            "flows": flows,
            "requests_by_class": dict(sorted(ops.items())),
            "notable_frames": dict(sorted(self.notable.items())),
        }

    def write(self, path):
        with open(path, "w") as f:
            json.dump(self.to_json(), f, indent=1, sort_keys=False)
            f.write("\n")


# ---------------------------------------------------------------------------
# 4a. Modbus/TCP (Modbus Application Protocol V1.1b3; Messaging on TCP/IP
#     Implementation Guide V1.0b)
# ---------------------------------------------------------------------------

def mbap(tid, unit, pdu):
    return _pack(">HHHB", tid & 0xFFFF, 0, len(pdu) + 1, unit) + pdu


def pack_bits(bits):
    out = bytearray((len(bits) + 7) // 8)
    for i, b in enumerate(bits):
        if b:
            out[i // 8] |= 1 << (i % 8)
    return bytes(out)


def mb_regs(vals):
    return b"".join(_pack(">H", v & 0xFFFF) for v in vals)


MODBUS_NAMES = {
    1: "Read Coils", 2: "Read Discrete Inputs", 3: "Read Holding Registers",
    4: "Read Input Registers", 5: "Write Single Coil",
    6: "Write Single Register", 8: "Diagnostics",
    15: "Write Multiple Coils", 16: "Write Multiple Registers",
    17: "Report Server ID", 23: "Read/Write Multiple Registers",
    43: "Read Device Identification", 90: "UMAS",
}

MEI_OBJECTS = ["vendor", "product_code", "revision", "vendor_url",
               "product_name", "model_name", "user_app_name"]


class ModbusClient:
    """A Modbus/TCP client connection to one server (unit id)."""

    def __init__(self, net, client, server, unit=1, port=502):
        self.net = net
        self.srv = server
        self.unit = unit
        self.flow = net.truth.flow(client, server, "tcp", port, "modbus")
        self.tcp = TcpSession(net, client, server, port, flow=self.flow,
                              s_win=5840 if server.kind == "plc" else 8192)
        self.tid = net.rng.randint(0, 200)
        self.regs = getattr(server, "regs", None)
        if self.regs is None:
            self.regs = server.regs = [net.rng.randint(0, 4000)
                                       for _ in range(2048)]
            server.coils = [net.rng.random() < 0.3 for _ in range(2048)]

    def connect(self):
        self.tcp.open()
        self.flow.connections += 1
        return self

    def close(self):
        self.tcp.close()

    def txn(self, req, resp, cls=None, **kw):
        self.tid = (self.tid + 1) & 0xFFFF
        fc = req[0]
        fr, fs = self.tcp.exchange(mbap(self.tid, self.unit, req),
                                   mbap(self.tid, self.unit, resp), **kw)
        err = bool(resp[0] & 0x80)
        self.flow.op("modbus", fc, fr, cls=cls, error=err,
                     name=MODBUS_NAMES.get(fc))
        t = self.net.truth
        c = cls or op_class("modbus", fc)
        if c in ("write", "program", "control"):
            t.note("first_%s" % c, fr)
            t.note("first_modbus_%s" % c, fr)
        if err:
            t.note("first_modbus_exception", fs)
        return fr

    def _drift(self, addr, qty):
        r = self.net.rng
        for i in range(addr, addr + qty):
            self.regs[i % 2048] = (self.regs[i % 2048] +
                                   r.randint(-3, 3)) & 0xFFFF

    # --- requests ---
    def read_bits(self, fc, addr, qty, **kw):
        bits = [self.srv.coils[(addr + i) % 2048] for i in range(qty)]
        pb = pack_bits(bits)
        return self.txn(_pack(">BHH", fc, addr, qty),
                        _pack(">BB", fc, len(pb)) + pb, **kw)

    def read_regs(self, fc, addr, qty, **kw):
        self._drift(addr, qty)
        vals = [self.regs[(addr + i) % 2048] for i in range(qty)]
        return self.txn(_pack(">BHH", fc, addr, qty),
                        _pack(">BB", fc, 2 * qty) + mb_regs(vals), **kw)

    def write_coil(self, addr, on, **kw):
        pdu = _pack(">BHH", 5, addr, 0xFF00 if on else 0)
        self.srv.coils[addr % 2048] = on
        return self.txn(pdu, pdu, **kw)

    def write_reg(self, addr, val, **kw):
        pdu = _pack(">BHH", 6, addr, val)
        self.regs[addr % 2048] = val
        return self.txn(pdu, pdu, **kw)

    def write_coils(self, addr, bits, **kw):
        pb = pack_bits(bits)
        return self.txn(_pack(">BHHB", 15, addr, len(bits), len(pb)) + pb,
                        _pack(">BHH", 15, addr, len(bits)), **kw)

    def write_regs(self, addr, vals, **kw):
        return self.txn(_pack(">BHHB", 16, addr, len(vals), 2 * len(vals)) +
                        mb_regs(vals), _pack(">BHH", 16, addr, len(vals)),
                        **kw)

    def read_write_regs(self, raddr, rqty, waddr, vals, **kw):
        rv = [self.regs[(raddr + i) % 2048] for i in range(rqty)]
        return self.txn(_pack(">BHHHHB", 23, raddr, rqty, waddr, len(vals),
                              2 * len(vals)) + mb_regs(vals),
                        _pack(">BB", 23, 2 * rqty) + mb_regs(rv), **kw)

    def diagnostics(self, sub=0, data=0xA537, **kw):
        pdu = _pack(">BHH", 8, sub, data)
        return self.txn(pdu, pdu, **kw)

    def device_id(self, read_code=2, **kw):
        """43/14 Read Device Identification, stream access from object 0."""
        ident = self.srv.mb_ident
        objs = []
        last = {1: 2, 2: 6, 3: 6}[read_code]
        for i in range(0, last + 1):
            v = ident.get(MEI_OBJECTS[i])
            if v is not None:
                objs.append(_pack(">BB", i, len(v)) + v.encode())
        resp = _pack(">BBBBBBB", 43, 14, read_code, 0x83, 0, 0,
                     len(objs)) + b"".join(objs)
        g = ident.get
        self.srv.reveal("modbus 43/14", vendor=g("vendor"),
                        product=g("product_name"), model=g("model_name"),
                        firmware=g("revision"),
                        product_code=g("product_code"),
                        url=g("vendor_url") if read_code > 1 else None,
                        name=g("user_app_name") if read_code > 1 else None)
        return self.txn(_pack(">BBBB", 43, 14, read_code, 0), resp,
                        cls="discover", **kw)

    def report_server_id(self, **kw):
        sid = self.srv.mb_server_id
        data = b"\x4d\xff" + sid.encode()
        return self.txn(b"\x11", _pack(">BB", 17, len(data)) + data, **kw)

    def exception(self, fc, req_rest, code=2, **kw):
        return self.txn(bytes([fc]) + req_rest, _pack(">BB", fc | 0x80, code),
                        **kw)

    def umas(self, func, data=b"", resp_data=b"", session=0x00, **kw):
        """Schneider UMAS (FC 90): 0x5a, session, UMAS function, data."""
        return self.txn(_pack(">BBB", 90, session, func) + data,
                        _pack(">BBB", 90, session, 0xFE) + resp_data,
                        **kw)


# ---------------------------------------------------------------------------
# 4b. DNP3 (IEEE 1815-2012: link layer 9.2 with CRC per 16-octet block,
#     transport function 8.2, application layer 4.2)
# ---------------------------------------------------------------------------

def _dnp3_crc_table():
    tab = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA6BC if c & 1 else c >> 1
        tab.append(c)
    return tab


_DNP3_TAB = _dnp3_crc_table()


def dnp3_crc(data):
    c = 0
    tab = _DNP3_TAB
    for b in data:
        c = (c >> 8) ^ tab[(c ^ b) & 0xFF]
    return _pack("<H", ~c & 0xFFFF)


def dnp3_link(ctrl, dst, src, user):
    """One link frame: header + CRC, user data in 16-octet blocks + CRC."""
    hdr = _pack("<BBBBHH", 0x05, 0x64, 5 + len(user), ctrl, dst, src)
    out = [hdr, dnp3_crc(hdr)]
    for i in range(0, len(user), 16):
        blk = user[i:i + 16]
        out.append(blk)
        out.append(dnp3_crc(blk))
    return b"".join(out)


DNP3_FC_NAMES = {
    0: "CONFIRM", 1: "READ", 2: "WRITE", 3: "SELECT", 4: "OPERATE",
    5: "DIRECT_OPERATE", 6: "DIRECT_OPERATE_NR", 13: "COLD_RESTART",
    14: "WARM_RESTART", 20: "ENABLE_UNSOLICITED", 21: "DISABLE_UNSOLICITED",
    23: "DELAY_MEASURE",
}

# qualifier 0x06: all objects; g60 class data
DNP3_CLASS0 = b"\x3c\x01\x06"
DNP3_CLASS123 = b"\x3c\x02\x06\x3c\x03\x06\x3c\x04\x06"


def dnp3_g0_attr(var, value):
    """Device attribute (group 0): qualifier 0x00 index 0..0, then
    data type (1 visible string, 2 unsigned int), length, value."""
    if isinstance(value, int):
        v = _pack("<I", value)
        return _pack("<BBBBBBB", 0, var, 0, 0, 0, 2, 4) + v
    v = value.encode()
    return _pack("<BBBBBBB", 0, var, 0, 0, 0, 1, len(v)) + v


def dnp3_crob(index, code=0x41, count=1, on_ms=1000, off_ms=0, status=0):
    """g12v1 control relay output block, qualifier 0x28 (count, index)."""
    return b"\x0c\x01\x28" + _pack("<HHBBIIB", 1, index, code, count, on_ms,
                                   off_ms, status)


class Dnp3Master:
    """A DNP3 master talking to one outstation over TCP or UDP 20000."""

    def __init__(self, net, master, outstation, m_addr=1, o_addr=10,
                 udp=False, port=20000):
        self.net = net
        self.m = master
        self.o = outstation
        self.ma = m_addr
        self.oa = o_addr
        self.udp = udp
        self.port = port
        self.flow = net.truth.flow(master, outstation,
                                   "udp" if udp else "tcp", port, "dnp3")
        self.flow.attrs["link_master"] = m_addr
        self.flow.attrs["link_outstation"] = o_addr
        self.tcp = None if udp else TcpSession(net, master, outstation,
                                               port, flow=self.flow)
        self.sport = port if udp else None
        r = net.rng
        self.aseq = r.randint(0, 15)
        self.useq = r.randint(0, 15)
        self.tseq_m = r.randint(0, 63)
        self.tseq_o = r.randint(0, 63)
        self.iin = 0x8000  # IIN1.7 device restart until cleared
        st = outstation.__dict__.setdefault
        self.bi = st("dnp3_bi", [r.random() < 0.5 for _ in range(16)])
        self.ai = st("dnp3_ai", [r.randint(0, 30000) for _ in range(64)])

    def connect(self):
        if self.tcp:
            self.tcp.open()
            self.flow.connections += 1
        return self

    def close(self):
        if self.tcp:
            self.tcp.close()

    def _frames(self, app, from_master):
        """Transport-segment app (max 249 octets per frame); list of link
        frames."""
        out = []
        chunks = [app[i:i + 249] for i in range(0, len(app), 249)] or [b""]
        for i, ch in enumerate(chunks):
            if from_master:
                seq = self.tseq_m
                self.tseq_m = (self.tseq_m + 1) & 63
            else:
                seq = self.tseq_o
                self.tseq_o = (self.tseq_o + 1) & 63
            th = (0x40 if i == 0 else 0) | \
                (0x80 if i == len(chunks) - 1 else 0) | seq
            if from_master:
                out.append(dnp3_link(0xC4, self.oa, self.ma,
                                     bytes([th]) + ch))
            else:
                out.append(dnp3_link(0x44, self.ma, self.oa,
                                     bytes([th]) + ch))
        return out

    def _send(self, frames, from_master, per_segment=False):
        """Send link frames; returns frame number when all have arrived."""
        net = self.net
        if self.udp:
            n = 0
            src, dst = (self.m, self.o) if from_master else (self.o, self.m)
            for k, f in enumerate(frames):
                if k:
                    net.adv(net.jitter(100, 400))
                n = net.udp(src, dst, self.port, self.port, f, self.flow)
            return n
        data = b"".join(frames)
        split = None
        if per_segment and len(frames) > 1:
            split, pos = [], 0
            for f in frames[:-1]:
                pos += len(f)
                split.append(pos)
        return self.tcp.send(from_master, data, split=split)

    def request(self, fc, objs=b"", resp_objs=b"", iin_extra=0,
                multi=False, cls=None, error=False, no_resp=False):
        """Request from the master, the outstation's response, TCP ACK."""
        net = self.net
        self.aseq = (self.aseq + 1) & 15
        app = _pack("BB", 0xC0 | self.aseq, fc) + objs
        fr = self._send(self._frames(app, True), True)
        self.flow.op("dnp3", fc, fr, cls=cls, error=error,
                     name=DNP3_FC_NAMES.get(fc))
        net.adv(net.jitter(2000, 9000))
        if no_resp:
            if self.tcp:
                self.tcp.ack(False)
            return fr
        iin = self.iin | iin_extra
        rapp = _pack("<BBBB", 0xC0 | self.aseq, 0x81, iin >> 8,
                     iin & 0xFF) + resp_objs
        self._send(self._frames(rapp, False), False, per_segment=multi)
        if self.tcp:
            net.adv(net.jitter(300, 900))
            self.tcp.ack(True)
        c = cls or op_class("dnp3", fc)
        if c in ("write", "control", "program"):
            net.truth.note("first_%s" % c, fr)
            net.truth.note("first_dnp3_%s" % c, fr)
        return fr

    def unsolicited(self, objs):
        """Outstation sends UNSOLICITED_RESPONSE (CON), master CONFIRMs."""
        net = self.net
        self.useq = (self.useq + 1) & 15
        iin = self.iin | (0x0200 if objs else 0)
        app = _pack("<BBBB", 0xF0 | self.useq, 0x82, iin >> 8,
                    iin & 0xFF) + objs
        fu = self._send(self._frames(app, False), False)
        net.truth.note("first_dnp3_unsolicited", fu)
        self.flow.extra["unsolicited_responses"] = \
            self.flow.extra.get("unsolicited_responses", 0) + 1
        # otzone counts an unsolicited response as an operation of the
        # outstation (class other): it is the outstation acting unasked.
        self.flow.op("dnp3", 130, fu, cls="other", by="server",
                     name="UNSOLICITED_RESPONSE")
        net.adv(net.jitter(1500, 6000))
        capp = _pack("BB", 0xD0 | self.useq, 0)
        fc = self._send(self._frames(capp, True), True)
        self.flow.op("dnp3", 0, fc, name="CONFIRM")
        if self.tcp:
            net.adv(net.jitter(300, 900))
            self.tcp.ack(False)
        return fu

    # --- object payloads ---
    def class0_objects(self, n_ai=64):
        r = self.net.rng
        for i in range(len(self.bi)):
            if r.random() < 0.05:
                self.bi[i] = not self.bi[i]
        for i in range(n_ai):
            self.ai[i] = max(0, self.ai[i] + r.randint(-40, 40))
        g1 = b"\x01\x02\x00\x00" + bytes([len(self.bi) - 1]) + bytes(
            0x81 if b else 0x01 for b in self.bi)
        g30 = b"\x1e\x01\x01" + _pack("<HH", 0, n_ai - 1) + b"".join(
            _pack("<Bi", 0x01, v) for v in self.ai[:n_ai])
        return g1 + g30

    def integrity_poll(self, n_ai=64):
        return self.request(1, DNP3_CLASS123 + DNP3_CLASS0,
                            self.class0_objects(n_ai),
                            multi=(n_ai > 40))

    def event_poll(self):
        r = self.net.rng
        objs = b""
        if r.random() < 0.3:
            i = r.randint(0, len(self.bi) - 1)
            self.bi[i] = not self.bi[i]
            objs = b"\x02\x01\x17\x01" + bytes([i, 0x81 if self.bi[i]
                                                else 0x01])
        return self.request(1, DNP3_CLASS123, objs)

    def device_attributes(self, attrs):
        objs = b"".join(dnp3_g0_attr(v, val) for v, val in attrs)
        a = dict(attrs)
        self.o.reveal("dnp3 g0", vendor=a.get(252), product=a.get(250),
                      firmware=a.get(242), hardware=a.get(243),
                      serial=a.get(248), name=a.get(246))
        return self.request(1, b"\x00\xfe\x06", objs)

    def clear_restart(self):
        self.iin &= ~0x8000
        return self.request(2, b"\x50\x01\x00\x07\x07\x00")

    def select_operate(self, index, code=0x41):
        fs = self.request(3, dnp3_crob(index, code), dnp3_crob(index, code))
        self.net.adv(self.net.jitter(20000, 60000))
        self.request(4, dnp3_crob(index, code), dnp3_crob(index, code))
        return fs

    def direct_operate(self, index, code=0x03, bad=False):
        st = 4 if bad else 0  # 4: NOT_SUPPORTED
        return self.request(5, dnp3_crob(index, code),
                            dnp3_crob(index, code, status=st),
                            iin_extra=0x0004 if bad else 0, error=bad)

    def cold_restart(self):
        fr = self.request(13, b"", b"\x34\x02\x07\x01" + _pack("<H", 5000))
        self.iin |= 0x8000
        return fr

    def enable_unsolicited(self):
        return self.request(20, b"\x3c\x02\x06\x3c\x03\x06\x3c\x04\x06")


# ---------------------------------------------------------------------------
# 4c. S7comm over ISO-on-TCP (RFC 1006 TPKT, ISO 8073 COTP class 0) and
#     S7comm-plus.  S7comm has no public specification; layouts follow
#     Wireshark's s7comm dissector and captures of real CPUs.
# ---------------------------------------------------------------------------

def tpkt(payload):
    return _pack(">BBH", 3, 0, 4 + len(payload)) + payload


def cotp_cr(src_ref, calling, called, tpdu_size=0x0A, cc=False,
            dst_ref=0):
    params = (b"\xc0\x01" + bytes([tpdu_size]) +
              b"\xc1" + bytes([len(calling)]) + calling +
              b"\xc2" + bytes([len(called)]) + called)
    hdr = _pack(">BHHB", 0xD0 if cc else 0xE0, dst_ref, src_ref, 0)
    return bytes([len(hdr) + len(params)]) + hdr + params


def cotp_dt(payload, eot=True):
    return b"\x02\xf0" + (b"\x80" if eot else b"\x00") + payload


def s7_pdu(rosctr, ref, param, data=b"", err=None):
    h = _pack(">BBHHHH", 0x32, rosctr, 0, ref & 0xFFFF, len(param), len(data))
    if rosctr in (2, 3):
        h += _pack(">BB", *(err or (0, 0)))
    return h + param + data


S7_AREA = {"P": 0x80, "I": 0x81, "Q": 0x82, "M": 0x83, "DB": 0x84}
S7_NAMES = {0xF0: "Setup communication", 0x04: "Read Var",
            0x05: "Write Var", 0x1A: "Request download",
            0x1B: "Download block", 0x1C: "Download ended",
            0x28: "PI-Service", 0x29: "PLC Stop", 0x10401: "Read SZL"}


def s7_item(area, db, start, nbytes):
    """S7ANY item: syntax 0x10, transport size BYTE, count, DB, area,
    bit address."""
    return _pack(">BBBBHHB", 0x12, 0x0A, 0x10, 0x02, nbytes, db,
                 S7_AREA[area]) + _pack(">I", start * 8)[1:]


def szl_0011(order, hw, fw):
    """SZL 0x0011 module identification records (28 octets each)."""
    o = order.ljust(20).encode()
    return [_pack(">H", 1) + o + _pack(">HHH", 0, 0x0001, hw),
            _pack(">H", 6) + o + _pack(">HHH", 0, 0x0001, hw),
            _pack(">H", 7) + b" " * 20 + _pack(">HBBBB", 0, 0x56, fw[0],
                                                fw[1], fw[2])]


def szl_001c(items):
    """SZL 0x001C component identification: index + 32-octet text."""
    return [_pack(">H", i) + v.encode()[:32].ljust(32, b"\0")
            for i, v in items]


def s7_block_mc7(block_type, number, code_len, rng):
    """A plausible MC7 block image: header, code, footer."""
    code = bytes(rng.randint(0, 255) for _ in range(code_len))
    total = 36 + code_len + 40
    hdr = _pack(">HBBBBHIIHHHHHH", 0x7070, 1, 1, 1, int(block_type, 16),
                number, total, 0, 0x0400, 0x0000, 0x0000, 0, 0x0022,
                code_len) + bytes(8)
    return hdr[:36].ljust(36, b"\0") + code + bytes(40)


class S7Client:
    """An S7comm client (HMI/PG) connection to a CPU, TCP 102."""

    def __init__(self, net, client, server, rack=0, slot=2, pdu_size=240,
                 tpdu_size=0x0A):
        self.net = net
        self.c = client
        self.s = server
        self.rack = rack
        self.slot = slot
        self.pdu_size = pdu_size
        self.tpdu_size = tpdu_size
        self.flow = net.truth.flow(client, server, "tcp", 102, "s7comm")
        self.tcp = TcpSession(net, client, server, 102, flow=self.flow,
                              s_win=8192)
        self.ref = net.rng.randint(0x100, 0x7000)
        self.plc_ref = net.rng.randint(0x100, 0x7000)
        self.szl_seq = net.rng.randint(1, 200)

    def connect(self):
        net = self.net
        self.tcp.open()
        self.flow.connections += 1
        src_ref = net.rng.randint(1, 0xFFFF)
        called = _pack(">BB", 0x01, (self.rack << 5) | self.slot)
        cr = cotp_cr(src_ref, b"\x01\x00", called, self.tpdu_size)
        cc = cotp_cr(net.rng.randint(1, 0xFFFF), b"\x01\x00", called,
                     self.tpdu_size, cc=True, dst_ref=src_ref)
        self.tcp.exchange(tpkt(cr), tpkt(cc), ack=False)
        net.adv(net.jitter(300, 900))
        self.flow.attrs.update({"tsap_calling": 0x0100,
                                "tsap_called": (called[0] << 8) | called[1],
                                "rack": self.rack, "slot": self.slot})
        p = _pack(">BBHHH", 0xF0, 0, 1, 1, 480)
        rp = _pack(">BBHHH", 0xF0, 0, 1, 1, self.pdu_size)
        self.job(p, b"", rp, b"")
        return self

    def close(self):
        self.tcp.close()

    def _send_pdu(self, from_client, pdu, seg=False, **kw):
        if seg:
            cut = len(pdu) // 2
            a = tpkt(cotp_dt(pdu[:cut], eot=False))
            b = tpkt(cotp_dt(pdu[cut:]))
            self.net.truth.note("cotp_segmented_pdu", 0)
            n = self.tcp.send(from_client, a + b, split=[len(a)])
            self.net.truth.notable.setdefault("cotp_segmented_pdu", n)
            return n
        return self.tcp.send(from_client, tpkt(cotp_dt(pdu)), **kw)

    def job(self, param, data, rparam, rdata, err=None, cls=None,
            resp_seg=False, userdata_code=None, req_kw=None):
        """A job (or userdata request) from the client and its reply."""
        net = self.net
        self.ref = (self.ref + 1) & 0xFFFF
        if userdata_code:
            req = s7_pdu(7, self.ref, param, data)
            resp = s7_pdu(7, self.ref, rparam, rdata)
            code = userdata_code
        else:
            req = s7_pdu(1, self.ref, param, data)
            resp = s7_pdu(3, self.ref, rparam, rdata, err)
            code = param[0]
        fr = self._send_pdu(True, req, **(req_kw or {}))
        net.adv(net.jitter(1500, 8000))
        self._send_pdu(False, resp, seg=resp_seg)
        net.adv(net.jitter(300, 900))
        self.tcp.ack(True)
        bad = bool(err and err != (0, 0))
        self.flow.op("s7comm", code, fr, cls=cls, error=bad,
                     name=S7_NAMES.get(code))
        c = cls or op_class("s7comm", code)
        if c in ("write", "control", "program"):
            net.truth.note("first_%s" % c, fr)
            net.truth.note("first_s7_%s" % c, fr)
        return fr

    def plc_job(self, param, rparam, rdata):
        """A job sent by the CPU to the client (download block/ended)."""
        net = self.net
        self.plc_ref = (self.plc_ref + 1) & 0xFFFF
        fr = self._send_pdu(False, s7_pdu(1, self.plc_ref, param))
        net.adv(net.jitter(1000, 4000))
        self._send_pdu(True, s7_pdu(3, self.plc_ref, rparam, rdata))
        net.adv(net.jitter(300, 900))
        self.tcp.ack(False)
        code = param[0]
        self.flow.op("s7comm", code, fr, by="server", name=S7_NAMES.get(code))
        return fr

    # --- services ---
    def read_var(self, items, **req_kw):
        """items: (area, db, start, nbytes); values from the CPU image.
        req_kw (split=, ooo=, retransmit=) shape the request's segments."""
        r = self.net.rng
        mem = self.s.__dict__.setdefault("s7mem", {})
        param = _pack(">BB", 4, len(items)) + b"".join(
            s7_item(*it) for it in items)
        data = []
        for i, (area, db, start, n) in enumerate(items):
            key = (area, db)
            buf = mem.get(key)
            if buf is None:
                buf = mem[key] = bytearray(rbytes(r, 512))
            for _ in range(2):
                k = r.randint(start, start + n - 1) % 512
                buf[k] = (buf[k] + r.randint(1, 5)) & 0xFF
            val = bytes(buf[(start + j) % 512] for j in range(n))
            d = _pack(">BBH", 0xFF, 0x04, n * 8) + val
            if n & 1 and i + 1 < len(items):
                d += b"\0"
            data.append(d)
        return self.job(param, b"", _pack(">BB", 4, len(items)),
                        b"".join(data), req_kw=req_kw)

    def read_var_big(self, db, start, nbytes, seg=True):
        """One large item whose reply is sent as a segmented COTP PDU."""
        param = _pack(">BB", 4, 1) + s7_item("DB", db, start, nbytes)
        val = bytes((start + i * 7) & 0xFF for i in range(nbytes))
        return self.job(param, b"", _pack(">BB", 4, 1),
                        _pack(">BBH", 0xFF, 0x04, nbytes * 8) + val,
                        resp_seg=seg)

    def write_var(self, items):
        """items: (area, db, start, bytes)."""
        param = _pack(">BB", 5, len(items)) + b"".join(
            s7_item(a, db, st, len(v)) for a, db, st, v in items)
        data = []
        for i, (a, db, st, v) in enumerate(items):
            d = _pack(">BBH", 0, 0x04, len(v) * 8) + v
            if len(v) & 1 and i + 1 < len(items):
                d += b"\0"
            data.append(d)
        return self.job(param, b"".join(data), _pack(">BB", 5, len(items)),
                        b"\xff" * len(items))

    def read_szl(self, szl_id, index, records, seg=False):
        self.szl_seq = (self.szl_seq + 1) & 0xFF
        if szl_id == 0x0011:
            rec = {struct.unpack(">H", r_[:2])[0]: r_ for r_ in records}
            fw = rec.get(7)
            self.s.reveal(
                "s7comm SZL 0x0011",
                product=rec[1][2:22].decode().strip() if 1 in rec else None,
                hardware=str(struct.unpack(">H", rec[6][26:28])[0])
                if 6 in rec else None,
                firmware="V%d.%d.%d" % (fw[25], fw[26], fw[27])
                if fw else None)
        elif szl_id == 0x001C:
            txt = {struct.unpack(">H", r_[:2])[0]:
                   r_[2:].rstrip(b"\0").decode() for r_ in records}
            self.s.reveal("s7comm SZL 0x001C", plant=txt.get(1),
                          name=txt.get(2), serial=txt.get(5),
                          model=txt.get(7))
        p = bytes.fromhex("0001120411440100")
        d = _pack(">BBHHH", 0xFF, 0x09, 4, szl_id, index)
        rl = len(records[0]) if records else 0
        body = _pack(">HHHH", szl_id, index, rl, len(records)) + \
            b"".join(records)
        rp = bytes.fromhex("00011208128401") + bytes([self.szl_seq]) + \
            b"\x00\x00\x00\x00"
        rd = _pack(">BBH", 0xFF, 0x09, len(body)) + body
        return self.job(p, d, rp, rd, userdata_code=0x10401,
                        resp_seg=seg)

    def download(self, block_type="08", number=1, code_len=180):
        """Request download (PG), download block and download ended (CPU
        asks), then PI _INSE to activate the block."""
        net = self.net
        fname = ("_%s%05dP" % (block_type, number)).encode()
        img = s7_block_mc7(block_type, number, code_len, net.rng)
        p2 = ("1%06d%06d" % (len(img), code_len)).encode()
        fr = self.job(b"\x1a\x00\x01\x00\x00\x00\x00\x00" +
                      bytes([len(fname)]) + fname + bytes([len(p2)]) + p2,
                      b"", b"\x1a", b"")
        net.truth.note("first_program_download", fr)
        net.adv(net.jitter(2000, 6000))
        self.plc_job(b"\x1b\x00\x00\x00\x00\x00\x00\x00" +
                     bytes([len(fname)]) + fname, b"\x1b\x00",
                     _pack(">HH", len(img), 0x00FB) + img)
        net.adv(net.jitter(2000, 6000))
        self.plc_job(b"\x1c\x00\x00\x00\x00\x00\x00\x00" +
                     bytes([len(fname)]) + fname, b"\x1c", b"")
        net.adv(net.jitter(5000, 20000))
        blk = fname[1:]
        pb = b"\x01\x00" + blk
        # _INSE activates the downloaded block: it changes the program,
        # so otzone classes it "program" (a PI service that starts the
        # PLC, P_PROGRAM, is "control").
        self.job(b"\x28\x00\x00\x00\x00\x00\x00\xfd" + _pack(">H", len(pb)) +
                 pb + bytes([5]) + b"_INSE", b"", b"\x28", b"",
                 cls="program")
        return fr

    def plc_stop(self):
        fr = self.job(b"\x29\x00\x00\x00\x00\x00\x09P_PROGRAM", b"",
                      b"\x29", b"")
        self.net.truth.note("first_plc_stop", fr)
        return fr


class S7PlusClient:
    """S7comm-plus: COTP with TSAP strings, CreateObject (V1) and
    GetMultiVariables in protocol version 3 (integrity digest).  Wireshark
    has no built-in dissector; the layout follows the public s7comm-plus
    plugin and captures of S7-1200/1500 CPUs."""

    def __init__(self, net, client, server, order="6ES7 511-1AK00-0AB0",
                 fw="V2.8"):
        self.net = net
        self.flow = net.truth.flow(client, server, "tcp", 102, "s7comm-plus")
        self.tcp = TcpSession(net, client, server, 102, flow=self.flow)
        self.seq = 1
        self.session = 0
        self.order = order
        self.fw = fw

    def _send(self, from_client, pdu):
        return self.tcp.send(from_client, tpkt(cotp_dt(pdu)))

    def connect(self):
        net = self.net
        self.tcp.open()
        self.flow.connections += 1
        called = b"SIMATIC-ROOT-ES"
        cr = cotp_cr(0x0011, b"\x06\x00", called, 0x0A)
        cc = cotp_cr(0x0007, b"\x06\x00", called, 0x0A, cc=True,
                     dst_ref=0x0011)
        self.tcp.exchange(tpkt(cr), tpkt(cc), ack=False)
        net.adv(net.jitter(300, 900))
        # CreateObject request (V1), as TIA Portal sends it.
        sess = "ServerSession_%08X" % net.rng.getrandbits(32)
        def attr_str(aid, text):
            t = text.encode()
            return b"\xa3" + aid + b"\x00\x15" + bytes([len(t)]) + t
        body = (bytes.fromhex("31000004ca00000001000001203600"
                              "00011d00040000000000a1000000d3821f0000") +
                attr_str(b"\x81\x69", sess) +
                attr_str(b"\x82\x21", "1:::6.0::TCP/IP -> Intel(R) "
                         "Ethernet Connection...") +
                attr_str(b"\x82\x28", "") + attr_str(b"\x82\x29", "") +
                attr_str(b"\x82\x2a", "EWS-TIAP1::::::") +
                bytes.fromhex("a3822b000401a3822c0012002dc6d2") +
                attr_str(b"\x82\x2d", "") +
                bytes.fromhex("a1000000d3817f0000") +
                attr_str(b"\x81\x69", "SubscriptionContainer") +
                bytes.fromhex("a2a20000000000"))
        req = b"\x72\x01" + _pack(">H", len(body)) + body + b"\x72\x01\x00\x00"
        fr = self._send(True, req)
        self.flow.op("s7comm-plus", 0x04CA, fr, name="CreateObject")
        net.adv(net.jitter(3000, 9000))
        self.session = 0x70000000 | net.rng.getrandbits(16)
        ident = ("1;%s ;%s" % (self.order, self.fw)).encode()
        self.flow.server.reveal("s7comm-plus CreateObject",
                                product=self.order, firmware=self.fw)
        rbody = (b"\x32\x00\x00\x04\xca\x00\x00\x00\x01" +
                 _pack(">I", self.session) +
                 bytes.fromhex("36110287408707a100000120821f0000a38169001500"
                               "a3823200170000013a823b00048200823c0004814082"
                               "3d00048480c040823e00048480c040823f0015") +
                 bytes([len(ident)]) + ident +
                 bytes.fromhex("8240001505323b37393382410003000300a200000000"
                               "00"))
        resp = b"\x72\x01" + _pack(">H", len(rbody)) + rbody + \
            b"\x72\x01\x00\x00"
        self._send(False, resp)
        net.adv(net.jitter(300, 900))
        self.tcp.ack(True)
        self.flow.attrs["protocol_version"] = 3
        self.flow.attrs["tsap_called"] = "SIMATIC-ROOT-ES"
        return self

    def get_multi_variables(self, n_items=2):
        """V3 GetMultiVariables with a 32-octet integrity digest."""
        net = self.net
        r = net.rng
        self.seq += 1
        items = b"".join(b"\x04\x82\x8a\x11" + _pack(">B", 0x80 | i) +
                         bytes([0x40 + i]) for i in range(n_items))
        body = (b"\x31\x00\x00\x05\x4c\x00\x00" + _pack(">HI", self.seq,
                                                          self.session) +
                b"\x34\x00\x00\x00\x00" + bytes([n_items, 4 * n_items]) +
                items + b"\x00\x00\x00\x00\x00")
        digest = rbytes(r, 32)
        req = b"\x72\x03" + _pack(">H", 33 + len(body)) + b"\x20" + digest + \
            body + b"\x72\x03\x00\x00"
        fr = self._send(True, req)
        self.flow.op("s7comm-plus", 0x054C, fr, name="GetMultiVariables")
        net.adv(net.jitter(2000, 7000))
        vals = b"".join(bytes([0x80 | i, 0x00, 0x04]) +
                        _pack(">I", r.getrandbits(32)) for i in range(n_items))
        rbody = (b"\x32\x00\x00\x05\x4c\x00\x00" + _pack(">H", self.seq) +
                 b"\x00" + vals + b"\x00\x00\x00\x00\x00")
        digest = rbytes(r, 32)
        resp = b"\x72\x03" + _pack(">H", 33 + len(rbody)) + b"\x20" + \
            digest + rbody + b"\x72\x03\x00\x00"
        self._send(False, resp)
        net.adv(net.jitter(300, 900))
        self.tcp.ack(True)
        return fr

    def close(self):
        self.tcp.close()


# ---------------------------------------------------------------------------
# 4d. EtherNet/IP + CIP (ODVA CIP Vol. 2 ch. 2 encapsulation, ch. 3 I/O;
#     CIP Vol. 1 ch. 3 messaging, ch. 5 Identity / Connection Manager;
#     Logix tag services per Rockwell 1756-PM020)
# ---------------------------------------------------------------------------

ENIP_PORT = 44818


def enip_hdr(cmd, session, data, status=0, ctx=b"\0" * 8):
    return _pack("<HHII8sI", cmd, len(data), session, status, ctx, 0) + data


def cpf(items):
    return _pack("<H", len(items)) + b"".join(
        _pack("<HH", t, len(d)) + d for t, d in items)


def cip_path(cls, inst, attr=None):
    p = _pack("BBBB", 0x20, cls, 0x24, inst)
    if attr is not None:
        p += _pack("BB", 0x30, attr)
    return p


def cip_sym(name):
    n = name.encode()
    p = _pack("BB", 0x91, len(n)) + n
    return p + (b"\0" if len(n) & 1 else b"")


def cip_req(service, path, data=b""):
    return _pack("BB", service, len(path) // 2) + path + data


def cip_resp(service, status=0, data=b"", ext=b""):
    return _pack("BBBB", service | 0x80, 0, status, len(ext) // 2) + ext + data


def cip_sstring(s):
    b = s.encode()
    return _pack("B", len(b)) + b


def cip_identity_attrs(idn, with_state=True):
    """Identity object attributes 1-7 (+8 state): as Get_Attributes_All
    and ListIdentity carry them."""
    b = _pack("<HHHBBHI", idn["vendor_id"], idn["device_type"],
              idn["product_code"], idn["rev_major"], idn["rev_minor"],
              idn.get("status", 0x0060), idn["serial_number"]) + \
        cip_sstring(idn["product_name"])
    return b


CIP_NAMES = {0x01: "Get_Attributes_All", 0x0E: "Get_Attribute_Single",
             0x10: "Set_Attribute_Single", 0x4C: "Read Tag",
             0x4D: "Write Tag", 0x4E: "Forward_Close",
             0x52: "Unconnected_Send", 0x54: "Forward_Open"}
CIP_TYPES = {"BOOL": 0xC1, "SINT": 0xC2, "INT": 0xC3, "DINT": 0xC4,
             "REAL": 0xCA}


def enip_list_identity(net, client, responders, sport=None):
    """ListIdentity to 255.255.255.255:44818, unicast replies (CIP Vol. 2
    2-4.3).  The replies belong to the requester's flow."""
    bc = BCAST
    flow = net.truth.flow(client, bc, "udp", ENIP_PORT, "enip",
                          server_ip=bc.ip)
    flow.extra["broadcast"] = True
    sport = sport or client.next_port(net.rng)
    ctx = _pack("<Q", net.rng.getrandbits(64))
    fr = net.udp(client, bc, sport, ENIP_PORT, enip_hdr(0x63, 0, b"", ctx=ctx),
                 flow)
    flow.op("enip", 0x63, fr, name="ListIdentity")
    net.truth.note("first_enip_list_identity", fr)
    flow.extra.setdefault("responders", [])
    for dev in responders:
        net.adv(net.jitter(800, 6000))
        idn = dev.cip_ident
        item = _pack("<H", 1) + _pack(">hH4s8s", 2, ENIP_PORT, dev.ipb,
                                      b"\0" * 8) + \
            cip_identity_attrs(idn) + _pack("B", idn.get("state", 3))
        data = cpf([(0x0C, item)])
        net.udp(dev, client, ENIP_PORT, sport, enip_hdr(0x63, 0, data,
                                                        ctx=ctx), flow)
        flow.extra["responders"].append(dev.ip)
        reveal_cip(dev, "enip ListIdentity")
    return fr


CIP_VENDORS = {1: "Rockwell Automation/Allen-Bradley"}


def reveal_cip(dev, source):
    idn = dev.cip_ident
    dev.reveal(source, vendor=CIP_VENDORS.get(idn["vendor_id"]),
               vendor_id=idn["vendor_id"], device_type=idn["device_type"],
               product_code=idn["product_code"],
               product=idn["product_name"],
               firmware="%d.%03d" % (idn["rev_major"], idn["rev_minor"]),
               serial="%08x" % idn["serial_number"])


class EnipClient:
    """An EtherNet/IP explicit-messaging client (TCP 44818)."""

    def __init__(self, net, client, server, slot=0):
        self.net = net
        self.c = client
        self.s = server
        self.slot = slot
        self.flow = net.truth.flow(client, server, "tcp", ENIP_PORT, "enip")
        self.tcp = TcpSession(net, client, server, ENIP_PORT, flow=self.flow)
        self.session = 0
        self.ctx = net.rng.getrandbits(32)
        self.conn_serial = net.rng.randint(1, 0xFFFF)
        self.tags = server.__dict__.setdefault("cip_tags", {})

    def _ctx(self):
        self.ctx = (self.ctx + 1) & 0xFFFFFFFFFFFFFFFF
        return _pack("<Q", self.ctx)

    def connect(self):
        net = self.net
        self.tcp.open()
        self.flow.connections += 1
        ctx = self._ctx()
        self.session = net.rng.getrandbits(32) | 1
        fr, _ = self.tcp.exchange(
            enip_hdr(0x65, 0, _pack("<HH", 1, 0), ctx=ctx),
            enip_hdr(0x65, self.session, _pack("<HH", 1, 0), ctx=ctx))
        self.flow.op("enip", 0x65, fr, name="RegisterSession")
        return self

    def close(self):
        self.tcp.close()

    def cip(self, req, resp, code=None, cls=None, err=False, name=None,
            **kw):
        """SendRRData carrying one unconnected CIP request."""
        ctx = self._ctx()

        def rr(c):
            return enip_hdr(0x6F, self.session, _pack("<IH", 0, 10) + cpf(
                [(0x0000, b""), (0x00B2, c)]), ctx=ctx)
        fr, _ = self.tcp.exchange(rr(req), rr(resp), **kw)
        code = req[0] if code is None else code
        self.flow.op("cip", code, fr, cls=cls, error=err,
                     name=name or CIP_NAMES.get(code))
        c = cls or op_class("cip", code)
        if c in ("write", "control", "program"):
            self.net.truth.note("first_%s" % c, fr)
            self.net.truth.note("first_cip_%s" % c, fr)
        return fr

    def get_attr_single(self, cls, inst, attr, value):
        return self.cip(cip_req(0x0E, cip_path(cls, inst, attr)),
                        cip_resp(0x0E, 0, value))

    def get_identity_via_unconnected_send(self):
        reveal_cip(self.s, "cip Get_Attributes_All")
        return self._get_identity_via_unconnected_send()

    def _get_identity_via_unconnected_send(self):
        """Unconnected Send (0x52) to the Connection Manager wrapping a
        Get_Attributes_All on the Identity object, routed to backplane
        slot self.slot.  Recorded as the embedded service (0x01)."""
        emb = cip_req(0x01, cip_path(0x01, 0x01))
        data = _pack("<BBH", 0x07, 0xE9, len(emb)) + emb + \
            (b"\0" if len(emb) & 1 else b"") + \
            _pack("<BB", 1, 0) + _pack("BB", 0x01, self.slot)
        req = cip_req(0x52, cip_path(0x06, 0x01), data)
        resp = cip_resp(0x01, 0, cip_identity_attrs(self.s.cip_ident) +
                        _pack("<BHH", 3, 0x0000, 0x0000))
        fr = self.cip(req, resp, code=0x01, cls="read",
                      name="Get_Attributes_All (Unconnected_Send)")
        self.flow.extra["unconnected_send"] = \
            self.flow.extra.get("unconnected_send", 0) + 1
        return fr

    def read_tag(self, tag, typ="DINT", value=None, missing=False):
        r = self.net.rng
        if missing:
            return self.cip(cip_req(0x4C, cip_sym(tag), _pack("<H", 1)),
                            cip_resp(0x4C, 0x04, ext=b""), err=True)
        if value is None:
            v = self.tags.get(tag, r.randint(0, 5000))
            v = v + r.randint(-5, 5) if typ != "REAL" else v
            self.tags[tag] = v
        else:
            v = value
        if typ == "REAL":
            vb = _pack("<f", float(v))
        elif typ == "BOOL":
            vb = _pack("<B", 0xFF if v else 0)
        else:
            vb = _pack("<i", int(v))
        return self.cip(cip_req(0x4C, cip_sym(tag), _pack("<H", 1)),
                        cip_resp(0x4C, 0, _pack("<H", CIP_TYPES[typ]) + vb))

    def write_tag(self, tag, typ, value):
        self.tags[tag] = value
        vb = _pack("<f", float(value)) if typ == "REAL" else \
            _pack("<i", int(value))
        return self.cip(cip_req(0x4D, cip_sym(tag),
                                _pack("<HH", CIP_TYPES[typ], 1) + vb),
                        cip_resp(0x4D, 0))

    def forward_open(self, rpi_us=100000, o2t_size=14, t2o_size=10):
        """Class 1 cyclic I/O connection (Forward_Open 0x54).  Returns
        (o_t_id, t_o_id)."""
        net = self.net
        r = net.rng
        t2o = r.getrandbits(32)
        o2t = r.getrandbits(32)
        self.conn_serial = (self.conn_serial + 1) & 0xFFFF
        self.orig_serial = self.c.__dict__.setdefault(
            "cip_serial", r.getrandbits(32))
        path = bytes.fromhex("20042401") + bytes.fromhex("2c652c66")
        data = _pack("<BBIIHHIB3sIHIHBB", 0x0A, 0x0E, 0, t2o,
                     self.conn_serial, 0x0001, self.orig_serial, 1, b"\0\0\0",
                     rpi_us, 0x4800 | o2t_size, rpi_us, 0x4800 | t2o_size,
                     0x01, len(path) // 2) + path
        req = cip_req(0x54, cip_path(0x06, 0x01), data)
        resp = cip_resp(0x54, 0, _pack("<IIHHIIIBB", o2t, t2o,
                                       self.conn_serial, 0x0001,
                                       self.orig_serial, rpi_us, rpi_us, 0,
                                       0))
        fr = self.cip(req, resp, name="Forward_Open")
        self.flow.attrs.setdefault("cip_connections", []).append(
            {"o_t_id": o2t, "t_o_id": t2o, "rpi_us": rpi_us,
             "transport": "class1"})
        net.truth.note("first_cip_forward_open", fr)
        return o2t, t2o

    def forward_close(self):
        path = bytes.fromhex("20042401") + bytes.fromhex("2c652c66")
        data = _pack("<BBHHIBB", 0x0A, 0x0E, self.conn_serial, 0x0001,
                     self.orig_serial, len(path) // 2, 0) + path
        req = cip_req(0x4E, cip_path(0x06, 0x01), data)
        resp = cip_resp(0x4E, 0, _pack("<HHIBB", self.conn_serial, 0x0001,
                                       self.orig_serial, 0, 0))
        return self.cip(req, resp, cls="session", name="Forward_Close")


class CipIo:
    """Class 1 implicit I/O on UDP 2222 between an originator (scanner)
    and a target (adapter), both ways, CPF sequenced address + connected
    data items (CIP Vol. 2 3-3)."""

    def __init__(self, net, scanner, adapter, o2t, t2o, o2t_len=8,
                 t2o_len=8):
        self.net = net
        self.sc = scanner
        self.ad = adapter
        self.o2t = o2t
        self.t2o = t2o
        self.flow = net.truth.flow(scanner, adapter, "udp", 2222, "enip")
        self.flow.roles = ("scanner", "io-adapter")
        self.flow.extra["implicit_io"] = True
        self.flow.attrs["o_t_id"] = o2t
        self.flow.attrs["t_o_id"] = t2o
        self.seq_o = 0
        self.seq_t = 0
        self.o2t_len = o2t_len
        self.t2o_len = t2o_len
        self.out = bytearray(o2t_len)
        self.inp = bytearray(rbytes(net.rng, t2o_len))

    def cycle(self):
        net = self.net
        r = net.rng
        self.seq_o += 1
        self.out[r.randint(0, self.o2t_len - 1)] ^= 1 << r.randint(0, 7)
        d = _pack("<H", self.seq_o & 0xFFFF) + _pack("<I", 1) + bytes(self.out)
        p = cpf([(0x8002, _pack("<II", self.o2t, self.seq_o)), (0x00B1, d)])
        n = net.udp(self.sc, self.ad, 2222, 2222, p, self.flow)
        net.truth.note("first_cip_io", n)
        net.adv(net.jitter(200, 3000))
        self.seq_t += 1
        if r.random() < 0.2:
            self.inp[r.randint(0, self.t2o_len - 1)] ^= 1 << r.randint(0, 7)
        d = _pack("<H", self.seq_t & 0xFFFF) + bytes(self.inp)
        p = cpf([(0x8002, _pack("<II", self.t2o, self.seq_t)), (0x00B1, d)])
        net.udp(self.ad, self.sc, 2222, 2222, p, self.flow)


# ---------------------------------------------------------------------------
# 4e. OPC UA binary (OPC 10000-6: 5.2 data encoding, 6.7 UA Secure
#     Conversation, 7.1 UA Connection Protocol; services per OPC 10000-4)
# ---------------------------------------------------------------------------

UA_EPOCH_US = 11644473600 * 1000000
UA_NONE = "http://opcfoundation.org/UA/SecurityPolicy#None"
UA_B256SHA256 = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256"
UA_BINARY_PROFILE = \
    "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary"

UA_SVC = {  # request id: (name, response id)
    446: ("OpenSecureChannel", 449), 452: ("CloseSecureChannel", 455),
    428: ("GetEndpoints", 431), 461: ("CreateSession", 464),
    467: ("ActivateSession", 470), 473: ("CloseSession", 476),
    631: ("Read", 634), 673: ("Write", 676), 712: ("Call", 715),
    527: ("Browse", 530), 787: ("CreateSubscription", 790),
    751: ("CreateMonitoredItems", 754), 826: ("Publish", 829),
    664: ("HistoryRead", 667),
}


def ua_i32(v):
    return _pack("<i", v)


def ua_u32(v):
    return _pack("<I", v)


def ua_str(s):
    if s is None:
        return b"\xff\xff\xff\xff"
    b = s.encode() if isinstance(s, str) else s
    return _pack("<i", len(b)) + b


ua_bstr = ua_str


def ua_arr(items):
    if items is None:
        return b"\xff\xff\xff\xff"
    return _pack("<i", len(items)) + b"".join(items)


def ua_nodeid(ns, ident):
    if isinstance(ident, str):
        return b"\x03" + _pack("<H", ns) + ua_str(ident)
    if ns == 0 and ident < 256:
        return _pack("BB", 0, ident)
    if ns < 256 and ident < 65536:
        return _pack("<BBH", 1, ns, ident)
    return _pack("<BHI", 2, ns, ident)


UA_NULL_NODE = b"\x00\x00"
UA_NULL_EXT = b"\x00\x00\x00"


def ua_lt(text, locale=None):
    if locale:
        return b"\x03" + ua_str(locale) + ua_str(text)
    return b"\x02" + ua_str(text)


def ua_qn(ns, name):
    return _pack("<H", ns) + ua_str(name)


def ua_dt(t_us):
    return _pack("<q", (t_us + UA_EPOCH_US) * 10)


def ua_ext(type_id, body):
    return ua_nodeid(0, type_id) + b"\x01" + _pack("<i", len(body)) + body


def ua_variant(v):
    if isinstance(v, bool):
        return b"\x01" + _pack("B", 1 if v else 0)
    if isinstance(v, int):
        return b"\x06" + _pack("<i", v)
    if isinstance(v, float):
        return b"\x0b" + _pack("<d", v)
    return b"\x0c" + ua_str(v)


def ua_datavalue(v, t_us=None, status=None):
    mask = 0x01
    body = ua_variant(v)
    if status is not None:
        mask |= 0x02
        body += ua_u32(status)
    if t_us is not None:
        mask |= 0x04 | 0x08
        body += ua_dt(t_us) + ua_dt(t_us)
    return bytes([mask]) + body


def ua_req_hdr(auth, t_us, handle, timeout=10000):
    return auth + ua_dt(t_us) + _pack("<II", handle, 0) + ua_str(None) + \
        ua_u32(timeout) + UA_NULL_EXT


def ua_resp_hdr(t_us, handle, status=0):
    return ua_dt(t_us) + _pack("<II", handle, status) + b"\x00" + \
        ua_i32(0) + UA_NULL_EXT


def ua_app_desc(uri, product_uri, name, app_type, urls):
    return (ua_str(uri) + ua_str(product_uri) + ua_lt(name, "en") +
            ua_i32(app_type) + ua_str(None) + ua_str(None) +
            ua_arr([ua_str(u) for u in urls] if urls is not None else None))


def ua_endpoint(url, server_desc, mode, policy, level):
    tokens = [ua_str("anonymous") + ua_i32(0) + ua_str(None) * 3,
              ua_str("username") + ua_i32(1) + ua_str(None) * 2 +
              ua_str(policy if mode != 1 else UA_B256SHA256)]
    return (ua_str(url) + server_desc + ua_bstr(None) + ua_i32(mode) +
            ua_str(policy) + ua_arr(tokens) + ua_str(UA_BINARY_PROFILE) +
            bytes([level]))


def ua_msg(mtype, chunk, body):
    return mtype + chunk + _pack("<I", 8 + len(body)) + body


class UaServerInfo:
    def __init__(self, app_uri, product_uri, name, url):
        self.app_uri = app_uri
        self.product_uri = product_uri
        self.name = name
        self.url = url

    def desc(self):
        return ua_app_desc(self.app_uri, self.product_uri, self.name, 0,
                           [self.url])

    def endpoints(self):
        d = self.desc()
        return [ua_endpoint(self.url, d, 1, UA_NONE, 0),
                ua_endpoint(self.url, d, 3, UA_B256SHA256, 110)]


class UaClient:
    """An OPC UA binary client connection (UA TCP 4840)."""

    def __init__(self, net, client, server, srv_info, cli_info, port=4840,
                 v6=False):
        self.net = net
        self.c = client
        self.s = server
        self.si = srv_info
        self.ci = cli_info  # (uri, product uri, name)
        self.flow = net.truth.flow(client, server, "tcp", port, "opcua",
                                   v6=v6)
        self.tcp = TcpSession(net, client, server, port, flow=self.flow,
                              v6=v6, think=(1000, 6000))
        self.chan = 0
        self.token = 0
        self.cseq = 0
        self.sseq = 0
        self.reqid = 0
        self.handle = 0
        self.auth = UA_NULL_NODE

    def _op(self, code, frame, error=False):
        self.flow.op("opcua", code, frame, error=error,
                     name=UA_SVC.get(code, ("?",))[0])
        c = op_class("opcua", code)
        if c in ("write", "control", "program"):
            self.net.truth.note("first_%s" % c, frame)
            self.net.truth.note("first_opcua_%s" % c, frame)

    def hello(self):
        """HEL/ACK: not a service; recorded as code 0 "Hello", class
        session, as ARCHITECTURE.md's table puts Hello there."""
        self.tcp.open()
        self.flow.connections += 1
        hel = ua_msg(b"HEL", b"F", _pack("<IIIII", 0, 65536, 65536, 0, 0) +
                     ua_str(self.si.url))
        ack = ua_msg(b"ACK", b"F", _pack("<IIIII", 0, 65536, 65536,
                                         16777216, 5000))
        fr, _ = self.tcp.exchange(hel, ack)
        self.flow.op("opcua", 0, fr, name="Hello")
        self.flow.attrs["endpoint_url"] = self.si.url
        self.flow.extra["hello"] = self.flow.extra.get("hello", 0) + 1
        return self

    def open(self):
        net = self.net
        self.reqid += 1
        self.handle += 1
        self.cseq = net.rng.randint(1, 100)
        body = (ua_nodeid(0, 446) + ua_req_hdr(UA_NULL_NODE, net.t,
                                                self.handle) +
                ua_u32(0) + ua_i32(0) + ua_i32(1) + ua_bstr(b"") +
                ua_u32(3600000))
        req = ua_msg(b"OPN", b"F", ua_u32(0) + ua_str(UA_NONE) +
                     ua_bstr(None) + ua_bstr(None) +
                     _pack("<II", self.cseq, self.reqid) + body)
        fr = self.tcp.send(True, req)
        self._op(446, fr)
        net.adv(net.jitter(1000, 5000))
        self.chan = net.rng.randint(1, 0xFFFF)
        self.token = net.rng.randint(1, 0xFFFF)
        self.sseq = net.rng.randint(1, 100)
        rb = (ua_nodeid(0, 449) + ua_resp_hdr(net.t, self.handle) +
              ua_u32(0) + _pack("<II", self.chan, self.token) +
              ua_dt(net.t) + ua_u32(3600000) + ua_bstr(b""))
        resp = ua_msg(b"OPN", b"F", ua_u32(self.chan) + ua_str(UA_NONE) +
                      ua_bstr(None) + ua_bstr(None) +
                      _pack("<II", self.sseq, self.reqid) + rb)
        self.tcp.send(False, resp)
        net.adv(net.jitter(*self.tcp.rtt))
        self.tcp.ack(True)
        self.flow.attrs["security_policy"] = UA_NONE
        self.flow.attrs["security_mode"] = "None"
        return fr

    def _chunks(self, mtype, body, reqid, from_client, nchunks):
        out = []
        step = (len(body) + nchunks - 1) // nchunks
        parts = [body[i:i + step] for i in range(0, len(body), step)]
        for k, p in enumerate(parts):
            if from_client:
                self.cseq += 1
                seq = self.cseq
            else:
                self.sseq += 1
                seq = self.sseq
            out.append(ua_msg(mtype, b"F" if k == len(parts) - 1 else b"C",
                              _pack("<IIII", self.chan, self.token, seq,
                                    reqid) + p))
        return out

    def call(self, code, params, resp_params, fault=None, resp_chunks=1,
             req_chunks=1):
        """One service request and its response (or a ServiceFault)."""
        net = self.net
        self.reqid += 1
        self.handle += 1
        body = ua_nodeid(0, code) + ua_req_hdr(self.auth, net.t,
                                                self.handle) + params
        reqs = self._chunks(b"MSG", body, self.reqid, True, req_chunks)
        fr = self.tcp.send(True, b"".join(reqs))
        self._op(code, fr, error=fault is not None)
        net.adv(net.jitter(*self.tcp.think))
        if fault is not None:
            rb = ua_nodeid(0, 397) + ua_resp_hdr(net.t, self.handle, fault)
        else:
            rb = ua_nodeid(0, UA_SVC[code][1]) + \
                ua_resp_hdr(net.t, self.handle) + resp_params
        resps = self._chunks(b"MSG", rb, self.reqid, False, resp_chunks)
        data = b"".join(resps)
        cuts, pos = [], 0
        for r_ in resps[:-1]:
            pos += len(r_)
            cuts.append(pos)
        fs = self.tcp.send(False, data, split=cuts)
        if fault is not None:
            net.truth.note("first_opcua_service_fault", fs)
        if resp_chunks > 1:
            net.truth.note("opcua_chunked_response", fs)
        net.adv(net.jitter(*self.tcp.rtt))
        self.tcp.ack(True)
        return fr

    # --- services ---
    def reveal_server(self, source):
        self.s.reveal(source, application_uri=self.si.app_uri,
                      product_uri=self.si.product_uri, name=self.si.name)

    def get_endpoints(self):
        self.reveal_server("opcua GetEndpoints")
        return self.call(428, ua_str(self.si.url) + ua_arr([]) + ua_arr([]),
                         ua_arr(self.si.endpoints()))

    def create_session(self):
        r = self.net.rng
        uri, puri, name = self.ci
        p = (ua_app_desc(uri, puri, name, 1, None) + ua_str(None) +
             ua_str(self.si.url) + ua_str("%s session" % name) +
             ua_bstr(rbytes(r, 32)) +
             ua_bstr(None) + _pack("<d", 1200000.0) + ua_u32(0))
        sid = ua_nodeid(1, r.randint(100000, 999999))
        tok = ua_nodeid(1, r.randint(100000, 999999))
        rp = (sid + tok + _pack("<d", 1200000.0) +
              ua_bstr(rbytes(r, 32)) +
              ua_bstr(None) + ua_arr(self.si.endpoints()) + ua_arr([]) +
              ua_str(None) + ua_bstr(None) + ua_u32(0))
        fr = self.call(461, p, rp)
        self.auth = tok
        self.c.reveal("opcua CreateSession", application_uri=uri,
                      product_uri=puri, name=name)
        self.reveal_server("opcua CreateSession")
        return fr

    def activate_session(self, user=None, password=None):
        if user:
            tok = ua_ext(324, ua_str("username") + ua_str(user) +
                         ua_bstr(password.encode()) + ua_str(None))
            self.flow.attrs["user_token"] = "username"
        else:
            tok = ua_ext(321, ua_str("anonymous"))
            self.flow.attrs["user_token"] = "anonymous"
        p = (ua_str(None) + ua_bstr(None) + ua_arr([]) +
             ua_arr([ua_str("en")]) + tok + ua_str(None) + ua_bstr(None))
        r = self.net.rng
        rp = (ua_bstr(rbytes(r, 32)) +
              ua_arr([]) + ua_arr([]))
        return self.call(467, p, rp)

    def read(self, nodes, values):
        items = [ua_nodeid(ns, i) + ua_u32(13) + ua_str(None) + ua_qn(0, None)
                 for ns, i in nodes]
        p = _pack("<d", 0.0) + ua_i32(2) + ua_arr(items)
        t = self.net.t
        rp = ua_arr([ua_datavalue(v, t) for v in values]) + ua_arr([])
        return self.call(631, p, rp)

    def write(self, nodes_values, status=0):
        items = [ua_nodeid(ns, i) + ua_u32(13) + ua_str(None) +
                 ua_datavalue(v) for (ns, i), v in nodes_values]
        rp = ua_arr([ua_u32(status)] * len(items)) + ua_arr([])
        fr = self.call(673, ua_arr(items), rp)
        return fr

    def call_method(self, obj, method, args, outs):
        m = (ua_nodeid(*obj) + ua_nodeid(*method) +
             ua_arr([ua_variant(a) for a in args]))
        res = (ua_u32(0) + ua_arr([ua_u32(0)] * len(args)) + ua_arr([]) +
               ua_arr([ua_variant(o) for o in outs]))
        return self.call(712, ua_arr([m]), ua_arr([res]) + ua_arr([]))

    def browse(self, refs, chunks=2):
        p = (UA_NULL_NODE + _pack("<q", 0) + ua_u32(0) + ua_u32(0) +
             ua_arr([ua_nodeid(0, 85) + ua_i32(0) + ua_nodeid(0, 33) +
                     b"\x01" + ua_u32(0) + ua_u32(63)]))
        rl = []
        for ns, ident, name in refs:
            rl.append(ua_nodeid(0, 35) + b"\x01" + ua_nodeid(ns, ident) +
                      ua_qn(ns, name) + ua_lt(name, "") + ua_i32(1) +
                      ua_nodeid(0, 61))
        rp = ua_arr([ua_u32(0) + ua_bstr(None) + ua_arr(rl)]) + ua_arr([])
        return self.call(527, p, rp, resp_chunks=chunks)

    def create_subscription(self):
        self.sub_id = self.net.rng.randint(1, 1000)
        p = _pack("<dIIIBB", 500.0, 10000, 10, 0, 1, 0)
        rp = ua_u32(self.sub_id) + _pack("<dII", 500.0, 10000, 10)
        self.pub_seq = 0
        return self.call(787, p, rp)

    def create_monitored_items(self, nodes):
        items = []
        for k, (ns, i) in enumerate(nodes):
            rv = ua_nodeid(ns, i) + ua_u32(13) + ua_str(None) + ua_qn(0, None)
            items.append(rv + ua_i32(2) + ua_u32(k + 1) +
                         _pack("<d", 250.0) + UA_NULL_EXT + ua_u32(1) +
                         b"\x01")
        p = ua_u32(self.sub_id) + ua_i32(2) + ua_arr(items)
        res = [ua_u32(0) + ua_u32(1000 + k) + _pack("<d", 250.0) +
               ua_u32(1) + UA_NULL_EXT for k in range(len(nodes))]
        return self.call(751, p, ua_arr(res) + ua_arr([]))

    def publish(self, values):
        acks = []
        if self.pub_seq:
            acks = [ua_u32(self.sub_id) + ua_u32(self.pub_seq)]
        self.pub_seq += 1
        t = self.net.t
        mis = [ua_u32(k + 1) + ua_datavalue(v, t) for k, v in
               enumerate(values)]
        dcn = ua_ext(811, ua_arr(mis) + ua_arr([]))
        rp = (ua_u32(self.sub_id) + ua_arr([ua_u32(self.pub_seq)]) +
              b"\x00" + ua_u32(self.pub_seq) + ua_dt(t) + ua_arr([dcn]) +
              ua_arr([ua_u32(0)] * len(acks)) + ua_arr([]))
        return self.call(826, ua_arr(acks), rp)

    def history_read_unsupported(self, node):
        """HistoryRead answered by a ServiceFault (BadServiceUnsupported)."""
        t = self.net.t
        details = ua_ext(649, b"\x00" + ua_dt(t - 3600 * 1000000) +
                         ua_dt(t) + ua_u32(100) + b"\x00")
        p = (details + ua_i32(0) + b"\x00" +
             ua_arr([ua_nodeid(*node) + ua_str(None) + ua_qn(0, None) +
                     ua_bstr(None)]))
        return self.call(664, p, b"", fault=0x800B0000)

    def close_session(self):
        return self.call(473, b"\x01", b"")

    def close(self):
        """CLO (CloseSecureChannel, no response), then TCP FIN."""
        net = self.net
        self.reqid += 1
        self.handle += 1
        self.cseq += 1
        body = ua_nodeid(0, 452) + ua_req_hdr(self.auth, net.t, self.handle)
        fr = self.tcp.send(True, ua_msg(b"CLO", b"F", _pack(
            "<IIII", self.chan, self.token, self.cseq, self.reqid) + body))
        self._op(452, fr)
        net.adv(net.jitter(*self.tcp.rtt))
        self.tcp.ack(False)
        net.adv(net.jitter(500, 2000))
        self.tcp.close()


def ua_fake_cert(rng, cn):
    """DER-looking certificate bytes (SEQUENCE header, then noise with the
    subject name in it), the shape of a 2048-bit RSA certificate."""
    body = rbytes(rng, 300) + cn.encode() + \
        rbytes(rng, 640)
    return b"\x30\x82" + _pack(">H", len(body)) + body


class UaSecureClient(UaClient):
    """OPC UA with SecurityPolicy Basic256Sha256 / SignAndEncrypt: the
    asymmetric security header is in clear, everything after it is
    encrypted (random bytes here, in RSA/AES block multiples)."""

    def open_encrypted(self):
        net = self.net
        r = net.rng
        self.reqid += 1
        ccert = ua_fake_cert(r, "CN=historian")
        scert = ua_fake_cert(r, "CN=scada-opcua")
        thumb_s = rbytes(r, 20)
        thumb_c = rbytes(r, 20)
        enc = rbytes(r, 512)
        req = ua_msg(b"OPN", b"F", ua_u32(0) + ua_str(UA_B256SHA256) +
                     ua_bstr(ccert) + ua_bstr(thumb_s) + enc)
        fr = self.tcp.send(True, req)
        self.flow.op("opcua", 446, fr, name="OpenSecureChannel (encrypted)")
        net.truth.note("first_opcua_encrypted", fr)
        net.adv(net.jitter(8000, 20000))
        self.chan = r.randint(1, 0xFFFF)
        self.token = r.randint(1, 0xFFFF)
        enc = rbytes(r, 512)
        resp = ua_msg(b"OPN", b"F", ua_u32(self.chan) + ua_str(UA_B256SHA256) +
                      ua_bstr(scert) + ua_bstr(thumb_c) + enc)
        self.tcp.send(False, resp)
        net.adv(net.jitter(*self.tcp.rtt))
        self.tcp.ack(True)
        self.flow.attrs["security_policy"] = UA_B256SHA256
        self.flow.attrs["security_mode"] = "SignAndEncrypt"
        self.flow.extra["encrypted_messages"] = 0
        return fr

    def encrypted_exchange(self, req_len, resp_len, mtype=b"MSG"):
        """A symmetric-encrypted request/response: channel id and token id
        in clear, the rest AES-CBC-looking noise (16-byte blocks)."""
        net = self.net
        r = net.rng
        req_len = (req_len + 15) // 16 * 16
        resp_len = (resp_len + 15) // 16 * 16
        q = ua_msg(mtype, b"F", _pack("<II", self.chan, self.token) +
                   rbytes(r, req_len))
        fr = self.tcp.send(True, q)
        if mtype == b"CLO":
            # the message type is in clear: CloseSecureChannel
            self.flow.op("opcua", 452, fr, name="CloseSecureChannel")
        else:
            self.flow.extra["encrypted_messages"] += 1
        net.adv(net.jitter(*self.tcp.think))
        if resp_len:
            s = ua_msg(mtype, b"F", _pack("<II", self.chan, self.token) +
                       rbytes(r, resp_len))
            self.tcp.send(False, s)
            self.flow.extra["encrypted_messages"] += 1
        net.adv(net.jitter(*self.tcp.rtt))
        self.tcp.ack(True)
        return fr


# ---------------------------------------------------------------------------
# 4f. IT protocols: DNS (RFC 1035), HTTP/1.1, TLS 1.2 handshake (RFC 5246,
#     SNI RFC 6066), RDP X.224 negotiation (MS-RDPBCGR 2.2.1.1/2.2.1.2),
#     SMB2 NEGOTIATE (MS-SMB2 2.2.3/2.2.4), SSH identification (RFC 4253
#     4.2), NTP v4 (RFC 5905)
# ---------------------------------------------------------------------------

def dns_name(name):
    return b"".join(bytes([len(p)]) + p.encode()
                    for p in name.split(".")) + b"\0"


def dns_query(qid, name, qtype=1):
    return _pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + dns_name(name) + \
        _pack(">HH", qtype, 1)


def dns_response(qid, name, answers, qtype=1, ttl=3600):
    out = _pack(">HHHHHH", qid, 0x8180, 1, len(answers), 0, 0) + \
        dns_name(name) + _pack(">HH", qtype, 1)
    for a in answers:
        rd = ipaddress.ip_address(a).packed
        out += _pack(">HHHIH", 0xC00C, qtype, 1, ttl, len(rd)) + rd
    return out


def tls_client_hello(rng, sni, alpn=(b"h2", b"http/1.1")):
    suites = [0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013,
              0xC014, 0x009C, 0x009D, 0x002F, 0x0035]
    ext = b""
    if sni:
        s = sni.encode()
        ext += _pack(">HHHBH", 0, len(s) + 5, len(s) + 3, 0, len(s)) + s
    ext += _pack(">HHH", 0x000A, 8, 6) + _pack(">HHH", 0x001D, 0x0017, 0x0018)
    ext += _pack(">HHB", 0x000B, 2, 1) + b"\x00"
    sig = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    ext += _pack(">HHH", 0x000D, 2 + 2 * len(sig), 2 * len(sig)) + \
        b"".join(_pack(">H", x) for x in sig)
    if alpn:
        al = b"".join(bytes([len(a)]) + a for a in alpn)
        ext += _pack(">HHH", 0x0010, len(al) + 2, len(al)) + al
    ext += _pack(">HHB", 0xFF01, 1, 0)
    body = (b"\x03\x03" + rbytes(rng, 32) +
            b"\x20" + rbytes(rng, 32) +
            _pack(">H", 2 * len(suites)) +
            b"".join(_pack(">H", x) for x in suites) + b"\x01\x00" +
            _pack(">H", len(ext)) + ext)
    hs = b"\x01" + _pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + _pack(">H", len(hs)) + hs


def tls_server_hello(rng, suite=0xC02F):
    ext = _pack(">HHB", 0xFF01, 1, 0) + _pack(">HHB", 0x000B, 2, 1) + b"\x00"
    body = (b"\x03\x03" + rbytes(rng, 32) +
            b"\x20" + rbytes(rng, 32) +
            _pack(">HB", suite, 0) + _pack(">H", len(ext)) + ext)
    hs = b"\x02" + _pack(">I", len(body))[1:] + body
    done = b"\x0e\x00\x00\x00"
    return b"\x16\x03\x03" + _pack(">H", len(hs) + 4) + hs + done


def tls_finish(rng):
    """ChangeCipherSpec + an encrypted Finished (40 octets of noise)."""
    return b"\x14\x03\x03\x00\x01\x01\x16\x03\x03\x00\x28" + \
        rbytes(rng, 40)


def tls_appdata(rng, n):
    return b"\x17\x03\x03" + _pack(">H", n) + \
        rbytes(rng, n)


def tls_session(net, tcp, sni, exchanges=2, alpn=(b"h2", b"http/1.1")):
    """Handshake and a few application records over an open TcpSession;
    returns the ClientHello frame number."""
    r = net.rng
    fr, _ = tcp.exchange(tls_client_hello(r, sni, alpn),
                         tls_server_hello(r))
    tcp.exchange(tls_finish(r), tls_finish(r))
    for _ in range(exchanges):
        net.adv(net.jitter(2000, 30000))
        tcp.exchange(tls_appdata(r, r.randint(80, 600)),
                     tls_appdata(r, r.randint(200, 1400)))
    return fr


def smb2_header(cmd, msg_id, resp=False, credits=1):
    return (b"\xfeSMB" + _pack("<HHIHHIIQIIQ", 64, 0, 0, cmd, credits,
                               1 if resp else 0, 0, msg_id, 0xFEFF, 0, 0) +
            b"\0" * 16)


def nbss(payload):
    return b"\x00" + _pack(">I", len(payload))[1:] + payload


def ntp_ts(t_us):
    s, us = divmod(t_us, 1000000)
    return _pack(">II", s + 2208988800, (us << 32) // 1000000)


# --- IT exchanges (each records its flow) ---

def it_dns(net, client, server, name, answer, v6=False):
    flow = net.truth.flow(client, server, "udp", 53, "dns", v6=v6)
    qid = net.rng.randint(1, 0xFFFF)
    sp = client.next_port(net.rng)
    qt = 28 if ":" in answer else 1
    fr = net.udp(client, server, sp, 53, dns_query(qid, name, qt), flow,
                 v6=v6)
    net.adv(net.jitter(300, 3000))
    net.udp(server, client, 53, sp, dns_response(qid, name, [answer], qt),
            flow, v6=v6)
    flow.extra["queries"] = flow.extra.get("queries", 0) + 1
    return fr


def it_http(net, client, server, host, path="/", body_len=900):
    flow = net.truth.flow(client, server, "tcp", 80, "http")
    t = TcpSession(net, client, server, 80, flow=flow).open()
    flow.connections += 1
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 "
           "(Windows NT 10.0; Win64; x64)\r\nAccept: text/html\r\n"
           "Connection: close\r\n\r\n" % (path, host)).encode()
    body = (b"<html><head><title>" + host.encode() +
            b"</title></head><body>" + b"x" * body_len + b"</body></html>")
    resp = ("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" %
            len(body)).encode() + body
    fr, _ = t.exchange(req, resp)
    t.close(by_client=False)
    net.truth.note("first_http", fr)
    return fr


def it_tls(net, client, server, sni, port=443, exchanges=2):
    flow = net.truth.flow(client, server, "tcp", port, "tls")
    t = TcpSession(net, client, server, port, flow=flow).open()
    flow.connections += 1
    flow.extra["sni"] = sni
    fr = tls_session(net, t, sni, exchanges)
    t.close()
    net.truth.note("first_tls_client_hello", fr)
    return fr


def it_rdp(net, client, server, user="user"):
    flow = net.truth.flow(client, server, "tcp", 3389, "rdp")
    t = TcpSession(net, client, server, 3389, flow=flow).open()
    flow.connections += 1
    r = net.rng
    cookie = ("Cookie: mstshash=%s\r\n" % user).encode()
    neg_req = _pack("<BBHI", 1, 0, 8, 0x0000000B)
    cr = bytes([6 + len(cookie) + len(neg_req)]) + b"\xe0\x00\x00\x00\x00" + \
        b"\x00" + cookie + neg_req
    neg_rsp = _pack("<BBHI", 2, 0x1F, 8, 0x00000002)
    cc = bytes([6 + len(neg_rsp)]) + b"\xd0\x00\x00" + \
        _pack(">H", r.randint(1, 0xFFFF)) + b"\x00" + neg_rsp
    fr, _ = t.exchange(tpkt(cr), tpkt(cc))
    net.truth.note("first_rdp", fr)
    flow.extra["cookie"] = "mstshash=%s" % user
    # CredSSP runs inside TLS right after the X.224 exchange
    t.exchange(tls_client_hello(r, None, None), tls_server_hello(r))
    t.exchange(tls_finish(r), tls_finish(r))
    for _ in range(3):
        net.adv(net.jitter(5000, 60000))
        t.exchange(tls_appdata(r, r.randint(60, 400)),
                   tls_appdata(r, r.randint(300, 1400)))
    t.close()
    return fr


def it_smb2(net, client, server):
    flow = net.truth.flow(client, server, "tcp", 445, "smb")
    t = TcpSession(net, client, server, 445, flow=flow).open()
    flow.connections += 1
    r = net.rng
    dialects = [0x0202, 0x0210, 0x0300, 0x0302]
    guid = rbytes(r, 16)
    req = smb2_header(0, 0) + _pack("<HHHHI", 36, len(dialects), 1, 0,
                                    0x7F) + guid + _pack("<Q", 0) + \
        b"".join(_pack("<H", d) for d in dialects)
    sguid = rbytes(r, 16)
    ft = (net.t * 10) + 116444736000000000
    resp = smb2_header(0, 0, resp=True) + _pack(
        "<HHHH", 65, 1, 0x0302, 0) + sguid + _pack(
        "<IIIIQQHHI", 0x2F, 8388608, 8388608, 8388608, ft,
        ft - 36000000000 * 24, 128, 0, 0)
    fr, _ = t.exchange(nbss(req), nbss(resp))
    net.truth.note("first_smb", fr)
    t.close()
    return fr


def it_ssh(net, client, server):
    flow = net.truth.flow(client, server, "tcp", 22, "ssh")
    t = TcpSession(net, client, server, 22, flow=flow).open()
    flow.connections += 1
    fs = t.send(False, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    net.adv(net.jitter(*t.rtt))
    fr = t.send(True, b"SSH-2.0-PuTTY_Release_0.80\r\n")
    net.adv(net.jitter(*t.think))
    t.ack(False)
    net.adv(net.jitter(20000, 80000))
    t.close()
    net.truth.note("first_ssh", fs)
    return fr


def it_ntp(net, client, server):
    flow = net.truth.flow(client, server, "udp", 123, "ntp")
    t1 = net.t
    req = _pack(">BBbbII4s", 0x23, 0, 6, -23, 0, 0, b"\0" * 4) + \
        b"\0" * 24 + ntp_ts(t1)
    fr = net.udp(client, server, 123, 123, req, flow)
    net.adv(net.jitter(200, 2000))
    t2 = net.t
    resp = (_pack(">BBbbII4s", 0x24, 2, 6, -23, 0x00000210, 0x00000A40,
                  bytes([192, 0, 2, 1])) + ntp_ts(t2 - 64000000) +
            ntp_ts(t1) + ntp_ts(t2 - 20) + ntp_ts(t2))
    net.udp(server, client, 123, 123, resp, flow)
    return fr


# ---------------------------------------------------------------------------
# 6. plant description -> hosts; pattern scheduler
# ---------------------------------------------------------------------------

import heapq


def build_plant(net, plant):
    """Create the hosts of a plant description.

    plant = {"zones": [{"name", "purdue_level", "network", "vlan"}],
             "assets": [{"name", "zone", "ip" (full or ".N"), "vendor"
                         (OUI key), "kind", "purdue_level" (default: the
                         zone's), "identity": {...}, "ip6", "ttl"}]}
    Returns {name: Host}.
    """
    zones = {z["name"]: z for z in plant["zones"]}
    for z in plant["zones"]:
        net.zones.append({"name": z["name"],
                          "purdue_level": z.get("purdue_level"),
                          "networks": [z["network"]] if z.get("network")
                          else z.get("networks", []),
                          "vlan": z.get("vlan")})
    hosts = {}
    for a in plant["assets"]:
        z = zones[a["zone"]]
        ip = a["ip"]
        if ip.startswith("."):
            base = ipaddress.IPv4Network(z["network"]).network_address
            ip = str(base + int(ip[1:]))
        nw = a.get("network", z.get("l2network", z.get("network")))
        serial = int.from_bytes(ipaddress.IPv4Address(ip).packed, "big")
        serial = (serial * 2654435761 + a.get("mac_salt", 0)) & 0xFFFFFF
        h = Host(a["name"], ip, make_mac(a["vendor"], serial),
                 a["vendor"], kind=a.get("kind", "it-host"),
                 level=a.get("purdue_level", z.get("purdue_level")),
                 zone=z["name"], vlan=a.get("vlan", z.get("vlan")),
                 network=nw, ip6=a.get("ip6"), ttl=a.get("ttl", 64),
                 identity=a.get("identity"), note=a.get("note"))
        for k, v in a.get("attrs", {}).items():
            setattr(h, k, v)
        hosts[h.name] = net.add(h)
    return hosts


class Scheduler:
    """Runs patterns ("who polls whom with what at what rate") in time
    order.  Each callback emits one whole transaction at the current
    clock; the clock never goes backwards, so a transaction that is due
    while another is still on the wire starts right after it."""

    def __init__(self, net):
        self.net = net
        self.q = []
        self.seq = 0

    def every(self, period_ms, fn, start_ms=0, jitter_us=2000, count=None,
              until_ms=None):
        state = {"n": 0}

        def tick(t):
            fn()
            state["n"] += 1
            if count is not None and state["n"] >= count:
                return
            nt = t + period_ms * 1000 + \
                self.net.rng.randint(-jitter_us, jitter_us)
            if until_ms is not None and nt > self.net.start + until_ms * 1000:
                return
            self._push(nt, tick)
        self._push(self.net.start + start_ms * 1000, tick)

    def once(self, at_ms, fn):
        self._push(self.net.start + at_ms * 1000, lambda t: fn())

    def _push(self, t, cb):
        self.seq += 1
        heapq.heappush(self.q, (t, self.seq, cb))

    def run(self, until_ms=None, max_frames=None):
        end = None if until_ms is None else self.net.start + until_ms * 1000
        w = self.net.w
        while self.q:
            t, _, cb = heapq.heappop(self.q)
            if end is not None and t > end:
                break
            if max_frames is not None and w.frames >= max_frames:
                break
            self.net.at(t)
            cb(t)


def start_pattern(net, sched, hosts, p):
    """Schedule one communication pattern of a plant description:

    {"from": client, "to": server, "proto": modbus|s7comm|dnp3|enip|
     enip-io|opcua, "every_ms": poll period, "start_ms", "until_ms",
     "write_every_ms": also write at this period, plus per-protocol
     knobs (modbus "fc", "addr", "qty", "unit"; enip-io "rpi_ms")}.
    Returns the client session object."""
    c, s = hosts[p["from"]], hosts[p["to"]]
    proto = p["proto"]
    every = p.get("every_ms", 1000)
    start = p.get("start_ms", net.rng.randint(0, min(every, 2000)))
    until = p.get("until_ms")
    wevery = p.get("write_every_ms")
    r = net.rng

    def ev(fn, period, first):
        sched.every(period, fn, start_ms=first, until_ms=until)

    if proto == "modbus":
        m = ModbusClient(net, c, s, unit=p.get("unit", 1))
        sched.once(start, m.connect)
        fc, addr, qty = p.get("fc", 3), p.get("addr", 0), p.get("qty", 10)
        if fc in (3, 4):
            ev(lambda: m.read_regs(fc, addr, qty), every, start + 30)
        else:
            ev(lambda: m.read_bits(fc, addr, qty), every, start + 30)
        if wevery:
            ev(lambda: m.write_reg(addr + r.randint(0, 3),
                                   r.randint(0, 1000)), wevery,
               start + wevery // 2)
        return m
    if proto == "s7comm":
        c7 = S7Client(net, c, s)
        sched.once(start, c7.connect)
        ev(lambda: s7_poll(c7), every, start + 60)
        if wevery:
            ev(lambda: c7.write_var([("DB", 10, 4, _pack(">H", r.randint(
                0, 999)))]), wevery, start + wevery // 2)
        return c7
    if proto == "dnp3":
        d = Dnp3Master(net, c, s, p.get("master", 1), p.get("outstation", 10))
        sched.once(start, d.connect)
        sched.once(start + 40, lambda: d.integrity_poll(16))
        ev(d.event_poll, every, start + every)
        if wevery:
            ev(lambda: d.direct_operate(r.randint(0, 7)), wevery,
               start + wevery // 2)
        return d
    if proto == "enip":
        e = EnipClient(net, c, s)
        sched.once(start, e.connect)
        ev(lambda: logix_poll(e, 2), every, start + 40)
        if wevery:
            ev(lambda: e.write_tag("Valve_Pos", "INT", r.randint(0, 100)),
               wevery, start + wevery // 2)
        return e
    if proto == "enip-io":
        e = EnipClient(net, c, s)
        rpi = p.get("rpi_ms", every)
        st = {}

        def fo():
            e.connect()
            o2t, t2o = e.forward_open(rpi_us=rpi * 1000)
            st["io"] = CipIo(net, c, s, o2t, t2o)
        sched.once(start, fo)
        ev(lambda: st["io"].cycle(), rpi, start + 20)
        return e
    if proto == "opcua":
        info = getattr(s, "ua_info", None) or S71500_UA
        cli = ("urn:%s:OPCUAClient" % c.name, SCADA_UA_CLIENT[1],
               "%s OPC UA Client" % c.name)
        u = UaClient(net, c, s, ua_server(s, info), cli)

        def op():
            u.hello()
            u.open()
            u.create_session()
            u.activate_session()
        sched.once(start, op)
        ev(lambda: u.read(UA_NODES[:2], [r.uniform(40, 60), True]), every,
           start + 60)
        if wevery:
            ev(lambda: u.write([(UA_NODES[0], r.uniform(40, 60))]), wevery,
               start + wevery // 2)
        return u
    raise ValueError("unknown pattern protocol %r" % proto)


# ---------------------------------------------------------------------------
# 7. scenarios and command line
# ---------------------------------------------------------------------------

SCENARIOS = {}


def scenario(name, desc):
    def reg(fn):
        SCENARIOS[name] = (fn, desc)
        return fn
    return reg


def run_scenario(name, pcap_path, seed=DEFAULT_SEED, **opts):
    fn, desc = SCENARIOS[name]
    net = Net(pcap_path, seed=seed, scenario=name, description=desc)
    fn(net, **opts)
    net.close()
    truth_path = pcap_path[:-5] if pcap_path.endswith(".pcap") else pcap_path
    net.truth.write(truth_path + ".truth.json")
    return net


# --- modbus-basic ---------------------------------------------------------

MODICON_IDENT = {
    "vendor": "Schneider Electric", "product_code": "BMX P34 2020",
    "revision": "v3.10", "vendor_url": "www.schneider-electric.com",
    "product_name": "Modicon M340", "model_name": "BMX P34 2020",
    "user_app_name": "LINE2_FILLER",
}


def modicon_attrs():
    return {"mb_ident": MODICON_IDENT,
            "mb_server_id": "BMX P34 2020 V3.10"}


def modicon_identity():
    return {"vendor": "Schneider Electric", "product": "Modicon M340",
            "model": "BMX P34 2020", "firmware": "v3.10",
            "product_code": "BMX P34 2020",
            "url": "www.schneider-electric.com", "name": "LINE2_FILLER",
            "source": "modbus 43/14"}


@scenario("modbus-basic", "one SCADA polling a Modicon PLC, an engineering "
          "station identifying and programming it: FC 1-6,8,15,16,17,23,"
          "43/14,90 and an exception")
def sc_modbus_basic(net):
    h = build_plant(net, {
        "zones": [{"name": "cell", "purdue_level": 1,
                   "network": "192.168.10.0/24"}],
        "assets": [
            {"name": "scada", "zone": "cell", "ip": ".20", "vendor": "dell",
             "kind": "scada-server", "purdue_level": 2, "ttl": 128},
            {"name": "ews", "zone": "cell", "ip": ".30", "vendor": "hp",
             "kind": "engineering-workstation", "purdue_level": 2,
             "ttl": 128},
            {"name": "plc-m340", "zone": "cell", "ip": ".50",
             "vendor": "schneider", "kind": "plc",
             "identity": modicon_identity(), "attrs": modicon_attrs()},
        ]})
    m = ModbusClient(net, h["scada"], h["plc-m340"], unit=1).connect()
    s = Scheduler(net)
    s.every(500, lambda: m.read_regs(3, 0, 20), count=12)
    s.every(1000, lambda: m.read_bits(1, 0, 16), start_ms=120, count=6)
    s.every(1000, lambda: m.read_bits(2, 100, 8), start_ms=240, count=6)
    s.every(2000, lambda: m.read_regs(4, 30, 10), start_ms=360, count=3)
    s.once(2600, lambda: m.write_reg(10, 1234))
    s.once(3100, lambda: m.write_coil(5, True))
    s.once(3600, lambda: m.write_coils(16, [1, 0, 1, 1, 0, 0, 1, 0, 1, 1]))
    s.once(4100, lambda: m.write_regs(40, [100, 200, 300, 400]))
    s.once(4600, lambda: m.read_write_regs(0, 4, 50, [7, 8]))
    s.once(5100, lambda: m.exception(3, _pack(">HH", 9000, 10), code=2))
    s.run()
    m.close()
    net.adv(500000)
    e = ModbusClient(net, h["ews"], h["plc-m340"], unit=0).connect()
    e.device_id(2)
    net.adv(20000)
    e.report_server_id()
    net.adv(20000)
    e.diagnostics(0, 0xA537)
    net.adv(50000)
    e.umas(0x10, b"\x00\x01\x02")           # take PLC reservation
    net.adv(5000)
    e.umas(0x33, b"\x01\x00\xfb\x00")       # initialize download
    net.adv(5000)
    e.umas(0x34, b"\x01\x00" + bytes(range(64)))  # download block
    net.adv(5000)
    e.umas(0x35, b"\x01\x00")               # end strategy download
    net.adv(5000)
    e.umas(0x11)                            # release reservation
    net.adv(10000)
    e.close()


# --- dnp3-basic -----------------------------------------------------------

SEL_ATTRS = [(252, "Schweitzer Engineering Laboratories"),
             (250, "SEL-3530 RTAC"),
             (243, "3530-R1"), (242, "R148-V2"),
             (248, "3530150123"), (246, "SUB7-RTU1")]


def sel_identity():
    return {"vendor": "Schweitzer Engineering Laboratories",
            "product": "SEL-3530 RTAC", "model": "SEL-3530",
            "firmware": "R148-V2", "hardware": "3530-R1",
            "serial": "3530150123", "name": "SUB7-RTU1",
            "source": "dnp3 g0 device attributes"}


def dnp3_session_script(d, sched, t0_ms, rounds=10, period_ms=1000):
    """The usual life of a DNP3 association, scheduled from t0."""
    sched.once(t0_ms, lambda: (d.integrity_poll(), d.net.adv(30000),
                               d.clear_restart(), d.net.adv(30000),
                               d.device_attributes(SEL_ATTRS),
                               d.net.adv(30000), d.enable_unsolicited()))
    sched.every(period_ms, d.event_poll, start_ms=t0_ms + 600, count=rounds)
    sched.once(t0_ms + 2300, lambda: d.unsolicited(b""))
    sched.once(t0_ms + 4200, lambda: d.unsolicited(
        b"\x02\x01\x17\x01\x03\x81"))
    sched.once(t0_ms + 5300, lambda: d.select_operate(3, 0x41))
    sched.once(t0_ms + 6400, lambda: d.direct_operate(7, 0x03))
    sched.once(t0_ms + 7400, lambda: d.direct_operate(99, 0x03, bad=True))
    sched.once(t0_ms + 8500, lambda: d.integrity_poll())


@scenario("dnp3-basic", "a SCADA master and an SEL RTU over TCP 20000 "
          "(integrity/event polls, multi-segment response, g0 attributes, "
          "g80 write, select/operate, direct operate + error, unsolicited + "
          "confirm, cold restart) and an engineering station over UDP 20000")
def sc_dnp3_basic(net):
    h = build_plant(net, {
        "zones": [{"name": "substation", "purdue_level": 1,
                   "network": "10.20.0.0/24"}],
        "assets": [
            {"name": "scada", "zone": "substation", "ip": ".10",
             "vendor": "dell", "kind": "scada-server", "purdue_level": 2,
             "ttl": 128},
            {"name": "ews", "zone": "substation", "ip": ".11",
             "vendor": "hp", "kind": "engineering-workstation",
             "purdue_level": 2, "ttl": 128},
            {"name": "rtu-sel", "zone": "substation", "ip": ".50",
             "vendor": "sel", "kind": "rtu", "identity": sel_identity()},
        ]})
    d = Dnp3Master(net, h["scada"], h["rtu-sel"], 1, 10).connect()
    s = Scheduler(net)
    dnp3_session_script(d, s, 0)
    s.run()
    net.adv(300000)
    d.cold_restart()
    net.adv(800000)
    d.close()
    net.adv(200000)
    u = Dnp3Master(net, h["ews"], h["rtu-sel"], 3, 10, udp=True).connect()
    u.iin = 0
    u.device_attributes(SEL_ATTRS)
    net.adv(100000)
    u.request(1, DNP3_CLASS0, u.class0_objects(8))
    net.adv(100000)
    u.direct_operate(2, 0x03)


# --- s7-basic -------------------------------------------------------------

S7_315_ORDER = "6ES7 315-2EH14-0AB0"
S7_315_SERIAL = "S C-X4U421302009"


def s7_315_identity(station="WTP-NORTH", module="PLC_LINE1"):
    return {"vendor": "Siemens", "product": S7_315_ORDER,
            "model": "CPU 315-2 PN/DP", "firmware": "V3.2.6",
            "hardware": "1", "serial": S7_315_SERIAL,
            "name": module, "plant": station,
            "source": "s7comm SZL 0x0011/0x001C"}


def s7_1500_identity():
    return {"vendor": "Siemens", "product": "6ES7 511-1AK00-0AB0",
            "model": "CPU 1511-1 PN", "firmware": "V2.8",
            "application_uri": "urn:SIMATIC.S7-1500.OPC-UA.Application:PLC_2",
            "product_uri": "https://www.siemens.com/s7-1500",
            "name": "SIMATIC.S7-1500.OPC-UA.Application:PLC_2",
            "source": "s7comm-plus CreateObject; opcua CreateSession"}


def s7_szl_identify(c, station="WTP-NORTH", module="PLC_LINE1", seg=False):
    serial = getattr(c.s, "s7_serial", S7_315_SERIAL)
    c.read_szl(0x0011, 0x0000, szl_0011(S7_315_ORDER, 1, (3, 2, 6)))
    c.net.adv(c.net.jitter(5000, 20000))
    c.read_szl(0x001C, 0x0000, szl_001c([
        (1, station), (2, module), (3, "LINE1"),
        (4, "Original Siemens Equipment"), (5, serial),
        (7, "CPU 315-2 PN/DP"), (8, ""), (0x0B, "")]), seg=seg)


def s7_poll(c):
    c.read_var([("DB", 10, 0, 24), ("M", 0, 100, 4), ("DB", 11, 8, 7)])


@scenario("s7-basic", "an HMI polling an S7-315 (read var DB/M, write var), "
          "an engineering station identifying it (SZL 0x0011/0x001C, one "
          "reply COTP-segmented), downloading OB1, PI _INSE and PLC stop; "
          "S7comm-plus to an S7-1500")
def sc_s7_basic(net):
    h = build_plant(net, {
        "zones": [{"name": "cell", "purdue_level": 1,
                   "network": "192.168.0.0/24"}],
        "assets": [
            {"name": "hmi", "zone": "cell", "ip": ".21", "vendor": "intel",
             "kind": "hmi", "purdue_level": 2, "ttl": 128},
            {"name": "ews", "zone": "cell", "ip": ".30", "vendor": "dell",
             "kind": "engineering-workstation", "purdue_level": 2,
             "ttl": 128},
            {"name": "plc-s7-315", "zone": "cell", "ip": ".1",
             "vendor": "siemens", "kind": "plc", "ttl": 30,
             "identity": s7_315_identity()},
            {"name": "plc-s7-1500", "zone": "cell", "ip": ".2",
             "vendor": "siemens2", "kind": "plc", "ttl": 64,
             "identity": s7_1500_identity()},
        ]})
    c = S7Client(net, h["hmi"], h["plc-s7-315"]).connect()
    s = Scheduler(net)
    s.every(500, lambda: s7_poll(c), start_ms=100, count=10)
    s.once(2700, lambda: c.write_var([("DB", 10, 4, b"\x00\x2a"),
                                      ("M", 0, 20, b"\x01")]))
    s.run()
    c.close()
    net.adv(300000)
    e = S7Client(net, h["ews"], h["plc-s7-315"]).connect()
    s7_szl_identify(e, seg=True)
    net.adv(200000)
    e.download("08", 1, 180)
    net.adv(400000)
    e.plc_stop()
    net.adv(100000)
    e.close()
    net.adv(200000)
    p = S7PlusClient(net, h["ews"], h["plc-s7-1500"]).connect()
    for _ in range(3):
        net.adv(net.jitter(90000, 110000))
        p.get_multi_variables(2)
    net.adv(50000)
    p.close()


# --- enip-basic -----------------------------------------------------------

LOGIX_IDENT = {"vendor_id": 1, "device_type": 14, "product_code": 54,
               "rev_major": 20, "rev_minor": 11, "serial_number": 0x60C4A1F2,
               "product_name": "1756-L71/B LOGIX5571", "status": 0x3160,
               "state": 3}
AENT_IDENT = {"vendor_id": 1, "device_type": 12, "product_code": 109,
              "rev_major": 3, "rev_minor": 12, "serial_number": 0x40A8B3C5,
              "product_name": "1734-AENT/B Ethernet Adapter",
              "status": 0x0030, "state": 3}


def cip_identity(idn):
    return {"vendor": "Rockwell Automation/Allen-Bradley",
            "vendor_id": idn["vendor_id"], "device_type": idn["device_type"],
            "product_code": idn["product_code"],
            "product": idn["product_name"],
            "firmware": "%d.%03d" % (idn["rev_major"], idn["rev_minor"]),
            "serial": "%08x" % idn["serial_number"],
            "source": "enip ListIdentity / CIP Identity"}


LOGIX_TAGS = [("Tank_Level", "REAL", 63.5), ("Pump1_Run", "BOOL", 1),
              ("Flow_Total", "DINT", 120334), ("Valve_Pos", "INT", 40)]


def logix_poll(e, n=2):
    for tag, typ, v in LOGIX_TAGS[:n]:
        e.read_tag(tag, typ, v if typ in ("REAL", "BOOL") else None)
        e.net.adv(e.net.jitter(1000, 3000))


@scenario("enip-basic", "ListIdentity broadcast answered by a Logix 5571 "
          "and a 1734-AENT; HMI tag reads/writes and an error; engineering "
          "Get_Attribute_Single and Unconnected Send; Logix Forward_Open to "
          "the adapter, class 1 I/O on UDP 2222, Forward_Close")
def sc_enip_basic(net):
    h = build_plant(net, {
        "zones": [{"name": "cell", "purdue_level": 1,
                   "network": "172.16.5.0/24"}],
        "assets": [
            {"name": "hmi", "zone": "cell", "ip": ".20", "vendor": "hp",
             "kind": "hmi", "purdue_level": 2, "ttl": 128},
            {"name": "ews", "zone": "cell", "ip": ".30", "vendor": "dell",
             "kind": "engineering-workstation", "purdue_level": 2,
             "ttl": 128},
            {"name": "plc-logix", "zone": "cell", "ip": ".10",
             "vendor": "rockwell", "kind": "plc",
             "identity": cip_identity(LOGIX_IDENT),
             "attrs": {"cip_ident": LOGIX_IDENT}},
            {"name": "io-aent", "zone": "cell", "ip": ".40",
             "vendor": "rockwell2", "kind": "io-adapter",
             "identity": cip_identity(AENT_IDENT),
             "attrs": {"cip_ident": AENT_IDENT}},
        ]})
    enip_list_identity(net, h["ews"], [h["plc-logix"], h["io-aent"]])
    net.adv(300000)
    # the controller opens its I/O connection to the adapter
    sc = EnipClient(net, h["plc-logix"], h["io-aent"]).connect()
    o2t, t2o = sc.forward_open(rpi_us=100000)
    io = CipIo(net, h["plc-logix"], h["io-aent"], o2t, t2o)
    s = Scheduler(net)
    t0 = (net.t - net.start) // 1000 + 5
    s.every(100, io.cycle, start_ms=t0, count=30, jitter_us=300)
    e = EnipClient(net, h["hmi"], h["plc-logix"])
    s.once(t0 + 30, e.connect)
    s.every(500, lambda: logix_poll(e, 2), start_ms=t0 + 80, count=5)
    s.once(t0 + 1400, lambda: e.write_tag("Valve_Pos", "INT", 55))
    s.once(t0 + 1900, lambda: e.read_tag("Tank_Levl", missing=True))
    w = EnipClient(net, h["ews"], h["plc-logix"])
    s.once(t0 + 600, w.connect)
    s.once(t0 + 700, lambda: w.get_attr_single(
        0x01, 1, 7, cip_sstring(LOGIX_IDENT["product_name"])))
    s.once(t0 + 800, w.get_identity_via_unconnected_send)
    s.once(t0 + 1000, lambda: w.read_tag("Flow_Total", "DINT"))
    s.run()
    net.adv(20000)
    sc.forward_close()
    net.adv(30000)
    sc.close()
    e.close()
    w.close()


# --- opcua-basic ----------------------------------------------------------

S71500_UA = ("urn:SIMATIC.S7-1500.OPC-UA.Application:PLC_2",
             "https://www.siemens.com/s7-1500",
             "SIMATIC.S7-1500.OPC-UA.Application:PLC_2")
SCADA_UA_CLIENT = ("urn:scada01:WinCC:OPCUAClient",
                   "http://www.siemens.com/WinCC/OPCUAClient",
                   "WinCC OPC UA Client")
HMI_UA_CLIENT = ("urn:hmi01:UaExpert", "http://www.unifiedautomation.com",
                 "UaExpert@hmi01")
HIST_UA_CLIENT = ("urn:historian01:PI:OPCUA", "http://osisoft.com/PI/UA",
                  "PI Connector for OPC UA")

UA_NODES = [(3, '"DB_Process"."Tank_Level"'), (3, '"DB_Process"."Pump1_Run"'),
            (3, '"DB_Process"."Flow_Total"')]


def ua_server(host, info):
    ip = host.ip if info is None else None
    return UaServerInfo(info[0], info[1], info[2],
                        "opc.tcp://%s:4840/" % host.ip)


def opcua_full_session(net, cl, user=None):
    """Every service the generator knows, in a realistic order."""
    r = net.rng
    cl.hello()
    cl.open()
    cl.get_endpoints()
    cl.create_session()
    if user:
        cl.activate_session(user, "S3cret!")
    else:
        cl.activate_session()
    cl.browse([(3, '"DB_Process"', "DB_Process"), (3, '"DB_Recipe"',
               "DB_Recipe")] + [(3, '"DB_Process"."Var%02d"' % i,
                                 "Var%02d" % i) for i in range(40)])
    cl.read(UA_NODES, [r.uniform(40, 60), True, r.randint(1000, 9000)])
    net.adv(net.jitter(50000, 90000))
    cl.write([(UA_NODES[1], False)])
    net.adv(net.jitter(50000, 90000))
    cl.call_method((3, '"DB_Process"'), (3, '"DB_Process".Method_Reset'),
                   [1], [0])
    cl.create_subscription()
    cl.create_monitored_items(UA_NODES[:2])
    for _ in range(3):
        net.adv(net.jitter(450000, 550000))
        cl.publish([r.uniform(40, 60), True])
    cl.history_read_unsupported(UA_NODES[0])
    cl.close_session()
    cl.close()


def opcua_encrypted_session(net, cl, n=4):
    cl.hello()
    cl.open_encrypted()
    for req, resp in [(1200, 2600), (900, 200), (300, 400)][:n]:
        net.adv(net.jitter(5000, 30000))
        cl.encrypted_exchange(req, resp)
    for _ in range(max(0, n - 3)):
        net.adv(net.jitter(400000, 600000))
        cl.encrypted_exchange(120, 260)
    net.adv(20000)
    cl.encrypted_exchange(96, 0, mtype=b"CLO")
    net.adv(3000)
    cl.tcp.close()


@scenario("opcua-basic", "a SCADA client running every OPC UA service "
          "against an S7-1500 server (None/None, anonymous, a two-chunk "
          "Browse response, a ServiceFault), an HMI with a UserName token, "
          "and a historian on Basic256Sha256/SignAndEncrypt over IPv6")
def sc_opcua_basic(net):
    h = build_plant(net, {
        "zones": [{"name": "cell", "purdue_level": 1,
                   "network": "10.30.1.0/24"}],
        "assets": [
            {"name": "scada", "zone": "cell", "ip": ".10", "vendor": "dell",
             "kind": "scada-server", "purdue_level": 2, "ttl": 128,
             "identity": {"application_uri": SCADA_UA_CLIENT[0],
                          "product_uri": SCADA_UA_CLIENT[1],
                          "name": SCADA_UA_CLIENT[2],
                          "source": "opcua CreateSession"}},
            {"name": "hmi", "zone": "cell", "ip": ".11", "vendor": "intel",
             "kind": "hmi", "purdue_level": 2, "ttl": 128,
             "identity": {"application_uri": HMI_UA_CLIENT[0],
                          "product_uri": HMI_UA_CLIENT[1],
                          "name": HMI_UA_CLIENT[2],
                          "source": "opcua CreateSession"}},
            {"name": "historian", "zone": "cell", "ip": ".12",
             "vendor": "hp", "kind": "historian", "purdue_level": 3,
             "ttl": 128, "ip6": "fd00:30:1::12"},
            {"name": "plc-s7-1500", "zone": "cell", "ip": ".50",
             "vendor": "siemens2", "kind": "plc", "ip6": "fd00:30:1::50",
             "identity": s7_1500_identity()},
        ]})
    srv = ua_server(h["plc-s7-1500"], S71500_UA)
    opcua_full_session(net, UaClient(net, h["scada"], h["plc-s7-1500"], srv,
                                     SCADA_UA_CLIENT))
    net.adv(300000)
    cl = UaClient(net, h["hmi"], h["plc-s7-1500"], srv, HMI_UA_CLIENT)
    cl.hello()
    cl.open()
    cl.create_session()
    cl.activate_session("operator", "S3cret!")
    cl.read(UA_NODES[:1], [52.5])
    cl.write([(UA_NODES[0], 55.0)])
    cl.close_session()
    cl.close()
    net.adv(300000)
    srv6 = UaServerInfo(S71500_UA[0], S71500_UA[1], S71500_UA[2],
                        "opc.tcp://[fd00:30:1::50]:4840/")
    opcua_encrypted_session(net, UaSecureClient(
        net, h["historian"], h["plc-s7-1500"], srv6, HIST_UA_CLIENT,
        v6=True))


# --- it-mix ---------------------------------------------------------------

@scenario("it-mix", "office traffic: ARP, LLDP, DNS (one over IPv6), HTTP, "
          "TLS with SNI, RDP, SMB2, SSH, NTP")
def sc_it_mix(net):
    h = build_plant(net, {
        "zones": [{"name": "office", "purdue_level": 4,
                   "network": "10.1.1.0/24"}],
        "assets": [
            {"name": "pc1", "zone": "office", "ip": ".101", "vendor": "dell",
             "ttl": 128, "ip6": "fd00:1:1::101"},
            {"name": "pc2", "zone": "office", "ip": ".102", "vendor": "hp",
             "ttl": 128},
            {"name": "dc", "zone": "office", "ip": ".10", "vendor": "dell2",
             "ttl": 128, "ip6": "fd00:1:1::10",
             "note": "DNS, NTP and file server"},
            {"name": "web", "zone": "office", "ip": ".20", "vendor": "hp",
             "note": "intranet web server"},
            {"name": "jump", "zone": "office", "ip": ".30", "vendor": "intel",
             "ttl": 128, "note": "Windows jump host"},
            {"name": "linux", "zone": "office", "ip": ".40", "vendor": "dell",
             "note": "Linux server"},
        ]})
    pc1, pc2, dc = h["pc1"], h["pc2"], h["dc"]
    fa = net.arp(pc1, dc)
    net.truth.note("first_arp", fa)
    net.adv(20000)
    net.truth.note("first_lldp", net.lldp(
        h["jump"], "jump01", "Windows Server 2019; Intel(R) I350 Gigabit"))
    net.adv(20000)
    it_dns(net, pc1, dc, "intranet.corp.example", h["web"].ip)
    net.adv(20000)
    it_http(net, pc1, h["web"], "intranet.corp.example")
    net.adv(50000)
    it_dns(net, pc2, dc, "portal.corp.example", h["web"].ip)
    net.adv(20000)
    it_tls(net, pc2, h["web"], "portal.corp.example")
    net.adv(50000)
    it_dns(net, pc1, dc, "fileserver.corp.example", "fd00:1:1::10", v6=True)
    net.adv(30000)
    it_smb2(net, pc1, dc)
    net.adv(50000)
    it_rdp(net, pc2, h["jump"], "j.doe")
    net.adv(50000)
    it_ssh(net, pc1, h["linux"])
    net.adv(50000)
    it_ntp(net, h["jump"], dc)


# --- sample-plant ---------------------------------------------------------

SAMPLE_PLANT = {
    "zones": [
        {"name": "enterprise", "purdue_level": 4,
         "network": "10.0.10.0/24"},
        {"name": "dmz", "purdue_level": 3, "network": "10.0.20.0/24"},
        {"name": "supervisory", "purdue_level": 2,
         "network": "10.0.30.0/24"},
        {"name": "cell-a", "purdue_level": 1, "network": "10.0.40.0/24",
         "vlan": 10},
        {"name": "cell-b", "purdue_level": 1, "network": "10.0.50.0/24"},
    ],
    "assets": [
        {"name": "office-pc1", "zone": "enterprise", "ip": ".101",
         "vendor": "dell", "ttl": 128},
        {"name": "office-pc2", "zone": "enterprise", "ip": ".102",
         "vendor": "hp", "ttl": 128},
        {"name": "office-pc3", "zone": "enterprise", "ip": ".103",
         "vendor": "intel", "ttl": 128},
        {"name": "dc01", "zone": "enterprise", "ip": ".10", "vendor": "dell2",
         "ttl": 128, "note": "domain controller: DNS, NTP, SMB"},
        {"name": "intranet", "zone": "enterprise", "ip": ".20",
         "vendor": "hp", "note": "intranet web server (HTTP, HTTPS)"},
        {"name": "historian", "zone": "dmz", "ip": ".10", "vendor": "hp",
         "kind": "historian", "ip6": "fd00:0:20::10",
         "identity": {"application_uri": HIST_UA_CLIENT[0],
                      "name": HIST_UA_CLIENT[2],
                      "source": "opcua (encrypted: not visible)"}},
        {"name": "jump01", "zone": "dmz", "ip": ".20", "vendor": "intel",
         "ttl": 128, "note": "remote access jump host"},
        {"name": "scada01", "zone": "supervisory", "ip": ".10",
         "vendor": "dell", "kind": "scada-server", "ttl": 128,
         "ip6": "fd00:0:30::10",
         "identity": {"application_uri": SCADA_UA_CLIENT[0],
                      "product_uri": SCADA_UA_CLIENT[1],
                      "name": SCADA_UA_CLIENT[2],
                      "source": "opcua CreateSession"}},
        {"name": "hmi01", "zone": "supervisory", "ip": ".20",
         "vendor": "intel", "kind": "hmi", "ttl": 128},
        {"name": "ews01", "zone": "supervisory", "ip": ".30",
         "vendor": "dell", "kind": "engineering-workstation", "ttl": 128},
        {"name": "plc-s7-315", "zone": "cell-a", "ip": ".10",
         "vendor": "siemens", "kind": "plc", "ttl": 30,
         "identity": s7_315_identity("WTP-NORTH", "PLC_FILTRATION")},
        {"name": "plc-s7-1500", "zone": "cell-a", "ip": ".11",
         "vendor": "siemens2", "kind": "plc",
         "identity": s7_1500_identity()},
        {"name": "plc-m340", "zone": "cell-a", "ip": ".20",
         "vendor": "schneider", "kind": "plc",
         "identity": modicon_identity(), "attrs": modicon_attrs()},
        {"name": "io-moxa", "zone": "cell-a", "ip": ".30", "vendor": "moxa",
         "kind": "io-adapter",
         "note": "Moxa ioLogik E1212 remote I/O (Modbus/TCP server)"},
        {"name": "plc-logix", "zone": "cell-b", "ip": ".10",
         "vendor": "rockwell", "kind": "plc",
         "identity": cip_identity(LOGIX_IDENT),
         "attrs": {"cip_ident": LOGIX_IDENT}},
        {"name": "io-aent", "zone": "cell-b", "ip": ".20",
         "vendor": "rockwell2", "kind": "io-adapter",
         "identity": cip_identity(AENT_IDENT),
         "attrs": {"cip_ident": AENT_IDENT}},
        {"name": "rtu-sel", "zone": "cell-b", "ip": ".30", "vendor": "sel",
         "kind": "rtu", "identity": sel_identity()},
        {"name": "eng-laptop", "zone": "cell-b", "ip": ".100",
         "vendor": "dell", "kind": "engineering-workstation",
         "purdue_level": 2, "ttl": 128,
         "note": "maintenance laptop plugged into cell B"},
    ],
}


@scenario("sample-plant", "a small plant of 18 assets in 5 zones "
          "(enterprise, DMZ, supervisory, cell A on VLAN 10, cell B): every "
          "protocol feature of the generator, a split PDU, a retransmission "
          "and an out-of-order pair, 60 s")
def sc_sample_plant(net):
    h = build_plant(net, SAMPLE_PLANT)
    r = net.rng
    s = Scheduler(net)
    T = 60000
    # --- periodic supervisory polling ---
    mb = start_pattern(net, s, h, {"from": "scada01", "to": "plc-m340",
                                   "proto": "modbus", "every_ms": 2000,
                                   "start_ms": 100, "fc": 3, "qty": 20,
                                   "until_ms": T})
    s.every(5000, lambda: mb.read_bits(1, 0, 16), start_ms=700, until_ms=T)
    s.every(5000, lambda: mb.read_bits(2, 100, 8), start_ms=900, until_ms=T)
    s.every(10000, lambda: mb.read_regs(4, 30, 10), start_ms=1100,
            until_ms=T)
    moxa = start_pattern(net, s, h, {"from": "scada01", "to": "io-moxa",
                                     "proto": "modbus", "every_ms": 2000,
                                     "start_ms": 300, "fc": 2, "qty": 12,
                                     "until_ms": T})
    s.every(10000, lambda: moxa.read_regs(4, 0, 8), start_ms=1500,
            until_ms=T)
    s7 = S7Client(net, h["hmi01"], h["plc-s7-315"])
    s.once(200, s7.connect)
    s.every(2000, lambda: s7_poll(s7), start_ms=400, until_ms=T)
    d = Dnp3Master(net, h["scada01"], h["rtu-sel"], 1, 10)
    s.once(500, d.connect)
    dnp3_session_script(d, s, 600, rounds=11, period_ms=5000)
    hmi_e = EnipClient(net, h["hmi01"], h["plc-logix"])
    s.once(800, hmi_e.connect)
    s.every(4000, lambda: logix_poll(hmi_e, 2), start_ms=1000, until_ms=T)
    # implicit I/O between the Logix and its adapter
    io_c = EnipClient(net, h["plc-logix"], h["io-aent"])
    io = {}

    def fo():
        io_c.connect()
        o2t, t2o = io_c.forward_open(rpi_us=500000)
        io["io"] = CipIo(net, h["plc-logix"], h["io-aent"], o2t, t2o)
    s.once(1200, fo)
    s.every(500, lambda: io["io"].cycle(), start_ms=1300, until_ms=T - 800,
            jitter_us=500)
    s.once(T - 600, io_c.forward_close)
    # OPC UA: SCADA reads the S7-1500, historian pulls SCADA over IPv6
    s.once(1600, lambda: opcua_full_session(net, UaClient(
        net, h["scada01"], h["plc-s7-1500"],
        ua_server(h["plc-s7-1500"], S71500_UA), SCADA_UA_CLIENT)))
    srv6 = UaServerInfo(SCADA_UA_CLIENT[0].replace("Client", "Server"),
                        SCADA_UA_CLIENT[1], "WinCC OPC UA Server",
                        "opc.tcp://[fd00:0:30::10]:4840/")
    s.once(9000, lambda: opcua_encrypted_session(net, UaSecureClient(
        net, h["historian"], h["scada01"], srv6, HIST_UA_CLIENT, v6=True),
        n=6))
    # --- L2 ---
    s.once(50, lambda: net.truth.note("first_lldp", net.lldp(
        h["plc-s7-315"], "plc-s7-315",
        "Siemens, SIMATIC S7, CPU 315-2 PN/DP, 6ES7 315-2EH14-0AB0, "
        "HW: 1, FW: V3.2.6", port="port-001.plc-s7-315")))
    s.once(30050, lambda: net.lldp(
        h["plc-s7-315"], "plc-s7-315",
        "Siemens, SIMATIC S7, CPU 315-2 PN/DP, 6ES7 315-2EH14-0AB0, "
        "HW: 1, FW: V3.2.6", port="port-001.plc-s7-315"))
    s.once(2500, lambda: net.truth.note("first_arp",
                                        net.arp(h["hmi01"], h["scada01"])))
    # --- discovery from the maintenance laptop in cell B ---
    s.once(4000, lambda: enip_list_identity(
        net, h["eng-laptop"], [h["plc-logix"], h["io-aent"]]))

    # --- operator writes from the HMI ---
    def hmi_modbus():
        m = ModbusClient(net, h["hmi01"], h["plc-m340"]).connect()
        m.write_reg(10, 1200)
        net.adv(r.randint(100000, 300000))
        fr = m.write_regs(40, [100, 200, 300, 400, 500, 600],
                          req_split=[9])
        net.truth.note("tcp_split_pdu", fr)
        net.truth.note("tcp_split_pdu_first_segment", m.tcp.split_frames[0])
        net.adv(r.randint(100000, 300000))
        m.write_coil(5, True)
        net.adv(r.randint(100000, 300000))
        m.write_coils(16, [1, 0, 1, 1, 0, 0, 1, 0, 1, 1])
        net.adv(r.randint(100000, 300000))
        m.read_write_regs(0, 4, 50, [7, 8])
        net.adv(r.randint(100000, 300000))
        m.close()
    s.once(6000, hmi_modbus)
    s.once(7000, lambda: s7.write_var([("DB", 10, 4, b"\x00\x2a"),
                                       ("M", 0, 20, b"\x01")]))
    s.once(7500, lambda: hmi_e.write_tag("Valve_Pos", "INT", 55))
    s.once(8100, lambda: hmi_e.read_tag("Tank_Levl", missing=True))

    # TCP oddities on the polling flows
    def retx():
        mb.read_regs(3, 0, 20, req_retx=True)
        net.truth.note("tcp_retransmission", mb.tcp.retx_frame)
    s.once(12100, retx)

    def ooo():
        s7.read_var([("DB", 10, 0, 24), ("M", 0, 100, 4)], split=[12],
                    ooo=True)
        net.truth.note("tcp_out_of_order", s7.tcp.ooo_frame)
    s.once(13100, ooo)
    s.once(14100, lambda: mb.exception(3, _pack(">HH", 9000, 10), code=2))

    # --- engineering ---
    def ews_modbus():
        e = ModbusClient(net, h["ews01"], h["plc-m340"], unit=0).connect()
        e.device_id(2)
        net.adv(20000)
        e.report_server_id()
        net.adv(20000)
        e.diagnostics(0, 0xA537)
        net.adv(400000)
        e.umas(0x10, b"\x00\x01\x02")
        net.adv(5000)
        e.umas(0x33, b"\x01\x00\xfb\x00")
        net.adv(5000)
        e.umas(0x34, b"\x01\x00" + bytes(range(64)))
        net.adv(5000)
        e.umas(0x35, b"\x01\x00")
        net.adv(5000)
        e.umas(0x11)
        net.adv(10000)
        e.close()
    s.once(16000, ews_modbus)

    def ews_s7():
        e = S7Client(net, h["ews01"], h["plc-s7-315"]).connect()
        s7_szl_identify(e, "WTP-NORTH", "PLC_FILTRATION", seg=True)
        net.adv(500000)
        e.download("08", 1, 180)
        net.adv(300000)
        e.close()
    s.once(18000, ews_s7)

    def ews_s7plus():
        p = S7PlusClient(net, h["ews01"], h["plc-s7-1500"]).connect()
        for _ in range(3):
            net.adv(r.randint(90000, 110000))
            p.get_multi_variables(2)
        net.adv(50000)
        p.close()
    s.once(21000, ews_s7plus)

    def ews_enip():
        w = EnipClient(net, h["ews01"], h["plc-logix"]).connect()
        w.get_attr_single(0x01, 1, 7, cip_sstring(
            LOGIX_IDENT["product_name"]))
        net.adv(20000)
        w.get_identity_via_unconnected_send()
        net.adv(20000)
        w.read_tag("Flow_Total", "DINT")
        net.adv(20000)
        w.write_tag("Flow_Total", "DINT", 0)
        net.adv(50000)
        w.close()
    s.once(23000, ews_enip)

    def ews_dnp3_udp():
        u = Dnp3Master(net, h["ews01"], h["rtu-sel"], 3, 10,
                       udp=True).connect()
        u.iin = 0
        u.device_attributes(SEL_ATTRS)
        net.adv(100000)
        u.request(1, DNP3_CLASS0, u.class0_objects(8))
    s.once(25000, ews_dnp3_udp)
    s.once(44000, lambda: d.cold_restart())
    s.once(52000, lambda: (lambda e: (e.plc_stop(), net.adv(50000),
                                      e.close()))(
        S7Client(net, h["ews01"], h["plc-s7-315"]).connect()))

    # --- IT and remote access ---
    s.once(1000, lambda: it_ntp(net, h["scada01"], h["dc01"]))
    s.once(3000, lambda: (it_dns(net, h["office-pc1"], h["dc01"],
                                 "intranet.corp.example",
                                 h["intranet"].ip),
                          net.adv(10000),
                          it_http(net, h["office-pc1"], h["intranet"],
                                  "intranet.corp.example")))
    s.once(5000, lambda: (it_dns(net, h["office-pc2"], h["dc01"],
                                 "portal.corp.example", h["intranet"].ip),
                          net.adv(10000),
                          it_tls(net, h["office-pc2"], h["intranet"],
                                 "portal.corp.example")))
    s.once(10000, lambda: it_smb2(net, h["office-pc3"], h["dc01"]))
    s.once(27000, lambda: it_rdp(net, h["office-pc2"], h["jump01"],
                                 "j.doe"))
    s.once(29000, lambda: it_rdp(net, h["jump01"], h["ews01"], "eng"))
    s.once(33000, lambda: it_ssh(net, h["office-pc1"], h["historian"]))
    s.once(35000, lambda: it_dns(net, h["historian"], h["dc01"],
                                 "scada01.plant.example",
                                 "fd00:0:30::10"))
    s.once(41000, lambda: it_ntp(net, h["historian"], h["dc01"]))
    s.run(until_ms=T)
    for c in (mb, moxa, s7, hmi_e, io_c):
        net.adv(r.randint(1000, 5000))
        c.close()
    d.close()


# --- bench ----------------------------------------------------------------

@scenario("bench", "benchmark capture: 250 controllers in a flat /16 polled "
          "over Modbus, S7comm, DNP3 and EtherNet/IP plus class 1 I/O, "
          "until --packets frames (default 1M); not bundled")
def sc_bench(net, packets=1000000):
    kinds = [("modbus", "schneider", 502), ("s7comm", "siemens", 102),
             ("dnp3", "sel", 20000), ("enip", "rockwell", 44818)]
    assets = [{"name": "scada%d" % i, "zone": "plant", "ip": ".%d" % (
        256 + i), "vendor": "dell", "kind": "scada-server",
        "purdue_level": 2, "ttl": 128} for i in range(1, 6)]
    pats = []
    for i in range(250):
        proto, vendor, _ = kinds[i % 4]
        name = "plc%03d" % i
        a = {"name": name, "zone": "plant", "ip": ".%d" % (512 + i),
             "vendor": vendor, "kind": "rtu" if proto == "dnp3" else "plc"}
        if proto == "modbus":
            a["attrs"] = modicon_attrs()
        if proto == "enip":
            a["attrs"] = {"cip_ident": LOGIX_IDENT}
        assets.append(a)
        pats.append({"from": "scada%d" % (1 + i % 5), "to": name,
                     "proto": proto, "every_ms": 100 + (i % 7) * 50,
                     "write_every_ms": 5000, "start_ms": (i * 37) % 1000})
        if proto == "enip" and i % 8 == 3:
            io = "io%03d" % i
            assets.append({"name": io, "zone": "plant",
                           "ip": ".%d" % (1024 + i), "vendor": "rockwell2",
                           "kind": "io-adapter",
                           "attrs": {"cip_ident": AENT_IDENT}})
            pats.append({"from": name, "to": io, "proto": "enip-io",
                         "rpi_ms": 20, "start_ms": 500 + i})
    h = build_plant(net, {"zones": [{"name": "plant", "purdue_level": 1,
                                     "network": "10.50.0.0/16"}],
                          "assets": assets})
    s = Scheduler(net)
    for p in pats:
        start_pattern(net, s, h, p)
    s.run(max_frames=packets)


# --- topology scenarios ---------------------------------------------------

# (protocol of the line controller, its vendor, kind, I/O protocol)
LINE_TYPES = [("s7comm", "siemens", "plc"), ("modbus", "schneider", "plc"),
              ("enip", "rockwell", "plc"), ("dnp3", "sel", "rtu"),
              ("opcua", "siemens2", "plc")]


def line_assets(zone, ips, ltype, tag, n_io=2, hmi=True):
    """A production line: controller, n_io I/O devices, maybe a panel."""
    proto, vendor, kind = LINE_TYPES[ltype]
    ips = list(ips)
    num = int("".join(ch for ch in tag if ch.isdigit()) or "0")
    a = [{"name": "%s-ctl" % tag, "zone": zone, "ip": ips.pop(0),
          "vendor": vendor, "kind": kind}]
    if proto == "modbus":
        a[0]["attrs"] = modicon_attrs()
        a[0]["attrs"]["mb_ident"] = dict(MODICON_IDENT,
                                         user_app_name=tag.upper())
        a[0]["identity"] = modicon_identity()
    elif proto == "enip":
        idn = dict(LOGIX_IDENT, serial_number=0x60C4A100 + num)
        a[0]["attrs"] = {"cip_ident": idn}
        a[0]["identity"] = cip_identity(idn)
    elif proto == "dnp3":
        a[0]["identity"] = sel_identity()
    elif proto == "s7comm":
        a[0]["identity"] = s7_315_identity("PLANT", tag.upper())
        a[0]["attrs"] = {"s7_serial": "S C-X4U4213020%02d" % num}
    elif proto == "opcua":
        a[0]["identity"] = s7_1500_identity()
    for i in range(n_io):
        io = {"name": "%s-io%d" % (tag, i + 1), "zone": zone,
              "ip": ips.pop(0), "kind": "io-adapter"}
        if proto == "enip":
            io.update(vendor="rockwell2", attrs={"cip_ident": AENT_IDENT},
                      identity=cip_identity(AENT_IDENT))
        else:
            io["vendor"] = "moxa"
        a.append(io)
    if hmi:
        a.append({"name": "%s-hmi" % tag, "zone": zone, "ip": ips.pop(0),
                  "vendor": "intel", "kind": "hmi", "purdue_level": 1,
                  "ttl": 128, "note": "line operator panel"})
    return a


def line_patterns(tag, ltype, n_io=2, hmi=True, period=1000):
    """Traffic inside a line: the panel polls the controller, the
    controller polls (Modbus) or exchanges I/O (CIP class 1) with its
    I/O; DNP3 RTUs and OPC UA servers have no I/O traffic of their own."""
    proto = LINE_TYPES[ltype][0]
    pats = []
    if hmi and proto in ("s7comm", "modbus", "enip", "opcua"):
        pats.append({"from": "%s-hmi" % tag, "to": "%s-ctl" % tag,
                     "proto": proto, "every_ms": period})
    for i in range(n_io):
        io = "%s-io%d" % (tag, i + 1)
        if proto == "enip":
            pats.append({"from": "%s-ctl" % tag, "to": io,
                         "proto": "enip-io", "rpi_ms": 200})
        elif proto in ("s7comm", "modbus"):
            pats.append({"from": "%s-ctl" % tag, "to": io,
                         "proto": "modbus", "fc": 2, "qty": 16,
                         "every_ms": 500})
    return pats


def run_topology(net, plant, pats, duration_ms, it=None):
    h = build_plant(net, plant)
    s = Scheduler(net)
    for p in pats:
        p.setdefault("until_ms", duration_ms)
        start_pattern(net, s, h, p)
    for at, fn in (it or []):
        s.once(at, (lambda f: lambda: f(h))(fn))
    s.run(until_ms=duration_ms)
    return h


def supervisory_assets(zone, ips, level=2):
    ips = list(ips)
    return [
        {"name": "scada1", "zone": zone, "ip": ips[0], "vendor": "dell",
         "kind": "scada-server", "purdue_level": level, "ttl": 128,
         "attrs": {"ua_info": ("urn:scada1:WinCC:OPCUAServer",
                               "http://www.siemens.com/WinCC/OPCUAServer",
                               "WinCC OPC UA Server")}},
        {"name": "scada2", "zone": zone, "ip": ips[1], "vendor": "dell",
         "kind": "scada-server", "purdue_level": level, "ttl": 128,
         "note": "redundant SCADA server"},
        {"name": "ews1", "zone": zone, "ip": ips[2], "vendor": "hp",
         "kind": "engineering-workstation", "purdue_level": level,
         "ttl": 128},
        {"name": "hmi-ctrl", "zone": zone, "ip": ips[3], "vendor": "intel",
         "kind": "hmi", "purdue_level": level, "ttl": 128,
         "note": "control room HMI"},
    ]


def supervisory_patterns(n_lines, ltypes, slow=2000):
    pats = []
    for i in range(n_lines):
        tag = "line%d" % (i + 1)
        proto = LINE_TYPES[ltypes[i]][0]
        pats.append({"from": "scada%d" % (1 + i % 2), "to": "%s-ctl" % tag,
                     "proto": proto, "every_ms": slow,
                     "write_every_ms": 7000 if i % 2 == 0 else None})
        if proto in ("s7comm", "modbus", "enip", "opcua"):
            pats.append({"from": "hmi-ctrl", "to": "%s-ctl" % tag,
                         "proto": proto, "every_ms": slow * 2})
    return pats


def ews_visits(tags_protos):
    """Engineering station actions, one per line, as scheduled calls."""
    out = []
    for k, (tag, proto) in enumerate(tags_protos):
        at = 3000 + k * 2500

        def visit(h, tag=tag, proto=proto):
            net = h["ews1"].net_ref
            srv = h["%s-ctl" % tag]
            if proto == "s7comm":
                e = S7Client(net, h["ews1"], srv).connect()
                s7_szl_identify(e, "PLANT", tag.upper())
                e.close()
            elif proto == "modbus":
                e = ModbusClient(net, h["ews1"], srv, unit=0).connect()
                e.device_id(2)
                e.close()
            elif proto == "enip":
                enip = EnipClient(net, h["ews1"], srv).connect()
                enip.get_identity_via_unconnected_send()
                enip.close()
            elif proto == "dnp3":
                d = Dnp3Master(net, h["ews1"], srv, 4, 10).connect()
                d.device_attributes([(v, "%s-RTU" % tag.upper()
                                      if v == 246 else x)
                                     for v, x in SEL_ATTRS])
                d.close()
        out.append((at, visit))
    return out


def office_it(prefix_hosts):
    """Some enterprise IT traffic: (time, fn(h))."""
    return [
        (500, lambda h: it_dns(h["ews1"].net_ref, h["pc1"], h["dc"],
                               "intranet.corp.example", h["web"].ip)),
        (900, lambda h: it_http(h["ews1"].net_ref, h["pc1"], h["web"],
                                "intranet.corp.example")),
        (1500, lambda h: it_tls(h["ews1"].net_ref, h["pc2"], h["web"],
                                "portal.corp.example")),
        (2500, lambda h: it_smb2(h["ews1"].net_ref, h["pc2"], h["dc"])),
        (4000, lambda h: it_ntp(h["ews1"].net_ref, h["scada1"], h["dc"])),
    ]


def enterprise_assets(zone, ips, level=4):
    ips = list(ips)
    return [
        {"name": "pc1", "zone": zone, "ip": ips[0], "vendor": "dell",
         "purdue_level": level, "ttl": 128},
        {"name": "pc2", "zone": zone, "ip": ips[1], "vendor": "hp",
         "purdue_level": level, "ttl": 128},
        {"name": "dc", "zone": zone, "ip": ips[2], "vendor": "dell2",
         "purdue_level": level, "ttl": 128, "note": "DNS, NTP, SMB"},
        {"name": "web", "zone": zone, "ip": ips[3], "vendor": "hp",
         "purdue_level": level, "note": "intranet web server"},
    ]


def _bind(net, plant):
    """Let scheduled helpers reach the Net through any host."""
    for a in plant["assets"]:
        a.setdefault("attrs", {})["net_ref"] = net


@scenario("plant-flat", "flat 10.10.0.0/16: supervisory hosts and five "
          "production lines (S7, Modbus, CIP, DNP3, OPC UA) with addresses "
          "scattered over the /16; zones only visible from who talks to "
          "whom; 20 s")
def sc_plant_flat(net):
    r = random.Random(net.seed + 1)
    pool = ["10.10.%d.%d" % (r.randint(0, 255), r.randint(2, 254))
            for _ in range(200)]
    pool = list(dict.fromkeys(pool))
    ltypes = [0, 1, 2, 3, 4, 0, 1, 2]
    assets = supervisory_assets("supervisory", pool[:4]) + \
        enterprise_assets("office", pool[4:8], level=4)
    k = 8
    for i, lt in enumerate(ltypes):
        n_io = 0 if lt in (3, 4) else (3 if lt == 2 else 2)
        hmi = lt != 3
        need = 1 + n_io + (1 if hmi else 0)
        assets += line_assets("line%d" % (i + 1), pool[k:k + need], lt,
                              "line%d" % (i + 1), n_io, hmi)
        k += need
    assets.append({"name": "historian", "zone": "supervisory",
                   "ip": pool[k], "vendor": "hp", "kind": "historian",
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
    _bind(net, plant)
    pats = supervisory_patterns(len(ltypes), ltypes)
    for i, lt in enumerate(ltypes):
        n_io = 0 if lt in (3, 4) else (3 if lt == 2 else 2)
        pats += line_patterns("line%d" % (i + 1), lt, n_io, lt != 3)
    pats.append({"from": "historian", "to": "scada1", "proto": "opcua",
                 "every_ms": 5000})
    it = office_it(None) + ews_visits(
        [("line%d" % (i + 1), LINE_TYPES[lt][0])
         for i, lt in enumerate(ltypes) if lt != 4][:5])
    run_topology(net, plant, pats, 20000, it)


@scenario("plant-routed", "routed Purdue plant: enterprise, DMZ, operations, "
          "supervisory and three cell subnets behind one router; remote "
          "access through a DMZ jump host; 20 s")
def sc_plant_routed(net):
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
    assets = enterprise_assets("enterprise", [".11", ".12", ".10", ".20"])
    assets += [
        {"name": "pc%d" % i, "zone": "enterprise", "ip": ".%d" % (10 + i),
         "vendor": "dell", "ttl": 128} for i in range(3, 9)]
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
    assets += supervisory_assets("supervisory", [".10", ".11", ".30", ".20"])
    for i, lt in enumerate(ltypes):
        n_io = 0 if lt == 3 else (3 if lt == 2 else 2)
        assets += line_assets("cell-%d" % (i + 1),
                              [".%d" % (10 + j) for j in range(1 + n_io)] +
                              [".50"], lt, "line%d" % (i + 1), n_io, lt != 3)
    plant = {"zones": zones, "assets": assets}
    _bind(net, plant)
    pats = supervisory_patterns(len(ltypes), ltypes)
    for i, lt in enumerate(ltypes):
        pats += line_patterns("line%d" % (i + 1), lt,
                              0 if lt == 3 else (3 if lt == 2 else 2),
                              lt != 3)
    pats.append({"from": "historian", "to": "scada1", "proto": "opcua",
                 "every_ms": 4000})
    it = office_it(None) + ews_visits(
        [("line%d" % (i + 1), LINE_TYPES[lt][0])
         for i, lt in enumerate(ltypes)])
    it += [
        (6000, lambda h: it_rdp(h["ews1"].net_ref, h["pc1"], h["jump"],
                                "a.user")),
        (8000, lambda h: it_rdp(h["ews1"].net_ref, h["jump"], h["ews1"],
                                "eng")),
        (9000, lambda h: it_ssh(h["ews1"].net_ref, h["pc2"],
                                h["hist-mirror"])),
        (10000, lambda h: it_http(h["ews1"].net_ref, h["patch"],
                                  h["web"], "updates.corp.example")),
        (11000, lambda h: it_dns(h["ews1"].net_ref, h["scada1"],
                                 h["ops-dc"], "historian.plant.example",
                                 h["historian"].ip)),
        (12000, lambda h: it_tls(h["ews1"].net_ref, h["hist-mirror"],
                                 h["historian"], "historian.plant.example")),
    ]
    for i in range(3, 9):
        it.append((13000 + i * 300, (lambda n: lambda h: (
            it_dns(h["ews1"].net_ref, h[n], h["dc"], "www.corp.example",
                   h["web"].ip),
            it_tls(h["ews1"].net_ref, h[n], h["web"], "www.corp.example",
                   exchanges=1)))("pc%d" % i)))
    run_topology(net, plant, pats, 20000, it)


@scenario("plant-cells", "six cells on their own VLANs and subnets that "
          "talk only through the supervisory level (no cell-to-cell "
          "traffic); 20 s")
def sc_plant_cells(net):
    ltypes = [0, 1, 2, 3, 1, 2]
    zones = [{"name": "supervisory", "purdue_level": 2,
              "network": "10.20.0.0/24", "vlan": 100}] + \
        [{"name": "cell-%d" % (i + 1), "purdue_level": 1,
          "network": "10.20.%d.0/24" % (i + 1), "vlan": 101 + i}
         for i in range(len(ltypes))]
    assets = supervisory_assets("supervisory", [".10", ".11", ".30", ".20"])
    assets.append({"name": "historian", "zone": "supervisory", "ip": ".40",
                   "vendor": "hp", "kind": "historian", "purdue_level": 3})
    for i, lt in enumerate(ltypes):
        n_io = 0 if lt == 3 else (4 if lt == 2 else 3)
        hmi = lt != 3
        extra = []
        if lt == 0:  # a second S7 CPU in the cell
            extra = [{"name": "line%d-ctl2" % (i + 1),
                      "zone": "cell-%d" % (i + 1), "ip": ".60",
                      "vendor": "siemens", "kind": "plc",
                      "identity": s7_315_identity("PLANT", "LINE1B")}]
        assets += line_assets("cell-%d" % (i + 1),
                              [".%d" % (10 + j) for j in range(1 + n_io)] +
                              [".50"], lt, "line%d" % (i + 1), n_io,
                              hmi) + extra
    plant = {"zones": zones, "assets": assets}
    _bind(net, plant)
    pats = supervisory_patterns(len(ltypes), ltypes)
    pats.append({"from": "hmi-ctrl", "to": "line1-ctl2", "proto": "s7comm",
                 "every_ms": 3000})
    for i, lt in enumerate(ltypes):
        n_io = 0 if lt == 3 else (4 if lt == 2 else 3)
        pats += line_patterns("line%d" % (i + 1), lt, n_io, lt != 3)
    pats.append({"from": "historian", "to": "scada1", "proto": "opcua",
                 "every_ms": 4000})
    it = ews_visits([("line%d" % (i + 1), LINE_TYPES[lt][0])
                     for i, lt in enumerate(ltypes)])
    run_topology(net, plant, pats, 20000, it)


BUNDLED = ["sample-plant", "modbus-basic", "dnp3-basic", "s7-basic",
           "enip-basic", "opcua-basic", "it-mix", "plant-flat",
           "plant-routed", "plant-cells"]


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="otgen.py",
        description="Deterministic OT traffic generator (pcap + truth).")
    ap.add_argument("scenario", help="scenario name, 'all' or 'list'")
    ap.add_argument("-o", "--output", help="FILE.pcap (or DIR for 'all')")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--packets", type=int, default=1000000,
                    help="bench: approximate number of packets")
    a = ap.parse_args(argv)
    if a.scenario == "list":
        for n in sorted(SCENARIOS):
            print("%-14s %s" % (n, SCENARIOS[n][1]))
        return 0
    if not a.output:
        ap.error("-o is required")
    if a.scenario == "all":
        os.makedirs(a.output, exist_ok=True)
        for n in BUNDLED:
            if n not in SCENARIOS:
                continue
            p = os.path.join(a.output, n + ".pcap")
            net = run_scenario(n, p, seed=a.seed)
            print("%s: %d frames, %d bytes" % (p, net.w.frames,
                                               os.path.getsize(p)))
        return 0
    if a.scenario not in SCENARIOS:
        ap.error("unknown scenario %r (try 'list')" % a.scenario)
    opts = {}
    if a.scenario == "bench":
        opts["packets"] = a.packets
    net = run_scenario(a.scenario, a.output, seed=a.seed, **opts)
    print("%s: %d frames, %d bytes" % (a.output, net.w.frames,
                                       os.path.getsize(a.output)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

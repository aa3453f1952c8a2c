#!/usr/bin/env python3
"""gen_scan.py: a SYN flood from many distinct spoofed sources, with a
legitimate plant conversation inside it.

    gen_scan.py OUT.pcap [--flood N] [--sources S] [--seconds T]
                [--plant PLANT.pcap] [--map MAP.json]

The plant (otgen: a SCADA pair, an HMI and five production lines speaking
S7comm, Modbus/TCP, EtherNet/IP with class 1 I/O, DNP3 and OPC UA, plus
an HTTP keep-alive session to the historian's web page) runs for T
seconds (default 20).  Every plant host talks in the first 0.6 s and every
plant connection at least once a second, the way a plant does.

From 1.0 s to T - 0.5 s, N flood frames (default 1,000,000) go to the
Modbus and S7 controllers' server ports: TCP SYNs from S distinct source
addresses (default N: every SYN from a new address) in 11.0.0.0/8, taken
in a scrambled order; one SYN in 16 gets the controller's RST/ACK.  The
flood arrives through the router (its MAC), as spoofed traffic does.

--plant writes the plant conversation alone; --map writes a JSON object:
"frames", for each plant frame (1-based, in order) its frame number in
OUT, so that evidence frame numbers can be compared, and "targets", the
addresses the flood goes to.  Frames are built from precomputed templates with
incremental checksums: 1M frames take a few seconds.
"""
import argparse
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import otgen  # noqa: E402

P = struct.pack


def plant(path, seconds):
    """Write the plant conversation; returns (hosts, records)."""
    net = otgen.Net(path, scenario="scan-plant", description="scan plant")
    lts = [0, 1, 2, 3, 4]  # S7, Modbus, EtherNet/IP, DNP3, OPC UA
    sup = otgen.supervisory_assets("supervisory", ["10.10.1.10",
                                                   "10.10.1.11",
                                                   "10.10.1.12",
                                                   "10.10.1.13"])
    assets = list(sup)
    pats = []
    for i, lt in enumerate(lts):
        tag = "line%d" % (i + 1)
        n_io = 0 if lt in (3, 4) else (3 if lt == 2 else 2)
        hmi = lt != 3
        ips = ["10.10.%d.%d" % (10 + i, 10 + k) for k in range(5)]
        assets += otgen.line_assets(tag, ips, lt, tag, n_io, hmi)
        pats += otgen.line_patterns(tag, lt, n_io, hmi, period=500)
        pats.append({"from": "scada%d" % (1 + i % 2), "to": tag + "-ctl",
                     "proto": otgen.LINE_TYPES[lt][0], "every_ms": 250,
                     "write_every_ms": 3000 if i % 2 == 0 else None})
    assets.append({"name": "historian", "zone": "supervisory",
                   "ip": "10.10.1.30", "vendor": "hp", "kind": "historian",
                   "purdue_level": 3})
    zones = [{"name": "supervisory", "purdue_level": 2,
              "network": "10.10.0.0/16"}] + \
        [{"name": "line%d" % (i + 1), "purdue_level": 1,
          "network": "10.10.0.0/16"} for i in range(len(lts))]
    h = otgen.build_plant(net, {"zones": zones, "assets": assets})
    s = otgen.Scheduler(net)
    for k, p in enumerate(pats):
        p["start_ms"] = 20 * k  # everyone talks in the first 0.6 s
        p["until_ms"] = seconds * 1000
        otgen.start_pattern(net, s, h, p)
    # an engineering station identifies two controllers, early
    s.once(450, lambda: ews_identify(net, h))
    # the HMI keeps a web page of the historian open (HTTP keep-alive)
    web = {}

    def http_open():
        web["t"] = otgen.TcpSession(net, h["hmi-ctrl"], h["historian"], 80)
        web["t"].open()

    def http_get():
        req = (b"GET /trend?tag=FIC101 HTTP/1.1\r\nHost: historian\r\n"
               b"User-Agent: Mozilla/5.0\r\nAccept: */*\r\n"
               b"Connection: keep-alive\r\n\r\n")
        body = b'{"tag":"FIC101","v":[1,2,3]}'
        resp = (b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: "
                b"application/json\r\nContent-Length: %d\r\n"
                b"Connection: keep-alive\r\n\r\n" % len(body)) + body
        web["t"].exchange(req, resp)

    s.once(500, http_open)
    s.every(1000, http_get, start_ms=520, until_ms=seconds * 1000)
    s.run(until_ms=seconds * 1000)
    net.close()
    return h


def ews_identify(net, h):
    e = otgen.ModbusClient(net, h["ews1"], h["line2-ctl"], unit=0).connect()
    e.device_id(2)
    e.close()
    c = otgen.S7Client(net, h["ews1"], h["line1-ctl"]).connect()
    otgen.s7_szl_identify(c, "PLANT", "LINE1")
    c.close()


def read_records(path):
    b = open(path, "rb").read()
    out, off = [], 24
    while off + 16 <= len(b):
        s, us, cap, _ = struct.unpack("<IIII", b[off:off + 16])
        out.append((s * 1000000 + us, b[off:off + 16 + cap]))
        off += 16 + cap
    return out


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def words(b):
    return sum(struct.unpack(">%dH" % (len(b) // 2), b))


def flood_templates(h, router_mac):
    """Per target: (frame prefix bytes, fixed checksum partial sums)."""
    out = []
    for name, port in (("line2-ctl", 502), ("line1-ctl", 102)):
        t = h[name]
        syn_eth = t.mac + router_mac + b"\x08\x00"
        rst_eth = router_mac + t.mac + b"\x08\x00"
        out.append((t, port, syn_eth, rst_eth))
    return out


def write_scan(out, h, plant_recs, flood, sources, seconds, map_path,
               payload=0):
    t_start = otgen.START_US + 1000000
    t_end = otgen.START_US + seconds * 1000000 - 500000
    step = (t_end - t_start) / max(flood, 1)
    router = otgen.make_mac("cisco", 0x2B0001)
    tpl = flood_templates(h, router)
    ip_fixed = []
    for t, port, syn_eth, rst_eth in tpl:
        # IPv4 header words without the source address or checksum
        hdr = P(">BBHHHBBH4s", 0x45, 0, 40 + payload, 0, 0x4000, 64, 6, 0,
                t.ipb)
        tcp_pseudo = words(t.ipb) + 6 + 20 + payload
        # the RST/ACK answer carries no payload
        hdr0 = P(">BBHHHBBH4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0, t.ipb)
        ip_fixed.append((fold(words(hdr)), tcp_pseudo, fold(words(hdr0)),
                         words(t.ipb) + 6 + 20))
    # zero bytes of payload (they add nothing to the checksums), then
    # padding to the 60-byte Ethernet minimum
    flen = max(60, 54 + payload)
    pad = b"\0" * (flen - 54)
    pad0 = b"\0" * 6  # the RST/ACK: 54 bytes padded to 60
    mask = (1 << 24) - 1
    f = open(out, "wb")
    f.write(P("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    buf = []
    frame = 0
    pi = 0
    np_ = len(plant_recs)
    frame_map = []
    pk = struct.Struct("<IIII")
    iph = struct.Struct(">BBHHHBBH4s4s")
    tcph = struct.Struct(">HHIIBBHHH")
    for i in range(flood):
        ts = t_start + int(i * step)
        while pi < np_ and plant_recs[pi][0] <= ts:
            buf.append(plant_recs[pi][1])
            frame += 1
            frame_map.append(frame)
            pi += 1
        k = i & 1
        t, port, syn_eth, rst_eth = tpl[k]
        ipsum, tcpsum, ipsum0, tcpsum0 = ip_fixed[k]
        # distinct sources in a scrambled order (odd multiplier mod 2^24)
        x = ((i % sources) * 2654435761) & mask
        src = 0x0B000000 | x
        sa, sb = src >> 16, src & 0xFFFF
        sport = 1024 + (x % 64000)
        seq = (x * 40503) & 0xFFFFFFFF
        srcb = P(">I", src)
        c = fold(ipsum + sa + sb)
        ip = iph.pack(0x45, 0, 40 + payload, i & 0xFFFF, 0x4000, 64, 6,
                      0xFFFF ^ fold(c + (i & 0xFFFF)), srcb, t.ipb)
        c = fold(tcpsum + sa + sb + sport + port + (seq >> 16) +
                 (seq & 0xFFFF) + 0x5002 + 1024)
        tcp = tcph.pack(sport, port, seq, 0, 0x50, 0x02, 1024, 0xFFFF ^ c, 0)
        buf.append(pk.pack(ts // 1000000, ts % 1000000, flen, flen) +
                   syn_eth + ip + tcp + pad)
        frame += 1
        if (i & 15) == 15:
            # the controller refuses: RST/ACK back to the spoofed source
            ts2 = ts + 1
            ack = (seq + 1 + payload) & 0xFFFFFFFF
            c = fold(ipsum0 + sa + sb)
            ip = iph.pack(0x45, 0, 40, i & 0xFFFF, 0x4000, 64, 6, 0, t.ipb,
                          srcb)
            ip = ip[:10] + P(">H", 0xFFFF ^ fold(c + (i & 0xFFFF))) + ip[12:]
            c = fold(tcpsum0 + sa + sb + port + sport + (ack >> 16) +
                     (ack & 0xFFFF) + 0x5014)
            tcp = tcph.pack(port, sport, 0, ack, 0x50, 0x14, 0, 0xFFFF ^ c,
                            0)
            buf.append(pk.pack(ts2 // 1000000, ts2 % 1000000, 60, 60) +
                       rst_eth + ip + tcp + pad0)
            frame += 1
        if len(buf) >= 65536:
            f.write(b"".join(buf))
            buf = []
    while pi < np_:
        buf.append(plant_recs[pi][1])
        frame += 1
        frame_map.append(frame)
        pi += 1
    f.write(b"".join(buf))
    f.close()
    if map_path:
        with open(map_path, "w") as m:
            json.dump({"frames": frame_map,
                       "targets": [t.ip for t, _, _, _ in tpl]}, m)
    return frame


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--flood", type=int, default=1000000)
    ap.add_argument("--sources", type=int, default=0,
                    help="distinct source addresses (default: --flood)")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--plant", help="also write the plant alone here")
    ap.add_argument("--map", help="plant frame -> OUT frame numbers (JSON)")
    ap.add_argument("--payload", type=int, default=0,
                    help="bytes of (zero) payload in each flood SYN: the "
                    "connections then count as traffic, not scan noise, "
                    "so every source becomes an asset and a flow")
    a = ap.parse_args()
    sources = a.sources or a.flood
    if not 0 < sources <= 1 << 24:
        ap.error("--sources must be 1..16777216")
    plant_path = a.plant or a.out + ".plant.tmp"
    h = plant(plant_path, a.seconds)
    recs = read_records(plant_path)
    if not a.plant:
        os.unlink(plant_path)
    if not 0 <= a.payload <= 1400:
        ap.error("--payload must be 0..1400")
    n = write_scan(a.out, h, recs, a.flood, sources, a.seconds, a.map,
                   a.payload)
    print("%s: %d frames (%d plant, %d flood from %d sources)" %
          (a.out, n, len(recs), n - len(recs), sources))
    return 0


if __name__ == "__main__":
    sys.exit(main())

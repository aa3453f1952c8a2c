#!/usr/bin/env python3
"""gen.py OUTDIR: the hostile-capture corpus, and OUTDIR/MANIFEST.

Two families:

 - damaged containers, built from a small valid capture ("mix": the first
   frames of each of otgen's modbus, dnp3, s7, enip and opcua scenarios):
   the capture cut at every record boundary and in the middle of every
   record's header and data (classic pcap and pcapng), bad magic, wrong
   byte order, records claiming 4 GB, records longer than the snaplen,
   lying pcapng block lengths.  otzone must stop with exit 2 and one
   "otzone: FILE: ..." line, and keep exactly what the undamaged prefix
   gives.
 - valid captures with hostile contents: snaplen-truncated packets,
   zero-length records and PDUs, length fields pointing past the end,
   deeply nested CIP requests, DNP3 with every CRC wrong, OPC UA chunks
   that never end, thousands of PDUs in one TCP segment.  otzone must
   read them (exit 0), quickly, without a sanitizer report.

MANIFEST: one case per line, tab-separated:
    name  files  rc  pattern  prefix  checks
  files    capture file(s) in OUTDIR, '+'-separated (read in one run)
  rc       expected exit status (0 or 2)
  pattern  extended regex that a stderr line must match ('-': none);
           FILE (FILE2) stands for the path of the first (second) file
           as otzone was given it
  prefix   a case whose assets and flows must equal this one's ('-': none)
  checks   space-separated: op=PROTO:CODE=N (a request count over all
           flows), truncated>0, rss<MB, ('-': none)

Deterministic; standard library only; otgen.py is imported, not changed.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import otgen  # noqa: E402

P = struct.pack
BIG_MSS = 64000  # one TCP segment for "thousands of PDUs"


class Corpus:
    def __init__(self, outdir):
        self.dir = outdir
        os.makedirs(outdir, exist_ok=True)
        self.lines = []
        self.names = set()

    def path(self, fn):
        return os.path.join(self.dir, fn)

    def write(self, fn, data):
        with open(self.path(fn), "wb") as f:
            f.write(data)

    def case(self, name, files, rc, pattern="-", prefix="-", checks="-"):
        assert name not in self.names, name
        self.names.add(name)
        if isinstance(files, str):
            files = [files]
        self.lines.append("\t".join([name, "+".join(files), str(rc),
                                     pattern, prefix, checks]))

    def close(self):
        with open(self.path("MANIFEST"), "w") as f:
            f.write("\n".join(self.lines) + "\n")


# ---------------------------------------------------------------------------
# containers


def read_pcap(path):
    """Records of a classic LE microsecond pcap: [(ts_us, data, wirelen)]."""
    b = open(path, "rb").read()
    out, off = [], 24
    while off + 16 <= len(b):
        s, us, cap, ln = struct.unpack("<IIII", b[off:off + 16])
        out.append((s * 1000000 + us, b[off + 16:off + 16 + cap], ln))
        off += 16 + cap
    return out


def pcap_hdr(e="<", magic=0xA1B2C3D4, snaplen=65535, linktype=1,
             version=(2, 4)):
    return P(e + "IHHiIII", magic, version[0], version[1], 0, 0, snaplen,
             linktype)


def pcap_rec(ts_us, data, wirelen=None, e="<", nsec=False, caplen=None):
    frac = ts_us % 1000000 * (1000 if nsec else 1)
    return P(e + "IIII", ts_us // 1000000, frac,
             len(data) if caplen is None else caplen,
             len(data) if wirelen is None else wirelen) + data


def pcap_file(recs, e="<", nsec=False, **kw):
    """Header and records; returns (bytes, offsets of each record)."""
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = [pcap_hdr(e, magic, **kw)]
    offs, pos = [], 24
    for ts, data, wl in recs:
        r = pcap_rec(ts, data, wl, e, nsec)
        offs.append(pos)
        pos += len(r)
        out.append(r)
    return b"".join(out), offs


def ng_block(btype, body, e="<"):
    pad = (-len(body)) % 4
    n = 12 + len(body) + pad
    return P(e + "II", btype, n) + body + b"\0" * pad + P(e + "I", n)


def ng_shb(e="<"):
    return ng_block(0x0A0D0D0A, P(e + "IHHq", 0x1A2B3C4D, 1, 0, -1), e)


def ng_idb(e="<", linktype=1, snaplen=65535):
    return ng_block(1, P(e + "HHI", linktype, 0, snaplen), e)


def ng_epb(ts_us, data, wirelen=None, e="<", iface=0):
    pad = (-len(data)) % 4
    return ng_block(6, P(e + "IIIII", iface, ts_us >> 32, ts_us & 0xFFFFFFFF,
                         len(data), len(data) if wirelen is None else wirelen)
                    + data + b"\0" * pad, e)


def pcapng_file(recs, e="<"):
    """SHB, IDB, one EPB per record; returns (bytes, block offsets)."""
    blocks = [ng_shb(e), ng_idb(e)] + [ng_epb(ts, d, wl, e)
                                       for ts, d, wl in recs]
    offs, pos = [], 0
    for b in blocks:
        offs.append(pos)
        pos += len(b)
    return b"".join(blocks), offs


def make_mix(c, basedir):
    """The first frames of each protocol scenario, one after the other."""
    os.makedirs(basedir, exist_ok=True)
    recs = []
    for i, sc in enumerate(["modbus-basic", "dnp3-basic", "s7-basic",
                            "enip-basic", "opcua-basic"]):
        p = os.path.join(basedir, sc + ".pcap")
        otgen.run_scenario(sc, p)
        for ts, data, wl in read_pcap(p)[:10]:
            recs.append((ts + i * 60000000, data, wl))
    return recs


def damaged_containers(c, recs):
    n = len(recs)
    data, offs = pcap_file(recs)
    offs.append(len(data))
    # every record boundary (valid), the middle of every record's header
    # and of its data (damaged: the prefix must be kept)
    for k in range(n + 1):
        fn = "cut-%03d.pcap" % k
        c.write(fn, data[:offs[k]])
        c.case(fn, fn, 0)
        if k == n:
            break
        for what, cut in (("hdr", offs[k] + 7),
                          ("data", offs[k] + 16 + len(recs[k][1]) // 2)):
            fn2 = "cut-%03d-mid-%s.pcap" % (k, what)
            c.write(fn2, data[:cut])
            c.case(fn2, fn2, 2, "^otzone: FILE: capture damaged after "
                   "frame %d: .*truncated" % k, "cut-%03d.pcap" % k)
    full = "cut-%03d.pcap" % n
    # inside the file header
    for k in (0, 3):
        fn = "hdr-cut-%d.pcap" % k
        c.write(fn, data[:k])
        c.case(fn, fn, 2, "^otzone: FILE: not a pcap or pcapng capture")
    for k in (4, 12, 23):
        fn = "hdr-cut-%d.pcap" % k
        c.write(fn, data[:k])
        c.case(fn, fn, 2, "^otzone: FILE: .*truncated")
    # magic and byte order
    c.write("bad-magic.pcap", b"\xd4\xc3\xb2\xa2" + data[4:])
    c.case("bad-magic.pcap", "bad-magic.pcap", 2,
           "^otzone: FILE: not a pcap or pcapng capture")
    c.write("bad-version.pcap", data[:4] + P("<HH", 9, 9) + data[8:])
    c.case("bad-version.pcap", "bad-version.pcap", 2, "^otzone: FILE: ")
    # the magic says little-endian, every field is big-endian
    be, _ = pcap_file(recs, e=">")
    c.write("wrong-byte-order.pcap", data[:4] + be[4:])
    c.case("wrong-byte-order.pcap", "wrong-byte-order.pcap", 2,
           "^otzone: FILE: ")
    # records little-endian under a big-endian header
    c.write("wrong-byte-order-records.pcap", be[:24] + data[24:])
    c.case("wrong-byte-order-records.pcap", "wrong-byte-order-records.pcap",
           2, "^otzone: FILE: capture damaged after frame 0", "cut-000.pcap")
    # a genuine big-endian capture and a nanosecond one: same content
    c.write("big-endian.pcap", be)
    c.case("big-endian.pcap", "big-endian.pcap", 0, "-", full)
    ns, _ = pcap_file(recs, nsec=True)
    c.write("nanosecond.pcap", ns)
    c.case("nanosecond.pcap", "nanosecond.pcap", 0, "-", full)
    # a record claiming 4 GB, after 10 good ones
    k = 10
    c.write("record-4GB.pcap", data[:offs[k]] +
            P("<IIII", 1767600000, 0, 0xFFFFFFF0, 0xFFFFFFF0) + b"\0" * 64)
    c.case("record-4GB.pcap", "record-4GB.pcap", 2,
           "^otzone: FILE: capture damaged after frame %d: " % k,
           "cut-%03d.pcap" % k)
    # on the wire 4 GB, captured 60 bytes: valid, if odd
    c.write("wirelen-4GB.pcap", data[:offs[k]] +
            pcap_rec(recs[k][0], recs[k][1][:60], 0xFFFFFFF0) +
            data[offs[k + 1]:])
    c.case("wirelen-4GB.pcap", "wirelen-4GB.pcap", 0, "-", "-", "truncated>0")
    # caplen larger than the length on the wire
    c.write("caplen-over-wirelen.pcap", data[:offs[k]] +
            pcap_rec(recs[k][0], recs[k][1], 20) + data[offs[k + 1]:])
    c.case("caplen-over-wirelen.pcap", "caplen-over-wirelen.pcap", 0)
    # zero-length records between all the others
    z = pcap_hdr() + b"".join(pcap_rec(ts, d, wl) + pcap_rec(ts, b"", 0)
                              for ts, d, wl in recs)
    c.write("zero-length-records.pcap", z)
    c.case("zero-length-records.pcap", "zero-length-records.pcap", 0)
    # snaplen-truncated packets, at several cuts (the header says so)
    for snap in (20, 34, 54, 60, 100):
        t = pcap_hdr(snaplen=snap) + b"".join(
            pcap_rec(ts, d[:snap], wl) for ts, d, wl in recs)
        fn = "snaplen-%d.pcap" % snap
        c.write(fn, t)
        c.case(fn, fn, 0, "-", "-", "truncated>0")
    # a record longer than the file's snaplen, after 20 good ones
    snap = 128
    good = pcap_hdr(snaplen=snap) + b"".join(
        pcap_rec(ts, d[:snap], wl) for ts, d, wl in recs[:20])
    c.write("over-snaplen-prefix.pcap", good)
    c.case("over-snaplen-prefix.pcap", "over-snaplen-prefix.pcap", 0)
    long_ = recs[20][1] + b"\0" * 200
    c.write("over-snaplen.pcap", good + pcap_rec(recs[20][0], long_) +
            b"".join(pcap_rec(ts, d[:snap], wl) for ts, d, wl in recs[21:]))
    c.case("over-snaplen.pcap", "over-snaplen.pcap", 2,
           "^otzone: FILE: frame 21 is longer than the file's snaplen",
           "over-snaplen-prefix.pcap")
    # odd headers: snaplen 0 and 2^32-1, an unknown link type
    for name, kw in (("snaplen-0", {"snaplen": 0}),
                     ("snaplen-max", {"snaplen": 0xFFFFFFFF}),
                     ("linktype-unknown", {"linktype": 147})):
        body = pcap_hdr(**kw) + data[24:]
        c.write(name + ".pcap", body)
        c.case(name + ".pcap", name + ".pcap", 0)
    # timestamps: backwards, zero, microseconds over a million, 2106
    t = [pcap_hdr()]
    for i, (ts, d, wl) in enumerate(recs):
        if i % 4 == 1:
            t.append(P("<IIII", 0, 0, len(d), wl) + d)
        elif i % 4 == 2:
            t.append(P("<IIII", 1767600000, 999999999, len(d), wl) + d)
        elif i % 4 == 3:
            t.append(P("<IIII", 0xFFFFFFFF, 999999, len(d), wl) + d)
        else:
            t.append(pcap_rec(ts - i * 1000000, d, wl))
    c.write("timestamps-chaos.pcap", b"".join(t))
    c.case("timestamps-chaos.pcap", "timestamps-chaos.pcap", 0)

    # pcapng: every block boundary, the middle of every block
    ng, noffs = pcapng_file(recs)
    noffs.append(len(ng))
    nb = len(noffs) - 1
    c.write("ng-cut-shb-mid.pcapng", ng[:noffs[1] // 2])
    c.case("ng-cut-shb-mid.pcapng", "ng-cut-shb-mid.pcapng", 2,
           "^otzone: FILE: ")
    for k in range(1, nb + 1):
        fn = "ng-cut-%03d.pcapng" % k
        c.write(fn, ng[:noffs[k]])
        c.case(fn, fn, 0 if k >= 2 else 2,
               "-" if k >= 2 else "^otzone: FILE: ")
        if k == nb:
            break
        fn2 = "ng-cut-%03d-mid.pcapng" % k
        mid = noffs[k] + (noffs[k + 1] - noffs[k]) // 2
        c.write(fn2, ng[:mid])
        if k >= 2:
            c.case(fn2, fn2, 2, "^otzone: FILE: capture damaged after "
                   "frame %d: " % (k - 2), fn)
        else:
            c.case(fn2, fn2, 2, "^otzone: FILE: ")
    ngfull = "ng-cut-%03d.pcapng" % nb
    c.case("ng-same-as-pcap", ngfull, 0, "-", full)
    k = 12  # blocks: SHB, IDB, then EPB k - 2
    for name, blk in (
            ("ng-block-len-4GB", P("<II", 6, 0xFFFFFFF0) + b"\0" * 64),
            ("ng-block-len-8", P("<II", 6, 8) + P("<I", 8) + b"\0" * 64),
            ("ng-block-len-odd", P("<II", 6, 45) + b"\0" * 64),
            ("ng-caplen-over-block",
             P("<IIIIIII", 6, 48, 0, 0, 0, 0xFFFF, 0xFFFF) + b"\0" * 16 +
             P("<I", 48)),
            ("ng-unknown-interface", ng_epb(recs[0][0], recs[0][1],
                                            iface=7))):
        c.write(name + ".pcapng", ng[:noffs[k]] + blk + ng[noffs[k]:])
        c.case(name + ".pcapng", name + ".pcapng", 2,
               "^otzone: FILE: capture damaged after frame %d: " % (k - 2),
               "ng-cut-%03d.pcapng" % k)
    c.write("ng-bad-byte-order-magic.pcapng",
            ng[:8] + P("<I", 0x4D3C2B1A ^ 0xFF) + ng[12:])
    c.case("ng-bad-byte-order-magic.pcapng", "ng-bad-byte-order-magic.pcapng",
           2, "^otzone: FILE: ")
    # a second section: valid in the same byte order; in the other one,
    # libpcap stops ("sections with different byte orders" is not
    # supported), and what came before is kept
    a_ng, _ = pcapng_file(recs[:25])
    b_ng, _ = pcapng_file(recs[25:])
    be_ng, _ = pcapng_file(recs[25:], e=">")
    c.write("ng-two-sections.pcapng", a_ng + b_ng)
    c.case("ng-two-sections.pcapng", "ng-two-sections.pcapng", 0, "-", full)
    c.write("ng-two-byte-orders.pcapng", a_ng + be_ng)
    c.case("ng-two-byte-orders.pcapng", "ng-two-byte-orders.pcapng", 2,
           "^otzone: FILE: capture damaged after frame 25: ",
           "ng-cut-027.pcapng")

    # several files in one run: the damage stops its own file only
    hdr = pcap_hdr()
    part = lambda a, b: hdr + b"".join(pcap_rec(*r) for r in recs[a:b])
    c.write("part-a.pcap", part(0, 10))
    c.write("part-b.pcap", part(10, 30))
    c.write("part-b-4GB.pcap", part(10, 30) +
            P("<IIII", 1767600000, 0, 0xFFFFFFF0, 0xFFFFFFF0) + bytes(64))
    c.write("part-c.pcap", part(30, n))
    c.case("multi-good", ["part-a.pcap", "part-b.pcap", "part-c.pcap"], 0)
    c.case("multi-damaged-middle", ["part-a.pcap", "part-b-4GB.pcap",
                                     "part-c.pcap"], 2,
           "^otzone: FILE2: capture damaged after frame 20: ",
           "multi-good")


# ---------------------------------------------------------------------------
# valid captures, hostile contents


def new_net(path):
    return otgen.Net(path, scenario="hostile", description="hostile input")


def hosts(net, a, b, va="dell", vb="schneider"):
    ca = net.add(otgen.Host("client", a, otgen.make_mac(va, 0x10),
                            va))
    sb = net.add(otgen.Host("server", b, otgen.make_mac(vb, 0x20), vb))
    return ca, sb


def session(net, c, s, port):
    t = otgen.TcpSession(net, c, s, port)
    t.MSS = BIG_MSS
    return t.open()


def modbus_cases(c):
    mb = otgen.mbap
    read = b"\x03\x00\x00\x00\x0a"
    resp = b"\x03\x14" + bytes(20)
    # zero-length PDUs and lengths past the end, valid requests between
    net = new_net(c.path("modbus-lengths.pcap"))
    cl, sv = hosts(net, "10.1.0.20", "10.1.0.50")
    t = session(net, cl, sv, 502)
    t.exchange(mb(1, 1, read), mb(1, 1, resp))
    for i, raw in enumerate([P(">HHH", 2, 0, 0),          # length 0
                             P(">HHHB", 3, 0, 1, 1),      # unit id only
                             P(">HHHBB", 4, 0, 2, 1, 3),  # fc, no data
                             P(">HHH", 5, 0, 0xFFFF) + bytes(20)]):
        t.send(True, raw)
        net.adv(1000)
        t.send(True, mb(10 + i, 1, read))
        net.adv(1000)
    t.close()
    net.close()
    c.case("modbus-lengths.pcap", "modbus-lengths.pcap", 0)
    # thousands of requests in one segment, then their responses
    n = BIG_MSS // 12
    net = new_net(c.path("modbus-thousands.pcap"))
    cl, sv = hosts(net, "10.1.0.21", "10.1.0.51")
    t = session(net, cl, sv, 502)
    t.send(True, b"".join(mb(i, 1, read) for i in range(n)))
    net.adv(5000)
    t.send(False, b"".join(mb(i, 1, resp) for i in range(BIG_MSS // 29)))
    t.close()
    net.close()
    c.case("modbus-thousands.pcap", "modbus-thousands.pcap", 0, "-", "-",
           "op=modbus:3=%d" % n)


def dnp3_cases(c):
    real = otgen.dnp3_crc
    # the whole dnp3-basic scenario with every CRC wrong
    otgen.dnp3_crc = lambda d: bytes(x ^ 0x5A for x in real(d))
    try:
        otgen.run_scenario("dnp3-basic", c.path("dnp3-bad-crc.pcap"))
    finally:
        otgen.dnp3_crc = real
    c.case("dnp3-bad-crc.pcap", "dnp3-bad-crc.pcap", 0, "-", "-",
           "op=dnp3:1=0")
    link = otgen.dnp3_link
    read = b"\xc0\xc1\x01\x3c\x02\x06"  # transport, app: READ class 1

    def hdr(ln, ctrl=0xC4, dst=10, src=1):
        h = P("<BBBBHH", 0x05, 0x64, ln, ctrl, dst, src)
        return h + real(h)

    net = new_net(c.path("dnp3-lengths.pcap"))
    cl, sv = hosts(net, "10.2.0.20", "10.2.0.50", vb="sel")
    t = session(net, cl, sv, 20000)
    t.send(True, link(0xC4, 10, 1, read))
    for ln in (0, 1, 4, 5):  # below the minimum; header only
        net.adv(1000)
        t.send(True, hdr(ln))
        t.send(True, link(0xC4, 10, 1, read))
    net.adv(1000)
    t.send(True, hdr(255) + bytes(30))  # 255 claimed, 30 sent
    net.adv(1000)
    t.send(True, link(0xC4, 10, 1, read))
    t.close()
    net.close()
    c.case("dnp3-lengths.pcap", "dnp3-lengths.pcap", 0)

    net = new_net(c.path("dnp3-thousands.pcap"))
    cl, sv = hosts(net, "10.2.0.21", "10.2.0.51", vb="sel")
    t = session(net, cl, sv, 20000)
    fr = []
    for i in range(BIG_MSS // 24):
        fr.append(link(0xC4, 10, 1, bytes([0xC0 | (i & 63),
                                           0xC0 | (i & 15)]) +
                       b"\x01\x3c\x02\x06"))
    t.send(True, b"".join(fr))
    t.close()
    net.close()
    c.case("dnp3-thousands.pcap", "dnp3-thousands.pcap", 0)


def s7_cases(c):
    tpkt, dt = otgen.tpkt, otgen.cotp_dt
    param = P(">BB", 4, 1) + otgen.s7_item("DB", 1, 0, 4)
    net = new_net(c.path("s7-lengths.pcap"))
    cl, sv = hosts(net, "10.3.0.20", "10.3.0.50", vb="siemens")
    s7 = otgen.S7Client(net, cl, sv)
    s7.tcp.MSS = BIG_MSS
    s7.connect()
    good = tpkt(dt(otgen.s7_pdu(1, 7, param)))
    for raw in (b"\x03\x00\x00\x00",          # TPKT length 0
                b"\x03\x00\x00\x03",          # shorter than its header
                b"\x03\x00\x00\x04",          # empty
                b"\x03\x00\x00\x05\x00",      # COTP length 0
                b"\x03\x00\x00\x07\xff\xf0\x80",  # COTP length 255
                tpkt(dt(b"\x32\x01" + bytes(4) + b"\xff\xff\xff\xff")),
                b"\x03\x00\xff\xff" + bytes(40)):  # 65535 claimed
        s7.tcp.send(True, raw)
        net.adv(1000)
        s7.tcp.send(True, good)
        net.adv(1000)
    s7.close()
    net.close()
    c.case("s7-lengths.pcap", "s7-lengths.pcap", 0)

    net = new_net(c.path("s7-thousands.pcap"))
    cl, sv = hosts(net, "10.3.0.21", "10.3.0.51", vb="siemens")
    s7 = otgen.S7Client(net, cl, sv)
    s7.tcp.MSS = BIG_MSS
    s7.connect()
    n = BIG_MSS // len(good)
    s7.tcp.send(True, b"".join(tpkt(dt(otgen.s7_pdu(1, i, param)))
                               for i in range(n)))
    s7.close()
    net.close()
    c.case("s7-thousands.pcap", "s7-thousands.pcap", 0, "-", "-",
           "op=s7comm:4=%d" % n)


def enip_cases(c):
    hdr, cpf, req, path = otgen.enip_hdr, otgen.cpf, otgen.cip_req, \
        otgen.cip_path

    def rr(cip, session=0x1234):
        return hdr(0x6F, session, P("<IH", 0, 10) +
                   cpf([(0x0000, b""), (0x00B2, cip)]))

    def unconn_send(inner):
        return req(0x52, path(0x06, 0x01), P("<BBH", 0x07, 0xE9, len(inner))
                   + inner + (b"\0" if len(inner) & 1 else b"") +
                   P("<BBBB", 1, 0, 0x01, 0x00))

    def multiple(inner):
        return req(0x0A, path(0x02, 0x01), P("<HH", 1, 4) + inner)

    get = req(0x01, path(0x01, 0x01))
    reg = hdr(0x65, 0, P("<HH", 1, 0))
    net = new_net(c.path("cip-deep-nesting.pcap"))
    cl, sv = hosts(net, "10.4.0.20", "10.4.0.50", vb="rockwell")
    t = session(net, cl, sv, 44818)
    t.exchange(reg, hdr(0x65, 0x1234, P("<HH", 1, 0)))
    for wrap, depth in ((unconn_send, 3000), (multiple, 5000)):
        inner = get
        for _ in range(depth):
            nxt = wrap(inner)
            if len(rr(nxt)) > 65000:
                break
            inner = nxt
        t.send(True, rr(inner))
        net.adv(2000)
    # alternating, and an EPATH of 255 words of segments
    inner = get
    for i in range(4000):
        nxt = (unconn_send if i & 1 else multiple)(inner)
        if len(rr(nxt)) > 65000:
            break
        inner = nxt
    t.send(True, rr(inner))
    net.adv(2000)
    t.send(True, rr(req(0x0E, b"\x20\x01" * 255)))
    net.adv(2000)
    # Multiple Service Packet: 65535 services, offsets past the end
    t.send(True, rr(req(0x0A, path(0x02, 0x01), P("<H", 0xFFFF) +
                        P("<H", 0xFFF0) * 200)))
    net.adv(2000)
    t.send(True, rr(get))
    t.close()
    net.close()
    c.case("cip-deep-nesting.pcap", "cip-deep-nesting.pcap", 0)

    net = new_net(c.path("enip-lengths.pcap"))
    cl, sv = hosts(net, "10.4.0.21", "10.4.0.51", vb="rockwell")
    t = session(net, cl, sv, 44818)
    t.exchange(reg, hdr(0x65, 0x1234, P("<HH", 1, 0)))
    for raw in (hdr(0x6F, 0x1234, b""),                   # length 0
                hdr(0x6F, 0x1234, P("<IHH", 0, 10, 0xFFFF)),  # 65535 items
                hdr(0x6F, 0x1234, P("<IH", 0, 10) + P("<HHHHH", 2, 0, 0,
                                                      0xB2, 0xFFF0)),
                hdr(0x6F, 0x1234, P("<IH", 0, 10) +
                    cpf([(0x0000, b""), (0x00B2, b"")])),  # empty CIP
                P("<HHII8sI", 0x6F, 0xFFFF, 0x1234, 0, bytes(8), 0) +
                bytes(30)):                                # past the end
        t.send(True, raw)
        net.adv(1000)
        t.send(True, rr(get))
        net.adv(1000)
    t.close()
    net.close()
    c.case("enip-lengths.pcap", "enip-lengths.pcap", 0)

    net = new_net(c.path("enip-thousands.pcap"))
    cl, sv = hosts(net, "10.4.0.22", "10.4.0.52", vb="rockwell")
    t = session(net, cl, sv, 44818)
    t.exchange(reg, hdr(0x65, 0x1234, P("<HH", 1, 0)))
    one = rr(get)
    n = BIG_MSS // len(one)
    t.send(True, one * n)
    net.adv(2000)
    t.send(True, hdr(0x0004, 0, b"") * (BIG_MSS // 24))  # ListServices
    t.close()
    net.close()
    c.case("enip-thousands.pcap", "enip-thousands.pcap", 0, "-", "-",
           "op=cip:1=%d" % n)


def opcua_cases(c):
    msg = otgen.ua_msg
    info = otgen.UaServerInfo("urn:hostile:server", "urn:hostile",
                              "hostile", "opc.tcp://10.5.0.50:4840")
    cli = ("urn:hostile:client", "urn:hostile", "client")

    def ua(fn, a, b):
        net = new_net(c.path(fn))
        cl, sv = hosts(net, a, b, vb="siemens")
        u = otgen.UaClient(net, cl, sv, info, cli)
        u.tcp.MSS = 1460
        u.hello()
        u.open()
        return net, u

    def chunk(u, kind, body, seq):
        return msg(b"MSG", kind, P("<IIII", u.chan, u.token, seq, 99) + body)

    read = otgen.ua_nodeid(0, 631) + otgen.ua_req_hdr(otgen.UA_NULL_NODE,
                                                      1767600000000000, 7)
    # intermediate chunks forever: the final one never comes
    net, u = ua("opcua-chunks-never-end.pcap", "10.5.0.20", "10.5.0.50")
    for i in range(3000):
        u.tcp.send(True, chunk(u, b"C", read + bytes(1200), 1000 + i))
        net.adv(500)
    u.tcp.close()
    net.close()
    c.case("opcua-chunks-never-end.pcap", "opcua-chunks-never-end.pcap", 0,
           "-", "-", "rss<200")
    # one chunk claiming 16 MB, then 2 MB of it
    net, u = ua("opcua-chunk-16MB.pcap", "10.5.0.21", "10.5.0.51")
    u.tcp.send(True, b"MSGF" + P("<I", 16 * 1024 * 1024 - 1) +
               P("<IIII", u.chan, u.token, 5, 5) + read)
    for i in range(1500):
        u.tcp.send(True, bytes(1400))
        net.adv(200)
    u.tcp.close()
    net.close()
    c.case("opcua-chunk-16MB.pcap", "opcua-chunk-16MB.pcap", 0, "-", "-",
           "rss<200")
    # zero and short sizes, then a valid request
    net, u = ua("opcua-lengths.pcap", "10.5.0.22", "10.5.0.52")
    for raw in (b"MSGF" + P("<I", 0), b"MSGF" + P("<I", 7),
                b"MSGF" + P("<I", 8), b"HELF" + P("<I", 8),
                b"MSGF" + P("<I", 0xFFFFFFFF) + bytes(16),
                b"ERRF" + P("<I", 16) + P("<II", 0x80000000, 0xFFFFFFFF)):
        u.tcp.send(True, raw)
        net.adv(1000)
        u.tcp.send(True, chunk(u, b"F", read, 50))
        net.adv(1000)
    u.tcp.close()
    net.close()
    c.case("opcua-lengths.pcap", "opcua-lengths.pcap", 0)
    # thousands of requests in one segment
    net, u = ua("opcua-thousands.pcap", "10.5.0.23", "10.5.0.53")
    u.tcp.MSS = BIG_MSS
    one = chunk(u, b"F", read, 1)
    n = BIG_MSS // len(one)
    u.tcp.send(True, b"".join(chunk(u, b"F", read, 100 + i)
                              for i in range(n)))
    u.tcp.close()
    net.close()
    c.case("opcua-thousands.pcap", "opcua-thousands.pcap", 0, "-", "-",
           "op=opcua:631=%d" % n)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: gen.py OUTDIR\n")
        return 2
    c = Corpus(sys.argv[1])
    recs = make_mix(c, c.path("base"))
    damaged_containers(c, recs)
    modbus_cases(c)
    dnp3_cases(c)
    s7_cases(c)
    enip_cases(c)
    opcua_cases(c)
    c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

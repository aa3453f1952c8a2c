#!/usr/bin/env python3
"""Split a classic pcap file the way two SPAN points would see a plant.

    split.py IN.pcap A.pcap B.pcap --a 10.20.1.,10.20.2. --b 10.20.4.
             [--shared a|both]

An IPv4 packet to or from an address starting with one of the --a
prefixes goes to A, else one with a --b prefix to B; every other packet
(the supervisory network's own traffic, ARP, LLDP, IPv6) is "shared": in
A only (--shared a, the default: each flow in exactly one half), or in
both (--shared both: the same packets seen at two SPAN points).  The rule
is symmetric in source and destination, so both directions of a flow land
in the same half.  Prints the packet counts "A B shared".
"""
import argparse
import struct
import sys


def ipv4_addrs(data, linktype):
    """(src, dst) dotted strings of an Ethernet (802.1Q, QinQ) IPv4
    packet, or None."""
    if linktype != 1 or len(data) < 14:
        return None
    off = 12
    etype = struct.unpack_from("!H", data, off)[0]
    while etype in (0x8100, 0x88A8, 0x9100) and len(data) >= off + 6:
        off += 4
        etype = struct.unpack_from("!H", data, off)[0]
    off += 2
    if etype != 0x0800 or len(data) < off + 20:
        return None
    src = ".".join(str(b) for b in data[off + 12:off + 16])
    dst = ".".join(str(b) for b in data[off + 16:off + 20])
    return src, dst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out_a")
    ap.add_argument("out_b")
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--shared", choices=("a", "both"), default="a")
    args = ap.parse_args()
    pa = [p for p in args.a.split(",") if p]
    pb = [p for p in args.b.split(",") if p]
    with open(args.inp, "rb") as f:
        raw = f.read()
    if len(raw) < 24:
        sys.exit("split.py: %s: not a pcap file" % args.inp)
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        sys.exit("split.py: %s: not a classic pcap file" % args.inp)
    linktype = struct.unpack_from(endian + "I", raw, 20)[0]
    out = {"a": [raw[:24]], "b": [raw[:24]]}
    counts = {"a": 0, "b": 0, "shared": 0}
    off = 24
    while off + 16 <= len(raw):
        incl = struct.unpack_from(endian + "I", raw, off + 8)[0]
        rec = raw[off:off + 16 + incl]
        if len(rec) < 16 + incl:
            sys.exit("split.py: %s: truncated record" % args.inp)
        addrs = ipv4_addrs(rec[16:], linktype)
        side = "shared"
        if addrs is not None:
            if any(x.startswith(p) for x in addrs for p in pa):
                side = "a"
            elif any(x.startswith(p) for x in addrs for p in pb):
                side = "b"
        counts[side] += 1
        if side == "shared":
            out["a"].append(rec)
            if args.shared == "both":
                out["b"].append(rec)
        else:
            out[side].append(rec)
        off += 16 + incl
    for side, path in (("a", args.out_a), ("b", args.out_b)):
        with open(path, "wb") as f:
            f.write(b"".join(out[side]))
    print(counts["a"], counts["b"], counts["shared"])


if __name__ == "__main__":
    main()

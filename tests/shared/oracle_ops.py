#!/usr/bin/env python3
"""oracle_ops.py OTZONE [--min PCT] [--enforce P,P] [--pcaps DIR] [-v]

tshark as an independent oracle for otzone's operation counts.

For every capture in the shared folder (../shared/pcaps next to the
repository, or $OTZONE_SHARED_PCAPS, or --pcaps DIR) tshark is run once with
the fields below, the requests of each OT protocol are counted per
(client, server, code), and compared with the `count` of otzone's
operations (`flows --format json`, summed over VLANs, ports and flows of the
same client and server).  Codes follow ARCHITECTURE.md ("Operation
classes"): the protocol's own request code, as Wireshark names it.

  modbus  modbus.func_code of a PDU sent to the Modbus port (502 or a
          decode-as port) from another port; tshark's own rule for
          "Query".  Both ports equal: a PDU from the connection's client.
  dnp3    dnp3.al.func < 128 of each reassembled application fragment
          (requests, confirm 0 included), plus 130 unsolicited responses,
          which otzone counts as the outstation's own operations.
  s7comm  Job PDUs (ROSCTR 1): s7comm.param.func; userdata requests
          (ROSCTR 7, s7comm.param.userdata.type 4): 0x10000 + funcgroup *
          0x100 + subfunc.  Ack_Data and userdata push/response are not
          requests.  (tshark has no S7comm-plus dissector: not checked.)
  enip    enip.command of a request (sent to 44818 from another port, or
          from the connection's client) that carries no CIP.
  cip     each CIP service byte (cip.service) with the response bit clear
          in such a request, including Multiple Service Packet (0x0A) and
          its inner services; an Unconnected Send (0x52) that carries an
          embedded request (cip.cm.msg_req_size) is replaced by that
          request, as ARCHITECTURE/enip.c define (see KNOWN.md).
  opcua   opcua.servicenodeid.numeric that Wireshark names "...Request"
          (tshark -G values); OPN and CLO from the client whose body is
          encrypted count as 446 and 452; HEL from the client counts as
          code 0 (otzone's code for Hello).

Client and server: the host that sent the TCP SYN (else the receiver of
the SYN-ACK; else the side on the protocol's port; else the sender of the
first request); for UDP, the sender of the first request of the
conversation (else the side not on the protocol's port).

Per capture and protocol it prints tshark's and otzone's request totals,
the matches (sum over (client, server, code) of min(tshark, otzone)) and
agreement = matches / max(tshark total, otzone total), then each
disagreement with the frames tshark saw it in.  Then one line per protocol
over all captures:

  oracle-total PROTO tshark=T otzone=O match=M PCT% STATUS

(PCT is n/a, and counts as 100%, when neither side saw a request.)

STATUS is `ok` (enforced and >= --min), `FAIL` (enforced and below) or
`report` (not enforced).  Protocols are enforced when --min is given: all of
them, or those of --enforce.  Exits 1 when an enforced protocol is below
--min, 0 otherwise (also when tshark or the folder is missing: one skip
line).  Per-capture tshark options (-d, -o) come from the MANIFEST.tsv
notes of the folder ("decode with -d tcp.port==48010,opcua").
"""

import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unicast_ips import (canon, find_pcaps_dir, list_captures,  # noqa: E402
                         run_otzone, run_tshark, skip_reason)

PROTOS = ("modbus", "dnp3", "s7comm", "enip", "cip", "opcua")

# The port each protocol's server listens on (tshark's defaults).
PORTS = {"modbus": {502}, "dnp3": {20000}, "s7comm": {102},
         "enip": {44818}, "opcua": {4840}}
# Wireshark dissector names as used in decode-as (-d ...,NAME).
DECODE_AS = {"mbtcp": "modbus", "modbus": "modbus", "dnp3": "dnp3",
             "tpkt": "s7comm", "s7comm": "s7comm", "enip": "enip",
             "opcua": "opcua"}

FIELDS = [
    "frame.number", "frame.protocols",
    "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags.syn",
    "tcp.flags.ack", "udp.srcport", "udp.dstport",
    "modbus.func_code",
    "dnp3.al.func",
    "s7comm.header.rosctr", "s7comm.param.func",
    "s7comm.param.userdata.type", "s7comm.param.userdata.funcgroup",
    "s7comm.param.userdata.subfunc",
    "enip.command", "cip.service", "cip.cm.msg_req_size",
    "opcua.transport.type", "opcua.servicenodeid.numeric",
    "tcp.analysis.out_of_order",
]
F = {name: i for i, name in enumerate(FIELDS)}
# otzone reassembles TCP segments that arrive out of order; tshark 4.0 does
# not by default, and with this option it stalls at a gap (a segment never
# captured).  Streams with out-of-order segments are decoded both ways and
# the way that finds more requests is kept (KNOWN.md).
OUT_OF_ORDER = ["-o", "tcp.reassemble_out_of_order:TRUE"]
DISPLAY_FILTER = ("tcp.flags.syn == 1 || mbtcp || dnp3 || s7comm || enip"
                  " || opcua || tcp.analysis.out_of_order")

ENIP_CIP_COMMANDS = (0x6F, 0x70)      # SendRRData, SendUnitData
CIP_UNCONNECTED_SEND = 0x52
OPCUA_OPN, OPCUA_CLO, OPCUA_HELLO = 446, 452, 0


def opcua_request_ids():
    """Numeric ids Wireshark names *Request (binary encodings), or None."""
    try:
        r = subprocess.run(["tshark", "-G", "values"], capture_output=True,
                           text=True, timeout=60, errors="replace")
    except (OSError, subprocess.SubprocessError):
        return None
    ids = set()
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        if (len(cols) >= 4 and cols[1] == "opcua.servicenodeid.numeric"
                and cols[3].endswith("Request")):
            try:
                ids.add(int(cols[2], 0))
            except ValueError:
                pass
    return ids or None


def manifest_options(folder):
    """{file name: [tshark options]} from -d/-o found in MANIFEST notes."""
    opts = {}
    path = os.path.join(folder, "MANIFEST.tsv")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return opts
    for line in lines[1:]:
        cols = line.split("\t")
        if not cols or not cols[0]:
            continue
        notes = " ".join(cols[1:])
        found = []
        for m in re.finditer(r"(?:^|\s)-d\s+([a-z0-9_.]+==[0-9]+,[a-z0-9_]+)",
                             notes):
            found += ["-d", m.group(1)]
        for m in re.finditer(r"(?:^|\s)-o\s+([A-Za-z0-9_.]+:[^\s;,)]+)",
                             notes):
            found += ["-o", m.group(1)]
        if found:
            opts[cols[0]] = found
    return opts


def ports_for(extra):
    """PORTS plus the ports that decode-as options give each protocol."""
    ports = {p: set(s) for p, s in PORTS.items()}
    for i in range(len(extra) - 1):
        if extra[i] != "-d":
            continue
        m = re.match(r"(tcp|udp)\.port==([0-9]+),([a-z0-9_]+)$", extra[i + 1])
        if m and m.group(3) in DECODE_AS:
            ports[DECODE_AS[m.group(3)]].add(int(m.group(2)))
    return ports


def ints(cell):
    """The values of an aggregated field as ints (hex or decimal)."""
    out = []
    for v in cell.split(","):
        v = v.strip()
        if not v:
            continue
        try:
            out.append(int(v, 0))
        except ValueError:
            if v in ("True", "Set"):
                out.append(1)
            elif v in ("False", "Not set"):
                out.append(0)
    return out


def first(cell):
    return cell.split(",")[0] if cell else ""


def flag(cell):
    v = ints(first(cell))
    return bool(v and v[0])


class Frame:
    __slots__ = ("num", "src", "dst", "sport", "dport", "tcp", "conv",
                 "row")


def parse_frame(row):
    """Addresses, ports and conversation key of a row, or None."""
    protos = row[F["frame.protocols"]].split(":")
    if "icmp" in protos or "icmpv6" in protos:
        return None         # ports quoted inside an ICMP error
    v4 = protos.index("ip") if "ip" in protos else len(protos)
    v6 = protos.index("ipv6") if "ipv6" in protos else len(protos)
    if v4 <= v6:
        src, dst = first(row[F["ip.src"]]), first(row[F["ip.dst"]])
    else:
        src, dst = first(row[F["ipv6.src"]]), first(row[F["ipv6.dst"]])
    src, dst = canon(src) if src else None, canon(dst) if dst else None
    if not src or not dst:
        return None
    fr = Frame()
    fr.row = row
    fr.num = int(row[F["frame.number"]])
    fr.src, fr.dst = src, dst
    stream = first(row[F["tcp.stream"]])
    if stream:
        fr.tcp = True
        fr.sport = ints(first(row[F["tcp.srcport"]]))
        fr.dport = ints(first(row[F["tcp.dstport"]]))
        fr.conv = ("tcp", int(stream))
    else:
        fr.tcp = False
        fr.sport = ints(first(row[F["udp.srcport"]]))
        fr.dport = ints(first(row[F["udp.dstport"]]))
        if not fr.sport or not fr.dport:
            return None
        a, b = (src, fr.sport[0]), (dst, fr.dport[0])
        fr.conv = ("udp",) + tuple(sorted([a, b]))
    fr.sport = fr.sport[0] if fr.sport else 0
    fr.dport = fr.dport[0] if fr.dport else 0
    return fr


def intrinsic_requests(fr, opc_req):
    """True when the frame holds a request whatever its direction: DNP3
    function < 128, S7comm job/userdata request, OPC UA request id, HEL."""
    row = fr.row
    if any(c < 128 for c in ints(row[F["dnp3.al.func"]])):
        return True
    if 1 in ints(row[F["s7comm.header.rosctr"]]):
        return True
    if 4 in ints(row[F["s7comm.param.userdata.type"]]):
        return True
    if "HEL" in row[F["opcua.transport.type"]].split(","):
        return True
    if opc_req and any(n in opc_req
                       for n in ints(row[F["opcua.servicenodeid.numeric"]])):
        return True
    return False


def frame_protocol(row):
    if row[F["modbus.func_code"]]:
        return "modbus"
    if row[F["dnp3.al.func"]]:
        return "dnp3"
    if row[F["s7comm.header.rosctr"]]:
        return "s7comm"
    if row[F["enip.command"]]:
        return "enip"
    if row[F["opcua.transport.type"]]:
        return "opcua"
    return None


def conversations(frames, ports, opc_req):
    """{conv: (client ip, server ip, client port)} for every conversation."""
    info = {}
    for fr in frames:
        c = info.setdefault(fr.conv, {"syn": None, "synack": None,
                                      "port": None, "req": None,
                                      "first": None})
        if c["first"] is None:
            c["first"] = (fr.src, fr.sport, fr.dst, fr.dport)
        if fr.tcp and flag(fr.row[F["tcp.flags.syn"]]):
            if flag(fr.row[F["tcp.flags.ack"]]):
                if c["synack"] is None:
                    c["synack"] = (fr.dst, fr.dport, fr.src, fr.sport)
            elif c["syn"] is None:
                c["syn"] = (fr.src, fr.sport, fr.dst, fr.dport)
        proto = frame_protocol(fr.row)
        if proto and c["port"] is None:
            pp = ports.get("enip" if proto == "cip" else proto, set())
            if fr.dport in pp and fr.sport not in pp:
                c["port"] = (fr.src, fr.sport, fr.dst, fr.dport)
            elif fr.sport in pp and fr.dport not in pp:
                c["port"] = (fr.dst, fr.dport, fr.src, fr.sport)
        if c["req"] is None and intrinsic_requests(fr, opc_req):
            c["req"] = (fr.src, fr.sport, fr.dst, fr.dport)
    out = {}
    for conv, c in info.items():
        if conv[0] == "tcp":
            order = ("syn", "synack", "port", "req", "first")
        else:
            order = ("req", "port", "first")
        for k in order:
            if c[k] is not None:
                out[conv] = c[k]
                break
    return out


def requests_in(fr, c2s, ports, opc_req):
    """[(protocol, code)] of the requests in one frame."""
    row = fr.row
    out = []

    # Modbus: tshark's classification by port, else the direction.
    codes = ints(row[F["modbus.func_code"]])
    if codes:
        mp = ports["modbus"]
        if fr.dport in mp and fr.sport not in mp:
            is_req = True
        elif fr.sport in mp and fr.dport not in mp:
            is_req = False
        else:
            is_req = c2s
        if is_req:
            out += [("modbus", c) for c in codes]

    # DNP3: the function code says it.
    for c in ints(row[F["dnp3.al.func"]]):
        if c < 128 or c == 130:
            out.append(("dnp3", c))

    # S7comm: walk the PDUs of the frame in order.
    rosctr = ints(row[F["s7comm.header.rosctr"]])
    if rosctr:
        funcs = ints(row[F["s7comm.param.func"]])
        utype = ints(row[F["s7comm.param.userdata.type"]])
        group = ints(row[F["s7comm.param.userdata.funcgroup"]])
        sub = ints(row[F["s7comm.param.userdata.subfunc"]])
        for r in rosctr:
            if r in (1, 3):
                f = funcs.pop(0) if funcs else None
                if r == 1 and f is not None:
                    out.append(("s7comm", f))
            elif r == 7:
                t = utype.pop(0) if utype else None
                g = group.pop(0) if group else None
                s = sub.pop(0) if sub else None
                if t == 4 and g is not None and s is not None:
                    out.append(("s7comm", 0x10000 + g * 0x100 + s))

    # EtherNet/IP and CIP.
    cmds = ints(row[F["enip.command"]])
    if cmds:
        ep = ports["enip"]
        if fr.dport in ep and fr.sport not in ep:
            is_req = True
        elif fr.sport in ep and fr.dport not in ep:
            is_req = False
        else:
            is_req = c2s
        if is_req:
            services = ints(row[F["cip.service"]])
            embedded = len(ints(row[F["cip.cm.msg_req_size"]]))
            for c in cmds:
                if c not in ENIP_CIP_COMMANDS or not services:
                    out.append(("enip", c))
            kept = []
            for i, s in enumerate(services):
                if s & 0x80:
                    continue
                if (s == CIP_UNCONNECTED_SEND and embedded > 0
                        and i + 1 < len(services)):
                    embedded -= 1
                    continue
                kept.append(s)
            out += [("cip", s) for s in kept]

    # OPC UA.
    types = [t for t in row[F["opcua.transport.type"]].split(",") if t]
    if types:
        nums = ints(row[F["opcua.servicenodeid.numeric"]])
        if opc_req is not None:
            reqs = [n for n in nums if n in opc_req]
        else:
            reqs = nums if c2s else []
        out += [("opcua", n) for n in reqs]
        if c2s:
            out += [("opcua", OPCUA_HELLO)] * types.count("HEL")
            for t, code in (("OPN", OPCUA_OPN), ("CLO", OPCUA_CLO)):
                missing = types.count(t) - nums.count(code)
                if missing > 0:   # encrypted body: the type says it
                    out += [("opcua", code)] * missing
    return out


def tshark_pass(pcap, options, ports, opc_req):
    """One tshark run: ({conv: Counter((proto, client, server, code))},
    {(conv, key): [frames]}, set of TCP convs with out-of-order segments,
    warning)."""
    rows, warn = run_tshark(pcap, FIELDS, options, DISPLAY_FILTER, "a")
    frames = [fr for fr in (parse_frame(r) for r in rows) if fr]
    convs = conversations(frames, ports, opc_req)
    counts = collections.defaultdict(collections.Counter)
    where = collections.defaultdict(list)
    ooo = set()
    for fr in frames:
        if fr.tcp and fr.row[F["tcp.analysis.out_of_order"]]:
            ooo.add(fr.conv)
        cl = convs.get(fr.conv)
        if cl is None:
            continue
        c2s = (fr.src, fr.sport) == (cl[0], cl[1])
        client, server = cl[0], cl[2]
        for proto, code in requests_in(fr, c2s, ports, opc_req):
            key = (proto, client, server, code)
            counts[fr.conv][key] += 1
            where[(fr.conv, key)].append(fr.num)
    return counts, where, ooo, warn


def tshark_counts(pcap, extra, opc_req):
    """({(proto, client, server, code): count}, {key: [frames]}, notes)."""
    ports = ports_for(extra)
    counts, where, ooo, warn = tshark_pass(pcap, list(extra), ports, opc_req)
    notes = [warn] if warn else []
    if ooo:
        c2, w2, _, warn2 = tshark_pass(pcap, OUT_OF_ORDER + list(extra),
                                       ports, opc_req)
        if warn2:
            notes.append(warn2)
        used = 0
        for conv in ooo:
            if sum(c2[conv].values()) > sum(counts[conv].values()):
                used += 1
                counts[conv] = c2[conv]
                for k in list(where):
                    if k[0] == conv:
                        del where[k]
                for k, v in w2.items():
                    if k[0] == conv:
                        where[k] = v
        notes.append("%d TCP stream(s) with out-of-order segments, %d "
                     "decoded with %s" % (len(ooo), used,
                                          " ".join(OUT_OF_ORDER)))
    total = collections.Counter()
    frames = collections.defaultdict(list)
    for conv, c in counts.items():
        total.update(c)
    for (conv, key), v in where.items():
        frames[key] += v
    for v in frames.values():
        v.sort()
    return total, frames, notes


def otzone_counts(flows):
    counts = collections.Counter()
    first_frame = {}
    for fl in flows or []:
        client = canon(str(fl.get("client")))
        server = canon(str(fl.get("server")))
        if not client or not server:
            continue
        for op in fl.get("operations") or []:
            proto = op.get("protocol") or fl.get("protocol")
            if proto not in PROTOS:
                continue
            key = (proto, client, server, int(op.get("code", 0)))
            counts[key] += int(op.get("count", 0))
            ff = op.get("first_frame")
            if ff is not None and (key not in first_frame
                                   or ff < first_frame[key]):
                first_frame[key] = ff
    return counts, first_frame


def pct(match, t, o):
    m = max(t, o)
    return 100.0 if m == 0 else 100.0 * match / m


def fmt_pct(match, t, o):
    return "n/a" if max(t, o) == 0 else "%.1f%%" % pct(match, t, o)


def fmt_code(proto, code):
    if proto == "s7comm" and code >= 0x10000:
        return "0x%05x" % code
    if proto in ("enip", "cip", "s7comm"):
        return "0x%02x" % code
    return str(code)


def fmt_frames(frames, limit=8):
    s = ",".join(str(f) for f in frames[:limit])
    return s + (",..." if len(frames) > limit else "")


def check_capture(otzone, pcap, extra, opc_req):
    """Returns (lines, {proto: [tshark, otzone, match]})."""
    name = os.path.basename(pcap)
    rc, err, (flows,) = run_otzone(otzone, pcap,
                                   [["flows", "--format", "json"]])
    lines = []
    if rc != 0:
        last = err.strip().splitlines()[-1:] if err.strip() else [""]
        lines.append("  note: otzone read exited %d: %s" % (rc, last[0]))
    if flows is None:
        lines.append("  note: otzone flows --format json failed")
    tc, where, notes = tshark_counts(pcap, extra, opc_req)
    lines += ["  note: " + n for n in notes]
    oc, ofirst = otzone_counts(flows)
    per = {}
    body = []
    for proto in PROTOS:
        keys = sorted({k for k in tc if k[0] == proto} |
                      {k for k in oc if k[0] == proto},
                      key=lambda k: (k[1], k[2], k[3]))
        if not keys:
            continue
        t = sum(tc[k] for k in keys)
        o = sum(oc[k] for k in keys)
        m = sum(min(tc[k], oc[k]) for k in keys)
        per[proto] = [t, o, m]
        body.append("  %-7s tshark=%d otzone=%d match=%d  %s"
                    % (proto, t, o, m, fmt_pct(m, t, o)))
        for k in keys:
            if tc[k] == oc[k]:
                continue
            d = "      %s -> %s  code %s  tshark=%d otzone=%d" % (
                k[1], k[2], fmt_code(proto, k[3]), tc[k], oc[k])
            if where.get(k):
                d += "  tshark frames %s" % fmt_frames(where[k])
            if k in ofirst and oc[k]:
                d += "  otzone first_frame %s" % ofirst[k]
            body.append(d)
    if body or lines:
        lines = ["%s%s" % (name, "" if extra == [] else
                           "  (tshark %s)" % " ".join(extra))] + lines + body
    return lines, per


def main(argv):
    ap = argparse.ArgumentParser(
        description="tshark as an oracle for otzone's operation counts")
    ap.add_argument("otzone")
    ap.add_argument("--min", type=float, default=None,
                    help="fail when an enforced protocol's agreement over "
                    "all captures is below PCT (default: only report)")
    ap.add_argument("--enforce", default=None,
                    help="comma-separated protocols --min applies to "
                    "(default: all when --min is given)")
    ap.add_argument("--pcaps", default=None, help="capture folder")
    args = ap.parse_args(argv[1:])

    otzone = os.path.abspath(args.otzone)
    folder, shown = find_pcaps_dir(args.pcaps)
    why = skip_reason(folder, shown, "oracle_ops")
    if why:
        print(why)
        return 0
    if args.enforce is not None:
        enforced = {p.strip() for p in args.enforce.split(",") if p.strip()}
        unknown = enforced - set(PROTOS)
        if unknown:
            print("oracle_ops: unknown protocol(s) to enforce: %s"
                  % ", ".join(sorted(unknown)))
            return 2
    else:
        enforced = set(PROTOS) if args.min is not None else set()
    minimum = args.min if args.min is not None else 0.0

    opc_req = opcua_request_ids()
    if opc_req is None:
        print("oracle_ops: note: tshark -G values gave no OPC UA request "
              "ids; OPC UA requests decided by direction")
    mopts = manifest_options(folder)
    caps = list_captures(folder)
    totals = {p: [0, 0, 0] for p in PROTOS}
    jobs = max(1, min(4, os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        results = ex.map(lambda p: check_capture(
            otzone, p, mopts.get(os.path.basename(p), []), opc_req), caps)
        for lines, per in results:
            for l in lines:
                print(l)
            for p, v in per.items():
                for i in range(3):
                    totals[p][i] += v[i]
    failed = 0
    for p in PROTOS:
        t, o, m = totals[p]
        a = pct(m, t, o)
        if p in enforced:
            status = "ok" if a >= minimum else "FAIL"
            if status == "FAIL":
                failed += 1
        else:
            status = "report"
        print("oracle-total %-7s tshark=%d otzone=%d match=%d %s %s"
              % (p, t, o, m, fmt_pct(m, t, o), status))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

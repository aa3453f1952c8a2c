#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""check_tshark: compare otgen's truth files with what tshark decodes.

For every <name>.pcap that has a <name>.truth.json beside it:
  - tshark (checksums verified, out-of-order reassembly on) must report no
    malformed packet and no expert error;
  - the frame count must match;
  - per flow, the request codes tshark decodes (Modbus function, DNP3
    application function, S7comm job function / userdata 0x10000+group*0x100
    +subfunction, EtherNet/IP command or CIP service, OPC UA service NodeId)
    must equal the truth's counts, and so must the error responses;
  - IT flows must be recognised as their protocol by tshark;
  - notable frames (first RDP, first download, retransmission...) must be
    what the truth says;
  - identity strings in the truth (product, model, name, serial, URIs)
    must be among the strings tshark decodes from that asset.
Prints per-protocol agreement; exits 1 on any disagreement, 0 otherwise
(and 0 with a SKIP line when tshark is not installed).

    check_tshark.py [PCAP_OR_DIR ...]      default: pcaps/ of the repository
"""

import glob
import json
import os
import shutil
import subprocess
import sys

PREFS = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
         "-o", "udp.check_checksum:TRUE",
         "-o", "tcp.reassemble_out_of_order:TRUE"]

FIELDS = ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "tcp.analysis.retransmission", "tcp.analysis.out_of_order",
          "frame.protocols",
          "modbus.func_code", "modbus.exception_code",
          "dnp3.al.func", "dnp3.al.iin",
          "s7comm.header.rosctr", "s7comm.param.func",
          "s7comm.param.userdata.type", "s7comm.param.userdata.funcgroup",
          "s7comm.param.userdata.subfunc", "s7comm.header.errcls",
          "enip.command", "cip.sc", "cip.genstat",
          "opcua.transport.type", "opcua.servicenodeid.numeric"]

# truth protocol -> a tshark protocol name that must appear in its flow
IT_PROTO = {"dns": "dns", "http": "http", "tls": "tls", "rdp": "rdp",
            "smbv23": "smb2", "ssh": "ssh", "ntp": "ntp"}
# protocols whose requests tshark 4.0 cannot decode
NOT_DECODED = {"s7comm-plus": "no s7comm-plus dissector in tshark"}


def num(v):
    v = v.strip()
    if not v:
        return None
    try:
        return int(v, 0)
    except ValueError:
        return None


def nums(v):
    return [n for n in (num(x) for x in v.split(",")) if n is not None]


def tshark(args):
    p = subprocess.run(["tshark"] + PREFS + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    return p.stdout


def decode(pcap):
    """Per-flow request and error counts as tshark sees them."""
    out = tshark(["-r", pcap, "-T", "fields", "-E", "separator=\t",
                  "-E", "occurrence=a", "-E", "aggregator=,"] +
                 sum((["-e", f] for f in FIELDS), []))
    ops = {}      # (client, server, port, proto) -> {(p, code): n}
    errs = {}     # same key -> n
    frames = {}   # frame number -> row
    seen = {}     # (a, b) sorted -> set of protocols

    def add(key, p, code, n=1):
        d = ops.setdefault(key, {})
        d[(p, code)] = d.get((p, code), 0) + n

    for line in out.splitlines():
        f = dict(zip(FIELDS, line.split("\t")))
        fn = num(f["frame.number"])
        frames[fn] = f
        src = f["ip.src"] or f["ipv6.src"]
        dst = f["ip.dst"] or f["ipv6.dst"]
        sp = num(f["tcp.srcport"]) or num(f["udp.srcport"])
        dp = num(f["tcp.dstport"]) or num(f["udp.dstport"])
        if src and dst:
            seen.setdefault(tuple(sorted((src, dst))), set()).update(
                f["frame.protocols"].split(":"))
        if f["tcp.analysis.retransmission"]:
            continue
        fcs = nums(f["modbus.func_code"])
        if fcs:
            if dp == 502:
                for fc in fcs:
                    add((src, dst, 502, "modbus"), "modbus", fc)
            elif sp == 502 and f["modbus.exception_code"]:
                k = (dst, src, 502, "modbus")
                errs[k] = errs.get(k, 0) + len(nums(
                    f["modbus.exception_code"]))
        funcs = nums(f["dnp3.al.func"])
        if funcs:
            port = 20000 if 20000 in (sp, dp) else dp
            iins = nums(f["dnp3.al.iin"])
            for i, fc in enumerate(funcs):
                if fc < 0x81:
                    add((src, dst, port, "dnp3"), "dnp3", fc)
                elif fc == 0x81 and i < len(iins) and iins[i] & 0x0007:
                    k = (dst, src, port, "dnp3")
                    errs[k] = errs.get(k, 0) + 1
        ros = nums(f["s7comm.header.rosctr"])
        if ros:
            fn_ = nums(f["s7comm.param.func"])
            if ros[0] == 1 and fn_:
                if dp == 102:
                    add((src, dst, 102, "s7comm"), "s7comm", fn_[0])
                else:
                    add((dst, src, 102, "s7comm"), "s7comm",
                        ("server", fn_[0]))
            elif ros[0] == 7 and nums(f["s7comm.param.userdata.type"]) == [4]:
                g = nums(f["s7comm.param.userdata.funcgroup"])[0]
                s = nums(f["s7comm.param.userdata.subfunc"])[0]
                add((src, dst, 102, "s7comm"), "s7comm",
                    0x10000 + g * 0x100 + s)
            elif ros[0] == 3 and any(nums(f["s7comm.header.errcls"])):
                k = (dst, src, 102, "s7comm")
                errs[k] = errs.get(k, 0) + 1
        cmds = nums(f["enip.command"])
        if cmds and 2222 not in (sp, dp):
            if dp == 44818:
                bcast = dst == "255.255.255.255"
                key = (src, dst, 44818, "enip")
                for c in cmds:
                    if c in (0x6F, 0x70):
                        scs = nums(f["cip.sc"])
                        if scs:
                            code = scs[-1] if scs[0] == 0x52 else scs[0]
                            add(key, "cip", code)
                    else:
                        add(key, "enip", c)
                del bcast
            elif sp == 44818:
                if any(nums(f["cip.genstat"])):
                    k = (dst, src, 44818, "enip")
                    errs[k] = errs.get(k, 0) + 1
        types = [t for t in f["opcua.transport.type"].split(",") if t]
        if types:
            ids = nums(f["opcua.servicenodeid.numeric"])
            if dp == 4840:
                for i, t in enumerate(types):
                    code = ids[i] if i < len(ids) else 0
                    if t == "OPN":
                        code = code or 446
                    elif t == "CLO":
                        code = code or 452
                    elif t != "MSG" or not code:
                        continue
                    add((src, dst, 4840, "opcua"), "opcua", code)
            elif sp == 4840 and 397 in ids:
                k = (dst, src, 4840, "opcua")
                errs[k] = errs.get(k, 0) + ids.count(397)
    return ops, errs, frames, seen


ID_FIELDS = ["modbus.object_str_value", "dnp3.al.da.value",
             "s7comm.szl.xy11.0001.anz", "s7comm.szl.001c.0001.name",
             "s7comm.szl.001c.0002.name", "s7comm.szl.001c.0005.serialn",
             "s7comm.szl.001c.0007.cputypname", "enip.lir.name",
             "cip.id.product_name", "enip.lir.serial",
             "cip.id.serial_number", "opcua.ApplicationUri",
             "opcua.ProductUri", "opcua.loctext.Text"]
ID_KEYS = ["product", "model", "name", "serial", "plant",
           "application_uri", "product_uri"]


def identity_strings(pcap):
    """Every identity string tshark decodes, per sending address."""
    out = tshark(["-r", pcap, "-T", "fields", "-E", "separator=\t",
                  "-E", "occurrence=a", "-E", "aggregator=\x1f",
                  "-e", "ip.src", "-e", "ipv6.src"] +
                 sum((["-e", f] for f in ID_FIELDS), []))
    per = {}
    for line in out.splitlines():
        cols = line.split("\t")
        src = cols[0] or cols[1]
        vals = per.setdefault(src, set())
        for c in cols[2:]:
            for v in c.split("\x1f"):
                v = v.strip()
                if v:
                    vals.add(v)
                if v.startswith("0x"):  # CIP serial numbers
                    vals.add(v[2:].lower().rjust(8, "0"))
    return per


def check_identity(pcap, truth, stats, bad):
    per = identity_strings(pcap)
    st = stats.setdefault("(identity fields)", {
        "flows": 0, "ok": 0, "requests": 0, "errors": 0, "note": ""})
    for a in truth["assets"]:
        idn = a.get("identity") or {}
        srcs = idn.get("sources", [])
        keys = list(ID_KEYS)
        if any(x.startswith(("modbus", "dnp3")) for x in srcs):
            keys.append("vendor")
        for k in keys:
            v = idn.get(k)
            if not isinstance(v, str):
                continue
            if k == "product" and srcs == ["s7comm-plus CreateObject"]:
                continue
            if k == "product" and "s7comm-plus CreateObject" in srcs and \
                    not any(x.startswith("s7comm SZL") for x in srcs):
                continue
            st["flows"] += 1
            got = per.get(a["ip"], set()) | per.get(a.get("ip6") or "",
                                                    set())
            if v in got:
                st["ok"] += 1
            else:
                bad.append("identity %s %s=%r not decoded by tshark" % (
                    a["ip"], k, v))


# Operations otzone counts that tshark shows as no request code: the
# OPC UA Hello (HEL has no service NodeId; code 0 by convention) and DNP3
# unsolicited responses (function 130, sent by the outstation unasked).
NOT_TSHARK_REQUESTS = {("opcua", 0), ("dnp3", 130)}


def truth_ops(flow):
    d = {}
    for o in flow["requests"]:
        code = o["code"]
        if (o["protocol"], code) in NOT_TSHARK_REQUESTS:
            continue
        if o.get("requester") == "server":
            code = ("server", code)
        d[(o["protocol"], code)] = d.get((o["protocol"], code), 0) + \
            o["count"]
    return d


NOTABLE = {  # notable frame key -> (what to check, label)
    "first_rdp": ("proto", "rdp"),
    "first_lldp": ("proto", "lldp"),
    "first_arp": ("proto", "arp"),
    "first_http": ("proto", "http"),
    "first_smb": ("proto", "smb2"),
    "first_ssh": ("proto", "ssh"),
    "first_tls_client_hello": ("proto", "tls"),
    "first_program_download": ("field", ("s7comm.param.func", 0x1A)),
    "first_plc_stop": ("field", ("s7comm.param.func", 0x29)),
    "first_modbus_exception": ("field_present", "modbus.exception_code"),
    "first_modbus_program": ("field", ("modbus.func_code", 90)),
    "first_enip_list_identity": ("field", ("enip.command", 0x63)),
    "first_cip_forward_open": ("field", ("cip.sc", 0x54)),
    "first_cip_io": ("proto", "cipio"),
    "first_opcua_service_fault": ("field", (
        "opcua.servicenodeid.numeric", 397)),
    "tcp_retransmission": ("field_present", "tcp.analysis.retransmission"),
    "tcp_out_of_order": ("field_present", "tcp.analysis.out_of_order"),
    "first_dnp3_unsolicited": ("field", ("dnp3.al.func", 0x82)),
}


def check_file(pcap, stats):
    tp = pcap[:-5] + ".truth.json"
    truth = json.load(open(tp))
    bad = []
    errs_out = tshark(["-r", pcap, "-Y",
                       "_ws.malformed || _ws.expert.severity >= 8388608"])
    n_err = len([x for x in errs_out.splitlines() if x.strip()])
    if n_err:
        bad.append("%d malformed/expert-error frames:\n%s" % (n_err, errs_out))
    warn = tshark(["-r", pcap, "-Y", "_ws.expert.severity == 6291456",
                   "-T", "fields", "-e", "_ws.expert.message"])
    ops, errs, frames, seen = decode(pcap)
    if len(frames) != truth["frames"]:
        bad.append("frames: tshark %d, truth %d" % (len(frames),
                                                   truth["frames"]))
    for flow in truth["flows"]:
        p = flow["protocol"]
        st = stats.setdefault(p, {"flows": 0, "ok": 0, "requests": 0,
                                  "errors": 0, "note": ""})
        st["flows"] += 1
        key = (flow["client"], flow["server"], flow["server_port"],
               "enip" if p == "enip" else p)
        if p in NOT_DECODED:
            st["note"] = NOT_DECODED[p]
            continue
        if p in IT_PROTO:
            pair = tuple(sorted((flow["client"], flow["server"])))
            if IT_PROTO[p] in seen.get(pair, ()):
                st["ok"] += 1
            else:
                bad.append("%s flow %s -> %s: tshark saw %s" % (
                    p, flow["client"], flow["server"],
                    sorted(seen.get(pair, ()))))
            continue
        want = truth_ops(flow)
        got = ops.get(key, {})
        if flow.get("implicit_io"):
            got = {}
        want_err = flow["errors"]
        got_err = errs.get(key, 0)
        if want == got and want_err == got_err:
            st["ok"] += 1
            st["requests"] += sum(want.values())
            st["errors"] += want_err
        else:
            def fmt(d):
                return ", ".join("%s:%s=%d" % (k[0], k[1], v)
                                 for k, v in sorted(d.items(), key=str))
            bad.append("%s flow %s -> %s:%d\n    truth:  %s (errors %d)\n"
                       "    tshark: %s (errors %d)" % (
                           p, flow["client"], flow["server"],
                           flow["server_port"], fmt(want), want_err,
                           fmt(got), got_err))
    for k, fnum in truth.get("notable_frames", {}).items():
        chk = NOTABLE.get(k)
        if not chk:
            continue
        f = frames.get(fnum)
        ok = False
        if f:
            kind, arg = chk
            if kind == "proto":
                ok = arg in f["frame.protocols"].split(":")
            elif kind == "field":
                ok = arg[1] in nums(f[arg[0]])
            else:
                ok = bool(f[arg])
        st = stats.setdefault("(notable frames)", {
            "flows": 0, "ok": 0, "requests": 0, "errors": 0, "note": ""})
        st["flows"] += 1
        if ok:
            st["ok"] += 1
        else:
            bad.append("notable %s: frame %s is not %s" % (k, fnum, chk[1]))
    check_identity(pcap, truth, stats, bad)
    msgs = {}
    for x in warn.splitlines():
        for m in x.split(","):
            if m.strip():
                msgs[m.strip()] = msgs.get(m.strip(), 0) + 1
    return bad, msgs


def main(argv):
    if not shutil.which("tshark"):
        print("check_tshark: SKIP: tshark not installed")
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    args = argv or [os.path.join(here, "..", "..", "pcaps")]
    pcaps = []
    for a in args:
        if os.path.isdir(a):
            pcaps += sorted(glob.glob(os.path.join(a, "*.pcap")))
        else:
            pcaps.append(a)
    pcaps = [p for p in pcaps if os.path.exists(p[:-5] + ".truth.json")]
    if not pcaps:
        print("check_tshark: SKIP: no generated captures with truth files")
        return 0
    stats = {}
    failed = 0
    for p in pcaps:
        bad, nwarn = check_file(p, stats)
        name = os.path.basename(p)
        if bad:
            failed += 1
            print("check_tshark: %s: FAIL" % name)
            for b in bad:
                print("  " + b)
        else:
            w = "; ".join("%s x%d" % kv for kv in sorted(nwarn.items()))
            print("check_tshark: %s: ok%s" % (
                name, " (expert warnings: %s)" % w if w else ""))
    print("check_tshark: per-protocol agreement over %d captures:" %
          len(pcaps))
    for proto in sorted(stats):
        s = stats[proto]
        extra = " (%s)" % s["note"] if s["note"] else ""
        if proto.startswith("("):
            print("  %-18s %3d/%-3d checks agree" % (proto, s["ok"],
                                                   s["flows"]))
            continue
        print("  %-18s %3d/%-3d flows agree, %5d requests, %3d errors%s" % (
            proto, s["ok"], s["flows"], s["requests"], s["errors"], extra))
    if failed:
        print("check_tshark: FAIL (%d of %d captures)" % (failed, len(pcaps)))
        return 1
    print("check_tshark: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

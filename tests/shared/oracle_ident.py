#!/usr/bin/env python3
"""oracle_ident.py OTZONE [--pcaps DIR] [--generated DIR] [--enforce FILE]
                [--selftest]

tshark as an independent oracle for the device identities otzone reads
from the protocols (`assets --format json`, field `identity`, plus the
vendor_id / device_type / product_code columns of the assets table, which
the JSON does not show).

Every capture of the shared folder (../shared/pcaps next to the repository,
$OTZONE_SHARED_PCAPS or --pcaps DIR) is read by otzone into a fresh
database and decoded once by tshark.  The identity fields each protocol
carries are taken from tshark's own field names, attributed to the device
that sent them (the source IP of the reply), merged per device in frame
order (a later non-empty value replaces an earlier one, as otzone merges
them) and compared with otzone's identity of that IP:

  enip    ListIdentity reply items: enip.lir.vendor (id; name through
          Wireshark's CIP vendor table), devtype, prodcode, revision,
          serial, name.
  cip     Identity object (class 1) replies as Wireshark decodes them
          (cip.id.vendor_id, device_type, product_code, major_rev,
          minor_rev, serial_number, product_name), except replies that
          came through a route: a request inside an Unconnected Send with
          a route path, or a connected request on a connection whose
          Forward Open path holds a port segment.  Those describe a module
          behind the device (another slot of the chassis), not the IP.
  s7comm  SZL W#16#xy11 (s7comm.szl.xy11.0001.*: index 1 order number ->
          product, 6 hardware and 7 firmware versions) and W#16#xy1C
          (s7comm.szl.001c.*: 1 PLC name -> name, 2 module name -> model
          unless 7 module type name gives it, 3 plant tag -> url, 5 serial,
          9 manufacturer id 0x002a -> vendor Siemens).
  modbus  43/14 Read Device Identification responses (modbus.object_id /
          modbus.object_str_value: 0 vendor, 1 product code -> product,
          2 revision -> firmware, 3 vendor URL -> url, 4 product name ->
          product when the flow gave no product code, else model when no
          model name, 5 model name -> model, 6 user application name ->
          name); 17 Report Server ID (modbus.data: the printable text after
          the run indicator -> product, only when no 43/14 product).
  dnp3    group 0 device attributes in responses (dnp3.al.obj 0x00NN with
          dnp3.al.datatype 1 = VSTR, dnp3.al.da.value): 252 vendor, 250
          product, 248 serial, 247 name (else 246), 245 url (location),
          243 hardware, 242 firmware.
  opcua   ApplicationDescription of CreateSessionRequest (461: the
          client), and of the first endpoint of GetEndpointsResponse (431)
          and CreateSessionResponse (464: the server): opcua.ProductUri ->
          product, opcua.ApplicationUri -> url, ApplicationName
          (opcua.loctext.Text) -> name.

Normalisations (KNOWN.md): strings compared after trimming spaces at the
ends; revisions as (major, minor) numbers ("4.07" = 4.7); serials as
numbers; vendor names by vendor id (otzone's short names against
Wireshark's registry names, equal when one is the other without corporate
suffixes and punctuation); S7 versions "V" major.minor.patch from Ausbg /
Ausbe.

Per capture and protocol it prints each device: `equal`, `different`
(each field with both values), `missing` (tshark shows an identity,
otzone none) or `extra` (otzone's identity comes from the protocol, tshark
shows none for that IP).  Then one line per protocol and capture set:

  ident-total SET PROTO devices=D equal=E different=F missing=M extra=X PCT% STATUS

PCT = equal / devices (n/a when there are none).  STATUS is `ok` / `FAIL`
for protocols given a minimum in the enforce file (lines "PROTO PCT"),
else `report`.  --generated DIR adds the project's own captures (pcaps/
of the repository by default) as a second set: the shared folder has no
Modbus 43/14 or DNP3 group 0 reply; a third set, "crafted", is
tests/shared/ident-pcaps/ (mk_ident_pcaps.py: encodings no other capture
has, such as an SZL answer in two parts).  --generated none leaves both
out.  Exits 1 when an enforced protocol is
below its minimum, 0 otherwise (also when tshark or the folders are
missing: one skip line each).
"""

import argparse
import collections
import concurrent.futures
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unicast_ips import (TOP, canon, find_pcaps_dir,  # noqa: E402
                         list_captures, skip_reason)
from oracle_ops import manifest_options  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = ("enip", "cip", "s7comm", "modbus", "dnp3", "opcua")
OTZONE_TIMEOUT = 120
TSHARK_TIMEOUT = 180
AGG = "\x1f"  # aggregator: product names hold commas

FIELDS = [
    "frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src",
    "ipv6.dst", "tcp.stream",
    # EtherNet/IP ListIdentity
    "enip.command", "enip.response_to", "enip.cpf.cai.connid",
    "enip.lir.vendor", "enip.lir.devtype", "enip.lir.prodcode",
    "enip.lir.revision", "enip.lir.serial", "enip.lir.name",
    # CIP Identity object, routes and connections
    "cip.service", "cip.cm.route_path_size", "cip.cm.connpath_size",
    "cip.port", "cip.cm.ot_connid", "cip.cm.to_connid",
    "cip.id.vendor_id", "cip.id.device_type", "cip.id.product_code",
    "cip.id.major_rev", "cip.id.minor_rev", "cip.id.serial_number",
    "cip.id.product_name",
    # S7comm SZL
    "s7comm.param.userdata.type", "s7comm.data.userdata.szl_id",
    "s7comm.szl.xy11.0001.index", "s7comm.szl.xy11.0001.anz",
    "s7comm.szl.xy11.0001.ausbg", "s7comm.szl.xy11.0001.ausbe",
    "s7comm.szl.001c.000x.index", "s7comm.szl.001c.0001.name",
    "s7comm.szl.001c.0002.name", "s7comm.szl.001c.0003.tag",
    "s7comm.szl.001c.0005.serialn", "s7comm.szl.001c.0007.cputypname",
    "s7comm.szl.001c.0009.manufacturer_id",
    # Modbus
    "modbus.func_code", "modbus.num_objects", "modbus.object_id",
    "modbus.object_str_value", "modbus.data", "modbus.exception_code",
    # DNP3
    "dnp3.al.func", "dnp3.al.obj", "dnp3.al.datatype", "dnp3.al.da.value",
    # OPC UA
    "opcua.servicenodeid.numeric", "opcua.ApplicationUri",
    "opcua.ProductUri", "opcua.loctext.mask", "opcua.loctext.Text",
    "tcp.analysis.lost_segment", "tcp.analysis.retransmission",
]
F = {name: i for i, name in enumerate(FIELDS)}
DISPLAY_FILTER = " || ".join([
    "enip.lir.vendor", "cip.id.vendor_id", "cip.id.device_type",
    "cip.id.product_code", "cip.id.major_rev", "cip.id.serial_number",
    "cip.id.product_name", "cip.cm.route_path_size",
    "cip.cm.connpath_size", "cip.cm.ot_connid",
    "s7comm.szl.xy11.0001.index", "s7comm.szl.001c.000x.index",
    "modbus.func_code == 17", "modbus.num_objects",
    "dnp3.al.datatype", "opcua.ApplicationUri", "opcua.ProductUri",
    "tcp.analysis.lost_segment", "tcp.analysis.retransmission",
])
# A capture with lost or retransmitted segments is decoded a second time
# without TCP reassembly: a reply whose tail was never captured (or that
# tshark's reassembly never completes) still shows the fields of its
# first segment (KNOWN.md).  Only (protocol, device) pairs that the first
# run has no identity for are taken from the second.
NO_REASSEMBLY = ["-o", "tcp.desegment_tcp_streams:FALSE"]

# Fields each protocol's identity is compared on.
COMPARED = {
    "enip": ("vendor", "vendor_id", "device_type", "product_code",
             "product", "firmware", "serial"),
    "cip": ("vendor", "vendor_id", "device_type", "product_code",
            "product", "firmware", "serial"),
    "s7comm": ("vendor", "product", "model", "firmware", "hardware",
               "serial", "name", "url"),
    "modbus": ("vendor", "product", "model", "firmware", "name", "url"),
    "dnp3": ("vendor", "product", "firmware", "hardware", "serial",
             "name", "url"),
    "opcua": ("product", "name", "url"),
}
# otzone's identity.source -> the protocols it may stand for.
SOURCE = {"enip": ("enip", "cip"), "cip": ("cip", "enip"),
          "s7comm": ("s7comm",), "modbus": ("modbus",), "dnp3": ("dnp3",),
          "opcua": ("opcua",)}
STR_FIELDS = ("vendor", "product", "model", "firmware", "hardware",
              "serial", "name", "url")

OPCUA_GET_ENDPOINTS_RESP = 431
OPCUA_CREATE_SESSION_REQ = 461
OPCUA_CREATE_SESSION_RESP = 464
S7_SIEMENS_MANUFACTURER = 0x002A   # PROFIBUS & PROFINET International id
ENIP_SEND_RR, ENIP_SEND_UNIT = 0x6F, 0x70
MODBUS_DEVID_TEXT_MIN = 4


# --- helpers ----------------------------------------------------------------

def cells(cell):
    return cell.split(AGG) if cell else []


def ints(cell):
    out = []
    for v in cells(cell):
        v = v.strip()
        try:
            out.append(int(v, 0))
        except ValueError:
            out.append(None)
    return out


def first_int(cell):
    v = [x for x in ints(cell) if x is not None]
    return v[0] if v else None


def text(v):
    """A tshark string value as otzone would keep it (None when empty)."""
    if v is None:
        return None
    if v.startswith("[OpcUa Null String]") or v.startswith("[OpcUa Empty"):
        return None
    v = v.strip()
    return v or None


def cip_vendor_names():
    """{id: name} from Wireshark's CIP vendor table (tshark -G values)."""
    try:
        r = subprocess.run(["tshark", "-G", "values"], capture_output=True,
                           text=True, timeout=60, errors="replace")
    except (OSError, subprocess.SubprocessError):
        return {}
    out = {}
    for line in r.stdout.splitlines():
        c = line.split("\t")
        if len(c) >= 4 and c[0] == "V" and c[1] == "cip.id.vendor_id":
            try:
                out[int(c[2], 0)] = c[3]
            except ValueError:
                pass
    return out


SUFFIXES = {"inc", "corp", "corporation", "co", "ltd", "limited", "gmbh",
            "ag", "ab", "llc", "sa", "spa", "bv", "kg", "plc", "company"}


def vendor_words(name, drop_parens=False):
    """[(word, abbreviated)]: lower case, "ue" as "u", no corporate
    suffixes; abbreviated when a "." follows the word."""
    if drop_parens:
        name = re.sub(r"\([^)]*\)", " ", name)
    out = []
    for m in re.finditer(r"([A-Za-z0-9]+)(\.?)", name):
        w = m.group(1).lower().replace("ue", "u")
        if w not in SUFFIXES:
            out.append((w, m.group(2) == "."))
    return out


def same_word(a, b, b_abbrev):
    """Equal, a plural of the other, or b an abbreviation ("Elec.")."""
    if a == b:
        return True
    if a + "s" == b or b + "s" == a:
        return True
    return b_abbrev and len(b) >= 3 and a.startswith(b)


def same_vendor(a, b):
    """otzone's short vendor name (a) against Wireshark's registry name
    (b): every word of a, outside parentheses (a brand or parent company
    otzone adds), is a word of b, ignoring case, punctuation and
    corporate suffixes; b may abbreviate ("Reliance Elec.")."""
    if a is None or b is None:
        return a == b
    wa = [w for w, _ in vendor_words(a, drop_parens=True)]
    wb = vendor_words(b)
    if not wa or not wb:
        return not wa and not wb
    return all(any(same_word(x, y, ab) for y, ab in wb) for x in wa)


def revision(v):
    """"4.07", "4.7", (4, 7) -> (4, 7); else the trimmed string."""
    if isinstance(v, tuple):
        return v
    m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", v or "")
    if m:
        return (int(m.group(1)), int(m.group(2)))
    return (v or "").strip()


def number(v):
    try:
        return int(str(v).strip(), 0)
    except (TypeError, ValueError):
        return str(v).strip() if v is not None else None


def equal_field(proto, field, t, o):
    if field == "vendor" and proto in ("enip", "cip"):
        return same_vendor(o, t)
    if field == "firmware" and proto in ("enip", "cip"):
        return o is not None and revision(o) == revision(t)
    if field == "serial" and proto in ("enip", "cip"):
        return o is not None and number(o) == number(t)
    if field in ("vendor_id", "device_type", "product_code"):
        return o is not None and number(o) == number(t)
    return o is not None and o.strip() == str(t).strip()


def show(v):
    if isinstance(v, tuple):
        return "%d.%02d" % v
    return json.dumps(v)


# --- tshark -------------------------------------------------------------------

def run_tshark(pcap, extra):
    cmd = ["tshark", "-n", "-r", pcap] + list(extra) + [
        "-Y", DISPLAY_FILTER, "-T", "fields", "-E", "separator=\t",
        "-E", "occurrence=a", "-E", "aggregator=" + AGG]
    for f in FIELDS:
        cmd += ["-e", f]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=TSHARK_TIMEOUT, errors="replace")
    except subprocess.TimeoutExpired:
        return [], "tshark timed out after %ds" % TSHARK_TIMEOUT
    warn = None
    if r.returncode != 0:
        lines = [l for l in r.stderr.splitlines()
                 if l and not l.startswith("Running as user")]
        warn = "tshark exited %d: %s" % (r.returncode,
                                         lines[-1] if lines else "")
    rows = []
    for line in r.stdout.splitlines():
        c = line.split("\t")
        c += [""] * (len(FIELDS) - len(c))
        rows.append(c)
    return rows, warn


def sender(row):
    protos = row[F["frame.protocols"]].split(":")
    v4 = protos.index("ip") if "ip" in protos else len(protos)
    v6 = protos.index("ipv6") if "ipv6" in protos else len(protos)
    if v4 <= v6:
        src = cells(row[F["ip.src"]])
    else:
        src = cells(row[F["ipv6.src"]])
    return canon(src[0]) if src else None


class Records:
    """Identity records per (protocol, ip) in frame order."""

    def __init__(self):
        self.by = collections.defaultdict(list)   # key -> [(frame, dict)]
        self.notes = []

    def add(self, proto, ip, frame, rec):
        rec = {k: v for k, v in rec.items() if v is not None and v != ""}
        if ip and rec:
            self.by[(proto, ip)].append((frame, rec))

    def merged(self):
        out = {}
        for key, recs in self.by.items():
            m = {}
            for _, r in recs:
                m.update(r)
            out[key] = (m, [f for f, _ in recs])
        return out


def enip_records(rows, vendors, recs):
    by_frame = {int(r[F["frame.number"]]): r for r in rows}
    # Connections: T->O id of each Forward Open whose request routes
    # (a port segment in the connection path, or the Forward Open itself
    # sent through an Unconnected Send with a route path).
    routed_conn = {}
    for r in rows:
        svc = ints(r[F["cip.service"]])
        if 0x54 not in svc and 0x5B not in svc:
            continue
        if any(s is not None and s & 0x80 for s in svc):
            continue
        routed = bool(cells(r[F["cip.port"]]))
        for cid in ints(r[F["cip.cm.to_connid"]]):
            if cid is not None:
                routed_conn[(r[F["tcp.stream"]], cid)] = routed
        # the reply carries the final ids (the target may pick O->T)
    for r in rows:
        svc = ints(r[F["cip.service"]])
        if not any(s in (0xD4, 0xDB) for s in svc):
            continue
        req = first_int(r[F["enip.response_to"]])
        rq = by_frame.get(req)
        if rq is None:
            continue
        routed = bool(cells(rq[F["cip.port"]]))
        for cid in ints(r[F["cip.cm.to_connid"]]):
            if cid is not None:
                routed_conn[(r[F["tcp.stream"]], cid)] = routed

    unknown = 0
    for r in rows:
        frame = int(r[F["frame.number"]])
        ip = sender(r)
        # ListIdentity reply items
        if r[F["enip.lir.vendor"]]:
            vid = first_int(r[F["enip.lir.vendor"]])
            rev = first_int(r[F["enip.lir.revision"]])
            recs.add("enip", ip, frame, {
                "vendor_id": vid,
                "vendor": vendors.get(vid, "vendor %s" % vid)
                if vid is not None else None,
                "device_type": first_int(r[F["enip.lir.devtype"]]),
                "product_code": first_int(r[F["enip.lir.prodcode"]]),
                "firmware": (rev >> 8, rev & 0xFF) if rev is not None
                else None,
                "serial": first_int(r[F["enip.lir.serial"]]),
                "product": text(cells(r[F["enip.lir.name"]])[0])
                if cells(r[F["enip.lir.name"]]) else None,
            })
        # Identity object replies
        idf = ("cip.id.vendor_id", "cip.id.device_type",
               "cip.id.product_code", "cip.id.major_rev",
               "cip.id.serial_number", "cip.id.product_name")
        if not any(r[F[f]] for f in idf):
            continue
        svc = ints(r[F["cip.service"]])
        if not any(s is not None and s & 0x80 for s in svc):
            continue    # a request (Set_Attribute...): not an identity
        cmd = first_int(r[F["enip.command"]])
        if cmd == ENIP_SEND_RR:
            req = first_int(r[F["enip.response_to"]])
            if req is None:
                unknown += 1
                continue
            # Every frame with a route path passes the display filter: a
            # request not among the rows had none.
            rq = by_frame.get(req)
            if rq is not None and cells(rq[F["cip.cm.route_path_size"]]):
                continue        # routed through an Unconnected Send
        elif cmd == ENIP_SEND_UNIT:
            cid = first_int(r[F["enip.cpf.cai.connid"]])
            routed = routed_conn.get((r[F["tcp.stream"]], cid))
            if routed is None:
                unknown += 1
                continue
            if routed:
                continue        # connection routed to another module
        else:
            continue
        vid = first_int(r[F["cip.id.vendor_id"]])
        maj = first_int(r[F["cip.id.major_rev"]])
        mnr = first_int(r[F["cip.id.minor_rev"]])
        name = cells(r[F["cip.id.product_name"]])
        recs.add("cip", ip, frame, {
            "vendor_id": vid,
            "vendor": vendors.get(vid, "vendor %s" % vid)
            if vid is not None else None,
            "device_type": first_int(r[F["cip.id.device_type"]]),
            "product_code": first_int(r[F["cip.id.product_code"]]),
            "firmware": (maj, mnr) if maj is not None and mnr is not None
            else None,
            "serial": first_int(r[F["cip.id.serial_number"]]),
            "product": text(name[0]) if name else None,
        })
    if unknown:
        recs.notes.append("%d CIP Identity repl%s whose request or "
                          "connection is not in the capture: not "
                          "attributed" % (unknown,
                                          "y" if unknown == 1 else "ies"))


def s7_version(ausbg, ausbe):
    if ausbg is None:
        return None
    if (ausbg >> 8) == ord("V") and ausbe is not None:
        return "V%d.%d.%d" % (ausbg & 0xFF, ausbe >> 8, ausbe & 0xFF)
    return "%d" % ausbg


def s7_records(rows, recs):
    for r in rows:
        if 8 not in ints(r[F["s7comm.param.userdata.type"]]):
            continue
        frame = int(r[F["frame.number"]])
        ip = sender(r)
        rec = {}
        idx = ints(r[F["s7comm.szl.xy11.0001.index"]])
        anz = cells(r[F["s7comm.szl.xy11.0001.anz"]])
        bg = ints(r[F["s7comm.szl.xy11.0001.ausbg"]])
        be = ints(r[F["s7comm.szl.xy11.0001.ausbe"]])
        for i, x in enumerate(idx):
            if x == 1 and i < len(anz):
                rec["product"] = text(anz[i])
            elif x in (6, 7) and i < len(bg):
                v = s7_version(bg[i], be[i] if i < len(be) else None)
                rec["hardware" if x == 6 else "firmware"] = v
        if cells(r[F["s7comm.szl.001c.000x.index"]]):
            def one(f):
                c = cells(r[F[f]])
                return text(c[0]) if c else None
            rec["name"] = one("s7comm.szl.001c.0001.name")
            rec["model"] = (one("s7comm.szl.001c.0007.cputypname") or
                            one("s7comm.szl.001c.0002.name"))
            rec["url"] = one("s7comm.szl.001c.0003.tag")
            rec["serial"] = one("s7comm.szl.001c.0005.serialn")
            if first_int(r[F["s7comm.szl.001c.0009.manufacturer_id"]]) == \
                    S7_SIEMENS_MANUFACTURER:
                rec["vendor"] = "Siemens"
        recs.add("s7comm", ip, frame, rec)


def modbus_server_id_text(hexdata):
    """Report Server ID: modbus.data holds the byte count, the server id,
    the run indicator and additional data.  The text is the first
    printable run of >= 4 characters after a run indicator (0x00/0xFF)
    that follows at least one server id byte."""
    try:
        b = bytes.fromhex(hexdata.replace(":", ""))
    except ValueError:
        return None
    data = b[1:]
    for k in range(1, len(data) - 1):
        if data[k] not in (0x00, 0xFF):
            continue
        n = 0
        while k + 1 + n < len(data) and 0x20 <= data[k + 1 + n] < 0x7F:
            n += 1
        if n >= MODBUS_DEVID_TEXT_MIN:
            return data[k + 1:k + 1 + n].decode("ascii").rstrip(" ") or None
    return None


def modbus_records(rows, recs):
    prodcode = set()          # TCP streams that gave a ProductCode
    sid = {}                  # ip -> (frame, Report Server ID text)
    have_product = set()      # ips with a 43/14 product
    for r in rows:
        funcs = ints(r[F["modbus.func_code"]])
        if r[F["modbus.exception_code"]]:
            continue
        frame = int(r[F["frame.number"]])
        ip = sender(r)
        stream = r[F["tcp.stream"]]
        if 43 in funcs and r[F["modbus.num_objects"]]:
            ids = ints(r[F["modbus.object_id"]])
            strs = cells(r[F["modbus.object_str_value"]])
            obj = {}
            si = 0
            # standard objects 0..6 are strings (object_str_value), in
            # the order of their ids; others are bytes (object_value)
            for oid in ids:
                if oid is not None and oid <= 6:
                    if si < len(strs):
                        obj[oid] = text(strs[si])
                    si += 1
            rec = {"vendor": obj.get(0), "firmware": obj.get(2),
                   "url": obj.get(3), "model": obj.get(5),
                   "name": obj.get(6)}
            if obj.get(1):
                rec["product"] = obj[1]
                prodcode.add(stream)
            if obj.get(4):
                if stream not in prodcode:
                    rec["product"] = obj[4]
                elif not rec.get("model"):
                    rec["model"] = obj[4]
            if rec.get("product"):
                have_product.add(ip)
            recs.add("modbus", ip, frame, rec)
        elif 17 in funcs and r[F["modbus.data"]]:
            t = modbus_server_id_text(r[F["modbus.data"]])
            if t and ip not in sid:
                sid[ip] = (frame, t)
    for ip, (frame, t) in sid.items():
        if ip not in have_product:
            recs.add("modbus", ip, frame, {"product": t})


DNP3_ATTR = {252: "vendor", 250: "product", 248: "serial", 247: "name",
             246: "name246", 245: "url", 243: "hardware", 242: "firmware"}


def dnp3_records(rows, recs):
    for r in rows:
        funcs = ints(r[F["dnp3.al.func"]])
        if not any(f in (129, 130) for f in funcs):
            continue
        frame = int(r[F["frame.number"]])
        ip = sender(r)
        objs = [o for o in ints(r[F["dnp3.al.obj"]])
                if o is not None and (o >> 8) == 0]
        types = ints(r[F["dnp3.al.datatype"]])
        vals = cells(r[F["dnp3.al.da.value"]])
        rec = {}
        vi = 0
        for i, o in enumerate(objs):
            if i >= len(types):
                break
            if types[i] != 1:
                continue
            v = text(vals[vi]) if vi < len(vals) else None
            vi += 1
            f = DNP3_ATTR.get(o & 0xFF)
            if f:
                rec[f] = v
        n246 = rec.pop("name246", None)
        if n246 and not rec.get("name"):
            rec["name"] = n246
        recs.add("dnp3", ip, frame, rec)


def opcua_records(rows, recs):
    for r in rows:
        ids = ints(r[F["opcua.servicenodeid.numeric"]])
        if not any(i in (OPCUA_GET_ENDPOINTS_RESP, OPCUA_CREATE_SESSION_REQ,
                         OPCUA_CREATE_SESSION_RESP) for i in ids):
            continue
        frame = int(r[F["frame.number"]])
        ip = sender(r)
        uris = cells(r[F["opcua.ApplicationUri"]])
        prods = cells(r[F["opcua.ProductUri"]])
        masks = ints(r[F["opcua.loctext.mask"]])
        names = cells(r[F["opcua.loctext.Text"]])
        name = None
        if masks and masks[0] is not None and masks[0] & 0x02 and names:
            name = text(names[0])
        recs.add("opcua", ip, frame, {
            "url": text(uris[0]) if uris else None,
            "product": text(prods[0]) if prods else None,
            "name": name,
        })


def records_of(rows, vendors):
    recs = Records()
    enip_records(rows, vendors, recs)
    s7_records(rows, recs)
    modbus_records(rows, recs)
    dnp3_records(rows, recs)
    opcua_records(rows, recs)
    return recs


def tshark_identities(pcap, extra, vendors):
    rows, warn = run_tshark(pcap, extra)
    recs = records_of(rows, vendors)
    notes = ([warn] if warn else []) + recs.notes
    merged = recs.merged()
    if any(r[F["tcp.analysis.lost_segment"]] or
           r[F["tcp.analysis.retransmission"]] for r in rows):
        rows2, warn2 = run_tshark(pcap, NO_REASSEMBLY + list(extra))
        if warn2:
            notes.append(warn2)
        added = []
        for key, v in records_of(rows2, vendors).merged().items():
            if key not in merged:
                merged[key] = v
                added.append("%s %s" % key)
        if added:
            notes.append("lost or retransmitted TCP segments: decoded "
                         "again with %s, adding %s"
                         % (" ".join(NO_REASSEMBLY), ", ".join(added)))
    return merged, notes


# --- otzone -------------------------------------------------------------------

def otzone_identities(otzone, pcap):
    """({ip: identity dict}, notes)."""
    notes = []
    with tempfile.TemporaryDirectory(prefix="otzone-ident-") as tmp:
        db = os.path.join(tmp, "t.db")
        try:
            r = subprocess.run([otzone, "--db", db, "--quiet", "read", pcap],
                               capture_output=True, text=True,
                               timeout=OTZONE_TIMEOUT)
            if r.returncode != 0:
                last = r.stderr.strip().splitlines()[-1:] or [""]
                notes.append("otzone read exited %d: %s"
                             % (r.returncode, last[0]))
            o = subprocess.run([otzone, "--db", db, "assets", "--format",
                                "json"], capture_output=True, text=True,
                               timeout=OTZONE_TIMEOUT)
            assets = json.loads(o.stdout) if o.returncode == 0 else None
        except (subprocess.SubprocessError, OSError, ValueError) as e:
            return None, notes + ["otzone failed: %s" % e]
        if assets is None:
            return None, notes + ["otzone assets --format json failed"]
        ids = {}
        for a in assets:
            ip = canon(str(a.get("ip", "")))
            if not ip:
                continue
            idn = dict(a.get("identity") or {})
            # several VLANs of one IP: the first with an identity
            if ip in ids and any(ids[ip].get(k) for k in STR_FIELDS):
                continue
            ids[ip] = idn
        try:
            con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
            try:
                for ip_text, vid, dt, pc in con.execute(
                        "SELECT ip_text, vendor_id, device_type, "
                        "product_code FROM assets"):
                    ip = canon(str(ip_text))
                    if ip in ids:
                        for k, v in (("vendor_id", vid),
                                     ("device_type", dt),
                                     ("product_code", pc)):
                            if v and not ids[ip].get(k):
                                ids[ip][k] = v
            finally:
                con.close()
        except sqlite3.Error as e:
            notes.append("assets table not readable (%s): CIP ids not "
                         "compared" % e)
        return ids, notes


def has_identity(idn):
    return any(idn.get(k) for k in STR_FIELDS)


# --- comparison ---------------------------------------------------------------

def compare_capture(otzone, pcap, extra, vendors):
    """(lines, {proto: Counter(equal, different, missing, extra)})."""
    name = os.path.basename(pcap)
    oz, onotes = otzone_identities(otzone, pcap)
    ts, tnotes = tshark_identities(pcap, extra, vendors)
    lines = ["  note: " + n for n in onotes + tnotes]
    body, per = compare(ts, oz)
    if body or lines:
        return ([name + ("  (tshark %s)" % " ".join(extra) if extra else "")]
                + lines + body, per)
    return [], per


def compare(ts, oz):
    """ts {(proto, ip): (fields, frames)}, oz {ip: identity} or None ->
    (lines, {proto: Counter(equal, different, missing, extra)})."""
    per = {p: collections.Counter() for p in PROTOS}
    body = []
    if oz is None:
        for (proto, ip), _ in sorted(ts.items()):
            per[proto]["missing"] += 1
            body.append("  %-7s %-16s missing in otzone (no output)"
                        % (proto, ip))
        return body, per
    for (proto, ip) in sorted(ts, key=lambda k: (PROTOS.index(k[0]),
                                                k[1])):
        t, frames = ts[(proto, ip)]
        o = oz.get(ip) or {}
        fr = "frames %s" % ",".join(str(f) for f in frames[:6]) + \
             (",..." if len(frames) > 6 else "")
        if not has_identity(o):
            per[proto]["missing"] += 1
            body.append("  %-7s %-16s missing in otzone; tshark %s  (%s)"
                        % (proto, ip, ", ".join(
                            "%s=%s" % (k, show(v)) for k, v in
                            sorted(t.items())), fr))
            continue
        diffs, asides = [], []
        src = o.get("source") or ""
        for f in COMPARED[proto]:
            if f not in t:
                continue
            if equal_field(proto, f, t[f], o.get(f)):
                continue
            # One field, several protocols of the same device: otzone
            # keeps the latest value (KNOWN.md); any of them is right.
            other = [q for (q, a) in ts if a == ip and q != proto and
                     f in ts[(q, a)][0] and
                     equal_field(q, f, ts[(q, a)][0][f], o.get(f))]
            if other:
                asides.append("%s from %s" % (f, other[0]))
            elif src and src not in SOURCE:
                asides.append("%s=%s from %s, not checked"
                              % (f, show(o.get(f)), src))
            else:
                diffs.append("%s tshark=%s otzone=%s"
                             % (f, show(t[f]), show(o.get(f))))
        aside = "; " + "; ".join(asides) if asides else ""
        if diffs:
            per[proto]["different"] += 1
            body.append("  %-7s %-16s different: %s%s  (%s)"
                        % (proto, ip, "; ".join(diffs), aside, fr))
        else:
            per[proto]["equal"] += 1
            body.append("  %-7s %-16s equal (%s)%s  (%s)"
                        % (proto, ip, ", ".join(
                            f for f in COMPARED[proto] if f in t), aside,
                           fr))
    for ip in sorted(oz):
        o = oz[ip]
        if not has_identity(o):
            continue
        src = o.get("source") or ""
        if src not in SOURCE:
            body.append("  %-7s %-16s otzone only, not checked (tshark "
                        "cannot decode %s)" % (src or "?", ip,
                                                src or "its source"))
            continue
        if any((p, ip) in ts for p in SOURCE[src]):
            continue
        per[SOURCE[src][0]]["extra"] += 1
        body.append("  %-7s %-16s extra in otzone: %s" % (
            SOURCE[src][0], ip, ", ".join(
                "%s=%s" % (k, show(o[k])) for k in STR_FIELDS if o.get(k))))
    return body, per


def selftest():
    """The comparison on made-up identities: each outcome once."""
    ts = {
        ("cip", "10.0.0.1"): ({"vendor": "Rockwell Automation/Allen-Bradley",
                               "vendor_id": 1, "firmware": (4, 7),
                               "serial": 0x51aec3, "product": "1756-ENBT/A"},
                              [1]),
        ("modbus", "10.0.0.2"): ({"product": "BMX P34 2020"}, [2]),
        ("dnp3", "10.0.0.3"): ({"vendor": "SEL"}, [3]),
        ("opcua", "10.0.0.5"): ({"product": "urn:p", "name": "n"}, [5]),
        ("s7comm", "10.0.0.6"): ({"product": "6ES7 511-1AK00-0AB0 ",
                                  "firmware": "V2.8"}, [6]),
    }
    oz = {
        "10.0.0.1": {"vendor": "Rockwell Automation/Allen-Bradley",
                     "vendor_id": 1, "firmware": "4.07",
                     "serial": "0x0051aec3", "product": "1756-ENBT/A",
                     "source": "enip"},
        "10.0.0.2": {"product": "BMX P34 2020 V3.10", "source": "modbus"},
        "10.0.0.3": {"source": None},
        "10.0.0.4": {"vendor": "Siemens", "source": "s7comm"},
        "10.0.0.5": {"product": "urn:p", "name": "n", "source": "opcua"},
        "10.0.0.6": {"product": "6ES7 511-1AK00-0AB0", "firmware": "V2.9",
                     "source": "s7comm-plus"},
    }
    want = {"cip": (1, 0, 0, 0), "modbus": (0, 1, 0, 0),
            "dnp3": (0, 0, 1, 0), "s7comm": (1, 0, 0, 1),
            "opcua": (1, 0, 0, 0), "enip": (0, 0, 0, 0)}
    _, per = compare(ts, oz)
    bad = 0
    for p, w in want.items():
        got = tuple(per[p][k] for k in ("equal", "different", "missing",
                                        "extra"))
        if got != w:
            print("oracle_ident: selftest %s: got %s, want %s"
                  % (p, got, w))
            bad += 1
    ok = (same_vendor("Honeywell", "Honeywell Inc.") and
          same_vendor("Weidmuller", "Weidmueller Interface GmbH & Co. KG")
          and not same_vendor("Honeywell", "Hon Hai Precision") and
          not same_vendor("vendor 1234", "Rockwell Automation") and
          revision("4.07") == (4, 7) and revision("4.7") == (4, 7) and
          s7_version(22019, 518) == "V3.2.6" and s7_version(4, 1) == "4" and
          modbus_server_id_text("1200ff57696e6770617468204c696d69746564")
          == "Wingpath Limited")
    if not ok:
        print("oracle_ident: selftest: a normalisation is wrong")
        bad += 1
    print("oracle_ident: selftest %s" % ("ok" if not bad else "FAIL"))
    return bad == 0


def vendor_table_check(vendors):
    """Every entry of otzone's CIP vendor table (dissectors/cip_vendors.c)
    against Wireshark's name for the same id.  True when all agree."""
    path = os.path.join(TOP, "dissectors", "cip_vendors.c")
    try:
        with open(path, encoding="utf-8") as f:
            src = f.read()
    except OSError:
        print("oracle_ident: %s not readable, vendor table not checked"
              % path)
        return True
    entries = re.findall(r'\{(\d+), "([^"]+)"\}', src)
    bad = [(int(i), n) for i, n in entries
           if not same_vendor(n, vendors.get(int(i)))]
    for i, n in bad:
        print("oracle_ident: vendor %d: otzone %s, Wireshark %s"
              % (i, json.dumps(n), json.dumps(vendors.get(i))))
    print("oracle_ident: CIP vendor table: %d ids, %d agree with "
          "Wireshark's names%s" % (len(entries), len(entries) - len(bad),
                                   "" if not bad else " FAIL"))
    return not bad


def pct(c):
    n = sum(c[k] for k in ("equal", "different", "missing", "extra"))
    return None if n == 0 else 100.0 * c["equal"] / n


def read_enforce(path):
    """{proto: minimum percent} from 'PROTO PCT' lines."""
    out = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].split()
                if len(line) >= 2 and line[0] in PROTOS:
                    try:
                        out[line[0]] = float(line[1])
                    except ValueError:
                        pass
    except OSError:
        pass
    return out


def run_set(label, otzone, folder, vendors, enforce):
    """Check every capture of folder; returns the number of failures."""
    mopts = manifest_options(folder)
    caps = list_captures(folder)
    totals = {p: collections.Counter() for p in PROTOS}
    jobs = max(1, min(4, os.cpu_count() or 1))
    print("== ident %s: %d captures in %s" % (label, len(caps), folder))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        results = ex.map(lambda p: compare_capture(
            otzone, p, mopts.get(os.path.basename(p), []), vendors), caps)
        for lines, per in results:
            for l in lines:
                print(l)
            for p, c in per.items():
                totals[p].update(c)
    failed = 0
    for p in PROTOS:
        c = totals[p]
        a = pct(c)
        n = sum(c[k] for k in ("equal", "different", "missing", "extra"))
        if p in enforce:
            ok = (a if a is not None else 100.0) >= enforce[p]
            status = "ok" if ok else "FAIL"
            status += " (min %g%%)" % enforce[p]
            failed += 0 if ok else 1
        else:
            status = "report"
        print("ident-total %-9s %-7s devices=%d equal=%d different=%d "
              "missing=%d extra=%d %s %s"
              % (label, p, n, c["equal"], c["different"], c["missing"],
                 c["extra"], "n/a" if a is None else "%.1f%%" % a, status))
    return failed


def main(argv):
    ap = argparse.ArgumentParser(
        description="tshark as an oracle for otzone's device identities")
    ap.add_argument("otzone")
    ap.add_argument("--pcaps", default=None,
                    help="real captures (default ../shared/pcaps)")
    ap.add_argument("--generated", default=None,
                    help="the project's own captures (default pcaps/ of "
                    "the repository; 'none' to leave them out)")
    ap.add_argument("--enforce", default=None,
                    help="file of 'PROTO PCT' minimums (default: report)")
    ap.add_argument("--selftest", action="store_true",
                    help="check the comparison on made-up identities, "
                    "then run")
    args = ap.parse_args(argv[1:])
    if args.selftest and not selftest():
        return 1
    otzone = os.path.abspath(args.otzone)
    enforce = read_enforce(args.enforce) if args.enforce else {}

    folder, shown = find_pcaps_dir(args.pcaps)
    why = skip_reason(folder, shown, "oracle_ident")
    if why and "tshark" in why:
        print(why)
        return 0
    vendors = cip_vendor_names()
    failed = 0
    if vendors and not vendor_table_check(vendors):
        failed += 1
    if why:
        print(why)
    else:
        failed += run_set("real", otzone, folder, vendors, enforce)
    gen = args.generated
    if gen is None:
        gen = os.path.join(TOP, "pcaps")
    if gen != "none":
        for label, d in (("generated", gen),
                         ("crafted", os.path.join(HERE, "ident-pcaps"))):
            if os.path.isdir(d):
                failed += run_set(label, otzone, d, vendors, enforce)
            else:
                print("oracle_ident: %s not found, skipping the %s "
                      "captures" % (d, label))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""mk_ident_pcaps.py: write the small hand-made captures of
tests/shared/ident-pcaps/ that oracle_ident.py checks as its "crafted"
set: identity encodings the real captures lack, built from the protocol
specifications (byte for byte as the unit tests have them).

  s7-szl-001c-two-parts.pcap  a Read SZL 0x001C answer in two userdata
      PDUs (data unit reference 5, "last data unit" 0x01 then 0x00), the
      6th record (module type name) split across them; tshark joins them
      (S7COMM reassembled id=5), test_s7.c userdata_szl_001c_two_parts.

  modbus-devid-two-requests.pcap  43/14 Read Device Identification in two
      steps: basic (code 1, objects 0-2, "more follows", next object 3),
      then extended (code 3 from object 3: 3, 4 ProductName, 6, and the
      private object 0x80 with bytes); ProductName becomes the model
      (a ProductCode came first, no ModelName), the private object is not
      identity.

  dnp3-g0-unsolicited.pcap  an outstation's unsolicited response (130)
      with group 0 attributes 252 (vendor), 250 (product), 246 (ID code,
      no 247: the name), 242 (software version) and 241 (an integer,
      not a string: ignored), with link-layer CRCs.

Python 3 standard library only; the output is deterministic.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ident-pcaps")


def tpkt_dt(s7):
    body = bytes([0x02, 0xF0, 0x80]) + s7          # COTP DT, EOT
    return struct.pack(">BBH", 3, 0, 4 + len(body)) + body


def s7_userdata(ref, par, dat):
    return struct.pack(">BBHHHH", 0x32, 7, 0, ref, len(par),
                       len(dat)) + par + dat


def ud_data(b):
    return bytes([0xFF, 0x09]) + struct.pack(">H", len(b)) + b


def frame(src, dst, sport, dport, seq, ack, payload):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x18,
                      65535, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 1, 0, 64,
                     6, 0, bytes(src), bytes(dst))
    eth = bytes([0x00, 0x1B, 0x1B, 0x00, 0x00, 0x02,   # Siemens OUI
                 0x00, 0x50, 0x56, 0x00, 0x00, 0x01, 0x08, 0x00])
    if src == [10, 0, 0, 2]:
        eth = eth[6:12] + eth[0:6] + eth[12:]
    return eth + ip + tcp + payload


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(frames):
            f.write(struct.pack("<IIII", 1767600000 + i, 0, len(p),
                                len(p)) + p)


def szl_two_parts():
    txt = {1: b"PLANT-AS", 2: b"Station 1 CPU", 3: b"Line 3",
           4: b"Original Siemens Equipment", 5: b"S C-C2UR28922012",
           7: b"CPU 315-2 PN/DP", 8: b"MMC 267FF11F", 9: b"", 10: b"",
           11: b""}
    recs = b"".join(struct.pack(">H", i) + txt[i].ljust(32, b"\0")
                    for i in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11))
    lst = struct.pack(">HHHH", 0x001C, 0, 34, 10) + recs
    req1 = s7_userdata(0x0300, bytes([0, 1, 0x12, 4, 0x11, 0x44, 1, 0]),
                       bytes([0xFF, 9, 0, 4, 0, 0x1C, 0, 0]))
    rsp1 = s7_userdata(0x0300, bytes([0, 1, 0x12, 8, 0x12, 0x84, 1, 1,
                                      0x05, 0x01, 0, 0]),
                       ud_data(lst[:200]))
    req2 = s7_userdata(0x0400, bytes([0, 1, 0x12, 8, 0x12, 0x44, 1, 2,
                                      0x05, 0, 0, 0]),
                       bytes([0x0A, 0, 0, 0]))
    rsp2 = s7_userdata(0x0400, bytes([0, 1, 0x12, 8, 0x12, 0x84, 1, 2,
                                      0x05, 0x00, 0, 0]),
                       ud_data(lst[200:]))
    cli, srv = [10, 0, 0, 1], [10, 0, 0, 2]
    cs, ss = 1000, 5000
    out = []
    for who, pdu in (("c", req1), ("s", rsp1), ("c", req2), ("s", rsp2)):
        b = tpkt_dt(pdu)
        if who == "c":
            out.append(frame(cli, srv, 40000, 102, cs, ss, b))
            cs += len(b)
        else:
            out.append(frame(srv, cli, 102, 40000, ss, cs, b))
            ss += len(b)
    write_pcap(os.path.join(OUT, "s7-szl-001c-two-parts.pcap"), out)


def tcp_exchange(cli, srv, sport, dport, pdus):
    """[(who, bytes)] -> frames of one TCP connection (no handshake)."""
    cs, ss = 1000, 5000
    out = []
    for who, b in pdus:
        if who == "c":
            out.append(frame(cli, srv, sport, dport, cs, ss, b))
            cs += len(b)
        else:
            out.append(frame(srv, cli, dport, sport, ss, cs, b))
            ss += len(b)
    return out


def mbap(tid, unit, pdu):
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def devid_objects(objs):
    return b"".join(bytes([oid, len(v)]) + v for oid, v in objs)


def modbus_devid():
    req1 = mbap(1, 1, bytes([0x2B, 0x0E, 0x01, 0x00]))
    objs1 = [(0, b"Schneider Electric"), (1, b"BMX P34 2020"),
             (2, b"v3.10")]
    rsp1 = mbap(1, 1, bytes([0x2B, 0x0E, 0x01, 0x81, 0xFF, 0x03, 3]) +
                devid_objects(objs1))
    req2 = mbap(2, 1, bytes([0x2B, 0x0E, 0x03, 0x03]))
    objs2 = [(3, b"www.se.com"), (4, b"Modicon M340"), (6, b"LINE7"),
             (0x80, bytes([0x01, 0x02, 0x03]))]
    rsp2 = mbap(2, 1, bytes([0x2B, 0x0E, 0x03, 0x83, 0x00, 0x00, 4]) +
                devid_objects(objs2))
    write_pcap(os.path.join(OUT, "modbus-devid-two-requests.pcap"),
               tcp_exchange([10, 0, 0, 1], [10, 0, 0, 2], 40001, 502,
                            [("c", req1), ("s", rsp1), ("c", req2),
                             ("s", rsp2)]))


def dnp3_crc(data):
    """CRC-16/DNP (IEEE 1815 link layer)."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return (~crc) & 0xFFFF


def dnp3_frame(ctrl, dst, src, user):
    hdr = struct.pack("<BBBBHH", 0x05, 0x64, 5 + len(user), ctrl, dst, src)
    out = hdr + struct.pack("<H", dnp3_crc(hdr))
    for i in range(0, len(user), 16):
        blk = user[i:i + 16]
        out += blk + struct.pack("<H", dnp3_crc(blk))
    return out


def g0_attr(var, dtype, value):
    # group 0, variation, qualifier 0x00 (1-byte start/stop), index 0
    return bytes([0, var, 0x00, 0, 0, dtype, len(value)]) + value


def dnp3_g0():
    app = bytes([0xF1, 130, 0x00, 0x00])       # FIR FIN CON UNS seq 1
    app += g0_attr(252, 1, b"Schweitzer Engineering Laboratories")
    app += g0_attr(250, 1, b"SEL-751")
    app += g0_attr(246, 1, b"FEEDER-12")
    app += g0_attr(242, 1, b"R120-V0")
    app += g0_attr(241, 2, bytes([0x2A, 0x00]))   # unsigned int: ignored
    user = bytes([0xC0]) + app                  # transport FIR FIN seq 0
    frm = dnp3_frame(0x44, 1, 10, user)          # unconfirmed user data
    confirm_app = bytes([0xD1, 0x00])            # confirm, UNS seq 1
    conf = dnp3_frame(0xC4, 10, 1, bytes([0xC0]) + confirm_app)
    write_pcap(os.path.join(OUT, "dnp3-g0-unsolicited.pcap"),
               tcp_exchange([10, 0, 0, 1], [10, 0, 0, 2], 40002, 20000,
                            [("s", frm), ("c", conf)]))


def main():
    os.makedirs(OUT, exist_ok=True)
    szl_two_parts()
    modbus_devid()
    dnp3_g0()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""gen_events.py: a plant read in two steps, for the change events
(tests/events/check.sh).

Built with otgen (imported as a library, never changed).  Three zones
(office 10.1.0.0/24, supervisory 10.3.0.0/24, cell 10.4.0.0/24 on VLAN
40), the policy tests/events/plant.yaml (one conduit, supervisory -> cell,
Modbus up to program).

  step1.pcap (08:00): the SCADA polls the PLC (Modbus reads); the
      engineering station identifies it (43/14: firmware v3.10) and reads.
  step2.pcap (09:00): the same polling; the PLC now says firmware v3.20;
      the engineering station downloads a program (UMAS, FC 90) - the first
      program operation on the supervisory -> cell conduit; an office PC
      (a new asset) reads the PLC: a new flow between zones, a new conduit
      (office -> cell), its first read, and a new finding (no-conduit).

  flood.pcap (10:00): 200 unanswered SYNs from 200 addresses at once.

Writes DIR/step1.pcap, DIR/step2.pcap (+ .truth.json), DIR/flood.pcap and
DIR/frames.json:
the timestamp of every frame of each capture and the frames the expected
events point at, from the generator's own bookkeeping (not from otzone).

    python3 tests/events/gen_events.py -o DIR
"""

import argparse
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "gen"))

import otgen  # noqa: E402
from otgen import (START_US, ModbusClient, Net, build_plant,  # noqa: E402
                   modicon_attrs, modicon_identity)

PLANT = {
    "zones": [
        {"name": "office", "purdue_level": 4, "network": "10.1.0.0/24"},
        {"name": "supervisory", "purdue_level": 2,
         "network": "10.3.0.0/24"},
        {"name": "cell", "purdue_level": 1, "network": "10.4.0.0/24",
         "vlan": 40},
    ],
    "assets": [
        {"name": "pc1", "zone": "office", "ip": ".10", "vendor": "dell",
         "ttl": 128},
        {"name": "scada", "zone": "supervisory", "ip": ".10",
         "vendor": "dell", "kind": "scada-server", "ttl": 128},
        {"name": "ews", "zone": "supervisory", "ip": ".30", "vendor": "hp",
         "kind": "engineering-workstation", "ttl": 128},
        {"name": "plc", "zone": "cell", "ip": ".10", "vendor": "schneider",
         "kind": "plc", "identity": modicon_identity(),
         "attrs": modicon_attrs()},
    ],
}


class Recorder:
    """Wraps the pcap writer to remember each frame's timestamp."""

    def __init__(self, net):
        self.ts = [0]
        w = net.w
        orig = w.write

        def write(ts_us, frame):
            n = orig(ts_us, frame)
            self.ts.append(ts_us)
            return n
        w.write = write


def step1(path):
    net = Net(path, scenario="events-step1",
              description="events: first capture")
    rec = Recorder(net)
    h = build_plant(net, PLANT)
    m = ModbusClient(net, h["scada"], h["plc"], unit=1).connect()
    for _ in range(3):
        m.read_regs(3, 0, 10)
        net.adv(200000)
    m.close()
    net.adv(100000)
    e = ModbusClient(net, h["ews"], h["plc"], unit=0).connect()
    e.device_id(2)
    ident = net.w.frames - 1  # request, response, ACK
    net.adv(20000)
    e.read_regs(3, 0, 4)
    net.adv(20000)
    e.close()
    net.close()
    net.truth.write(path[:-5] + ".truth.json")
    return {"ts": rec.ts, "identity_frame": ident}


def step2(path):
    net = Net(path, scenario="events-step2",
              description="events: second capture", start_us=START_US +
              3600 * 1000000)
    rec = Recorder(net)
    h = build_plant(net, PLANT)
    ident = dict(h["plc"].mb_ident)
    ident["revision"] = "v3.20"
    h["plc"].mb_ident = ident
    m = ModbusClient(net, h["scada"], h["plc"], unit=1).connect()
    for _ in range(2):
        m.read_regs(3, 0, 10)
        net.adv(200000)
    m.close()
    net.adv(100000)
    e = ModbusClient(net, h["ews"], h["plc"], unit=0).connect()
    e.device_id(2)
    ident_frame = net.w.frames - 1
    net.adv(20000)
    e.umas(0x10, b"\x00\x01\x02")           # take PLC reservation
    net.adv(5000)
    e.umas(0x33, b"\x01\x00\xfb\x00")       # initialize download
    net.adv(5000)
    e.umas(0x34, b"\x01\x00" + bytes(range(32)))  # download block
    net.adv(5000)
    e.umas(0x35, b"\x01\x00")               # end download
    net.adv(5000)
    e.close()
    net.adv(100000)
    p = ModbusClient(net, h["pc1"], h["plc"], unit=1).connect()
    p.read_regs(3, 100, 2)
    net.adv(50000)
    p.close()
    net.close()
    net.truth.write(path[:-5] + ".truth.json")
    return {"ts": rec.ts, "identity_frame": ident_frame}


def flood(path, n=200):
    """n TCP SYNs from n office addresses (10.1.1.1 ...) to the PLC's
    Modbus port within 0.2 s, none answered: n connections at once, for
    a sensor whose connection table holds 16 (capture-drops)."""
    w = otgen.PcapWriter(path)
    dst_mac = bytes.fromhex("0080f4eec0ea")
    t = START_US + 7200 * 1000000
    for i in range(n):
        src = bytes([10, 1, 1 + i // 250, 1 + i % 250])
        dst = bytes([10, 4, 0, 10])
        sport = 40000 + i
        tcp = struct.pack(">HHIIBBHHH", sport, 502, 1000 + i, 0, 5 << 4,
                          0x02, 64240, 0, 0)
        ph = src + dst + struct.pack(">BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack(">H", otgen.csum(ph + tcp)) + tcp[18:]
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0x4000,
                         64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack(">H", otgen.csum(ip)) + ip[12:]
        src_mac = bytes([0x02, 0, 0, 0, i >> 8, i & 0xff])
        w.write(t + i * 1000, dst_mac + src_mac + b"\x08\x00" + ip + tcp)
    w.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    f1 = step1(os.path.join(a.out, "step1.pcap"))
    f2 = step2(os.path.join(a.out, "step2.pcap"))
    flood(os.path.join(a.out, "flood.pcap"))
    with open(os.path.join(a.out, "frames.json"), "w") as f:
        json.dump({"step1": f1, "step2": f2}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""util.py: JSON comparisons and pcap cutting for tests/daemon/check.sh.

  util.py same KIND LIVE OFFLINE   exit 0 when the two JSON lists (assets,
                                   flows or violations) are equal once
                                   wall-clock fields and the evidence
                                   source (file vs interface) are left out
  util.py covers SNAPSHOT DB_JSON  every asset of SNAPSHOT is in DB_JSON
                                   with at least its packets and bytes
  util.py cut IN OUT N             the first N records of a classic pcap
  util.py frames PCAP              the number of records
"""
import json
import struct
import sys

SKIP = {"first_seen", "last_seen"}


def strip(x):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k in SKIP:
                continue
            if k == "evidence" and isinstance(v, dict):
                v = {a: b for a, b in v.items() if a != "source"}
            out[k] = strip(v)
        return out
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def key(x):
    return json.dumps(x, sort_keys=True)


def same(kind, a, b):
    la = strip(json.load(open(a)))
    lb = strip(json.load(open(b)))
    if isinstance(la, dict) and isinstance(lb, dict):
        la, lb = [la], [lb]
    if la == lb:
        print("%s: %d records, identical" % (kind, len(la)))
        return 0
    print("%s: live %d records, offline %d: they differ" %
          (kind, len(la), len(lb)))
    sa = {key(x) for x in la}
    sb = {key(x) for x in lb}
    for x in sorted(sa - sb)[:5]:
        print("  only live:    " + x[:300])
    for x in sorted(sb - sa)[:5]:
        print("  only offline: " + x[:300])
    return 1


def covers(snap, db):
    s = json.load(open(snap))
    d = {(a.get("ip"), a.get("vlan")): a for a in json.load(open(db))}
    bad = 0
    for a in s:
        b = d.get((a.get("ip"), a.get("vlan")))
        if b is None or b["packets"] < a["packets"] or \
                b["bytes"] < a["bytes"]:
            bad += 1
            if bad <= 5:
                print("  lost: %s %s packets %s -> %s" %
                      (a.get("ip"), a.get("vlan"), a["packets"],
                       b["packets"] if b else None))
    print("covers: %d assets in the snapshot, %d lost" % (len(s), bad))
    return 1 if bad else 0


def records(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("not a classic pcap: " + path)
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        out.append((off, 16 + incl))
        off += 16 + incl
    return data, out


def cut(src, dst, n):
    data, recs = records(src)
    end = recs[n - 1][0] + recs[n - 1][1] if n > 0 else 24
    open(dst, "wb").write(data[:end])
    return 0


def main():
    c, a = sys.argv[1], sys.argv[2:]
    if c == "same":
        return same(a[0], a[1], a[2])
    if c == "covers":
        return covers(a[0], a[1])
    if c == "cut":
        return cut(a[0], a[1], int(a[2]))
    if c == "frames":
        print(len(records(a[0])[1]))
        return 0
    raise SystemExit("unknown command " + c)


if __name__ == "__main__":
    sys.exit(main())

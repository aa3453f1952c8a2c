#!/usr/bin/env python3
"""same.py KIND A.json B.json [--loose]: two JSON outputs of otzone (assets,
flows, zones, violations) are equal.

Always left out: evidence.source (a capture file or an interface
"iface:va": which file or interface showed a packet depends on where it
was read, not on what the plant did).  With --loose also the fields that depend on when and in
which capture a packet was seen, for a live sensor against an offline
read of the same capture: first_seen, last_seen (wall-clock time of the
replay, not the capture's), frame and first_frame (a frame's number in
the half replayed to one sensor, not in the whole capture).

Prints one line ("assets: 33 records, identical") or the first
differences, and exits 1 when they differ.
"""
import json
import signal
import sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)

TIMES = {"first_seen", "last_seen", "frame", "first_frame"}


def strip(x, loose, parent=None):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if loose and k in TIMES:
                continue
            if k == "source" and parent == "evidence":
                continue
            out[k] = strip(v, loose, k)
        return out
    if isinstance(x, list):
        return [strip(v, loose, parent) for v in x]
    return x


def key(x):
    return json.dumps(x, sort_keys=True)


def main():
    kind, a, b = sys.argv[1:4]
    loose = "--loose" in sys.argv[4:]
    la = strip(json.load(open(a)), loose)
    lb = strip(json.load(open(b)), loose)
    if isinstance(la, dict) and isinstance(lb, dict):
        la, lb = [la], [lb]
    if la == lb:
        print("%s: %d records, identical" % (kind, len(la)))
        return 0
    print("%s: %d records and %d: they differ" % (kind, len(la), len(lb)))
    sa = {key(x) for x in la}
    sb = {key(x) for x in lb}
    for x in sorted(sa - sb)[:4]:
        print("  only in %s: %s" % (a, x[:400]))
    for x in sorted(sb - sa)[:4]:
        print("  only in %s: %s" % (b, x[:400]))
    if sa == sb:
        print("  same records in a different order")
    return 1


if __name__ == "__main__":
    sys.exit(main())

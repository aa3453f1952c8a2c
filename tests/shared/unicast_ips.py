#!/usr/bin/env python3
"""unicast_ips.py OTZONE [PCAP_DIR]: otzone's asset IPs against tshark's.

Every capture in the shared folder (default: ../shared/pcaps next to the
repository, or $OTZONE_SHARED_PCAPS) is read by otzone into a fresh
database; a non-zero exit is a failure.  The set of asset IPs
(`assets --format json`, field ip, VLAN ignored) must equal the set of
unicast addresses tshark sees in the outer IP header of every packet:
ip.src, ip.dst, ipv6.src, ipv6.dst (first occurrence only, so addresses
quoted inside ICMP errors or tunnels do not count), excluding

  - multicast 224.0.0.0/4 and ff00::/8,
  - limited broadcast 255.255.255.255, unspecified 0.0.0.0 and ::,
  - a destination sent to a group (broadcast/multicast) MAC, such as the
    subnet-directed broadcast 192.168.1.255, unless that address is also
    a source or a unicast destination somewhere in the same capture.

Prints `ok  FILE  N assets` or `FAIL FILE  only-otzone=[..] only-tshark=[..]`
per capture and a last line `unicast_ips: N passed, M failed`; exits 1 on any
failure, 0 otherwise (also when tshark or the folder is missing: one skip
line).  Python 3 standard library only.
"""

import concurrent.futures
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

OTZONE_TIMEOUT = 120
TSHARK_TIMEOUT = 120

PCAP_MAGICS = (
    b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1",   # pcap, microseconds
    b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1",   # pcap, nanoseconds
    b"\x0a\x0d\x0d\x0a",                        # pcapng section header
)


def find_pcaps_dir(arg=None):
    """The shared capture folder: argument, $OTZONE_SHARED_PCAPS, or
    <repository top>/../shared/pcaps.  Returns (path, shown name)."""
    if arg:
        return arg, arg
    env = os.environ.get("OTZONE_SHARED_PCAPS")
    if env:
        return env, env
    top = TOP
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"],
                             cwd=HERE, capture_output=True, text=True,
                             timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            top = out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return os.path.join(top, "..", "shared", "pcaps"), "../shared/pcaps"


def list_captures(folder):
    """Files in folder that start with a pcap or pcapng magic, sorted."""
    caps = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as f:
                magic = f.read(4)
        except OSError:
            continue
        if magic in PCAP_MAGICS:
            caps.append(path)
    return caps


def skip_reason(folder, shown, prefix):
    """A one-line reason to skip the whole check, or None."""
    if shutil.which("tshark") is None:
        return ("%s: tshark not found, skipping the real-capture "
                "cross-checks" % prefix)
    if not os.path.isdir(folder):
        return ("%s: %s not found, skipping the real-capture cross-checks"
                % (prefix, shown))
    return None


def run_otzone(otzone, pcap, commands):
    """Read pcap into a fresh database, then run each command (a list such
    as ["assets", "--format", "json"]).  Returns (read exit code, read
    stderr, [parsed JSON or None per command])."""
    with tempfile.TemporaryDirectory(prefix="otzone-shared-") as tmp:
        db = os.path.join(tmp, "t.db")
        try:
            r = subprocess.run([otzone, "--db", db, "--quiet", "read", pcap],
                               capture_output=True, text=True,
                               timeout=OTZONE_TIMEOUT)
            rc, err = r.returncode, r.stderr
        except subprocess.TimeoutExpired:
            return (-1, "timed out after %ds" % OTZONE_TIMEOUT,
                    [None] * len(commands))
        except OSError as e:
            return -1, str(e), [None] * len(commands)
        results = []
        for cmd in commands:
            try:
                o = subprocess.run([otzone, "--db", db] + cmd,
                                   capture_output=True, text=True,
                                   timeout=OTZONE_TIMEOUT)
                results.append(json.loads(o.stdout) if o.returncode == 0
                               else None)
            except (subprocess.SubprocessError, OSError, ValueError):
                results.append(None)
        return rc, err, results


def run_tshark(pcap, fields, extra=(), display_filter=None, occurrence="f"):
    """tshark -T fields over pcap; returns (list of rows (lists of str),
    warning or None).  Rows keep the field order given."""
    cmd = ["tshark", "-n", "-r", pcap] + list(extra)
    if display_filter:
        cmd += ["-Y", display_filter]
    cmd += ["-T", "fields", "-E", "separator=\t", "-E",
            "occurrence=" + occurrence, "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=TSHARK_TIMEOUT, errors="replace")
    except subprocess.TimeoutExpired:
        return [], "tshark timed out after %ds" % TSHARK_TIMEOUT
    warn = None
    if r.returncode != 0:
        # A capture cut short still gives the packets before the cut.
        lines = [l for l in r.stderr.splitlines()
                 if l and not l.startswith("Running as user")]
        warn = "tshark exited %d: %s" % (r.returncode,
                                         lines[-1] if lines else "")
    rows = []
    n = len(fields)
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        if len(cols) < n:
            cols += [""] * (n - len(cols))
        rows.append(cols)
    return rows, warn


def canon(addr):
    """Canonical text of an IP address, or None when it is not one."""
    try:
        return ipaddress.ip_address(addr.strip().split("%")[0]).compressed
    except ValueError:
        return None


def is_group_mac(mac):
    """True for a broadcast or multicast MAC (I/G bit of the first octet)."""
    try:
        return bool(int(mac.split(":")[0], 16) & 1)
    except (ValueError, IndexError):
        return False


def excluded(addr):
    ip = ipaddress.ip_address(addr)
    if ip.is_multicast or ip.is_unspecified:
        return True
    return ip.version == 4 and ip == ipaddress.IPv4Address("255.255.255.255")


def tshark_unicast(pcap):
    """Set of unicast addresses in the outer IP headers of pcap."""
    rows, warn = run_tshark(pcap, ["ip.src", "ip.dst", "ipv6.src",
                                   "ipv6.dst", "eth.dst", "frame.protocols"])
    sources, unicast_dst, group_dst = set(), set(), set()
    for src4, dst4, src6, dst6, edst, protos in rows:
        # Only the outer IP header counts: with IPv6 in IPv4 or the
        # reverse, the outer one is the version frame.protocols names first.
        layers = protos.split(":")
        v4 = layers.index("ip") if "ip" in layers else len(layers)
        v6 = layers.index("ipv6") if "ipv6" in layers else len(layers)
        src, dst = (src4, dst4) if v4 <= v6 else (src6, dst6)
        s, d = canon(src) if src else None, canon(dst) if dst else None
        if s:
            sources.add(s)
        if d:
            if edst and is_group_mac(edst):
                group_dst.add(d)
            else:
                unicast_dst.add(d)
    seen = sources | unicast_dst | group_dst
    keep = sources | unicast_dst
    return {a for a in seen if a in keep and not excluded(a)}, warn


def check_one(otzone, pcap):
    """Returns (ok, line, detail lines)."""
    name = os.path.basename(pcap)
    rc, err, (assets,) = run_otzone(otzone, pcap,
                                    [["assets", "--format", "json"]])
    if rc != 0:
        last = err.strip().splitlines()[-1:] if err.strip() else [""]
        return False, "FAIL %s  otzone read exited %d: %s" % (name, rc,
                                                              last[0]), []
    if assets is None:
        return False, "FAIL %s  otzone assets --format json failed" % name, []
    oz = set()
    for a in assets:
        c = canon(str(a.get("ip", "")))
        if c:
            oz.add(c)
    ts, warn = tshark_unicast(pcap)
    extra = ["     note: " + warn] if warn else []
    only_o = sorted(oz - ts, key=sort_key)
    only_t = sorted(ts - oz, key=sort_key)
    if only_o or only_t:
        return False, "FAIL %s  only-otzone=[%s] only-tshark=[%s]" % (
            name, ", ".join(only_o), ", ".join(only_t)), extra
    return True, "ok  %s  %d assets" % (name, len(oz)), extra


def sort_key(a):
    ip = ipaddress.ip_address(a)
    return (ip.version, int(ip))


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    otzone = os.path.abspath(argv[1])
    folder, shown = find_pcaps_dir(argv[2] if len(argv) > 2 else None)
    why = skip_reason(folder, shown, "unicast_ips")
    if why:
        print(why)
        return 0
    caps = list_captures(folder)
    jobs = max(1, min(4, os.cpu_count() or 1))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for ok, line, extra in ex.map(lambda p: check_one(otzone, p), caps):
            print(line)
            for l in extra:
                print(l)
            if ok:
                passed += 1
            else:
                failed += 1
    print("unicast_ips: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

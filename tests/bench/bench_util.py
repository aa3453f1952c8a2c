#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench_util.py: the measuring and reporting half of tests/bench/run.sh.

    bench_util.py run --tsv FILE --input NAME --tool NAME [--repeat R]
        [--fresh PATH] [--ok 0,1] [--log FILE] -- COMMAND ...
    bench_util.py par --tsv FILE --input NAME [--repeat R] [--fresh PATH]...
        -- COMMAND ... :: COMMAND ...
    bench_util.py report --tsv FILE --out FILE.md

`run` executes COMMAND R times (deleting PATH, PATH-wal and PATH-shm
before each run when --fresh is given), reads each run's resource usage
from wait4() (the getrusage of the child: user and system CPU time and
peak RSS), keeps the run with the least CPU time and appends one line to
the TSV: input, tool, cpu_s, wall_s, maxrss_kb, status.  A command that
is not there or exits with a status outside --ok is recorded as failed.

`par` starts the commands together and records the wall time until the
last one ends, the busier one's CPU time and the sum (the 1 -> 2 core
scaling figure).

`report` reads the TSV (plus the "info" and "count" lines run.sh writes),
subtracts each tool's start-up cost (its run on a one-frame capture) and
prints the results table, the ratios and the targets of the issue, and
writes the same as Markdown with the machine it ran on.

Why CPU time: the bench machine is shared (other builds and tests run on
it); a process's CPU time barely moves when another process takes turns
on the same core, its wall time does.  Every tool here is single-threaded
on a capture file and is pinned to one core, so CPU time is its run time
on an idle core.  Wall times are kept in the TSV.
"""

import argparse
import os
import subprocess
import sys
import time

TARGETS = {
    # input: (min ratio to ndpiReader, min ratio to the libpcap loop)
    "a": (2.0, 0.30),
    "b": (2.0, 0.40),
}
RSS_CAP_KB = 256 * 1024
INPUT_NAMES = {
    "a": "(a) OT polling, small frames",
    "b": "(b) OT + IT mix, OPC UA bulk",
    "c": "(c) 1M-source scan + SYN flood",
    "d": "(d) one direction missing",
}
TOOLS = ["pcaploop", "otzone", "ndpiReader", "tshark", "zeek"]


def cmd_run(a):
    best = None
    status = "ok"
    ok = {int(x) for x in a.ok.split(",")}
    log = open(a.log, "ab") if a.log else subprocess.DEVNULL
    for _ in range(a.repeat):
        if a.fresh:
            for suf in ("", "-wal", "-shm", "-journal"):
                try:
                    os.unlink(a.fresh + suf)
                except FileNotFoundError:
                    pass
        t0 = time.monotonic()
        try:
            p = subprocess.Popen(a.command, stdout=subprocess.DEVNULL,
                                 stderr=log, cwd=a.cwd)
        except OSError as e:
            status = "failed:%s" % e.strerror.replace(" ", "_")
            break
        _, st, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        rc = os.waitstatus_to_exitcode(st)
        if rc not in ok:
            status = "failed:exit_%d" % rc
            break
        cpu = ru.ru_utime + ru.ru_stime
        if best is None or cpu < best[0]:
            best = (cpu, wall, ru.ru_maxrss)
    if log is not subprocess.DEVNULL:
        log.close()
    if best is None:
        best = (0.0, 0.0, 0)
        if status == "ok":
            status = "failed"
    with open(a.tsv, "a") as f:
        f.write("run\t%s\t%s\t%.4f\t%.4f\t%d\t%s\n" % (
            a.input, a.tool, best[0], best[1], best[2], status))
    return 0 if status == "ok" else 1


def cmd_par(a):
    """Commands separated by '::', started together; the best (least
    wall time) of --repeat rounds."""
    cmds, cur = [], []
    for x in a.command:
        if x == "::":
            cmds.append(cur)
            cur = []
        else:
            cur.append(x)
    cmds.append(cur)
    best = None
    status = "ok"
    log = open(a.log, "ab") if a.log else subprocess.DEVNULL
    for _ in range(a.repeat):
        for f in a.fresh or []:
            for suf in ("", "-wal", "-shm", "-journal"):
                try:
                    os.unlink(f + suf)
                except FileNotFoundError:
                    pass
        t0 = time.monotonic()
        procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=log)
                 for c in cmds]
        cpus, rss = [], 0
        for p in procs:
            _, st, ru = os.wait4(p.pid, 0)
            if os.waitstatus_to_exitcode(st) != 0:
                status = "failed"
            cpus.append(ru.ru_utime + ru.ru_stime)
            rss = max(rss, ru.ru_maxrss)
        wall = time.monotonic() - t0
        if best is None or wall < best[0]:
            best = (wall, max(cpus), sum(cpus), rss)
    if log is not subprocess.DEVNULL:
        log.close()
    with open(a.tsv, "a") as f:
        f.write("par\t%s\t%s\t%.4f\t%.4f\t%.4f\t%d\t%s\n" % (
            a.input, a.tool, best[0], best[1], best[2], best[3], status))
    return 0 if status == "ok" else 1


def load(path):
    runs, counts, info, notes, gnotes = {}, {}, [], [], []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "par":
                runs[("par", p[1])] = {"wall": float(p[3]),
                                       "cpu_max": float(p[4]),
                                       "cpu_sum": float(p[5]),
                                       "rss": int(p[6]), "status": p[7]}
            elif p[0] == "run":
                runs[(p[1], p[2])] = {"cpu": float(p[3]),
                                      "wall": float(p[4]),
                                      "rss": int(p[5]), "status": p[6]}
            elif p[0] == "count":
                counts[p[1]] = (int(p[2]), int(p[3]))
            elif p[0] == "info":
                info.append((p[1], p[2]))
            elif p[0] == "note":
                notes.append(p[1])
            elif p[0] == "gnote":
                gnotes.append(p[1])
    return runs, counts, info, notes, gnotes


def fmt_rate(x):
    if x >= 1e6:
        return "%.2f M" % (x / 1e6)
    if x >= 1e3:
        return "%.0f k" % (x / 1e3)
    return "%.0f" % x


def cmd_report(a):
    runs, counts, info, notes, gnotes = load(a.tsv)
    rows = []   # per input, per tool
    perf = {}   # (input, tool) -> (pps, mbps, net_cpu)
    for inp in ("a", "b", "c", "d"):
        if inp not in counts:
            continue
        pkts, byts = counts[inp]
        for tool in TOOLS:
            r = runs.get((inp, tool))
            if r is None:
                continue
            if r["status"] != "ok":
                rows.append((inp, tool, None, None, None, r, None))
                continue
            st = runs.get(("startup", tool))
            base = st["cpu"] if st and st["status"] == "ok" else 0.0
            net = max(r["cpu"] - base, 1e-6)
            pps = pkts / net
            mbps = byts * 8 / net / 1e6
            perf[(inp, tool)] = (pps, mbps, net)
            rows.append((inp, tool, pps, mbps, net, r, base))

    out = []
    out.append("| input | tool | packets | CPU s (start-up) | packets/s | "
               "Mbit/s | peak RSS MB | otzone / this |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for inp, tool, pps, mbps, net, r, base in rows:
        pkts = counts[inp][0]
        if pps is None:
            out.append("| %s | %s | %d | %s | | | | |" % (
                inp, tool, pkts, r["status"]))
            continue
        ratio = ""
        o = perf.get((inp, "otzone"))
        if o and tool != "otzone":
            ratio = "%.2f" % (o[0] / pps)
        out.append("| %s | %s | %d | %.3f (%.3f) | %s | %.0f | %.1f | %s |" %
                   (inp, tool, pkts, r["cpu"], base, fmt_rate(pps), mbps,
                    r["rss"] / 1024, ratio))

    tg = []
    tg.append("| target | measured | holds |")
    tg.append("|---|---|---|")

    def ratio(inp, peer):
        o, p = perf.get((inp, "otzone")), perf.get((inp, peer))
        return o[0] / p[0] if o and p else None

    for inp, (want_ndpi, want_loop) in sorted(TARGETS.items()):
        r = ratio(inp, "ndpiReader")
        tg.append("| (%s) otzone >= %.0fx ndpiReader packets/s | %s | %s |" % (
            inp, want_ndpi, "%.2fx" % r if r else "n/a",
            "yes" if r and r >= want_ndpi else "no"))
        r = ratio(inp, "pcaploop")
        tg.append("| (%s) otzone >= %d%% of the libpcap loop | %s | %s |" % (
            inp, want_loop * 100, "%.0f%%" % (r * 100) if r else "n/a",
            "yes" if r and r >= want_loop else "no"))
    rc = runs.get(("c", "otzone"))
    if rc and rc["status"] == "ok":
        tg.append("| (c) peak RSS under 256 MB with default caps | %.1f MB | "
                  "%s |" % (rc["rss"] / 1024, "yes" if rc["rss"] <
                            RSS_CAP_KB else "no"))
    pa, pc = perf.get(("a", "otzone")), perf.get(("c", "otzone"))
    if pa and pc:
        r = pc[0] / pa[0]
        tg.append("| (c) packets/s within 20%% of (a)'s (at least 80%%) | "
                  "%.0f%% of (a)'s | %s |" % (r * 100, "yes" if r >= 0.8
                                              else "no"))
    pb, pd = perf.get(("b", "otzone")), perf.get(("d", "otzone"))
    if pb and pd:
        nb = pb[2] / counts["b"][0]
        nd = pd[2] / counts["d"][0]
        tg.append("| (d) time per packet at most 2x (b)'s | %.0f ns vs %.0f "
                  "ns: %.2fx | %s |" % (nd * 1e9, nb * 1e9, nd / nb,
                                        "yes" if nd <= 2 * nb else "no"))
    graph = [(k[1], v) for k, v in runs.items() if k[0] == "graph"]
    sc = []
    for inp in ("a", "b"):
        one = runs.get((inp, "otzone"))
        two = runs.get(("par", inp))
        if not one or not two or one["status"] != "ok" or \
                two["status"] != "ok":
            continue
        sc.append("| (%s) | %.3f | %.3f | %.3f (%.3f) | %.3f | %.2fx | "
                  "%.2fx |" % (inp, one["cpu"], one["wall"], two["cpu_max"],
                               two["cpu_sum"], two["wall"],
                               one["cpu"] / two["cpu_max"],
                               one["wall"] / two["wall"]))

    md = []
    md.append("# Benchmark results")
    md.append("")
    md.append("Written by `make bench` (tests/bench/run.sh); do not edit by "
              "hand.  Inputs are generated by tests/bench/gen_inputs.py.  "
              "Every tool runs pinned to one core; figures are per CPU "
              "second (user + system, the best of the repeats) after "
              "subtracting the tool's start-up cost, measured on a "
              "one-frame capture and shown in brackets.  Mbit/s counts "
              "frame bytes on the wire.")
    md.append("")
    md.append("## Machine")
    md.append("")
    for k, v in info:
        md.append("- %s: %s" % (k, v))
    md.append("")
    md.append("## Throughput and memory")
    md.append("")
    md.extend(out)
    md.append("")
    md.append("## Targets")
    md.append("")
    md.extend(tg)
    if graph:
        md.append("")
        md.append("## Analysis on a 10,000-asset / 100,000-edge graph")
        md.append("")
        md.append("| step | CPU s | wall s | peak RSS MB | status |")
        md.append("|---|---:|---:|---:|---|")
        for tool, v in graph:
            md.append("| %s | %.3f | %.3f | %.1f | %s |" % (
                tool, v["cpu"], v["wall"], v["rss"] / 1024, v["status"]))
    if gnotes:
        md.append("")
        md.append("The pure functions alone (tests/bench/zones_bench.c, "
                  "tests/bench/graph_bench.c; generated graphs of the same "
                  "size, no SQLite, no output):")
        md.append("")
        md.append("```")
        md.extend(gnotes)
        md.append("```")
    if sc:
        md.append("")
        md.append("## 1 -> 2 cores")
        md.append("")
        md.append("The capture split in two by a symmetric hash of the "
                  "5-tuple (what two per-core workers, each with its own "
                  "flow table, would see), read by two `otzone read` "
                  "processes started together on cores 0 and 1, each into "
                  "its own database: the upper bound of sharding, without "
                  "the cost of merging the two graphs at flush.  "
                  "Speed-up by CPU time: one core's CPU time over the "
                  "busier worker's; by wall time: only meaningful when no "
                  "other process wants either core.")
        md.append("")
        md.append("| input | 1 core CPU s | 1 core wall s | 2 workers: "
                  "busier CPU s (sum) | 2 workers wall s | speed-up (CPU) "
                  "| speed-up (wall) |")
        md.append("|---|---:|---:|---:|---:|---:|---:|")
        md.extend(sc)
    if notes:
        md.append("")
        md.append("## Notes")
        md.append("")
        for n in notes:
            md.append("- " + n)
    md.append("")
    text = "\n".join(md)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    sys.stdout.write(text)
    return 0


def main(argv):
    ap = argparse.ArgumentParser(prog="bench_util.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--tsv", required=True)
    r.add_argument("--input", required=True)
    r.add_argument("--tool", required=True)
    r.add_argument("--repeat", type=int, default=3)
    r.add_argument("--fresh")
    r.add_argument("--ok", default="0")
    r.add_argument("--log")
    r.add_argument("--cwd")
    r.add_argument("command", nargs=argparse.REMAINDER)
    q = sub.add_parser("par")
    q.add_argument("--tsv", required=True)
    q.add_argument("--input", required=True)
    q.add_argument("--tool", default="otzone")
    q.add_argument("--repeat", type=int, default=3)
    q.add_argument("--fresh", action="append")
    q.add_argument("--log")
    q.add_argument("command", nargs=argparse.REMAINDER)
    p = sub.add_parser("report")
    p.add_argument("--tsv", required=True)
    p.add_argument("--out")
    a = ap.parse_args(argv)
    if a.cmd in ("run", "par"):
        if a.command and a.command[0] == "--":
            a.command = a.command[1:]
        if not a.command:
            ap.error("%s: no command" % a.cmd)
        return cmd_run(a) if a.cmd == "run" else cmd_par(a)
    return cmd_report(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

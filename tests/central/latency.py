#!/usr/bin/env python3
"""latency.py URL SECONDS: GET the sensor's URL (its /healthz) every
quarter second for SECONDS and print the longest answer time in
milliseconds (an integer); a failed or timed-out request counts as
10000.  Only ever used against the test's own namespace."""
import sys
import time
import urllib.request


def main():
    url, secs = sys.argv[1], float(sys.argv[2])
    end, worst = time.monotonic() + secs, 0.0
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                r.read()
            took = time.monotonic() - t0
        except Exception:
            took = 10.0
        worst = max(worst, took)
        time.sleep(0.25)
    print(int(worst * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())

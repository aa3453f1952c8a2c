#!/usr/bin/env python3
"""wait.py URL EXPR [TIMEOUT]: poll the sensor's JSON URL (its /healthz)
until the Python expression EXPR over the parsed body `j` is true; print
the body and exit 0, or print the last body and exit 1 after TIMEOUT
seconds (default 30).  Only ever used against the test's own namespace.

  wait.py http://127.0.0.1:18070/healthz 'j["central"]["pending"] == 0'
"""
import json
import sys
import time
import urllib.error
import urllib.request


def main():
    url, expr = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    end, last = time.time() + limit, b""
    while True:
        try:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    last = r.read()
            except urllib.error.HTTPError as e:
                last = e.read()
            j = json.loads(last)
            if eval(expr, {}, {"j": j}):
                sys.stdout.write(last.decode() + "\n")
                return 0
        except (OSError, ValueError, KeyError, TypeError):
            pass
        if time.time() >= end:
            sys.stdout.write(last.decode(errors="replace") + "\n")
            return 1
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())

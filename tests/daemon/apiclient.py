#!/usr/bin/env python3
"""apiclient.py: the HTTP side of tests/daemon/check.sh (stdlib only).

  apiclient.py get URL [TOKEN]          print the status line, then the body
  apiclient.py wait URL KEY=VALUE|KEY>=NUMBER... [--timeout S]
                                   poll a JSON URL until every key has the
                                   value (JSON-compared); print the body
  apiclient.py abuse HOST PORT MAXCONN  malformed requests, oversized headers,
                                   slow clients past the connection limit
                                   and a trickling client; bounded in count
                                   and time; prints one line per check and
                                   exits 1 when one fails

Only ever run against the sensor's loopback address inside the test's
own network namespace.
"""
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def get(url, token=None, timeout=10):
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def cmd_get(args):
    st, body = get(args[0], args[1] if len(args) > 1 else None)
    try:
        sys.stdout.write("%d\n" % st)
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    except BrokenPipeError:  # the caller wanted the status line only
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def cmd_wait(args):
    url, want, limit, token = args[0], {}, 60.0, None
    rest = args[1:]
    while rest:
        a = rest.pop(0)
        if a == "--timeout":
            limit = float(rest.pop(0))
            continue
        if a == "--token":
            token = rest.pop(0) or None
            continue
        if ">=" in a:
            k, v = a.split(">=", 1)
            want[k] = (">=", json.loads(v))
        else:
            k, v = a.split("=", 1)
            want[k] = ("=", json.loads(v))
    end = time.time() + limit
    last = None
    while time.time() < end:
        try:
            st, body = get(url, token, timeout=5)
            last = body
            if st == 200:
                j = json.loads(body)
                if all(j.get(k) == v if op == "=" else
                       isinstance(j.get(k), (int, float)) and j.get(k) >= v
                       for k, (op, v) in want.items()):
                    sys.stdout.buffer.write(body)
                    return 0
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    sys.stderr.write("wait: %s: no %s within %.0fs; last: %r\n" %
                     (url, want, limit, last))
    return 1


def complete(resp):
    """A whole response (headers and Content-Length bytes of body)?"""
    head, sep, body = resp.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            try:
                return len(body) >= int(v.strip())
            except ValueError:
                return True
    return True


def raw(host, port, data, timeout=3.0):
    """Send raw bytes, return what comes back (b'' when closed)."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            out += b
            if complete(out):
                break
        return out
    finally:
        s.close()


def metrics(host, port):
    st, body = get("http://%s:%d/metrics" % (host, port))
    m = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            m[k] = float(v)
    return m


def cmd_abuse(args):
    host, port, maxconn = args[0], int(args[1]), int(args[2])
    base = "http://%s:%d" % (host, port)
    fails = []

    def check(name, ok, detail=""):
        print("abuse: %s %s%s" % ("ok" if ok else "FAIL", name,
                                  (": " + detail) if detail and not ok
                                  else ""))
        if not ok:
            fails.append(name)

    # 1. a burst of malformed requests, each answered or closed
    bad = [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"\x00\xff\x16\x03\x01" * 50,
           b"GET /api/assets HTTP/9.9\r\n\r\n",
           b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" % (b"A" * 20000),
           b"GET / HTTP/1.1\r\n" + b"X-Pad: " + b"B" * 20000 + b"\r\n\r\n",
           b"POST /api/assets HTTP/1.1\r\nContent-Length: 100000\r\n\r\n"
           + b"x" * 1000,
           b"DELETE /api/assets HTTP/1.1\r\nHost: x\r\n\r\n",
           b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
           b"GET /api/assets HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"zz\r\n"]
    answered = 0
    for i in range(200):
        try:
            r = raw(host, port, bad[i % len(bad)], timeout=2.0)
        except OSError:
            r = b""
        if r.startswith(b"HTTP/1.") or r == b"":
            answered += 1
    check("200 malformed requests answered or closed", answered == 200,
          "%d" % answered)
    st, body = get(base + "/api/assets?x=1")
    check("a good request after the burst", st == 200, str(st))
    st, body = get(base + "/api/nope")
    check("unknown path is 404", st == 404, str(st))
    r = raw(host, port, b"DELETE /api/assets HTTP/1.1\r\nHost: x\r\n\r\n")
    check("DELETE refused", r.startswith(b"HTTP/1.1 405") or
          r.startswith(b"HTTP/1.1 501"), r[:40].decode("latin1"))
    r = raw(host, port, b"POST /api/assets HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 2\r\n\r\nab")
    check("POST refused", r.startswith(b"HTTP/1.1 4") or
          r.startswith(b"HTTP/1.1 5"), r[:40].decode("latin1"))
    r = raw(host, port, b"GET / HTTP/1.1\r\nX: " + b"C" * 20000 +
            b"\r\n\r\n")
    check("oversized headers refused", r == b"" or
          r.startswith(b"HTTP/1.1 4"), r[:40].decode("latin1"))

    # 2. slow clients hold every slot: the next one is closed at once
    slow = []
    for i in range(maxconn + 6):
        s = socket.create_connection((host, port), timeout=2)
        s.sendall(b"GET /healthz HTTP/1.1\r\n")  # and then nothing
        slow.append(s)
    time.sleep(0.5)
    refused = 0
    for s in slow:
        s.settimeout(0.2)
        try:
            if s.recv(100) == b"":
                refused += 1
        except socket.timeout:
            pass
        except OSError:
            refused += 1
    check("connections past the limit closed at once", refused >= 6,
          "%d of %d closed" % (refused, len(slow)))
    for s in slow:
        s.close()
    time.sleep(0.5)
    st, body = get(base + "/healthz")
    check("served again once the slow clients left", st == 200, str(st))

    # 3. a client trickling a byte at a time is cut off (3x the timeout)
    s = socket.create_connection((host, port), timeout=2)
    t0 = time.time()
    cut = False
    msg = b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"s" * 4000
    for i in range(len(msg)):
        try:
            s.sendall(msg[i:i + 1])
        except OSError:
            cut = True
            break
        s.settimeout(0.3)
        try:
            if s.recv(100) == b"":
                cut = True
                break
        except socket.timeout:
            pass
        except OSError:
            cut = True
            break
        if time.time() - t0 > 20:
            break
    s.close()
    check("a trickling client is cut off", cut,
          "still open after %.1fs" % (time.time() - t0))
    time.sleep(0.5)
    m = metrics(host, port)
    check("no API connection left open",
          m.get("otzone_api_connections_open") == 1.0,  # this request
          str(m.get("otzone_api_connections_open")))
    check("refusals counted", m.get("otzone_api_connections_refused_total",
                                    0) >= 6)
    check("expiry counted", m.get("otzone_api_connections_expired_total",
                                  0) >= 1)
    return 1 if fails else 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    return {"get": cmd_get, "wait": cmd_wait, "abuse": cmd_abuse}[cmd](args)


if __name__ == "__main__":
    sys.exit(main())

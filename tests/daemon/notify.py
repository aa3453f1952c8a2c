#!/usr/bin/env python3
"""notify.py SOCKET OUT SECONDS: stand in for systemd's notify socket:
write each datagram received on SOCKET as one line of OUT, until
STOPPING=1 or SECONDS pass."""
import socket
import sys
import time

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
out = open(sys.argv[2], "w")
end = time.time() + float(sys.argv[3])
while time.time() < end:
    try:
        m = s.recv(4096).decode("utf-8", "replace")
    except socket.timeout:
        continue
    out.write(m.replace("\n", " ") + "\n")
    out.flush()
    if m.startswith("STOPPING=1"):
        break

#!/usr/bin/env python3
"""Sends page requests and hangs up 0-2 ms later, as a browser that goes
away does (bench.sh counts the server's panics afterwards; there must be
none).

Usage: abandon.py BASE_URL COOKIE [REQUESTS]
"""
import random
import socket
import struct
import sys
from urllib.parse import urlparse
import time

base, cookie = urlparse(sys.argv[1]), sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
paths = ["/", "/resources", "/me", "/requests", "/resources?q=eng", "/settings",
         "/roles/710000000001/eng-role-0", "/admin/sync"]
for _ in range(n):
    s = socket.create_connection((base.hostname, base.port))
    req = f"GET {random.choice(paths)} HTTP/1.1\r\nHost: {base.netloc}\r\nCookie: {cookie}\r\n\r\n"
    s.sendall(req.encode())
    time.sleep(random.random() * 0.002)
    # Reset, not a graceful close: the server sees the connection vanish.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()

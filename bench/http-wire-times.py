#!/usr/bin/env python3
"""Per HTTP request on the wire (pcap of lo): time from the request's first segment to the first and the
last segment of its response, by connection. Prints percentiles and the slowest exchanges."""
import struct, sys
from collections import defaultdict
f = open(sys.argv[1], 'rb')
ports = set(int(p) for p in sys.argv[2].split(','))
gh = f.read(24)
magic = struct.unpack('<I', gh[:4])[0]
nano = magic == 0xa1b23c4d
link = struct.unpack('<I', gh[20:24])[0]
conns = defaultdict(list)  # client port -> list of (t, dir, payload_start)
while True:
    h = f.read(16)
    if len(h) < 16: break
    ts, tf, incl, orig = struct.unpack('<IIII', h)
    data = f.read(incl)
    t = ts + tf / (1e9 if nano else 1e6)
    off = 14 if link == 1 else (16 if link == 113 else 0)
    ip = data[off:]
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6: continue
    ihl = (ip[0] & 15) * 4
    tcp = ip[ihl:]
    sp, dp = struct.unpack('!HH', tcp[:4])
    doff = (tcp[12] >> 4) * 4
    payload = tcp[doff:]
    if not payload: continue
    if dp in ports:
        conns[(sp, dp)].append((t, 'req', payload[:4]))
    elif sp in ports:
        conns[(dp, sp)].append((t, 'resp', payload[:8]))
first, last = [], []
slow = []
for key, pkts in conns.items():
    cur = None
    for t, d, p in pkts:
        if d == 'req' and p.startswith(b'GET '):
            if cur and cur[1] is not None:
                first.append(cur[1] - cur[0]); last.append(cur[2] - cur[0]); slow.append((cur[2] - cur[0], key, cur[0]))
            cur = [t, None, None]
        elif d == 'resp' and cur:
            if cur[1] is None: cur[1] = t
            cur[2] = t
    if cur and cur[1] is not None:
        first.append(cur[1] - cur[0]); last.append(cur[2] - cur[0]); slow.append((cur[2] - cur[0], key, cur[0]))
def pct(a, p):
    a = sorted(a); return a[min(len(a) - 1, max(0, int(len(a) * p / 100 + 0.5) - 1))] * 1000
print(f"{len(first)} exchanges on {len(conns)} connections")
for name, a in (('first response byte', first), ('last response byte', last)):
    print(f"{name}: p50 {pct(a,50):.2f} ms, p90 {pct(a,90):.2f}, p99 {pct(a,99):.2f}, max {pct(a,100):.2f}")
for s in sorted(slow, reverse=True)[:8]:
    print(f"  slow: {s[0]*1000:.1f} ms on {s[1]} at {s[2]:.3f}")

#!/usr/bin/env python3
"""Kernel oracle for classic socket filters (bpfsim test helper).

Reads JSON lines {"progs": [HEX, ...], "packets": [HEX, ...]} and prints one
JSON line {"lens": [[len or -1 per packet] per prog]}: each program is attached
with SO_ATTACH_FILTER to the receiving end of an AF_UNIX datagram socket pair,
each packet is sent, and the received length is recorded (-1 = dropped, i.e.
the filter returned 0). The kernel trims a packet to max(1, filter value), so
with values 1..16 and packets of at least 16 bytes the length is the value.
No privileges needed.
"""
import ctypes
import json
import socket
import sys

SO_ATTACH_FILTER = 26


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def run(progs, packets):
    out = []
    for hexprog in progs:
        raw = bytes.fromhex(hexprog)
        buf = ctypes.create_string_buffer(raw, len(raw))
        fprog = SockFprog(len(raw) // 8, ctypes.addressof(buf))
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            b.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(fprog))
            lens = []
            for p in packets:
                a.send(bytes.fromhex(p))
                try:
                    lens.append(len(b.recv(1 << 16, socket.MSG_DONTWAIT)))
                except BlockingIOError:
                    lens.append(-1)
            out.append(lens)
        except OSError as e:
            out.append({"error": e.errno})
        finally:
            a.close()
            b.close()
    return out


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    req = json.loads(line)
    print(json.dumps({"lens": run(req["progs"], req["packets"])}), flush=True)

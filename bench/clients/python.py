#!/usr/bin/env python3
"""bench/clients/python.py: the Python client, the standard socket module
with blocking sockets (no timeout), the same calls as bench/client.c.

    python3 bench/clients/python.py WORKLOAD SECONDS MAXOPS ARGS...

Python's socket has no recvmmsg/sendmmsg, so no *_mmsg workloads, and no
readiness workload here.
"""
import socket
import sys
import time

MSG_SIZE, DGRAM_BUF, BATCH, BURST, CHECK = 64, 2048, 64, 128, 16
CHUNK = 65536  # bulk writes; tcp_bulk_8k sets 8192

now = time.monotonic


def report(ops, secs, bulk=False):
    line = "ops=%d seconds=%.6f ops_per_sec=%.1f" % (ops, secs, ops / secs)
    if bulk:
        line += " mib_per_sec=%.2f" % (ops * CHUNK / 1048576 / secs)
    print(line, flush=True)


def bulk(s, seconds, maxops):
    chunk = b"x" * CHUNK
    ops = 0
    t0 = now()
    deadline = t0 + seconds
    while ops < maxops and now() < deadline:
        s.sendall(chunk)
        ops += 1
    s.shutdown(socket.SHUT_WR)
    parts = []
    while True:
        d = s.recv(64)
        if not d:
            break
        parts.append(d)
    reply = b"".join(parts)
    if int(reply) != ops * CHUNK:
        raise SystemExit("sink counted %r, sent %d chunks" % (reply, ops))
    report(ops, now() - t0, True)
    s.close()


def pingpong(s, seconds, maxops):
    msg = b"p" * MSG_SIZE
    ops = 0
    t0 = now()
    deadline = t0 + seconds
    while ops < maxops and (ops % CHECK != 0 or now() < deadline):
        s.sendall(msg)
        got = len(s.recv(MSG_SIZE))
        while got < MSG_SIZE:
            d = s.recv(MSG_SIZE - got)
            if not d:
                raise SystemExit("recv: end of stream")
            got += len(d)
        ops += 1
    report(ops, now() - t0)
    s.close()


def udp_pingpong(addr, seconds, maxops):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    msg = b"u" * MSG_SIZE
    ops = 0
    t0 = now()
    deadline = t0 + seconds
    while ops < maxops and (ops % CHECK != 0 or now() < deadline):
        s.sendto(msg, addr)
        s.recvfrom(DGRAM_BUF)
        ops += 1
    report(ops, now() - t0)
    s.close()


def recv_blast(addr, seconds, maxops):
    """Bursts of BURST datagrams queued by the blaster; only receiving is
    timed."""
    data = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    data.bind(("127.0.0.1", 0))
    request = b"B %d %d" % (BURST, data.getsockname()[1])
    ops, timed = 0, 0.0
    deadline = now() + seconds
    while ops < maxops and now() < deadline:
        ctl.sendto(request, addr)
        ctl.recv(64)
        t0 = now()
        got = 0
        while got < BURST:
            data.recvfrom(DGRAM_BUF)
            got += 1
        timed += now() - t0
        ops += got
    report(ops, timed)
    data.close()
    ctl.close()


def send_blast(addr, seconds, maxops):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    msg = b"b" * MSG_SIZE
    ops = checked = 0
    t0 = now()
    deadline = t0 + seconds
    while ops < maxops:
        s.sendto(msg, addr)
        ops += 1
        if ops - checked >= BATCH:
            checked = ops
            if now() >= deadline:
                break
    report(ops, now() - t0)
    s.close()


def connect_accept(addr, seconds, maxops):
    ops = 0
    t0 = now()
    deadline = t0 + seconds
    while ops < maxops and (ops % CHECK != 0 or now() < deadline):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(addr)
        s.close()
        ops += 1
    report(ops, now() - t0)


def main():
    global CHUNK
    if len(sys.argv) < 5:
        sys.exit("usage: python.py WORKLOAD SECONDS MAXOPS ARGS...")
    workload, seconds, maxops = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    a1 = sys.argv[4]
    if workload == "tcp_bulk_8k":
        CHUNK = 8192
    addr = (a1, int(sys.argv[5])) if len(sys.argv) > 5 else None
    if workload in ("tcp_bulk", "tcp_bulk_8k", "tcp_pingpong"):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(addr)
        if workload != "tcp_pingpong":
            bulk(s, seconds, maxops)
        else:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pingpong(s, seconds, maxops)
    elif workload in ("unix_bulk", "unix_pingpong"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(a1)
        if workload == "unix_bulk":
            bulk(s, seconds, maxops)
        else:
            pingpong(s, seconds, maxops)
    elif workload == "udp_pingpong":
        udp_pingpong(addr, seconds, maxops)
    elif workload == "udp_recv_blast":
        recv_blast(addr, seconds, maxops)
    elif workload == "udp_send_blast":
        send_blast(addr, seconds, maxops)
    elif workload == "connect_accept":
        connect_accept(addr, seconds, maxops)
    else:
        sys.stderr.write("unsupported workload %s\n" % workload)
        sys.exit(3)


if __name__ == "__main__":
    main()

"""SSE fan-out: N viewers on a campaign's live stream, then one signature; prints how long
until the first and the last viewer saw the new count, the server's resident memory per
viewer, and the CPU time the server and this client spent on the fan-out (to tell which of
the two bounds the time). Used by fanout.sh (which starts the server); asserts nothing.
    python3 fanout.py ORIGIN SLUG VIEWERS SERVER_PID

The viewers are plain non-blocking sockets on one epoll, not asyncio streams: the client
shares the machine's cores with the server, and asyncio's per-read overhead made it the
slower of the two at 10,000 viewers.
"""
import json
import os
import select
import socket
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request

origin, slug, viewers, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
host, port = urllib.parse.urlsplit(origin).hostname, urllib.parse.urlsplit(origin).port
path = f"/api/v1/campaigns/{slug}/events"
REQUEST = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()
TICKS = os.sysconf("SC_CLK_TCK")


def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


def server_cpu_seconds():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def last_count(buffer):
    """The count of the last complete `count` event in `buffer`, or None."""
    found = None
    for event in buffer.split(b"\n\n")[:-1]:
        if b"event: count" in event:
            found = json.loads(event.split(b"data: ", 1)[1].split(b"\n", 1)[0])["count"]
    return found


class Viewer:
    def __init__(self, poller):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.connect_ex((host, port))
        self.buffer = b""
        self.initial = None
        self.seen = None
        poller.register(self.sock.fileno(), select.EPOLLOUT)
        self.sent = False

    def on_ready(self, poller):
        """Returns True once this viewer's state moved (connected, or saw a count)."""
        if not self.sent:
            self.sock.sendall(REQUEST)
            self.sent = True
            poller.modify(self.sock.fileno(), select.EPOLLIN)
            return False
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("stream closed")
        self.buffer += chunk
        count = last_count(self.buffer)
        self.buffer = self.buffer[self.buffer.rfind(b"\n\n") + 2:] if b"\n\n" in self.buffer else self.buffer
        if count is None:
            return False
        if self.initial is None:
            self.initial = count
            return True
        if count > self.initial and self.seen is None:
            self.seen = time.perf_counter()
            return True
        return False


def sign():
    key = f"fanout-{time.time_ns()}"
    body = json.dumps({
        "name": "Fan Out", "email": f"{key}@bench.invalid", "fields": {},
        "consent": {"given": True, "text": "I agree."}, "public": False, "locale": "en",
        "source_url": "https://partner.example/page",
    }).encode()
    request = urllib.request.Request(
        f"{origin}/api/v1/campaigns/{slug}/signatures", data=body, method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": key})
    with urllib.request.urlopen(request) as r:
        r.read()


def wait_until(poller, by_fd, done, want, deadline):
    while done[0] < want:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{done[0]} of {want} viewers after the deadline")
        for fd, _ in poller.poll(1.0):
            if by_fd[fd].on_ready(poller):
                done[0] += 1


def main():
    poller = select.epoll()
    by_fd = {}
    before = rss_kib()
    connected = [0]
    for start in range(0, viewers, 500):  # in batches: the listen backlog is finite
        for _ in range(start, min(viewers, start + 500)):
            v = Viewer(poller)
            by_fd[v.sock.fileno()] = v
        wait_until(poller, by_fd, connected, min(viewers, start + 500), time.monotonic() + 120)
    time.sleep(1)  # let the server settle its buffers before measuring
    after = rss_kib()
    cpu_server, cpu_client = server_cpu_seconds(), time.process_time()
    t0 = time.perf_counter()
    threading.Thread(target=sign, daemon=True).start()
    updated = [0]
    wait_until(poller, by_fd, updated, viewers, time.monotonic() + 120)
    cpu_server, cpu_client = server_cpu_seconds() - cpu_server, time.process_time() - cpu_client
    delays = sorted((v.seen - t0) * 1000 for v in by_fd.values())
    print(f"fanout: {viewers} viewers; after one signature the first saw it in {delays[0]:.0f} ms, "
          f"the median in {statistics.median(delays):.0f} ms, the last in {delays[-1]:.0f} ms; "
          f"server memory {before / 1024:.1f} MiB → {after / 1024:.1f} MiB, "
          f"{(after - before) / viewers:.1f} KiB per viewer; CPU during the fan-out: "
          f"server {cpu_server * 1000:.0f} ms, client {cpu_client * 1000:.0f} ms")


main()

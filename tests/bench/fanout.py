"""SSE fan-out: N viewers on a campaign's live stream, then one signature; prints how long
until the first and the last viewer saw the new count, and the server's resident memory per
viewer. Used by fanout.sh (which starts the server); asserts nothing.
    python3 fanout.py ORIGIN SLUG VIEWERS SERVER_PID
"""
import asyncio
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request

origin, slug, viewers, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
host, port = urllib.parse.urlsplit(origin).hostname, urllib.parse.urlsplit(origin).port
path = f"/api/v1/campaigns/{slug}/events"


def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


async def viewer(connected, seen):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    buffer = b""
    initial = None
    while True:
        chunk = await reader.read(4096)
        if not chunk:
            raise RuntimeError("stream closed")
        buffer += chunk
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            if b"event: count" not in event:
                continue
            count = json.loads(event.split(b"data: ", 1)[1].split(b"\n", 1)[0])["count"]
            if initial is None:
                initial = count
                connected.release()
            elif count > initial:
                seen.append(time.perf_counter())
                writer.close()
                return


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


async def main():
    before = rss_kib()
    connected = asyncio.Semaphore(0)
    seen = []
    tasks = []
    for start in range(0, viewers, 500):  # in batches: the listen backlog is finite
        batch = [asyncio.create_task(viewer(connected, seen)) for _ in range(start, min(viewers, start + 500))]
        tasks += batch
        for _ in batch:
            await connected.acquire()
    await asyncio.sleep(1)  # let the server settle its buffers before measuring
    after = rss_kib()
    t0 = time.perf_counter()
    await asyncio.to_thread(sign)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    delays = sorted((t - t0) * 1000 for t in seen)
    print(f"fanout: {viewers} viewers; after one signature the first saw it in {delays[0]:.0f} ms, "
          f"the median in {statistics.median(delays):.0f} ms, the last in {delays[-1]:.0f} ms; "
          f"server memory {before / 1024:.1f} MiB → {after / 1024:.1f} MiB, "
          f"{(after - before) / viewers:.1f} KiB per viewer")


asyncio.run(main())

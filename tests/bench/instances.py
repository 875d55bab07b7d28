"""Cross-instance delivery: a viewer on instance B, K signatures posted one at a time to
instance A; prints how long each took to reach B's viewer (median, p99, max). Used by
instances.sh; asserts nothing.
    python3 instances.py ORIGIN_A ORIGIN_B SLUG K
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse

a, b, slug, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def connect(origin):
    u = urllib.parse.urlsplit(origin)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


stream = connect(b)
stream.request("GET", f"/api/v1/campaigns/{slug}/events", headers={"Accept": "text/event-stream"})
events = stream.getresponse()


def next_count():
    data = None
    while True:
        line = events.fp.readline().decode()
        if line.startswith("data: ") and data is None:
            data = line[6:]
        elif line == "\n" and data is not None:
            value = json.loads(data)
            if "count" in value:
                return value["count"]
            data = None


next_count()  # the current count, sent on connect
poster = connect(a)
delays = []
for i in range(k):
    key = f"instances-{time.time_ns()}"
    body = json.dumps({
        "name": "Two Instances", "email": f"{key}@bench.invalid", "fields": {},
        "consent": {"given": True, "text": "I agree."}, "public": False, "locale": "en",
        "source_url": "https://partner.example/page",
    })
    t0 = time.perf_counter()
    poster.request("POST", f"/api/v1/campaigns/{slug}/signatures", body=body,
                   headers={"Content-Type": "application/json", "Idempotency-Key": key})
    answer = poster.getresponse()
    count = json.loads(answer.read())["count"]
    while next_count() < count:
        pass
    delays.append((time.perf_counter() - t0) * 1000)
delays.sort()
print(f"instances: {k} signatures on A, each seen by a viewer on B after (from the post) "
      f"median {statistics.median(delays):.1f} ms, p99 {delays[int(len(delays) * 0.99) - 1]:.1f} ms, "
      f"max {delays[-1]:.1f} ms")

#!/usr/bin/env bash
# The public signer wall under load: a campaign with N public entries (default 100,000, ten
# featured) in a fresh SQLite file, `pledge-server serve` on loopback, then
#   - the first request (the wall is read from the database into memory: one indexed query),
#   - `wrk` on the first page, on a page 2,000 entries deep (by cursor), and on a search,
# each for S seconds (default 15) with 64 connections on 2 threads. Prints wrk's figures.
#   bash tests/bench/wall.sh [entries=100000] [seconds=15]
# Needs wrk (Debian: apt-get install wrk), python3 and a release build
# (cargo build --release -p pledge-server); PLEDGE_SERVER_BIN overrides the binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
entries=${1:-100000}
seconds=${2:-15}
bin=${PLEDGE_SERVER_BIN:-target/release/pledge-server}
[ -x "$bin" ] || { echo "build it first: cargo build --release -p pledge-server"; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/pledge-wall-bench.XXXXXX")
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
db="sqlite://$dir/wall.db"

"$bin" campaign create wall-bench --title "Wall bench" --pow 0 --public-names=immediate \
  --field "role:select:I am:required:artist=An artist|industry=An industry worker|fan=A fan" \
  --field "organisation:text:Band or organisation:optional:200" --field "country:country:Country" \
  --public-field role --public-field organisation --public-field country \
  --database-url "$db" >/dev/null

# Rows as `sign` stores them, written in one transaction (posting 100,000 signatures through
# HTTP would measure the signing path, which has its own tests).
python3 - "$dir/wall.db" "$entries" <<'PY'
import json, random, sqlite3, sys
path, n = sys.argv[1], int(sys.argv[2])
random.seed(14)
first = ["Ada", "Bob", "Cleo", "Dev", "Esme", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemi", "Luz"]
last = ["Lovelace", "Okafor", "Solberg", "Haddad", "Takeda", "Calloway", "Rahimi", "Nwosu", "Weber"]
roles = ["artist", "industry", "fan"]
db = sqlite3.connect(path)
cid = db.execute("SELECT id FROM campaigns WHERE slug = 'wall-bench'").fetchone()[0]
def row(i):
    fields = {"role": random.choice(roles), "organisation": f"Band {i % 5000}", "country": "GB"}
    t = f"2026-11-{1 + i * 29 // n:02d}T12:00:00.000Z"
    return (cid, f"{random.choice(first)} {random.choice(last)} {i}", f"s{i}@bench.invalid",
            f"s{i}@bench.invalid", json.dumps(fields), "I agree.", t, t)
with db:
    db.executemany(
        "INSERT INTO signatures (campaign_id, name, email, email_normalised, fields_json, public,"
        " consent_text, consent_at, signed_at, status, wall_state) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, 'signed', 'approved')",
        (row(i) for i in range(n)))
    db.execute("UPDATE signatures SET featured = id WHERE id <= 10")
    db.execute("UPDATE campaigns SET signature_count = ? WHERE id = ?", (n, cid))
    db.execute("DELETE FROM wall_changes")
db.close()
PY

"$bin" serve --addr 127.0.0.1:0 --database-url "$db" --rate-limit 0 --campaign-rate-limit 0 \
  > "$dir/serve.out" 2> "$dir/serve.err" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
origin=$(sed -n 's/^pledge-server listening on //p' "$dir/serve.out")
url="$origin/api/v1/campaigns/wall-bench/signers"

echo "== $entries public entries; first request (reads the wall into memory)"
curl -s -o /dev/null -w "status %{http_code}, %{time_total} s\n" "$url"
deep=$(python3 - "$url" <<'PY'
import json, sys, urllib.request
url, cursor = sys.argv[1], ""
for _ in range(20):
    page = json.load(urllib.request.urlopen(f"{url}?limit=100" + (f"&cursor={cursor}" if cursor else "")))
    cursor = page["next_cursor"]
print(cursor)
PY
)
echo "== the query that reads the wall (SQLite's plan: the partial index signatures_wall)"
sqlite3 "$dir/wall.db" "EXPLAIN QUERY PLAN SELECT id FROM signatures WHERE campaign_id = 1 AND public = 1 AND status = 'signed' AND wall_state <> 'hidden' AND (1 OR wall_state = 'approved')" 2>/dev/null || true
echo "== one request at a time (median of 21, curl time_total)"
for what in "first page|$url" "search q=lovelace|$url?q=lovelace"; do
  median=$(for _ in $(seq 21); do curl -s -o /dev/null -w "%{time_total}\n" "${what#*|}"; done | sort -n | sed -n 11p)
  echo "${what%%|*}: ${median} s"
done
for what in "first page (20 entries)|$url" "page after 2,000 entries (by cursor)|$url?cursor=$deep" \
            "search q=lovelace (scans every entry)|$url?q=lovelace" "first page, 100 entries|$url?limit=100"; do
  echo "== ${what%%|*}"
  wrk -t2 -c64 -d"${seconds}s" --latency "${what#*|}" | sed -n '/Latency/,/Transfer/p'
done
echo "== server RSS: $(ps -o rss= -p "$server" | awk '{printf "%.0f MB", $1/1024}')"

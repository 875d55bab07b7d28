#!/usr/bin/env bash
# `GET …/count` against nginx serving the same JSON as a static file, in the same run (issue
# 13, item 4: the goal is ≥ 0.8× nginx). Both on loopback, `wrk -t2 -c64` for S seconds
# each, one after the other; prints both and the ratio.
#   bash tests/bench/count.sh [seconds=10]
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light) and a release build.
. "$(dirname "$0")/lib.sh"
seconds=${1:-10}
bench_header "$@"
command -v wrk >/dev/null || { echo "needs wrk"; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)

bench_database db sqlite count
bench_campaign "$db" count-bench
# No access log on either side (the server logs one INFO line per request; nginx below has
# `access_log off`): this compares serving the count, not writing logs. RUST_LOG=info
# bash tests/bench/count.sh measures the server with its access log.
RUST_LOG=${RUST_LOG:-warn} bench_serve server "$db"
url="$server/api/v1/campaigns/count-bench/count"

# nginx: the same body, one worker per core as the server has, no logging.
mkdir -p "$BENCH_DIR/www"
chmod 755 "$BENCH_DIR" "$BENCH_DIR/www"
curl -fsS "$url" > "$BENCH_DIR/www/count.json"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$BENCH_DIR/nginx.conf" <<CONF
worker_processes $(nproc);
pid $BENCH_DIR/nginx.pid;
error_log $BENCH_DIR/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$port;
        root $BENCH_DIR/www;
        default_type application/json;
    }
}
CONF
"$nginx" -c "$BENCH_DIR/nginx.conf" -p "$BENCH_DIR"
BENCH_PIDS+=("$(cat "$BENCH_DIR/nginx.pid")")

run() { # label url → requests/s
  echo "== $1: wrk -t2 -c64 -d${seconds}s --latency $2" >&2
  wrk -t2 -c64 -d"${seconds}s" --latency "$2" | tee "$BENCH_DIR/$1.wrk" >&2
  awk '/Requests\/sec/ {print $2}' "$BENCH_DIR/$1.wrk"
}
ours=$(run pledge-server "$url")
theirs=$(run nginx "http://127.0.0.1:$port/count.json")
echo "count: pledge-server $ours req/s, nginx static $theirs req/s, ratio $(python3 -c "print(f'{$ours / $theirs:.2f}')")"

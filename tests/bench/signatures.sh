#!/usr/bin/env bash
# Durable new signatures per second (issue 13, item 3): `wrk -t2 -c64` for S seconds, every
# post a new email, abuse limits lifted, on SQLite (the server's own settings: WAL,
# synchronous=FULL) or on a throwaway PostgreSQL cluster with fsync on. Each `201` is
# answered after its commit. Prints wrk's figures, the statuses, p50/p99, and the rows
# stored afterwards (which must equal the `201`s).
#   bash tests/bench/signatures.sh [sqlite|postgres] [seconds=10]
# Needs wrk and a release build.
. "$(dirname "$0")/lib.sh"
store=${1:-sqlite}
seconds=${2:-10}
bench_header "$@"
command -v wrk >/dev/null || { echo "needs wrk"; exit 1; }

bench_database db "$store" sign_bench
bench_campaign "$db" sign-bench
bench_serve server "$db"
url="$server/api/v1/campaigns/sign-bench/signatures"
echo "== $store: wrk -t2 -c64 -d${seconds}s --latency -s tests/bench/sign.lua $url"
cpu_before=$(cpu_ticks "$server_PID")
wrk -t2 -c64 -d"${seconds}s" --latency -s tests/bench/sign.lua "$url" | tee "$BENCH_DIR/sign.wrk"
cpu_after=$(cpu_ticks "$server_PID")
stored=$(curl -fsS "$server/api/v1/campaigns/sign-bench/count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
created=$(awk '/^status 201:/ {print $3}' "$BENCH_DIR/sign.wrk")
echo "signatures ($store): $(python3 -c "print(round(${created:-0} / $seconds))") new durable signatures/s ($created answered 201, count afterwards $stored), $(grep '^p50' "$BENCH_DIR/sign.wrk")"
# CPU time the server spent per signature (user + system, all its threads): what the machine's
# cores bound, whatever the neighbours take. 2 cores / this = the ceiling on an idle machine.
echo "server CPU: $(python3 -c "print(round(($cpu_after - $cpu_before) * 1e6 / $(getconf CLK_TCK) / max(${created:-0}, 1)))") µs per signature"

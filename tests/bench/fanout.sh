#!/usr/bin/env bash
# SSE fan-out (issue 13, item 4): N viewers (default 10,000) hold a campaign's live stream on
# one server (SQLite), one signature arrives; prints the time until every viewer saw the new
# count and the server's memory per viewer (RSS after the viewers connected minus before).
#   bash tests/bench/fanout.sh [viewers=10000]
# Needs python3 and a release build. Raises the open-files limit for both ends.
. "$(dirname "$0")/lib.sh"
viewers=${1:-10000}
# Each side holds one descriptor per viewer (client and server are separate processes).
hard=$(ulimit -Hn)
want=$((viewers + 1024))
[ "$hard" = unlimited ] || [ "$want" -le "$hard" ] || { echo "needs $want open files; the hard limit is $hard"; exit 1; }
ulimit -Sn "$want"
bench_header "$@"
bench_database db sqlite fanout
bench_campaign "$db" fanout-bench
bench_serve server "$db"
python3 tests/bench/fanout.py "$server" fanout-bench "$viewers" "$server_PID"

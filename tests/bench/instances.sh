#!/usr/bin/env bash
# Two `serve` instances on one PostgreSQL (a throwaway cluster, fsync on, unless DATABASE_URL
# names a server): a viewer on B, K signatures posted to A one at a time; prints the delay
# from each post until B's viewer saw its count (issue 13, item 2: LISTEN/NOTIFY).
#   bash tests/bench/instances.sh [signatures=200]
# Needs python3, PostgreSQL and a release build.
. "$(dirname "$0")/lib.sh"
k=${1:-200}
bench_header "$@"
bench_database db postgres instances_bench
bench_campaign "$db" instances-bench
bench_serve a "$db"
bench_serve b "$db"
python3 tests/bench/instances.py "$a" "$b" instances-bench "$k"

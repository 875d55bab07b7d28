# Sourced by the benchmarks: a release `pledge-server`, a temporary folder removed on exit,
# servers started on loopback and stopped on exit. Benchmarks print figures; they assert none.
#   PLEDGE_SERVER_BIN  the binary (default target/release/pledge-server)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN=${PLEDGE_SERVER_BIN:-target/release/pledge-server}
[ -x "$BIN" ] || { echo "build it first: cargo build --release -p pledge-server"; exit 1; }
BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pledge-bench.XXXXXX")
BENCH_PIDS=()
bench_cleanup() {
  for pid in "${BENCH_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if declare -F stop_throwaway_postgres >/dev/null; then stop_throwaway_postgres; fi
  rm -rf "$BENCH_DIR"
}
trap bench_cleanup EXIT

# What a reader needs to compare figures: the machine, its load, the commit.
bench_header() {
  echo "# $0 $*"
  echo "# $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ)"
}

# `bench_database VAR STORE NAME`: sets VAR to a database URL for this run: a SQLite file, or
# a database on a throwaway PostgreSQL cluster with fsync on (durable commits, as in
# production). Not in `$(…)`: the cluster must outlive the call.
bench_database() {
  local var=$1 store=$2 name=$3
  if [ "$store" = postgres ]; then
    if [ -z "${DATABASE_URL:-}" ]; then
      . .ci/lib/postgres.sh
      FSYNC=on start_throwaway_postgres
      trap bench_cleanup EXIT
    fi
    local psql=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}/psql
    "$psql" -q "$DATABASE_URL" -c "CREATE DATABASE $name" >/dev/null
    # Instances on PostgreSQL share a key (serve refuses to start without one).
    export PLEDGE_SECRET_KEY=${PLEDGE_SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
    printf -v "$var" '%s' "${DATABASE_URL%/*}/$name"
  else
    printf -v "$var" '%s' "sqlite://$BENCH_DIR/$name.db"
  fi
}

# `bench_serve VAR DB ARGS…`: `serve` on a free loopback port with every abuse limit lifted
# (the benchmarks post from one address); sets VAR to its origin and VAR_PID to its pid.
bench_serve() {
  local var=$1 db=$2; shift 2
  local out="$BENCH_DIR/$var.out"
  "$BIN" serve --addr 127.0.0.1:0 --database-url "$db" --rate-limit 0 --campaign-rate-limit 0 \
    --hold-after 0 --max-streams 0 --max-streams-per-client 0 --max-connections 100000 \
    --max-connections-per-client 0 "$@" >"$out" 2>"$BENCH_DIR/$var.err" &
  local pid=$!
  BENCH_PIDS+=("$pid")
  for _ in $(seq 200); do grep -q "listening on" "$out" 2>/dev/null && break; sleep 0.05; done
  grep -q "listening on" "$out" || { cat "$BENCH_DIR/$var.err"; exit 1; }
  printf -v "$var" '%s' "$(sed -n 's/^pledge-server listening on //p' "$out")"
  printf -v "${var}_PID" '%s' "$pid"
}

bench_campaign() { # db slug
  "$BIN" campaign create "$2" --title "Bench" --pow 0 --min-fill-seconds 0 \
    --consent-text "I agree." --database-url "$1" >/dev/null
}

# CPU time of a process so far (user + system), in clock ticks (`getconf CLK_TCK` a second).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Resident memory of a process, in KiB.
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

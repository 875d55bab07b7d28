# Sourced: `start_throwaway_postgres` starts a PostgreSQL cluster for tests and benchmarks
# (initdb into a temporary folder, a free loopback port), exports DATABASE_URL naming its
# `postgres` database, and removes it when the calling shell exits (EXIT trap).
#   FSYNC=on start_throwaway_postgres   # durable commits, for benchmarks of durability
# Default fsync=off: test data only, and the suite runs faster.
start_throwaway_postgres() {
  local pgbin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
  [ -x "$pgbin/initdb" ] || { echo "no PostgreSQL found (set PGBIN or DATABASE_URL)"; return 1; }
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pledge-pg.XXXXXX")
  # initdb refuses to run as root: the cluster belongs to `postgres` then.
  PG_AS_OWNER=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_DIR"
    PG_AS_OWNER=(runuser -u postgres --)
  fi
  PG_BIN=$pgbin
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  trap stop_throwaway_postgres EXIT
  "${PG_AS_OWNER[@]}" "$pgbin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  "${PG_AS_OWNER[@]}" "$pgbin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=${FSYNC:-off} -c max_connections=300" start >/dev/null \
    || { cat "$PG_DIR/server.log"; return 1; }
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "throwaway PostgreSQL on 127.0.0.1:$port ($PG_DIR, fsync=${FSYNC:-off})"
}

stop_throwaway_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_AS_OWNER[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}

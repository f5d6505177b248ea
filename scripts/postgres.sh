# Starts a private PostgreSQL from the installed binaries. Source this file,
# then call `pg_start DATA_DIR` (exports DATABASE_URL) and `pg_stop DATA_DIR`.
# As root, the server runs as the `postgres` user (initdb refuses root).

pg_bin_dir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin; do
    if [ -x "$candidate/pg_ctl" ]; then
      echo "$candidate"
      return
    fi
  done
  echo "PostgreSQL binaries (pg_ctl, initdb) not found: install PostgreSQL 15 or set DATABASE_URL" >&2
  return 1
}

pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432
}

# pg_start DATA_DIR [PORT]: initialises DATA_DIR when empty, starts the server
# on 127.0.0.1:PORT (a free one by default) and exports DATABASE_URL.
pg_start() {
  local data_dir=$1 port=${2:-$(pg_free_port)} bin
  bin=$(pg_bin_dir) || return 1
  mkdir -p "$data_dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$data_dir"
  fi
  chmod 700 "$data_dir"
  if [ ! -f "$data_dir/PG_VERSION" ]; then
    pg_as_owner "$bin/initdb" -D "$data_dir" -U postgres --auth=trust --encoding=UTF8 --no-sync >"$data_dir.initdb.log" 2>&1 \
      || { cat "$data_dir.initdb.log" >&2; return 1; }
  fi
  pg_as_owner "$bin/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data_dir -c fsync=off -c max_connections=300" \
    start >/dev/null || { cat "$data_dir/server.log" >&2; return 1; }
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# pg_stop DATA_DIR: stops the server started by pg_start.
pg_stop() {
  local data_dir=$1 bin
  bin=$(pg_bin_dir) || return 0
  [ -f "$data_dir/postmaster.pid" ] && pg_as_owner "$bin/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null 2>&1
  return 0
}

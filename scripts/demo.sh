#!/usr/bin/env bash
# The guide's example flow on this machine: a private PostgreSQL (cluster
# under .fnosync/pg, kept between runs; the demo database is made anew each
# run, since the sandboxes start fresh too), both sandboxes seeded with the
# guide's data, `fnosync serve` configured through its gRPC API, and the
# one-time sync of SF-DemoAccount. --once stops after the sync; otherwise
# everything keeps running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

state=$(pwd)/.fnosync
mkdir -p "$state"
chmod 755 "$state"

echo "==> building"
cargo build --quiet --bin fnosync --bin fnosync-demo

pg_start "$state/pg" "${FNOSYNC_DEMO_PG_PORT:-}"
trap 'pg_stop "$state/pg"' EXIT
base_url=$DATABASE_URL
psql "$base_url" -q -c "DROP DATABASE IF EXISTS fnosync_demo WITH (FORCE)" -c "CREATE DATABASE fnosync_demo"
database_url="${base_url%/*}/fnosync_demo"
echo "PostgreSQL          $database_url (data in $state/pg)"

target/debug/fnosync-demo \
  --fnosync-bin target/debug/fnosync \
  --database-url "$database_url" \
  --state-dir "$state" \
  --listen "${FNOSYNC_LISTEN:-127.0.0.1:50051}" \
  "$@"

#!/usr/bin/env bash
# Benchmarks the scheduled sync: a private PostgreSQL (cluster under
# .fnosync/bench-pg, kept between runs; the database is made anew each run),
# both sandboxes with a latency per call, `fnosync serve` built with
# --release, N accounts x 3 opportunities x 3 lines (by default 1,000), a full
# scheduled sync, then a second one with nothing changed. Options are passed
# to fnosync-bench (see `--help`), e.g. --accounts 200 --latency-ms 20.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

state=$(pwd)/.fnosync
mkdir -p "$state"
chmod 755 "$state"

echo "==> building (release)"
cargo build --quiet --release --bin fnosync --bin fnosync-bench

pg_start "$state/bench-pg" "${FNOSYNC_BENCH_PG_PORT:-}"
trap 'pg_stop "$state/bench-pg"' EXIT
base_url=$DATABASE_URL
psql "$base_url" -q -c "DROP DATABASE IF EXISTS fnosync_bench WITH (FORCE)" -c "CREATE DATABASE fnosync_bench"

target/release/fnosync-bench \
  --fnosync-bin target/release/fnosync \
  --database-url "${base_url%/*}/fnosync_bench" \
  --state-dir "$state/bench" \
  "$@"

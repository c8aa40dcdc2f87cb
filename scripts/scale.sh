#!/usr/bin/env bash
# The organisation-scale bench (issue #14 item 6): a simulated AWS
# Organization in moto of 10, then 100, then 1,000 member accounts, each
# with the spoke role and 50 roles, synced by one release `latchkey sync`
# (ListAccounts discovers the members; every account's IAM, S3, SQS and SNS
# passes at most `sync.concurrency` at once). Prints per size: wall time,
# peak RSS of the process, runs failed, rows cached, Postgres database size
# and rows/s. It must fit in one default schedule period (15 minutes).
#
#   bash scripts/scale.sh                    # 10, 100 and 1,000 accounts
#   SCALE_SIZES="10 100" bash scripts/scale.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MOTO_PORT=${SCALE_MOTO_PORT:-5450}
DB=latchkey_scale
SIZES=${SCALE_SIZES:-10 100 1000}

ensure_rust
ensure_venv
ensure_postgres
ensure_moto "$MOTO_PORT"
[ -x /usr/bin/time ] || { log "installing GNU time (Debian)"; apt_install time; }
cd "$ROOT"
log "building the release server"
cargo build --release --package=server --bin=latchkey
BIN=$RUN/latchkey-scale
cp "$CARGO_TARGET_DIR/release/latchkey" "$BIN"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing RUST_LOG=${RUST_LOG:-warn}
CONF=$RUN/scale.toml
cat >"$CONF" <<TOML
[database]
url = "$PG_BASE/$DB"
[aws]
endpoint_url = "http://127.0.0.1:$MOTO_PORT"
region = "us-east-1"
spoke_role_name = "LatchkeySpoke"
[[organizations]]
management_account_id = "123456789012"
[auth]
dev_mode = true
i_know_dev_mode_is_unsafe = true
admin_groups = ["admins"]
[[auth.dev_users]]
id = "ada@example.com"
display_name = "Ada"
groups = ["admins"]
TOML

printf '%9s %10s %9s %8s %10s %10s %10s %9s\n' accounts "wall s" "RSS MiB" failed rows "db MiB" "rows/s" "s/100acc"
for n in $SIZES; do
  log "seeding moto: an organization of $n accounts x 50 roles"
  "$VENV/bin/python" scripts/seed_scale.py "http://127.0.0.1:$MOTO_PORT" "$n" >&2
  psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
  "$BIN" --config "$CONF" migrate >/dev/null
  log "latchkey sync ($n accounts)"
  /usr/bin/time -f '%e %M' -o "$RUN/scale-time" "$BIN" --config "$CONF" sync >"$RUN/scale-sync-$n.log" 2>&1 || true
  read -r wall kib <"$RUN/scale-time"
  failed=$(grep -c FAILED "$RUN/scale-sync-$n.log" || true)
  rows=$(psql "$PG_BASE/$DB" -tAc "SELECT count(*) FROM resources")
  synced=$(psql "$PG_BASE/$DB" -tAc "SELECT count(DISTINCT account_id) FROM sync_runs WHERE task = 'iam' AND outcome = 'success'")
  mib=$(psql "$PG_BASE/$DB" -tAc "SELECT round(pg_database_size('$DB') / 1048576.0, 1)")
  awk -v n="$n" -v w="$wall" -v k="$kib" -v f="$failed" -v r="$rows" -v m="$mib" -v s="$synced" 'BEGIN {
    printf "%9d %10.1f %9.0f %8d %10d %10s %10.0f %9.1f   (%d accounts synced)\n", n, w, k / 1024, f, r, m, r / w, w * 100 / n, s }'
  [ "$failed" = 0 ] || { echo "failed runs (see $RUN/scale-sync-$n.log):" >&2; grep FAILED "$RUN/scale-sync-$n.log" | head -5 >&2; }
done

#!/usr/bin/env bash
# The load bench (issue #14 item 8): one release `latchkey server` on seeded
# moto (3 accounts x 1,001 roles, 200 buckets, queues and topics) and
# Postgres; 200 engineers browse while 20 submit requests that 20 admins
# approve (each applied in moto), for 60 s (server/benches/load.rs). Prints
# p50/p99 per route and every error, then checks what must hold: 0 errors,
# requests in the database = requests submitted, changes applied = approvals,
# the last applied policy of each submitter's role in moto and in the cache,
# 0 server panics; and the server's peak memory.
#
#   bash scripts/load.sh
#   LOAD_SECONDS=20 LOAD_BROWSERS=50 bash scripts/load.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MOTO_PORT=${LOAD_MOTO_PORT:-5600}
PORT=${LOAD_PORT:-3600}
DB=latchkey_load
BASE=http://127.0.0.1:$PORT
BROWSERS=${LOAD_BROWSERS:-200}
SUBMITTERS=${LOAD_SUBMITTERS:-20}
ACCOUNTS=710000000001,710000000002,710000000003

ensure_rust
ensure_venv
ensure_postgres
ensure_moto "$MOTO_PORT"
cd "$ROOT"
log "building the release server and the load client"
cargo build --release --package=server --bin=latchkey
cargo build --release --package=server --bench=load
BIN=$RUN/latchkey-load
cp "$CARGO_TARGET_DIR/release/latchkey" "$BIN"
CLIENT=$(ls -t "$CARGO_TARGET_DIR"/release/deps/load-* | grep -v '\.d$' | head -1)
mkdir -p "$ROOT/target/site/pkg"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing RUST_LOG=${RUST_LOG:-warn}
CONF=$RUN/load.toml
{
  bench_config "$PORT" "$DB" "$MOTO_PORT"
  for a in ${ACCOUNTS//,/ }; do toml_account "$a" "load-${a: -1}"; done
  for i in $(seq 0 $((BROWSERS - 1))); do toml_dev_user "eng-$i@example.com" "eng-$i" engineers; done
  for i in $(seq 0 $((SUBMITTERS - 1))); do
    toml_dev_user "sub-$i@example.com" "sub-$i" engineers
    toml_dev_user "admin-$i@example.com" "admin-$i" admins
  done
} >"$CONF"

log "seeding moto: 3 accounts x 1,001 roles, 200 buckets, queues and topics"
"$VENV/bin/python" scripts/seed_bench.py "http://127.0.0.1:$MOTO_PORT" >&2
psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
"$BIN" --config "$CONF" migrate >/dev/null
log "latchkey sync"
"$BIN" --config "$CONF" sync >/dev/null

"$BIN" --config "$CONF" server >"$RUN/load-server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$BASE/healthz" && break; sleep 0.1; done
log "load: $BROWSERS browsing, $SUBMITTERS submitting and $SUBMITTERS approving for ${LOAD_SECONDS:-60} s"
LOAD_BASE=$BASE LOAD_BROWSERS=$BROWSERS LOAD_SUBMITTERS=$SUBMITTERS LOAD_ACCOUNTS=$ACCOUNTS \
  LOAD_OUT=$RUN/load.json "$CLIENT"
hwm=$(awk '/^VmHWM:/ {printf "%d", $2 / 1024}' "/proc/$SERVER_PID/status")
kill $SERVER_PID; wait $SERVER_PID 2>/dev/null || true

num() { "$VENV/bin/python" -c "import json,sys; print(json.load(open('$RUN/load.json'))['$1'])"; }
errors=$(num errors); submitted=$(num submitted); approved=$(num approved)
in_db=$(psql "$PG_BASE/$DB" -tAc "SELECT count(*) FROM requests")
applied=$(psql "$PG_BASE/$DB" -tAc "SELECT count(*) FROM request_changes WHERE status = 'applied'")
panics=$(grep -c panicked "$RUN/load-server.log" || true)
# Each submitter's role: the last applied policy is in moto and in the cache.
stale=0
for n in $(seq 0 $((SUBMITTERS - 1))); do
  acct=$(echo "$ACCOUNTS" | cut -d, -f$(( n % 3 + 1 )))
  role="arn:aws:iam::$acct:role/eng-role-$n"
  want=$(psql "$PG_BASE/$DB" -tAc "SELECT spec->'document'->'Statement'->0->>'Resource' FROM request_changes
    WHERE target_arn = '$role' AND status = 'applied' ORDER BY applied_at DESC LIMIT 1")
  [ -z "$want" ] && continue
  cached=$(psql "$PG_BASE/$DB" -tAc "SELECT p->'document'->'Statement'->0->>'Resource'
    FROM roles, jsonb_array_elements(inline_policies) p WHERE arn = '$role' AND p->>'name' = 'load-$n'")
  in_moto=$("$VENV/bin/python" - "$MOTO_PORT" "$acct" "$n" <<'PY'
import boto3, sys
port, acct, n = sys.argv[1:]
sts = boto3.client("sts", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
c = sts.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/LatchkeySpoke", RoleSessionName="check")["Credentials"]
iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                   aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
print(iam.get_role_policy(RoleName=f"eng-role-{n}", PolicyName=f"load-{n}")["PolicyDocument"]["Statement"][0]["Resource"])
PY
)
  if [ "$cached" != "$want" ] || [ "$in_moto" != "$want" ]; then
    echo "eng-role-$n: last applied $want, in moto $in_moto, cached $cached"
    stale=$((stale + 1))
  fi
done
echo "requests in the database: $in_db (submitted $submitted); changes applied: $applied (approved $approved)"
echo "roles whose last applied policy is missing in moto or the cache: $stale"
echo "server panics: $panics; server peak resident memory: $hwm MiB"
ok=1
[ "$errors" = 0 ] || { echo "FAIL: $errors errors"; ok=0; }
[ "$in_db" = "$submitted" ] || { echo "FAIL: $in_db requests stored, $submitted submitted"; ok=0; }
[ "$applied" = "$approved" ] || { echo "FAIL: $applied applied, $approved approved"; ok=0; }
[ "$stale" = 0 ] || { echo "FAIL: $stale roles out of step"; ok=0; }
[ "$panics" = 0 ] || { echo "FAIL: $panics panics"; ok=0; }
[ $ok = 1 ] && echo "load held"
[ $ok = 1 ]

#!/usr/bin/env bash
# Credential latency through each CLI mode (issue #16), as a laptop meets
# it: one release `latchkey server` on the seeded demo (moto + Postgres),
# and the same release binary as the CLI. For each mode, N requests for
# eng-developer in staging, timed from the client; prints p50 / p95 in ms.
#   bash scripts/cli_latency.sh            (N=50)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MOTO_PORT=${CLI_MOTO_PORT:-5700}
PORT=${CLI_PORT:-3700}
LOCAL_PORT=${CLI_LOCAL_PORT:-3791}
N=${CLI_N:-50}
DB=latchkey_cli_latency
BASE=http://127.0.0.1:$PORT
ROLE=staging/eng-developer

ensure_rust
ensure_venv
ensure_postgres
ensure_moto "$MOTO_PORT"
cd "$ROOT"
log "building the release binary"
cargo build --release --package=server --bin=latchkey
BIN=$RUN/latchkey-cli-latency
cp "$CARGO_TARGET_DIR/release/latchkey" "$BIN"
mkdir -p "$ROOT/target/site/pkg"
"$VENV/bin/python" scripts/seed_demo.py "http://127.0.0.1:$MOTO_PORT" >&2
psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing RUST_LOG=${RUST_LOG:-warn}
DATABASE_URL=$PG_BASE/$DB LATCHKEY__AWS__ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT \
  LATCHKEY__SERVER__LISTEN=127.0.0.1:$PORT LATCHKEY__CREDENTIAL_PROTECTION__ENABLED=false \
  "$BIN" --config config/demo.toml server >"$RUN/cli-latency-server.log" 2>&1 &
SERVER_PID=$!
HOME_DIR=$(mktemp -d)
trap 'kill $SERVER_PID ${SERVE_PID:-} 2>/dev/null || true; rm -rf "$HOME_DIR"' EXIT
for _ in $(seq 200); do grep -q "start-up sync finished" "$RUN/cli-latency-server.log" && break; sleep 0.2; done

# Erin signs in (dev mode) and makes a credentials-only token for the CLI.
JAR=$HOME_DIR/jar
curl -sf -c "$JAR" -H "Origin: $BASE" -d user_id=erin@example.com "$BASE/api/dev_sign_in" -o /dev/null
TOKEN=$(curl -sf -b "$JAR" -H "Origin: $BASE" -d name=bench -d scope=credentials "$BASE/api/create_token" \
  | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export XDG_CONFIG_HOME=$HOME_DIR
"$BIN" login --server "$BASE" --token "$TOKEN" >/dev/null

# Microseconds of one run of "$@".
us() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "failed: $*" >&2; e=$(date +%s%N); echo $(((e - s) / 1000)); }
report() { # name, then microseconds on stdin
  sort -n | awk -v name="$1" '{a[NR]=$1} END {printf "%-46s p50 %7.2f ms   p95 %7.2f ms   (n=%d)\n", name, a[int(NR*0.5)+(NR%2)]/1000, a[int(NR*0.95)]/1000, NR}'
}

log "timing $N credential requests per mode"
for _ in $(seq "$N"); do us curl -sf -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"requested_role\": \"$ROLE\"}" "$BASE/api/v1/get_credentials"; done | report "API POST /api/v1/get_credentials (STS each)"
for _ in $(seq "$N"); do us "$BIN" credential-process "$ROLE"; done | report "latchkey credential-process (process + STS)"
for _ in $(seq "$N"); do us "$BIN" export "$ROLE"; done | report "latchkey export"

"$BIN" serve "$ROLE" --port "$LOCAL_PORT" >"$HOME_DIR/serve.out" &
SERVE_PID=$!
for _ in $(seq 100); do [ -s "$HOME_DIR/serve.out" ] && break; sleep 0.1; done
LOCAL_TOKEN=$(sed -n 's/^export AWS_CONTAINER_AUTHORIZATION_TOKEN=//p' "$HOME_DIR/serve.out")
L=http://127.0.0.1:$LOCAL_PORT
for _ in $(seq "$N"); do us curl -sf -H "Authorization: $LOCAL_TOKEN" "$L/"; done | report "latchkey serve, ECS / (cached)"
for i in $(seq "$N"); do us curl -sf -H "Authorization: $LOCAL_TOKEN" "$L/ecs/staging/eng-readonly"; done | report "latchkey serve, ECS /ecs/{role} (cached)"
IMDS=$(curl -sf -X PUT -H 'x-aws-ec2-metadata-token-ttl-seconds: 600' "$L/latest/api/token")
for _ in $(seq "$N"); do us curl -sf -H "x-aws-ec2-metadata-token: $IMDS" "$L/latest/meta-data/iam/security-credentials/eng-developer"; done \
  | report "latchkey serve, IMDSv2 credentials (cached)"
for _ in $(seq "$N"); do us env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_EC2_METADATA_SERVICE_ENDPOINT=$L/ \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_DEFAULT_REGION=us-east-1 \
  "$VENV/bin/aws" sts get-caller-identity --endpoint-url "http://127.0.0.1:$MOTO_PORT"; done \
  | report "aws sts get-caller-identity via IMDS (whole CLI)"

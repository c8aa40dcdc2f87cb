#!/usr/bin/env bash
# Installs what the tests need and runs every test: format and lint checks,
# unit tests, server tests on real Postgres + moto, and the Chromium e2e flow.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TEST_MOTO_PORT=${TEST_MOTO_PORT:-5100}
E2E_MOTO_PORT=${E2E_MOTO_PORT:-5101}
E2E_PORT=${E2E_PORT:-3100}
E2E_OIDC_PORT=${E2E_OIDC_PORT:-3190}
E2E_DB=${E2E_DB:-latchkey_e2e}

ensure_rust
ensure_venv
ensure_awscli
ensure_parliament
ensure_schemathesis
ensure_cfnlint
ensure_kubevalidate
ensure_node_deps
ensure_chromium
ensure_postgres
ensure_moto "$TEST_MOTO_PORT"
ensure_moto "$E2E_MOTO_PORT"
cd "$ROOT"

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy --package=frontend --target=wasm32-unknown-unknown --no-default-features --features=hydrate --quiet -- -D warnings

log "server/.sqlx must describe every query against the migrations"
bash scripts/sqlx-prepare.sh --check

log "wasm bundle must not contain sqlx, the AWS SDK or tokio"
if cargo tree -p frontend --target wasm32-unknown-unknown --no-default-features --features hydrate -e normal,no-proc-macro \
    | grep -E '^[│├└ ─]*(sqlx|aws-|tokio |tokio v|mio |hyper )' ; then
  echo "server-only crates reached the wasm bundle" >&2; exit 1
fi

log "deploy/: cfn-lint and the IAM actions the code calls"
"$CFNLINT_VENV/bin/cfn-lint" deploy/aws/*.yaml
"$CFNLINT_VENV/bin/python" scripts/check_deploy.py
log "deploy/k8s: the manifests against Kubernetes' schemas"
"$KUBEVALIDATE_VENV/bin/kubernetes-validate" --strict --quiet \
  $(ls deploy/k8s/*.yaml | grep -v kustomization.yaml)

log "cargo test (unit + server tests on Postgres and moto)"
export DATABASE_URL=$PG_BASE/postgres
export LATCHKEY_TEST_MOTO_URL=http://127.0.0.1:$TEST_MOTO_PORT
export LATCHKEY_TEST_AWS_CLI=$VENV/bin/aws
export LATCHKEY_TEST_PARLIAMENT=$VENV/bin/parliament
export LATCHKEY_TEST_SCHEMATHESIS=$SCHEMATHESIS_VENV/bin/schemathesis
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
# Without frontend: built for the host beside the server, its `hydrate`
# features would be unified into leptos and leptos_macro, and the server
# binary (used below for the e2e run) would not be the one that ships (its
# lazy routes would not name their chunks for preloading, for one).
with_test_watchdog cargo test --workspace --exclude frontend 2>&1 | tee "$RUN/cargo-test.log"
test "${PIPESTATUS[0]}" -eq 0
# A private copy at once: on a machine where several worktrees share
# CARGO_TARGET_DIR, debug/latchkey is whichever branch built last.
cp "$CARGO_TARGET_DIR/debug/latchkey" "$RUN/latchkey"

log "end-to-end in Chromium"
# `cargo test` built the latchkey binary already (integration tests need it);
# building it again without dev-dependency features would recompile half the tree.
# The site is the release one, as it ships: hashed, precompressed, cached.
SERVER_ALREADY_BUILT=1 build_site_release
log "the first page's download against its budget"
python3 scripts/bundle_budget.py target/site
ensure_database "$E2E_DB"
psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $E2E_DB WITH (FORCE)" -c "CREATE DATABASE $E2E_DB" >/dev/null
"$VENV/bin/python" scripts/seed_demo.py "http://127.0.0.1:$E2E_MOTO_PORT"
# A real OIDC provider next to dev mode: one server, both sign-in ways.
OIDC_ISSUER=http://127.0.0.1:$E2E_OIDC_PORT
(cd end2end && PORT=$E2E_OIDC_PORT REDIRECT_URI=http://127.0.0.1:$E2E_PORT/auth/oidc/callback \
  exec node oidc/provider.mjs) >"$RUN/e2e-oidc.log" 2>&1 &
OIDC_PID=$!
DATABASE_URL=$PG_BASE/$E2E_DB LATCHKEY__AWS__ENDPOINT_URL=http://127.0.0.1:$E2E_MOTO_PORT \
  LATCHKEY__SERVER__LISTEN=127.0.0.1:$E2E_PORT \
  LATCHKEY__CONSOLE__FEDERATION_URL=http://127.0.0.1:$E2E_PORT/dev/federation \
  LATCHKEY__AUTH__OIDC__ISSUER_URL=$OIDC_ISSUER LATCHKEY__AUTH__OIDC__CLIENT_ID=latchkey \
  LATCHKEY__AUTH__OIDC__CLIENT_SECRET=latchkey-secret \
  LATCHKEY__AUTH__OIDC__REDIRECT_URL=http://127.0.0.1:$E2E_PORT/auth/oidc/callback \
  LATCHKEY__AUTH__OIDC__SCOPES='["openid", "email", "profile", "groups"]' \
  LATCHKEY__AUTH__OIDC__PROVIDER_NAME="Test IdP" \
  LATCHKEY__AUTH__I_KNOW_DEV_MODE_IS_UNSAFE=true \
  "$RUN/latchkey" --config config/demo.toml server >"$RUN/e2e-server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID $OIDC_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$OIDC_ISSUER/.well-known/openid-configuration" >/dev/null && break; sleep 0.2; done
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$E2E_PORT/readyz" >/dev/null && break; sleep 0.2; done
# Wait for the start-up sync to cache the demo roles.
for _ in $(seq 100); do grep -q "start-up sync finished" "$RUN/e2e-server.log" && break; sleep 0.2; done
passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$RUN/cargo-test.log" | awk '{s+=$4} END {print s+0}')
(cd end2end && BASE_URL="http://127.0.0.1:$E2E_PORT" OIDC_ISSUER=$OIDC_ISSUER MOTO_URL="http://127.0.0.1:$E2E_MOTO_PORT" node e2e.mjs) | tee "$RUN/e2e.log"
test "${PIPESTATUS[0]}" -eq 0
# A page whose render panicked can still answer something; the log says so.
if grep -n "panicked at" "$RUN/e2e-server.log"; then
  echo "the server panicked during the end-to-end run (see $RUN/e2e-server.log)" >&2; exit 1
fi
e2e=$(grep -Eo '^e2e: [0-9]+ passed' "$RUN/e2e.log" | awk '{print $2}')
echo "total: $((passed + e2e)) passed, 0 failed"

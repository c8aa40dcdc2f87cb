# Shared helpers for Latchkey's scripts: install what is missing (idempotent),
# start Postgres and moto if they are not up, build the site.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${LATCHKEY_CACHE:-$HOME/.cache/latchkey}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/latchkey-target}
VENV=$CACHE/venv
RUN=$ROOT/.run
WASM_BINDGEN_VERSION=0.2.130
MOTO_VERSION=5.2.5
AWSCLI_VERSION=${AWSCLI_VERSION:-1.46.3}
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
mkdir -p "$CACHE" "$RUN"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_rust() {
  command -v cargo >/dev/null || { echo "cargo is required (rustup)" >&2; exit 1; }
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes, once)"
    # Not --locked: one locked dependency version is missing from the registry mirror.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

ensure_venv() {
  if [ ! -x "$VENV/bin/moto_server" ] || ! "$VENV/bin/python" -c "import moto,sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    log "installing moto[server]==$MOTO_VERSION into $VENV"
    command -v python3 >/dev/null || apt_install python3 python3-venv
    python3 -m venv "$VENV" || { apt_install python3-venv; python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION" "boto3"
  fi
}

# The real AWS CLI, for the test that proves the ECS credential endpoint.
ensure_awscli() {
  if [ ! -x "$VENV/bin/aws" ]; then
    log "installing the AWS CLI into $VENV"
    "$VENV/bin/pip" install -q "awscli==$AWSCLI_VERSION"
  fi
}

# The outside policy linter every generated policy must pass (app/tests/parliament.rs);
# it also bundles the AWS service authorization data scripts/gen_iam_catalogue.py reads.
PARLIAMENT_VERSION=1.6.4
ensure_parliament() {
  if [ ! -x "$VENV/bin/parliament" ]; then
    log "installing parliament $PARLIAMENT_VERSION into $VENV"
    "$VENV/bin/pip" install -q "parliament==$PARLIAMENT_VERSION"
  fi
}

# A Python tool in a venv of its own, so its pinned dependencies stay out of
# moto's: ensure_tool_venv VENV PACKAGE VERSION COMMAND (COMMAND --version
# must print VERSION).
ensure_tool_venv() {
  if ! "$1/bin/$4" --version 2>/dev/null | grep -q "$3"; then
    log "installing $2 $3 into $1"
    python3 -m venv "$1"
    "$1/bin/pip" install -q "$2==$3"
  fi
}

# The OpenAPI checker the scripts API is tested with (server/tests/credentials_api/scripts_api.rs).
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV=$CACHE/schemathesis
ensure_schemathesis() { ensure_tool_venv "$SCHEMATHESIS_VENV" schemathesis "$SCHEMATHESIS_VERSION" schemathesis; }

# The CloudFormation linter deploy/aws/*.yaml must pass (scripts/test.sh); its
# PyYAML also reads the templates for scripts/check_deploy.py.
CFNLINT_VERSION=1.58.0
CFNLINT_VENV=$CACHE/cfnlint
ensure_cfnlint() { ensure_tool_venv "$CFNLINT_VENV" cfn-lint "$CFNLINT_VERSION" cfn-lint; }

# The Kubernetes manifests in deploy/k8s/ are checked against the API's
# schemas (strict: an unknown field is an error) by kubernetes-validate.
KUBEVALIDATE_VERSION=1.37.0
KUBEVALIDATE_VENV=$CACHE/kubevalidate
ensure_kubevalidate() { ensure_tool_venv "$KUBEVALIDATE_VENV" kubernetes-validate "$KUBEVALIDATE_VERSION" kubernetes-validate; }

ensure_node_deps() {
  command -v npm >/dev/null || apt_install nodejs npm
  if [ ! -d "$ROOT/end2end/node_modules/playwright-core" ] || [ ! -d "$ROOT/end2end/node_modules/binaryen" ] \
      || [ ! -d "$ROOT/end2end/node_modules/oidc-provider" ]; then
    log "installing end2end npm packages (playwright-core, binaryen, oidc-provider)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null; then
    log "installing Debian's chromium"
    apt_install chromium
  fi
}

pg_up() { # host port
  if command -v pg_isready >/dev/null; then pg_isready -q -h "$1" -p "$2"; else (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; fi
}

# Sets PG_BASE (postgres://user@host:port) for a server that answers:
# DATABASE_URL if given, else the local service, else a throwaway cluster.
ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    PG_BASE=${DATABASE_URL%/*}
    return
  fi
  if ! pg_up 127.0.0.1 5432 && [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
    log "starting the local PostgreSQL service"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 50); do pg_up 127.0.0.1 5432 && break; sleep 0.2; done
  fi
  if pg_up 127.0.0.1 5432; then
    PG_BASE=postgres://postgres@127.0.0.1:5432
    return
  fi
  # No service: a throwaway cluster run as the postgres user.
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$bin" ]; then
    log "installing PostgreSQL"
    apt_install postgresql
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  local pgd=$CACHE/pg port=55432
  id postgres >/dev/null 2>&1 || useradd --system --home "$pgd" postgres
  mkdir -p "$pgd"; chown postgres: "$pgd"
  if ! pg_up 127.0.0.1 $port; then
    if [ ! -f "$pgd/data/PG_VERSION" ]; then
      log "creating a throwaway PostgreSQL cluster in $pgd"
      runuser -u postgres -- "$bin/initdb" -D "$pgd/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    runuser -u postgres -- "$bin/pg_ctl" -D "$pgd/data" -l "$pgd/log" -w start \
      -o "-p $port -k $pgd -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" >/dev/null
  fi
  PG_BASE=postgres://postgres@127.0.0.1:$port
}

# Creates database $1 on PG_BASE if missing (needs psql).
ensure_database() {
  command -v psql >/dev/null || apt_install postgresql-client
  if ! psql "$PG_BASE/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; then
    psql "$PG_BASE/postgres" -qc "CREATE DATABASE $1" >/dev/null
  fi
}

moto_up() { curl -sf -o /dev/null "http://127.0.0.1:$1/moto-api/data.json"; }

# The pid listening on 127.0.0.1:$1, if any.
listener_pid() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }

# Starts moto on port $1 unless the pinned one ($VENV's, moto $MOTO_VERSION)
# answers there already. Another moto on the port (another version from
# another Python, left by an earlier session) is replaced: versions differ in
# what they emulate (5.2.1's tagging API lists no SNS topics), and the tests
# are written against the pinned one.
ensure_moto() {
  local port=$1 pid
  if moto_up "$port"; then
    pid=$(listener_pid "$port")
    if [ -z "$pid" ] || tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$VENV/bin/"; then return; fi
    log "replacing the moto on port $port (pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")) with moto $MOTO_VERSION from $VENV"
    kill "$pid"
    for _ in $(seq 50); do moto_up "$port" || break; sleep 0.1; done
  fi
  log "starting moto on 127.0.0.1:$port"
  nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$RUN/moto-$port.log" 2>&1 &
  echo $! >"$RUN/moto-$port.pid"
  for _ in $(seq 100); do moto_up "$port" && return; sleep 0.1; done
  echo "moto did not start on port $port; see $RUN/moto-$port.log" >&2
  exit 1
}

# Builds the wasm bundle, CSS and assets into target/site, and the server:
# the debug build, quick to rebuild (scripts/demo.sh --dev). Plain names.
build_site() {
  local site=$ROOT/target/site
  rm -rf "$site/pkg" "$site/hash.txt"
  log "building the browser bundle (wasm, debug)"
  (cd "$ROOT" && cargo build --package=frontend --lib --target=wasm32-unknown-unknown \
      --no-default-features --features=hydrate)
  if [ -z "${SERVER_ALREADY_BUILT:-}" ]; then
    log "building the server"
    (cd "$ROOT" && cargo build --package=server --bin=latchkey)
  fi
  split_and_bind "$CARGO_TARGET_DIR/wasm32-unknown-unknown/debug/frontend.wasm" "$site/pkg"
  cat "$ROOT/style/stylers.gen.css" "$ROOT/style/base.css" >"$site/pkg/web.css"
  cp -r "$ROOT/public/." "$site/"
}

# The wasm splitter (tools/wasm-split): built once per change of its source.
ensure_wasm_split() {
  local stamp; stamp=$(cat "$ROOT/tools/wasm-split/Cargo.toml" "$ROOT/tools/wasm-split/Cargo.lock" \
    "$ROOT/tools/wasm-split/src/main.rs" | sha256sum | cut -c1-16)
  if [ ! -x "$CACHE/tools/bin/latchkey-wasm-split" ] || [ "$(cat "$CACHE/tools/wasm-split.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "building the wasm splitter (tools/wasm-split, about a minute, once)"
    cargo install --quiet --locked --force --path "$ROOT/tools/wasm-split" --root "$CACHE/tools" \
      --target-dir "$CACHE/tools/target"
    echo "$stamp" >"$CACHE/tools/wasm-split.stamp"
  fi
}

# Splits the linked wasm $1 at its lazy routes (app/src/pages/lazy.rs) into
# $2: the main module, chunks, their loader and the preload manifest; then
# wasm-bindgen makes web.js and web.wasm of the main module (web.wasm is the
# name leptos's <HydrationScripts> asks for). The link
# relocations the splitter needs come from .cargo/config.toml.
split_and_bind() { # linked.wasm pkg-dir
  ensure_wasm_split
  mkdir -p "$2"
  "$CACHE/tools/bin/latchkey-wasm-split" "$1" "$2" web
  wasm-bindgen --target=web --keep-lld-exports --no-demangle --out-name=web --out-dir="$2" \
    --no-typescript "$2/web_split.wasm"
  rm -f "$2/web_split.wasm"
  mv -f "$2/web_bg.wasm" "$2/web.wasm"
}

# The site as it ships: wasm from the size-optimised `wasm-release` profile,
# split at its lazy routes, through binaryen's optimizer (scripts/wasm_opt.mjs;
# -O1 compresses smaller than -Oz here, and runs four times faster), with
# content-hashed names and brotli and gzip twins (scripts/finish_site.mjs);
# the server in the release profile. Needs ensure_node_deps (binaryen, node).
WASM_OPT_LEVEL=${WASM_OPT_LEVEL:--O1}
build_site_release() {
  local site=$ROOT/target/site
  rm -rf "$site/pkg" "$site/hash.txt"
  log "building the browser bundle (wasm, wasm-release profile)"
  (cd "$ROOT" && cargo build --package=frontend --lib --target=wasm32-unknown-unknown \
      --no-default-features --features=hydrate --profile=wasm-release)
  if [ -z "${SERVER_ALREADY_BUILT:-}" ]; then
    log "building the server (release)"
    (cd "$ROOT" && cargo build --release --package=server --bin=latchkey)
  fi
  split_and_bind "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm" "$site/pkg"
  log "wasm-opt $WASM_OPT_LEVEL (main module and chunks)"
  # binaryen warns of a names subsection it does not know (rustc's); harmless.
  node "$ROOT/scripts/wasm_opt.mjs" "$WASM_OPT_LEVEL" "$site"/pkg/*.wasm 2> >(grep -v "unknown name subsection" >&2)
  cat "$ROOT/style/stylers.gen.css" "$ROOT/style/base.css" >"$site/pkg/web.css"
  cp -r "$ROOT/public/." "$site/"
  node "$ROOT/scripts/finish_site.mjs" "$site"
}

# Config for the HTTP benches (bench.sh, load.sh): one server on port $1
# with database $2 on moto port $3, dev sign-in with admins, engineers
# eligible for eng-* and admins for every role, no scheduled sync; then one
# table each for the rest.
bench_config() { # port database moto_port
  cat <<TOML
[server]
listen = "127.0.0.1:$1"
leptos_config = "Leptos.toml"
[database]
url = "$PG_BASE/$2"
[aws]
endpoint_url = "http://127.0.0.1:$3"
region = "us-east-1"
spoke_role_name = "LatchkeySpoke"
[console]
federation_url = "http://127.0.0.1:$1/dev/federation"
issuer = "http://127.0.0.1:$1"
[sync]
schedule = "0 0 3 * * *"
on_start = false
[auth]
dev_mode = true
admin_groups = ["admins"]
[[eligibility]]
group = "engineers"
roles = ["arn:aws:iam::*:role/eng-*"]
[[eligibility]]
group = "admins"
roles = ["arn:aws:iam::*:role/*"]
TOML
}
# Runs "$@"; any test binary (under $CARGO_TARGET_DIR/debug/deps) still
# running after $TEST_BINARY_LIMIT seconds (the slowest takes about one
# minute) has its threads' stacks printed and is killed, so a test that
# hangs fails the run with where it hung instead of holding it until CI's
# own time runs out.
with_test_watchdog() {
  local limit=${TEST_BINARY_LIMIT:-600} deps=$CARGO_TARGET_DIR/debug/deps
  "$@" &
  local cmd=$!
  (
    while kill -0 "$cmd" 2>/dev/null; do
      sleep 15
      for pid in $(pgrep -f "^$deps/" || true); do
        local age
        age=$(ps -o etimes= -p "$pid" 2>/dev/null | tr -d ' ') || continue
        [ -n "$age" ] && [ "$age" -gt "$limit" ] || continue
        echo "!! $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) ran over ${limit}s: its stacks, then kill" >&2
        if command -v gdb >/dev/null; then
          timeout 60 gdb -p "$pid" -batch -ex 'thread apply all bt 40' 2>&1 | grep -E '^(Thread|#)' >&2 || true
        fi
        kill -9 "$pid" 2>/dev/null || true
      done
    done
  ) &
  local watchdog=$!
  local rc=0
  wait "$cmd" || rc=$?
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  return "$rc"
}

toml_account() { printf '[[accounts]]\nid = "%s"\nname = "%s"\n' "$1" "$2"; }
toml_dev_user() { printf '[[auth.dev_users]]\nid = "%s"\ndisplay_name = "%s"\ngroups = ["%s"]\n' "$1" "$2" "$3"; }

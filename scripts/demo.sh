#!/usr/bin/env bash
# Sets up everything that is missing, seeds a local demo estate in moto and
# runs Latchkey on it. Safe to run again: moto is reset and re-seeded.
# Release builds (the site as it ships: small, hashed, precompressed);
# `--dev` for debug builds, quicker to rebuild while working on Latchkey.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MOTO_PORT=${MOTO_PORT:-5000}
PORT=${PORT:-3000}
PROFILE=release
for arg in "$@"; do
  case $arg in
    --dev) PROFILE=debug ;;
    *) echo "usage: $0 [--dev]" >&2; exit 2 ;;
  esac
done

ensure_rust
ensure_node_deps
ensure_venv
ensure_postgres
ensure_database latchkey_demo
ensure_moto "$MOTO_PORT"
log "seeding moto"
"$VENV/bin/python" "$ROOT/scripts/seed_demo.py" "http://127.0.0.1:$MOTO_PORT"
if [ "$PROFILE" = release ]; then build_site_release; else build_site; fi

export DATABASE_URL=$PG_BASE/latchkey_demo
export LATCHKEY__AWS__ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
export LATCHKEY__SERVER__LISTEN=127.0.0.1:$PORT
export LATCHKEY__CONSOLE__FEDERATION_URL=http://127.0.0.1:$PORT/dev/federation
export LATCHKEY__CONSOLE__ISSUER=http://127.0.0.1:$PORT
# Hub credentials for moto (any key maps to its default account).
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-testing} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-testing}
cd "$ROOT"
cat <<MSG

  Latchkey demo: http://127.0.0.1:$PORT/login
  Sign in as Sam Newcomer (engineers), Erin Engineer (engineers, data) or Ada Admin (admins).
  Stop with Ctrl-C. Weep-style API: POST /api/v1/get_credentials

MSG
exec "$CARGO_TARGET_DIR/$PROFILE/latchkey" --config config/demo.toml server

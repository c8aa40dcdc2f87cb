#!/usr/bin/env bash
# Builds Latchkey as it ships: the release server ($CARGO_TARGET_DIR/release/latchkey)
# and the site (target/site: wasm-release + wasm-opt, content-hashed names,
# brotli and gzip twins). Used by deploy/Containerfile; scripts/demo.sh does
# the same before it runs the demo.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_rust
ensure_node_deps
build_site_release

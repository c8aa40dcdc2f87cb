#!/usr/bin/env bash
# Measures Latchkey as users meet it: a release `latchkey server` process,
# started on its own, driven over HTTP by wrk (keep-alive) against seeded
# moto and Postgres. Prints one line per row of issue #17's table: pages at 1
# and 10 clients, the roles home and get_roles for users with 300 and 3,003
# eligible roles, the role page's throughput, credentials at one client, the
# sync of 200 buckets/queues/topics (all tasks at once, then each alone)
# and a no-op IAM re-sync, and /resources
# on 1,000,000 cached rows at 1 and 50 clients with the server's memory.
#
#   bash scripts/bench.sh             # everything (~15 min warm)
#   BENCH_SKIP_MILLION=1 bash scripts/bench.sh     # or BENCH_ONLY_MILLION=1
#   BENCH_DURATION=20s bash scripts/bench.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MOTO_PORT=${BENCH_MOTO_PORT:-5300}
PORT=${BENCH_PORT:-3300}
ROWS=${BENCH_RESOURCE_ROWS:-1000000}
DUR=${BENCH_DURATION:-10s}
DB=latchkey_bench_http
DB_M=latchkey_bench_http_1m
BASE=http://127.0.0.1:$PORT

ensure_rust
ensure_venv
ensure_postgres
command -v wrk >/dev/null || { log "installing wrk (Debian)"; apt_install wrk; }
ensure_moto "$MOTO_PORT"
cd "$ROOT"
log "building the release server"
cargo build --release --package=server --bin=latchkey
BIN=$RUN/latchkey-release
cp "$CARGO_TARGET_DIR/release/latchkey" "$BIN"
mkdir -p "$ROOT/target/site/pkg"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export RUST_LOG=${RUST_LOG:-warn,latchkey::services::inventory::search=info,latchkey::services::credentials=debug}
CONF=$RUN/bench.toml
{
  bench_config "$PORT" "$DB" "$MOTO_PORT"
  for i in 1 2 3; do toml_account "71000000000$i" "bench-$i"; done
  toml_dev_user sam@example.com "Sam (300 eligible)" engineers
  toml_dev_user ada@example.com "Ada (3,003 eligible)" admins
} >"$CONF"

SERVER_PID=
stop_server() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; fi; }
trap stop_server EXIT
start_server() { # database
  DATABASE_URL=$PG_BASE/$1 "$BIN" --config "$CONF" server >"$RUN/bench-server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "$BASE/healthz" && return; sleep 0.1; done
  echo "the server did not start; see $RUN/bench-server.log" >&2; exit 1
}
rss_mib() { awk '/^VmRSS:/ {printf "%d", $2 / 1024}' "/proc/$SERVER_PID/status"; }
hwm_mib() { awk '/^VmHWM:/ {printf "%d", $2 / 1024}' "/proc/$SERVER_PID/status"; }
# A signed-in browser's cookie for dev user $1.
cookie_of() {
  local jar=$RUN/bench-cookies
  rm -f "$jar"
  curl -sf -o /dev/null -c "$jar" -X POST --data-urlencode "user_id=$1" "$BASE/api/dev_sign_in" || true
  sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 {print $6 "=" $7}' | paste -sd';' -
}

printf '%-58s %4s %8s %8s %9s %9s\n' "" c "p50 ms" "p99 ms" "req/s" "bytes"
# wrk_row label clients path [wrk args...]: one line from wrk's latency table.
wrk_row() {
  local label=$1 c=$2 path=$3; shift 3
  local out bytes
  out=$(wrk -t "$(( c < 2 ? 1 : 2 ))" -c "$c" -d "$DUR" --latency "$@" "$BASE$path")
  bytes=$(curl -s -o /dev/null -w '%{size_download}' "${CURL_ARGS[@]}" "$BASE$path" 2>/dev/null || echo -)
  echo "$out" | awk -v label="$label" -v c="$c" -v bytes="$bytes" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) }  $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    /Non-2xx/ { bad = $NF }
    /Socket errors/ { sock = $0 }
    END { printf "%-58s %4d %8.2f %8.2f %9.0f %9s%s%s\n", label, c, p50, p99, rps, bytes,
            (bad ? "  NON-2xx: " bad : ""), (sock ? "  " sock : "") }'
}

if [ -z "${BENCH_ONLY_MILLION:-}" ]; then
log "seeding moto: 3 accounts x 1,001 roles, 200 buckets, queues and topics"
"$VENV/bin/python" scripts/seed_bench.py "http://127.0.0.1:$MOTO_PORT" >&2
psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
DATABASE_URL=$PG_BASE/$DB "$BIN" --config "$CONF" migrate >/dev/null
log "latchkey sync (every account, all tasks)"
DATABASE_URL=$PG_BASE/$DB "$BIN" --config "$CONF" sync >/dev/null
psql "$PG_BASE/$DB" -tAF' ' -c "SELECT task, account_id, items, changed,
    round(extract(epoch FROM finished_at - started_at)::numeric, 2) FROM sync_runs
  WHERE outcome = 'success' ORDER BY task, account_id" |
  awk '{ printf "%-58s %4s %8s s   items=%s changed=%s\n", "sync " $1 " " $2, "", $5, $3, $4 }'
log "latchkey sync --task s3, then sqs, then sns (each alone: moto serves one at a time)"
for t in s3 sqs sns; do
  DATABASE_URL=$PG_BASE/$DB "$BIN" --config "$CONF" sync --task "$t" >/dev/null
  psql "$PG_BASE/$DB" -tAF' ' -c "SELECT task, account_id, items, changed,
      round(extract(epoch FROM finished_at - started_at)::numeric, 2) FROM sync_runs
    WHERE task = '$t' AND account_id = '710000000001' ORDER BY started_at DESC LIMIT 1" |
    awk '{ printf "%-58s %4s %8s s   items=%s changed=%s\n", "sync alone " $1 " " $2, "", $5, $3, $4 }'
done
log "latchkey sync again (nothing changed in moto)"
DATABASE_URL=$PG_BASE/$DB "$BIN" --config "$CONF" sync >/dev/null
psql "$PG_BASE/$DB" -tAF' ' -c "SELECT DISTINCT ON (task, account_id) task, account_id, items, changed,
    round(extract(epoch FROM finished_at - started_at)::numeric, 2) FROM sync_runs
  WHERE task = 'iam' ORDER BY task, account_id, started_at DESC" |
  awk '{ printf "%-58s %4s %8s s   items=%s changed=%s\n", "re-sync " $1 " " $2, "", $5, $3, $4 }'

start_server "$DB"
SAM=$(cookie_of sam@example.com)
ADA=$(cookie_of ada@example.com)
[ -n "$SAM" ] && [ -n "$ADA" ] || { echo "dev sign-in gave no cookie" >&2; exit 1; }
for who in SAM ADA; do
  ck=${!who}
  CURL_ARGS=(-H "Cookie: $ck")
  n=$([ $who = SAM ] && echo 300 || echo 3003)
  for path in / /api/v2/get_roles /roles/710000000001/eng-role-0 /resources; do
    for c in 1 10; do
      wrk_row "$path ($n eligible)" "$c" "$path" -H "Cookie: $ck"
    done
  done
done
CURL_ARGS=(-H "Cookie: $SAM")
wrk_row "/roles/710000000001/eng-role-0 (300 eligible)" 50 /roles/710000000001/eng-role-0 -H "Cookie: $SAM"
# As Chromium asks for pages: compressed on the fly (http::assets::compression:
# gzip, since brotli cost three times the CPU here).
ENC="gzip, deflate, br, zstd"
CURL_ARGS=(-H "Cookie: $SAM" -H "Accept-Encoding: $ENC")
for path in / /roles/710000000001/eng-role-0; do
  wrk_row "$path (300 eligible), compressed as Chromium asks" 10 "$path" -H "Cookie: $SAM" -H "Accept-Encoding: $ENC"
done
CURL_ARGS=(-H "Cookie: $SAM")

TOKEN=$(curl -sf -H "Cookie: $SAM" -H "Origin: $BASE" -H 'Accept: application/json' \
  --data-urlencode name=bench -d scope=credentials "$BASE/api/create_token" |
  "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
LUA=$RUN/bench-credentials.lua
cat >"$LUA" <<'LUA'
wrk.method = "POST"
wrk.body = '{"requested_role": "arn:aws:iam::710000000001:role/eng-role-1"}'
wrk.headers["Content-Type"] = "application/json"
LUA
CURL_ARGS=(-X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json'
  -d '{"requested_role": "arn:aws:iam::710000000001:role/eng-role-1"}')
skip=$(wc -l <"$RUN/bench-server.log")
wrk_row "POST /api/v1/get_credentials (moto STS)" 1 /api/v1/get_credentials -s "$LUA" -H "Authorization: Bearer $TOKEN"
# The server's own account of each issuance: moto's AssumeRole, then the audit commit.
for part in sts audit; do
  tail -n +"$((skip + 1))" "$RUN/bench-server.log" | sed 's/\x1b\[[0-9;]*m//g' | { grep -o "${part}_us=[0-9]*" || true; } |
    cut -d= -f2 | sort -n |
    awk -v part="$part" '{ v[NR] = $1 } END { if (NR) printf "%-58s %4s %8.2f %8.2f   (%d issuances, max %.1f ms)\n",
      "  of which " (part == "sts" ? "moto AssumeRole" : "audit row + commit"), 1,
      v[int(NR * 0.5) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000, NR, v[NR] / 1000 }'
done
log "12,000 page requests abandoned 0-2 ms after they were sent (4 at a time)"
# Wait for these four only: a bare `wait` would wait for the server too.
pids=()
for _ in 1 2 3 4; do "$VENV/bin/python" scripts/abandon.py "$BASE" "$SAM" 3000 & pids+=($!); done
wait "${pids[@]}"
curl -sf -o /dev/null -H "Cookie: $SAM" "$BASE/resources" || { echo "the server stopped answering" >&2; exit 1; }
echo "server panics so far (must be 0): $(grep -c panicked "$RUN/bench-server.log" || true)"
echo "server resident memory after these runs: $(rss_mib) MiB (peak $(hwm_mib) MiB)"
stop_server
fi

[ -n "${BENCH_SKIP_MILLION:-}" ] && exit 0
log "filling $ROWS cached rows into $DB_M (once)"
ensure_database "$DB_M"
DATABASE_URL=$PG_BASE/$DB_M "$BIN" --config "$CONF" migrate >/dev/null
have=$(psql "$PG_BASE/$DB_M" -tAc "SELECT count(*) FROM resources")
if [ "$have" != "$ROWS" ]; then
  psql "$PG_BASE/$DB_M" -q -c "SELECT set_config('bench.rows', '$ROWS', false), set_config('bench.accounts', '100', false)" \
    -f scripts/fill_resources.sql >/dev/null
fi
start_server "$DB_M"
echo "server resident memory at start: $(rss_mib) MiB"
ADA=$(cookie_of ada@example.com)
CURL_ARGS=(-H "Cookie: $ADA")
# The first search starts the index build; wait until pages come from it.
t0=$(date +%s.%N)
curl -sf -o /dev/null -H "Cookie: $ADA" "$BASE/resources"
for _ in $(seq 600); do grep -q "search index rebuilt" "$RUN/bench-server.log" && break; sleep 0.1; done
printf 'index ready %.1f s after the first search; resident memory %s MiB (peak %s MiB)\n' \
  "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$(rss_mib)" "$(hwm_mib)"
# Many different pages, not one cached answer: searches, filters, sorts and deep pages.
LUA=$RUN/bench-resources.lua
cat >"$LUA" <<'LUA'
local paths = {}
local words = {"api", "worker", "etl", "web", "batch", "ml", "audit", "ops"}
for i = 0, 199 do
  local w = words[i % 8 + 1]
  paths[#paths + 1] = "/resources?q=" .. w .. "-" .. string.format("%05d", (i * 97) % 20000)
  paths[#paths + 1] = "/resources?type=" .. ({"role", "sqs_queue", "s3_bucket", "sns_topic"})[i % 4 + 1] .. "&q=" .. w
  paths[#paths + 1] = "/resources?tag=team%3Dteam-" .. (i % 50) .. "&sort=account"
  paths[#paths + 1] = "/resources?account=" .. string.format("%012d", 100000000000 + i % 100) .. "&sort=type&dir=desc"
end
paths[#paths + 1] = "/resources"
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
LUA
for c in 1 50; do
  wrk_row "/resources ($ROWS rows, first page)" "$c" /resources -H "Cookie: $ADA"
  wrk_row "/resources ($ROWS rows, 801 searches/filters/sorts)" "$c" /resources -s "$LUA" -H "Cookie: $ADA"
done
echo "server resident memory after the load: $(rss_mib) MiB (peak $(hwm_mib) MiB)"

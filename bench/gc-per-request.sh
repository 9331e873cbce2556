#!/usr/bin/env bash
# Young-generation work per request of one gateway under wrk (10 clients, unique prompts: every request a
# cache miss), from V8's own GC trace: bytes its scavenges promoted to the old generation and bytes that
# survived a scavenge in the young generation, per request. Both are counted, not timed, so the machine's
# load does not change them (the CPU figure it also prints does). Needs wrk.
#
#   bench/gc-per-request.sh [server script] [server args…]   (run from the repository root, after npm run build)
#   bench/gc-per-request.sh bench/servers/penny.mjs "" tactics    # the tactics row
#   bench/gc-per-request.sh /path/to/other/checkout/bench/servers/penny.mjs "" tactics
set -euo pipefail
SCRIPT=${1:-bench/servers/penny.mjs}
shift || true
SECONDS_RUN=${GC_SECONDS:-6}
TMP=$(mktemp -d)
trap 'kill $FAKE $GW 2>/dev/null || true; rm -rf "$TMP"' EXIT
cat > "$TMP/uniq.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer penny"
local n = 0
local head = '{"model":"gpt-4o-mini","stream":false,"messages":[{"role":"system","content":"You are a concise assistant for the Penny benchmark. Answer in one line."},{"role":"user","content":"Say hello in one short sentence. Request ' .. os.time() .. '-' .. math.random(1000000) .. '-'
local tail = '."}]}'
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, head .. n .. tail)
end
LUA
node --import tsx bench/servers/fake.ts 0 > "$TMP/fake.out" 2>&1 &
FAKE=$!
for _ in $(seq 1 80); do grep -q READY "$TMP/fake.out" && break; sleep 0.25; done
UP=$(grep -o 'READY [0-9]*' "$TMP/fake.out" | cut -d' ' -f2)
node --trace-gc --trace-gc-nvp "$SCRIPT" "http://127.0.0.1:$UP" "$@" > "$TMP/gw.out" 2>&1 &
GW=$!
for _ in $(seq 1 80); do grep -q READY "$TMP/gw.out" && break; sleep 0.25; done
PORT=$(grep -o 'READY [0-9]*' "$TMP/gw.out" | cut -d' ' -f2)
URL="http://127.0.0.1:$PORT/v1/chat/completions"
sleep 2
wrk -t1 -c10 -d3s -s "$TMP/uniq.lua" "$URL" > /dev/null # warm-up: JIT, pools, the cache file's first rows
L0=$(grep -c 'gc=s ' "$TMP/gw.out" || true)
T0=$(awk '{print $14+$15}' "/proc/$GW/stat")
N=$(wrk -t1 -c10 "-d${SECONDS_RUN}s" -s "$TMP/uniq.lua" "$URL" | grep -o '[0-9]* requests in' | cut -d' ' -f1)
T1=$(awk '{print $14+$15}' "/proc/$GW/stat")
TICKS=$(getconf CLK_TCK)
grep 'gc=s ' "$TMP/gw.out" | tail -n +$((L0 + 1)) | awk -v n="$N" -v t=$((T1 - T0)) -v hz="$TICKS" -v s="$SCRIPT $*" '
  { for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == "promoted") p += a[2]; if (a[1] == "new_space_survived") v += a[2] } }
  END { printf "%s: %d requests, %d scavenges; per request: promoted %.2f KB, survived a scavenge %.2f KB, CPU %.1f us (load %s)\n",
        s, n, NR, p / 1024 / n, v / 1024 / n, t * 1e6 / hz / n, "'"$(cut -d' ' -f1 /proc/loadavg)"'" }'

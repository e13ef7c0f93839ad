#!/bin/bash
# The A/B series of PERFORMANCE.md ("Issue 18: the quiet series"), each compare.sh run with 3 rounds against
# servers started here on fresh data directories and stopped afterwards.
#
#   cp -r ../shared/bench /tmp/sbench && (cd /tmp/sbench && npm ci)      # the shared harness, once
#   npm run build
#   bench/ab-series.sh large|largeoff|mp|small [extra s3bench args]     # Cairn (this checkout) vs the ceiling
#   BEFORE=/tmp/before bench/ab-series.sh before                         # small objects: this checkout vs another build
#
# large: 1 GiB PUT and GET x2, fsync on; largeoff: the same with CAIRN_FSYNC=off; mp: one 1 GiB PUT and a 1 GiB
# multipart upload (16 MiB parts, 4 in flight); small: 4 KiB PUT/GET/HEAD/DELETE, 8 s each. Cairn runs as
# `npm start` runs it (its malloc settings). SBENCH (default /tmp/sbench) is the harness, OUT (default
# /tmp/ab-series) where results go. Run it on an idle machine: the ratios are only as quiet as the machine.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=${SBENCH:-/tmp/sbench}
OUT=${OUT:-/tmp/ab-series}
DATA=$(mktemp -d /tmp/ab-series-data.XXXXXX)
KEY=bench
SEC=bench-secret-0000000000000000000000000
mkdir -p "$OUT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; sleep 1; rm -rf "$DATA"; }
trap cleanup EXIT
port_pid() { ss -ltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
start_ceiling() {
  mkdir -p "$DATA/ceil"
  node "$S/ceiling-server.mjs" --port 18000 --data-dir "$DATA/ceil" > "$OUT/ceiling.log" 2>&1 &
  pids+=($!)
  sleep 1
}
start_cairn() { # build dir, port, fsync; prints the PID (run in $(...): the caller records it in pids)
  mkdir -p "$DATA/c$2"
  (cd "$1" && MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 CAIRN_HOST=127.0.0.1 CAIRN_PORT=$2 CAIRN_DATA_DIR="$DATA/c$2" \
    CAIRN_ACCESS_KEY=$KEY CAIRN_SECRET_KEY=$SEC CAIRN_LOG_LEVEL=warn CAIRN_FSYNC=$3 exec node dist/cli.js serve > "$OUT/cairn$2.log" 2>&1) &
  sleep 3
  local p
  p=$(port_pid "$2")
  echo "$p"
}
cairn() { echo "--endpoint http://127.0.0.1:$1 --access-key $KEY --secret-key $SEC --server-pid $2"; }
ceiling() { echo "--endpoint http://127.0.0.1:18000 --server-pid $(port_pid 18000)"; }
name=${1:?usage: bench/ab-series.sh large|largeoff|mp|small|before [s3bench args]}
shift
case $name in
  large | largeoff)
    start_ceiling
    P=$(start_cairn "$ROOT" 18002 "$([ "$name" = large ] && echo on || echo off)")
    pids+=("$P")
    "$S/compare.sh" --rounds 3 --out "$OUT/$name" --a cairn "$(cairn 18002 "$P")" --b ceiling "$(ceiling)" -- --workloads large-put,large-get --large-count 2 --quiet "$@" ;;
  mp)
    start_ceiling
    P=$(start_cairn "$ROOT" 18002 on)
    pids+=("$P")
    "$S/compare.sh" --rounds 3 --out "$OUT/mp" --a cairn "$(cairn 18002 "$P")" --b ceiling "$(ceiling)" -- --workloads large-put,multipart --large-count 1 --large-size 1GiB --mp-size 1GiB --quiet "$@" ;;
  small)
    start_ceiling
    P=$(start_cairn "$ROOT" 18002 on)
    pids+=("$P")
    "$S/compare.sh" --rounds 3 --out "$OUT/small" --a cairn "$(cairn 18002 "$P")" --b ceiling "$(ceiling)" -- --workloads put,get,head,delete --duration 8 --quiet "$@" ;;
  before)
    P=$(start_cairn "$ROOT" 18002 on)
    Q=$(start_cairn "${BEFORE:?set BEFORE to the checkout of the other build}" 18003 on)
    pids+=("$P" "$Q")
    "$S/compare.sh" --rounds 3 --out "$OUT/before" --a main "$(cairn 18002 "$P")" --b before "$(cairn 18003 "$Q")" -- --workloads put,get,head,delete --duration 8 --quiet "$@" ;;
  *) echo "unknown series: $name" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# run.sh: `make bench`. Builds the bench clients (bench/*.c) in the build directory, installs the ccxt peer
# (bench/node, npm), then runs bench/bench.py: floor, pipeline, ccxt, codec, recorder, fill latency, scaling and
# the gateway-sync-off rows, on the real local stack (ports 26000..26999, state under <build>/bench-scratch).
# Prints the table at the end and writes it into docs/benchmarks.md between the results markers; raw results
# go to bench/results/<UTC time>.jsonl (git-ignored).
#
# Needs Debian's python3-zmq and python3-msgpack (/usr/bin/python3), node and npm.
# Environment: BUILD (build dir, default build), BENCH_ROUNDS (default 5), BENCH_QUICK=1 (a short smoke run),
# BENCH_NO_REPORT=1 (do not touch docs/benchmarks.md), BENCH_SKIP_RECORDER=1, BENCH_NO_BUILD=1 (go on with existing binaries
# when the build fails).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

say() { printf '[bench] %s\n' "$*"; }

[ -f "$BUILD/CMakeCache.txt" ] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
grep -q 'CMAKE_BUILD_TYPE:STRING=\(Release\|RelWithDebInfo\)' "$BUILD/CMakeCache.txt" ||
  say "WARNING: $BUILD is not an optimised build (CMAKE_BUILD_TYPE); the figures will be low"
mkdir -p "$BUILD"
cmake --build "$BUILD" -j"$(nproc)" --target bench_pipeline bench_floor bench_codec bench_recorder bench_hop \
  xroute xroute-exchange-sim xroute-router xroute-gateway xroute-recorder xroute-venue-binance \
  xroute-venue-bybit xroute-venue-coindcx >"$BUILD/bench-build.log" 2>&1 ||
  { tail -30 "$BUILD/bench-build.log"; say "build failed"; [ "${BENCH_NO_BUILD:-0}" = 1 ] || exit 1
    say "BENCH_NO_BUILD=1: going on with the binaries already in $BUILD"; }

if [ ! -d bench/node/node_modules/ccxt ]; then
  say "installing ccxt (npm, bench/node)"
  (cd bench/node && npm install --no-audit --no-fund --loglevel=error)
fi

mkdir -p bench/results
RESULTS=$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl
SCRATCH=$BUILD/bench-scratch
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
REPORT=$ROOT/docs/benchmarks.md
[ "${BENCH_NO_REPORT:-0}" = 1 ] && REPORT=

# what the report names as the command that produced it
if [ -n "${MAKELEVEL:-}" ]; then CMD="make bench"; else CMD="bash bench/run.sh"; fi
for v in BUILD BENCH_ROUNDS BENCH_QUICK BENCH_NO_BUILD; do
  [ -n "${!v:-}" ] && [ "$v" != BUILD -o "${!v}" != "$ROOT/build" ] && CMD="$v=${!v#$ROOT/} $CMD"
done
export BENCH_COMMAND=$CMD

say "results: $RESULTS"
XR_SOURCE=$ROOT XR_BIN=$BUILD/bin XR_SCRATCH=$SCRATCH BENCH_DIR=$BUILD/bench BENCH_RESULTS=$RESULTS \
  BENCH_REPORT=$REPORT /usr/bin/python3 bench/bench.py

#!/usr/bin/env bash
# simx_node.sh SCRIPT: runs one ccxt interop suite of tests/node against the simulator. Installs the npm
# packages first when tests/node/node_modules is missing (make test normally did that already).
# Environment (from CTest): XR_BIN (simulator binary dir), XR_SOURCE (repo root), XR_SCRATCH.
set -euo pipefail
node_dir="${XR_SOURCE:?XR_SOURCE not set}/tests/node"
cd "$node_dir"
if [ ! -d node_modules/ccxt ]; then
  npm install --no-audit --no-fund --loglevel=error >/dev/null
fi
mkdir -p "${XR_SCRATCH:-/tmp}"
exec node "$1"

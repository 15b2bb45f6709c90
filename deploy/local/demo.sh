#!/usr/bin/env bash
# demo.sh (make demo): xroute end to end on this machine, in one command.
# Installs what it needs, builds, starts the local stack (deploy/local/stack.sh) against the exchange
# simulator, places market, limit, stop and reduce-only orders on every venue through the gateway with the
# xroute CLI, cancels some, shows an idempotent resubmission and a risk rejection, waits until every fill the
# simulator made is recorded in PostgreSQL, prints a summary, and stops everything. Any failing step stops the
# demo with what failed and where the logs are.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export XROUTE_VAR=${XROUTE_VAR:-var/demo}
VARDIR=$ROOT/$XROUTE_VAR
LOG=$VARDIR/log
BIN=$ROOT/build/bin
STEP="start"
T0=$(date +%s)

say() { printf '\n== %s\n' "$*"; }
fail() {
  printf '\n[demo] FAILED at step: %s\n[demo] logs: %s\n' "$STEP" "$LOG" >&2
  bash deploy/local/stack.sh down >/dev/null 2>&1 || true
  exit 1
}
trap fail ERR

STEP="install dependencies"
say "$STEP"
bash deploy/install-deps.sh

STEP="build"
say "$STEP"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if ! cmake --build build -j"$(nproc)" > "$ROOT/build/demo-build.log" 2>&1; then
  grep -E ': (error|warning):|undefined reference|error:' "$ROOT/build/demo-build.log" | head -20 >&2
  LOG="$ROOT/build/demo-build.log"
  false
fi

STEP="start the local stack"
say "$STEP (fresh state in $XROUTE_VAR)"
bash deploy/local/stack.sh down >/dev/null 2>&1 || true
rm -rf "${VARDIR:?}"
bash deploy/local/stack.sh up

# the settings as stack.sh reads them: deploy/local.env, with the environment (XROUTE_VAR above) winning
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  key=${line%%=*}
  [ -n "${!key:-}" ] || export "${line?}"
done < deploy/local.env
X=("$BIN/xroute" --gateway "$XROUTE_GATEWAY_CLIENTS")
PSQL=(psql "$(cat "$VARDIR/run/pg.dsn")" -X -q -v ON_ERROR_STOP=1)
RUN_ID=$(date +%s)

# place NAME ARGS...: places an order and prints the line; the client order id is demo-<run>-NAME.
place() {
  local name=$1; shift
  printf '  %-22s ' "$name"
  "${X[@]}" place --client-id "demo-$RUN_ID-$name" --meta demo="$name" "$@" | tail -n +2
}

STEP="route and prices"
say "$STEP"
for s in BTC/USDT ETH/USDT SOL/USDT XRP/USDT DOGE/USDT; do "${X[@]}" route "$s" | tail -n +2; done
"${X[@]}" price BTC/USDT
"${X[@]}" price ETH/USDT | tail -n +2
"${X[@]}" price XRP/USDT | tail -n +2

STEP="orders on Binance (BTC/USDT)"
say "$STEP"
place btc-market   --symbol BTC/USDT --side buy  --type market --qty 0.004
place btc-limit    --symbol BTC/USDT --side buy  --type limit  --qty 0.002 --price 80000 --tif GTC
place btc-stop     --symbol BTC/USDT --side sell --type stop_market --qty 0.002 --stop-price 70000 --reduce-only
place btc-reduce   --symbol BTC/USDT --side sell --type market --qty 0.001 --reduce-only

STEP="orders on Bybit (ETH/USDT, SOL/USDT)"
say "$STEP"
place eth-market   --symbol ETH/USDT --side buy  --type market --qty 0.05
place eth-limit    --symbol ETH/USDT --side buy  --type limit  --qty 0.05 --price 2500
place eth-stop     --symbol ETH/USDT --side sell --type stop_market --qty 0.02 --stop-price 2000 --reduce-only
place eth-reduce   --symbol ETH/USDT --side sell --type market --qty 0.02 --reduce-only
place sol-market   --symbol SOL/USDT --side buy  --type market --qty 1

STEP="orders on CoinDCX (XRP/USDT, DOGE/USDT)"
say "$STEP"
place xrp-market   --symbol XRP/USDT  --side buy  --type market --qty 20
place xrp-limit    --symbol XRP/USDT  --side buy  --type limit  --qty 20 --price 1.8
place xrp-stop     --symbol XRP/USDT  --side sell --type stop_market --qty 10 --stop-price 1.5
place xrp-reduce   --symbol XRP/USDT  --side sell --type market --qty 5 --reduce-only
place doge-market  --symbol DOGE/USDT --side buy  --type market --qty 100

STEP="cancel the resting limit orders"
say "$STEP"
for pair in BTC/USDT:btc-limit ETH/USDT:eth-limit XRP/USDT:xrp-limit; do
  "${X[@]}" cancel --symbol "${pair%%:*}" --client-id "demo-$RUN_ID-${pair##*:}" | tail -n +2
done

STEP="idempotent resubmission (same client order id: the existing order comes back, nothing new is placed)"
say "$STEP"
place btc-market --symbol BTC/USDT --side buy --type market --qty 0.004

STEP="risk rejection (max_qty from deploy/config/risk.conf)"
say "$STEP"
if "${X[@]}" place --symbol BTC/USDT --side buy --type market --qty 50; then
  echo "expected RISK_REJECTED"; false
fi

STEP="wait until every fill the simulator made is in PostgreSQL"
say "$STEP"
ledger_fills() {
  curl -sf "http://127.0.0.1:$XROUTE_SIM_PORT_BASE/admin/ledger" |
    /usr/bin/python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["entries"] if e["kind"] == "fill"))'
}
want=$(ledger_fills)
for _ in $(seq 150); do
  got=$("${PSQL[@]}" -tAc "select count(*) from trades")
  [ "$got" -ge "$want" ] && break
  sleep 0.2
done
echo "  simulator ledger fills: $want   recorded trades: $got"
[ "$got" -eq "$want" ]

STEP="wait until the cancelled orders are CANCELED in PostgreSQL"
say "$STEP"
cancelled="'demo-$RUN_ID-btc-limit','demo-$RUN_ID-eth-limit','demo-$RUN_ID-xrp-limit'"
for _ in $(seq 150); do
  got=$("${PSQL[@]}" -tAc "select count(*) from orders where status = 'CANCELED' and client_order_id in ($cancelled)")
  [ "$got" -ge 3 ] && break
  sleep 0.2
done
echo "  cancelled orders recorded as CANCELED: $got of 3"
[ "$got" -ge 3 ]

STEP="summary"
say "orders by venue and status (PostgreSQL)"
"${PSQL[@]}" -c "select venue, status, count(*) as orders from orders group by 1, 2 order by 1, 2"
say "fills and fees (PostgreSQL)"
"${PSQL[@]}" -c "select venue, symbol, side, count(*) as fills, sum(quantity) as quantity,
                        round(sum(quantity * price) / sum(quantity), 8) as avg_price, sum(fee) as fees, min(fee_asset) as fee_asset
                   from trades group by 1, 2, 3 order by 1, 2, 3"
say "positions per venue (xroute positions)"
"${X[@]}" positions

STEP="stop the stack"
say "$STEP"
bash deploy/local/stack.sh down
trap - ERR
echo
echo "[demo] done in $(( $(date +%s) - T0 )) s. Logs: $LOG"

#!/usr/bin/python3
"""system_cli: the xroute command drives every operation on every venue, through the real stack, in both
output forms: place (market, limit, stop), order, orders, cancel, cancel-all, positions, balances, price,
klines, leverage, close, fills, route, venues, health; and its exit status and error form on a refusal.

Environment: XR_SOURCE, XR_BIN, XR_SCRATCH, XR_PORT_BASE."""
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xr_stack import BIN, Stack, check, log, run, wait_until  # noqa: E402

PORT_BASE = int(os.environ.get("XR_PORT_BASE", "21400"))

# venue -> (symbol, market qty, resting limit price far from the market, stop trigger below the market)
VENUES = {
    "binance": ("BTC/USDT", "0.002", "80000", "70000"),
    "bybit": ("ETH/USDT", "0.05", "2500", "2000"),
    "coindcx": ("XRP/USDT", "20", "1.8", "1.5"),
}
S = None


def human(*args, expect_rc=0):
    """The table form: runs xroute without --json and returns stdout."""
    r = subprocess.run([os.path.join(BIN, "xroute"), "--gateway", S.gateway, *args], capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == expect_rc, f"xroute {' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r.stdout + r.stderr


def cid(tag):
    return f"cli-{tag}-{uuid.uuid4().hex[:10]}"


def test_every_operation_on_every_venue():
    for venue, (sym, qty, limit, stop) in VENUES.items():
        log(f"venue {venue} ({sym})")
        v = ["--venue", venue]
        route = S.cli("route", sym)[0]
        check(route["venue"] == venue, f"route {sym}: {route}")
        t = S.cli("price", sym)[0]
        check(Decimal(t["last"]) > 0 and t["venue"] == venue, f"price: {t}")
        k = S.cli("klines", sym, "--interval", "1m", "--limit", "5")
        check(1 <= len(k) <= 5 and all(Decimal(x["high"]) >= Decimal(x["low"]) for x in k), f"klines: {k}")
        check(k == sorted(k, key=lambda x: x["open_time"]), "klines oldest first")
        lev = S.cli("leverage", sym, "10")[0]
        check(lev["leverage"] == 10, f"leverage: {lev}")

        m = cid("m")
        o = S.cli("place", "--symbol", sym, "--side", "buy", "--type", "market", "--qty", qty, "--client-id", m,
                  "--meta", "bot=cli")[0]
        check(o["status"] == "FILLED" and o["client_order_id"] == m, f"market: {o}")
        market_id = o["order_id"]
        got = S.cli("order", "--symbol", sym, "--id", o["order_id"])[0]
        check(got["order_id"] == o["order_id"] and got["status"] == "FILLED", f"order by id: {got}")

        lim = cid("l")
        o = S.cli("place", "--symbol", sym, "--side", "buy", "--type", "limit", "--qty", qty, "--price", limit,
                  "--tif", "GTC", "--client-id", lim)[0]
        check(o["status"] == "NEW", f"limit: {o}")
        st = cid("s")
        o2 = S.cli("place", "--symbol", sym, "--side", "sell", "--type", "stop_market", "--qty", qty,
                   "--stop-price", stop, "--client-id", st, "--reduce-only")[0]
        check(o2["status"] == "UNTRIGGERED", f"stop: {o2}")
        opened = S.cli("orders", "--symbol", sym)
        ids = {x["order_id"] for x in opened}
        check(o["order_id"] in ids, f"open orders lack the limit order: {opened}")
        c = S.cli("cancel", "--symbol", sym, "--id", o["order_id"])[0]
        check(c["ok"] and c["status"] == "CANCELED", f"cancel: {c}")
        S.cli("cancel-all", "--symbol", sym)
        wait_until(lambda: not S.cli("orders", "--symbol", sym), 10, f"no open orders on {sym} after cancel-all")

        pos = [p for p in S.cli("positions", *v) if p.get("symbol") == sym]
        check(pos and Decimal(pos[0]["quantity"]) > 0, f"positions: {pos}")
        bal = [b for b in S.cli("balances", *v) if b.get("asset") == "USDT"]
        check(bal and Decimal(bal[0]["available"]) > 0, f"balances: {bal}")
        closed = S.cli("close", sym)[0]
        check(closed["reduce_only"] and closed["status"] == "FILLED", f"close: {closed}")
        wait_until(lambda: all(Decimal(p["quantity"]) == 0 for p in S.cli("positions", *v)
                               if p.get("symbol") == sym), 10, f"{sym} flat after close")
        # the venue's trade history names the order by the venue's id (Binance's has no client order id)
        fills = wait_until(lambda: [f for f in S.cli("fills", sym, "--since", str(int(time.time() * 1000) - 600000))
                                    if f.get("order_id") == market_id], 15, f"fill of {m} in the venue's history")
        check(Decimal(fills[0]["quantity"]) > 0, f"fills: {fills}")
        h = [x for x in S.cli("health", *v) if x.get("venue") == venue]
        check(h and h[0]["reachable"], f"health: {h}")
    workers = S.cli("venues")
    check({w["venue"] for w in workers} == set(VENUES), f"venues: {workers}")


def test_table_form_and_errors():
    out = human("venues")
    check(out.splitlines()[0].split()[:3] == ["VENUE", "INSTANCE", "ACCOUNT"], f"table header: {out}")
    out = human("price", "BTC/USDT")
    check("LAST" in out and "BTC/USDT" in out, out)
    err = human("place", "--symbol", "BTC/USDT", "--side", "buy", "--type", "market", "--qty", "50", expect_rc=1)
    check(err.startswith("RISK_REJECTED: max_qty"), f"refusal form: {err}")
    j = S.cli("place", "--symbol", "BTC/USDT", "--side", "buy", "--type", "market", "--qty", "50", expect_rc=1)
    check(j[0]["error"]["code"] == "RISK_REJECTED", f"json refusal: {j}")
    human("place", "--symbol", "BTC/USDT", expect_rc=2)
    r = subprocess.run([os.path.join(BIN, "xroute"), "--gateway", "tcp://127.0.0.1:1", "--timeout", "500", "venues"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 3 and "TIMEOUT" in r.stderr, f"no gateway: {r.returncode} {r.stderr}")


def main():
    global S
    S = Stack("cli", PORT_BASE)
    try:
        S.up()
        return run([test_every_operation_on_every_venue, test_table_form_and_errors])
    finally:
        S.down()


if __name__ == "__main__":
    sys.exit(main())

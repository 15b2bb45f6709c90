#!/usr/bin/python3
"""system_cli: the xroute command drives every operation on every venue, through the real stack, in both
output forms: place (market, limit, stop), order, orders, cancel, cancel-all, positions, balances, price,
klines, leverage, close, fills, route, venues, health; and its exit status and error form on a refusal.
Then: `watch` streams the order update and the fill of an order placed while it runs; `place --tp --sl
--leverage` reaches the simulator as each venue's leverage call and attached take-profit/stop-loss (its raw
request log); `cancel --client-id` on every venue; the gateway taken from XROUTE_GATEWAY.

Environment: XR_SOURCE, XR_BIN, XR_SCRATCH, XR_PORT_BASE."""
import json
import os
import signal
import subprocess
import sys
import threading
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


class Watch:
    """`xroute --json watch` as a child process; a thread collects its stdout lines (JSON objects)."""

    def __init__(self):
        self.lines = []
        self.err = []
        self.proc = subprocess.Popen([os.path.join(BIN, "xroute"), "--events", S.env["XROUTE_GATEWAY_EVENTS"],
                                      "--json", "watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=S.env)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True),
                        threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True)]
        for t in self.threads:
            t.start()

    def _read(self, stream, into):
        for line in stream:
            with self.lock:
                into.append(line.rstrip("\n"))

    def events(self):
        with self.lock:
            lines = list(self.lines)
        return [json.loads(x) for x in lines if x.strip()]

    def stop(self):
        """SIGINT, as Ctrl-C: returns the exit status (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            return None
        finally:
            for t in self.threads:
                t.join(5)


def test_watch_streams_events_of_an_order_placed_meanwhile():
    w = Watch()
    try:
        wait_until(lambda: any("watching" in x for x in w.err), 10, "watch to subscribe")
        check(w.proc.poll() is None, f"watch exited at once: {w.err}")
        # A new subscription reaches the gateway's PUB after a moment (ZeroMQ's slow joiner): place market
        # orders until one's events show up, then every event of that order must be there.
        placed = []
        seen = None
        deadline = time.monotonic() + 30
        while seen is None and time.monotonic() < deadline:
            c = cid("w")
            o = S.cli("place", "--symbol", "BTC/USDT", "--side", "buy", "--type", "market", "--qty", "0.001",
                      "--client-id", c)[0]
            check(o["status"] == "FILLED", f"watch order: {o}")
            placed.append((c, o["order_id"]))
            t_end = time.monotonic() + 2
            while time.monotonic() < t_end and seen is None:
                evs = w.events()
                seen = next(((c2, oid) for c2, oid in placed if any(e.get("client_order_id") == c2 for e in evs)),
                            None)
                time.sleep(0.1)
        check(seen is not None, f"watch printed nothing for {len(placed)} orders placed meanwhile: {w.events()[-5:]}")
        c, order_id = seen

        def of_order():
            return [e for e in w.events() if e.get("client_order_id") == c or e.get("order_id") == order_id]

        def complete():
            evs = of_order()
            upd = [e for e in evs if e.get("event") == "order"]
            fills = [e for e in evs if e.get("event") == "fill"]
            return (upd, fills) if any(e.get("status") == "FILLED" for e in upd) and fills else None

        upd, fills = wait_until(complete, 15, f"the FILLED update and the fill of {c} in watch's output")
        f = fills[0]
        check(f["symbol"] == "BTC/USDT" and f["venue"] == "binance" and Decimal(f["quantity"]) == Decimal("0.001")
              and Decimal(f["price"]) > 0, f"fill event: {f}")
        check(all(e["venue"] == "binance" and e["symbol"] == "BTC/USDT" for e in upd), f"updates: {upd}")
        log(f"watch: {len(w.events())} events, {len(upd)} updates and {len(fills)} fills of {c}")
    finally:
        rc = w.stop()
    check(rc == 0, f"watch after SIGINT: exit {rc}, stderr {w.err}")


def sim_requests(venue, since_ms):
    """The simulator's raw requests of one venue made at or after since_ms (its wall clock), oldest first."""
    reqs = S.admin("GET", f"/admin/requests?venue={venue}&limit=256")["requests"]
    return [r for r in reqs if r["time"] >= since_ms]


def test_place_with_tp_sl_and_leverage():
    # venue -> symbol, qty, take-profit above and stop-loss below the market (a long position's brackets)
    cases = {"binance": ("BTC/USDT", "0.002", "150000", "50000"), "bybit": ("ETH/USDT", "0.05", "6000", "1000"),
             "coindcx": ("XRP/USDT", "20", "5", "0.5")}
    for venue, (sym, qty, tp, sl) in cases.items():
        since = int(time.time() * 1000) - 5
        c = cid("tpsl")
        o = S.cli("place", "--symbol", sym, "--side", "buy", "--type", "market", "--qty", qty, "--tp", tp, "--sl",
                  sl, "--leverage", "7", "--client-id", c)[0]
        check(o["status"] == "FILLED" and o["venue"] == venue, f"{venue} place with tp/sl: {o}")
        reqs = sim_requests(venue, since)
        text = [f"{r['method']} {r['path']}?{r['query']} {r['body']} -> {r['status']}" for r in reqs]

        def find(pred, what):
            hits = [i for i, r in enumerate(reqs) if pred(r)]
            check(hits and all(reqs[i]["status"] == 200 for i in hits), f"{venue}: {what} not seen (or refused) "
                  f"by the simulator:\n  " + "\n  ".join(text))
            return hits[0]

        if venue == "binance":
            lev = find(lambda r: r["path"] == "/fapi/v1/leverage" and "symbol=BTCUSDT" in r["query"]
                       and "leverage=7&" in r["query"], "leverage=7")
            new = find(lambda r: r["path"] == "/fapi/v1/order" and r["method"] == "POST"
                       and f"newClientOrderId={c}&" in r["query"], "the order")
            find(lambda r: r["path"] == "/fapi/v1/algoOrder" and "type=TAKE_PROFIT_MARKET" in r["query"]
                 and f"triggerPrice={tp}&" in r["query"] and "reduceOnly=true" in r["query"], f"take-profit at {tp}")
            find(lambda r: r["path"] == "/fapi/v1/algoOrder" and "type=STOP_MARKET" in r["query"]
                 and f"triggerPrice={sl}&" in r["query"] and "reduceOnly=true" in r["query"], f"stop-loss at {sl}")
        else:
            if venue == "bybit":
                lev = find(lambda r: r["path"] == "/v5/position/set-leverage"
                           and json.loads(r["body"]).get("buyLeverage") == "7"
                           and json.loads(r["body"]).get("symbol") == "ETHUSDT", "set-leverage 7")
                new = find(lambda r: r["path"] == "/v5/order/create"
                           and json.loads(r["body"]).get("orderLinkId") == c
                           and json.loads(r["body"]).get("takeProfit") == tp
                           and json.loads(r["body"]).get("stopLoss") == sl, f"create with takeProfit {tp} stopLoss {sl}")
            else:
                lev = find(lambda r: r["path"].endswith("/positions/update_leverage")
                           and str(json.loads(r["body"]).get("leverage")) == "7"
                           and json.loads(r["body"]).get("pair") == "B-XRP_USDT", "update_leverage 7")

                def create(r):
                    if not r["path"].endswith("/orders/create"):
                        return False
                    order = json.loads(r["body"], parse_float=Decimal).get("order") or {}
                    return (Decimal(str(order.get("take_profit_price", "0"))) == Decimal(tp)
                            and Decimal(str(order.get("stop_loss_price", "0"))) == Decimal(sl)
                            and order.get("leverage") == 7)
                new = find(create, f"create with take_profit_price {tp} stop_loss_price {sl}")
        check(lev < new, f"{venue}: leverage must be set before the order is sent:\n  " + "\n  ".join(text))
        S.cli("cancel-all", "--symbol", sym)
        S.cli("close", sym)


def test_cancel_by_client_id_on_every_venue():
    for venue, (sym, qty, limit, _stop) in VENUES.items():
        c = cid("cc")
        o = S.cli("place", "--symbol", sym, "--side", "buy", "--type", "limit", "--qty", qty, "--price", limit,
                  "--tif", "GTC", "--client-id", c)[0]
        check(o["status"] == "NEW" and o["venue"] == venue, f"{venue} resting order: {o}")
        r = S.cli("cancel", "--symbol", sym, "--client-id", c)[0]
        check(r["ok"] and r["status"] == "CANCELED", f"{venue} cancel --client-id: {r}")
        got = S.cli("order", "--symbol", sym, "--client-id", c)[0]
        check(got["order_id"] == o["order_id"] and got["status"] == "CANCELED", f"{venue} order after cancel: {got}")
        check(all(x["order_id"] != o["order_id"] for x in S.cli("orders", "--symbol", sym)),
              f"{venue}: canceled order still listed as open")
        # the simulator's own truth: that order was accepted once and is done there as CANCELED (the CoinDCX
        # dialect keeps no client order id at the simulator: there the order is found by price, size and time)
        entries = S.admin("GET", f"/admin/ledger?venue={venue}")["entries"]
        accepted = [e for e in entries if e["kind"] == "order"
                    and (e["client_id"] == c if venue != "coindcx" else
                         e["type"] == "LIMIT" and Decimal(e["price"]) == Decimal(limit)
                         and Decimal(e["qty"]) == Decimal(qty) and e["time"] >= o["created_at"] - 1000)]
        check(len(accepted) == 1, f"{venue}: {len(accepted)} orders of {c} at the simulator, want 1")
        done = [e for e in entries if e["kind"] == "done" and e["order_id"] == accepted[0]["order_id"]]
        check([e["status"] for e in done] == ["CANCELED"], f"{venue}: simulator's final state of {c}: {done}")
        # an unknown client id is a typed refusal with exit status 1
        e = S.cli("cancel", "--symbol", sym, "--client-id", cid("none"), expect_rc=1)[0]["error"]
        check(e["code"] == "ORDER_NOT_FOUND", f"{venue} cancel of an unknown client id: {e}")


def test_gateway_from_environment():
    env = {k: v for k, v in S.env.items() if k != "XROUTE_GATEWAY"}

    def xroute(*args, gateway_env=None, timeout_ms=5000):
        e = dict(env, **({"XROUTE_GATEWAY": gateway_env} if gateway_env else {}))
        return subprocess.run([os.path.join(BIN, "xroute"), "--timeout", str(timeout_ms), *args],
                              capture_output=True, text=True, timeout=60, env=e)

    # no --gateway: XROUTE_GATEWAY is the endpoint
    r = xroute("--json", "route", "ETH/USDT", gateway_env=S.gateway)
    check(r.returncode == 0 and json.loads(r.stdout.splitlines()[0])["venue"] == "bybit",
          f"route through XROUTE_GATEWAY: {r.returncode} {r.stdout} {r.stderr}")
    c = cid("env")
    r = xroute("--json", "place", "--symbol", "ETH/USDT", "--side", "buy", "--type", "market", "--qty", "0.01",
               "--client-id", c, gateway_env=S.gateway)
    check(r.returncode == 0 and json.loads(r.stdout)["client_order_id"] == c, f"place: {r.stdout} {r.stderr}")
    check(sum(1 for e in S.ledger()["entries"] if e["kind"] == "order" and e["client_id"] == c) == 1,
          f"{c} not at the simulator exactly once")
    # XROUTE_GATEWAY at a dead endpoint: the CLI goes there (and says so), proving the variable is read
    dead = "tcp://127.0.0.1:1"
    r = xroute("venues", gateway_env=dead, timeout_ms=500)
    check(r.returncode == 3 and "TIMEOUT" in r.stderr and dead in r.stderr, f"dead XROUTE_GATEWAY: {r.stderr}")
    # --gateway wins over the variable
    r = xroute("--json", "--gateway", S.gateway, "route", "BTC/USDT", gateway_env=dead)
    check(r.returncode == 0 and json.loads(r.stdout.splitlines()[0])["venue"] == "binance",
          f"--gateway over XROUTE_GATEWAY: {r.returncode} {r.stderr}")


def main():
    global S
    S = Stack("cli", PORT_BASE)
    try:
        S.up()
        return run([test_every_operation_on_every_venue, test_table_form_and_errors,
                    test_watch_streams_events_of_an_order_placed_meanwhile, test_place_with_tp_sl_and_leverage,
                    test_cancel_by_client_id_on_every_venue, test_gateway_from_environment])
    finally:
        S.down()


if __name__ == "__main__":
    sys.exit(main())

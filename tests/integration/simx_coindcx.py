#!/usr/bin/python3
"""simx_coindcx: the CoinDCX futures dialect of the exchange simulator, driven over real HTTP by an
independent signer written here from CoinDCX's documented rule (Python stdlib only): the body is the compact
JSON text (json.dumps with separators (',', ':')) including "timestamp" in ms, X-AUTH-SIGNATURE is the hex
HMAC-SHA256 of exactly those bytes under the API secret, X-AUTH-APIKEY carries the key, and the same bytes
are sent (GET /wallets included). Money in replies is read with Decimal from the number tokens' own text.

Starts its own simulator ($XR_BIN/xroute-exchange-sim --port-base <free port>) on 127.0.0.1 and stops it at
the end. Exit status 0 when every check passes."""

import hashlib
import hmac
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from decimal import Decimal

KEY, SECRET = "simx-test-key", "simx-test-secret"
F = "/exchange/v1/derivatives/futures"


def free_base(lo=19200, hi=19296):
    """A base port with base..base+3 free on 127.0.0.1 (random start in the range given to these suites)."""
    start = random.randrange(lo, hi)
    for i in range(0, hi - lo, 4):
        base = lo + (start - lo + i) % (hi - lo)
        ok = True
        for p in range(base, base + 4):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return base
    raise RuntimeError("no free port block")


class Sim:
    def __init__(self, extra_args=()):
        binary = os.path.join(os.environ.get("XR_BIN", "build/bin"), "xroute-exchange-sim")
        self.base = free_base()
        self.port = self.base + 3
        parent = os.environ.get("XR_SCRATCH")
        if parent:
            os.makedirs(parent, exist_ok=True)
        self.scratch = tempfile.mkdtemp(prefix="simx-cdx-", dir=parent)
        self.log = open(os.path.join(self.scratch, "sim.log"), "w+")
        self.proc = subprocess.Popen([binary, "--port-base", str(self.base), "--account", KEY + ":" + SECRET]
                                     + list(extra_args),
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.scratch)
        deadline = time.time() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise RuntimeError("simulator did not start:\n" + self.output())
                time.sleep(0.05)

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    """A CoinDCX client following the documented signing rule."""

    MIN_INTERVAL_S = 0.07  # stay under CoinDCX's 16 requests per second, as a real client must

    def __init__(self, port, key=KEY, secret=SECRET):
        self.port, self.key, self.secret = port, key, secret
        self.ts_shift_ms = 0
        self.last_sent = 0.0

    def raw(self, method, path, body_bytes=b"", headers=None, port=None):
        wait = self.last_sent + self.MIN_INTERVAL_S - time.time()
        if wait > 0:
            time.sleep(wait)
        self.last_sent = time.time()
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=5)
        conn.request(method, path, body=body_bytes, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def signed(self, method, path, payload, secret=None, raw_body=None):
        if raw_body is None:
            payload = dict(payload)
            payload["timestamp"] = int(time.time() * 1000) - self.ts_shift_ms
            body = json.dumps(payload, separators=(",", ":"))
        else:
            body = raw_body
        body_bytes = body.encode()
        sig = hmac.new((secret or self.secret).encode(), body_bytes, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-AUTH-APIKEY": self.key, "X-AUTH-SIGNATURE": sig}
        status, data = self.raw(method, path, body_bytes, headers)
        return status, json.loads(data, parse_float=Decimal) if data else None

    def public(self, path):
        status, data = self.raw("GET", path)
        return status, json.loads(data, parse_float=Decimal)


class Checks:
    def __init__(self, suite="simx-coindcx"):
        self.suite, self.passed, self.failed = suite, 0, []

    def run(self, name, fn):
        try:
            fn()
            self.passed += 1
            print("PASS %s: %s" % (self.suite, name), flush=True)
        except Exception:  # a failed check is reported, the others still run
            self.failed.append(name)
            print("FAIL %s: %s\n%s" % (self.suite, name, traceback.format_exc()), flush=True)

    def finish(self):
        print("%s: %d passed, %d failed" % (self.suite, self.passed, len(self.failed)))
        return 1 if self.failed else 0


def expect_error(result, status, message_prefix):
    code, body = result
    assert code == status, "HTTP %d, expected %d: %r" % (code, status, body)
    assert isinstance(body, dict) and set(body) == {"code", "message", "status"}, "error body shape %r" % body
    assert body["code"] == status and body["status"] == "error", body
    assert body["message"].startswith(message_prefix), "message %r lacks %r" % (body["message"], message_prefix)


def main():
    sim = Sim()
    c = Client(sim.port)
    t = Checks()
    state = {}
    try:
        def instruments():
            code, pairs = c.public(F + "/data/active_instruments?margin_currency_short_name[]=USDT")
            assert code == 200 and sorted(pairs) == sorted(
                ["B-BTC_USDT", "B-ETH_USDT", "B-SOL_USDT", "B-XRP_USDT", "B-DOGE_USDT"]), pairs
            code, body = c.public(F + "/data/instrument?pair=B-ETH_USDT&margin_currency_short_name=USDT")
            inst = body["instrument"]
            assert code == 200 and inst["pair"] == "B-ETH_USDT" and inst["status"] == "active"
            for k in ("price_increment", "quantity_increment", "min_quantity", "min_notional"):
                assert isinstance(inst[k], (Decimal, int)) and inst[k] > 0, (k, inst[k])
            state["tick"], state["step"] = inst["price_increment"], inst["quantity_increment"]
            state["min_notional"] = inst["min_notional"]
            expect_error(c.public(F + "/data/instrument?pair=B-NOPE_USDT&margin_currency_short_name=USDT"), 404, "")
        t.run("active instruments and instrument details (number tokens)", instruments)

        def prices():
            code, body = c.public("/market_data/v3/current_prices/futures/rt")
            eth = body["prices"]["B-ETH_USDT"]
            assert code == 200 and eth["mkt"] == "ETHUSDT" and eth["ls"] > 0 and eth["mp"] > 0, eth
            state["last"] = eth["ls"]
            code, book = c.public("/market_data/v3/orderbook/B-ETH_USDT-futures/50")
            bids, asks = [Decimal(p) for p in book["bids"]], [Decimal(p) for p in book["asks"]]
            assert code == 200 and bids and asks and max(bids) < min(asks), book
        t.run("current prices and order book", prices)

        def candles():
            now = int(time.time())
            code, body = c.public("/market_data/candlesticks?pair=B-ETH_USDT&from=%d&to=%d&resolution=1&pcode=f"
                                  % (now - 900, now))
            data = body["data"]
            assert code == 200 and body["s"] == "ok" and len(data) >= 10, body
            times = [k["time"] for k in data]
            assert times == sorted(times) and times[1] - times[0] == 60000, times[:3]
            assert all(k["high"] >= k["low"] for k in data)
        t.run("candlesticks ascending, one minute apart", candles)

        def wallet():
            code, body = c.signed("GET", F + "/wallets", {})
            assert code == 200 and body[0]["currency_short_name"] == "USDT", body
            assert Decimal(body[0]["balance"]) > 0, body
        t.run("wallets: GET with a signed JSON body", wallet)

        def leverage():
            code, body = c.signed("POST", F + "/positions/update_leverage",
                                  {"leverage": "5", "pair": "B-ETH_USDT", "margin_currency_short_name": "USDT"})
            assert code == 200 and body == {"message": "success", "status": 200, "code": 200}, body
            code, body = c.signed("POST", F + "/positions", {"page": "1", "size": "10", "pairs": "B-ETH_USDT"})
            assert code == 200 and body[0]["leverage"] == 5 and body[0]["active_pos"] == 0, body
            state["position_id"] = body[0]["id"]
            expect_error(c.signed("POST", F + "/positions/update_leverage",
                                  {"leverage": "0", "pair": "B-ETH_USDT", "margin_currency_short_name": "USDT"}),
                         400, "Leverage cannot be less than 1x")
        t.run("update leverage; positions report it", leverage)

        def limit_order():
            price = (state["last"] * Decimal("0.95")).quantize(state["tick"])
            order = {"side": "buy", "pair": "B-ETH_USDT", "order_type": "limit_order", "price": float(price),
                     "total_quantity": 0.01, "leverage": 5, "notification": "no_notification",
                     "time_in_force": "good_till_cancel", "client_order_id": "simx-1"}
            code, body = c.signed("POST", F + "/orders/create", {"order": order})
            assert code == 200 and isinstance(body, list) and len(body) == 1, body
            o = body[0]
            assert o["status"] == "initial" and o["pair"] == "B-ETH_USDT" and o["total_quantity"] == Decimal("0.01")
            assert o["price"] == price and "client_order_id" not in o, o
            assert len(o["id"]) == 36, o["id"]
            state["limit_id"], state["limit_price"] = o["id"], price
        t.run("create limit order: array reply, client_order_id ignored", limit_order)

        def leverage_mismatch():
            order = {"side": "buy", "pair": "B-ETH_USDT", "order_type": "limit_order",
                     "price": float(state["limit_price"]), "total_quantity": 0.01, "leverage": 10}
            expect_error(c.signed("POST", F + "/orders/create", {"order": order}), 422,
                         "Order leverage must be equal to position leverage")
        t.run("order leverage must equal position leverage (422)", leverage_mismatch)

        def list_orders():
            expect_error(c.signed("POST", F + "/orders", {"status": "open", "page": "1", "size": "10"}), 400,
                         "side is missing")
            code, body = c.signed("POST", F + "/orders", {"status": "open", "side": "buy", "page": "1", "size": "10",
                                                           "margin_currency_short_name": ["USDT"]})
            assert code == 200 and [o["id"] for o in body] == [state["limit_id"]], body
            assert body[0]["status"] == "open" and body[0]["remaining_quantity"] == Decimal("0.01")
            code, body = c.signed("POST", F + "/orders", {"status": "open", "side": "sell", "page": "1", "size": "10"})
            assert code == 200 and body == [], body
        t.run("list orders by status and side (side required)", list_orders)

        def edit():
            new_price = state["limit_price"] - state["tick"]
            code, body = c.signed("POST", F + "/orders/edit", {"id": state["limit_id"], "total_quantity": 0.02,
                                                                "price": float(new_price)})
            assert code == 200 and body[0]["id"] == state["limit_id"], body
            assert body[0]["price"] == new_price and body[0]["total_quantity"] == Decimal("0.02"), body
        t.run("edit order keeps its id", edit)

        def cancel():
            code, body = c.signed("POST", F + "/orders/cancel", {"id": state["limit_id"]})
            assert code == 200 and body == {"message": "success", "status": 200, "code": 200}, body
            code, body = c.signed("POST", F + "/orders", {"status": "cancelled", "side": "buy", "page": "1",
                                                           "size": "10"})
            assert state["limit_id"] in [o["id"] for o in body], body
            expect_error(c.signed("POST", F + "/orders/cancel", {"id": state["limit_id"]}), 400, "")
            expect_error(c.signed("POST", F + "/orders/cancel", {"id": "c87ca633-6218-44ea-900b-e86981358cbd"}),
                         404, "Order not found")
        t.run("cancel; cancelled orders listed; unknown id 404", cancel)

        def market_and_trades():
            code, body = c.signed("POST", F + "/orders/create", {"order": {
                "side": "buy", "pair": "B-ETH_USDT", "order_type": "market_order", "total_quantity": 0.02,
                "notification": "no_notification"}})
            assert code == 200, body
            mid = body[0]["id"]
            code, body = c.signed("POST", F + "/orders", {"status": "filled", "side": "buy", "page": "1", "size": "10"})
            filled = [o for o in body if o["id"] == mid]
            assert filled and filled[0]["remaining_quantity"] == 0 and filled[0]["avg_price"] > 0, body
            code, body = c.signed("POST", F + "/positions", {"page": "1", "size": "10", "pairs": "B-ETH_USDT"})
            assert body[0]["active_pos"] == Decimal("0.02") and body[0]["avg_price"] > 0, body
            today = time.strftime("%Y-%m-%d", time.gmtime())
            code, body = c.signed("POST", F + "/trades", {"pair": "B-ETH_USDT", "from_date": today, "to_date": today,
                                                           "page": "1", "size": "10",
                                                           "margin_currency_short_name": ["USDT"]})
            mine = [x for x in body if x["order_id"] == mid]
            assert sum(x["quantity"] for x in mine) == Decimal("0.02") and mine[0]["fee_amount"] > 0, body
            expect_error(c.signed("POST", F + "/trades", {"pair": "B-ETH_USDT", "to_date": today, "page": "1",
                                                           "size": "10"}), 400, "from_date is missing")
        t.run("market order fills; position and trades follow", market_and_trades)

        def leverage_lock():
            expect_error(c.signed("POST", F + "/positions/update_leverage",
                                  {"leverage": "7", "pair": "B-ETH_USDT", "margin_currency_short_name": "USDT"}),
                         422, "Leverage cannot be changed while a position is open")
            code, body = c.signed("POST", F + "/positions", {"page": "1", "size": "10", "pairs": "B-ETH_USDT"})
            assert body[0]["leverage"] == 5, body
        t.run("leverage is locked while a position is open", leverage_lock)

        def stop_fires():
            code, body = c.public("/market_data/v3/current_prices/futures/rt")
            now = body["prices"]["B-ETH_USDT"]["ls"]
            trigger = (now * Decimal("0.98")).quantize(state["tick"])
            code, body = c.signed("POST", F + "/orders/create", {"order": {
                "side": "sell", "pair": "B-ETH_USDT", "order_type": "stop_market", "stop_price": float(trigger),
                "total_quantity": 0.01, "leverage": 5}})
            assert code == 200, body
            sid = body[0]["id"]
            status, data = c.raw("POST", "/admin/price", json.dumps({"venue": "coindcx", "symbol": "B-ETH_USDT",
                                 "price": str((now * Decimal("0.97")).quantize(state["tick"]))}).encode(),
                                 {"Content-Type": "application/json"}, port=sim.base)
            assert status == 200, data
            code, body = c.signed("POST", F + "/orders", {"status": "filled", "side": "sell", "page": "1",
                                                           "size": "10"})
            fired = [o for o in body if o["id"] == sid]
            assert fired and fired[0]["order_type"] == "stop_market" and fired[0]["avg_price"] > 0, body
            code, body = c.signed("POST", F + "/positions", {"page": "1", "size": "10", "pairs": "B-ETH_USDT"})
            assert body[0]["active_pos"] == Decimal("0.01"), body
            state["last"] = (now * Decimal("0.97")).quantize(state["tick"])
        t.run("a stop order fires when the price falls through it and keeps its id", stop_fires)

        def stop_and_cancel_for_position():
            trigger = (state["last"] * Decimal("0.8")).quantize(state["tick"])
            code, body = c.signed("POST", F + "/orders/create", {"order": {
                "side": "sell", "pair": "B-ETH_USDT", "order_type": "stop_market", "stop_price": float(trigger),
                "total_quantity": 0.02, "leverage": 5}})
            assert code == 200, body
            code, body = c.signed("POST", F + "/orders", {"status": "untriggered", "side": "sell", "page": "1",
                                                           "size": "10"})
            assert len(body) == 1 and body[0]["stop_price"] == trigger, body
            code, body = c.signed("POST", F + "/positions/cancel_all_open_orders_for_position",
                                  {"id": state["position_id"]})
            assert code == 200, body
            code, body = c.signed("POST", F + "/orders", {"status": "untriggered", "side": "sell", "page": "1",
                                                           "size": "10"})
            assert body == [], body
        t.run("stop order untriggered; cancel all for the position", stop_and_cancel_for_position)

        def exit_position():
            code, body = c.signed("POST", F + "/positions/exit", {"id": state["position_id"]})
            assert code == 200 and body["data"]["group_id"], body
            code, body = c.signed("POST", F + "/positions", {"page": "1", "size": "10", "pairs": "B-ETH_USDT"})
            assert body[0]["active_pos"] == 0, body
            expect_error(c.signed("POST", F + "/positions/exit", {"id": state["position_id"]}), 422, "")
            code, body = c.signed("POST", F + "/positions/update_leverage",
                                  {"leverage": "7", "pair": "B-ETH_USDT", "margin_currency_short_name": "USDT"})
            assert code == 200, body
        t.run("exit flattens the position and unlocks leverage", exit_position)

        def cancel_all():
            price = (state["last"] * Decimal("0.95")).quantize(state["tick"])
            for _ in range(2):
                code, body = c.signed("POST", F + "/orders/create", {"order": {
                    "side": "buy", "pair": "B-ETH_USDT", "order_type": "limit_order", "price": float(price),
                    "total_quantity": 0.01}})
                assert code == 200, body
            code, body = c.signed("POST", F + "/positions/cancel_all_open_orders",
                                  {"margin_currency_short_name": ["USDT"]})
            assert code == 200, body
            code, body = c.signed("POST", F + "/orders", {"status": "open", "side": "buy", "page": "1", "size": "10"})
            assert body == [], body
        t.run("cancel all open orders", cancel_all)

        def auth_errors():
            expect_error(c.signed("GET", F + "/wallets", {}, secret="wrong-secret"), 401, "Invalid credentials")
            expect_error(Client(sim.port, key="nobody").signed("GET", F + "/wallets", {}), 401, "Invalid credentials")
            status, data = c.raw("GET", F + "/wallets", b'{"timestamp":1}', {"Content-Type": "application/json"})
            assert status == 401, data
            stale = Client(sim.port)
            stale.ts_shift_ms = 60000
            expect_error(stale.signed("GET", F + "/wallets", {}), 400, "")
        t.run("bad signature, unknown key, missing headers, stale timestamp", auth_errors)

        def signature_over_bytes():
            # a non-compact body is fine as long as the signature covers the exact bytes sent
            body = '{ "timestamp" : %d }' % int(time.time() * 1000)
            code, reply = c.signed("GET", F + "/wallets", None, raw_body=body)
            assert code == 200, reply
            # the same signature with one byte changed in transit fails
            sig = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
            status, data = c.raw("GET", F + "/wallets", body.replace(" }", "}").encode(),
                                 {"X-AUTH-APIKEY": KEY, "X-AUTH-SIGNATURE": sig})
            assert status == 401, data
        t.run("signature is over the exact body bytes", signature_over_bytes)

        def bad_requests():
            expect_error(c.signed("POST", F + "/orders/create", None, raw_body='{"timestamp":'), 400, "")
            expect_error(c.signed("POST", F + "/orders/create", {"order": {
                "side": "buy", "pair": "B-ETH_USDT", "order_type": "limit_order", "total_quantity": 0.01}}),
                422, "Price can't be empty for limit_order Order")
            expect_error(c.signed("POST", F + "/orders/create", {"order": {
                "side": "buy", "pair": "B-ETH_USDT", "order_type": "limit_order",
                "price": float(state["limit_price"] + state["tick"] / 2), "total_quantity": 0.01}}),
                400, "Price should be divisible by")
            expect_error(c.signed("POST", F + "/orders/create", {"order": {
                "side": "buy", "pair": "B-ETH_USDT", "order_type": "market_order", "total_quantity": 0.01,
                "time_in_force": "good_till_cancel"}}), 400, "time_in_force")
            expect_error(c.signed("POST", F + "/orders/create", {"order": {
                "side": "up", "pair": "B-ETH_USDT", "order_type": "market_order", "total_quantity": 0.01}}),
                400, "side does not have a valid value")
            huge = '{"timestamp":%d,"pad":"%s"}' % (int(time.time() * 1000), "x" * 70000)
            code, body = c.signed("POST", F + "/orders", None, raw_body=huge)
            assert code == 413 and body["status"] == "error", (code, body)
            status, data = c.raw("GET", "/exchange/v1/derivatives/futures/nothing")
            assert status == 404, data
            # the simulator is still serving
            code, body = c.public("/market_data/v3/current_prices/futures/rt")
            assert code == 200
        t.run("bad requests get the venue's error bodies and never crash it", bad_requests)
    finally:
        sim.stop()
        if t.failed:
            print("--- simulator output ---\n" + sim.output())
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())

"""Integration tests of xroute-exchange-sim's Binance dialect over real HTTP with an independent client
(sim_client.py: http.client + hmac, no shared code with the simulator). Each test class starts its own simulator
on its own ports (19110.. of the sim range) and stops it at the end."""
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sim_client as sc  # noqa: E402

ORDER = "/fapi/v1/order"


def market(symbol="BTCUSDT", side="BUY", qty="0.010", **extra):
    p = {"symbol": symbol, "side": side, "type": "MARKET", "quantity": qty}
    p.update(extra)
    return p


def limit(price, symbol="BTCUSDT", side="BUY", qty="0.010", tif="GTC", **extra):
    p = {"symbol": symbol, "side": side, "type": "LIMIT", "timeInForce": tif, "quantity": qty, "price": price}
    p.update(extra)
    return p


class Base(unittest.TestCase):
    PORT = None
    FLAGS = ("--tick-ms", "0")

    @classmethod
    def setUpClass(cls):
        cls.sim = sc.Sim(cls.PORT, *cls.FLAGS, accounts=("k1:s1", "k2:s2"))
        cls.bn = sc.Binance(cls.PORT + 1)

    @classmethod
    def tearDownClass(cls):
        cls.bn.close()
        rc = cls.sim.stop()
        assert rc == 0, "simulator exit code %s" % rc

    def setUp(self):
        st, _ = self.sim.admin("POST", "/admin/reset")
        self.assertEqual(st, 200)

    def ok(self, method, path, params=None, **kw):
        st, h, body = self.bn.signed(method, path, params, **kw)
        self.assertEqual(st, 200, "%s %s -> %s %s" % (method, path, st, body))
        return body

    def err(self, code, method, path, params=None, status=400, **kw):
        st, h, body = self.bn.signed(method, path, params, **kw)
        self.assertEqual(st, status, "%s %s -> %s %s" % (method, path, st, body))
        self.assertEqual(body["code"], code, body)
        self.assertIsInstance(body["msg"], str)
        return body

    def set_price(self, price, symbol="BTCUSDT"):
        st, body = self.sim.admin("POST", "/admin/price", {"venue": "binance", "symbol": symbol, "price": price})
        self.assertEqual(st, 200, body)


class Signing(Base):
    PORT = 19110

    def test_good_signature_in_query_body_and_split(self):
        for placement in ("query", "body", "split"):
            o = self.ok("POST", ORDER, limit("90000.00", newClientOrderId="sig-" + placement), placement=placement)
            self.assertEqual(o["clientOrderId"], "sig-" + placement)

    def test_bad_signature(self):
        self.err(-1022, "GET", "/fapi/v3/balance", bad_sig=True)
        self.err(-1022, "POST", ORDER, limit("90000.00"), placement="body", bad_sig=True)

    def test_percent_encoded_client_id_is_signed_as_sent(self):
        o = self.ok("POST", ORDER, limit("90000.00", newClientOrderId="a.b:c/d_e-f"))
        self.assertEqual(o["clientOrderId"], "a.b:c/d_e-f")
        q = self.ok("GET", ORDER, {"symbol": "BTCUSDT", "origClientOrderId": "a.b:c/d_e-f"})
        self.assertEqual(q["orderId"], o["orderId"])

    def test_stale_and_future_timestamps(self):
        now = int(time.time() * 1000)
        self.err(-1021, "GET", "/fapi/v3/balance", ts=now - 6000)
        self.ok("GET", "/fapi/v3/balance", ts=now - 6000, recv_window=10000)
        self.err(-1021, "GET", "/fapi/v3/balance", ts=now + 3000)
        self.err(-1131, "GET", "/fapi/v3/balance", recv_window=60001)

    def test_keys(self):
        st, h, body = self.bn.raw("GET", "/fapi/v3/balance", "timestamp=1&signature=00", headers={})
        self.assertEqual((st, body["code"]), (401, -2014))
        other = sc.Binance(self.PORT + 1, key="nobody", secret="x")
        st, h, body = other.signed("GET", "/fapi/v3/balance")
        other.close()
        self.assertEqual((st, body["code"]), (401, -2015))
        wrong_secret = sc.Binance(self.PORT + 1, key="k2", secret="s1")
        st, h, body = wrong_secret.signed("GET", "/fapi/v3/balance")
        wrong_secret.close()
        self.assertEqual((st, body["code"]), (400, -1022))

    def test_missing_extra_duplicate_and_malformed_parameters(self):
        self.err(-1102, "POST", ORDER, {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"})
        self.err(-1104, "POST", ORDER, market(bogus="1"))
        st, h, body = self.bn.raw("GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT&symbol=BTCUSDT", headers={})
        self.assertEqual(body["code"], -1101)
        st, h, body = self.bn.raw("GET", "/fapi/v1/ticker/price", "symbol=%G1", headers={})
        self.assertEqual(body["code"], -1100)
        self.err(-1100, "GET", ORDER, {"symbol": "BTCUSDT", "orderId": "12x"})
        self.err(-1102, "POST", ORDER, market(qty="1..2"))
        self.err(-1117, "POST", ORDER, market(side="HOLD"))
        self.err(-1116, "POST", ORDER, market(type="ICEBERG"))
        self.err(-1115, "POST", ORDER, limit("90000.00", tif="XYZ"))
        st, h, body = self.bn.raw("GET", "/fapi/v9/none", headers={})
        self.assertEqual((st, body["code"]), (404, -5000))

    def test_oversized_body_is_refused_and_server_survives(self):
        body = "a=" + "x" * (70 * 1024)
        st, h, resp = self.bn.raw("POST", ORDER, "", body)
        self.assertEqual(st, 413)
        self.assertEqual(resp["code"], -1000)
        st, h, resp = self.bn.raw("GET", "/fapi/v1/time", headers={})
        self.assertEqual(st, 200)


class Endpoints(Base):
    PORT = 19120

    def test_public_market_data(self):
        st, h, t = self.bn.raw("GET", "/fapi/v1/time", headers={})
        self.assertLess(abs(t["serverTime"] - time.time() * 1000), 5000)
        self.assertIn("x-mbx-used-weight-1m", h)
        st, h, info = self.bn.public("/fapi/v1/exchangeInfo")
        syms = {s["symbol"]: s for s in info["symbols"]}
        for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "1000PEPEUSDT"):
            self.assertIn(s, syms)
        self.assertEqual(syms["1000PEPEUSDT"]["baseAsset"], "1000PEPE")
        filters = {f["filterType"]: f for f in syms["BTCUSDT"]["filters"]}
        self.assertEqual(filters["MIN_NOTIONAL"]["notional"], "5")
        self.assertEqual(filters["PRICE_FILTER"]["tickSize"], "0.1")
        self.assertEqual(filters["LOT_SIZE"]["stepSize"], "0.001")
        self.assertEqual({r["rateLimitType"] for r in info["rateLimits"]}, {"REQUEST_WEIGHT", "ORDERS"})
        self.set_price("95123.40")
        st, h, p = self.bn.public("/fapi/v1/ticker/price", {"symbol": "BTCUSDT"})
        self.assertEqual(p["price"], "95123.40")
        st, h, allp = self.bn.public("/fapi/v2/ticker/price")
        self.assertEqual(len(allp), 6)
        st, h, bt = self.bn.public("/fapi/v1/ticker/bookTicker", {"symbol": "BTCUSDT"})
        self.assertEqual((bt["bidPrice"], bt["askPrice"]), ("95123.40", "95123.50"))
        st, h, pi = self.bn.public("/fapi/v1/premiumIndex", {"symbol": "BTCUSDT"})
        self.assertEqual(pi["markPrice"], "95123.40000000")
        st, h, kl = self.bn.public("/fapi/v1/klines", {"symbol": "ETHUSDT", "interval": "5m", "limit": "7"})
        self.assertEqual(len(kl), 7)
        self.assertEqual([k[0] for k in kl], sorted(k[0] for k in kl))
        self.assertTrue(all(k[6] - k[0] == 300000 - 1 for k in kl))
        st, h, kl2 = self.bn.public("/fapi/v1/klines",
                                    {"symbol": "ETHUSDT", "interval": "1m", "startTime": str(kl[0][0]), "limit": "3"})
        self.assertEqual(kl2[0][0], kl[0][0])
        st, h, t24 = self.bn.public("/fapi/v1/ticker/24hr", {"symbol": "BTCUSDT"})
        self.assertEqual(t24["lastPrice"], "95123.40")
        self.assertLessEqual(float(t24["lowPrice"]), 95123.4)
        self.assertGreaterEqual(float(t24["highPrice"]), 95123.4)
        st, h, d = self.bn.public("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "5"})
        self.assertEqual(d["bids"][0][0], "95123.40")

    def test_order_place_query_cancel(self):
        o = self.ok("POST", ORDER, limit("90000.10", newClientOrderId="c1"))
        for k in ("orderId", "clientOrderId", "symbol", "status", "side", "positionSide", "type", "origType",
                  "timeInForce", "price", "origQty", "executedQty", "cumQty", "cumQuote", "reduceOnly",
                  "closePosition", "stopPrice", "workingType", "priceProtect", "priceMatch",
                  "selfTradePreventionMode", "goodTillDate", "updateTime"):
            self.assertIn(k, o)
        self.assertEqual((o["status"], o["price"], o["origQty"]), ("NEW", "90000.10", "0.010"))
        self.assertIsInstance(o["orderId"], int)
        self.err(-4116, "POST", ORDER, limit("90000.10", newClientOrderId="c1"))
        q = self.ok("GET", ORDER, {"symbol": "BTCUSDT", "orderId": o["orderId"]})
        self.assertEqual(q["clientOrderId"], "c1")
        self.assertIn("avgPrice", q)
        self.assertEqual(self.ok("GET", "/fapi/v1/openOrder", {"symbol": "BTCUSDT", "origClientOrderId": "c1"})
                         ["orderId"], o["orderId"])
        oo = self.ok("GET", "/fapi/v1/openOrders", {"symbol": "BTCUSDT"})
        self.assertEqual([x["orderId"] for x in oo], [o["orderId"]])
        c = self.ok("DELETE", ORDER, {"symbol": "BTCUSDT", "origClientOrderId": "c1"})
        self.assertEqual(c["status"], "CANCELED")
        self.err(-2011, "DELETE", ORDER, {"symbol": "BTCUSDT", "origClientOrderId": "c1"})
        self.err(-2013, "GET", "/fapi/v1/openOrder", {"symbol": "BTCUSDT", "orderId": o["orderId"]})
        self.err(-2013, "GET", ORDER, {"symbol": "BTCUSDT", "orderId": 42})
        again = self.ok("POST", ORDER, limit("90000.10", newClientOrderId="c1"))
        self.assertNotEqual(again["orderId"], o["orderId"])
        self.ok("POST", ORDER, limit("90000.20"))
        r = self.ok("DELETE", "/fapi/v1/allOpenOrders", {"symbol": "BTCUSDT"})
        self.assertEqual(r["code"], 200)
        self.assertEqual(self.ok("GET", "/fapi/v1/openOrders", {}), [])
        self.assertEqual(len(self.ok("GET", "/fapi/v1/allOrders", {"symbol": "BTCUSDT"})), 3)

    def test_market_result_positions_balances_account(self):
        self.set_price("95000.00")
        o = self.ok("POST", ORDER, market(qty="0.020", newOrderRespType="RESULT"))
        self.assertEqual((o["status"], o["executedQty"]), ("FILLED", "0.020"))
        ack = self.ok("POST", ORDER, market(qty="0.010"))
        self.assertEqual((ack["status"], ack["executedQty"]), ("NEW", "0.000"))  # ACK: as accepted
        self.assertEqual(self.ok("GET", ORDER, {"symbol": "BTCUSDT", "orderId": ack["orderId"]})["status"], "FILLED")
        for path in ("/fapi/v2/positionRisk", "/fapi/v3/positionRisk"):
            pos = [p for p in self.ok("GET", path, {"symbol": "BTCUSDT"}) if p["symbol"] == "BTCUSDT"]
            self.assertEqual(len(pos), 1)
            self.assertEqual(pos[0]["positionAmt"], "0.03")
            self.assertEqual(pos[0]["entryPrice"], "95000.10000000")
        v3 = self.ok("GET", "/fapi/v3/positionRisk")
        self.assertEqual([p["symbol"] for p in v3], ["BTCUSDT"])  # only symbols with a position or orders
        self.assertEqual(len(self.ok("GET", "/fapi/v2/positionRisk")), 6)
        fee = 95000.1 * 0.03 * 0.0005
        for path in ("/fapi/v2/balance", "/fapi/v3/balance"):
            b = self.ok("GET", path)[0]
            self.assertEqual(b["asset"], "USDT")
            self.assertEqual(b["balance"], "%.8f" % (100000 - fee))
        a2 = self.ok("GET", "/fapi/v2/account")
        self.assertTrue(a2["canTrade"])
        a3 = self.ok("GET", "/fapi/v3/account")
        self.assertNotIn("canTrade", a3)
        self.assertEqual(a3["totalWalletBalance"], "%.8f" % (100000 - fee))
        self.assertEqual(a3["positions"][0]["positionAmt"], "0.03")

    def test_leverage_margin_type_and_hedge_mode(self):
        r = self.ok("POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT", "leverage": "7"})
        self.assertEqual((r["leverage"], r["symbol"]), (7, "BTCUSDT"))
        self.err(-4028, "POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT", "leverage": "126"})
        self.assertEqual(self.ok("GET", "/fapi/v2/positionRisk", {"symbol": "BTCUSDT"})[0]["leverage"], "7")
        self.ok("POST", "/fapi/v1/marginType", {"symbol": "BTCUSDT", "marginType": "ISOLATED"})
        self.err(-4046, "POST", "/fapi/v1/marginType", {"symbol": "BTCUSDT", "marginType": "ISOLATED"})
        self.ok("POST", "/fapi/v1/positionSide/dual", {"dualSidePosition": "true"})
        self.assertTrue(self.ok("GET", "/fapi/v1/positionSide/dual")["dualSidePosition"])
        self.err(-4061, "POST", ORDER, market())
        self.ok("POST", ORDER, market(positionSide="LONG"))
        self.ok("POST", ORDER, market(side="SELL", positionSide="SHORT", qty="0.020"))
        legs = {p["positionSide"]: p["positionAmt"] for p in self.ok("GET", "/fapi/v3/positionRisk")}
        self.assertEqual(legs, {"LONG": "0.01", "SHORT": "-0.02"})
        self.err(-2022, "POST", ORDER, market(side="SELL", positionSide="LONG", qty="0.020"))
        self.err(-1106, "POST", ORDER, market(side="SELL", positionSide="LONG", reduceOnly="true"))
        self.err(-4068, "POST", "/fapi/v1/positionSide/dual", {"dualSidePosition": "false"})
        br = self.ok("GET", "/fapi/v1/leverageBracket")
        self.assertEqual(len(br), 6)
        one = self.ok("GET", "/fapi/v1/leverageBracket", {"symbol": "BTCUSDT"})
        self.assertEqual(one["brackets"][0]["initialLeverage"], 125)

    def test_filter_errors(self):
        self.err(-1121, "POST", ORDER, market(symbol="FOOUSDT"))
        self.err(-4014, "POST", ORDER, limit("90000.05"))
        self.err(-1111, "POST", ORDER, limit("90000.001"))
        self.err(-1111, "POST", ORDER, market(qty="0.0001"))
        self.err(-4003, "POST", ORDER, market(qty="0"))
        self.err(-4005, "POST", ORDER, market(qty="121"))
        self.err(-4013, "POST", ORDER, limit("1.00"))
        self.err(-4016, "POST", ORDER, limit("900000.00"))
        self.err(-4164, "POST", ORDER, market(symbol="ETHUSDT", qty="0.001"))
        self.err(-4015, "POST", ORDER, limit("90000.00", newClientOrderId="x" * 37))
        self.err(-4015, "POST", ORDER, limit("90000.00", newClientOrderId="bad id"))
        self.err(-2022, "POST", ORDER, market(reduceOnly="true"))
        self.err(-5022, "POST", ORDER, limit("96000.00", tif="GTX"))
        self.err(-4120, "POST", ORDER, {"symbol": "BTCUSDT", "side": "SELL", "type": "STOP_MARKET",
                                         "quantity": "0.01", "stopPrice": "90000"})
        self.err(-2019, "POST", ORDER, market(qty="100"))  # 9.5M notional at 20x needs 475k
        self.err(-5040, "POST", ORDER, limit("90000.00", tif="GTD", goodTillDate=str(int(time.time() * 1000))))

    def test_algo_orders_trigger(self):
        self.set_price("95000.00")
        self.ok("POST", ORDER, market(qty="0.020"))
        base = {"algoType": "CONDITIONAL", "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.020",
                "reduceOnly": "true"}
        self.err(-2021, "POST", "/fapi/v1/algoOrder", dict(base, type="STOP_MARKET", triggerPrice="96000"))
        a = self.ok("POST", "/fapi/v1/algoOrder", dict(base, type="STOP_MARKET", triggerPrice="94000",
                                                         clientAlgoId="stop1"))
        for k in ("algoId", "clientAlgoId", "algoType", "orderType", "algoStatus", "triggerPrice", "createTime"):
            self.assertIn(k, a)
        self.assertEqual((a["algoStatus"], a["orderType"], a["triggerPrice"]), ("NEW", "STOP_MARKET", "94000.00"))
        tp = self.ok("POST", "/fapi/v1/algoOrder", dict(base, type="TAKE_PROFIT_MARKET", triggerPrice="97000"))
        self.assertEqual(len(self.ok("GET", "/fapi/v1/openAlgoOrders", {"symbol": "BTCUSDT"})), 2)
        self.assertEqual(self.ok("GET", "/fapi/v1/openOrders", {"symbol": "BTCUSDT"}), [])
        self.err(-2013, "GET", ORDER, {"symbol": "BTCUSDT", "orderId": a["algoId"]})
        c = self.ok("DELETE", "/fapi/v1/algoOrder", {"algoId": tp["algoId"]})
        self.assertEqual(c["algoId"], tp["algoId"])
        self.err(-2011, "DELETE", "/fapi/v1/algoOrder", {"algoId": tp["algoId"]})
        self.set_price("93999.90")
        g = self.ok("GET", "/fapi/v1/algoOrder", {"clientAlgoId": "stop1"})
        self.assertEqual(g["algoStatus"], "FINISHED")
        child = self.ok("GET", ORDER, {"symbol": "BTCUSDT", "orderId": int(g["actualOrderId"])})
        self.assertEqual((child["status"], child["origType"], child["avgPrice"][:8]),
                         ("FILLED", "STOP_MARKET", "93999.90"))
        pos = self.ok("GET", "/fapi/v3/positionRisk", {"symbol": "BTCUSDT"})
        self.assertEqual(pos, [])
        self.ok("POST", "/fapi/v1/algoOrder", dict(base, type="STOP_MARKET", triggerPrice="90000", reduceOnly="false"))
        self.ok("DELETE", "/fapi/v1/algoOpenOrders", {"symbol": "BTCUSDT"})
        self.assertEqual(self.ok("GET", "/fapi/v1/openAlgoOrders"), [])
        tr = self.ok("POST", "/fapi/v1/algoOrder", {"algoType": "CONDITIONAL", "symbol": "BTCUSDT", "side": "BUY",
                                                     "type": "TRAILING_STOP_MARKET", "quantity": "0.010",
                                                     "callbackRate": "1"})
        self.assertEqual(tr["callbackRate"], "1")

    def test_limit_fills_as_maker_and_user_trades(self):
        self.set_price("95000.00")
        lo = self.ok("POST", ORDER, limit("94000.00", qty="0.010"))
        self.set_price("93999.90")
        q = self.ok("GET", ORDER, {"symbol": "BTCUSDT", "orderId": lo["orderId"]})
        self.assertEqual(q["status"], "FILLED")
        for i in range(4):
            self.ok("POST", ORDER, market(side="SELL" if i % 2 else "BUY"))
        trades = self.ok("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"})
        self.assertEqual(len(trades), 5)
        self.assertTrue(trades[0]["maker"])
        self.assertEqual(trades[0]["commission"], "%.8f" % (94000 * 0.01 * 0.0002))
        ids = [t["id"] for t in trades]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), 5)
        self.assertEqual(self.ok("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "fromId": ids[2]})[0]["id"],
                         ids[2])
        self.assertEqual([t["id"] for t in self.ok("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "limit": 2})],
                         ids[-2:])
        now = int(time.time() * 1000)
        self.assertEqual(len(self.ok("GET", "/fapi/v1/userTrades",
                                     {"symbol": "BTCUSDT", "startTime": now - 60000, "endTime": now + 1000})), 5)
        self.err(-1128, "GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "fromId": ids[0], "startTime": now})
        self.err(-1127, "GET", "/fapi/v1/userTrades",
                 {"symbol": "BTCUSDT", "startTime": now - 8 * 86400000, "endTime": now})
        self.assertEqual(len(self.ok("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "orderId": lo["orderId"]})), 1)

    def test_listen_key_and_order_count_headers(self):
        st, h, body = self.bn.raw("POST", "/fapi/v1/listenKey")
        self.assertEqual(st, 200)
        self.assertTrue(body["listenKey"])
        c1 = self.bn.signed("POST", ORDER, limit("90000.00"))[1]
        c2 = self.bn.signed("POST", ORDER, limit("90000.00"))[1]
        self.assertEqual(int(c2["x-mbx-order-count-10s"]), int(c1["x-mbx-order-count-10s"]) + 1)
        self.assertEqual(int(c2["x-mbx-order-count-1m"]), int(c1["x-mbx-order-count-1m"]) + 1)

    def test_ledger_agrees_with_what_the_client_saw(self):
        self.set_price("95000.00")
        seen_orders, seen_trades = {}, {}
        for p in (market(qty="0.010"), market(side="SELL", qty="0.020"), limit("94000.00", newClientOrderId="L1"),
                  market(symbol="ETHUSDT", qty="0.050")):
            o = self.ok("POST", ORDER, p)
            seen_orders[o["orderId"]] = o["clientOrderId"]
        self.set_price("93999.90")
        self.ok("POST", ORDER, limit("80000.00", newClientOrderId="L2"))
        self.ok("DELETE", ORDER, {"symbol": "BTCUSDT", "origClientOrderId": "L2"})
        for sym in ("BTCUSDT", "ETHUSDT"):
            for t in self.ok("GET", "/fapi/v1/userTrades", {"symbol": sym}):
                seen_trades[t["id"]] = t
        st, ledger = self.sim.admin("GET", "/admin/ledger?venue=binance&account=1")
        self.assertEqual(st, 200)
        entries = ledger["entries"]
        orders = {e["order_id"]: e for e in entries if e["kind"] == "order"}
        fills = {e["trade_id"]: e for e in entries if e["kind"] == "fill"}
        for oid, cid in seen_orders.items():
            self.assertEqual(orders[oid]["client_id"], cid)
        self.assertEqual(set(fills), set(seen_trades))
        for tid, t in seen_trades.items():
            f = fills[tid]
            self.assertEqual(float(f["price"]), float(t["price"]))
            self.assertEqual(float(f["qty"]), float(t["qty"]))
            self.assertEqual(float(f["fee"]), float(t["commission"]))
            self.assertEqual(f["maker"], t["maker"])
        done = [e for e in entries if e["kind"] == "done" and e["client_id"] == "L2"]
        self.assertEqual(done[0]["status"], "CANCELED")
        first = min(fills)
        st, later = self.sim.admin("GET", "/admin/ledger?venue=binance&since_trade=%d" % first)
        self.assertEqual({e["trade_id"] for e in later["entries"] if e["kind"] == "fill"}, set(fills) - {first})
        st, other = self.sim.admin("GET", "/admin/ledger?venue=bybit")
        self.assertEqual(other["entries"], [])

    def test_request_log_redacts_secrets(self):
        self.ok("GET", "/fapi/v3/balance")
        self.ok("POST", ORDER, limit("90000.00"), placement="body")
        st, log = self.sim.admin("GET", "/admin/requests?venue=binance&limit=2")
        self.assertEqual(st, 200)
        self.assertEqual(len(log["requests"]), 2)
        text = json.dumps(log)
        self.assertNotIn("k1", text.replace("<redacted>", ""))
        self.assertEqual(log["requests"][0]["headers"]["X-MBX-APIKEY"], "<redacted>")
        self.assertIn("signature=<redacted>", log["requests"][0]["query"])
        self.assertIn("signature=<redacted>", log["requests"][1]["body"])
        self.assertIn("symbol=BTCUSDT", log["requests"][1]["body"])
        for r in log["requests"]:
            self.assertNotRegex(r["query"] + r["body"], "signature=[0-9a-f]{64}")


class PartialFills(Base):
    PORT = 19130
    FLAGS = ("--tick-ms", "0", "--partial-fills", "3")

    def test_market_order_fills_in_three_trades(self):
        self.set_price("95000.00")
        o = self.ok("POST", ORDER, market(qty="0.010", newOrderRespType="RESULT"))
        trades = self.ok("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "orderId": o["orderId"]})
        self.assertEqual([t["qty"] for t in trades], ["0.004", "0.003", "0.003"])
        self.assertEqual([t["price"] for t in trades], ["95000.10", "95000.20", "95000.30"])
        st, _ = self.sim.admin("POST", "/admin/config", {"partial_fills": 1})
        self.assertEqual(st, 200)
        o = self.ok("POST", ORDER, market(qty="0.010"))
        self.assertEqual(len(self.ok("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "orderId": o["orderId"]})), 1)
        self.sim.admin("POST", "/admin/config", {"partial_fills": 3})


class Faults(Base):
    PORT = 19140

    def fault(self, **f):
        f.setdefault("venue", "binance")
        st, body = self.sim.admin("POST", "/admin/fault", f)
        self.assertEqual(st, 200, body)

    def tearDown(self):
        self.sim.admin("DELETE", "/admin/fault")
        self.bn.close()

    def test_latency(self):
        self.fault(path="/fapi/v1/time", kind="latency", ms=400, count=1)
        t0 = time.time()
        st, h, body = self.bn.raw("GET", "/fapi/v1/time", headers={})
        self.assertEqual(st, 200)
        self.assertGreaterEqual(time.time() - t0, 0.38)
        t0 = time.time()
        self.bn.raw("GET", "/fapi/v1/time", headers={})
        self.assertLess(time.time() - t0, 0.3)  # count 1: used up

    def test_http5xx_and_ratelimit(self):
        self.fault(path="/fapi/v1/order", kind="http5xx", count=1)
        st, h, body = self.bn.signed("POST", ORDER, market())
        self.assertEqual((st, body["code"]), (503, -1007))
        st, h, body = self.bn.signed("POST", ORDER, market())
        self.assertEqual(st, 200)
        self.fault(path="*", kind="ratelimit", count=2)
        st, h, body = self.bn.raw("GET", "/fapi/v1/time", headers={})
        self.assertEqual((st, body["code"]), (429, -1003))
        self.assertIn("retry-after", h)

    def test_drop_and_timeout(self):
        self.fault(path="/fapi/v1/time", kind="drop", count=1)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
            self.bn.raw("GET", "/fapi/v1/time", headers={})
        self.assertEqual(self.bn.raw("GET", "/fapi/v1/time", headers={})[0], 200)
        self.fault(path="/fapi/v1/time", kind="timeout", count=1)
        slow = sc.Binance(self.PORT + 1, timeout=1)
        with self.assertRaises(socket.timeout):
            slow.raw("GET", "/fapi/v1/time", headers={})
        slow.close()
        self.assertEqual(self.bn.raw("GET", "/fapi/v1/time", headers={})[0], 200)

    def test_lose_reply_processes_the_order(self):
        self.fault(path="/fapi/v1/order", kind="lose_reply", count=1)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
            self.bn.signed("POST", ORDER, market(newClientOrderId="lost-1"))
        q = self.ok("GET", ORDER, {"symbol": "BTCUSDT", "origClientOrderId": "lost-1"})
        self.assertEqual(q["status"], "FILLED")
        st, log = self.sim.admin("GET", "/admin/requests?venue=binance&limit=2")
        self.assertEqual(log["requests"][0]["fault"], "lose_reply")
        self.assertEqual(log["requests"][0]["status"], 0)

    def test_probability_prefix_and_clear(self):
        self.fault(path="/fapi/v1/ticker", kind="http5xx", count=-1, probability=0.5)
        codes = [self.bn.raw("GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT", headers={})[0] for _ in range(60)]
        self.assertTrue(5 < codes.count(503) < 55, codes)
        self.assertEqual(self.bn.raw("GET", "/fapi/v1/time", headers={})[0], 200)  # other prefix
        st, f = self.sim.admin("GET", "/admin/fault")
        self.assertEqual(len(f["faults"]), 1)
        st, r = self.sim.admin("DELETE", "/admin/fault")
        self.assertEqual(r["removed"], 1)
        self.assertEqual(self.bn.raw("GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT", headers={})[0], 200)
        st, body = self.sim.admin("POST", "/admin/fault", {"venue": "binance", "kind": "explode"})
        self.assertEqual(st, 400)


class RateLimits(Base):
    PORT = 19150
    FLAGS = ("--tick-ms", "0", "--rate-limit-per-min", "20")

    def test_429_then_418_ban(self):
        into_minute = time.time() % 60
        if into_minute > 55:  # the weight window is the wall-clock minute: start in a fresh one
            time.sleep(60.5 - into_minute)
        seen = []
        for _ in range(40):
            st, h, body = self.bn.raw("GET", "/fapi/v1/ping", headers={})
            seen.append(st)
            if st in (429, 418):
                self.assertIn("retry-after", h)
                self.assertEqual(body["code"], -1003)
            if st == 418:
                break
        self.assertEqual(seen[:20], [200] * 20)
        self.assertEqual(seen[20], 429)
        self.assertEqual(seen[-1], 418)
        st, h, body = self.bn.raw("GET", "/fapi/v1/time", headers={})
        self.assertEqual(st, 418)
        self.sim.admin("POST", "/admin/reset")
        self.assertEqual(self.bn.raw("GET", "/fapi/v1/time", headers={})[0], 200)


class OrderRate(Base):
    PORT = 19170
    FLAGS = ("--tick-ms", "0")

    def test_orders_per_ten_seconds(self):
        into_window = time.time() % 10
        if into_window > 6:  # the ORDERS window is the wall-clock 10 s: start in a fresh one
            time.sleep(10.2 - into_window)
        codes = []
        for i in range(301):  # IOC below the market: expires at once, so the open-order cap is not in the way
            st, h, body = self.bn.signed("POST", ORDER, limit("90000.00", qty="0.001", tif="IOC"))
            codes.append(st)
            if st != 200:
                self.assertEqual((st, body["code"]), (429, -1015), body)
                break
            self.assertEqual(int(h["x-mbx-order-count-10s"]), i + 1)
        self.assertEqual(codes.count(200), 300)
        self.assertEqual(codes[-1], 429)
        # an order limit is per account: another key still trades
        other = sc.Binance(self.PORT + 1, key="k2", secret="s2")
        st, h, body = other.signed("POST", ORDER, limit("90000.00", qty="0.001"))
        other.close()
        self.assertEqual(st, 200, body)


class Cli(unittest.TestCase):
    def test_help_version_and_bad_flags(self):
        out = subprocess.run([sc.BIN, "--help"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        self.assertIn("--port-base", out.stdout)
        out = subprocess.run([sc.BIN, "--version"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        self.assertTrue(out.stdout.startswith("xroute-exchange-sim "))
        out = subprocess.run([sc.BIN, "--port-base", "x"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 2)
        out = subprocess.run([sc.BIN, "--account", "nocolon"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=1)

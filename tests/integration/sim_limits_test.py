"""The rate limits xroute-exchange-sim publishes, per command-line mode, read over real HTTP the way the venue
workers read them: Binance's exchangeInfo `rateLimits` (REQUEST_WEIGHT and the two ORDERS windows) and Bybit's
X-Bapi-Limit / X-Bapi-Limit-Status reply headers on /v5/order/create.

- default: the real venues' figures (2400 weight/min, 300 orders/10 s, 1200 orders/min; Bybit 10 creates/s);
- --no-rate-limits: 1,000,000 everywhere (the simulator enforces nothing, so nothing published may bind);
- --rate-limit-per-min N: the weight is N, the per-account order limits stay the venue's (what it enforces),
  and the request past N weight is refused with a 429 that quotes N.

Each mode starts its own simulator on a block of the sim port range (19160.., 19164.., 19174..)."""
import hashlib
import hmac
import http.client
import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sim_client as sc  # noqa: E402

UNLIMITED = 1000000


def bybit_create(port, link_id):
    """One signed Bybit order create (documented rule: timestamp + key + recvWindow + body); returns the reply
    headers (lower-cased) and the retCode."""
    body = json.dumps({"category": "linear", "symbol": "ETHUSDT", "side": "Buy", "orderType": "Limit",
                       "qty": "0.1", "price": "2000", "orderLinkId": link_id}, separators=(",", ":"))
    ts = str(int(time.time() * 1000))
    sig = hmac.new(b"s1", (ts + "k1" + "5000" + body).encode(), hashlib.sha256).hexdigest()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/v5/order/create", body=body.encode(),
                     headers={"X-BAPI-API-KEY": "k1", "X-BAPI-TIMESTAMP": ts, "X-BAPI-RECV-WINDOW": "5000",
                              "X-BAPI-SIGN": sig, "Content-Type": "application/json"})
        r = conn.getresponse()
        data = json.loads(r.read())
        return {k.lower(): v for k, v in r.getheaders()}, data["retCode"]
    finally:
        conn.close()


class Mode(unittest.TestCase):
    PORT = None
    FLAGS = ()

    @classmethod
    def setUpClass(cls):
        cls.sim = sc.Sim(cls.PORT, "--tick-ms", "0", *cls.FLAGS)
        cls.bn = sc.Binance(cls.PORT + 1)

    @classmethod
    def tearDownClass(cls):
        cls.bn.close()
        rc = cls.sim.stop()
        assert rc == 0, "simulator exit status %s" % rc

    def published(self):
        """{(type, interval, intervalNum): limit} from exchangeInfo."""
        st, _, info = self.bn.public("/fapi/v1/exchangeInfo")
        self.assertEqual(st, 200)
        out = {}
        for r in info["rateLimits"]:
            self.assertIsInstance(r["limit"], int)
            out[(r["rateLimitType"], r["interval"], r["intervalNum"])] = r["limit"]
        self.assertEqual(len(out), 3)
        return out

    def bybit_limit(self, tag):
        h, code = bybit_create(self.PORT + 2, tag)
        self.assertEqual(code, 0)
        return int(h["x-bapi-limit"]), int(h["x-bapi-limit-status"])


class Default(Mode):
    PORT = 19160

    def test_real_venue_figures(self):
        self.assertEqual(self.published(), {("REQUEST_WEIGHT", "MINUTE", 1): 2400, ("ORDERS", "MINUTE", 1): 1200,
                                            ("ORDERS", "SECOND", 10): 300})
        limit, left = self.bybit_limit("d-1")
        self.assertEqual(limit, 10)
        self.assertLess(left, 10)


class NoRateLimits(Mode):
    PORT = 19164
    FLAGS = ("--no-rate-limits",)

    def test_figures_never_bind(self):
        self.assertEqual(self.published(), {("REQUEST_WEIGHT", "MINUTE", 1): UNLIMITED,
                                            ("ORDERS", "MINUTE", 1): UNLIMITED,
                                            ("ORDERS", "SECOND", 10): UNLIMITED})
        # more creates than Bybit's 10 per second go through, and the status never reaches 0
        for i in range(15):
            limit, left = self.bybit_limit("n-%d" % i)
            self.assertEqual(limit, UNLIMITED)
            self.assertGreater(left, UNLIMITED - 100)


class PerMinute(Mode):
    PORT = 19174
    FLAGS = ("--rate-limit-per-min", "30")

    def test_weight_is_the_enforced_one(self):
        figures = self.published()
        self.assertEqual(figures, {("REQUEST_WEIGHT", "MINUTE", 1): 30, ("ORDERS", "MINUTE", 1): 1200,
                                   ("ORDERS", "SECOND", 10): 300})
        # spend the published weight (ticker/price with a symbol weighs 1), then one more is refused
        st, h, _ = self.bn.public("/fapi/v1/ticker/price", {"symbol": "BTCUSDT"})
        used = int(h["x-mbx-used-weight-1m"])
        if used >= 20:  # a minute boundary is near: start in a fresh minute so the count is ours alone
            time.sleep(60.5 - (time.time() % 60))
            st, h, _ = self.bn.public("/fapi/v1/ticker/price", {"symbol": "BTCUSDT"})
            used = int(h["x-mbx-used-weight-1m"])
        while st == 200 and used < 30:
            st, h, _ = self.bn.public("/fapi/v1/ticker/price", {"symbol": "BTCUSDT"})
            used = int(h["x-mbx-used-weight-1m"])
        self.assertEqual((st, used), (200, 30))
        st, _, body = self.bn.public("/fapi/v1/ticker/price", {"symbol": "BTCUSDT"})
        self.assertEqual(st, 429)
        self.assertEqual(body["code"], -1003)
        self.assertIn("is 30 requests per minute", body["msg"])


if __name__ == "__main__":
    unittest.main(verbosity=2)

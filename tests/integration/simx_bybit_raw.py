#!/usr/bin/python3
"""simx_bybit_raw: the Bybit v5 dialect over real HTTP, for what a well-behaved client like ccxt never sends:
signatures over a query that differs from the one sent, malformed and oversized bodies, unknown paths and
parameters, and the per-IP limit (HTTP 403). Requests are signed here from Bybit's documented rule
(timestamp + key + recvWindow + exact query or body, HMAC-SHA256 hex) with the Python stdlib.

Starts its own simulator with a low IP limit (--rate-limit-per-min 120 = 10 requests per 5 s window) on
127.0.0.1 and stops it at the end. Exit status 0 when every check passes."""

import hashlib
import hmac
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simx_coindcx import Checks, Sim, KEY, SECRET  # noqa: E402  (shared launcher and check runner)


class Bybit:
    def __init__(self, port):
        self.port = port

    def send(self, method, path, query="", body="", secret=SECRET, sign_payload=None, headers=None):
        ts = str(int(time.time() * 1000))
        payload = sign_payload if sign_payload is not None else (query if method == "GET" else body)
        sig = hmac.new(secret.encode(), (ts + KEY + "5000" + payload).encode(), hashlib.sha256).hexdigest()
        h = {"X-BAPI-API-KEY": KEY, "X-BAPI-TIMESTAMP": ts, "X-BAPI-RECV-WINDOW": "5000", "X-BAPI-SIGN": sig,
             "Content-Type": "application/json"}
        if headers is not None:
            h = headers
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request(method, path + ("?" + query if query else ""), body=body.encode(), headers=h)
        r = conn.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        return r.status, json.loads(data) if data else None, hdrs


def main():
    sim = Sim(["--rate-limit-per-min", "120"])
    b = Bybit(sim.base + 2)
    t = Checks("simx-bybit-raw")
    try:
        def signed_query_must_match():
            status, body, hdrs = b.send("GET", "/v5/position/list", query="category=linear&symbol=ETHUSDT")
            assert status == 200 and body["retCode"] == 0, body
            assert int(hdrs["x-bapi-limit"]) == 50 and "x-bapi-limit-status" in hdrs, hdrs
            assert int(hdrs["x-bapi-limit-reset-timestamp"]) > 0, hdrs
            status, body, _ = b.send("GET", "/v5/position/list", query="symbol=ETHUSDT&category=linear",
                                     sign_payload="category=linear&symbol=ETHUSDT")
            assert status == 200 and body["retCode"] == 10004, body
        t.run("the GET signature covers the exact query string; rate-limit headers", signed_query_must_match)

        def bad_bodies():
            status, body, _ = b.send("POST", "/v5/order/create", body='{"category":"linear",')
            assert status == 200 and body["retCode"] == 10001, body
            status, body, _ = b.send("POST", "/v5/order/create", body='{"category":"linear","symbol":"ETHUSDT",'
                                     '"side":"Buy","orderType":"Limit","qty":"0.01","price":"3000","extra":"1"}')
            assert body["retCode"] == 10001 and "extra" in body["retMsg"], body
            big = '{"category":"linear","pad":"%s"}' % ("x" * 70000)
            status, body, _ = b.send("POST", "/v5/order/create", body=big)
            assert status == 200 and body["retCode"] == 10001, (status, body)
            status, body, _ = b.send("GET", "/v5/no/such/path")
            assert status == 404 and body["retCode"] == 10017, (status, body)
            status, body, _ = b.send("POST", "/v5/order/create", body="{}", headers={})
            assert status == 401 and body["retCode"] == 10003, (status, body)
        t.run("malformed, extra-parameter, oversized and unsigned requests get Bybit errors", bad_bodies)

        def ip_limit():
            time.sleep(5.1)  # a fresh 5 s window
            codes = []
            for _ in range(12):
                status, body, _ = b.send("GET", "/v5/market/time")
                codes.append((status, body["retCode"]))
            assert codes[:10] == [(200, 0)] * 10 and codes[10:] == [(403, 10018)] * 2, codes
            time.sleep(5.1)
            status, body, _ = b.send("GET", "/v5/market/time")
            assert status == 200 and body["retCode"] == 0, body
        t.run("past the IP limit: HTTP 403, served again in the next window", ip_limit)
    finally:
        sim.stop()
        if t.failed:
            print("--- simulator output ---\n" + sim.output())
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())

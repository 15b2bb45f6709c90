#!/usr/bin/python3
"""system_routing: the router and the gateway with real venue workers (several replicas) against the exchange
simulator, through the real local stack. Covers routing by table and by override, reload (good and bad file),
no worker for a venue, fan-out with a venue down, idempotent resubmission, every risk limit (max_open_orders
with the gateway's own count of open orders, learnt from events), malformed, oversized and unknown-type
messages (each answered and counted in the gateway's invalid counter, which its periodic stats line shows),
the Python interop client, a replica killed mid-stream (every request answered, no order doubled at the
simulator) and the router restarted mid-stream.

Environment: XR_SOURCE, XR_BIN, XR_SCRATCH (set by CTest), XR_PORT_BASE (this test's block of ports)."""
import os
import re
import sys
import threading
import time
import uuid

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xr_stack import Fail, Stack, check, log, run, wait_until  # noqa: E402
import xroute_client  # noqa: E402  (on the path through xr_stack)

PORT_BASE = int(os.environ.get("XR_PORT_BASE", "21000"))

ROUTES = """
BTC/USDT binance
ETH/USDT bybit
*/USDT   bybit
XRP/USDT coindcx
DOGE/USDT coindcx
default  binance
"""

RISK = """
allow BTC/USDT ETH/USDT SOL/USDT XRP/USDT DOGE/USDT
max_qty BTC/USDT 1
max_qty * 100000
max_notional ETH/USDT 20000
max_open_orders 400
orders_per_second 400
"""

S = None  # the stack shared by the tests (one start for the whole file keeps it fast)


def cid(tag):
    return f"{tag}-{uuid.uuid4().hex[:12]}"


def ledger_orders():
    """client_id -> number of times the simulator accepted an order with it (all venues)."""
    counts = {}
    for e in S.ledger()["entries"]:
        if e["kind"] == "order" and e["client_id"]:
            counts[e["client_id"]] = counts.get(e["client_id"], 0) + 1
    return counts


def place(symbol, side="BUY", typ="MARKET", qty="0.001", price=None, **extra):
    body = {"symbol": symbol, "side": side, "type": typ, "quantity": qty}
    if price:
        body["price"] = price
    body.update(extra)
    return S.request("place_order", body)["order"]


def place_when_allowed(symbol, qty, timeout=30):
    """Places a market order, waiting out RATE_LIMITED answers (the venue's order windows after a stream)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return place(symbol, qty=qty, client_order_id=cid("after"))
        except xroute_client.XrouteError as e:
            if e.code != "RATE_LIMITED" or time.monotonic() > deadline:
                raise
            time.sleep(max(0.5, int(e.body.get("retry_after_ms", 1000)) / 1000.0))


def test_routing_by_table_and_override():
    for sym, venue in [("BTC/USDT", "binance"), ("ETH/USDT", "bybit"), ("SOL/USDT", "bybit"),
                       ("XRP/USDT", "coindcx"), ("ADA/BTC", "binance")]:
        r = S.cli("route", sym)[0]
        check(r["venue"] == venue, f"route {sym}: {r}")
    check("exact" in S.cli("route", "BTC/USDT")[0]["reason"], "reason names the exact rule")
    check("pattern" in S.cli("route", "SOL/USDT")[0]["reason"], "reason names the pattern")
    check(S.cli("route", "BTC/USDT")[0]["rule"] == "exact", "rule kind: exact")
    binance = [h for h in S.cli("health") if h.get("venue") == "binance"]
    check(len(binance) == 1 and binance[0].get("replicas") == 3,
          f"the binance replica that answers health takes a third of the budget: {binance}")
    check(S.cli("route", "SOL/USDT")[0]["rule"] == "pattern", "rule kind: pattern")
    o = place("BTC/USDT", qty="0.002", client_order_id=cid("rt"))
    check(o["venue"] == "binance", f"BTC placed on {o['venue']}")
    o = place("ETH/USDT", qty="0.05", client_order_id=cid("rt"))
    check(o["venue"] == "bybit", f"ETH placed on {o['venue']}")
    # override: ETH on binance
    o = place("ETH/USDT", qty="0.01", client_order_id=cid("ov"), venue="binance")
    check(o["venue"] == "binance", f"override ignored: {o}")
    out = S.cli("route", "ETH/USDT", "--venue", "coindcx")[0]
    check(out["venue"] == "coindcx" and "explicit" in out["reason"] and out["rule"] == "override",
          f"route override: {out}")


def test_reload_good_and_bad():
    path = S.env["XROUTE_ROUTES"]
    with open(path) as f:
        original = f.read()
    try:
        with open(path, "w") as f:
            f.write(original.replace("*/USDT   bybit", "*/USDT   binance"))
        r = S.cli("reload")[0]
        check(r["reloaded"] == 6, f"reload: {r}")
        check(S.cli("route", "SOL/USDT")[0]["venue"] == "binance", "reloaded table in force")
        with open(path, "w") as f:
            f.write("BTC/USDT\n")
        err = S.cli("reload", expect_rc=1)[0]["error"]
        check(err["code"] == "INVALID_REQUEST" and ":1:" in err["message"], f"bad file: {err}")
        check(S.cli("route", "SOL/USDT")[0]["venue"] == "binance", "old table kept after a bad file")
        # SIGHUP reloads too
        with open(path, "w") as f:
            f.write(original)
        S.signal("router", 1)
        wait_until(lambda: S.cli("route", "SOL/USDT")[0]["venue"] == "bybit", 10, "SIGHUP reload")
    finally:
        with open(path, "w") as f:
            f.write(original)
        S.cli("reload")


def test_no_worker_and_fanout_with_a_venue_down():
    S.stop("venue-coindcx-1")
    try:
        t = time.monotonic()
        e = S.request_error("place_order", {"symbol": "XRP/USDT", "side": "BUY", "type": "MARKET", "quantity": "10",
                                            "client_order_id": cid("nw")})
        check(e.code == "VENUE_UNAVAILABLE", f"no worker: {e}")
        check(time.monotonic() - t < 2.0, "VENUE_UNAVAILABLE must come at once, not after a timeout")
        out = S.cli("positions")
        errors = [x for x in out if "error" in x]
        check(any(x["venue"] == "coindcx" and x["error"]["code"] == "VENUE_UNAVAILABLE" for x in errors),
              f"coindcx part missing its error: {out}")
        check(any(x.get("venue") == "binance" and "symbol" in x for x in out), f"binance positions missing: {out}")
        bal = S.cli("balances")
        check(any(x.get("venue") == "bybit" and x.get("asset") == "USDT" for x in bal), f"balances: {bal}")
    finally:
        S.start("venue-coindcx-1")
        wait_until(lambda: any(w["venue"] == "coindcx" for w in S.cli("venues")), 20, "coindcx back")


def test_idempotent_resubmission():
    c = cid("idem")
    first = place("BTC/USDT", qty="0.003", client_order_id=c)
    again = place("BTC/USDT", qty="0.003", client_order_id=c)
    check(first["order_id"] == again["order_id"], f"resubmission gave another order: {first} {again}")
    check(ledger_orders().get(c) == 1, f"ledger shows {ledger_orders().get(c)} orders for {c}")
    # without a client id the gateway makes one, and reports it
    o = place("BTC/USDT", qty="0.001")
    check(o["client_order_id"].startswith("xr"), f"generated id: {o}")


def test_risk_limits():
    cases = [
        ({"symbol": "LTC/USDT", "quantity": "1"}, "allow"),
        ({"symbol": "BTC/USDT", "quantity": "1.5"}, "max_qty BTC/USDT 1"),
        ({"symbol": "ETH/USDT", "type": "LIMIT", "price": "3000", "quantity": "7", "time_in_force": "GTC"},
         "max_notional ETH/USDT 20000"),
    ]
    for fields, limit in cases:
        body = {"side": "BUY", "type": "MARKET", "client_order_id": cid("risk")}
        body.update(fields)
        e = S.request_error("place_order", body)
        check(e.code == "RISK_REJECTED" and limit in e.message, f"{limit}: {e.code} {e.message}")
    # orders_per_second: a burst past the bucket from one client is refused with the limit named
    sock = S.gateway_socket()
    n = 600
    for i in range(n):
        env = {"v": 1, "type": "place_order", "id": f"burst-{i}", "ts": int(time.time() * 1000),
               "body": {"symbol": "SOL/USDT", "side": "BUY", "type": "LIMIT", "quantity": "100000.1",
                        "price": "1", "client_order_id": cid("b")}}
        sock.send(msgpack.packb(env))
    codes = {}
    deadline = time.monotonic() + 20
    got = 0
    while got < n and time.monotonic() < deadline:
        if sock.poll(1000):
            rep = msgpack.unpackb(sock.recv_multipart()[-1], raw=False)
            got += 1
            msg = rep["body"].get("message", "")
            codes[msg.split(" ")[0] if rep["type"] == "error" else "ok"] = codes.get(
                msg.split(" ")[0] if rep["type"] == "error" else "ok", 0) + 1
    sock.close()
    check(got == n, f"only {got} of {n} burst requests answered")
    check(codes.get("orders_per_second", 0) > 0, f"rate limit never hit: {codes}")
    check(codes.get("max_qty", 0) > 0, f"max_qty never checked in the burst: {codes}")
    check(codes.get("ok", 0) == 0, f"a burst order over max_qty was accepted: {codes}")


def gateway_log_lines(pattern):
    """Lines of the gateway's log that match pattern (a regex), as match objects, oldest first."""
    with open(os.path.join(S.var, "log", "gateway.log"), errors="replace") as f:
        return [m for m in (re.search(pattern, line) for line in f) if m]


STATS = r"stats requests=(\d+) forwarded=\d+ invalid=(\d+) "


def test_malformed_oversized_unknown_type():
    # The gateway's counters show in its stats line every 10 s: the last one before the messages is the
    # baseline (nothing before this test sends a malformed message), the first one after every answer is in
    # must show exactly one more invalid message per message sent.
    before = gateway_log_lines(STATS)
    base_invalid = int(before[-1].group(2)) if before else 0
    sock = S.gateway_socket()
    bad = [
        b"\xc1",  # never-used msgpack byte
        b"not msgpack at all",
        msgpack.packb([1, 2, 3]),
        msgpack.packb({"v": 1, "type": "place_order", "id": "x1", "ts": 1, "body": {"symbol": 5}}),
        msgpack.packb({"v": 2, "type": "health", "id": "x2", "ts": 1, "body": {}}),
        msgpack.packb({"v": 1, "type": "launch_rocket", "id": "x3", "ts": 1, "body": {}}),
        msgpack.packb({"v": 1, "type": "place_order", "id": "x4", "ts": 1,
                       "body": {"symbol": "BTC/USDT", "side": "BUY", "type": "MARKET", "quantity": 0.1}}),
        msgpack.packb({"v": 1, "type": "health", "id": "x5", "ts": 1, "body": {}}) + b"trailing",
        msgpack.packb({"v": 1, "type": "health", "id": "x6", "ts": 1, "body": {"pad": "x" * (2 << 20)}}),
    ]
    for b in bad:
        sock.send(b)
    for i in range(len(bad)):
        check(sock.poll(5000), f"no answer to malformed message {i}")
        rep = msgpack.unpackb(sock.recv_multipart()[-1], raw=False)
        check(rep["type"] == "error" and rep["body"]["code"] == "INVALID_REQUEST", f"message {i}: {rep}")
    sock.close()
    # still serving
    check(S.cli("route", "BTC/USDT")[0]["venue"] == "binance", "gateway still answers")
    seen = len(gateway_log_lines(STATS))
    after = wait_until(lambda: gateway_log_lines(STATS)[seen:], 15, "the gateway's next stats line")[0]
    check(int(after.group(2)) - base_invalid == len(bad),
          f"invalid counter went {base_invalid} -> {after.group(2)} for {len(bad)} malformed messages")


def event_socket():
    """A SUB socket on the gateway's event stream (all topics), with the stack's client key under CURVE."""
    import zmq
    sock = zmq.Context.instance().socket(zmq.SUB)
    sock.setsockopt(zmq.LINGER, 0)
    secret, server = xroute_client.curve_from_env()
    if secret:
        xroute_client.apply_curve(sock, secret, server)
    sock.setsockopt(zmq.SUBSCRIBE, b"")
    sock.connect(S.env["XROUTE_GATEWAY_EVENTS"])
    return sock


def wait_event(sock, client_order_id, status, timeout=10):
    """Waits for the order event of client_order_id with status on sock (the gateway republishes an event only
    after counting it, so once it is seen the gateway's open-order count includes it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sock.poll(200):
            continue
        env = msgpack.unpackb(sock.recv_multipart()[-1], raw=False)
        order = env.get("body", {}).get("order") or {}
        if env.get("type") == "event.order" and order.get("client_order_id") == client_order_id \
                and order.get("status") == status:
            return order
    raise Fail(f"no {status} event for {client_order_id} within {timeout}s")


def set_risk(text):
    """Writes the risk file and reloads it with SIGHUP; returns once the gateway has logged the reload."""
    seen = len(gateway_log_lines(r"risk limits reloaded"))
    with open(S.env["XROUTE_RISK"], "w") as f:
        f.write(text)
    S.signal("gateway", 1)
    wait_until(lambda: len(gateway_log_lines(r"risk limits reloaded")) > seen, 10, "the gateway's risk reload")


def test_max_open_orders():
    wait_until(lambda: not [o for o in S.cli("orders") if "order_id" in o], 10, "no open orders to start with")
    sock = event_socket()
    mine = []
    try:
        set_risk(RISK.replace("max_open_orders 400", "max_open_orders 3"))
        time.sleep(0.5)  # a new SUB sees events only once its subscription has reached the PUB (slow joiner)
        for i in range(3):
            c = cid("open")
            o = place("ETH/USDT", typ="LIMIT", qty="0.02", price="1000", time_in_force="GTC", client_order_id=c)
            check(o["status"] == "NEW", f"resting order {i}: {o}")
            mine.append(c)
            wait_event(sock, c, "NEW")
        over = cid("over")
        e = S.request_error("place_order", {"symbol": "ETH/USDT", "side": "BUY", "type": "LIMIT", "quantity": "0.02",
                                            "price": "1000", "time_in_force": "GTC", "client_order_id": over})
        check(e.code == "RISK_REJECTED" and "max_open_orders 3" in e.message, f"4th open order: {e.code} {e.message}")
        check(over not in ledger_orders(), "the refused order reached the simulator")
        # one canceled: room for one more (the limit counts open orders, not orders placed)
        S.client.cancel_order("ETH/USDT", client_order_id=mine[0])
        wait_event(sock, mine[0], "CANCELED")
        c = cid("open")
        o = place("ETH/USDT", typ="LIMIT", qty="0.02", price="1000", time_in_force="GTC", client_order_id=c)
        check(o["status"] == "NEW", f"order after a cancel: {o}")
        mine[0] = c
    finally:
        sock.close()
        for c in mine:
            try:
                S.client.cancel_order("ETH/USDT", client_order_id=c)
            except xroute_client.XrouteError:
                pass
        set_risk(RISK)


def test_python_interop_client():
    c = cid("py")
    o = S.client.place_order("ETH/USDT", "BUY", "LIMIT", "0.02", price="1000", client_order_id=c,
                             time_in_force="GTC")
    check(o["status"] in ("NEW",) and o["client_order_id"] == c, f"python place: {o}")
    got = S.client.get_order("ETH/USDT", client_order_id=c)
    check(got["order_id"] == o["order_id"], f"python get_order: {got}")
    cancel = S.client.cancel_order("ETH/USDT", client_order_id=c)
    check(cancel["ok"] and cancel["status"] == "CANCELED", f"python cancel: {cancel}")


def stream(n, symbol, qty, tag, inflight=16):
    """Sends n market orders with at most `inflight` in flight from several threads; returns (answers, ids)."""
    answers = {}
    ids = [cid(tag) for _ in range(n)]
    lock = threading.Lock()
    it = iter(ids)

    def worker():
        import xroute_client
        cl = xroute_client.Client(S.gateway, timeout_ms=20000)
        try:
            while True:
                with lock:
                    c = next(it, None)
                if c is None:
                    return
                try:
                    o = cl.place_order(symbol, "BUY", "MARKET", qty, client_order_id=c)
                    res = ("ok", o["status"])
                except xroute_client.XrouteError as e:
                    res = ("error", e.code)
                except TimeoutError:
                    res = ("no-answer", "")
                with lock:
                    answers[c] = res
        finally:
            cl.close()

    threads = [threading.Thread(target=worker) for _ in range(inflight)]
    for t in threads:
        t.start()
    return threads, answers, ids


def test_replica_killed_mid_stream():
    live = [w for w in S.cli("venues", "--venue", "binance")]
    check(len(live) == 3, f"want 3 binance replicas, have {live}")
    # 120 + 100 orders (next test) stay under Binance's 300 orders per 10 s per account
    threads, answers, ids = stream(120, "BTC/USDT", "0.001", "kill", inflight=8)
    wait_until(lambda: len(answers) > 40, 60, "stream under way")
    S.kill("venue-binance-2")
    for t in threads:
        t.join(120)
    check(len(answers) == len(ids), f"{len(ids) - len(answers)} requests never answered")
    kinds = {}
    for kind, code in answers.values():
        kinds[(kind, code)] = kinds.get((kind, code), 0) + 1
    log(f"answers: {kinds}")
    check(not any(k == "no-answer" for k, _ in kinds), f"unanswered requests: {kinds}")
    counts = ledger_orders()
    doubled = [c for c in ids if counts.get(c, 0) > 1]
    check(not doubled, f"orders placed twice at the simulator: {doubled[:5]}")
    for c, (kind, code) in answers.items():
        if kind == "ok":
            check(counts.get(c) == 1, f"{c} answered ok but the simulator has {counts.get(c)}")
    S.start("venue-binance-2")


def test_router_restarted_mid_stream():
    threads, answers, ids = stream(100, "BTC/USDT", "0.001", "rr", inflight=8)
    wait_until(lambda: len(answers) > 30, 60, "stream under way")
    S.kill("router")
    time.sleep(0.5)
    S.start("router")
    for t in threads:
        t.join(120)
    check(len(answers) == len(ids), f"{len(ids) - len(answers)} requests never answered")
    counts = ledger_orders()
    doubled = [c for c in ids if counts.get(c, 0) > 1]
    check(not doubled, f"orders placed twice: {doubled[:5]}")
    # workers re-registered and new requests flow
    wait_until(lambda: len(S.cli("venues")) >= 5, 20, "workers re-registered with the new router")
    for sym, venue in (("ETH/USDT", "bybit"), ("BTC/USDT", "binance")):
        o = place_when_allowed(sym, "0.01" if venue == "bybit" else "0.001")
        check(o["venue"] == venue, f"after restart: {o}")


def main():
    global S
    S = Stack("routing", PORT_BASE, replicas={"binance": 3, "bybit": 1, "coindcx": 1}, routes=ROUTES, risk=RISK)
    try:
        S.up()
        return run([test_routing_by_table_and_override, test_reload_good_and_bad,
                    test_no_worker_and_fanout_with_a_venue_down, test_idempotent_resubmission, test_risk_limits,
                    test_malformed_oversized_unknown_type, test_python_interop_client, test_max_open_orders,
                    test_replica_killed_mid_stream, test_router_restarted_mid_stream])
    except Fail as e:
        log(f"FAIL: {e}")
        print("0 passed, 1 failed")
        return 1
    finally:
        S.down()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""system_chaos: the whole system under a steady order flow while its parts are killed and the venues misbehave.

Several concurrent clients send market orders, resting limit orders and cancels on all three venues (BTC/USDT on
Binance, ETH/USDT on Bybit, XRP/USDT on CoinDCX). Meanwhile a seeded chaos schedule (every step logged) kills
with SIGKILL and restarts a venue worker, the router, the gateway and the recorder, restarts PostgreSQL
(tests/support/pg.sh restart) and turns on every fault kind of the simulator (latency, http5xx, ratelimit, drop,
timeout, lose_reply; POST /admin/fault, cleared again after a few seconds). Every kind happens at least once.
Rate limit faults go to Binance and CoinDCX only: Bybit's is an HTTP 403 IP ban, after which the worker rightly
sends nothing for 10 minutes.

Then the faults are cleared and every service started; the test waits (bounded) until every venue serves again,
lets the clients run clean for 8 s (every venue must place orders again: the system recovered), stops them and
asks get_order about every order whose answer left the outcome open (PENDING_UNKNOWN, TIMEOUT, INTERNAL) until
each has a real status. Checks:
- at most once: no client order id appears twice among the simulator's accepted orders (Binance, Bybit). CoinDCX
  keeps no client ids at the venue, so there the check is by count and id: every order id an answer named is in
  the ledger exactly once, and the venue's order count lies between the definite successes and definite
  successes + unknown outcomes (an order the client was told failed for sure must not exist there);
- exactly once: the `trades` table equals the simulator's ledger fills row for row (as system_recorder.py);
- every request answered: each request gets a `result` or a typed `error`. A client that hears nothing within
  its timeout resubmits the same request (same client order id: the gateway's idempotency journal answers it;
  this is what a client does when the gateway it talked to died); a request still unanswered after
  XR_CHAOS_ATTEMPTS tries counts as unanswered, and any unanswered request fails the test.
The figures (orders, fills, kills and faults by kind, answers by kind) are printed as one JSON line `FIGURES`.

Environment: XR_SOURCE, XR_BIN, XR_SCRATCH, XR_PORT_BASE; XR_CHAOS_SEED (default 7), XR_CHAOS_SECONDS (flow
time, default 90), XR_CHAOS_CLIENTS (default 10)."""
import collections
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xr_stack import SRC, Stack, check, log, run, wait_until  # noqa: E402

import xroute_client  # noqa: E402  (path set up by xr_stack)

PORT_BASE = int(os.environ.get("XR_PORT_BASE", "28000"))
SEED = int(os.environ.get("XR_CHAOS_SEED", "7"))
SECONDS = float(os.environ.get("XR_CHAOS_SECONDS", "90"))
CLIENTS = int(os.environ.get("XR_CHAOS_CLIENTS", "10"))
ATTEMPTS = int(os.environ.get("XR_CHAOS_ATTEMPTS", "4"))
CLIENT_TIMEOUT_MS = 15000  # > the gateway's own request timeout (10 s): a live gateway always answers first

# symbol, venue (deploy/config/routes.conf), market quantity, price decimals for resting limits
SYMBOLS = [("BTC/USDT", "binance", "0.002", 1), ("ETH/USDT", "bybit", "0.03", 2), ("XRP/USDT", "coindcx", "20", 4)]
VENUES = ["binance", "bybit", "coindcx"]
FAULTS = ["latency", "http5xx", "ratelimit", "drop", "timeout", "lose_reply"]
KILLS = ["worker", "router", "gateway", "recorder", "postgres"]


class Tally:
    """Counters shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = collections.Counter()  # "op:STATUS" or "op:ERROR_CODE" or "op:NO_ANSWER"
        self.resubmits = 0
        self.orders = []  # (venue, client_order_id, answer kind, order_id or "")
        self.clean = False  # set once the chaos is over and every client has had time to recover
        self.clean_answers = collections.Counter()  # "venue:kind" of place_order answers while clean

    def add(self, kind, order=None, resubmits=0):
        with self.lock:
            self.answers[kind] += 1
            if self.clean and order:
                self.clean_answers[f"{order[0]}:{order[2]}"] += 1
            self.resubmits += resubmits
            if order:
                self.orders.append(order)


def ask(cl, op, body):
    """(kind, reply body or None, resubmits): the request until it is answered, at most ATTEMPTS times."""
    for attempt in range(ATTEMPTS):
        try:
            body_out = cl.request(op, body)
            return "result", body_out, attempt
        except xroute_client.XrouteError as e:
            return e.code, e.body, attempt
        except TimeoutError:
            log(f"no answer to {op} {body.get('client_order_id', '')} within {CLIENT_TIMEOUT_MS} ms: resubmitting")
    return "NO_ANSWER", None, ATTEMPTS - 1


def client_loop(i, S, prices, stop, tally):
    rng = random.Random(SEED * 1000 + i)
    cl = xroute_client.Client(S.gateway, timeout_ms=CLIENT_TIMEOUT_MS)
    resting = []  # (symbol, venue, client order id)
    n = 0
    try:
        while not stop.is_set():
            n += 1
            r = rng.random()
            if r < 0.2 and resting:
                sym, venue, clid = resting.pop(rng.randrange(len(resting)))
                kind, body, resub = ask(cl, "cancel_order", {"symbol": sym, "client_order_id": clid})
                if kind == "result":
                    kind = "ok" if body["cancel"].get("ok") else "not-ok"
                tally.add(f"cancel_order:{kind}", resubmits=resub)
                continue
            sym, venue, qty, decimals = SYMBOLS[rng.randrange(len(SYMBOLS))]
            side = "BUY" if rng.random() < 0.5 else "SELL"
            clid = f"ch{i}-{uuid.UUID(int=rng.getrandbits(128)).hex[:20]}"
            body = {"symbol": sym, "side": side, "quantity": qty, "client_order_id": clid}
            if r < 0.55:
                # resting: 8-10 % away from the market on the passive side, so it rests until cancelled
                off = Decimal(1) - Decimal(rng.randint(80, 100)) / 1000
                px = prices[sym] * (off if side == "BUY" else 2 - off)
                body.update(type="LIMIT", price=str(px.quantize(Decimal(1).scaleb(-decimals))))
            else:
                body.update(type="MARKET")
            kind, rep, resub = ask(cl, "place_order", body)
            order_id = ""
            if kind == "result":
                o = rep["order"]
                kind = o["status"]
                order_id = o.get("order_id", "")
                if body["type"] == "LIMIT" and kind in ("NEW", "PENDING_UNKNOWN"):
                    resting.append((sym, venue, clid))
            tally.add(f"place_order:{kind}", (venue, clid, kind, order_id), resub)
    finally:
        cl.close()


def chaos_schedule(rng, seconds):
    """[(at_seconds, action, arg)]: every kill kind and fault kind at least once, in a seeded order, plus extras."""
    acts = [("kill", k) for k in KILLS] + [("fault", f) for f in FAULTS]
    acts += [("kill", rng.choice(KILLS)) for _ in range(3)] + [("fault", rng.choice(FAULTS)) for _ in range(3)]
    rng.shuffle(acts)
    step = (seconds - 10) / len(acts)
    return [(5 + k * step + rng.uniform(0, step / 3), a, b) for k, (a, b) in enumerate(acts)]


def run_chaos(S, rng, seconds, stop, figures):
    pg = os.path.join(SRC, "tests/support/pg.sh")
    t0 = time.monotonic()
    active = {}  # venue -> when its faults are cleared (DELETE clears all of a venue's faults at once)
    for at, action, what in chaos_schedule(rng, seconds):
        while time.monotonic() - t0 < at:
            for venue, clear_at in list(active.items()):
                if time.monotonic() - t0 >= clear_at:
                    S.admin("DELETE", f"/admin/fault?venue={venue}")
                    log(f"chaos: faults on {venue} cleared")
                    del active[venue]
            time.sleep(0.1)
        if stop.is_set():
            break
        if action == "fault":
            # Bybit answers a rate limit with HTTP 403, its IP ban: the worker then sends nothing for 10 minutes,
            # as it must, which would outlast this test. Rate limit faults go to the other two venues.
            venue = rng.choice(VENUES if what != "ratelimit" else ["binance", "coindcx"])
            f = {"venue": venue, "path": "*", "kind": what, "count": -1,
                 "probability": round(rng.uniform(0.15, 0.4), 2)}
            if what == "latency":
                f["ms"] = rng.randint(200, 1500)
            S.admin("POST", "/admin/fault", f)
            last = rng.uniform(4, 9)
            # a fault added to a venue that has one keeps both on until the later clearing time
            active[venue] = max(active.get(venue, 0.0), time.monotonic() - t0 + last)
            log(f"chaos: fault {json.dumps(f)} for {last:.1f} s")
            figures["faults"][what] += 1
        elif what == "postgres":
            log("chaos: PostgreSQL restart")
            subprocess.run(["bash", pg, "restart", os.path.join(S.var, "pg")], check=True, capture_output=True,
                           timeout=90)
            figures["kills"]["postgres (restart)"] += 1
        else:
            name = f"venue-{rng.choice(VENUES)}-1" if what == "worker" else what
            S.kill(name)
            time.sleep(rng.uniform(0.3, 2.0))
            S.start(name)
            log(f"chaos: {name} restarted")
            figures["kills"][what] += 1
    for venue in active:
        S.admin("DELETE", f"/admin/fault?venue={venue}")


def venues_serving(S):
    """The time when every venue's worker answers a ticker request (after a restart a worker first loads its
    instruments, resolves what its previous run left open and waits out its rate limit budget), else None."""
    cl = S.new_client(timeout_ms=5000)
    try:
        for sym, _, _, _ in SYMBOLS:
            cl.request("get_ticker", {"symbol": sym})
        return time.monotonic()
    except (xroute_client.XrouteError, TimeoutError):
        return None
    finally:
        cl.close()


def ledger_rows(entries):
    rows = collections.Counter()
    for e in entries:
        if e["kind"] == "fill":
            rows[(e["venue"], int(e["order_id"]), Decimal(e["qty"]), Decimal(e["price"]), Decimal(e["fee"]))] += 1
    return rows


def order_key(venue, order_id):
    if venue == "binance":
        return int(order_id)
    return int(order_id.replace("-", "")[-12:], 16)


def table_rows(S):
    rows = collections.Counter()
    for venue, order_id, qty, price, fee in S.psql("select venue, order_id, quantity, price, fee from trades"):
        rows[(venue, order_key(venue, order_id), Decimal(qty), Decimal(price), Decimal(fee))] += 1
    return rows


def resolve_unknowns(S, tally):
    """Asks get_order for every order whose answer left its outcome open, until each one has a final or open
    status (bounded); returns {client order id: resolved status}."""
    open_kinds = ("PENDING_UNKNOWN", "TIMEOUT", "INTERNAL", "NO_ANSWER")
    todo = {clid: (venue, kind) for venue, clid, kind, _ in tally.orders if kind in open_kinds}
    symbol_of = {v: s for s, v, _, _ in SYMBOLS}
    resolved = {}
    deadline = time.monotonic() + 90
    cl = S.new_client(timeout_ms=15000)
    try:
        while todo and time.monotonic() < deadline:
            for clid, (venue, kind) in list(todo.items()):
                oid = ""
                try:
                    o = cl.get_order(symbol_of[venue], client_order_id=clid)
                    st, oid = o["status"], o.get("order_id", "")
                except xroute_client.XrouteError as e:
                    st = e.code
                except TimeoutError:
                    st = "NO_ANSWER"
                if st not in ("PENDING_UNKNOWN", "NO_ANSWER", "TIMEOUT", "VENUE_UNAVAILABLE", "INTERNAL"):
                    resolved[clid] = (venue, kind, st, oid)
                    del todo[clid]
            if todo:
                time.sleep(1)
    finally:
        cl.close()
    return resolved, todo


def test_chaos():
    rng = random.Random(SEED)
    log(f"seed {SEED}, {CLIENTS} clients, {SECONDS:.0f} s of flow")
    figures = {"seed": SEED, "clients": CLIENTS, "flow_seconds": SECONDS,
               "kills": collections.Counter(), "faults": collections.Counter()}
    S = Stack("chaos", PORT_BASE, env={"XROUTE_SIM_ARGS": "--partial-fills 2 --no-rate-limits --funds 100000000"})
    with S:
        prices = {}
        for sym, _, _, _ in SYMBOLS:
            prices[sym] = Decimal(S.request("get_ticker", {"symbol": sym})["ticker"]["last"])
        log(f"prices {prices}")
        stop = threading.Event()
        tally = Tally()
        # daemon threads: a failure below must not leave the test hanging on its clients
        threads = [threading.Thread(target=client_loop, args=(i, S, prices, stop, tally), daemon=True)
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        try:
            run_chaos(S, rng, SECONDS, stop, figures)
            S.admin("DELETE", "/admin/fault")
            for name in ["router", "gateway", "recorder"] + [f"venue-{v}-1" for v in VENUES]:
                S.start(name)  # "already running" when it is
            subprocess.run(["bash", os.path.join(SRC, "tests/support/pg.sh"), "start", os.path.join(S.var, "pg")],
                           check=True, capture_output=True, timeout=90)
            log("chaos over: faults cleared, every service running")
            t_over = time.monotonic()
            figures["recovery_seconds"] = round(wait_until(lambda: venues_serving(S), 150,
                                                           "every venue serving again", interval=1.0) - t_over, 1)
            log(f"every venue serving again after {figures['recovery_seconds']} s")
            # a client that lost a request to a killed gateway resubmits it after its timeout
            time.sleep(max(0.0, CLIENT_TIMEOUT_MS / 1000 + 1 - (time.monotonic() - t_over)))
            tally.clean = True
            log("clean flow for 8 s")
            time.sleep(8)
        finally:
            stop.set()
            for t in threads:
                t.join(ATTEMPTS * CLIENT_TIMEOUT_MS / 1000 + 10)
        check(not any(t.is_alive() for t in threads), "a client thread is stuck")
        log(f"answers: {dict(sorted(tally.answers.items()))}, resubmits {tally.resubmits}")

        resolved, unresolved = resolve_unknowns(S, tally)
        log(f"unknown outcomes resolved: {collections.Counter(v[2] for v in resolved.values())}; "
            f"unresolved {len(unresolved)}: {list(unresolved.items())[:5]}")

        # --- at most once --------------------------------------------------------------------------------
        entries = S.ledger()["entries"]
        ours = {clid: (venue, kind, oid) for venue, clid, kind, oid in tally.orders}
        by_clid = collections.Counter()
        venue_orders = collections.Counter()
        cdx_ids = collections.Counter()
        for e in entries:
            if e["kind"] != "order":
                continue
            venue_orders[e["venue"]] += 1
            if e["venue"] == "coindcx":
                cdx_ids[int(e["order_id"])] += 1
            elif e.get("client_id"):
                by_clid[e["client_id"]] += 1
        dups = {c: n for c, n in by_clid.items() if n > 1}
        strangers = [c for c in by_clid if c not in ours]
        check(not strangers, f"orders at the simulator that no client sent: {strangers[:5]}")
        # a definite refusal must not exist at the venue; a definite success must
        definite_ok = ("NEW", "FILLED", "PARTIALLY_FILLED", "CANCELED", "EXPIRED")
        unsure = ("PENDING_UNKNOWN", "TIMEOUT", "INTERNAL", "NO_ANSWER", "VENUE_UNAVAILABLE")
        unavailable_placed = 0
        for venue, clid, kind, oid in tally.orders:
            if venue == "coindcx":
                continue
            if kind == "VENUE_UNAVAILABLE" and by_clid[clid]:
                unavailable_placed += 1
            if kind in definite_ok:
                check(by_clid[clid] == 1, f"{venue} {clid} answered {kind} but is at the venue {by_clid[clid]} times")
            elif kind not in unsure:
                check(by_clid[clid] == 0, f"{venue} {clid} answered {kind} yet it exists at the venue")
        cdx = [o for o in tally.orders if o[0] == "coindcx"]
        cdx_ok = [o for o in cdx if o[2] in definite_ok]
        cdx_unsure = [o for o in cdx if o[2] in unsure]
        for _, clid, kind, oid in cdx_ok:
            n = cdx_ids[order_key("coindcx", oid)] if oid else 0
            check(n == 1, f"coindcx {clid} ({kind}, id {oid}) at the venue {n} times")
        cdx_dup = {k: n for k, n in cdx_ids.items() if n > 1}
        resolved_placed = sum(1 for v in resolved.values() if v[0] == "coindcx" and v[2] in definite_ok)
        resolved_absent = sum(1 for v in resolved.values() if v[0] == "coindcx" and v[2] not in definite_ok)
        log(f"coindcx: ledger orders {venue_orders['coindcx']}, definite successes {len(cdx_ok)}, unknown outcomes "
            f"{len(cdx_unsure)} (resolved placed {resolved_placed}, not placed {resolved_absent})")
        figures["coindcx_orders"] = {"at_simulator": venue_orders["coindcx"], "definite_successes": len(cdx_ok),
                                     "unknown_then_found": resolved_placed, "unknown_then_absent": resolved_absent,
                                     "other_unsure": len(cdx_unsure) - resolved_placed - resolved_absent}
        check(len(cdx_ok) <= venue_orders["coindcx"] <= len(cdx_ok) + len(cdx_unsure),
              f"coindcx orders at the venue {venue_orders['coindcx']} outside [{len(cdx_ok)}, "
              f"{len(cdx_ok) + len(cdx_unsure)}]")

        # --- exactly once -------------------------------------------------------------------------------
        want = ledger_rows(entries)
        total = sum(want.values())
        wait_until(lambda: int(S.psql("select count(*) from trades")[0][0]) >= total, 120,
                   f"{total} trades recorded", interval=1.0)
        time.sleep(2)  # anything extra that is still on its way shows up as a difference below
        got = table_rows(S)
        missing = want - got
        extra = got - want
        log(f"fills: ledger {total}, trades rows {sum(got.values())}, missing {sum(missing.values())}, "
            f"extra {sum(extra.values())}")

        log(f"place_order answers after recovery: {dict(sorted(tally.clean_answers.items()))}")
        no_answer = sum(n for k, n in tally.answers.items() if k.endswith(":NO_ANSWER"))
        figures.update({
            "requests": sum(tally.answers.values()),
            "answers": dict(sorted(tally.answers.items())),
            "answers_after_recovery": dict(sorted(tally.clean_answers.items())),
            "resubmits_after_silence": tally.resubmits,
            "unanswered": no_answer,
            "orders_at_simulator": dict(venue_orders),
            "fills_at_simulator": total, "trades_rows": sum(got.values()),
            "lost_fills": sum(missing.values()), "duplicated_fills": sum(extra.values()),
            "duplicated_orders": len(dups) + len(cdx_dup),
            "unknown_outcomes_resolved": dict(collections.Counter(v[2] for v in resolved.values())),
            "unknown_outcomes_unresolved": len(unresolved),
            "venue_unavailable_yet_placed": unavailable_placed,
        })
        figures["kills"] = dict(figures["kills"])
        figures["faults"] = dict(figures["faults"])
        print("FIGURES " + json.dumps(figures, sort_keys=True), flush=True)
        check(not dups, f"client order ids placed twice: {list(dups.items())[:5]}")
        check(not cdx_dup, f"coindcx order ids twice in the ledger: {list(cdx_dup.items())[:5]}")
        check(not missing, f"fills missing from the table: {list(missing.items())[:3]}")
        check(not extra, f"rows not in the ledger (or doubled): {list(extra.items())[:3]}")
        check(no_answer == 0, f"{no_answer} requests never answered")
        for venue in VENUES:
            ok = sum(n for k, n in tally.clean_answers.items() if k in (f"{venue}:FILLED", f"{venue}:NEW"))
            check(ok > 0, f"no order on {venue} succeeded after the chaos: the system did not recover")
        for k in KILLS:
            check(figures["kills"].get(k if k != "postgres" else "postgres (restart)", 0) >= 1, f"no {k} kill ran")
        for f in FAULTS:
            check(figures["faults"].get(f, 0) >= 1, f"no {f} fault ran")


if __name__ == "__main__":
    sys.exit(run([test_chaos]))

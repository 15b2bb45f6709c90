#!/usr/bin/python3
"""system_recorder: every fill reaches PostgreSQL exactly once, through the whole system (simulator -> venue
workers -> recorder), with and without failures.

1. clean: a stream of market orders on all three venues until the simulator has made >= 10000 fills (three
   trades per order), at least MIN_PER_VENUE of them on each venue; the `trades` table must equal the
   simulator's ledger fills row for row. Each client thread trades one venue, so every venue goes at its own
   pace: Bybit (10 orders/s) and CoinDCX (16 requests/s, fill polls included) are held to their real rate
   limits by their workers, and a client that rotated over the three venues would wait on the slowest.
2. faults: the same kind of stream while the recorder is killed with SIGKILL twice (and restarted), PostgreSQL
   is stopped for 10 s and started again, and a venue worker is killed and restarted; the table must still
   equal the ledger: nothing lost, nothing doubled.

Rows are compared as (venue, order, quantity, price, fee): the simulator's ledger keys orders by number; the
venues' wire ids carry that number (Binance: the id itself; Bybit and CoinDCX: the last 12 hex digits of the
order UUID).

Environment: XR_SOURCE, XR_BIN, XR_SCRATCH, XR_PORT_BASE."""
import collections
import os
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xr_stack import SRC, Stack, check, log, run, wait_until  # noqa: E402

PORT_BASE = int(os.environ.get("XR_PORT_BASE", "21100"))
FILLS = int(os.environ.get("XR_RECORDER_FILLS", "10000"))
MIN_PER_VENUE = int(os.environ.get("XR_RECORDER_MIN_PER_VENUE", "300"))
STREAM_SECONDS = float(os.environ.get("XR_RECORDER_STREAM_SECONDS", "30"))
# one symbol per venue under the stack's routing table (BTC: Binance, ETH: Bybit, XRP: CoinDCX)
SYMBOLS = {"binance": ("BTC/USDT", "0.002"), "bybit": ("ETH/USDT", "0.03"), "coindcx": ("XRP/USDT", "20")}


def order_key(venue, order_id):
    if venue == "binance":
        return int(order_id)
    return int(order_id.replace("-", "")[-12:], 16)


def ledger_rows(S):
    rows = collections.Counter()
    for e in S.ledger()["entries"]:
        if e["kind"] == "fill":
            rows[(e["venue"], int(e["order_id"]), Decimal(e["qty"]), Decimal(e["price"]), Decimal(e["fee"]))] += 1
    return rows


def table_rows(S):
    rows = collections.Counter()
    for venue, order_id, qty, price, fee in S.psql("select venue, order_id, quantity, price, fee from trades"):
        rows[(venue, order_key(venue, order_id), Decimal(qty), Decimal(price), Decimal(fee))] += 1
    return rows


def stream_until(S, fills, until=None, inflight=12, seconds=STREAM_SECONDS):
    """Market orders (alternating sides) from `inflight` clients, each on one venue, until the ledger has
    `fills` fills with at least MIN_PER_VENUE on Bybit and on CoinDCX, and `until` (an Event, if given) is
    set. Binance, which the simulator does not limit, is paced to spread its share over about `seconds`, so
    that faults injected meanwhile hit a live stream (and the ledger stays small enough to fetch whole)."""
    import xroute_client
    sent = collections.Counter()
    done = threading.Event()
    venues = sorted(SYMBOLS)
    quota = {v: MIN_PER_VENUE for v in venues}
    quota["binance"] = max(fills - MIN_PER_VENUE * (len(venues) - 1), MIN_PER_VENUE)
    wanted = {v: threading.Event() for v in venues}
    for v in venues:
        wanted[v].set()
    per_venue = collections.Counter()   # fills in the ledger, refreshed by the main thread
    started = time.monotonic()

    def paced_out(venue):
        # Binance's fills may run ahead of the clock only by what its clients send between two ledger reads
        return venue == "binance" and per_venue[venue] >= quota[venue] * (time.monotonic() - started) / seconds

    def worker(i):
        venue = venues[i % len(venues)]
        sym, qty = SYMBOLS[venue]
        cl = xroute_client.Client(S.gateway, timeout_ms=20000)
        n = 0
        try:
            while not done.is_set():
                if not wanted[venue].is_set() or paced_out(venue):
                    time.sleep(0.05)
                    continue
                side = "BUY" if (n // 3) % 2 == 0 else "SELL"
                n += 1
                try:
                    cl.place_order(sym, side, "MARKET", qty, client_order_id=f"rec-{uuid.uuid4().hex[:16]}")
                    sent["ok"] += 1
                except xroute_client.XrouteError as e:
                    sent[e.code] += 1
                except TimeoutError:
                    sent["no-answer"] += 1
        finally:
            cl.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(inflight)]
    for t in threads:
        t.start()

    def enough():
        now = collections.Counter(e["venue"] for e in S.ledger()["entries"] if e["kind"] == "fill")
        for v in venues:  # key by key: the client threads read it meanwhile
            per_venue[v] = now[v]
        for v in venues:
            # a venue keeps trading while its share is short, and while faults are still being injected
            if per_venue[v] >= quota[v] and (until is None or until.is_set()):
                wanted[v].clear()
            else:
                wanted[v].set()
        return (sum(per_venue.values()) >= fills and all(per_venue[v] >= quota[v] for v in venues)
                and (until is None or until.is_set()))

    try:
        wait_until(enough, 600, f"{fills} fills at the simulator, {MIN_PER_VENUE} on each venue", interval=0.5)
    finally:
        done.set()
        for t in threads:
            t.join(60)
    log(f"stream answers: {dict(sent)}; ledger fills per venue: {dict(per_venue)}")
    return sent


def check_table_equals_ledger(S, timeout=120):
    want = ledger_rows(S)
    total = sum(want.values())

    def caught_up():
        return sum(int(r[0]) for r in [S.psql("select count(*) from trades")[0]]) >= total

    wait_until(caught_up, timeout, f"{total} trades recorded", interval=0.5)
    got = table_rows(S)
    missing = want - got
    extra = got - want
    log(f"ledger fills {total}, trades rows {sum(got.values())}, missing {sum(missing.values())}, "
        f"extra {sum(extra.values())}")
    check(not missing, f"fills missing from the table: {list(missing.items())[:3]}")
    check(not extra, f"rows not in the ledger (or doubled): {list(extra.items())[:3]}")
    dup = S.psql("select count(*) from (select venue, account, trade_id from trades group by 1, 2, 3 "
                 "having count(*) > 1) d")[0][0]
    check(dup == "0", f"{dup} duplicated trade keys")


def new_stack(name, port):
    return Stack(name, port, env={"XROUTE_SIM_ARGS": "--partial-fills 3 --no-rate-limits --funds 100000000"})


def test_clean_stream():
    with new_stack("rec-clean", PORT_BASE) as S:
        stream_until(S, FILLS)
        check_table_equals_ledger(S)


def test_stream_with_failures():
    with new_stack("rec-faults", PORT_BASE + 50) as S:
        chaos_done = threading.Event()
        pg = os.path.join(SRC, "tests/support/pg.sh")
        pgdir = os.path.join(S.var, "pg")

        chaos_errors = []

        def chaos():
            try:
                time.sleep(3)
                S.kill("recorder")
                time.sleep(1)
                S.start("recorder")
                time.sleep(3)
                log("PostgreSQL stop for 10 s")
                subprocess.run(["bash", pg, "stop", pgdir], check=True, capture_output=True)
                time.sleep(10)
                subprocess.run(["bash", pg, "start", pgdir], check=True, capture_output=True)
                log("PostgreSQL started again")
                time.sleep(2)
                S.kill("venue-bybit-1")
                time.sleep(1)
                S.start("venue-bybit-1")
                time.sleep(2)
                S.kill("recorder")
                time.sleep(1)
                S.start("recorder")
                time.sleep(3)  # the stream goes on under the restarted recorder
            except Exception as e:  # noqa: BLE001  (reported by the main thread)
                chaos_errors.append(e)
            finally:
                chaos_done.set()

        t = threading.Thread(target=chaos)
        t.start()
        stream_until(S, FILLS, until=chaos_done)
        t.join()
        check(not chaos_errors, f"the fault sequence failed: {chaos_errors}")
        check_table_equals_ledger(S, timeout=180)


if __name__ == "__main__":
    sys.exit(run([test_clean_stream, test_stream_with_failures]))

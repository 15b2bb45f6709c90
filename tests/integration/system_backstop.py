#!/usr/bin/python3
"""system_backstop: fills the recorder can never get from events are brought back from the venues' trade
history (get_fills through the router), on start and periodically, and each is logged as an incident.

Pages are small (25 fills), so every pass follows each real worker's get_fills cursor over several pages.

1. A stream of market orders on all three venues (three trades per order); the `trades` table equals the
   simulator's ledger, and the backstop passes that ran meanwhile (every 4 s) found nothing missing: no false
   alarm while events are still on their way.
2. Loss while stopped: the recorder is stopped, the newest fills of every (venue, symbol) and some random
   older ones are deleted from `trades` (the workers have long dropped those events from their journals:
   they were acked, so no replay can bring them back), the recorder is started: its start pass stores exactly
   those fills again (source 'backstop'), the table equals the ledger, and the log names every deleted trade
   id with its venue.
3. Loss while running: more rows are deleted under the running recorder; the next periodic pass restores them.

Rows are compared as in system_recorder.py: (venue, order, quantity, price, fee).

The stack runs with CURVE on, as the local stack does by default: the backstop is a CURVE client of the
router's frontend, which admits the recorder's key.

Environment: XR_SOURCE, XR_BIN, XR_SCRATCH, XR_PORT_BASE."""
import collections
import os
import random
import re
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from system_recorder import ledger_rows, table_rows  # noqa: E402
from xr_stack import Stack, check, log, run, wait_until  # noqa: E402

PORT_BASE = int(os.environ.get("XR_PORT_BASE", "21300"))
ORDERS = int(os.environ.get("XR_BACKSTOP_ORDERS", "150"))
SYMBOLS = [("BTC/USDT", "0.002"), ("ETH/USDT", "0.03"), ("XRP/USDT", "20")]
SETTLE_MS = 3000
INTERVAL_MS = 4000
PAGE = 25  # small pages: every pass follows the real workers' cursors over several pages


def recorder_log(S):
    with open(os.path.join(S.var, "log", "recorder.log"), errors="replace") as f:
        return f.read()


def pass_lines(text):
    """(pass number, missing, targets, requests) of every finished backstop pass in a recorder log."""
    return [(int(m.group(1)), int(m.group(3)), int(m.group(2)), int(m.group(4)))
            for m in re.finditer(r"backstop pass (\d+) \w[^:]*: targets=(\d+) failed=\d+ fills_read=\d+ "
                                 r"missing=(\d+) requests=(\d+)", text)]


def logged_missing(text):
    """{(venue, trade_id)} named by the recorder's 'fills were missing' warnings."""
    out = set()
    for m in re.finditer(r"fills were missing .*? venue=(\S+) account=\S+ trade_ids=(\S+)", text):
        for tid in m.group(2).split(","):
            out.add((m.group(1), tid))
    return out


def stream(S, orders):
    sent = collections.Counter()
    for n in range(orders):
        sym, qty = SYMBOLS[n % len(SYMBOLS)]
        side = "BUY" if (n // 3) % 2 == 0 else "SELL"
        try:
            S.client.place_order(sym, side, "MARKET", qty, client_order_id=f"bs-{uuid.uuid4().hex[:16]}")
            sent["ok"] += 1
        except Exception as e:  # noqa: BLE001  (counted; the comparison with the ledger decides)
            sent[type(e).__name__] += 1
    log(f"stream answers: {dict(sent)}")


def table_equals_ledger(S, timeout=60):
    want = ledger_rows(S)
    total = sum(want.values())
    wait_until(lambda: int(S.psql("select count(*) from trades")[0][0]) >= total, timeout,
               f"{total} trades recorded", interval=0.5)
    got = table_rows(S)
    missing, extra = want - got, got - want
    log(f"ledger fills {total}, trades rows {sum(got.values())}, missing {sum(missing.values())}, "
        f"extra {sum(extra.values())}")
    check(not missing, f"fills missing from the table: {list(missing.items())[:3]}")
    check(not extra, f"rows not in the ledger (or doubled): {list(extra.items())[:3]}")
    return total


def delete_rows(S, where):
    rows = S.psql(f"delete from trades where (venue, account, trade_id) in (select venue, account, trade_id "
                  f"from trades {where}) returning venue, trade_id")
    return {(v, t) for v, t in rows}


def test_backstop():
    env = {"XROUTE_SIM_ARGS": "--partial-fills 3 --no-rate-limits --funds 100000000",
           "XROUTE_RECORDER_BACKSTOP_MS": str(INTERVAL_MS),
           "XROUTE_RECORDER_BACKSTOP_SETTLE_MS": str(SETTLE_MS),
           "XROUTE_RECORDER_BACKSTOP_START_MS": "2000",
           "XROUTE_RECORDER_BACKSTOP_PAGE": str(PAGE)}
    S = Stack("backstop", PORT_BASE, env=env)
    try:  # not `with`: a stack whose `up` failed half-way must still be taken down
        S.up()
        run_checks(S)
    except Exception:
        S.dump_logs()
        raise
    finally:
        S.down()


def run_checks(S):
    # 1. live stream: passes run meanwhile and must find nothing
    stream(S, ORDERS)
    total = table_equals_ledger(S)
    time.sleep((SETTLE_MS + 2 * INTERVAL_MS) / 1000 + 2)
    text = recorder_log(S)
    passes = pass_lines(text)
    log(f"passes during the stream: {len(passes)}")
    check(len(passes) >= 3, f"expected several backstop passes, saw {passes}")
    check(all(p[1] == 0 for p in passes), f"a pass reported missing fills while none was lost: {passes}")
    check(passes[-1][3] >= 2 * passes[-1][2], f"the last pass read fewer than 2 pages per target: {passes[-1]}")
    check(not logged_missing(text), "false alarm: missing fills logged while none was lost")
    check(S.psql("select count(*) from trades where source = 'backstop'")[0][0] == "0", "backstop rows")

    # 2. loss while the recorder is stopped: newest fill of each (venue, symbol) and random older ones
    S.stop("recorder")
    newest = delete_rows(S, "t where executed_at = (select max(executed_at) from trades u "
                            "where u.venue = t.venue and u.symbol = t.symbol)")
    keys = S.psql("select venue, trade_id from trades")
    rnd = random.Random(7).sample(keys, 20)
    older = delete_rows(S, "where (venue, trade_id) in (" +
                        ",".join(f"('{v}','{t}')" for v, t in rnd) + ")")
    deleted = newest | older
    log(f"deleted {len(deleted)} trades ({len(newest)} newest per venue and symbol, {len(older)} older)")
    check(len(deleted) >= 20 + 3, f"deleted only {len(deleted)}")
    check(int(S.psql("select count(*) from trades")[0][0]) == total - len(deleted), "rows after delete")
    before = len(pass_lines(recorder_log(S)))
    S.start("recorder")
    wait_until(lambda: len(pass_lines(recorder_log(S))) > before, 60, "the start pass")
    text = recorder_log(S)
    start_pass = pass_lines(text)[before]
    log(f"start pass: {start_pass}")
    check(start_pass[1] == len(deleted), f"start pass stored {start_pass[1]} fills, {len(deleted)} were lost")
    table_equals_ledger(S, timeout=5)
    check(logged_missing(text) == deleted,
          f"logged ids differ: not logged {sorted(deleted - logged_missing(text))[:5]}, "
          f"logged but not deleted {sorted(logged_missing(text) - deleted)[:5]}")
    back = {(v, t) for v, t in S.psql("select venue, trade_id from trades where source = 'backstop'")}
    check(back == deleted, f"rows stored by the backstop differ from the deleted ones ({len(back)})")

    # 3. loss under the running recorder: the next periodic pass restores it
    again = delete_rows(S, "where source <> 'backstop' order by executed_at desc limit 15")
    check(len(again) == 15, f"deleted {len(again)}")
    log("deleted 15 more under the running recorder")
    wait_until(lambda: logged_missing(recorder_log(S)) >= deleted | again, 30, "the periodic pass")
    table_equals_ledger(S, timeout=5)
    check(logged_missing(recorder_log(S)) == deleted | again, "logged ids after the periodic pass")
    passes = pass_lines(recorder_log(S))
    check(sum(p[1] for p in passes) == len(deleted) + len(again),
          f"passes reported {sum(p[1] for p in passes)} missing, {len(deleted) + len(again)} were lost")


if __name__ == "__main__":
    sys.exit(run([test_backstop]))

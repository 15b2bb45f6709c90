#!/usr/bin/env python3
"""recorder_e2e: the recorder process against a real PostgreSQL, with this script playing a venue worker.

The worker journals every event before publishing it (here: in memory), publishes 10000 fills and 1000 order
updates with seq 1..11000 on a PUB connected to the recorder's SUB, answers events.replay from its journal,
drops acked events on events.ack and sends events.hello every second (proto/README.md sections 10-12).

Faults injected along the way:
  - some events are deliberately never published (gaps, including the very last one, which only events.hello
    reveals), and the PUB/SUB slow-joiner loses the first ones;
  - the recorder is killed with SIGKILL mid-stream and restarted;
  - PostgreSQL is stopped for 10 s (pg.sh stop) while events keep coming, then started again.
At the end the trades table must equal the published fills row for row (no loss, no duplicates), the orders
table must hold the last state of every order, event_sources must say 11000 for the source, every event must
have been acked, and a `health` request on the control socket must answer.

Environment: XR_SOURCE (repo), XR_BIN (binaries), XR_SCRATCH (scratch dir), REC_EV_PORT / REC_CTL_PORT.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal

import msgpack
import zmq

SRC = os.environ["XR_SOURCE"]
BIN = os.environ["XR_BIN"]
SCRATCH = os.environ["XR_SCRATCH"]
EV_PORT = int(os.environ.get("REC_EV_PORT", "19401"))
CTL_PORT = int(os.environ.get("REC_CTL_PORT", "19402"))
SOURCE = "sim-bybit-1"
N_FILLS = 10000
N_ORDERS = 1000
N_EVENTS = N_FILLS + N_ORDERS
DROPPED = {50, 51, 52, 1000, 3333, 7001} | set(range(5000, 5021)) | {N_EVENTS}
KILL_AT = 4000
PG_STOP_AT = 7000
PG_DOWN_S = 10.0
ORDER_STATUSES = ["NEW", "PARTIALLY_FILLED", "PARTIALLY_FILLED", "FILLED"]

PG = os.path.join(SRC, "tests/support/pg.sh")
PGDIR = os.path.join(SCRATCH, "pg")
T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:7.2f}s] {msg}", flush=True)


def fail(msg):
    log("FAIL: " + msg)
    raise SystemExit(1)


def pg(verb):
    out = subprocess.run([PG, verb, PGDIR], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def psql(dsn, sql):
    out = subprocess.run(["/usr/lib/postgresql/15/bin/psql", "-X", "-At", "-F", "\t", dsn, "-c", sql],
                         check=True, capture_output=True, text=True)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def envelope(mtype, body, ident):
    return msgpack.packb({"v": 1, "type": mtype, "id": ident, "ts": int(time.time() * 1000), "body": body},
                         use_bin_type=True)


def fill_of(seq, n):
    """The n-th fill (0-based), published with seq."""
    return {
        "venue": "bybit", "account": "default", "trade_id": f"T{n:06d}", "order_id": f"O{n // 10:05d}",
        "client_order_id": f"bot3-{n // 10:05d}", "symbol": "ETH/USDT" if n % 3 else "BTC/USDT",
        "side": "BUY" if n % 2 else "SELL", "order_type": "LIMIT",
        "quantity": str(Decimal(n % 97 + 1) / 1000), "price": str(Decimal(2000_00 + n) / 100),
        "fee": str(Decimal(-(n % 5)) / 10000), "fee_asset": "USDT",
        "realized_pnl": str(Decimal(n % 13 - 6) / 10), "liquidity": "MAKER" if n % 4 else "TAKER",
        "executed_at": 1_763_700_000_000 + n * 7, "metadata": {"bot": f"bot{n % 3}", "seq": str(seq)},
        "raw": '{"execId":"T%06d","n":%d}' % (n, n),
    }


def order_of(k):
    """The k-th order update (0-based): order k // 4 goes NEW -> PARTIALLY_FILLED x2 -> FILLED."""
    step = k % 4
    filled = ["0", "0.5", "1", "2"][step]
    return {
        "venue": "bybit", "account": "default", "order_id": f"X{k // 4:05d}", "client_order_id": f"c-{k // 4}",
        "symbol": "SOL/USDT", "side": "BUY", "type": "LIMIT", "time_in_force": "GTC", "quantity": "2",
        "filled_quantity": filled, "price": "150.25", "status": ORDER_STATUSES[step],
        "created_at": 1_763_700_000_000, "updated_at": 1_763_700_000_000 + k,
    }


class Worker:
    """A venue worker's event side: journal, PUB, control DEALER, acks and replay."""

    def __init__(self, ctx):
        self.pub = ctx.socket(zmq.PUB)
        self.pub.setsockopt(zmq.SNDHWM, 200000)
        self.pub.setsockopt(zmq.LINGER, 0)
        self.pub.connect(f"tcp://127.0.0.1:{EV_PORT}")
        self.ctl = ctx.socket(zmq.DEALER)
        self.ctl.setsockopt(zmq.ROUTING_ID, SOURCE.encode())
        self.ctl.setsockopt(zmq.LINGER, 0)
        self.ctl.connect(f"tcp://127.0.0.1:{CTL_PORT}")
        self.journal = {}
        self.last = 0
        self.acked = 0
        self.cursor = None
        self.replays = 0
        self.hello_at = 0.0
        self.topic = b"default.bybit."
        self.msgid = 0

    def _id(self):
        self.msgid += 1
        return f"{SOURCE}-{self.msgid}"

    def emit(self, seq, mtype, body, publish):
        env = envelope(mtype, dict(body, source=SOURCE, seq=seq), self._id())
        self.journal[seq] = env
        self.last = seq
        if publish:
            self.pub.send_multipart([self.topic, env])

    def hello(self, force=False):
        now = time.monotonic()
        if force or now - self.hello_at >= 1.0:
            first = min(self.journal) if self.journal else 0
            self.ctl.send(envelope("events.hello", {"source": SOURCE, "first_seq": first, "last_seq": self.last},
                                   self._id()))
            self.hello_at = now

    def control(self):
        while self.ctl.poll(0):
            msg = msgpack.unpackb(self.ctl.recv_multipart()[-1], raw=False)
            body = msg.get("body", {})
            if msg["type"] == "events.ack":
                seq = body["seq"]
                if seq > self.last:
                    fail(f"ack {seq} beyond the last published seq {self.last}")
                for s in range(self.acked + 1, seq + 1):
                    self.journal.pop(s, None)
                self.acked = max(self.acked, seq)
            elif msg["type"] == "events.replay":
                self.replays += 1
                frm = body["from_seq"]
                if frm <= self.acked:
                    fail(f"replay from {frm} asked after ack {self.acked}")
                self.cursor = frm

    def pump(self, budget=500):
        """Re-publishes from the replay cursor, budget events at a time (a replay request restarts it)."""
        while self.cursor is not None and budget > 0:
            if self.cursor > self.last:
                self.cursor = None
                break
            env = self.journal.get(self.cursor)
            if env is not None:
                self.pub.send_multipart([self.topic, env])
            self.cursor += 1
            budget -= 1

    def service(self):
        self.control()
        self.pump()
        self.hello()


def start_recorder(dsn, logf):
    env = dict(os.environ, XROUTE_RECORDER_EVENTS=f"tcp://127.0.0.1:{EV_PORT}",
               XROUTE_RECORDER_CONTROL=f"tcp://127.0.0.1:{CTL_PORT}", XROUTE_PG_DSN=dsn,
               XROUTE_SQL_DIR=os.path.join(SRC, "deploy/sql"), XROUTE_RECORDER_HEALTH_LOG_MS="2000")
    return subprocess.Popen([os.path.join(BIN, "xroute-recorder")], env=env, stdout=logf, stderr=logf)


def health(ctx):
    d = ctx.socket(zmq.DEALER)
    d.setsockopt(zmq.LINGER, 0)
    d.connect(f"tcp://127.0.0.1:{CTL_PORT}")
    d.send(envelope("health", {}, "h-1"))
    if not d.poll(5000):
        fail("no answer to health")
    reply = msgpack.unpackb(d.recv_multipart()[-1], raw=False)
    d.close()
    return reply


def main():
    if os.path.isdir(PGDIR):  # a cluster left running by an interrupted run: stop it before wiping its files
        subprocess.run([PG, "stop", PGDIR], capture_output=True)
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH, exist_ok=True)
    dsn = pg("start")
    logf = open(os.path.join(SCRATCH, "recorder.log"), "ab")
    rec = start_recorder(dsn, logf)
    ctx = zmq.Context()
    w = Worker(ctx)
    pg_down_until = None
    expected_fills = {}
    expected_orders = {}
    try:
        time.sleep(0.3)
        w.hello(force=True)
        n_fill = n_order = 0
        for seq in range(1, N_EVENTS + 1):
            if seq % 11 == 0 and n_order < N_ORDERS:
                body = {"order": order_of(n_order)}
                expected_orders[body["order"]["order_id"]] = body["order"]
                n_order += 1
                w.emit(seq, "event.order", body, seq not in DROPPED)
            else:
                f = fill_of(seq, n_fill)
                expected_fills[f["trade_id"]] = (seq, f)
                n_fill += 1
                w.emit(seq, "event.fill", {"fill": f}, seq not in DROPPED)
            if seq == KILL_AT:
                log(f"kill -9 recorder pid={rec.pid} at seq {seq}")
                rec.send_signal(signal.SIGKILL)
                rec.wait()
            if seq == KILL_AT + 300:
                rec = start_recorder(dsn, logf)
                log(f"recorder restarted pid={rec.pid}")
            if seq == PG_STOP_AT:
                pg("stop")
                pg_down_until = time.monotonic() + PG_DOWN_S
                log(f"PostgreSQL stopped at seq {seq} for {PG_DOWN_S}s")
            if seq % 50 == 0:
                w.service()
                # Stretch the stream over the outage so events keep arriving while PostgreSQL is down.
                time.sleep(0.13 if pg_down_until else 0.005)
            if pg_down_until and time.monotonic() >= pg_down_until:
                pg("start")
                pg_down_until = None
                log(f"PostgreSQL started again at seq {seq}")
        if pg_down_until:
            while time.monotonic() < pg_down_until:
                w.service()
                time.sleep(0.05)
            pg("start")
            log("PostgreSQL started again after the stream")
        if n_fill != N_FILLS or n_order != N_ORDERS:
            fail(f"generator produced {n_fill} fills and {n_order} orders")
        log(f"published seq 1..{N_EVENTS} ({len(DROPPED)} deliberately not sent); waiting for acks")
        deadline = time.monotonic() + 90
        while w.acked < N_EVENTS and time.monotonic() < deadline:
            w.service()
            time.sleep(0.01)
            if rec.poll() is not None:
                fail(f"recorder exited with {rec.returncode}")
        if w.acked != N_EVENTS:
            fail(f"acked {w.acked} of {N_EVENTS} events in time")
        log(f"all {N_EVENTS} events acked; replays served: {w.replays}; journal left: {len(w.journal)}")

        reply = health(ctx)
        if reply.get("type") != "result":
            fail(f"health reply: {reply}")
        h = reply["body"]["health"][0]
        if h["venue"] != "recorder" or not h["reachable"] or h.get("inflight", 0) != 0:
            fail(f"health says {h}")

        rows = psql(dsn, "SELECT trade_id, order_id, client_order_id, symbol, side, order_type, quantity, price, "
                         "fee, fee_asset, realized_pnl, liquidity, (extract(epoch FROM executed_at) * 1000)::bigint,"
                         " metadata->>'bot', metadata->>'seq', raw->>'execId', source, seq FROM trades")
        if len(rows) != N_FILLS:
            fail(f"trades holds {len(rows)} rows, expected {N_FILLS}")
        seen = set()
        for r in rows:
            tid = r[0]
            if tid in seen:
                fail(f"duplicate trade {tid}")
            seen.add(tid)
            if tid not in expected_fills:
                fail(f"unexpected trade {tid}")
            seq, f = expected_fills[tid]
            want = [f["trade_id"], f["order_id"], f["client_order_id"], f["symbol"], f["side"], f["order_type"]]
            if r[:6] != want:
                fail(f"trade {tid}: {r[:6]} != {want}")
            for col, key in ((6, "quantity"), (7, "price"), (8, "fee"), (10, "realized_pnl")):
                if Decimal(r[col]) != Decimal(f[key]) or r[col] != f[key]:
                    fail(f"trade {tid} {key}: {r[col]} != {f[key]}")
            if r[9] != f["fee_asset"] or r[11] != f["liquidity"] or int(r[12]) != f["executed_at"]:
                fail(f"trade {tid}: fee_asset/liquidity/executed_at {r[9:13]}")
            if r[13] != f["metadata"]["bot"] or r[14] != str(seq) or r[15] != tid:
                fail(f"trade {tid}: metadata/raw {r[13:16]}")
            if r[16] != SOURCE or int(r[17]) != seq:
                fail(f"trade {tid}: source/seq {r[16:18]} != {SOURCE} {seq}")
        orders = psql(dsn, "SELECT order_id, status, filled_quantity FROM orders")
        final = {k: v for k, v in expected_orders.items()}
        if len(orders) != len(final):
            fail(f"orders holds {len(orders)} rows, expected {len(final)}")
        for oid, status, filled in orders:
            if status != final[oid]["status"] or Decimal(filled) != Decimal(final[oid]["filled_quantity"]):
                fail(f"order {oid}: {status} {filled}, expected {final[oid]['status']}")
        n_events = psql(dsn, "SELECT count(*) FROM order_events")[0][0]
        if int(n_events) != N_ORDERS:
            fail(f"order_events holds {n_events}, expected {N_ORDERS}")
        src = psql(dsn, "SELECT source, last_seq FROM event_sources")
        if src != [[SOURCE, str(N_EVENTS)]]:
            fail(f"event_sources: {src}")
        rejects = psql(dsn, "SELECT count(*) FROM event_rejects")[0][0]
        if rejects != "0":
            fail(f"{rejects} events rejected")
        log(f"OK: {N_FILLS} trades equal the published fills, {len(final)} orders in their final state, "
            f"event_sources at {N_EVENTS}, {w.replays} replays")
    finally:
        if rec.poll() is None:
            rec.send_signal(signal.SIGTERM)
            try:
                rec.wait(10)
            except subprocess.TimeoutExpired:
                rec.kill()
                rec.wait()
        w.pub.close()
        w.ctl.close()
        ctx.term()
        try:
            pg("stop")
        except subprocess.CalledProcessError:
            pass
        logf.close()


if __name__ == "__main__":
    main()

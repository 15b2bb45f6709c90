"""venue_harness: runs the real xroute-exchange-sim and a real venue worker (Binance, Bybit or CoinDCX), and
plays the router (a ROUTER socket on the worker's backend) and the recorder (a SUB for events and a ROUTER for
events.hello/ack/replay) over real ZeroMQ sockets, speaking msgpack envelopes (proto/README.md).

Used by venue_suite.py (one table of scenarios run for every venue). What differs between venues as the
simulator and the adapters see them lives in one Profile per venue (PROFILES): ports, paths for faults, how
the simulator's ledger ids map to the worker's ids, whether the venue keeps client ids. Every helper waits
with a deadline and fails loudly; nothing here mocks the worker or the simulator."""

import collections
import decimal

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

import msgpack
import zmq


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def _hex_tail(uuid_like):
    """Bybit and CoinDCX ids in the simulator are UUID-shaped: the last 12 hex digits are the engine's id."""
    return int(str(uuid_like).replace("-", "")[-12:], 16)


class Profile:
    """How one venue looks to the suite. Only facts where the venues really differ belong here."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def order_key(self, order_id):
        """The worker's order id -> the simulator ledger's numeric order id."""
        return int(order_id) if self.numeric_ids else _hex_tail(order_id)

    def ledger_fill_key(self, e):
        if self.trade_ids in ("numeric", "hex"):
            return ("t", int(e["trade_id"]))
        # CoinDCX: the venue has no trade id; the worker derives one, so a fill is known by what it is
        return ("f", int(e["order_id"]), decimal.Decimal(e["price"]).normalize(),
                decimal.Decimal(e["qty"]).normalize())

    def event_fill_key(self, f):
        if self.trade_ids == "numeric":
            return ("t", int(f["trade_id"]))
        if self.trade_ids == "hex":
            return ("t", _hex_tail(f["trade_id"]))
        return ("f", self.order_key(f["order_id"]), decimal.Decimal(f["price"]).normalize(),
                decimal.Decimal(f["quantity"]).normalize())


PROFILES = {
    "binance": Profile(name="binance", port_off=1, env="BINANCE", numeric_ids=True, trade_ids="numeric",
                       client_ids=True, order_path="/fapi/v1/order", open_path="/fapi/v1/openOrders",
                       price_symbol="BTCUSDT", far="20000", limit_status=429),
    "bybit": Profile(name="bybit", port_off=2, env="BYBIT", numeric_ids=False, trade_ids="hex",
                     client_ids=True, order_path="/v5/order/create", open_path="/v5/order/realtime",
                     price_symbol="BTCUSDT", far="20000", limit_status=403),
    # CoinDCX refuses limit prices more than 10 % from the last price (95000 at start): the far bid is nearer.
    "coindcx": Profile(name="coindcx", port_off=3, env="COINDCX", numeric_ids=False, trade_ids="derived",
                       client_ids=False, order_path="/exchange/v1/derivatives/futures/orders/create",
                       open_path="/exchange/v1/derivatives/futures/orders", price_symbol="B-BTC_USDT",
                       far="87000", limit_status=429),
}


class Harness:
    def __init__(self, bin_dir, scratch, port_base, venue="binance", instance=None, extra_env=None):
        self.bin = bin_dir
        self.scratch = scratch
        self.pb = port_base  # sim admin = pb, venues pb+1..pb+3; our sockets pb+4..pb+6
        self.venue = venue
        self.p = PROFILES[venue]
        self.placed = set()       # client ids of every place_order sent (CoinDCX's at-most-once bound)
        self.closes = 0           # close_position requests sent (each may place one order)
        self.instance = instance or "%s-t1" % venue
        self.extra_env = extra_env or {}
        self.ctx = zmq.Context.instance()
        self.sim = None
        self.router = None
        self.sub = None
        self.rec = None
        self.events = []          # (seq, type, body, topic) in arrival order
        self.seen = set()         # (source, seq)
        self.ident = None         # routing id of the worker requests go to
        self.idents = {}          # instance -> routing id
        self.workers = {}         # instance -> process
        self.next_id = 0
        self.epoch = int(time.time() * 1000)
        self.ack = True
        self.state_dir = os.path.join(scratch, "state")
        self.heard = {}           # instance -> time of its last register/heartbeat (the router's liveness)
        self.replicas_told = None  # when set, the replica count every router.heartbeat says (a restarted router)

    # ---- processes ------------------------------------------------------------------------------------

    def start_sim(self, *args):
        log = open(os.path.join(self.scratch, "sim.log"), "a")
        self.sim = subprocess.Popen([os.path.join(self.bin, "xroute-exchange-sim"), "--port-base", str(self.pb),
                                     "--seed", "7", "--tick-ms", "50", "--log-level", "warn"] + list(args),
                                    stdout=log, stderr=log)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                self.admin("GET", "/admin/health")
                return
            except Exception:
                time.sleep(0.05)
        raise Fail("simulator did not start")

    def stop_sim(self):
        if self.sim:
            self.sim.terminate()
            self.sim.wait(5)
            self.sim = None

    def env(self, instance=None):
        e = dict(os.environ)
        v = self.p.env
        e.update({
            v + "_API_KEY": "demo-key", v + "_API_SECRET": "demo-secret",
            v + "_BASE_URL": "http://127.0.0.1:%d" % (self.pb + self.p.port_off),
            "XROUTE_VENUE_ROUTER": "tcp://127.0.0.1:%d" % (self.pb + 4),
            "XROUTE_VENUE_EVENTS": "tcp://127.0.0.1:%d" % (self.pb + 5),
            "XROUTE_VENUE_RECORDER": "tcp://127.0.0.1:%d" % (self.pb + 6),
            "XROUTE_VENUE_INSTANCE": instance or self.instance, "XROUTE_VENUE_STATE_DIR": self.state_dir,
            "XROUTE_VENUE_HTTP_TIMEOUT_MS": "1500", "XROUTE_VENUE_FILL_POLL_MS": "100", "XROUTE_VENUE_ACCEPTANCE_MS": "500",
            v + "_RECV_WINDOW_MS": "2000", "XROUTE_LOG_LEVEL": "info",
        })
        e.update(self.extra_env)
        return e

    def start_worker(self, wait_register=True, instance=None):
        instance = instance or self.instance
        log = open(os.path.join(self.scratch, "worker.log" if instance == self.instance else
                                "worker-%s.log" % instance), "a")
        self.workers[instance] = subprocess.Popen([os.path.join(self.bin, "xroute-venue-%s" % self.venue)],
                                                  env=self.env(instance), stdout=log, stderr=log)
        if wait_register:
            self.wait_register(instance)

    def kill_worker(self, sig=signal.SIGKILL, instance=None):
        p = self.workers.pop(instance or self.instance, None)
        if p:
            p.send_signal(sig)
            return p.wait(10)
        return None

    def use(self, instance):
        """Sends the following requests to this worker."""
        self.ident = self.idents[instance]

    def bind(self):
        self.router = self.ctx.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.bind("tcp://127.0.0.1:%d" % (self.pb + 4))
        self.sub = self.ctx.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"")
        self.sub.bind("tcp://127.0.0.1:%d" % (self.pb + 5))
        self.rec = self.ctx.socket(zmq.ROUTER)
        self.rec.setsockopt(zmq.LINGER, 0)
        self.rec.bind("tcp://127.0.0.1:%d" % (self.pb + 6))

    def close(self):
        for inst in list(self.workers):
            self.kill_worker(signal.SIGTERM, inst)
        self.stop_sim()
        for s in (self.router, self.sub, self.rec):
            if s is not None:
                s.close(0)

    # ---- simulator admin ------------------------------------------------------------------------------

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.pb, path), data=data, method=method)
        if data:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=5) as r:
            txt = r.read()
        return json.loads(txt) if txt else None

    def ledger(self):
        return self.admin("GET", "/admin/ledger?venue=%s" % self.venue)["entries"]

    def venue_requests(self):
        """Requests the simulator's listener of this venue has received so far (a monotonic counter)."""
        return [v for v in self.admin("GET", "/admin/health")["venues"] if v["venue"] == self.venue][0]["requests"]

    def fault(self, kind, path=None, count=1, ms=0, per_mille=1000):
        """A fault on this venue; path None = the order placement path."""
        self.admin("POST", "/admin/fault", {"venue": self.venue, "path": path or self.p.order_path, "kind": kind,
                                            "count": count, "ms": ms, "probability": per_mille / 1000})

    def set_price(self, price):
        self.admin("POST", "/admin/price", {"venue": self.venue, "symbol": self.p.price_symbol, "price": price})

    def clear_faults(self):
        self.admin("DELETE", "/admin/fault")

    # ---- envelopes ------------------------------------------------------------------------------------

    def env_bytes(self, typ, body, id_=None, deadline=None):
        if typ == "place_order" and body.get("client_order_id"):
            self.placed.add(body["client_order_id"])
        elif typ == "close_position":
            self.closes += 1
        self.next_id += 1
        m = {"v": 1, "type": typ, "id": id_ or ("t-%d" % self.next_id), "ts": int(time.time() * 1000),
             "body": body}
        if deadline:
            m["deadline"] = deadline
        return m["id"], msgpack.packb(m, use_bin_type=True)

    @staticmethod
    def decode(frame):
        return msgpack.unpackb(frame, raw=False)

    def pump(self, timeout=0.0):
        """Reads whatever arrived on the router, events and recorder sockets; returns router messages."""
        out = []
        poller = zmq.Poller()
        for s in (self.router, self.sub, self.rec):
            poller.register(s, zmq.POLLIN)
        end = time.time() + timeout
        first = True
        while first or time.time() < end:
            first = False
            ready = dict(poller.poll(max(0, int((end - time.time()) * 1000)) if timeout else 0))
            if not ready:
                break
            if self.sub in ready:
                while True:
                    try:
                        frames = self.sub.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    m = self.decode(frames[-1])
                    b = m["body"]
                    key = (b["source"], b["seq"])
                    if key not in self.seen:
                        self.seen.add(key)
                        self.events.append((b["seq"], m["type"], b, frames[0]))
            if self.rec in ready:
                while True:
                    try:
                        frames = self.rec.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    m = self.decode(frames[-1])
                    if m["type"] == "events.hello":
                        self.on_hello(frames[0], m["body"])
            if self.router in ready:
                while True:
                    try:
                        frames = self.router.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    m = self.decode(frames[-1])
                    if m["type"] == "worker.register":
                        self.registered = m["body"]
                        self.idents[m["body"]["instance"]] = frames[0]
                        self.heard[m["body"]["instance"]] = time.time()
                        if self.ident is None:
                            self.ident = frames[0]
                    elif m["type"] == "worker.heartbeat":
                        self.heard[m["body"]["instance"]] = time.time()
                        _, hb = self.env_bytes("router.heartbeat", self.router_heartbeat())
                        self.router.send_multipart([frames[0], hb])
                    else:
                        out.append(m)
        return out

    def router_heartbeat(self):
        """What the router tells a worker (proto/README.md 9): its epoch and how many workers of the venue (one
        account here) it has heard from within the liveness window of 3 s."""
        now = time.time()
        if self.replicas_told is not None:
            return {"epoch": self.epoch, "replicas": self.replicas_told}
        return {"epoch": self.epoch, "replicas": sum(1 for t in self.heard.values() if now - t <= 3.0)}

    def on_hello(self, ident, body):
        """Recorder role: ask for what we miss, acknowledge what we have (contiguous prefix)."""
        have = 0
        while (body["source"], have + 1) in self.seen:
            have += 1
        last = body["last_seq"]
        if last > have:
            _, b = self.env_bytes("events.replay", {"source": body["source"], "from_seq": have + 1})
            self.rec.send_multipart([ident, b])
        if self.ack and have > 0:
            _, b = self.env_bytes("events.ack", {"source": body["source"], "seq": have})
            self.rec.send_multipart([ident, b])

    def send_router(self, typ, body):
        _, b = self.env_bytes(typ, body)
        self.router.send_multipart([self.ident, b])

    def wait_register(self, instance=None, timeout=20):
        instance = instance or self.instance
        self.registered = None
        end = time.time() + timeout
        while time.time() < end:
            self.pump(0.05)
            if self.registered and self.registered["instance"] == instance:
                self.ident = self.idents[instance]
                self.send_router("router.heartbeat", self.router_heartbeat())
                return self.registered
        raise Fail("worker did not register")

    def request(self, typ, body, timeout=10, deadline=None):
        id_, b = self.env_bytes(typ, body, deadline=deadline)
        self.router.send_multipart([self.ident, b])
        end = time.time() + timeout
        while time.time() < end:
            for m in self.pump(0.02):
                if m["id"] == id_:
                    return m
        raise Fail("no reply to %s %s" % (typ, body))

    def submit(self, typ, body):
        id_, b = self.env_bytes(typ, body)
        self.router.send_multipart([self.ident, b])
        return id_

    def collect(self, ids, timeout=20):
        got = {}
        end = time.time() + timeout
        while time.time() < end and len(got) < len(ids):
            for m in self.pump(0.02):
                if m["id"] in ids:
                    got[m["id"]] = m
        check(len(got) == len(ids), "replies: %d of %d" % (len(got), len(ids)))
        return got

    def ok(self, typ, body, **kw):
        m = self.request(typ, body, **kw)
        check(m["type"] == "result", "%s failed: %s" % (typ, m["body"]))
        return m["body"]

    def err(self, typ, body, **kw):
        m = self.request(typ, body, **kw)
        check(m["type"] == "error", "%s should fail: %s" % (typ, m["body"]))
        return m["body"]

    def wait_events(self, pred, timeout=10, what="event"):
        end = time.time() + timeout
        while time.time() < end:
            self.pump(0.05)
            hits = [e for e in self.events if pred(e)]
            if hits:
                return hits
        raise Fail("timed out waiting for %s" % what)

    def order_events(self, clid):
        return [e[2]["order"] for e in self.events if e[1] == "event.order" and
                e[2]["order"].get("client_order_id") == clid]

    def fill_events(self):
        return [e[2]["fill"] for e in self.events if e[1] == "event.fill"]

    # ---- invariants -----------------------------------------------------------------------------------

    def check_at_most_once(self):
        """Every order request reached the exchange at most once. Where the venue keeps client ids (Binance,
        Bybit) each client id appears at most once in the ledger. CoinDCX keeps none, so: the ledger holds no
        more orders than requests that could place one, and no venue order id is claimed by two client ids."""
        ledger = self.ledger()
        if self.p.client_ids:
            counts = collections.Counter(e["client_id"] for e in ledger if e["kind"] == "order")
            dup = {k: v for k, v in counts.items() if v > 1}
            check(not dup, "client order ids placed more than once: %s" % dup)
            return counts
        n = sum(1 for e in ledger if e["kind"] == "order")
        bound = len(self.placed) + self.closes
        check(n <= bound, "%d orders at the venue for %d placing requests" % (n, bound))
        owners = collections.defaultdict(set)
        for e in self.events:
            if e[1] == "event.order":
                o = e[2]["order"]
                if o.get("order_id") and o.get("client_order_id"):
                    owners[self.p.order_key(o["order_id"])].add(o["client_order_id"])
        shared = {k: v for k, v in owners.items() if len(v) > 1}
        check(not shared, "venue orders claimed by several client ids: %s" % shared)
        return n

    def check_fills_published(self, timeout=15):
        """Every fill of the exchange's ledger was published as event.fill exactly once (by trade id, or for
        CoinDCX, which has none, by order, price and quantity with multiplicity)."""
        want = collections.Counter(self.p.ledger_fill_key(e) for e in self.ledger() if e["kind"] == "fill")
        end = time.time() + timeout
        have = collections.Counter()
        while time.time() < end:
            self.pump(0.1)
            have = collections.Counter(self.p.event_fill_key(f) for f in self.fill_events())
            if not (want - have):
                break
        check(not (want - have), "fills not published: %s" % sorted((want - have).items())[:10])
        extra = have - want
        check(not extra, "fills published twice or unknown to the venue: %s" % sorted(extra.items())[:10])
        ids = [f["trade_id"] for f in self.fill_events()]
        check(len(ids) == len(set(ids)), "a trade id published twice")
        return sum(want.values())

    def check_seq_contiguous(self):
        for src in {k[0] for k in self.seen}:
            seqs = sorted(k[1] for k in self.seen if k[0] == src)
            check(seqs == list(range(1, len(seqs) + 1)), "%s: event seqs not contiguous from 1: %s" %
                  (src, seqs[:50]))

#!/usr/bin/python3
"""CURVE and per-client authorisation over the real processes: xroute-router and xroute-gateway started with
CURVE on, keys made by `xroute keygen`, clients made with the Python client (examples/python/xroute_client.py)
and the xroute CLI. No venue worker runs: a request the gateway lets through reaches the router, which answers
VENUE_UNAVAILABLE (or, for `venues`, a result), so "reached the router" and "refused by the gateway with AUTH"
are told apart by the reply. Workers' keys on the router's backend are checked with hand-made workers (a
DEALER speaking worker.register and worker.heartbeat); SIGHUP reloads of clients.conf (revocation) and of
risk.conf (a copy in the scratch directory) are checked on connections that stay open across the reload.

    security.py BIN_DIR SCRATCH_DIR SOURCE_DIR PORT_BASE      (ports PORT_BASE .. PORT_BASE+11)
"""
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

BIN, SCRATCH, SRC, BASE = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, os.path.join(SRC, "examples", "python"))
import xroute_client  # noqa: E402

import zmq  # noqa: E402

GW = f"tcp://127.0.0.1:{BASE}"
GW_EVENTS = f"tcp://127.0.0.1:{BASE + 1}"
GW_INTAKE = f"tcp://127.0.0.1:{BASE + 2}"
RT_FRONT = f"tcp://127.0.0.1:{BASE + 10}"
RT_BACK = f"tcp://127.0.0.1:{BASE + 11}"
KEYS = os.path.join(SCRATCH, "keys")
CLIENTS = os.path.join(SCRATCH, "clients.conf")
CLIENTS_TEXT = ("# NAME ACCOUNTS VENUES\n"
                "alice    default  binance\n"
                "bob      *        bybit\n"
                "ops      *        *\n"
                "revoked  *        *\n")
RISK = os.path.join(SCRATCH, "risk.conf")
T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:6.2f}s] {msg}", flush=True)


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def keygen(name, expect_rc=0):
    r = subprocess.run([os.path.join(BIN, "xroute"), "keygen", name, "--dir", KEYS], capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == expect_rc, f"keygen {name}: exit {r.returncode}, want {expect_rc}: {r.stderr}")
    return r


def allow(server, *names):
    d = os.path.join(KEYS, "allow", server)
    os.makedirs(d, exist_ok=True)
    for n in names:
        shutil.copy(os.path.join(KEYS, n + ".cert"), d)


def start(name, args, env):
    logf = open(os.path.join(SCRATCH, name + ".log"), "w")
    p = subprocess.Popen([os.path.join(BIN, name), *args], env=env, stdout=logf, stderr=subprocess.STDOUT, cwd=SRC)
    return p


def client(name, **kw):
    secret = os.path.join(KEYS, name + ".cert_secret") if name else None
    server = os.path.join(KEYS, "gateway.cert") if name else None
    return xroute_client.Client(GW, timeout_ms=kw.get("timeout_ms", 5000), secret_cert=secret, server_cert=server,
                                plain=name is None)


def outcome(c, op, body):
    """'result', 'CODE: message' or 'timeout'."""
    try:
        c.request(op, body)
        return "result"
    except xroute_client.XrouteError as e:
        return f"{e.code}: {e.message}"
    except TimeoutError:
        return "timeout"


GATEWAY_PROC = None  # the gateway's Popen, for SIGHUP
ORDER = {"symbol": "BTC/USDT", "side": "BUY", "type": "LIMIT", "quantity": "0.001", "price": "20000"}


def setup():
    global GATEWAY_PROC
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH)
    for n in ("gateway", "router", "recorder", "events", "alice", "bob", "ops", "stranger", "unlisted", "revoked",
              "venue", "rogue"):
        keygen(n)
    # alice: to prove the frontend serves only gateway and recorder; venue: the workers' key (`rogue` is a
    # worker key the router does not list)
    allow("router", "gateway", "recorder", "alice", "venue")
    allow("gateway", "alice", "bob", "ops", "unlisted", "revoked")  # `stranger` is in no allow directory
    with open(CLIENTS, "w") as f:
        f.write(CLIENTS_TEXT)
    shutil.copy(os.path.join(SRC, "deploy/config/risk.conf"), RISK)
    env = dict(os.environ)
    env.update({"XROUTE_CURVE": "on", "XROUTE_KEYS_DIR": KEYS, "XROUTE_LOG_LEVEL": "info"})
    router = start("xroute-router", ["--frontend", RT_FRONT, "--backend", RT_BACK,
                                     "--routes", os.path.join(SRC, "deploy/config/routes.conf")], env)
    gateway = start("xroute-gateway", ["--clients", GW, "--events-out", GW_EVENTS, "--events-in", GW_INTAKE,
                                       "--router", RT_FRONT, "--risk", RISK,
                                       "--idem", os.path.join(SCRATCH, "idem.journal"),
                                       "--clients-conf", CLIENTS], env)
    GATEWAY_PROC = gateway
    return router, gateway


def test_keygen():
    pub = os.path.join(KEYS, "alice.cert")
    sec = os.path.join(KEYS, "alice.cert_secret")
    check(stat.S_IMODE(os.stat(sec).st_mode) == 0o600, "secret certificate mode is 0600")
    check(stat.S_IMODE(os.stat(pub).st_mode) == 0o644, "public certificate mode is 0644")
    before = open(sec).read()
    r = keygen("alice", expect_rc=2)
    check("never overwritten" in r.stderr, f"keygen refuses to overwrite: {r.stderr}")
    check(open(sec).read() == before, "the secret certificate is unchanged")
    public, secret = xroute_client.load_cert(sec, secret=True)
    check(public in r.stdout or public in open(pub).read(), "public key in the public certificate")
    check(secret not in open(pub).read(), "no secret key in the public certificate")


def test_listed_key_accepted():
    c = client("alice")
    try:
        check(outcome(c, "venues", {}) == "result", "alice's `venues` is answered by the router")
        got = outcome(c, "place_order", dict(ORDER, venue="binance", client_order_id="sec-alice-1"))
        check(got.startswith("VENUE_UNAVAILABLE"), f"alice's order passes the gateway and reaches the router: {got}")
    finally:
        c.close()


def test_unlisted_key_refused():
    c = client("stranger", timeout_ms=1500)
    try:
        got = outcome(c, "venues", {})
        check(got == "timeout", f"a key in no allow directory gets no answer (handshake refused): {got}")
    finally:
        c.close()


def test_plain_client_refused():
    c = client(None, timeout_ms=1500)
    try:
        got = outcome(c, "venues", {})
        check(got == "timeout", f"a plain TCP client gets no answer: {got}")
    finally:
        c.close()


def test_key_not_in_clients_file():
    c = client("unlisted")
    try:
        got = outcome(c, "venues", {})
        check(got.startswith("AUTH: key ") and "not listed" in got, f"admitted key without rights: {got}")
    finally:
        c.close()


def test_account_limit():
    c = client("alice")
    try:
        got = outcome(c, "place_order", dict(ORDER, venue="binance", account="hedge", client_order_id="sec-a-2"))
        check(got == "AUTH: account hedge is not allowed for client alice (place_order)", got)
        got = outcome(c, "get_positions", {"account": "hedge"})
        check(got.startswith("AUTH: account hedge"), got)
    finally:
        c.close()
    c = client("ops")
    try:
        got = outcome(c, "place_order", dict(ORDER, venue="binance", account="hedge", client_order_id="sec-o-1"))
        check(got.startswith("VENUE_UNAVAILABLE"), f"ops may use account hedge: {got}")
    finally:
        c.close()


def test_venue_limit():
    c = client("alice")
    try:
        got = outcome(c, "place_order", dict(ORDER, venue="bybit", client_order_id="sec-a-3"))
        check(got == "AUTH: venue bybit is not allowed for client alice (place_order)", got)
        # no venue named: pinned to binance, her only venue; the router then looks for a binance worker
        got = outcome(c, "place_order", dict(ORDER, client_order_id="sec-a-4"))
        check(got.startswith("VENUE_UNAVAILABLE") and "binance" in got, f"pinned to binance: {got}")
    finally:
        c.close()
    c = client("bob")
    try:
        got = outcome(c, "cancel_order", {"symbol": "BTC/USDT", "client_order_id": "x", "venue": "binance"})
        check(got == "AUTH: venue binance is not allowed for client bob (cancel_order)", got)
    finally:
        c.close()


def test_router_serves_only_the_gateway():
    """alice's key is admitted by the router's zauth, yet a request sent straight to the frontend is dropped; the
    recorder's key (its get_fills backstop) is served."""
    import msgpack

    def direct(key):
        s = curve_sock(zmq.DEALER, key, "router")
        s.connect(RT_FRONT)
        s.send(msgpack.packb({"v": 1, "type": "venues", "id": "direct-" + key, "ts": int(time.time() * 1000),
                              "body": {}}))
        got = s.poll(1500)
        s.close()
        return got

    check(not direct("alice"), "a request on the router frontend from a client key is not served")
    check(direct("recorder"), "the recorder's key is served on the router frontend")


def curve_sock(kind, key, server):
    s = zmq.Context.instance().socket(kind)
    s.setsockopt(zmq.LINGER, 0)
    xroute_client.apply_curve(s, os.path.join(KEYS, key + ".cert_secret"), os.path.join(KEYS, server + ".cert"))
    return s


def event(source, seq, account="default", venue="binance"):
    order = {"venue": venue, "account": account, "order_id": f"{source}-{seq}", "symbol": "BTC/USDT",
             "side": "BUY", "type": "LIMIT", "quantity": "0.001", "filled_quantity": "0", "price": "20000",
             "status": "NEW"}
    env = {"v": 1, "type": "event.order", "id": f"{source}-e{seq}", "ts": int(time.time() * 1000),
           "body": {"source": source, "seq": seq, "order": order}}
    import msgpack
    return [f"{account}.{venue}.".encode(), msgpack.packb(env)]


def test_intake_events():
    """The intake serves with the events key; a worker key's events are republished to clients, a client
    key's are dropped."""
    import msgpack
    sub = curve_sock(zmq.SUB, "ops", "gateway")
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(GW_EVENTS)
    worker = curve_sock(zmq.PUB, "unlisted", "events")  # admitted by zauth, not a client: stands for a worker
    worker.connect(GW_INTAKE)
    fake = curve_sock(zmq.PUB, "alice", "events")
    fake.connect(GW_INTAKE)

    def sources(seconds, pub, src):
        seen = set()
        deadline = time.monotonic() + seconds
        seq = 0
        while time.monotonic() < deadline:
            seq += 1
            pub.send_multipart(event(src, seq))
            while sub.poll(50):
                env = msgpack.unpackb(sub.recv_multipart()[-1], raw=False)
                seen.add(env["body"]["source"])
            if src in seen and pub is worker:
                break
        return seen

    try:
        check("worker-1" in sources(5, worker, "worker-1"), "an event from a worker key reaches the clients")
        seen = sources(1.5, fake, "fake-1")
        check("fake-1" not in seen, "an event from a client key on the intake is not republished")
        check("worker-1" in sources(5, worker, "worker-1"), "the intake still serves the worker")
    finally:
        for s in (sub, worker, fake):
            s.close()
    text = open(os.path.join(SCRATCH, "xroute-gateway.log")).read()
    check("on the worker intake dropped" in text, "the gateway logs the dropped event")


def test_events_narrowed_per_key():
    """A client subscribing to everything gets only the accounts and venues its key may see."""
    import msgpack
    subs = {}
    for key in ("alice", "ops", "stranger"):
        subs[key] = curve_sock(zmq.SUB, key, "gateway")
        subs[key].setsockopt(zmq.SUBSCRIBE, b"")
        subs[key].connect(GW_EVENTS)
    worker = curve_sock(zmq.PUB, "unlisted", "events")
    worker.connect(GW_INTAKE)
    seen = {k: set() for k in subs}
    try:
        deadline = time.monotonic() + 8
        seq = 0
        # until ops has seen both kinds: then alice has had every chance to see both too
        while time.monotonic() < deadline and len(seen["ops"]) < 2:
            seq += 1
            worker.send_multipart(event("w2", seq, "default", "binance"))
            worker.send_multipart(event("w2", seq, "hedge", "bybit"))
            time.sleep(0.05)
            for k, s in subs.items():
                while s.poll(0):
                    env = msgpack.unpackb(s.recv_multipart()[-1], raw=False)
                    o = env["body"]["order"]
                    seen[k].add(f"{o['account']}.{o['venue']}")
        # a little longer for stragglers to alice
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            for k, s in subs.items():
                while s.poll(10):
                    o = msgpack.unpackb(s.recv_multipart()[-1], raw=False)["body"]["order"]
                    seen[k].add(f"{o['account']}.{o['venue']}")
    finally:
        worker.close()
        for s in subs.values():
            s.close()
    check(seen["ops"] == {"default.binance", "hedge.bybit"}, f"ops sees every account and venue: {seen['ops']}")
    check(seen["alice"] == {"default.binance"}, f"alice sees only default on binance: {seen['alice']}")
    check(not seen["stranger"], f"a refused key sees nothing: {seen['stranger']}")


def envelope(op, body):
    import msgpack
    return msgpack.packb({"v": 1, "type": op, "id": f"{op}-{time.monotonic_ns()}", "ts": int(time.time() * 1000),
                          "body": body})


def registered(instance):
    """Whether the router lists `instance` as an alive worker (asked through the gateway with the ops key)."""
    c = client("ops")
    try:
        return any(w.get("instance") == instance and w.get("alive") for w in c.request("venues", {})["workers"])
    finally:
        c.close()


def worker_registers(key, instance, seconds):
    """A hand-made coindcx worker with `key` registers and heartbeats for up to `seconds`; returns (listed by the
    router, messages the router sent it)."""
    s = curve_sock(zmq.DEALER, key, "router")
    s.setsockopt(zmq.IDENTITY, instance.encode())
    s.connect(RT_BACK)
    got = 0
    listed = False

    def send(op, body):  # never blocks: a refused handshake leaves the DEALER without a peer
        try:
            s.send(envelope(op, body), zmq.NOBLOCK)
        except zmq.Again:
            pass
    try:
        send("worker.register", {"venue": "coindcx", "instance": instance, "account": "default", "capacity": 4,
                                 "pid": os.getpid()})
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not listed:
            send("worker.heartbeat", {"instance": instance, "inflight": 0, "journal_backlog": 0})
            while s.poll(100):
                s.recv_multipart()
                got += 1
            listed = registered(instance)
    finally:
        s.close()
    return listed, got


def test_worker_keys_on_router_backend():
    """The router's backend admits only the worker keys in its allow directory: a worker with the listed `venue`
    key registers; one with an unlisted key (and the router's right server key) never does, nor hears back."""
    listed, _ = worker_registers("venue", "sec-listed-1", 8)
    check(listed, "a worker with a listed key is registered by the router")
    listed, got = worker_registers("rogue", "sec-rogue-1", 3)
    check(not listed, "a worker with an unlisted key is not registered")
    check(got == 0, f"the router sent {got} messages to a worker with an unlisted key")
    text = open(os.path.join(SCRATCH, "xroute-router.log")).read()
    check("sec-rogue-1" not in text, "the router never saw the unlisted worker's messages")


def sighup_gateway(what):
    """SIGHUP to the gateway; waits until its log shows the reload (both files tried) and returns the new log."""
    path = os.path.join(SCRATCH, "xroute-gateway.log")

    def reloads(text):
        return text.count("risk limits reload") + text.count("clients file reload")

    before = reloads(open(path).read())
    GATEWAY_PROC.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while True:
        text = open(path).read()
        if reloads(text) >= before + 2:
            return text[len(text) - 4000:]
        check(time.monotonic() < deadline, f"{what}: the gateway did not log a reload within 10 s")
        time.sleep(0.02)


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def test_revocation_on_sighup():
    """Revoking a client (its line out of clients.conf, its certificate out of the gateway's allow directory,
    SIGHUP) refuses its requests with AUTH at once, on the connection it already has open; a new connection
    with that key fails the handshake. Happens even when risk.conf is broken at the same SIGHUP."""
    c = client("revoked")
    try:
        got = outcome(c, "place_order", dict(ORDER, venue="binance", client_order_id="sec-rv-1"))
        check(got.startswith("VENUE_UNAVAILABLE"), f"before revocation the key may trade: {got}")
        good_risk = open(RISK).read()
        write(CLIENTS, CLIENTS_TEXT.replace("revoked  *        *\n", ""))
        os.remove(os.path.join(KEYS, "allow", "gateway", "revoked.cert"))
        write(RISK, good_risk + "max_qty BTC/USDT -1\n")  # refused on reload: must not hold the revocation back
        try:
            text = sighup_gateway("revocation")
        finally:
            write(RISK, good_risk)
        check("risk limits reload refused" in text and "clients file reloaded" in text, text[-600:])
        for op, body in (("place_order", dict(ORDER, venue="binance", client_order_id="sec-rv-2")),
                         ("venues", {})):
            got = outcome(c, op, body)
            check(got.startswith("AUTH: key ") and "not listed" in got, f"revoked key, open connection, {op}: {got}")
    finally:
        c.close()
    c = client("revoked", timeout_ms=1500)
    try:
        got = outcome(c, "venues", {})
        check(got == "timeout", f"a new connection with the revoked key gets no answer: {got}")
    finally:
        c.close()
    c = client("ops")
    try:
        check(outcome(c, "venues", {}) == "result", "the other clients are served as before")
    finally:
        c.close()


def test_risk_reload_on_sighup():
    """A tighter limit applies after SIGHUP (an order that passed is RISK_REJECTED naming the limit); a bad risk
    file on SIGHUP is refused and the limits in force stay."""
    good_risk = open(RISK).read()
    c = client("ops")
    try:
        order = dict(ORDER, venue="binance", quantity="0.5")
        got = outcome(c, "place_order", dict(order, client_order_id="sec-rk-1"))
        check(got.startswith("VENUE_UNAVAILABLE"), f"0.5 BTC passes the shipped limits: {got}")
        write(RISK, good_risk.replace("max_qty BTC/USDT 10", "max_qty BTC/USDT 0.1"))
        text = sighup_gateway("tighter limits")
        check("risk limits reloaded" in text, text[-600:])
        got = outcome(c, "place_order", dict(order, client_order_id="sec-rk-2"))
        check(got.startswith("RISK_REJECTED") and "max_qty BTC/USDT 0.1" in got, f"after the reload: {got}")
        got = outcome(c, "place_order", dict(order, quantity="0.05", client_order_id="sec-rk-3"))
        check(got.startswith("VENUE_UNAVAILABLE"), f"within the new limit: {got}")
        write(RISK, "max_qty BTC/USDT 0.1\nbogus_limit 3\n")
        text = sighup_gateway("bad risk file")
        check("risk limits reload refused" in text and "bogus_limit" in text, text[-600:])
        got = outcome(c, "place_order", dict(order, client_order_id="sec-rk-4"))
        check(got.startswith("RISK_REJECTED") and "max_qty BTC/USDT 0.1" in got, f"old limits kept: {got}")
        got = outcome(c, "place_order", dict(order, symbol="ETH/USDT", quantity="50", client_order_id="sec-rk-5"))
        check(got.startswith("VENUE_UNAVAILABLE"), f"the rest of the old limits kept too: {got}")
    finally:
        c.close()
        write(RISK, good_risk)
        sighup_gateway("restore")


def test_cli_with_curve():
    env = dict(os.environ)
    env.update({"XROUTE_CURVE": "on", "XROUTE_KEYS_DIR": KEYS,
                "XROUTE_CURVE_SECRET_FILE": os.path.join(KEYS, "ops.cert_secret")})
    r = subprocess.run([os.path.join(BIN, "xroute"), "--gateway", GW, "--timeout", "5000", "--json", "venues"],
                       env=env, capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"CLI with the ops key: exit {r.returncode}: {r.stderr}")
    os.chmod(os.path.join(KEYS, "ops.cert_secret"), 0o644)
    try:
        r = subprocess.run([os.path.join(BIN, "xroute"), "--gateway", GW, "--timeout", "2000", "venues"],
                           env=env, capture_output=True, text=True, timeout=30)
        check(r.returncode != 0 and "0644" in r.stderr, f"CLI refuses an exposed secret: {r.returncode} {r.stderr}")
    finally:
        os.chmod(os.path.join(KEYS, "ops.cert_secret"), 0o600)


def test_secrets_not_logged():
    for name in ("xroute-gateway", "xroute-router"):
        text = open(os.path.join(SCRATCH, name + ".log")).read()
        for key in ("gateway", "router", "events", "alice", "ops"):
            _, secret = xroute_client.load_cert(os.path.join(KEYS, key + ".cert_secret"), secret=True)
            check(secret not in text, f"{key}'s secret key does not appear in the {name} log")


def main():
    procs = setup()
    rc = 0
    try:
        # ready when the ops key gets an answer from the router through the gateway
        deadline = time.monotonic() + 20
        while True:
            c = client("ops", timeout_ms=500)
            got = outcome(c, "venues", {})
            c.close()
            if got == "result":
                break
            for p in procs:
                if p.poll() is not None:
                    raise Fail(f"{p.args[0]} exited with {p.returncode}")
            if time.monotonic() > deadline:
                raise Fail(f"gateway and router not serving after 20 s: {got}")
        passed = failed = 0
        for t in (test_keygen, test_listed_key_accepted, test_unlisted_key_refused, test_plain_client_refused,
                  test_key_not_in_clients_file, test_account_limit, test_venue_limit,
                  test_router_serves_only_the_gateway, test_intake_events, test_events_narrowed_per_key,
                  test_cli_with_curve, test_worker_keys_on_router_backend, test_revocation_on_sighup,
                  test_risk_reload_on_sighup, test_secrets_not_logged):
            try:
                t()
                passed += 1
                log(f"ok   {t.__name__}")
            except Exception as e:  # noqa: BLE001
                failed += 1
                log(f"FAIL {t.__name__}: {type(e).__name__}: {e}")
        print(f"{passed} passed, {failed} failed")
        rc = 0 if failed == 0 else 1
    except Fail as e:
        print(f"FAIL setup: {e}")
        rc = 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                code = p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                code = "killed"
            if code != 0:
                print(f"{p.args[0]} stopped with {code}")
                rc = 1
        if rc != 0:
            for name in ("xroute-gateway", "xroute-router"):
                print(f"----- {name}.log")
                sys.stdout.write(open(os.path.join(SCRATCH, name + ".log")).read()[-4000:])
    return rc


if __name__ == "__main__":
    sys.exit(main())

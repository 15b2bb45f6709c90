#!/usr/bin/python3
"""compose: the end-to-end scenario against the docker-compose deployment (docker-compose.yml with the test
override deploy/docker/compose.test.yml: every container on the host network, ports 23000-23099), driven as a
user would: docker-compose for the stack, the xroute CLI on the host against the gateway, psql inside the
postgres container, the simulator's admin API.

  1. up: the one-shot keys service done, every service healthy (compose health checks), three workers
     registered with the router; CURVE on (a client without the stack's keys gets no answer);
  2. orders on every venue, an idempotent resubmission (one order at the venue), a risk rejection;
  3. every fill recorded exactly once: the trades table against the simulator's ledger (counts, trade ids);
     `xroute positions` against the positions the ledger's fills add up to;
  4. --scale venue-binance=3: three Binance workers registered, orders spread over them;
  5. docker kill of one Binance worker in a stream of orders: orders keep flowing, no client order id placed
     twice, every order the venue accepted and every fill recorded (nothing lost or doubled);
  6. a worker crash (its process killed inside the container): the restart policy brings it back under the
     same instance id;
  7. down -v (containers, network, volumes), in every case; then docker-compose.yml alone on its own compose
     network (service names, published ports, the demo secrets): one order per venue, recorded; down -v.

Environment (compose.sh sets it): XR_SOURCE, XR_BIN, XR_SCRATCH, XROUTE_TAG, XROUTE_SECRETS_DIR."""
import json
from collections import Counter
from decimal import Decimal
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

SRC = os.environ["XR_SOURCE"]
BIN = os.environ["XR_BIN"]
SCRATCH = os.environ["XR_SCRATCH"]
DOCKER = "/usr/bin/docker"
PROJECT = "xrcomposetest"
SOURCES = ["-f", os.path.join(SRC, "docker-compose.yml"), "-f", os.path.join(SRC, "deploy/docker/compose.test.yml")]
MERGED = os.path.join(SCRATCH, "compose.yml")
COMPOSE = ["docker-compose", "--no-ansi", "-p", PROJECT, "--project-directory", SRC, "-f", MERGED]
GATEWAY = "tcp://127.0.0.1:23010"
ADMIN = "http://127.0.0.1:23000"
VENUES = ("binance", "bybit", "coindcx")
SERVICES = ("postgres", "exchange-sim", "router", "gateway", "recorder", "venue-binance", "venue-bybit",
            "venue-coindcx")
T0 = time.monotonic()


class Fail(Exception):
    pass


def log(msg):
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


def check(cond, what):
    if not cond:
        raise Fail(what)


def wait_until(pred, timeout, what, interval=0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            v = pred()
            if v:
                return v
        except Fail as e:
            last = e
        time.sleep(interval)
    raise Fail(f"timed out after {timeout}s waiting for {what}" + (f" (last: {last})" if last else ""))


def run(cmd, timeout=600, check_rc=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check_rc and r.returncode != 0:
        raise Fail(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def compose(*args, timeout=600, check_rc=True):
    return run(COMPOSE + list(args), timeout=timeout, check_rc=check_rc)


KEYS = os.path.join(SCRATCH, "keys")


def curve_env(keys=KEYS):
    """The host CLI as the `client` key of the stack (CURVE is on by default in docker-compose.yml)."""
    return dict(os.environ, XROUTE_CURVE="on", XROUTE_KEYS_DIR=keys)


def fetch_keys(compose_cmd, keys, env=None):
    """Copies the client's key pair and the gateway's public key out of the stack's keys volume."""
    def copy():
        ids = run(compose_cmd + ["ps", "-q", "gateway"], env=env).stdout.split()
        if not ids:
            return False
        os.makedirs(keys, exist_ok=True)
        for name, mode in (("client.cert_secret", 0o600), ("gateway.cert", 0o644)):
            r = run([DOCKER, "exec", ids[0], "cat", "/keys/" + name], check_rc=False)
            if r.returncode != 0 or not r.stdout:
                return False
            path = os.path.join(keys, name)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            with os.fdopen(fd, "w") as f:
                f.write(r.stdout)
            os.chmod(path, mode)
        return True
    wait_until(copy, 60, "the stack's CURVE keys")


def cli(*args, expect_rc=0, timeout_ms=15000):
    """The xroute CLI with --json; returns the JSON objects it printed (one per line)."""
    r = run([os.path.join(BIN, "xroute"), "--gateway", GATEWAY, "--json", "--timeout", str(timeout_ms), *args],
            timeout=timeout_ms / 1000 + 30, check_rc=False, env=curve_env())
    if expect_rc is not None and r.returncode != expect_rc:
        raise Fail(f"xroute {' '.join(args)}: exit {r.returncode}, want {expect_rc}\n{r.stdout}{r.stderr}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def admin(path):
    with urllib.request.urlopen(ADMIN + path, timeout=10) as r:
        return json.loads(r.read())


def ledger():
    return admin("/admin/ledger")["entries"]


def ledger_fills():
    """(venue, trade_id) -> fill entry, and the number of fill entries (a duplicate would make them differ)."""
    fills = [e for e in ledger() if e["kind"] == "fill"]
    return {(f["venue"], str(f["trade_id"])): f for f in fills}, len(fills)


def ledger_orders():
    """client order id -> how many orders the simulator accepted with it (all venues)."""
    counts = {}
    for e in ledger():
        if e["kind"] == "order" and e.get("client_id"):
            counts[e["client_id"]] = counts.get(e["client_id"], 0) + 1
    return counts


def container_ids(service):
    return compose("ps", "-q", service).stdout.split()


def psql(query):
    pg = container_ids("postgres")
    check(len(pg) == 1, f"one postgres container, found {pg}")
    r = run([DOCKER, "exec", pg[0], "psql", "-h", "/run/postgresql", "-p", "23040", "-U", "xroute", "-d", "xroute",
             "-X", "-q", "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query], timeout=60)
    return [line.split("\t") for line in r.stdout.splitlines() if line]


def workers(venue=None):
    return [w for w in cli("venues", timeout_ms=5000) if w.get("alive") and (venue is None or w["venue"] == venue)]


def cid(tag):
    return f"{tag}-{uuid.uuid4().hex[:12]}"


def place(symbol, qty, client_id, side="buy", expect_rc=0):
    out = cli("place", "--symbol", symbol, "--side", side, "--type", "market", "--qty", qty,
              "--client-id", client_id, expect_rc=expect_rc)
    check(len(out) == 1, f"place printed {out}")
    return out[0]


def fill_key(venue, trade_id, order_id, qty, price):
    """One fill as both sides can name it. Binance trade ids are the simulator's numbers; Bybit's are UUIDs whose
    last group is that number in hex; CoinDCX publishes no trade id (the adapter derives one, docs/venues/
    coindcx.md), so its fills are named by order (UUID, same rule), quantity and price."""
    qty, price = Decimal(str(qty)), Decimal(str(price))
    if venue == "binance":
        return (venue, str(trade_id), qty, price)
    if venue == "bybit":
        tid = str(trade_id)
        return (venue, str(int(tid.rsplit("-", 1)[1], 16)) if "-" in tid else tid, qty, price)
    oid = str(order_id)
    return (venue, "order " + (str(int(oid.rsplit("-", 1)[1], 16)) if "-" in oid else oid), qty, price)


def recorded_matches_ledger(what):
    """Every fill of the simulator's ledger is one row of trades, and trades holds nothing else."""
    fills = [e for e in ledger() if e["kind"] == "fill"]
    ids = [(f["venue"], f["trade_id"]) for f in fills]
    check(len(ids) == len(set(ids)), f"the simulator's ledger lists a trade twice")
    want = Counter(fill_key(f["venue"], f["trade_id"], f["order_id"], f["qty"], f["price"]) for f in fills)
    rows = psql("SELECT venue, trade_id, order_id, quantity, price FROM trades WHERE account = 'default'")
    check(len({(r[0], r[1]) for r in rows}) == len(rows), f"{what}: a trade id recorded twice")
    got = Counter(fill_key(*r) for r in rows)
    if got != want:
        missing, extra = want - got, got - want
        raise Fail(f"{what}: trades has {len(rows)} rows, the ledger {len(fills)} fills; "
                   f"missing {sorted(missing)[:4]}, not in the ledger {sorted(extra)[:4]}")
    cdx = [r[1] for r in rows if r[0] == "coindcx"]
    check(all(t.startswith("cdx-") and len(t) == 36 for t in cdx), f"CoinDCX trade ids: {cdx[:3]}")
    return len(rows)


def wait_recorded(what, timeout=60):
    n = wait_until(lambda: recorded_matches_ledger(what), timeout, f"{what}: trades == ledger fills")
    log(f"{what}: {n} fills recorded, the same trade ids as the simulator's ledger")
    return n


# --- the scenario ---------------------------------------------------------------------------------------
def test_up():
    t = time.monotonic()
    compose("up", "-d", "--no-build", timeout=600)
    log(f"docker-compose up returned after {time.monotonic() - t:.1f}s")
    fetch_keys(COMPOSE, KEYS)
    wait_until(lambda: len(workers()) >= 3, 120, "three venue workers registered with the router")
    # every container healthy by its own health check
    def all_healthy():
        ids = [i for svc in SERVICES for i in container_ids(svc)]
        states = run([DOCKER, "inspect", "-f", "{{.Name}} {{.State.Health.Status}}", *ids]).stdout.split("\n")
        bad = [s for s in states if s and not s.endswith(" healthy")]
        if bad:
            raise Fail(f"not healthy: {bad}")
        return len(ids)
    n = wait_until(all_healthy, 120, "every container healthy")
    log(f"{n} containers healthy after {time.monotonic() - t:.1f}s: {[w['instance'] for w in workers()]}")
    keys = container_ids("keys")
    check(len(keys) == 1 and run([DOCKER, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", keys[0]])
          .stdout.strip() == "exited 0", "the one-shot keys service made the keys")
    # CURVE: a client without the stack's keys gets no answer (the handshake fails), with them it does
    r = run([os.path.join(BIN, "xroute"), "--gateway", GATEWAY, "--timeout", "1500", "venues"], check_rc=False,
            env=dict(os.environ, XROUTE_CURVE="off"))
    check(r.returncode == 3, f"a plain-TCP client was answered by the gateway (exit {r.returncode})")
    # non-root, and secrets only as files
    gw = container_ids("gateway")[0]
    user = run([DOCKER, "exec", gw, "id", "-u"]).stdout.strip()
    check(user == "10001", f"the gateway runs as uid {user}")
    env = run([DOCKER, "inspect", "-f", "{{json .Config.Env}}", container_ids("venue-binance")[0]]).stdout
    check("demo-secret" not in env and "BINANCE_API_SECRET_FILE=/run/secrets/binance_api_secret" in env,
          "the worker's secret reaches it as a file, not in its environment")


def test_orders_on_every_venue():
    placed = {}
    for symbol, venue, qty in (("BTC/USDT", "binance", "0.002"), ("ETH/USDT", "bybit", "0.05"),
                               ("XRP/USDT", "coindcx", "10")):
        c = cid(venue[:3])
        o = place(symbol, qty, c)
        check(o["venue"] == venue, f"{symbol} went to {o['venue']}, not {venue}")
        check(o["status"] in ("FILLED", "NEW", "PARTIALLY_FILLED"), f"{symbol}: {o}")
        placed[c] = o
    # the same client order id again: the same order, and one order at the venue
    c, first = next(iter(placed.items()))
    again = place("BTC/USDT", "0.002", c)
    check(again["order_id"] == first["order_id"], f"resubmission made another order: {first} / {again}")
    counts = ledger_orders()
    by_id = Counter((e["venue"], str(e["order_id"])) for e in ledger() if e["kind"] == "order")
    for c, o in placed.items():
        if o["venue"] == "coindcx":  # CoinDCX has no client order ids: find the order by its id
            oid = str(int(o["order_id"].rsplit("-", 1)[1], 16))
            check(by_id[("coindcx", oid)] == 1, f"{o}: the simulator has {by_id[('coindcx', oid)]} such orders")
        else:
            check(counts.get(c) == 1, f"{c}: the simulator accepted {counts.get(c)} orders")
    # a risk rejection (max_qty BTC/USDT 10 in deploy/config/risk.conf) reaches no venue
    r = cid("risk")
    err = place("BTC/USDT", "50", r, expect_rc=1)["error"]
    check(err["code"] == "RISK_REJECTED", f"risk: {err}")
    check(r not in ledger_orders(), "a rejected order reached the venue")
    log(f"orders on {sorted(o['venue'] for o in placed.values())}, resubmission deduplicated, risk rejected")


def unified(symbol):
    """BTCUSDT, B-BTC_USDT, BTC/USDT -> BTCUSDT."""
    return symbol.replace("B-", "", 1).replace("_", "").replace("/", "").upper()


def test_fills_recorded_and_positions():
    wait_recorded("after the first orders")
    # positions: what the simulator's fills add up to, per venue and symbol (all start flat)
    want = {}
    for f in ledger():
        if f["kind"] == "fill":
            key = (f["venue"], unified(f["symbol"]))
            want[key] = want.get(key, 0) + (1 if f["side"] == "BUY" else -1) * Decimal(f["qty"])
    want = {k: v for k, v in want.items() if v != 0}
    got = {}
    for p in cli("positions"):
        check("error" not in p, f"positions: {p}")
        q = Decimal(p["quantity"])
        if q != 0:
            got[(p["venue"], unified(p["symbol"]))] = -abs(q) if p["side"] == "SHORT" else abs(q)
    check(got == want, f"xroute positions {got}, the simulator's fills add up to {want}")
    log(f"positions agree with the simulator: {sorted((k[0], k[1], str(v)) for k, v in got.items())}")


def test_scale_binance_to_three():
    compose("up", "-d", "--no-build", "--no-recreate", "--scale", "venue-binance=3", timeout=600)
    ws = wait_until(lambda: (lambda w: w if len(w) == 3 else None)(workers("binance")), 120,
                    "three Binance workers registered")
    ids = container_ids("venue-binance")
    check(len(ids) == 3, f"three venue-binance containers, found {len(ids)}")
    instances = sorted(w["instance"] for w in ws)
    check(len(set(instances)) == 3, f"instance ids not unique: {instances}")
    for i in ids:
        check(any(i.startswith(w["instance"].split("-", 1)[1]) for w in ws), f"container {i[:12]} not registered")
    # load sharing: the router spreads a burst over the replicas (each worker logs the orders it placed)
    burst = [cid("share") for _ in range(12)]
    threads = [threading.Thread(target=place, args=("BTC/USDT", "0.001", c)) for c in burst]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = ledger_orders()
    check(all(counts.get(c) == 1 for c in burst), "burst: an order placed other than exactly once")
    # Who placed what, from the recorded order events: an event's source is the worker instance that published
    # it. The replica holding the fills lease publishes an update for every order it sees filled; any other
    # publishes only for the orders it placed itself, so the lease holder placed whatever the others did not.
    logs = {i: container_log(i) for i in ids}
    holders = [i for i in ids if "this instance now discovers fills" in logs[i]]
    check(len(holders) == 1, f"{len(holders)} Binance workers claim the fills lease")
    in_burst = ", ".join(f"'{c}'" for c in burst)
    wait_until(lambda: len(psql(f"SELECT DISTINCT client_order_id FROM order_events "
                                f"WHERE client_order_id IN ({in_burst})")) == len(burst), 60,
               "the burst's order events recorded")
    by_source = {src: int(n) for src, n in psql(f"SELECT source, count(DISTINCT client_order_id) FROM order_events "
                                                f"WHERE client_order_id IN ({in_burst}) GROUP BY source")}
    instance_of = {i: next(w["instance"] for w in ws if i.startswith(w["instance"].split("-", 1)[1])) for i in ids}
    placed = {i[:12]: by_source.get(instance_of[i], 0) for i in ids if i != holders[0]}
    placed[holders[0][:12]] = len(burst) - sum(placed.values())
    log(f"Binance workers {instances}; a burst of {len(burst)} orders placed by each: {placed}")
    check(sum(1 for n in placed.values() if n > 0) >= 2, "the burst went to one worker only: no load sharing")


def container_log(container):
    out = run([DOCKER, "logs", container], check_rc=False)
    return out.stdout + out.stderr


def test_kill_one_binance_worker():
    # The victim is the replica holding the fills lease: the hardest case (its fills must be taken over).
    ids = container_ids("venue-binance")
    holders = [i for i in ids if "this instance now discovers fills" in container_log(i)]
    check(len(holders) == 1, f"{len(holders)} Binance workers claim the fills lease")
    victim = holders[0]
    sent, answers, lock = [], {}, threading.Lock()
    stop = threading.Event()

    def stream(tag):
        while not stop.is_set():
            c = cid(tag)
            with lock:
                sent.append(c)
            r = run([os.path.join(BIN, "xroute"), "--gateway", GATEWAY, "--json", "--timeout", "20000", "place",
                     "--symbol", "BTC/USDT", "--side", "buy", "--type", "market", "--qty", "0.001",
                     "--client-id", c], timeout=60, check_rc=False, env=curve_env())
            with lock:
                answers[c] = (r.returncode, r.stdout.strip())
            # about 10 orders/s in all: inside the venue's order limits, and leaving IP weight (shared by the
            # replicas, which see the venue's usage headers) for the restart in the next test
            time.sleep(0.25)

    threads = [threading.Thread(target=stream, args=(f"kill{k}",)) for k in range(3)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: len(answers) >= 10, 60, "the stream under way", interval=0.02)
        run([DOCKER, "kill", victim])
        log(f"docker kill {victim[:12]} (the fills lease holder) after {len(answers)} answers")
        time.sleep(5)  # orders keep coming while the router notices and another replica takes the lease
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    check(not any(t.is_alive() for t in threads), "the order stream hung")
    ok = [c for c, (rc, _) in answers.items() if rc == 0]
    failed = {c: a for c, a in answers.items() if a[0] != 0}
    log(f"{len(sent)} orders sent during the kill: {len(ok)} placed, {len(failed)} answered with an error "
        f"{sorted(set(a[1][:80] for a in failed.values()))[:3]}")
    # still flowing with the survivors
    wait_until(lambda: len(workers("binance")) == 2, 30, "the router drops the killed worker")
    after = [cid("after") for _ in range(5)]
    for c in after:
        o = place("BTC/USDT", "0.001", c)
        check(o["venue"] == "binance", f"after the kill: {o}")
    counts = ledger_orders()
    for c in sent + after:
        check(counts.get(c, 0) <= 1, f"{c} placed {counts.get(c)} times at the venue")
    for c in ok + after:
        check(counts.get(c) == 1, f"{c} was answered as placed but the venue has {counts.get(c)} orders with it")
    accepted_unanswered = [c for c in failed if counts.get(c) == 1]
    log(f"after the kill: orders flow; {len(accepted_unanswered)} errored orders were in fact placed "
        f"(their fills must be recorded all the same)")
    # nothing lost: every order the venue accepted has its fills in trades, nothing doubled
    wait_recorded("after the kill", timeout=90)
    rows = psql("SELECT count(DISTINCT client_order_id) FROM trades WHERE client_order_id LIKE 'kill%'")
    killed_filled = sum(1 for c in sent if counts.get(c) == 1)
    check(int(rows[0][0]) == killed_filled,
          f"{killed_filled} orders of the stream reached the venue, trades has fills of {rows[0][0]}")


BRIDGE = ["docker-compose", "--no-ansi", "-p", PROJECT + "bridge", "--project-directory", SRC,
          "-f", os.path.join(SRC, "docker-compose.yml")]
BRIDGE_ENV = {"XROUTE_GATEWAY_PORT": "23050", "XROUTE_EVENTS_PORT": "23051", "XROUTE_SIM_ADMIN_PORT": "23052",
              "XROUTE_SECRETS_DIR": ""}


def test_default_network():
    """docker-compose.yml as it is (no override): a compose network where services find each other by name,
    the gateway and the simulator published on loopback (ports moved to 23050-23052 by their variables), and
    the public demo secrets from deploy/docker/demo-secrets. One order per venue, every fill recorded."""
    env = dict(os.environ, **BRIDGE_ENV)
    gw = "tcp://127.0.0.1:23050"
    try:
        run(BRIDGE + ["up", "-d", "--no-build"], env=env, timeout=600)
        fetch_keys(BRIDGE, KEYS + "-bridge", env=env)
        wait_until(lambda: sum(1 for w in json_lines(gw, "venues") if w.get("alive")) == 3, 120,
                   "three workers registered on the compose network")
        for symbol, qty in (("BTC/USDT", "0.001"), ("ETH/USDT", "0.01"), ("XRP/USDT", "5")):
            o = json_lines(gw, "place", "--symbol", symbol, "--side", "buy", "--type", "market", "--qty", qty)
            check(len(o) == 1 and o[0].get("status") == "FILLED", f"{symbol}: {o}")
        pg = run(BRIDGE + ["ps", "-q", "postgres"], env=env).stdout.split()[0]

        def recorded():
            r = run([DOCKER, "exec", pg, "psql", "-h", "/run/postgresql", "-U", "xroute", "-d", "xroute", "-tA",
                     "-c", "SELECT count(DISTINCT venue) || ' ' || count(*) FROM trades"], timeout=60)
            return r.stdout.strip() == "3 3"
        wait_until(recorded, 60, "three fills recorded, one per venue")
        with urllib.request.urlopen("http://127.0.0.1:23052/admin/health", timeout=10) as r:
            check(r.status == 200, "the simulator's admin port is published")
        log("the default compose network: workers registered by service name, 3 orders filled and recorded")
    finally:
        r = run(BRIDGE + ["down", "-v", "--remove-orphans", "--timeout", "10"], env=env, check_rc=False)
        check(r.returncode == 0, f"down on the compose network: {r.stderr[-500:]}")


def json_lines(gateway, *args):
    r = run([os.path.join(BIN, "xroute"), "--gateway", gateway, "--json", "--timeout", "5000", *args],
            check_rc=False, timeout=60, env=curve_env(KEYS + "-bridge"))
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def merge_files():
    """docker-compose.yml with the test override, as `docker-compose config` merges them, minus the published
    ports: on the host network they mean nothing, and docker-compose refuses them with network_mode: host
    (Compose v1 cannot remove a key in an override file)."""
    import yaml  # python3-yaml, a dependency of docker-compose
    r = run(["docker-compose", "--no-ansi", "--project-directory", SRC, *SOURCES, "config"], timeout=60)
    cfg = yaml.safe_load(r.stdout)
    for svc in cfg["services"].values():
        check(svc.get("network_mode") == "host", "the test override leaves a service off the host network")
        svc.pop("ports", None)
    with open(MERGED, "w") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)


def test_worker_crash_restarts():
    """A crash (the worker process killed inside its container, not `docker kill`, which Docker counts as a
    deliberate stop) restarts the container by its restart policy, under the same instance id: it re-registers
    and its journals carry on."""
    running = [i for i in container_ids("venue-binance")
               if run([DOCKER, "inspect", "-f", "{{.State.Running}}", i]).stdout.strip() == "true"]
    c = running[0]
    instance = "binance-" + c[:12]
    check(any(w["instance"] == instance for w in workers("binance")), f"{instance} not registered")
    restarts = int(run([DOCKER, "inspect", "-f", "{{.RestartCount}}", c]).stdout)
    run([DOCKER, "exec", c, "bash", "-c",
         'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = xroute-venue-bi ] && kill -9 ${p#/proc/}; done; true'],
        check_rc=False)  # the exec itself may die with the container (exit 137): the restart count tells
    log(f"killed the worker process in {c[:12]} (SIGKILL)")
    wait_until(lambda: int(run([DOCKER, "inspect", "-f", "{{.RestartCount}}", c]).stdout) > restarts, 60,
               "the container restarted by its restart policy")
    # back: its log shows a second start, and the router lists it (a stale entry would be gone after 3 s)
    # (up to a minute: a restarted Binance worker waits for the venue's rate-limit window when the replicas
    # have spent it, as after the stream above)
    t = time.monotonic()
    wait_until(lambda: container_log(c).count(f" ready venue=binance instance={instance} ") >= 2, 150,
               f"{instance} started again")
    log(f"{instance} ready again after {time.monotonic() - t:.1f}s")
    wait_until(lambda: any(w["instance"] == instance for w in workers("binance")), 60, f"{instance} registered")
    after = [cid("crash") for _ in range(6)]
    for x in after:
        place("BTC/USDT", "0.001", x)
    counts = ledger_orders()
    check(all(counts.get(x) == 1 for x in after), "after the restart: an order placed other than exactly once")
    log(f"{instance} restarted under the same instance id and re-registered; orders flow")
    wait_recorded("after the restart", timeout=90)


def main():
    os.makedirs(SCRATCH, exist_ok=True)
    merge_files()
    compose("down", "-v", "--remove-orphans", "--timeout", "5", check_rc=False)
    run(BRIDGE + ["down", "-v", "--remove-orphans", "--timeout", "5"], env=dict(os.environ, **BRIDGE_ENV),
        check_rc=False)
    tests = [test_up, test_orders_on_every_venue, test_fills_recorded_and_positions, test_scale_binance_to_three,
             test_kill_one_binance_worker, test_worker_crash_restarts]
    passed = failed = 0
    try:
        for t in tests:
            log(f"--- {t.__name__}")
            try:
                t()
                passed += 1
                log(f"ok   {t.__name__}")
            except Exception as e:  # noqa: BLE001  (report, then stop: later steps build on earlier ones)
                failed += 1
                log(f"FAIL {t.__name__}: {type(e).__name__}: {e}")
                break
    finally:
        if failed:
            dump_logs()
        t = time.monotonic()
        r = compose("down", "-v", "--remove-orphans", "--timeout", "10", check_rc=False)
        log(f"docker-compose down -v: exit {r.returncode} in {time.monotonic() - t:.1f}s")
        left = run([DOCKER, "ps", "-aq", "--filter", f"label=com.docker.compose.project={PROJECT}"],
                   check_rc=False).stdout.split()
        vols = run([DOCKER, "volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}"],
                   check_rc=False).stdout.split()
        if left or vols:
            log(f"FAIL teardown left containers {left} volumes {vols}")
            failed += 1
    if failed == 0:
        log("--- test_default_network")
        try:
            test_default_network()
            passed += 1
            log("ok   test_default_network")
        except Exception as e:  # noqa: BLE001
            failed += 1
            log(f"FAIL test_default_network: {type(e).__name__}: {e}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed == len(tests) + 1 else 1


def dump_logs():
    r = compose("logs", "--no-color", "--tail", "30", check_rc=False, timeout=120)
    path = os.path.join(SCRATCH, "compose.log")
    with open(path, "w") as f:
        f.write(r.stdout + r.stderr)
    sys.stdout.write(r.stdout[-20000:])
    log(f"container logs (last 30 lines each) in {path}")


if __name__ == "__main__":
    sys.exit(main())

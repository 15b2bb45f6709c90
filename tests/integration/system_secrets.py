#!/usr/bin/python3
"""system_secrets: venue API secrets appear nowhere but in the secret files they are read from.

A full scenario on the real local stack with a distinctive API key and secret per venue (the simulator, started
on its own before the rest, gets each as an extra account with --account KEY:SECRET through XROUTE_SIM_ARGS,
which therefore no other process inherits; stack.sh writes the Binance one to
every var/secrets/<venue>.secret, then the Bybit and CoinDCX workers are restarted with their own key and
secret file): orders on every venue (market, limit, get, cancel) from the Python client and the CLI (plain and
--json), balances, positions, fills, health, venues; failures: a lost reply (Binance), 5xx answers (Bybit), a
worker killed with SIGKILL and restarted (CoinDCX), and a worker started with a wrong secret (every signed
request refused: AUTH), whose value is searched for too.

The command lines and environments (/proc/PID/environ) of the xroute services (not the simulator's, which holds
its accounts by design) are searched too: stack.sh starts every process without the API secret in its
environment (`env -u XROUTE_DEMO_API_SECRET`), so a secret there fails the test like one in a log.

Then, with the stack stopped (logs flushed), every byte of every file under the stack's state directory (logs,
run files, worker journals and state, the gateway's idempotency journal, PostgreSQL's data directory, keys)
except the secret files themselves, every CLI output (stdout and stderr), every reply the Python client got,
the simulator's /admin/requests (all requests it kept, per venue), /admin/health and /admin/ledger are searched
for each secret value in these forms: as is, lower-case, hex (lower and upper case), and base64 (standard and
URL-safe alphabets, at each of the three byte alignments, so that the secret is found inside a longer encoded
text too). None may be found. Positive controls: the search finds each secret in its secret file, and finds an
encoded secret planted inside a longer encoded text.

Environment: XR_SOURCE, XR_BIN, XR_SCRATCH, XR_PORT_BASE."""
import base64
import json
import os
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xr_stack import BIN, Fail, Stack, check, log, run, wait_until  # noqa: E402

import xroute_client  # noqa: E402  (path set up by xr_stack)

PORT_BASE = int(os.environ.get("XR_PORT_BASE", "28200"))

# Distinctive values: none is a substring of another or of anything the system writes by itself.
CREDS = {
    "binance": ("xrkey-bnc-4e1a", "QvB7nSecretBinance9xKp2LmW4tZ8"),
    "bybit": ("xrkey-byb-83c2", "Hj5YbSecretBybit6uRw3NqT7eVs1"),
    "coindcx": ("xrkey-cdx-d07f", "Zt2CdSecretCoindcx8gFm4PyK6hLx"),
}
WRONG_SECRET = "Wq9WrongSecretValue3bNc7Rk5Jd"
SYMBOL = {"binance": ("BTC/USDT", "0.002"), "bybit": ("ETH/USDT", "0.03"), "coindcx": ("XRP/USDT", "20")}


def b64_fragments(secret):
    """Base64 texts that appear in the encoding of any byte string containing secret: for each alignment of
    the secret within the encoded bytes, the characters that depend on the secret's bytes alone."""
    raw = secret.encode()
    out = []
    for k in range(3):
        start = -(-8 * k // 6)  # first character whose 6 bits all lie inside the secret
        end = (8 * (k + len(raw))) // 6  # one past the last such character
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            out.append(enc(b"\0" * k + raw + b"\0\0\0")[start:end])
    return out


def forms(secret):
    raw = secret.encode()
    return [raw, raw.lower(), raw.hex().encode(), raw.hex().upper().encode()] + b64_fragments(secret)


def find(blob, secret):
    """The forms of secret found in blob (bytes)."""
    return [f for f in forms(secret) if f in blob]


def all_secrets():
    return [s for _, s in CREDS.values()] + [WRONG_SECRET]


def self_test_search():
    for s in all_secrets():
        for k in range(3):
            text = base64.b64encode(os.urandom(k + 5) + s.encode() + os.urandom(4))
            check(find(text, s), "the search misses a secret inside a longer base64 text")
            check(find(base64.urlsafe_b64encode(b"x" * k + s.encode()), s), "urlsafe base64 missed")
        check(find(b"..." + s.encode().hex().encode() + b"...", s), "the search misses a hex secret")
        check(not find(os.urandom(4096), s), "the search finds a secret in random bytes")


class Evidence:
    """Everything the scenario saw, to be searched: (where, bytes)."""

    def __init__(self):
        self.items = []

    def add(self, where, data):
        if isinstance(data, str):
            data = data.encode()
        elif not isinstance(data, bytes):
            data = json.dumps(data, default=str).encode()
        self.items.append((where, data))


def cli(S, ev, *args, expect_rc=0):
    r = subprocess.run([os.path.join(BIN, "xroute"), "--gateway", S.gateway, *args], capture_output=True,
                       timeout=60, env=S.env)
    ev.add(f"xroute {' '.join(args)} (stdout)", r.stdout)
    ev.add(f"xroute {' '.join(args)} (stderr)", r.stderr)
    if expect_rc is not None and r.returncode != expect_rc:
        raise Fail(f"xroute {' '.join(args)}: exit {r.returncode}, want {expect_rc}\n{r.stdout}{r.stderr}")
    return r.stdout.decode()


def set_worker_secret(S, venue, key, secret):
    """Restarts venue's worker with this API key and secret file (written as stack.sh writes it)."""
    name = f"venue-{venue}-1"
    S.stop(name)
    path = os.path.join(S.var, "secrets", f"{venue}.secret")
    old = os.umask(0o077)
    try:
        with open(path, "w") as f:
            f.write(secret)
    finally:
        os.umask(old)
    S.start(name, env={"XROUTE_DEMO_API_KEY": key})


def workers_alive(S, n):
    return sum(1 for w in S.cli("venues") if w.get("alive")) >= n


def scenario(S, ev):
    cl = S.client
    cid = lambda tag: f"{tag}-{uuid.uuid4().hex[:12]}"  # noqa: E731
    prices = {}
    for venue, (sym, qty) in SYMBOLS_ITEMS():
        prices[venue] = float(S.request("get_ticker", {"symbol": sym})["ticker"]["last"])
    for venue, (sym, qty) in SYMBOLS_ITEMS():
        ev.add(f"market {venue}", cl.place_order(sym, "BUY", "MARKET", qty, client_order_id=cid("sm")))
        lim = cid("sl")
        digits = 4 if venue == "coindcx" else 1
        ev.add(f"limit {venue}", cl.place_order(sym, "BUY", "LIMIT", qty, f"{prices[venue] * 0.9:.{digits}f}",
                                                client_order_id=lim))
        ev.add(f"get {venue}", cl.get_order(sym, client_order_id=lim))
        ev.add(f"cancel {venue}", cl.cancel_order(sym, client_order_id=lim))
        # the CLI, plain and JSON
        cli(S, ev, "place", "--symbol", sym, "--side", "sell", "--type", "market", "--qty", qty,
            "--client-id", cid("cm"))
        cli(S, ev, "--json", "place", "--symbol", sym, "--side", "buy", "--type", "market", "--qty", qty)
        cli(S, ev, "orders", "--symbol", sym)
        cli(S, ev, "--json", "fills", sym)
        cli(S, ev, "price", sym)
    for args in (["balances"], ["--json", "balances"], ["positions"], ["--json", "positions"], ["health"],
                 ["--json", "health"], ["venues"], ["--json", "venues"], ["route", "BTC/USDT"]):
        cli(S, ev, *args)
    ev.add("balances", S.request("get_balances", {}))
    ev.add("positions", S.request("get_positions", {}))

    # failures: a wrong secret (first: a worker restarted with an unresolved order resolves it before taking
    # new work, which a wrong secret would never let it do), a lost reply, 5xx answers, a worker killed
    set_worker_secret(S, "binance", CREDS["binance"][0], WRONG_SECRET)
    wait_until(lambda: workers_alive(S, 3), 30, "the Binance worker back (wrong secret)")

    def auth_refused():
        try:
            o = cl.place_order("BTC/USDT", "BUY", "MARKET", "0.002", client_order_id=cid("auth"))
            raise Fail(f"an order signed with a wrong secret was accepted: {o}")
        except xroute_client.XrouteError as e:
            ev.add("auth error", e.body)
            if e.code == "VENUE_UNAVAILABLE":  # the worker is still starting
                return False
            check(e.code == "AUTH", f"wrong secret: {e.code} {e.message}")
            return True

    wait_until(auth_refused, 30, "an AUTH answer from the worker with the wrong secret", interval=0.5)
    cli(S, ev, "place", "--symbol", "BTC/USDT", "--side", "buy", "--type", "market", "--qty", "0.002",
        expect_rc=1)
    cli(S, ev, "--json", "balances", "--venue", "binance", expect_rc=None)
    cli(S, ev, "health", expect_rc=None)
    set_worker_secret(S, "binance", *CREDS["binance"])
    wait_until(lambda: workers_alive(S, 3), 30, "the Binance worker back (right secret)")
    ev.add("after auth", place_when_ready(cl, "BTC/USDT", "SELL", "0.002", cid("ok")))
    S.admin("POST", "/admin/fault", {"venue": "binance", "path": "/fapi/v1/order", "kind": "lose_reply",
                                     "count": 1})
    lost = cid("lost")
    o = cl.place_order("BTC/USDT", "BUY", "MARKET", "0.002", client_order_id=lost)
    ev.add("lost reply", o)
    check(o["status"] == "PENDING_UNKNOWN", f"lost reply: {o}")
    S.admin("POST", "/admin/fault", {"venue": "bybit", "path": "*", "kind": "http5xx", "count": 3})
    for _ in range(3):
        try:
            ev.add("bybit 5xx", cl.place_order("ETH/USDT", "SELL", "MARKET", "0.03", client_order_id=cid("5xx")))
        except xroute_client.XrouteError as e:
            ev.add("bybit 5xx error", e.body)
    S.admin("DELETE", "/admin/fault")
    S.kill("venue-coindcx-1")
    S.start("venue-coindcx-1", env={"XROUTE_DEMO_API_KEY": CREDS["coindcx"][0]})
    wait_until(lambda: workers_alive(S, 3), 30, "the CoinDCX worker back")
    ev.add("after restart", place_when_ready(cl, "XRP/USDT", "SELL", "20", cid("rs")))
    wait_until(lambda: cl.get_order("BTC/USDT", client_order_id=lost)["status"] == "FILLED", 30,
               "the lost reply resolved")

    # each venue really used its own account
    health = S.admin("GET", "/admin/health")
    ids = {a["key"]: a["id"] for a in health["accounts"]}
    ledger = S.ledger()
    for venue, (key, _) in CREDS.items():
        accts = {e["account"] for e in ledger["entries"] if e["venue"] == venue and e["kind"] == "order"}
        check(accts == {ids[key]}, f"{venue} orders on accounts {accts}, want {ids[key]} ({key})")
    # fills recorded before the logs are closed
    fills = sum(1 for e in ledger["entries"] if e["kind"] == "fill")
    wait_until(lambda: int(S.psql("select count(*) from trades")[0][0]) >= fills, 60, f"{fills} trades recorded")
    ev.add("/admin/health", json.dumps(health))
    ev.add("/admin/ledger", json.dumps(ledger))
    for venue in CREDS:
        ev.add(f"/admin/requests {venue}", json.dumps(S.admin("GET", f"/admin/requests?venue={venue}&limit=4096")))
    ev.add("/admin/fault", json.dumps(S.admin("GET", "/admin/fault")))


def place_when_ready(cl, sym, side, qty, clid):
    """A market order, retried (same client order id) while the venue's worker is still starting."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return cl.place_order(sym, side, "MARKET", qty, client_order_id=clid)
        except xroute_client.XrouteError as e:
            if e.code != "VENUE_UNAVAILABLE" or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def SYMBOLS_ITEMS():
    return list(SYMBOL.items())


def process_exposure(S, ev):
    """Adds every xroute service's command line and environment (/proc/PID/environ) to the evidence, so a secret
    in any of them fails the test: stack.sh hands the API secret to the workers only through their 0600 secret
    files and starts every process without it (`env -u XROUTE_DEMO_API_SECRET`). The simulator is left out: it
    stands in for the exchanges and is given their accounts, secrets included, by design. Returns how many
    services were read."""
    n = 0
    run_dir = os.path.join(S.var, "run")
    for name in sorted(os.listdir(run_dir)):
        if not name.endswith(".pid") or name == "exchange-sim.pid":
            continue
        pid = S.pid(name[:-4])
        for what in ("cmdline", "environ"):
            with open(f"/proc/{pid}/{what}", "rb") as f:
                ev.add(f"{name[:-4]} /proc/{pid}/{what}", f.read())
        n += 1
    return n


def self_test_environ():
    """Positive control: a secret in a process's environment is found when read as the services' are."""
    p = subprocess.Popen(["sleep", "30"], env={"XR_CONTROL": CREDS["bybit"][1]})
    try:
        with open(f"/proc/{p.pid}/environ", "rb") as f:
            check(find(f.read(), CREDS["bybit"][1]), "positive control: a secret in an environment is not found")
    finally:
        p.kill()
        p.wait()


def scan_tree(root, ev, skip):
    n = 0
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if path in skip or os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                ev.add(path, f.read())
            n += 1
    return n


def test_secrets_nowhere():
    self_test_search()
    self_test_environ()
    key, secret = CREDS["binance"]
    accounts = " ".join(f"--account {k}:{s}" for k, s in CREDS.values())
    S = Stack("secrets", PORT_BASE, env={"XROUTE_DEMO_API_KEY": key, "XROUTE_DEMO_API_SECRET": secret})
    ev = Evidence()
    # Only the simulator gets the accounts (XROUTE_SIM_ARGS holds every secret): it is started on its own
    # first, so that `up` finds it running and no xroute service inherits that variable.
    for d in ("log", "run"):
        os.makedirs(os.path.join(S.var, d), exist_ok=True)
    try:
        S.stack("start", "exchange-sim", env={
            "XROUTE_SIM_ARGS": f"{accounts} --partial-fills 2 --no-rate-limits --funds 10000000 --log-keep 4096"})
    except BaseException:
        S.down()
        raise
    with S:
        for venue in ("bybit", "coindcx"):
            set_worker_secret(S, venue, *CREDS[venue])
        wait_until(lambda: workers_alive(S, 3), 30, "every worker registered with its own key")
        scenario(S, ev)
        S.client.close()
        S.client = None
        r = S.stack("status", check_rc=False)
        ev.add("stack.sh status", r.stdout + r.stderr)
        nproc = process_exposure(S, ev)
        check(nproc >= 6, f"only {nproc} running services' environments read")
    # stopped: every log is complete
    secret_files = {os.path.join(S.var, "secrets", f"{v}.secret") for v in CREDS}
    for v in CREDS:
        with open(os.path.join(S.var, "secrets", f"{v}.secret"), "rb") as f:
            check(find(f.read(), CREDS[v][1]), f"positive control: {v}'s secret not found in its secret file")
    files = scan_tree(S.var, ev, secret_files)
    files += scan_tree(os.environ["XROUTE_KEYS_DIR"], ev, set())
    total = sum(len(d) for _, d in ev.items)
    log(f"searched {len(ev.items)} items ({files} files, {total / 1e6:.1f} MB) for {len(all_secrets())} secrets "
        f"in {len(forms(secret))} forms each")
    hits = [(where, s, f) for where, data in ev.items for s in all_secrets() for f in find(data, s)]
    for where, s, f in hits[:20]:
        log(f"FOUND {s[:4]}... as {f[:12]!r}... in {where}")
    check(not hits, f"{len(hits)} secret occurrences found")
    logs = [w for w, _ in ev.items if w.endswith(".log")]
    check(len(logs) >= 8, f"too few log files searched: {logs}")


if __name__ == "__main__":
    sys.exit(run([test_secrets_nowhere]))

"""bench.py: the measurements of `make bench`, side by side on the same exchange simulator, and the report.

Starts the real local stack (deploy/local/stack.sh, through tests/integration/xr_stack.py) on the port block
26000.. with a private state directory, then measures, each figure over ROUNDS runs (median, min, max):

  floor     resting limit orders straight to the simulator (bench_floor: lib/http + lib/crypto), 1 and 64 in flight
  pipeline  the same orders through gateway -> router -> venue-binance -> simulator (bench_pipeline), 1/16/64 in flight
  ccxt      the same orders placed by ccxt binanceusdm (rate limiter off), 1 and 16 in flight
  codec     encode/decode of a place_order request and an event.fill envelope (bench_codec)
  recorder  the recorder helper's bench (bench_recorder): durable fills/s vs PostgreSQL COPY
  fill      market orders through the stack: venue fill time (trades.executed_at, the simulator's clock) to the
            row in PostgreSQL (trades.recorded_at); same machine, same clock
  scaling   the pipeline at 64 in flight with 1, 2 and 3 venue-binance replicas
  nosync    the pipeline with its journals written but not fdatasync'd: XROUTE_GATEWAY_IDEM_SYNC=false and
            XROUTE_VENUE_JOURNAL_SYNC=false (a stack of its own; labelled "sync OFF" everywhere)

The simulator is started by this script (stack.sh then finds it running) so that it can have rate limits off
and a second account: floor and ccxt use `bench-key`, the pipeline the stack's `demo-key`, so the simulator's
per-account order counters, open-order caps and margin of one never touch the other. Between runs every open
order of the account is cancelled straight at the simulator (not timed).

Environment: XR_SOURCE (repo), XR_BIN (bin dir), XR_SCRATCH (state dir), BENCH_DIR (dir of bench binaries),
BENCH_RESULTS (JSON lines file), BENCH_REPORT (markdown file to write), BENCH_ROUNDS (default 5),
BENCH_PORT_BASE (default 26000), BENCH_QUICK=1 (fewer orders, for a smoke run)."""

import hashlib
import hmac
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from decimal import ROUND_DOWN, Decimal

SRC = os.environ["XR_SOURCE"]
BIN = os.environ["XR_BIN"]
BENCH_DIR = os.environ["BENCH_DIR"]
RESULTS = os.environ["BENCH_RESULTS"]
REPORT = os.environ.get("BENCH_REPORT", "")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PORT = int(os.environ.get("BENCH_PORT_BASE", "26000"))
QUICK = os.environ.get("BENCH_QUICK") == "1"

sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import xr_stack  # noqa: E402

BENCH_KEY, BENCH_SECRET = "bench-key", "bench-secret"
DEMO_KEY, DEMO_SECRET = "demo-key", "demo-secret"
# venue id, unified symbol, tick, quantity (each order ~10..180 USDT notional, above the 5 USDT minimum)
SYMBOLS = [("BTCUSDT", "BTC/USDT", "0.1", "0.001"), ("ETHUSDT", "ETH/USDT", "0.01", "0.003"),
           ("SOLUSDT", "SOL/USDT", "0.01", "1"), ("XRPUSDT", "XRP/USDT", "0.0001", "5"),
           ("DOGEUSDT", "DOGE/USDT", "0.00001", "30")]
N_DIRECT = 1000 if QUICK else 20000    # orders per floor / ccxt run (all rest, cancelled after the run)
N_PIPE = N_DIRECT                      # orders per pipeline run: the same orders
MAX_OPEN = N_DIRECT                    # the simulator's open orders per symbol and account (--max-open-orders)
# The simulator runs with --no-rate-limits and then publishes non-binding order limits in exchangeInfo
# (1,000,000 per window), so venue-binance's order limiter never holds a benchmark order back, and with
# --max-open-orders so that a whole run of resting orders fits (the venue's own MAX_NUM_ORDERS is 200 per
# symbol); --funds gives the accounts margin for them. Every open order is cancelled between runs.

RISK = """# bench: limits high enough never to refuse a benchmark order (the gateway's risk check still runs)
allow BTC/USDT ETH/USDT SOL/USDT XRP/USDT DOGE/USDT 1000PEPE/USDT
max_qty * 1000000
max_notional * 2000000
max_open_orders 1000000
orders_per_second 1000000
"""

T0 = time.monotonic()


def log(msg):
    print(f"[bench {time.monotonic() - T0:7.1f}s] {msg}", flush=True)


def record(kind, **fields):
    row = {"kind": kind, "time": int(time.time()), **fields}
    with open(RESULTS, "a") as f:
        f.write(json.dumps(row, sort_keys=True) + "\n")
    return row


# --- CPU per process -------------------------------------------------------------------------------------
SERVICES = ["gateway", "router", "venue-binance-1", "venue-binance-2", "venue-binance-3", "exchange-sim", "recorder"]


def _cpu_ns(pid, field=0):
    """Summed over every thread of pid (/proc/PID/task/*/schedstat): field 0 = ns on a CPU, field 1 = ns spent
    runnable but waiting for a CPU (run-queue delay). None when the process is gone."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[field])
    except OSError:
        return None
    return total


def _children_cpu_ns():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return int((r.ru_utime + r.ru_stime) * 1e9)


def _pg_pids(run_dir):
    """The stack's PostgreSQL: the postmaster (stack.sh's pg/data next to run/) and its children (backends,
    WAL writer, checkpointer, ...). Empty when the stack has no cluster of its own."""
    try:
        with open(os.path.join(os.path.dirname(run_dir), "pg", "data", "postmaster.pid")) as f:
            master = int(f.readline())
    except (OSError, ValueError):
        return []
    pids = [master]
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    return pids


class CpuMeter:
    """CPU time each stack process (and this script's children: the bench client) spent during a run, and the
    stack's PostgreSQL (every process of the cluster alive at the start and at the end of the run)."""

    def __init__(self, run_dir):
        self.run_dir = run_dir
        self.pids = {}
        for name in SERVICES:
            try:
                with open(os.path.join(run_dir, name + ".pid")) as f:
                    self.pids[name] = int(f.read())
            except (OSError, ValueError):
                pass

    def start(self):
        self.t0 = {n: _cpu_ns(p) for n, p in self.pids.items()}
        self.w0 = {n: _cpu_ns(p, 1) for n, p in self.pids.items()}
        self.pg0 = {p: _cpu_ns(p) for p in _pg_pids(self.run_dir)}
        self.c0 = _children_cpu_ns()

    def wait_per_order_us(self, n):
        """Run-queue delay of the stack processes per order: time they were ready to run and had no CPU."""
        out = {}
        for name, pid in self.pids.items():
            w1 = _cpu_ns(pid, 1)
            if w1 is not None and self.w0.get(name) is not None:
                key = "venue-binance" if name.startswith("venue-binance") else name
                out[key] = out.get(key, 0) + (w1 - self.w0[name]) / 1000 / n
        return {k: round(v, 1) for k, v in out.items()}

    def per_order_us(self, n):
        out = {}
        for name, pid in self.pids.items():
            t1 = _cpu_ns(pid)
            if t1 is not None and self.t0.get(name) is not None:
                key = "venue-binance" if name.startswith("venue-binance") else name
                out[key] = out.get(key, 0) + (t1 - self.t0[name]) / 1000 / n
        out["client"] = (_children_cpu_ns() - self.c0) / 1000 / n
        pg = 0
        for pid, t0 in self.pg0.items():
            t1 = _cpu_ns(pid)
            if t0 is not None and t1 is not None:
                pg += t1 - t0
        if self.pg0:
            out["postgres"] = pg / 1000 / n
        return {k: round(v, 1) for k, v in out.items()}


# --- the simulator, straight ------------------------------------------------------------------------------
class Sim:
    def __init__(self, port_base):
        self.admin = f"http://127.0.0.1:{port_base}"
        self.binance = f"http://127.0.0.1:{port_base + 1}"

    def call(self, method, path, params, key, secret):
        q = dict(params, timestamp=int(time.time() * 1000))
        text = urllib.parse.urlencode(q)
        sig = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
        req = urllib.request.Request(f"{self.binance}{path}?{text}&signature={sig}", method=method,
                                     headers={"X-MBX-APIKEY": key})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def last(self, sym):
        with urllib.request.urlopen(f"{self.binance}/fapi/v1/ticker/price?symbol={sym}", timeout=10) as r:
            return Decimal(json.loads(r.read())["price"])

    def cancel_all(self, key, secret):
        for sym, *_ in SYMBOLS:
            self.call("DELETE", "/fapi/v1/allOpenOrders", {"symbol": sym}, key, secret)

    def resting_specs(self, unified):
        """SYMBOL:QTY:PRICE for orders that rest: a buy 3 % under the market (the price band is +-5 %)."""
        out = []
        for sym, uni, tick, qty in SYMBOLS:
            t = Decimal(tick)
            price = (self.last(sym) * Decimal("0.97") / t).to_integral_value(ROUND_DOWN) * t
            out.append(f"{uni if unified else sym}:{qty}:{price}")
        return out


def start_sim(stack):
    """Starts the simulator as stack.sh would, plus --no-rate-limits and the bench account; writes its pid
    where stack.sh looks, so `stack.sh up` finds it running and `stack.sh down` stops it."""
    run = os.path.join(stack.var, "run")
    logd = os.path.join(stack.var, "log")
    os.makedirs(run, exist_ok=True)
    os.makedirs(logd, exist_ok=True)
    base = int(stack.env["XROUTE_SIM_PORT_BASE"])
    with open(os.path.join(logd, "exchange-sim.log"), "ab") as lf:
        p = subprocess.Popen([os.path.join(BIN, "xroute-exchange-sim"), "--port-base", str(base), "--seed", "42",
                              "--no-rate-limits", "--max-open-orders", str(MAX_OPEN), "--funds", "100000000",
                              "--account", f"{BENCH_KEY}:{BENCH_SECRET}",
                              "--log-level", "warn"], stdout=lf, stderr=lf, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    with open(os.path.join(run, "exchange-sim.pid"), "w") as f:
        f.write(str(p.pid))
    xr_stack.wait_until(lambda: _health(base), 20, "exchange simulator")
    return Sim(base)


def _health(base):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{base}/admin/health", timeout=2):
            return True
    except OSError:
        return False


# --- runs -------------------------------------------------------------------------------------------------
def run_json(cmd, timeout=600):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        raise RuntimeError(f"{os.path.basename(cmd[0])} {cmd[1:4]} failed ({r.returncode}): {r.stderr[-800:]}")
    return [json.loads(ln) for ln in lines]


SEQ = [0]


def prefix(tag):
    SEQ[0] += 1
    return f"b{int(time.time()) % 100000}{tag}{SEQ[0]}"


def pipeline_run(stack, sim, inflight, label, n=None):
    n = n or N_PIPE
    specs = sim.resting_specs(unified=True)
    cpu = CpuMeter(os.path.join(stack.var, "run"))
    cpu.start()
    res = run_json([os.path.join(BENCH_DIR, "bench_pipeline"), stack.gateway, str(n), str(inflight),
                    prefix("p"), "binance", *specs])[0]
    res["cpu_us_per_order"] = cpu.per_order_us(n)
    res["runq_us_per_order"] = cpu.wait_per_order_us(n)
    res["load"] = os.getloadavg()[0]
    sim.cancel_all(DEMO_KEY, DEMO_SECRET)
    return record("pipeline", label=label, **res)


def floor_run(stack, sim, inflight):
    specs = sim.resting_specs(unified=False)
    cpu = CpuMeter(os.path.join(stack.var, "run"))
    cpu.start()
    res = run_json([os.path.join(BENCH_DIR, "bench_floor"), sim.binance, str(N_DIRECT), str(inflight),
                    prefix("f"), BENCH_KEY, BENCH_SECRET, *specs])[0]
    res["cpu_us_per_order"] = cpu.per_order_us(N_DIRECT)
    res["runq_us_per_order"] = cpu.wait_per_order_us(N_DIRECT)
    res["load"] = os.getloadavg()[0]
    sim.cancel_all(BENCH_KEY, BENCH_SECRET)
    return record("floor", label=f"floor inflight={inflight}", **res)


def ccxt_run(stack, sim, inflight):
    specs = sim.resting_specs(unified=False)
    cpu = CpuMeter(os.path.join(stack.var, "run"))
    cpu.start()
    res = run_json(["node", os.path.join(SRC, "bench", "node", "ccxt_bench.mjs"), sim.binance, str(N_DIRECT),
                    str(inflight), prefix("c"), BENCH_KEY, BENCH_SECRET, *specs])[0]
    res["cpu_us_per_order"] = cpu.per_order_us(N_DIRECT)
    res["runq_us_per_order"] = cpu.wait_per_order_us(N_DIRECT)
    res["load"] = os.getloadavg()[0]
    sim.cancel_all(BENCH_KEY, BENCH_SECRET)
    return record("ccxt", label=f"ccxt inflight={inflight}", **res)


def fill_latency(stack, n):
    """n market orders (alternating buy/sell BTC) through the stack, one at a time; then the distribution of
    trades.recorded_at - trades.executed_at for their fills."""
    pre = prefix("m")
    for i in range(n):
        stack.client.place_order("BTC/USDT", "BUY" if i % 2 == 0 else "SELL", "MARKET", "0.001",
                                 client_order_id=f"{pre}-{i}", venue="binance")
        time.sleep(0.05)
    q = (f"SELECT count(*), "
         f"percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM recorded_at - executed_at) * 1000), "
         f"percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM recorded_at - executed_at) * 1000), "
         f"max(extract(epoch FROM recorded_at - executed_at) * 1000) "
         f"FROM trades WHERE client_order_id LIKE '{pre}-%'")
    rows = xr_stack.wait_until(lambda: (lambda r: r if r and int(r[0][0]) >= n else None)(stack.psql(q)), 30,
                               "fills recorded")
    c, p50, p99, mx = rows[0]
    return record("fill_latency", label="fill -> PostgreSQL", fills=int(c), p50_ms=float(p50), p99_ms=float(p99),
                  max_ms=float(mx))


SNAP = os.path.join(os.environ["XR_SCRATCH"], "snapshot")


def snapshot():
    """A private copy of the stack script and what it reads (deploy/local, local.env, config, sql, pg.sh), taken
    once at the start: bash reads a script as it runs, so an edit of the shared stack.sh in the middle of a
    benchmark would otherwise break it. Every stack of this run starts from the same copy."""
    shutil.rmtree(SNAP, ignore_errors=True)
    for d in ("deploy/local", "tests/support"):
        os.makedirs(os.path.join(SNAP, d))
    shutil.copy2(os.path.join(SRC, "deploy/local/stack.sh"), os.path.join(SNAP, "deploy/local/stack.sh"))
    shutil.copy2(os.path.join(SRC, "deploy/local.env"), os.path.join(SNAP, "deploy/local.env"))
    shutil.copy2(os.path.join(SRC, "tests/support/pg.sh"), os.path.join(SNAP, "tests/support/pg.sh"))
    shutil.copytree(os.path.join(SRC, "deploy/config"), os.path.join(SNAP, "deploy/config"))
    shutil.copytree(os.path.join(SRC, "deploy/sql"), os.path.join(SNAP, "deploy/sql"))


class BenchStack(xr_stack.Stack):
    """xr_stack.Stack driving the snapshot of stack.sh."""

    def stack(self, *args, check_rc=True, timeout=120, env=None):
        r = subprocess.run(["bash", os.path.join(SNAP, "deploy/local/stack.sh"), *args],
                           env=dict(self.env, **(env or {})), cwd=SNAP, capture_output=True, text=True,
                           timeout=timeout)
        if check_rc and r.returncode != 0:
            self.dump_logs()
            raise xr_stack.Fail(f"stack.sh {' '.join(args)} failed ({r.returncode}): {r.stdout}\n{r.stderr}")
        return r


# The "sync OFF" stack: journals written but not fdatasync'd, in the gateway and in the venue workers.
SYNC_OFF = {"XROUTE_GATEWAY_IDEM_SYNC": "false", "XROUTE_VENUE_JOURNAL_SYNC": "false"}


def new_stack(name, replicas=1, env=None):
    stack = BenchStack(name, PORT, replicas={"binance": replicas}, risk=RISK, env=env or {})
    try:
        sim = start_sim(stack)
        stack.up()
        # wait until every binance replica is registered with the router
        xr_stack.wait_until(lambda: sum(1 for w in _workers(stack) if w.get("venue") == "binance" and w.get("alive"))
                            >= replicas, 30, "binance replicas registered")
    except BaseException:
        stack.dump_logs(10)
        stack.down()
        raise
    return stack, sim


def _workers(stack):
    out = []
    try:
        for obj in stack.cli("venues"):
            out.extend(obj.get("workers", []) if isinstance(obj, dict) and "workers" in obj else [obj])
    except Exception:  # noqa: BLE001  (not ready yet)
        return []
    return out


# --- summary ----------------------------------------------------------------------------------------------
def med(rows, key):
    v = [r[key] for r in rows]
    return statistics.median(v), min(v), max(v)


def fmt(t, unit=""):
    m, lo, hi = t
    f = (lambda x: f"{x:,.0f}") if max(abs(m), abs(hi)) >= 100 else (lambda x: f"{x:,.1f}")
    return f"{f(m)}{unit} ({f(lo)}..{f(hi)})"


def main():
    if os.environ.get("BENCH_REPLAY"):
        # rebuild the report from the figures a previous run saved (RESULTS.runs.json)
        with open(os.environ["BENCH_REPLAY"]) as f:
            saved = json.load(f)
        report(saved["runs"], saved["rec"])
        return
    open(RESULTS, "a").close()
    snapshot()
    runs = {}

    def add(key, row):
        runs.setdefault(key, []).append(row)
        if "p50_ms" in row:
            log(f"{key}: {row['fills']} fills, p50={row['p50_ms']:.1f} ms p99={row['p99_ms']:.1f} ms")
            return
        extra = f" errors={row['errors']} ({row['first_error']})" if row.get("errors") else ""
        log(f"{key}: {row.get('orders_per_s')} orders/s p50={row.get('p50_us')}us p99={row.get('p99_us')}us{extra}")

    # codec and recorder first: no stack needed
    for _ in range(ROUNDS):
        for row in run_json([os.path.join(BENCH_DIR, "bench_codec"), "0.5" if QUICK else "1"]):
            runs.setdefault("codec " + row["op"], []).append(record("codec", **row))
    log("codec done")
    rec = None
    if os.environ.get("BENCH_SKIP_RECORDER") != "1":
        rec = recorder_bench()
    hop = hop_bench()
    if hop:
        runs["hop"] = [hop]

    stack, sim = new_stack("bench1")
    try:
        # fill latency first, while only BTC has ever been traded: the fill poller then polls one symbol (see
        # docs/benchmarks.md: with resting orders on five symbols its userTrades polls exhaust the weight budget)
        for r in range(ROUNDS):
            add("fill", fill_latency(stack, 10 if QUICK else 30))
        for r in range(ROUNDS):
            for k in (1, 64):
                add(f"floor {k}", floor_run(stack, sim, k))
            for k in (1, 16):
                add(f"ccxt {k}", ccxt_run(stack, sim, k))
            for k in (1, 16, 64):
                add(f"pipeline {k}", pipeline_run(stack, sim, k, f"pipeline inflight={k}"))
        runs["scaling 1"] = runs["pipeline 64"]
    finally:
        stack.down()

    # A stack of its own with the journal syncs off from the start. Restarting the gateway and the worker in
    # the middle of the run (which would interleave the two settings) does not work: a restarted venue-binance
    # counts the weight its predecessor used against the default budget until it has loaded exchangeInfo, and
    # after a benchmark run that budget is spent, so it cannot load exchangeInfo for up to a minute.
    stack, sim = new_stack("bench-nosync", env=SYNC_OFF)
    try:
        for r in range(ROUNDS):
            for k in (1, 64):
                add(f"nosync {k}", pipeline_run(stack, sim, k, f"pipeline inflight={k} sync off"))
    finally:
        stack.down()

    for reps in (2, 3):
        stack, sim = new_stack(f"bench{reps}", replicas=reps)
        try:
            for r in range(ROUNDS):
                add(f"scaling {reps}", pipeline_run(stack, sim, 64, f"pipeline inflight=64 replicas={reps}"))
        finally:
            stack.down()

    with open(RESULTS + ".runs.json", "w") as f:
        json.dump({"runs": runs, "rec": rec}, f)
    report(runs, rec)


def hop_bench():
    """bench_hop (bench/hop_bench.c): what one ZeroMQ hop costs here with no work of its own: a client -> 0 or
    2 forwarders -> echo chain of processes made and waited on as the services do, tcp, CURVE off and on. Two
    forwarders is the order path's shape (client -> gateway -> router -> worker) without the work."""
    exe = os.path.join(BENCH_DIR, "bench_hop")
    if not os.path.exists(exe):
        log("bench_hop not built: skipped")
        return None
    cmd = [exe, "-r", str(ROUNDS), "-s", "0.5" if QUICK else "1", "-f", "0,2", "-t", "tcp", "-c", "off,on"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    text = "\n".join(ln for ln in (r.stdout + r.stderr).splitlines() if not ln.startswith("{"))
    log(f"hop done (rc={r.returncode})")
    return record("hop", rc=r.returncode, command=" ".join(["bench_hop"] + cmd[1:]), output=text[-8000:])


def recorder_bench():
    exe = os.path.join(BENCH_DIR, "bench_recorder")
    if not os.path.exists(exe):
        log("bench_recorder not built: skipped")
        return None
    # bench_recorder plays the venue worker itself, on plain TCP: no CURVE for its recorder
    env = dict(os.environ, XR_SCRATCH=os.path.join(os.environ["XR_SCRATCH"], "recorder"),
               BENCH_PORT=str(PORT + 500), XROUTE_CURVE="off", XROUTE_CURVE_WORKER_LINKS="off")
    n = "20000" if QUICK else "50000"
    r = subprocess.run([exe, n, str(ROUNDS)], capture_output=True, text=True, env=env, timeout=900)
    text = r.stdout + r.stderr
    record("recorder", rc=r.returncode, output=text[-4000:])
    log("recorder bench:\n" + text.strip())
    return {"rc": r.returncode, "output": text.strip(), "n": n}


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
    except OSError:
        mem_kb = 0
    commit = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", SRC, "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True).stdout.strip()
    if dirty:
        commit += f" plus uncommitted changes in {len(dirty.splitlines())} tracked files (work in progress in the tree)"
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gib": round(mem_kb / 1048576, 1), "commit": commit,
            "kernel": platform.release(), "load": os.getloadavg()}


def report(runs, rec):
    m = machine()
    lines = []
    P = lambda key: runs.get(key, [])  # noqa: E731

    def clean(key):
        """The runs of key without errors (a run with errors is left out of the figures and counted)."""
        rs = P(key)
        ok = [r for r in rs if not r.get("errors")]
        return (ok or rs), len(rs) - len(ok)

    def row(name, key, note=""):
        rs, bad = clean(key)
        if not rs:
            return f"| {name} | - | - | - | - | not run |"
        n = rs[0]["orders"]
        note = (note + "; " if note else "") + f"{n} orders/run, {len(rs)} runs"
        if bad:
            first = next(r["first_error"] for r in P(key) if r.get("errors"))
            note += f"; {bad} run(s) with errors left out ({first})"
        return (f"| {name} | {fmt(med(rs, 'orders_per_s'))} | {fmt(med(rs, 'p50_us'))} | {fmt(med(rs, 'p99_us'))} "
                f"| {fmt(med(rs, 'p999_us'))} | {note} |")

    def ratio(a, b, key, inv=False):
        ra, rb = clean(a)[0], clean(b)[0]
        if not ra or not rb:
            return "n/a"
        x, y = statistics.median(r[key] for r in ra), statistics.median(r[key] for r in rb)
        return f"{(y / x if inv else x / y):.2f}"

    def p50(key):
        rs = clean(key)[0]
        return statistics.median(r["p50_us"] for r in rs) if rs else float("nan")

    lines.append("| what | orders/s | p50 us | p99 us | p99.9 us | notes |")
    lines.append("|---|---|---|---|---|---|")
    lines.append(row("floor, 1 in flight", "floor 1", "bench_floor straight to the simulator"))
    lines.append(row("floor, 64 in flight", "floor 64"))
    lines.append(row("pipeline, 1 in flight", "pipeline 1", "sync ON (default: gateway and venue journals fdatasync'd)"))
    lines.append(row("pipeline, 16 in flight", "pipeline 16", "sync ON"))
    lines.append(row("pipeline, 64 in flight", "pipeline 64", "sync ON"))
    off = "sync OFF: XROUTE_GATEWAY_IDEM_SYNC=false XROUTE_VENUE_JOURNAL_SYNC=false (not durable)"
    lines.append(row("pipeline, 1 in flight, sync OFF", "nosync 1", off))
    lines.append(row("pipeline, 64 in flight, sync OFF", "nosync 64", off))
    lines.append(row("ccxt binanceusdm, 1 in flight", "ccxt 1", "enableRateLimit false"))
    lines.append(row("ccxt binanceusdm, 16 in flight", "ccxt 16"))
    lines.append(row("pipeline 64 in flight, 1 venue-binance replica", "scaling 1"))
    lines.append(row("pipeline 64 in flight, 2 replicas", "scaling 2"))
    lines.append(row("pipeline 64 in flight, 3 replicas", "scaling 3"))
    table = "\n".join(lines)

    tg = []
    r16 = ratio("pipeline 16", "ccxt 16", "orders_per_s")
    tg.append(f"| pipeline / ccxt orders/s at 16 in flight | >= 3 | {r16} |")
    tg.append(f"| pipeline p50 - ccxt p50 at 1 in flight | <= 0 us | {p50('pipeline 1') - p50('ccxt 1'):+.0f} us |")
    tg.append(f"| pipeline / floor orders/s at 64 in flight | >= 0.80 | {ratio('pipeline 64', 'floor 64', 'orders_per_s')} |")
    tg.append(f"| pipeline / floor orders/s at 1 in flight | - | {ratio('pipeline 1', 'floor 1', 'orders_per_s')} |")
    tg.append(f"| pipeline p50 - floor p50 at 1 in flight | <= 100 us | {p50('pipeline 1') - p50('floor 1'):+.0f} us |")
    tg.append(f"| same, sync OFF (gateway + venue journals) | <= 100 us | {p50('nosync 1') - p50('floor 1'):+.0f} us |")
    tg.append(f"| pipeline / ccxt orders/s at 1 in flight | - | {ratio('pipeline 1', 'ccxt 1', 'orders_per_s')} |")
    if rec:
        mm = re.search(r"= (\d+)% of COPY \(", rec["output"])
        tg.append(f"| recorder durable fills/s / COPY (one transaction) | >= 70 % | {mm.group(1) + ' %' if mm else 'n/a'} |")
    targets = "\n".join(["| target | wanted | measured |", "|---|---|---|"] + tg)

    codec = ["| operation | ops/s | envelope bytes |", "|---|---|---|"]
    for key in sorted(k for k in runs if k.startswith("codec ")):
        codec.append(f"| {key[6:]} | {fmt(med(runs[key], 'ops_per_s'))} | {runs[key][0]['bytes']} |")
    procs = ["client", "gateway", "router", "venue-binance", "exchange-sim", "recorder", "postgres"]
    cpu = ["| run | " + " | ".join(procs) + " | total | load (1 min) |", "|---" * (len(procs) + 3) + "|"]
    for key, name in [("floor 1", "floor, 1 in flight"), ("floor 64", "floor, 64 in flight"),
                      ("pipeline 1", "pipeline, 1 in flight"), ("pipeline 64", "pipeline, 64 in flight"),
                      ("nosync 64", "pipeline, 64 in flight, sync OFF"), ("scaling 3", "pipeline, 64, 3 replicas"),
                      ("ccxt 1", "ccxt, 1 in flight"), ("ccxt 16", "ccxt, 16 in flight")]:
        rs = [r for r in P(key) if "cpu_us_per_order" in r]
        if not rs:
            continue
        vals = [statistics.median(r["cpu_us_per_order"].get(pr, 0) for r in rs) for pr in procs]
        load = statistics.median(r.get("load", 0) for r in rs)
        cpu.append(f"| {name} | " + " | ".join(f"{v:.0f}" for v in vals) + f" | {sum(vals):.0f} | {load:.1f} |")
    rqp = procs[1:-1]  # the run-queue delay of PostgreSQL is not measured
    rq = ["| run | " + " | ".join(rqp) + " | total | p50 latency |", "|---" * (len(rqp) + 3) + "|"]
    for key, name in [("floor 1", "floor, 1 in flight"), ("pipeline 1", "pipeline, 1 in flight"),
                      ("nosync 1", "pipeline, 1 in flight, sync OFF"), ("pipeline 64", "pipeline, 64 in flight")]:
        rs = [r for r in clean(key)[0] if "runq_us_per_order" in r]
        if not rs:
            continue
        vals = [statistics.median(r["runq_us_per_order"].get(pr, 0) for r in rs) for pr in rqp]
        rq.append(f"| {name} | " + " | ".join(f"{v:.0f}" for v in vals) + f" | {sum(vals):.0f} | "
                  f"{statistics.median(r['p50_us'] for r in rs):.0f} |")
    fills = P("fill")
    fill_txt = ("| fills/run | p50 ms | p99 ms | max ms |\n|---|---|---|---|\n"
                f"| {fills[0]['fills']} | {fmt(med(fills, 'p50_ms'))} | {fmt(med(fills, 'p99_ms'))} | "
                f"{fmt(med(fills, 'max_ms'))} |") if fills else "not run"
    rec_txt = rec["output"] if rec else "not run"
    hop = runs.get("hop", [None])[0]
    hop_txt = f"Command: `{hop['command']}` (exit {hop['rc']}).\n\n{hop['output']}" if hop else "not run"

    text = f"""
## Results

Machine: {m['nproc']} cores, {m['cpu']}, {m['mem_gib']} GiB; Linux {m['kernel']}; load average at the end
{m['load'][0]:.2f} {m['load'][1]:.2f} {m['load'][2]:.2f}. Commit {m['commit']}. Command: `{os.environ.get("BENCH_COMMAND", "make bench")}` ({ROUNDS} runs of
every figure: median (min..max)). Raw results: bench/results/*.jsonl.

### Orders: floor, pipeline, ccxt

{table}

### Targets

{targets}

### CPU per order (us, median of the runs; every thread of each process, /proc/PID/task/*/schedstat)

The client column of ccxt is the node process. Loopback TCP costs are charged to whichever process sends or
receives. The recorder column is the order events it stores (the pipeline publishes one event.order per order);
the postgres column is the stack's PostgreSQL storing them (every process of its cluster).

{chr(10).join(cpu)}

### Run-queue delay per order (us, median): time the stack's processes were ready to run but had no CPU

Summed over every thread (/proc/PID/task/*/schedstat, second field). At 1 in flight this is latency the
client waits for whenever the delayed process is on the order's path; it measures how busy the machine was.

{chr(10).join(rq)}

### Codec (one core, C, proto)

{chr(10).join(codec)}

### Fill latency: simulator fill (trades.executed_at) to the row in PostgreSQL (trades.recorded_at)

{fill_txt}

### Recorder (bench_recorder, by the recorder helper: {rec['n'] if rec else '-'} fills per round)

```
{rec_txt}
```

### One ZeroMQ hop (bench_hop: client -> 0 or 2 forwarders -> echo, no work of their own)

{hop_txt}
"""
    print(text)
    if REPORT:
        with open(REPORT) as f:
            doc = f.read()
        start = "<!-- results:begin -->"
        end = "<!-- results:end -->"
        if start in doc and end in doc:
            doc = doc[:doc.index(start) + len(start)] + "\n" + text + "\n" + doc[doc.index(end):]
        else:
            doc += f"\n{start}\n{text}\n{end}\n"
        with open(REPORT, "w") as f:
            f.write(doc)
        log(f"wrote {REPORT}")


if __name__ == "__main__":
    main()

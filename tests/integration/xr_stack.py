"""xr_stack: the whole xroute system for tests: the real local stack (deploy/local/stack.sh: PostgreSQL, the
exchange simulator, router, gateway, recorder, venue workers) started on a private block of loopback ports
and a private state directory, plus what tests need to drive and inspect it: the xroute CLI, a Python
client written from proto/README.md (examples/python/xroute_client.py), the simulator's admin API (ledger,
faults), psql, and killing or restarting any one process.

Nothing here stands in for a component: every process is the real binary. Every wait has a deadline."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

SRC = os.environ["XR_SOURCE"]
BIN = os.environ["XR_BIN"]
SCRATCH = os.environ["XR_SCRATCH"]

sys.path.insert(0, os.path.join(SRC, "examples", "python"))
import xroute_client  # noqa: E402  (the interop client is part of what is tested)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sanitizers  # noqa: E402

T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:7.2f}s] {msg}", flush=True)


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def wait_until(pred, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise Fail(f"timed out after {timeout}s waiting for {what}")


def local_env(key, default):
    """A setting's value in deploy/local.env (the stack's defaults), or default."""
    with open(os.path.join(SRC, "deploy", "local.env")) as f:
        for line in f:
            k, sep, v = line.strip().partition("=")
            if sep and k == key:
                return v
    return default


# CURVE as the stack runs it (deploy/local.env unless the environment says otherwise), with one key directory
# for every stack of this test run. Set in this process's environment so that the stack script, the CLI and
# every xroute_client.Client made here (which reads XROUTE_CURVE and XROUTE_KEYS_DIR) use the stack's keys.
os.environ.setdefault("XROUTE_CURVE", local_env("XROUTE_CURVE", "off"))
os.environ.setdefault("XROUTE_KEYS_DIR", os.path.join(SCRATCH, "keys"))


class Stack:
    """One stack on ports port_base .. port_base+40 with state in SCRATCH/<name>."""

    def __init__(self, name, port_base, replicas=None, routes=None, risk=None, env=None):
        self.name = name
        self.var = os.path.join(SCRATCH, name)
        shutil.rmtree(self.var, ignore_errors=True)
        os.makedirs(self.var)
        b = port_base
        replicas = replicas or {}
        self.env = dict(os.environ)
        self.env.update({
            "XROUTE_BIN": BIN,
            "XROUTE_VAR": self.var,
            "XROUTE_GATEWAY_CLIENTS": f"tcp://127.0.0.1:{b}",
            "XROUTE_GATEWAY_EVENTS": f"tcp://127.0.0.1:{b + 1}",
            "XROUTE_GATEWAY_INTAKE": f"tcp://127.0.0.1:{b + 2}",
            "XROUTE_ROUTER_FRONTEND": f"tcp://127.0.0.1:{b + 10}",
            "XROUTE_ROUTER_BACKEND": f"tcp://127.0.0.1:{b + 11}",
            "XROUTE_RECORDER_EVENTS": f"tcp://127.0.0.1:{b + 20}",
            "XROUTE_RECORDER_CONTROL": f"tcp://127.0.0.1:{b + 21}",
            "XROUTE_SIM_PORT_BASE": str(b + 30),
            "BINANCE_BASE_URL": f"http://127.0.0.1:{b + 31}",
            "BYBIT_BASE_URL": f"http://127.0.0.1:{b + 32}",
            "COINDCX_BASE_URL": f"http://127.0.0.1:{b + 33}",
            "XROUTE_BINANCE_REPLICAS": str(replicas.get("binance", 1)),
            "XROUTE_BYBIT_REPLICAS": str(replicas.get("bybit", 1)),
            "XROUTE_COINDCX_REPLICAS": str(replicas.get("coindcx", 1)),
        })
        if routes is not None:
            self.env["XROUTE_ROUTES"] = self.write("routes.conf", routes)
        if risk is not None:
            self.env["XROUTE_RISK"] = self.write("risk.conf", risk)
        self.env.update(env or {})
        self.gateway = self.env["XROUTE_GATEWAY_CLIENTS"]
        self.admin_url = f"http://127.0.0.1:{b + 30}"
        self.client = None

    def write(self, name, text):
        path = os.path.join(self.var, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    # --- the stack script ---------------------------------------------------------------------------------
    def stack(self, *args, check_rc=True, timeout=120, env=None):
        """Runs stack.sh with this stack's settings (env: extra settings for this one call)."""
        r = subprocess.run(["bash", os.path.join(SRC, "deploy/local/stack.sh"), *args],
                           env=dict(self.env, **(env or {})), cwd=SRC, capture_output=True, text=True,
                           timeout=timeout)
        if check_rc and r.returncode != 0:
            self.dump_logs()
            raise Fail(f"stack.sh {' '.join(args)} failed ({r.returncode}): {r.stdout}\n{r.stderr}")
        return r

    def up(self):
        log(f"stack {self.name}: up")
        try:
            self.stack("up")
        except BaseException:
            self.down()  # whatever did start (PostgreSQL, the first services) must not outlive a failed start
            raise
        self.client = self.new_client()
        return self

    def down(self):
        if self.client:
            self.client.close()
            self.client = None
        self.stack("down", check_rc=False)
        reports = self.sanitizer_reports()
        if reports:
            raise Fail(f"sanitizer reports in the logs of stack {self.name}:\n" + "\n".join(reports[:20]))

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        if exc[0] is not None:
            self.dump_logs()
        self.down()
        return False

    def sanitizer_reports(self):
        """Sanitizer reports in the stack's process logs (a sanitizer build's, see sanitizers.py)."""
        return sanitizers.reports(os.path.join(self.var, "log"))

    def start(self, service, env=None):
        """Starts one service (no-op when it runs); env: extra settings for it, e.g. another API key."""
        self.stack("start", service, env=env)

    def stop(self, service):
        self.stack("stop", service)

    def kill(self, service):
        log(f"kill -9 {service}")
        self.stack("kill", service)

    def pid(self, service):
        with open(os.path.join(self.var, "run", service + ".pid")) as f:
            return int(f.read())

    def signal(self, service, sig):
        os.kill(self.pid(service), sig)

    def dump_logs(self, lines=40):
        logdir = os.path.join(self.var, "log")
        if not os.path.isdir(logdir):
            return
        for name in sorted(os.listdir(logdir)):
            with open(os.path.join(logdir, name), errors="replace") as f:
                tail = f.readlines()[-lines:]
            print(f"----- {name} (last {len(tail)} lines)")
            sys.stdout.write("".join(tail))

    # --- clients ------------------------------------------------------------------------------------------
    def cli(self, *args, expect_rc=0):
        """Runs the xroute CLI with --json; returns the list of JSON objects it printed."""
        r = subprocess.run([os.path.join(BIN, "xroute"), "--gateway", self.gateway, "--json", *args],
                           capture_output=True, text=True, timeout=60, env=self.env)
        if expect_rc is not None and r.returncode != expect_rc:
            raise Fail(f"xroute {' '.join(args)}: exit {r.returncode}, want {expect_rc}\n{r.stdout}{r.stderr}")
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def new_client(self, timeout_ms=15000):
        """A Python client of the gateway (with the stack's client key when CURVE is on: see CURVE above)."""
        return xroute_client.Client(self.gateway, timeout_ms=timeout_ms)

    def gateway_socket(self, kind=None, options=None):
        """A raw pyzmq socket (DEALER by default) connected to the gateway, with the stack's client key when
        CURVE is on: for tests that send hand-made frames. options ({zmq.SNDHWM: 0, ...}) are set before the
        connect (high-water marks set afterwards do not apply to the connection already made)."""
        import zmq
        sock = zmq.Context.instance().socket(kind if kind is not None else zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        for opt, value in (options or {}).items():
            sock.setsockopt(opt, value)
        secret, server = xroute_client.curve_from_env()
        if secret:
            xroute_client.apply_curve(sock, secret, server)
        sock.connect(self.gateway)
        return sock

    def request(self, op, body):
        return self.client.request(op, body)

    def request_error(self, op, body):
        try:
            self.client.request(op, body)
        except xroute_client.XrouteError as e:
            return e
        raise Fail(f"{op} {body} succeeded; an error was expected")

    # --- the simulator's admin API ------------------------------------------------------------------------
    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.admin_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read()
        return json.loads(text) if text else None

    def ledger(self):
        return self.admin("GET", "/admin/ledger")

    # --- PostgreSQL ---------------------------------------------------------------------------------------
    def psql(self, query):
        with open(os.path.join(self.var, "run", "pg.dsn")) as f:
            dsn = f.read().strip()
        r = subprocess.run(["psql", dsn, "-X", "-q", "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise Fail(f"psql failed: {r.stderr}")
        return [line.split("\t") for line in r.stdout.splitlines() if line]


def run(tests):
    """Runs test functions in order; prints one line per test and the closing 'N passed, N failed' line."""
    passed = failed = 0
    for t in tests:
        log(f"--- {t.__name__}")
        try:
            t()
            passed += 1
            log(f"ok   {t.__name__}")
        except Exception as e:  # noqa: BLE001  (any failure of a test is reported, then the next runs)
            failed += 1
            log(f"FAIL {t.__name__}: {type(e).__name__}: {e}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1

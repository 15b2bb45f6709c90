#!/usr/bin/python3
"""demo: `make demo` (deploy/local/demo.sh, unmodified) end to end against this build's binaries.

demo.sh works on the checkout it lives in: it installs dependencies, builds build/, starts the stack with
deploy/local.env's ports under var/demo, drives it with the CLI and prints a summary. To run it here without
apt, without a rebuild and without touching the checkout's var/ or the usual ports, the test lays out a
private root in its scratch directory that looks like a checkout to demo.sh:
  deploy/local/{demo,stack}.sh   links to the real scripts (demo.sh finds its root from its own path)
  deploy/config, deploy/sql      links to the real routing/risk tables and schema
  deploy/local.env               the real file with every port moved into 24000-24099
  deploy/install-deps.sh         a stub: dependencies are the build's business, never apt here
  build/bin                      a link to this build's bin/ (XR_BIN); `cmake` on PATH is a stub, so the
                                 demo's build step builds nothing
  tests/support                  link (pg.sh, the private PostgreSQL)
State, keys and logs land in that root's var/. The test asserts that the demo exits 0, that its summary shows
orders on every venue (filled ones among them), recorded fills on every venue equal to the simulator's
ledger, positions, and that nothing of the stack is left running afterwards.

Environment: XR_SOURCE, XR_BIN, XR_SCRATCH."""
import os
import re
import shutil
import subprocess
import sys
import time

SRC = os.environ["XR_SOURCE"]
BIN = os.environ["XR_BIN"]
SCRATCH = os.environ["XR_SCRATCH"]
ROOT = os.path.join(SCRATCH, "root")
VENUES = ("binance", "bybit", "coindcx")
# deploy/local.env's ports -> this test's block
PORTS = {7100: 24000, 7101: 24001, 7102: 24002, 7110: 24010, 7111: 24011, 7120: 24020, 7121: 24021,
         9100: 24030, 9101: 24031, 9102: 24032, 9103: 24033}


def fail(msg, out=""):
    if out:
        print(out)
    print(f"FAIL: {msg}")
    logdir = os.path.join(ROOT, "var", "demo", "log")
    if os.path.isdir(logdir):
        for name in sorted(os.listdir(logdir)):
            with open(os.path.join(logdir, name), errors="replace") as f:
                tail = f.readlines()[-20:]
            print(f"----- {name} (last {len(tail)} lines)")
            sys.stdout.write("".join(tail))
    print("0 passed, 1 failed")
    sys.exit(1)


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def lay_out_root():
    shutil.rmtree(ROOT, ignore_errors=True)
    for d in ("deploy/local", "build", "tests", "shim"):
        os.makedirs(os.path.join(ROOT, d))
    for name in ("demo.sh", "stack.sh"):
        os.symlink(os.path.join(SRC, "deploy/local", name), os.path.join(ROOT, "deploy/local", name))
    for name in ("config", "sql"):
        os.symlink(os.path.join(SRC, "deploy", name), os.path.join(ROOT, "deploy", name))
    os.symlink(os.path.join(SRC, "tests/support"), os.path.join(ROOT, "tests/support"))
    os.symlink(BIN, os.path.join(ROOT, "build/bin"))
    with open(os.path.join(SRC, "deploy/local.env")) as f:
        env_text = f.read()
    moved = re.sub(r"\b(7100|7101|7102|7110|7111|7120|7121|9100|9101|9102|9103)\b",
                   lambda m: str(PORTS[int(m.group(1))]), env_text)
    left = re.findall(r"^[A-Z_]+=.*\b(?:7\d\d\d|9\d\d\d)\b.*$", moved, re.M)
    if left:
        fail(f"deploy/local.env has ports this test does not move: {left}")
    write(os.path.join(ROOT, "deploy/local.env"), moved)
    write(os.path.join(ROOT, "deploy/install-deps.sh"),
          "#!/bin/sh\necho 'install-deps: skipped (demo test: dependencies come with the build)'\n", 0o755)
    write(os.path.join(ROOT, "shim/cmake"), f"#!/bin/sh\necho \"cmake $*\" >> '{ROOT}/shim/calls.log'\n", 0o755)


def demo_env():
    """The caller's environment without any xroute setting (the demo must run on local.env alone)."""
    env = {k: v for k, v in os.environ.items()
           if not re.match(r"(XROUTE_|BINANCE_|BYBIT_|COINDCX_|PG)", k)}
    env["PATH"] = os.path.join(ROOT, "shim") + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    return env


def stack_down(env):
    subprocess.run(["bash", os.path.join(ROOT, "deploy/local/stack.sh"), "down"], cwd=ROOT, timeout=120,
                   env=dict(env, XROUTE_VAR="var/demo"), capture_output=True)


def table_rows(out, title):
    """Rows (lists of cells) of the psql table printed after the '== title' line."""
    start = out.find("== " + title)
    if start < 0:
        fail(f"summary section '{title}' missing", out)
    rows = []
    for line in out[start:].splitlines()[1:]:
        if line.startswith("=="):
            break
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[0] in VENUES:
            rows.append(cells)
    return rows


def main():
    lay_out_root()
    env = demo_env()
    t0 = time.monotonic()
    try:
        r = subprocess.run(["bash", os.path.join(ROOT, "deploy/local/demo.sh")], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired as e:
        stack_down(env)
        fail("make demo did not finish within 240 s", (e.stdout or b"").decode(errors="replace")
             if isinstance(e.stdout, bytes) else (e.stdout or ""))
    took = time.monotonic() - t0
    out = r.stdout + r.stderr
    if r.returncode != 0:
        stack_down(env)
        fail(f"demo.sh exited {r.returncode}", out)
    print(out)
    print(f"demo.sh: {took:.1f} s")

    calls = ""
    if os.path.exists(os.path.join(ROOT, "shim/calls.log")):
        with open(os.path.join(ROOT, "shim/calls.log")) as f:
            calls = f.read()
    if "--build build" not in calls or "install-deps: skipped" not in out:
        fail(f"the demo did not go through the install and build stubs (cmake calls: {calls!r})", out)
    if not re.search(r"\[demo\] done in \d+ s", out):
        fail("no closing line", out)

    # orders by venue and status: every venue has orders, filled ones among them, and its cancelled limit
    # order CANCELED (the demo waits for those states before its summary)
    orders = table_rows(out, "orders by venue and status")
    for v in VENUES:
        mine = {row[1]: int(row[2]) for row in orders if row[0] == v}
        if sum(mine.values()) == 0:
            fail(f"no orders of {v} in the summary: {orders}", out)
        if not mine.get("FILLED"):
            fail(f"{v}: no FILLED orders in the summary: {mine}", out)
        if not mine.get("CANCELED"):
            fail(f"{v}: its cancelled order is not CANCELED in the summary: {mine}", out)

    # fills: recorded on every venue, and the count the simulator made
    m = re.search(r"simulator ledger fills: (\d+)\s+recorded trades: (\d+)", out)
    if not m or int(m.group(1)) == 0 or m.group(1) != m.group(2):
        fail(f"recorded fills do not match the simulator's: {m.group(0) if m else 'line missing'}", out)
    fills = table_rows(out, "fills and fees")
    for v in VENUES:
        n = sum(int(row[3]) for row in fills if row[0] == v)
        if n == 0:
            fail(f"no recorded fills of {v} in the summary: {fills}", out)
        if any(not row[6] or row[6] == "0" for row in fills if row[0] == v):
            fail(f"{v}: a fill row without fees: {fills}", out)
    if sum(int(row[3]) for row in fills) != int(m.group(2)):
        fail(f"fills table sums to {sum(int(row[3]) for row in fills)}, recorded trades {m.group(2)}", out)

    # positions per venue (the CLI's table after the last section title)
    pos = out[out.find("== positions per venue"):]
    for v in VENUES:
        if not re.search(rf"^{v}\s+\S+/USDT\s", pos, re.M):
            fail(f"no {v} position in the summary", out)

    # everything stopped: no pid file of a live process, PostgreSQL down
    run = os.path.join(ROOT, "var/demo/run")
    for name in sorted(os.listdir(run)) if os.path.isdir(run) else []:
        if name.endswith(".pid"):
            with open(os.path.join(run, name)) as f:
                pid = int(f.read().strip() or 0)
            try:
                os.kill(pid, 0)
                stack_down(env)
                fail(f"{name[:-4]} (pid {pid}) still runs after the demo")
            except ProcessLookupError:
                pass
    st = subprocess.run(["bash", os.path.join(SRC, "tests/support/pg.sh"), "status", os.path.join(ROOT, "var/demo/pg")],
                        capture_output=True)
    if st.returncode == 0:
        stack_down(env)
        fail("PostgreSQL still runs after the demo")
    if "did not stop within" in out:
        fail("a service had to be killed at the demo's stop", out)
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

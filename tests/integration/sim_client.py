"""sim_client: an independent Binance USD-M client for the simulator's integration tests (stdlib only: http.client,
hmac, hashlib, json). It signs requests the way venues.md section 1.3 says, so a signing bug in the simulator
shows up as a -1022 here, and it starts/stops the real xroute-exchange-sim binary on ports of the sim range."""
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

BIN = os.path.join(os.environ.get("XR_BIN", "build/bin"), "xroute-exchange-sim")


class Sim:
    """A running simulator: admin on port_base, Binance on port_base + 1."""

    def __init__(self, port_base, *flags, accounts=("k1:s1",)):
        self.port_base = port_base
        args = [BIN, "--port-base", str(port_base), "--log-level", "warn"]
        for a in accounts:
            args += ["--account", a]
        args += list(flags)
        # stderr goes to a file, never a pipe nobody drains (a chatty or sanitizer-instrumented binary would block)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port_base + 1), timeout=0.2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("simulator did not start: %s" % self.stderr_text())
                time.sleep(0.05)

    def stderr_text(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.returncode != 0:
            sys.stderr.write("simulator exited %s:\n%s\n" % (self.proc.returncode, self.stderr_text()[-4000:]))
        return self.proc.returncode

    def admin(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port_base, timeout=10)
        data = json.dumps(body) if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        r = conn.getresponse()
        payload = r.read()
        conn.close()
        return r.status, json.loads(payload) if payload else None


class Binance:
    """Signed fapi client over one keep-alive connection."""

    def __init__(self, port, key="k1", secret="s1", timeout=10):
        self.port, self.key, self.secret, self.timeout = port, key, secret, timeout
        self.conn = None
        self.time_offset = 0

    def _conn(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        return self.conn

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def sign(self, payload):
        return hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()

    def raw(self, method, path, query="", body="", headers=None):
        """Sends exactly these bytes; returns (status, headers dict lower-cased, parsed JSON or raw text)."""
        target = path + ("?" + query if query else "")
        hdrs = {"X-MBX-APIKEY": self.key}
        if body:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if headers is not None:
            hdrs = headers
        c = self._conn()
        try:
            c.request(method, target, body=body.encode() if body else None, headers=hdrs)
            r = c.getresponse()
            data = r.read()
        except Exception:
            self.close()
            raise
        h = {k.lower(): v for k, v in r.getheaders()}
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode(errors="replace")
        return r.status, h, parsed

    def signed(self, method, path, params=None, placement="query", ts=None, recv_window=None, bad_sig=False):
        """placement: query | body | split (first half in the query, rest + signature in the body)."""
        p = list((params or {}).items())
        if recv_window is not None:
            p.append(("recvWindow", str(recv_window)))
        p.append(("timestamp", str(ts if ts is not None else int(time.time() * 1000) + self.time_offset)))
        enc = [urllib.parse.quote(str(k), safe="") + "=" + urllib.parse.quote(str(v), safe="") for k, v in p]
        if placement == "split":
            half = max(1, len(enc) // 2)
            query, body = "&".join(enc[:half]), "&".join(enc[half:])
            sig = self.sign(query + body)
        else:
            text = "&".join(enc)
            sig = self.sign(text)
            query, body = (text, "") if placement == "query" else ("", text)
        if bad_sig:
            sig = ("0" if sig[0] != "0" else "1") + sig[1:]
        if placement == "query":
            query += "&signature=" + sig
        else:
            body += "&signature=" + sig
        return self.raw(method, path, query, body)

    def public(self, path, params=None):
        q = urllib.parse.urlencode(params or {})
        return self.raw("GET", path, q, headers={})

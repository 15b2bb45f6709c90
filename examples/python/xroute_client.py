#!/usr/bin/python3
"""A minimal xroute client in Python, written from proto/README.md alone.

It speaks to the gateway with a ZeroMQ DEALER socket: every message is one msgpack map (the envelope,
README section 4) holding `v`, `type`, `id`, `ts` and `body`. Decimals are strings, never floats (section 2).

    /usr/bin/python3 examples/python/xroute_client.py --gateway tcp://127.0.0.1:7100 \
        place --symbol ETH/USDT --side BUY --type LIMIT --quantity 0.01 --price 1500 --client-order-id py-1
    /usr/bin/python3 examples/python/xroute_client.py cancel --symbol ETH/USDT --client-order-id py-1

CURVE (docs/security.md): with --secret-cert and --server-cert (or XROUTE_CURVE=on, which takes
XROUTE_CURVE_SECRET_FILE, default var/keys/client.cert_secret, and XROUTE_CURVE_GATEWAY_CERT, default
var/keys/gateway.cert) the link is encrypted and the gateway knows the client by its key. The certificates are
the ZPL files `xroute keygen` writes.

Needs Debian's python3-zmq and python3-msgpack (they install for /usr/bin/python3).
Exit status: 0 on a `result`, 1 on an `error` reply (printed as CODE: message), 3 when nothing came back.
"""
import argparse
import json
import os
import re
import stat
import sys
import time
import uuid

import msgpack
import zmq

PROTOCOL_VERSION = 1


class XrouteError(Exception):
    """An `error` reply: code is the unified error code (README section 5)."""

    def __init__(self, body):
        self.code = body.get("code", "INTERNAL")
        self.message = body.get("message", "")
        self.body = body
        super().__init__(f"{self.code}: {self.message}")


def load_cert(path, secret=False):
    """(public_key, secret_key) of a ZPL certificate written by `xroute keygen` (czmq's zcert format).
    A secret certificate that group or others may read is refused, as xroute's own services do."""
    if secret and os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError(f"secret certificate {path}: group and others must have no access (chmod 600)")
    with open(path) as f:
        text = f.read()
    keys = dict(re.findall(r'^\s*(public-key|secret-key)\s*=\s*"([^"]{40})"\s*$', text, re.M))
    if "public-key" not in keys or (secret and "secret-key" not in keys):
        raise ValueError(f"certificate {path}: no {'secret-key' if secret else 'public-key'}")
    return keys["public-key"], keys.get("secret-key")


def curve_from_env():
    """(secret_cert, server_cert) from XROUTE_CURVE and friends, or (None, None) when CURVE is off."""
    if os.environ.get("XROUTE_CURVE", "off").lower() not in ("on", "true", "1", "yes"):
        return None, None
    keys = os.environ.get("XROUTE_KEYS_DIR") or "var/keys"
    return (os.environ.get("XROUTE_CURVE_SECRET_FILE") or os.path.join(keys, "client.cert_secret"),
            os.environ.get("XROUTE_CURVE_GATEWAY_CERT") or os.path.join(keys, "gateway.cert"))


def apply_curve(sock, secret_cert, server_cert):
    """Makes sock (not yet connected) a CURVE client with this client's secret certificate and the
    server's public certificate."""
    public, secret = load_cert(secret_cert, secret=True)
    server, _ = load_cert(server_cert)
    sock.curve_publickey = public.encode()
    sock.curve_secretkey = secret.encode()
    sock.curve_serverkey = server.encode()


class Client:
    """Request/reply with the gateway. One request in flight at a time keeps the example short; ids make
    several in flight possible (the reply echoes the request's id). With secret_cert (this client's secret
    certificate) and server_cert (the gateway's public certificate) the link uses CURVE; without them, the
    environment decides (curve_from_env); plain=True forces plain TCP."""

    def __init__(self, endpoint, timeout_ms=10000, secret_cert=None, server_cert=None, plain=False):
        if not plain and not secret_cert and not server_cert:
            secret_cert, server_cert = curve_from_env()
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.MAXMSGSIZE, (1 << 20) + 65536)
        if secret_cert or server_cert:
            apply_curve(self.sock, secret_cert, server_cert)
        self.sock.connect(endpoint)
        self.timeout_ms = timeout_ms

    def close(self):
        self.sock.close()

    def request(self, op, body):
        req_id = "py-" + uuid.uuid4().hex[:16]
        now = int(time.time() * 1000)
        envelope = {"v": PROTOCOL_VERSION, "type": op, "id": req_id, "ts": now,
                    "deadline": now + self.timeout_ms, "body": body}
        self.sock.send(msgpack.packb(envelope, use_bin_type=True))
        deadline = time.monotonic() + self.timeout_ms / 1000.0
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sock.poll(int(left * 1000)):
                raise TimeoutError(f"no answer to {op} within {self.timeout_ms} ms")
            frames = self.sock.recv_multipart()
            reply = msgpack.unpackb(frames[-1], raw=False)
            if reply.get("id") != req_id:
                continue  # an answer to an earlier request that timed out
            if reply.get("type") == "error":
                raise XrouteError(reply.get("body", {}))
            return reply.get("body", {})

    def place_order(self, symbol, side, order_type, quantity, price=None, client_order_id=None, **extra):
        body = {"symbol": symbol, "side": side, "type": order_type, "quantity": str(quantity)}
        if price is not None:
            body["price"] = str(price)
        if client_order_id:
            body["client_order_id"] = client_order_id
        body.update({k: v for k, v in extra.items() if v is not None})
        return self.request("place_order", body)["order"]

    def cancel_order(self, symbol, client_order_id=None, order_id=None, venue=None):
        body = {"symbol": symbol}
        if client_order_id:
            body["client_order_id"] = client_order_id
        if order_id:
            body["order_id"] = order_id
        if venue:
            body["venue"] = venue
        return self.request("cancel_order", body)["cancel"]

    def get_order(self, symbol, client_order_id=None, order_id=None):
        body = {"symbol": symbol}
        if client_order_id:
            body["client_order_id"] = client_order_id
        if order_id:
            body["order_id"] = order_id
        return self.request("get_order", body)["order"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gateway", default=os.environ.get("XROUTE_GATEWAY", "tcp://127.0.0.1:7100"))
    ap.add_argument("--timeout-ms", type=int, default=10000)
    env_secret, env_server = curve_from_env()
    ap.add_argument("--secret-cert", default=env_secret, help="this client's secret certificate (CURVE)")
    ap.add_argument("--server-cert", default=env_server, help="the gateway's public certificate (CURVE)")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("place")
    p.add_argument("--symbol", required=True)
    p.add_argument("--side", required=True, choices=["BUY", "SELL"])
    p.add_argument("--type", required=True)
    p.add_argument("--quantity", required=True)
    p.add_argument("--price")
    p.add_argument("--client-order-id")
    p.add_argument("--venue")
    c = sub.add_parser("cancel")
    c.add_argument("--symbol", required=True)
    c.add_argument("--client-order-id")
    c.add_argument("--order-id")
    c.add_argument("--venue")
    g = sub.add_parser("order")
    g.add_argument("--symbol", required=True)
    g.add_argument("--client-order-id")
    g.add_argument("--order-id")
    args = ap.parse_args()

    if bool(args.secret_cert) != bool(args.server_cert):
        ap.error("CURVE needs both --secret-cert and --server-cert")
    try:
        client = Client(args.gateway, args.timeout_ms, args.secret_cert, args.server_cert)
    except (OSError, ValueError) as e:
        print(f"xroute_client: CURVE certificate: {e}", file=sys.stderr)
        return 2
    try:
        if args.command == "place":
            out = client.place_order(args.symbol, args.side, args.type, args.quantity, args.price,
                                     args.client_order_id, venue=args.venue)
        elif args.command == "cancel":
            out = client.cancel_order(args.symbol, args.client_order_id, args.order_id, args.venue)
        else:
            out = client.get_order(args.symbol, args.client_order_id, args.order_id)
        print(json.dumps(out, sort_keys=True))
        return 0
    except XrouteError as e:
        print(f"{e.code}: {e.message}", file=sys.stderr)
        return 1
    except TimeoutError as e:
        print(f"TIMEOUT: {e}", file=sys.stderr)
        return 3
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())

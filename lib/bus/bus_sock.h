/* bus_sock: the one way xroute makes ZeroMQ sockets. Every socket gets explicit high-water marks, linger,
 * ZMTP heartbeats and a maximum message size before it binds or connects, ROUTER sockets get
 * ZMQ_ROUTER_MANDATORY (a send to a gone peer fails instead of vanishing), and DEALERs that need a stable
 * address (workers) get their routing id. Sockets are czmq zsock_t: the platform type, destroyed with
 * zsock_destroy. Endpoints use czmq's syntax: "@tcp://127.0.0.1:7100" binds, ">tcp://..." connects,
 * several may be given comma-separated; "tcp://127.0.0.1:*" binds an ephemeral port (bus_sock_endpoint). */
#ifndef XR_BUS_BUS_SOCK_H
#define XR_BUS_BUS_SOCK_H

#include "base/err.h"

#include <czmq.h>
#include <stdbool.h>

/* Socket options; bus_sock_opts_default gives xroute's defaults (README section 1 of proto). */
typedef struct {
    int sndhwm;                /* messages queued per peer for sending (default 10000) */
    int rcvhwm;                /* messages queued per peer for receiving (default 10000) */
    int linger_ms;             /* how long close waits for unsent messages (default 0: drop them) */
    int heartbeat_ivl_ms;      /* ZMTP PING interval (default 1000; 0 = off) */
    int heartbeat_timeout_ms;  /* drop the connection without traffic for this long (default 3000) */
    int heartbeat_ttl_ms;      /* ask the peer to drop us after this long (default 3000) */
    int64_t maxmsgsize;        /* largest message accepted, bytes (default 1 MiB + 64 KiB; -1 = none) */
    int reconnect_ivl_ms;      /* first reconnect delay (default 100) */
    int reconnect_ivl_max_ms;  /* reconnect backoff cap (default 2000) */
    const char *routing_id;    /* ZMQ_ROUTING_ID for DEALER/ROUTER (1..255 bytes), NULL = none; copied */
    const char *subscribe;     /* SUB only: prefix to subscribe to, NULL = nothing yet, "" = everything */
    /* CURVE (bus_curve.h fills these from settings). NULL secret key = plain TCP. Keys are Z85 text (40
     * characters), borrowed until bus_sock_new returns. A server socket authenticates every peer through the
     * process's ZAP handler (bus_curve starts czmq's zauth before filling these); a client must know the
     * server's public key. */
    bool curve_server;               /* true: this side is the CURVE server (the bound side in xroute) */
    const char *curve_public_key;    /* this side's public key (client side only; a server derives nothing) */
    const char *curve_secret_key;    /* this side's secret key; NULL = no CURVE */
    const char *curve_server_key;    /* client side: the server's public key */
} bus_sock_opts_t;

/* Fills o with xroute's defaults. */
void bus_sock_opts_default(bus_sock_opts_t *o);

/* Makes a socket of ZMQ type (ZMQ_ROUTER, ZMQ_DEALER, ZMQ_PUB, ZMQ_SUB, ZMQ_PAIR, ZMQ_REQ), applies opts (NULL =
 * defaults) and attaches it to endpoints ("@..." bind, ">..." connect). Returns the socket (caller destroys
 * with zsock_destroy) or NULL with err (XR_INTERNAL naming the option or endpoint and errno's text). */
zsock_t *bus_sock_new(int type, const char *endpoints, const bus_sock_opts_t *opts, err_t *err);

/* Shorthands for the types xroute uses. Same contract as bus_sock_new. */
zsock_t *bus_router_new(const char *endpoints, const bus_sock_opts_t *opts, err_t *err);
zsock_t *bus_dealer_new(const char *endpoints, const bus_sock_opts_t *opts, err_t *err);
zsock_t *bus_pub_new(const char *endpoints, const bus_sock_opts_t *opts, err_t *err);
zsock_t *bus_sub_new(const char *endpoints, const bus_sock_opts_t *opts, err_t *err);

/* The last endpoint the socket bound, with the real port ("tcp://127.0.0.1:41234"). Borrowed from the
 * socket (valid until its next bind or destroy); "" when it never bound. */
const char *bus_sock_endpoint(zsock_t *sock);

#endif

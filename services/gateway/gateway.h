/* gateway: the front door. Clients (DEALER or REQ) send requests to its ROUTER socket; it validates each
 * against proto/ before anything else (malformed, oversized or unknown-type messages get INVALID_REQUEST and
 * are counted, never forwarded), applies pre-trade risk limits (risk.h), makes order placement idempotent
 * by client order id within a window that survives restarts (idem_store.h), generates client order ids when
 * absent, forwards to the router under its own correlation id, and answers TIMEOUT itself when a request's
 * deadline passes. Order updates and fills from venue workers (SUB) are republished to clients on a PUB
 * socket with topic "<account>.<venue>." (an XPUB: with CURVE on, a client's subscriptions are narrowed to the
 * accounts and venues its key may see, authz.h). One zmq_poll loop; state lives in gateway_t. */
#ifndef XR_GATEWAY_GATEWAY_H
#define XR_GATEWAY_GATEWAY_H

#include "base/err.h"
#include "bus/bus_curve.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *clients;          /* bind endpoint for clients (tcp://127.0.0.1:7100) */
    const char *events_out;       /* bind endpoint of the PUB to clients (tcp://127.0.0.1:7101) */
    const char *events_in;        /* bind endpoint of the SUB workers publish to (tcp://127.0.0.1:7102) */
    const char *router;           /* router frontend to connect to (tcp://127.0.0.1:7110) */
    const char *risk_path;        /* risk limits file (deploy/config/risk.conf) */
    const char *idem_path;        /* idempotency journal (var/gateway/idem.journal) */
    int64_t idem_window_ms;       /* how long a client order id is remembered (24 h) */
    bool idem_sync;               /* fdatasync the id journal before forwarding (true): survives an OS crash;
                                     false: written to the kernel only, survives a gateway crash, ~4 ms less
                                     per batch on a disk like CI's */
    int64_t request_timeout_ms;   /* deadline for requests that carry none (10 s) */
    int64_t max_request_bytes;    /* larger requests are refused with INVALID_REQUEST (1 MiB) */
    bus_curve_t *curve;           /* CURVE keys and zauth (borrowed, outlives the gateway); NULL = plain TCP.
                                     Clients, the event PUB and the router link use CURVE when it is on;
                                     the worker intake when it is on for worker links. */
    const char *clients_path;     /* clients.conf (authz.h): what each client key may do; read when CURVE
                                     is on for clients, reloaded with SIGHUP (deploy/config/clients.conf) */
} gateway_config_t;

typedef struct _gateway_t gateway_t;

/* Counters, for health and tests. */
typedef struct {
    uint64_t requests;      /* requests received */
    uint64_t invalid;       /* refused as INVALID_REQUEST */
    uint64_t risk_rejected; /* refused by a risk limit */
    uint64_t idempotent;    /* resubmissions answered from the idempotency store */
    uint64_t timeouts;      /* answered TIMEOUT by the gateway */
    uint64_t forwarded;     /* sent to the router */
    uint64_t events;        /* events republished */
    uint64_t pending;       /* requests waiting for the router now */
    uint64_t auth_refused;  /* refused by the clients file (AUTH) */
    uint64_t events_refused;/* events from a client key on the intake, dropped */
} gateway_stats_t;

/* Fills cfg with the defaults above. */
void gateway_config_default(gateway_config_t *cfg);

/* Builds the gateway: loads risk limits, opens the idempotency journal, binds and connects. NULL with err
 * (naming the file or endpoint) on failure. */
gateway_t *gateway_new(const gateway_config_t *cfg, err_t *err);

/* Runs until SIGINT/SIGTERM (after bus_signal_install). SIGHUP reloads the risk limits and the clients file.
 * 0 on a clean stop. */
int gateway_run(gateway_t *self);

/* Current counters. */
void gateway_stats(const gateway_t *self, gateway_stats_t *out);

/* Stops and frees; makes the idempotency journal durable first. NULL-safe; nulls *self_p. */
void gateway_destroy(gateway_t **self_p);

#endif

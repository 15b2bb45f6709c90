/* router: resolves each request's symbol to a venue (route_table) and dispatches it to the least busy live
 * worker of that venue and account (worker_registry); merges fan-out queries across venues; detects dead
 * workers and answers their requests in flight with TIMEOUT (outcome unknown) and the client order id, never
 * re-sending them to another replica. One zmq_poll loop; state lives in router_t.
 *
 * Sockets: frontend ROUTER (the gateway's DEALER connects), backend ROUTER (workers' DEALERs connect with
 * their instance id as identity). Reloads the routing table on SIGHUP and on a `reload` request; a bad file
 * is refused and the old table kept. */
#ifndef XR_ROUTER_ROUTER_H
#define XR_ROUTER_ROUTER_H

#include "base/err.h"
#include "bus/bus_curve.h"

#include <stdint.h>

typedef struct {
    const char *frontend;        /* bind endpoint for the gateway, e.g. "tcp://127.0.0.1:7110" */
    const char *backend;         /* bind endpoint for workers, e.g. "tcp://127.0.0.1:7111" */
    const char *routes_path;     /* routing table file */
    int64_t heartbeat_ms;        /* router.heartbeat interval (default 1000) */
    int64_t liveness_ms;         /* drop a worker silent this long (default 3000) */
    int64_t request_timeout_ms;  /* longest wait for a worker's reply when the request has no deadline
                                    (default 30000) */
    int64_t fanout_timeout_ms;   /* longest wait for the venues of a fan-out query (default 5000) */
    bus_curve_t *curve;          /* CURVE keys and zauth (borrowed, outlives the router); NULL = plain TCP. The
                                    frontend uses CURVE when it is on, the backend when it is on for worker
                                    links. */
    const char *gateway_key;     /* with CURVE on the frontend: the client keys served there are the gateway's
                                    (Z85) and recorder_key, so that no other key admitted by zauth (a
                                    worker's) can bypass the gateway's checks; NULL = any key zauth admits */
    const char *recorder_key;    /* the recorder's key (its get_fills backstop), also served on the frontend
                                    when gateway_key is set; NULL = none */
} router_config_t;

typedef struct _router_t router_t;

/* Fills cfg with defaults (endpoints on 127.0.0.1:7110/7111, routes deploy/config/routes.conf). */
void router_config_default(router_config_t *cfg);

/* Builds the router: loads the routing table, binds both sockets. NULL with err (naming the file or the
 * endpoint) on failure. Does not block. */
router_t *router_new(const router_config_t *cfg, err_t *err);

/* Runs the loop until SIGINT/SIGTERM (bus_signal_install must have run). Returns 0 on a clean stop. */
int router_run(router_t *self);

/* Bound endpoints (with real ports when "*" was given). Borrowed. */
const char *router_frontend_endpoint(router_t *self);
const char *router_backend_endpoint(router_t *self);

/* Stops, answers nothing further, closes sockets. NULL-safe; nulls *self_p. */
void router_destroy(router_t **self_p);

#endif

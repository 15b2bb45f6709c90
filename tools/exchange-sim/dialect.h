/* dialect: how one venue's REST wire format plugs into the simulator (STYLE rule 11: a const struct of
 * function pointers with a name and a private-state size). The server (server.c) owns the sockets: it runs
 * one libmicrohttpd listener per dialect, turns every complete request into a sim_http_req_t, applies
 * injected faults (faults.h), and calls the dialect's handle hook, which reads the engine (engine.h) and
 * fills a sim_http_resp_t. Everything runs on the simulator's single loop thread: hooks never block and
 * need no locks.
 *
 * A dialect lives in sim_<venue>.c/.h and exports one constant: sim_dialect_binance (sim_binance.h),
 * sim_dialect_bybit (sim_bybit.h), sim_dialect_coindcx (sim_coindcx.h); main.c registers each one whose source
 * exists (CMake defines SIM_HAVE_BYBIT / SIM_HAVE_COINDCX). Engine calls take the venue from dialect->venue.
 * Dialect tests can drive `handle` directly with a hand-made request and an engine (no socket needed).
 * Helpers shared by dialects (header lookup, response building) are declared here; form/query parsing is in
 * params.h. */
#ifndef XR_SIM_DIALECT_H
#define XR_SIM_DIALECT_H

#include "engine.h"
#include "faults.h"

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_BODY (64 * 1024)       /* larger request bodies are refused (body_too_large) */
#define SIM_MAX_REQ_HEADERS 48         /* headers past this many are dropped */
#define SIM_MAX_RESP_HEADERS 8         /* response headers a dialect may add */
#define SIM_MAX_RESP_BODY (8u << 20)   /* response body hard limit */

typedef struct {
    const char *name;  /* header name as sent (compare case-insensitively) */
    const char *value; /* header value */
} sim_header_t;

/* One complete HTTP request. Every pointer is borrowed and valid only during the hook call. */
typedef struct {
    const char *method;          /* "GET", "POST", "DELETE", "PUT" ... */
    const char *path;            /* raw path as sent, without the query: "/fapi/v1/order" */
    size_t path_len;             /* bytes of path (path is also NUL-terminated) */
    const char *query;           /* raw query string as sent, without '?', not decoded; "" if none */
    size_t query_len;            /* bytes of query (also NUL-terminated) */
    const sim_header_t *headers; /* request headers in arrival order */
    size_t header_count;         /* number of headers */
    const char *body;            /* raw body bytes (NUL-terminated for convenience; may contain NULs) */
    size_t body_len;             /* bytes of body */
    bool body_too_large;         /* the body exceeded SIM_MAX_BODY; body is then empty: answer with an error */
    const char *peer;            /* client address text ("127.0.0.1"), for per-IP limits */
    int64_t now_ms;              /* wall time when the request completed */
} sim_http_req_t;

/* A response under construction. The server prepares it (status 200, no headers, empty body, content type
 * application/json) and sends it after the hook returns. */
typedef struct {
    int status;                  /* HTTP status */
    const char *content_type;    /* static string; default "application/json" */
    size_t header_count;         /* headers added */
    struct {
        char name[48];           /* header name */
        char value[96];          /* header value */
    } headers[SIM_MAX_RESP_HEADERS];
    buf_t body;                  /* response body, bounded by SIM_MAX_RESP_BODY (reused between requests) */
    int64_t retry_after_s;       /* informational: set together with a Retry-After header, else 0 */
} sim_http_resp_t;

/* The plug-in. Optional hooks may be NULL. */
typedef struct sim_dialect {
    const char *name;            /* venue name as in sim_venue_name: "binance" */
    sim_venue_t venue;           /* engine venue this dialect serves */
    uint16_t default_port;       /* 9101 Binance, 9102 Bybit, 9103 CoinDCX; --port-base N moves it to
                                    N + (default_port - 9100) */
    size_t state_size;           /* bytes of private state the server allocates (zeroed) for this dialect */

    /* Prepares the state: remembers the engine, adds the venue's instruments (sim_engine_add_instrument).
     * Returns 0, or -1 with err set (startup fails). */
    int (*init)(void *state, sim_engine_t *engine, int64_t now_ms, err_t *err);

    /* Releases what init allocated (not the state block itself). Optional. */
    void (*fini)(void *state);

    /* Answers one request (any method and path, including unknown ones: answer the venue's 404 shape).
     * Must never crash on any input; must not keep pointers into req after returning. */
    void (*handle)(void *state, const sim_http_req_t *req, sim_http_resp_t *resp);

    /* Builds the reply for an injected fault of kind SIM_FAULT_HTTP5XX or SIM_FAULT_RATELIMIT, in the venue's
     * shape (Binance: 503 / 429 with Retry-After and {"code":-1003,...}; Bybit: 403 "access too frequent"...).
     * Optional: without it the server sends 503 / 429 with an empty JSON object. */
    void (*fault_reply)(void *state, sim_fault_kind_t kind, const sim_http_req_t *req, sim_http_resp_t *resp);

    /* Forgets per-venue counters (rate limits, bans) after POST /admin/reset. Optional. */
    void (*reset)(void *state);

    /* Names of request headers whose values are secrets (API key, signature), matched case-insensitively,
     * and of query/body parameters whose values are secrets ("signature"); NULL-terminated lists, or NULL.
     * The request log (GET /admin/requests) replaces those values with "<redacted>". */
    const char *const *secret_headers;
    const char *const *secret_params;
} sim_dialect_t;

/* Value of the first header named name (case-insensitive), or NULL. Borrowed from req. */
const char *sim_req_header(const sim_http_req_t *req, const char *name);

/* Sets status and clears body and headers: the start of every answer. */
void sim_resp_begin(sim_http_resp_t *resp, int status);

/* Adds a response header (printf-style value, truncated to fit). Returns 0, or -1 when the header table is
 * full or the name is too long. */
int sim_resp_header(sim_http_resp_t *resp, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True when the path bytes of req equal s exactly. */
bool sim_req_path_is(const sim_http_req_t *req, const char *s);

#endif

/* http_client: asynchronous HTTP(S) requests over one libcurl multi handle, driven from the service's own
 * event loop (zmq_poll), with many requests in flight from one thread and keep-alive connections shared
 * between them.
 *
 * Driving it from a loop (every iteration):
 *   n = http_client_fds(hc, fds, cap);          fds to poll; copy fd/events into raw-fd zmq_pollitem_t
 *   t = http_client_timeout_ms(hc);             poll no longer than this (-1: no deadline of ours)
 *   zmq_poll(...);                              copy revents back into fds
 *   http_client_perform(hc, fds, n);            runs curl and the completion callbacks of finished requests
 * HTTP_POLLIN/OUT/ERR have the values of ZMQ_POLLIN/OUT/ERR, so events and revents copy as they are.
 *
 * Outcomes. Every request ends in exactly one callback with one outcome:
 *   HTTP_OK        a complete response arrived; its status may be anything (4xx/5xx are not errors here)
 *   HTTP_NOT_SENT  nothing of the request left this process (DNS, connect refused or timed out, TLS
 *                  handshake, queued too long): safe to send again
 *   HTTP_UNKNOWN   the request may have reached the server (timeout or connection lost after sending began,
 *                  a response cut short): the caller must reconcile, never resend blindly
 *   HTTP_TOO_LARGE the response exceeded max_response (body) or the header limit; the transfer was aborted
 * libcurl silently resends a request on a fresh connection when a reused keep-alive connection closes before
 * any response byte; for an order that would be a duplicate. This client forbids it (the body cannot be
 * rewound and a second attempt is refused before it is sent) and reports HTTP_UNKNOWN instead, unless the
 * request sets allow_resend (only for idempotent reads).
 *
 * Never logs URLs, headers or bodies (they carry keys and signatures). Not thread-safe: one loop owns it. */
#ifndef XR_HTTP_HTTP_CLIENT_H
#define XR_HTTP_HTTP_CLIENT_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _http_client_t http_client_t;

typedef enum {
    HTTP_OK = 0,     /* a complete response arrived; see status */
    HTTP_NOT_SENT,   /* failed before the request could reach the server: safe to retry */
    HTTP_UNKNOWN,    /* may or may not have reached/been executed by the server: reconcile, never resend */
    HTTP_TOO_LARGE   /* response over the size limit: aborted (the request did reach the server) */
} http_outcome_t;

/* Poll flags; same values as ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_POLLERR. */
#define HTTP_POLLIN 1
#define HTTP_POLLOUT 2
#define HTTP_POLLERR 4

typedef struct {
    int fd;         /* a socket of the client (raw fd) */
    short events;   /* HTTP_POLLIN / HTTP_POLLOUT wanted */
    short revents;  /* filled by the caller after polling; HTTP_POLLERR too */
} http_pollfd_t;

typedef struct {
    int max_host_connections;   /* keep-alive connections per host; 0 = 8 */
    int max_total_connections;  /* all hosts; 0 = 32 */
    int max_in_flight;          /* requests submitted and not completed; 0 = 1024 */
    int default_timeout_ms;     /* whole-request timeout when a request gives none; 0 = 10000 */
    int connect_timeout_ms;     /* connect (and TLS) phase limit, capped by the request timeout; 0 = 5000 */
    size_t default_max_response; /* body limit when a request gives none; 0 = 4 MiB */
    int idle_max_s;             /* do not reuse a connection idle longer than this; 0 = 50 */
    const char *user_agent;     /* copied; NULL = "xroute/<version>" */
    const char *ca_file;        /* copied; NULL = system trust store */
} http_config_t;

typedef struct {
    const char *method;           /* "GET", "POST", "PUT", "DELETE", ...; NULL = "GET" */
    const char *url;              /* absolute http:// or https:// URL (copied) */
    const char *const *headers;   /* NULL-terminated "Name: value" lines (copied), or NULL; a request with
                                     a body gets curl's "Content-Type: application/x-www-form-urlencoded"
                                     unless one is given here */
    const void *body;             /* request body (copied), or NULL; POST, PUT and PATCH always send
                                     Content-Length (0 without a body), other methods only with one */
    size_t body_len;              /* bytes of body */
    int timeout_ms;               /* whole request, from submit; 0 = client default */
    size_t max_response;          /* response body limit in bytes; 0 = client default */
    bool allow_resend;            /* let libcurl resend after a reused connection died (idempotent only) */
} http_request_t;

typedef struct _http_transfer_t http_transfer_t;

/* What a completion callback sees. Everything is borrowed and valid only during the callback. */
typedef struct {
    uint64_t id;                  /* as returned by http_client_submit */
    http_outcome_t outcome;       /* see the top of this header */
    int status;                   /* HTTP status of the final response; 0 when none arrived */
    const char *body;             /* response body, NUL-terminated ("" when none) */
    size_t body_len;              /* bytes of body */
    const char *error;            /* why, when outcome != HTTP_OK ("" otherwise); never holds the URL */
    int64_t elapsed_us;           /* submit to completion */
    const http_transfer_t *xfer_; /* private: used by http_response_header */
} http_response_t;

typedef void(http_done_fn)(const http_response_t *resp, void *user);

/* Creates a client. cfg may be NULL (all defaults). Returns NULL (err set) if libcurl cannot be set up.
 * Calls curl_global_init once per process; the caller owns the result: http_client_destroy it. */
http_client_t *http_client_new(const http_config_t *cfg, err_t *err);

/* Aborts every request still in flight WITHOUT calling its callback, closes all connections, frees the
 * client and sets *self_p to NULL. NULL and *self_p == NULL are fine. Not from inside a callback. */
void http_client_destroy(http_client_t **self_p);

/* Starts a request; returns at once. done(resp, user) is called exactly once, later, from
 * http_client_perform or http_client_run_until_idle (never from inside this call). Returns 0 and sets *id
 * (optional), or -1 with err set (XR_INVALID_REQUEST: bad method, URL or header; XR_VENUE_UNAVAILABLE:
 * max_in_flight reached; XR_INTERNAL: curl refused the setup) and no callback. May be called from inside a
 * callback. */
int http_client_submit(http_client_t *self, const http_request_t *req, http_done_fn *done, void *user,
                       uint64_t *id, err_t *err);

/* Value of the response header name (case-insensitive, e.g. "x-mbx-used-weight-1m", "Retry-After"), from
 * the final response only, with surrounding spaces removed; the first one if repeated. NULL if absent.
 * Borrowed: valid during the callback. */
const char *http_response_header(const http_response_t *resp, const char *name);

/* Copies the client's sockets and the events it waits for into fds (at most cap) and returns how many it
 * has (which may exceed cap: poll the first cap, call again with more room). Call before every poll: the set
 * changes as connections open and close. */
size_t http_client_fds(const http_client_t *self, http_pollfd_t *fds, size_t cap);

/* Milliseconds until http_client_perform must run even without socket activity: -1 when nothing is
 * pending, 0 when it should run now. */
int http_client_timeout_ms(const http_client_t *self);

/* After a poll: hands the revents of fds (as filled by the caller; n may be 0) and any expired timer to
 * libcurl, then calls the callbacks of the requests that finished. Does not block. */
void http_client_perform(http_client_t *self, const http_pollfd_t *fds, size_t n);

/* Requests submitted and not yet completed. */
size_t http_client_in_flight(const http_client_t *self);

/* Blocking convenience for tests and simple tools: polls the client's own sockets (poll(2)) and performs
 * until no request is in flight (returns 0) or timeout_ms passes (returns -1; requests stay in flight). */
int http_client_run_until_idle(http_client_t *self, int timeout_ms);

/* Name of an outcome ("OK", "NOT_SENT", "UNKNOWN", "TOO_LARGE"). Static string. */
const char *http_outcome_name(http_outcome_t outcome);

#endif

/* request: one HTTP request to a venue as an adapter describes it, before I/O: method, path, percent-encoded
 * parameters (query string and/or body), extra headers, and what the runtime needs to send it safely: the
 * rate-limit weight, whether it creates an order (journal first, never resend on an unknown outcome) and
 * whether it may be retried. Adapters fill it in their step hooks; the runtime signs it (ops->sign) just
 * before sending, so a retry after a clock resync is re-signed with a fresh timestamp. */
#ifndef XR_VENUE_REQUEST_H
#define XR_VENUE_REQUEST_H

#include "model.h"

#include "base/buf.h"
#include "base/decimal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VENUE_REQ_PATH_MAX 128     /* path, NUL included */
#define VENUE_REQ_PARAMS_MAX 8192  /* bytes of the query string, and of the body */
#define VENUE_REQ_HEADERS_MAX 6    /* extra headers */
#define VENUE_REQ_HEADER_LEN 192   /* bytes of one "Name: value" header, NUL included */

typedef enum { VENUE_GET = 0, VENUE_POST, VENUE_PUT, VENUE_DELETE } venue_method_t;

/* What the runtime may do with a request whose outcome is unknown (timeout, 5xx, lost reply). */
typedef enum {
    VENUE_SAFE_RETRY = 0,  /* a read, or idempotent (cancel, set leverage): retried with backoff */
    VENUE_CREATES_ORDER    /* creates an order: journaled before sending, never resent blindly */
} venue_req_kind_t;

typedef struct {
    venue_method_t method;                   /* HTTP method */
    char path[VENUE_REQ_PATH_MAX];           /* "/fapi/v1/order" */
    buf_t query;                             /* "a=1&b=2", percent-encoded; without the signature */
    buf_t body;                              /* request body ("" for none) */
    char content_type[48];                   /* of the body ("" for none) */
    char headers[VENUE_REQ_HEADERS_MAX][VENUE_REQ_HEADER_LEN]; /* extra headers, added by sign */
    int n_headers;                           /* in use */
    bool sign;                               /* needs ops->sign before sending */
    bool public_host;                        /* goes to the venue's market-data host (ops->public_url,
                                                <VENUE>_PUBLIC_URL) instead of the REST base */
    venue_req_kind_t kind;                   /* retry policy */
    int weight;                              /* request weight in the venue's rate-limit unit */
    int orders;                              /* order-count units this request uses (0 or 1) */
    char client_order_id[VENUE_CLID_MAX];    /* kind CREATES_ORDER: the id journaled before sending */
    char symbol[VENUE_SYMBOL_MAX];           /* kind CREATES_ORDER: unified symbol, to resolve an unknown outcome */
    int64_t delay_ms;                        /* send no earlier than this long after the hook returned (a
                                                follow-up query to a venue that acknowledges asynchronously) */
    bool overflow;                           /* sticky: a parameter did not fit (the request is refused) */
} venue_req_t;

/* Empties r for a new request (keeps buffer memory). Call venue_req_init once before the first use and
 * venue_req_release at the end. */
void venue_req_init(venue_req_t *r);
void venue_req_reset(venue_req_t *r, venue_method_t method, const char *path);
void venue_req_release(venue_req_t *r);

/* Appends key=value to the query string, both percent-encoded (RFC 3986 unreserved left as is), with '&'
 * between parameters. venue_req_body_param does the same on the body (form encoding). Overflow is sticky. */
void venue_req_param(venue_req_t *r, const char *key, const char *value);
void venue_req_body_param(venue_req_t *r, const char *key, const char *value);
void venue_req_param_int(venue_req_t *r, const char *key, int64_t value);
void venue_req_param_decimal(venue_req_t *r, const char *key, decimal_t value);

/* Adds one header line "Name: value". Overflow is sticky. */
void venue_req_header(venue_req_t *r, const char *name, const char *value);

/* Percent-encodes s (RFC 3986: all but A-Z a-z 0-9 - _ . ~) onto out. Returns 0 or -1 (out full). */
int venue_pct_encode(buf_t *out, const char *s);

/* "GET", "POST", "PUT", "DELETE". */
const char *venue_method_name(venue_method_t m);

#endif

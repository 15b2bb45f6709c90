/* request: the bodies of every client and admin request (README "Requests"), as one struct tagged by the
 * request type. Fields common to all requests (venue, account, symbol) are at the top so that the gateway
 * and router can route any request without knowing its kind; the kind-specific parts are sub-structs, only
 * the one matching `op` being meaningful (the others stay zero). */
#ifndef XR_PROTO_REQUEST_H
#define XR_PROTO_REQUEST_H

#include "common.h"
#include "envelope.h"
#include "order.h"

#include "base/buf.h"
#include "base/err.h"

#include <stdint.h>

typedef struct {
    proto_type_t op;                     /* a request type (proto_type_is_request) */
    char venue[PROTO_VENUE_SZ];          /* "" = let the router choose */
    char account[PROTO_ACCOUNT_SZ];      /* "default" when absent on the wire */
    char symbol[PROTO_SYMBOL_SZ];        /* required by place_order, cancel_order, get_order, get_ticker,
                                            get_klines, set_leverage, close_position, route; optional
                                            filter for cancel_all, get_open_orders, get_positions,
                                            get_fills; "" when absent */
    proto_order_request_t order;         /* place_order */
    struct {
        char order_id[PROTO_ORDER_ID_SZ];      /* venue order id */
        char client_order_id[PROTO_CLOID_SZ];  /* or client order id: at least one is required */
    } ref;                               /* cancel_order, get_order */
    char asset[PROTO_ASSET_SZ];          /* get_balances filter; "" = all */
    struct {
        proto_interval_t interval;       /* required */
        uint32_t limit;                  /* 1..1500; 0 = venue default */
        int64_t start;                   /* epoch ms; 0 = none */
        int64_t end;                     /* epoch ms; 0 = none */
    } klines;                            /* get_klines */
    uint32_t leverage;                   /* set_leverage: required, 1..125 */
    struct {
        int64_t since_ms;                /* epoch ms; 0 = none */
        char cursor[PROTO_TEXT_SZ];      /* venue paging cursor from a previous reply; "" = none */
        uint32_t limit;                  /* 1..1000; 0 = venue default */
    } fills;                             /* get_fills */
} proto_request_t;

/* Decodes the body of the last envelope parsed by msg as a request of the envelope's type and validates it
 * (required fields, enums, limits, charset of ids and symbols, order type rules). Returns 0 and fills *out
 * (which the caller releases with proto_request_free), or -1 with XR_INVALID_REQUEST naming the field and
 * *out zeroed. A non-request type fails with XR_INVALID_REQUEST "type: not a request". */
int proto_request_decode(const proto_msg_t *msg, proto_request_t *out, err_t *err);

/* Appends one envelope of type req->op with h's id/client/ts/deadline (h->type is ignored) to out.
 * The request is written as given (validate first if it comes from outside); fields that are zero/empty
 * and optional are omitted. Returns 0, or -1 (out restored) with XR_INVALID_REQUEST when out is full. */
int proto_request_encode(const proto_header_t *h, const proto_request_t *req, buf_t *out, err_t *err);

/* Validates the request as the decoder does (useful for requests built in code). 0 or -1. */
int proto_request_validate(const proto_request_t *req, err_t *err);

/* Zeroes *req for op, with account "default". */
void proto_request_init(proto_request_t *req, proto_type_t op);

/* Releases heap parts (order metadata); *req is zeroed. Idempotent. */
void proto_request_free(proto_request_t *req);

#endif

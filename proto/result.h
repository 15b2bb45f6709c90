/* result: the body of a `result` reply (README "Replies"): which operation it answers and that operation's
 * payload. List payloads are bounded heap arrays (at most PROTO_ARRAY_MAX items). A fan-out reply (one
 * request answered by several venues) also carries `parts`: one entry per venue, in order, each owning the
 * next `count` items of the operation's list, so the items stay in one flat array. */
#ifndef XR_PROTO_RESULT_H
#define XR_PROTO_RESULT_H

#include "admin.h"
#include "common.h"
#include "envelope.h"
#include "error.h"
#include "market.h"
#include "order.h"

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The leverage now in force (set_leverage). */
typedef struct {
    char symbol[PROTO_SYMBOL_SZ];  /* required */
    uint32_t leverage;             /* required, 1..125 */
} proto_leverage_t;

/* One venue's share of a fan-out reply. */
typedef struct {
    char venue[PROTO_VENUE_SZ];  /* required */
    bool ok;                     /* required */
    proto_error_t error;         /* meaningful when !ok */
    size_t count;                /* items of this venue: the next `count` of the op's list */
} proto_part_t;

typedef struct {
    proto_type_t op;                   /* required: the request type this answers */
    proto_order_t order;               /* place_order, get_order, close_position */
    proto_cancel_t cancel;             /* cancel_order */
    uint32_t cancel_count;             /* cancel_all: orders cancelled */
    proto_cancel_t *cancels;           /* cancel_all: per-order results */
    size_t n_cancels;
    proto_order_t *orders;             /* get_open_orders */
    size_t n_orders;
    proto_position_t *positions;       /* get_positions */
    size_t n_positions;
    proto_balance_t *balances;         /* get_balances */
    size_t n_balances;
    proto_ticker_t ticker;             /* get_ticker */
    proto_kline_t *klines;             /* get_klines, oldest first */
    size_t n_klines;
    proto_fill_t *fills;               /* get_fills */
    size_t n_fills;
    char cursor[PROTO_TEXT_SZ];        /* get_fills: cursor for the next page; "" = none */
    proto_leverage_t leverage;         /* set_leverage */
    proto_health_t *health;            /* health: one per venue */
    size_t n_health;
    proto_route_t route;               /* route */
    uint32_t reloaded;                 /* reload: routing rules now loaded */
    proto_worker_info_t *workers;      /* venues */
    size_t n_workers;
    proto_part_t *parts;               /* fan-out only: per venue status, NULL otherwise */
    size_t n_parts;
} proto_result_t;

/* Zeroes *res for op. */
void proto_result_init(proto_result_t *res, proto_type_t op);

/* Appends an item to the list of res->op and returns it zeroed (owned by res). Lists are grown only through
 * these functions or filled by proto_result_decode (which leaves room to append); do not assign the list
 * pointers by hand. Returns NULL if the op has no
 * list or the list holds PROTO_ARRAY_MAX items. Lists: cancel_all -> cancels, get_open_orders -> orders,
 * get_positions -> positions, get_balances -> balances, get_klines -> klines, get_fills -> fills,
 * health -> health, venues -> workers. The pointer is valid until the next add. */
proto_cancel_t *proto_result_add_cancel(proto_result_t *res);
proto_order_t *proto_result_add_order(proto_result_t *res);
proto_position_t *proto_result_add_position(proto_result_t *res);
proto_balance_t *proto_result_add_balance(proto_result_t *res);
proto_kline_t *proto_result_add_kline(proto_result_t *res);
proto_fill_t *proto_result_add_fill(proto_result_t *res);
proto_health_t *proto_result_add_health(proto_result_t *res);
proto_worker_info_t *proto_result_add_worker(proto_result_t *res);

/* Appends a fan-out part (venue, ok, error may be NULL when ok, count of items already added for it).
 * The counts of all parts must add up to the list's length when encoding (asserted). */
proto_part_t *proto_result_add_part(proto_result_t *res, const char *venue, bool ok, const proto_error_t *error,
                                    size_t count);

/* Number of items in res->op's list (0 for ops without a list). */
size_t proto_result_list_len(const proto_result_t *res);

/* Decodes the body of a `result` envelope. 0 and *out filled (release with proto_result_free), or -1
 * (XR_INVALID_REQUEST naming the field, *out zeroed). */
int proto_result_decode(const proto_msg_t *msg, proto_result_t *out, err_t *err);

/* Appends a `result` envelope (h's id/client/ts/deadline) to out. 0, or -1 (out restored) when full. */
int proto_result_encode(const proto_header_t *h, const proto_result_t *res, buf_t *out, err_t *err);

/* Releases every list, their items' heap parts and the order's; *res zeroed. Idempotent. */
void proto_result_free(proto_result_t *res);

#endif

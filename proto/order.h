/* order: the order-shaped values of the unified model (../docs via README "Values"): OrderRequest (the body of
 * place_order), OrderResult, CancelResult and Fill, plus their validation. They are plain value types that
 * request.h, result.h and event.h embed; the msgpack codec of each lives in order.c and is reached through
 * those families. Free functions release the heap parts (metadata, raw) and leave a zeroed value. */
#ifndef XR_PROTO_ORDER_H
#define XR_PROTO_ORDER_H

#include "common.h"

#include "base/decimal.h"
#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

/* OrderRequest. Symbol, venue and account live in proto_request_t, common to every request. */
typedef struct {
    proto_side_t side;                     /* required */
    proto_order_type_t type;               /* required */
    decimal_t quantity;                    /* required, > 0 */
    decimal_t price;                       /* > 0; required for LIMIT, STOP_LIMIT, TAKE_PROFIT_LIMIT; else zero = absent */
    decimal_t stop_price;                  /* > 0; required for STOP_* and TAKE_PROFIT_*; zero = absent */
    proto_tif_t time_in_force;             /* NONE = venue default */
    bool reduce_only;                      /* default false */
    proto_position_side_t position_side;   /* NONE = one-way */
    char client_order_id[PROTO_CLOID_SZ];  /* "" = the worker generates one once */
    uint32_t leverage;                     /* 1..125; 0 = leave as is */
    decimal_t take_profit_price;           /* > 0 when set; zero = absent */
    decimal_t stop_loss_price;             /* > 0 when set; zero = absent */
    decimal_t trailing_stop_pct;           /* callback rate in percent, > 0; required for TRAILING_STOP_MARKET */
    bool round;                            /* allow rounding to tick/step (default false: refuse with PRECISION) */
    proto_meta_t metadata;                 /* recorded with the order; at most 32 entries */
} proto_order_request_t;

/* Type-specific rules of an OrderRequest (README "place_order"): quantity > 0, the prices each type needs
 * present and > 0, optional prices > 0 when present, client order id charset, leverage range. Returns 0 or
 * -1 with XR_INVALID_REQUEST naming the field. */
int proto_order_request_validate(const proto_order_request_t *r, err_t *err);

/* Releases metadata; *r is zeroed. */
void proto_order_request_free(proto_order_request_t *r);

/* Deep copy (dst's old content is not freed). */
void proto_order_request_copy(proto_order_request_t *dst, const proto_order_request_t *src);

/* OrderResult: the state of one order at a venue. */
typedef struct {
    char venue[PROTO_VENUE_SZ];             /* required */
    char account[PROTO_ACCOUNT_SZ];         /* required */
    char order_id[PROTO_ORDER_ID_SZ];       /* venue's id; "" only for PENDING_UNKNOWN / REJECTED before an id */
    char client_order_id[PROTO_CLOID_SZ];   /* "" when the venue has none */
    char symbol[PROTO_SYMBOL_SZ];           /* required, unified */
    proto_side_t side;                      /* required */
    proto_order_type_t type;                /* required */
    proto_tif_t time_in_force;              /* NONE when not applicable */
    decimal_t quantity;                     /* required, >= 0 */
    decimal_t filled_quantity;              /* required, >= 0 */
    decimal_t price;                        /* zero = absent (market) */
    decimal_t average_price;                /* zero = no fill yet */
    decimal_t stop_price;                   /* zero = absent */
    bool reduce_only;                       /* default false */
    proto_status_t status;                  /* required */
    int64_t created_at;                     /* epoch ms; 0 = unknown */
    int64_t updated_at;                     /* epoch ms; 0 = unknown */
    proto_raw_t raw;                        /* the venue's JSON, optional, <= 64 KiB */
} proto_order_t;

void proto_order_free(proto_order_t *o);
void proto_order_copy(proto_order_t *dst, const proto_order_t *src);

/* CancelResult. */
typedef struct {
    bool ok;                                /* required: the venue accepted the cancel */
    char order_id[PROTO_ORDER_ID_SZ];       /* "" when unknown */
    char client_order_id[PROTO_CLOID_SZ];   /* "" when unknown */
    char symbol[PROTO_SYMBOL_SZ];           /* "" when unknown */
    proto_status_t status;                  /* status after the cancel; NONE when unknown */
} proto_cancel_t;

/* Fill: one trade. */
typedef struct {
    char venue[PROTO_VENUE_SZ];             /* required */
    char account[PROTO_ACCOUNT_SZ];         /* required */
    char trade_id[PROTO_ORDER_ID_SZ];       /* required; unique per venue and account */
    char order_id[PROTO_ORDER_ID_SZ];       /* required */
    char client_order_id[PROTO_CLOID_SZ];   /* "" when unknown */
    char symbol[PROTO_SYMBOL_SZ];           /* required */
    proto_side_t side;                      /* required */
    proto_order_type_t order_type;          /* NONE when the venue does not say */
    decimal_t quantity;                     /* required, > 0 */
    decimal_t price;                        /* required, > 0 */
    decimal_t fee;                          /* required; negative = rebate */
    char fee_asset[PROTO_ASSET_SZ];         /* "" when unknown */
    decimal_t realized_pnl;                 /* required (may be zero or negative) */
    proto_liquidity_t liquidity;            /* NONE when unknown */
    int64_t executed_at;                    /* required, epoch ms */
    proto_meta_t metadata;                  /* the order's metadata */
    proto_raw_t raw;                        /* optional venue JSON */
} proto_fill_t;

void proto_fill_free(proto_fill_t *f);
void proto_fill_copy(proto_fill_t *dst, const proto_fill_t *src);

#endif

/* market: account and market values of the unified model: Position, Balance, Ticker, Kline. Plain value
 * types without heap parts, embedded in result.h; their codec lives in market.c. */
#ifndef XR_PROTO_MARKET_H
#define XR_PROTO_MARKET_H

#include "common.h"

#include "base/decimal.h"

#include <stdint.h>

typedef struct {
    char venue[PROTO_VENUE_SZ];            /* required */
    char account[PROTO_ACCOUNT_SZ];        /* required */
    char symbol[PROTO_SYMBOL_SZ];          /* required */
    proto_direction_t side;                /* required: LONG, SHORT or FLAT */
    decimal_t quantity;                    /* required, >= 0 (absolute size) */
    decimal_t size;                        /* required, signed: > 0 long, < 0 short */
    decimal_t entry_price;                 /* zero = unknown / flat */
    decimal_t mark_price;                  /* zero = unknown */
    decimal_t liquidation_price;           /* zero = none */
    decimal_t unrealized_pnl;              /* may be negative */
    decimal_t realized_pnl;                /* may be negative */
    uint32_t leverage;                     /* 0 = unknown */
    decimal_t margin;                      /* zero = unknown */
    decimal_t take_profit;                 /* zero = none */
    decimal_t stop_loss;                   /* zero = none */
    proto_position_side_t position_side;   /* NONE = one-way */
    int64_t updated_at;                    /* epoch ms; 0 = unknown */
} proto_position_t;

typedef struct {
    char venue[PROTO_VENUE_SZ];      /* required */
    char account[PROTO_ACCOUNT_SZ];  /* required */
    char asset[PROTO_ASSET_SZ];      /* required */
    decimal_t total;                 /* required */
    decimal_t available;             /* required */
    decimal_t locked;                /* required */
} proto_balance_t;

typedef struct {
    char venue[PROTO_VENUE_SZ];    /* required */
    char symbol[PROTO_SYMBOL_SZ];  /* required */
    decimal_t last;                /* required */
    decimal_t mark;                /* zero = unknown */
    decimal_t bid;                 /* zero = unknown */
    decimal_t ask;                 /* zero = unknown */
    int64_t time;                  /* required, epoch ms */
} proto_ticker_t;

typedef struct {
    int64_t open_time;   /* required, epoch ms */
    decimal_t open;      /* required */
    decimal_t high;      /* required */
    decimal_t low;       /* required */
    decimal_t close;     /* required */
    decimal_t volume;    /* required (base asset) */
    int64_t close_time;  /* required, epoch ms */
} proto_kline_t;

#endif

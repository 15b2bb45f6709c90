/* instruments: a venue's tradable contracts, loaded from its instrument list, for two jobs: mapping symbols
 * between the unified "BASE/QUOTE" form and the venue's own ("ETHUSDT", "1000PEPEUSDT", "B-ETH_USDT") from the
 * list's base and quote assets rather than by string tricks, and checking every order against the contract's
 * tick, step, min/max quantity and min notional before it leaves (refusing with PRECISION or MIN_NOTIONAL, or
 * rounding only when the request asks). A table is replaced whole on refresh (instruments_replace). */
#ifndef XR_VENUE_INSTRUMENTS_H
#define XR_VENUE_INSTRUMENTS_H

#include "model.h"

#include "base/decimal.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

#define INSTRUMENTS_MAX 4096 /* contracts per venue; more is refused */

/* One contract's rules. Zero means "no such rule" for every decimal. */
typedef struct {
    char symbol[VENUE_SYMBOL_MAX];       /* unified BASE/QUOTE, from the list's base and quote assets */
    char venue_symbol[VENUE_SYMBOL_MAX]; /* the venue's own name */
    char base[VENUE_ASSET_MAX];          /* base asset as the venue names it ("1000PEPE") */
    char quote[VENUE_ASSET_MAX];         /* quote asset */
    bool trading;                        /* open for orders */
    decimal_t tick;                      /* price increment */
    decimal_t min_price;                 /* lowest price */
    decimal_t max_price;                 /* highest price */
    decimal_t step;                      /* quantity increment (limit orders) */
    decimal_t min_qty;                   /* smallest quantity */
    decimal_t max_qty;                   /* largest quantity (limit orders) */
    decimal_t market_step;               /* quantity increment for market orders (0: same as step) */
    decimal_t market_max_qty;            /* largest market quantity (0: same as max_qty) */
    decimal_t min_notional;              /* price * quantity floor; reduce-only orders are exempt */
} instrument_t;

typedef struct _instruments_t instruments_t;

/* An empty table. Caller owns it (instruments_destroy). */
instruments_t *instruments_new(void);
void instruments_destroy(instruments_t **self_p);

/* Adds one contract. Returns -1 (XR_INVALID_REQUEST) when the table is full, the unified or venue symbol is
 * already present, or the unified symbol is not BASE/QUOTE of [A-Z0-9] (1..20 each). */
int instruments_add(instruments_t *self, const instrument_t *inst, err_t *err);

/* Replaces self's contents with other's and leaves other empty. */
void instruments_replace(instruments_t *self, instruments_t *other);

/* Number of contracts; the i-th (borrowed, NULL past the end). */
size_t instruments_count(const instruments_t *self);
const instrument_t *instruments_at(const instruments_t *self, size_t i);

/* Lookup by unified symbol ("ETH/USDT") or by venue symbol ("ETHUSDT"). Borrowed; NULL when absent. */
const instrument_t *instruments_find(const instruments_t *self, const char *symbol);
const instrument_t *instruments_find_venue(const instruments_t *self, const char *venue_symbol);

/* Checks (and, when req->round, rounds in place) the price, trigger prices and quantity of an order against
 * the contract: price and triggers on the tick and within min/max price, quantity on the step and within
 * min/max, price * quantity >= min notional (not for reduce-only; market orders use ref_price, which may be
 * zero to skip that check). Rounding moves prices to the nearest tick and quantities down to the step.
 * Returns 0, or -1 with err PRECISION / MIN_NOTIONAL / UNKNOWN_SYMBOL (not trading) naming the field. */
int instrument_check_order(const instrument_t *inst, venue_order_req_t *req, decimal_t ref_price, err_t *err);

/* True if s is a valid unified symbol: BASE/QUOTE, uppercase [A-Z0-9], each part 1..20. */
bool instruments_symbol_valid(const char *s);

#endif

/* risk: pre-trade limits checked at the gateway before an order goes anywhere. Limits come from a text file
 * (default deploy/config/risk.conf), one limit a line, '#' starts a comment:
 *
 *   allow BTC/USDT ETH/USDT      symbols that may be traded (any number of allow lines; none = all)
 *   max_qty BTC/USDT 2           largest quantity of one order for the symbol
 *   max_qty * 1000               ... for symbols without their own line
 *   max_notional BTC/USDT 200000 largest price * quantity of one order (for orders without a price, the
 *                                last price the gateway saw for the symbol; no known price: not checked)
 *   max_open_orders 500          most open orders per account
 *   orders_per_second 50         most new orders per second per client (token bucket, burst = the rate)
 *
 * The limits (risk_t) are immutable once loaded; reload builds a new set and swaps it only when the file is
 * valid. The counters they are checked against (risk_state_t) belong to the gateway and survive reloads.
 * A breach is XR_RISK_REJECTED with the limit named in the message. Reduce-only orders are exempt from
 * max_notional, max_open_orders is not. */
#ifndef XR_GATEWAY_RISK_H
#define XR_GATEWAY_RISK_H

#include "base/decimal.h"
#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct _risk_t risk_t;
typedef struct _risk_state_t risk_state_t;

/* Loads limits from a file / parses them from text (name used in errors). NULL with err (file and line)
 * on a bad file. Caller destroys. */
risk_t *risk_load(const char *path, err_t *err);
risk_t *risk_parse(const char *text, const char *name, err_t *err);
void risk_destroy(risk_t **self_p);

/* What the check needs to know about an order. */
typedef struct {
    const char *client;     /* client id (rate limit key) */
    const char *account;    /* account (open-order limit key) */
    const char *symbol;     /* unified symbol */
    decimal_t quantity;     /* order quantity, > 0 */
    bool has_price;         /* price is set (limit types) */
    decimal_t price;        /* limit price when has_price */
    bool reduce_only;       /* exempt from max_notional */
} risk_order_t;

/* Counters the limits are checked against. */
risk_state_t *risk_state_new(void);
void risk_state_destroy(risk_state_t **self_p);

/* Records the latest price seen for a symbol (from fills or tickers), used for market-order notional. */
void risk_state_set_price(risk_state_t *st, const char *symbol, decimal_t price);

/* Adjusts the open-order count of an account by delta (+1 on accepted open order, -1 when it closes). */
void risk_state_open_orders_add(risk_state_t *st, const char *account, int delta);
int risk_state_open_orders(const risk_state_t *st, const char *account);

/* Checks an order against every limit. Every call takes one token of the client's rate, whatever the
 * outcome. Returns 0, or -1 with err = XR_RISK_REJECTED naming the limit. now_ms is a monotonic clock. */
int risk_check(const risk_t *self, risk_state_t *st, const risk_order_t *order, int64_t now_ms, err_t *err);

#endif

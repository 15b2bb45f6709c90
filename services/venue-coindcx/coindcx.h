/* coindcx: the CoinDCX futures adapter: what is particular to CoinDCX and nothing else. Facts:
 * /work/shared/venues.md sections 0, 3 and 6; the residual risks are written down in docs/venues/coindcx.md.
 *
 * What makes CoinDCX unlike the other venues, and how this adapter copes:
 *  - every private call is a JSON body {"timestamp":<ms>,...} signed as it is sent (X-AUTH-SIGNATURE = hex
 *    HMAC-SHA256 of the exact bytes); money goes out and comes back as JSON number tokens, read exactly;
 *  - no client order id and no get-order endpoint: get_order lists recent orders (side is required, so once
 *    per side) and matches by id, or, for an order whose reply was lost, by pair, side, type, quantity,
 *    prices and creation time (coindcx_match_order). The adapter remembers, for the orders it sent, the
 *    client id -> parameters, send time and venue id (a bounded memo in its private state);
 *  - leverage is per position and locked while the position is open: set_leverage then answers UNSUPPORTED,
 *    and an order asking for another leverage is refused before it leaves. Orders carry the position's
 *    leverage, read just before;
 *  - no reduce-only flag: reduce_only orders and close_position are checked against the position read just
 *    before (opposite side, size at most the position);
 *  - no trade id: fills get a stable derived id and a derived cursor (coindcx.md explains both). */
#ifndef XR_COINDCX_COINDCX_H
#define XR_COINDCX_COINDCX_H

#include "venue/adapter.h"

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The adapter. Its private state is configured from the environment on first use (see coindcx_configure). */
extern const venue_ops_t coindcx_ops;

/* Sets the margin currency of a fresh adapter state ("USDT" or "INR"; NULL reads COINDCX_MARGIN_CURRENCY,
 * default USDT). Returns 0, or -1 with err XR_INVALID_REQUEST naming the setting. */
int coindcx_configure(void *state, const char *margin_currency, err_t *err);

/* Unified code for a CoinDCX error reply: HTTP status plus the venue's message (venues.md 3.6). */
xr_code_t coindcx_error_code(long http_status, const char *message);

/* What is known of an order whose create reply was lost. */
typedef struct {
    char symbol[VENUE_SYMBOL_MAX];  /* unified */
    venue_side_t side;              /* BUY or SELL */
    venue_type_t type;              /* order type */
    decimal_t quantity;             /* total_quantity sent */
    decimal_t price;                /* limit price sent (zero for market types) */
    decimal_t stop_price;           /* trigger sent (zero when none) */
    int64_t sent_ms;                /* venue time the request was signed; 0 = unknown */
} coindcx_intent_t;

#define COINDCX_MATCH_BEFORE_MS 2000   /* an order may carry a creation time this much before our send time */
#define COINDCX_MATCH_AFTER_MS 15000   /* ... or this much after it (the venue accepts requests 10 s old) */

/* Index of the order in orders[0..n) that is the intent: same symbol, side, type, quantity, price and trigger,
 * created within [sent_ms - BEFORE, sent_ms + AFTER] (any time when sent_ms is 0), not among the claimed
 * venue ids (claimed[0..n_claimed), ids other intents already own); the closest in time wins. -1 when none. */
long coindcx_match_order(const venue_order_t *orders, size_t n, const coindcx_intent_t *want,
                         const char *const *claimed, size_t n_claimed);

#endif

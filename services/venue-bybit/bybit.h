/* bybit: the Bybit v5 linear perpetuals adapter: what is particular to Bybit and nothing else: symbols from
 * instruments-info, X-BAPI-* signing of the exact query string or JSON body, the retCode envelope (business
 * errors arrive with HTTP 200), endpoint paths and parameters, reply parsing, and the mapping of Bybit error
 * codes to unified codes. Facts: /work/shared/venues.md sections 0 and 2.
 *
 * Bybit acknowledges create, cancel and amend asynchronously with ids only, so every order-changing
 * operation ends with a GET /v5/order/realtime (then /v5/order/history) for the state it reports. A
 * duplicate orderLinkId (110072) is answered by querying that order. Conditional orders are ordinary
 * orders with triggerPrice/triggerDirection and keep one order id for their whole life. Attached TP/SL
 * travel with the order (takeProfit/stopLoss). Trailing stops are not orders on Bybit (they are a
 * position setting): place_order refuses TRAILING_STOP_MARKET with UNSUPPORTED.
 *
 * Fills come from /v5/execution/list: execType Trade, AdlTrade and BustTrade are fills (all three change
 * the position at a price with a fee); Funding, Settle, Delivery, BlockTrade, MovePosition are not. Bybit's
 * execution ids are UUIDs, so the fill cursor (venue_fill_t.seq_key) is synthesised as
 * execTime * 1000 + the fill's rank among the fills of the same millisecond, and a cursor is read back as
 * startTime = cursor / 1000 (that millisecond is re-read; the runtime drops keys it already has). */
#ifndef XR_BYBIT_BYBIT_H
#define XR_BYBIT_BYBIT_H

#include "venue/adapter.h"

/* The adapter. */
extern const venue_ops_t bybit_ops;

/* Bybit retCode (e.g. 110007) to the unified code; VENUE_REJECTED for codes not in the table. */
xr_code_t bybit_code_map(long code);

/* Unified kline interval ("1m", "4h", "1d", "1w", "1M") to Bybit's ("1", "240", "D", "W", "M") and the
 * candle length in ms (0 for "M": months vary). Returns NULL for intervals Bybit does not have. */
const char *bybit_interval(const char *unified, int64_t *ms);

#endif

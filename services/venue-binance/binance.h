/* binance: the Binance USD-M futures (fapi) adapter: what is particular to Binance and nothing else: symbols
 * from exchangeInfo, HMAC query signing, endpoint paths and parameters, response parsing, and the mapping of
 * Binance error codes to unified codes. Facts: /work/shared/venues.md sections 0 and 1.
 *
 * Conditional orders (STOP*, TAKE_PROFIT*, TRAILING_STOP_MARKET) go to /fapi/v1/algoOrder; their unified
 * order_id is "algo-<algoId>" so that cancel and query by id reach the right endpoint. Queries and cancels by
 * client order id try the regular endpoint first and the algo endpoint when the venue says "unknown order".
 * Attached take-profit / stop-loss become separate reduce-only algo orders with client ids derived from the
 * parent's ("<id>-tp", "<id>-sl"). */
#ifndef XR_BINANCE_BINANCE_H
#define XR_BINANCE_BINANCE_H

#include "venue/adapter.h"

/* The adapter. */
extern const venue_ops_t binance_ops;

/* Client id of an attached take-profit ("tp") or stop-loss ("sl") of parent: the parent's first 33 chars
 * + "-" + suffix. out holds VENUE_CLID_MAX bytes. */
void binance_derived_clid(const char *parent, const char *suffix, char out[VENUE_CLID_MAX]);

/* Binance error code (e.g. -2019) to the unified code; VENUE_REJECTED for codes not in the table. */
xr_code_t binance_code_map(long code);

/* True when code has an explicit entry in the table (every code of venues.md 1.6 must). */
bool binance_code_known(long code);

#endif

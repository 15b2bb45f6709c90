/* sim_coindcx: the CoinDCX futures REST dialect of the exchange simulator. Private calls carry a compact JSON
 * body with "timestamp" and are signed with X-AUTH-APIKEY / X-AUTH-SIGNATURE (hex HMAC-SHA256 over the exact
 * body bytes received, GET /wallets included); replies use JSON number tokens for money, arrays for orders,
 * and {"code":<http status>,"message":"...","status":"error"} for errors. The public market-data paths of
 * public.coindcx.com (current prices, candlesticks) are served on the same port. Choices made where CoinDCX
 * does not document its behaviour are listed in NOTES-simx.md. */
#ifndef XR_SIM_SIM_COINDCX_H
#define XR_SIM_SIM_COINDCX_H

#include "dialect.h"

/* The CoinDCX dialect (default port 9103). */
extern const sim_dialect_t sim_dialect_coindcx;

#endif

/* fuzz_sim_coindcx: arbitrary requests straight into the CoinDCX dialect's handle hook, through the shared
 * driver (sim_dialect_fuzz.h: input layout, state, the every-reply-is-JSON check). Signed requests carry
 * X-AUTH-SIGNATURE over the exact body; signed bodies need "timestamp":1767225600000 to pass the clock check. */
#include "sim_dialect_fuzz.h"

#include "sim/sim_coindcx.h"

#include "crypto/crypto.h"

#include <stdio.h>

static const char *const s_paths[] = {
    "/exchange/v1/derivatives/futures/orders/create", "/exchange/v1/derivatives/futures/orders",
    "/exchange/v1/derivatives/futures/orders/cancel", "/exchange/v1/derivatives/futures/orders/edit",
    "/exchange/v1/derivatives/futures/positions", "/exchange/v1/derivatives/futures/positions/update_leverage",
    "/exchange/v1/derivatives/futures/positions/margin_type",
    "/exchange/v1/derivatives/futures/positions/cancel_all_open_orders",
    "/exchange/v1/derivatives/futures/positions/cancel_all_open_orders_for_position",
    "/exchange/v1/derivatives/futures/positions/exit", "/exchange/v1/derivatives/futures/positions/cross_margin_details",
    "/exchange/v1/derivatives/futures/wallets", "/exchange/v1/derivatives/futures/trades",
    "/exchange/v1/derivatives/futures/data/instrument", "/exchange/v1/derivatives/futures/data/active_instruments",
    "/market_data/v3/current_prices/futures/rt", "/market_data/candlesticks",
};

static size_t s_headers(const sim_fuzz_req_t *q, sim_header_t *h, char *scratch, size_t cap)
{
    snprintf(scratch, cap, "0");
    if (q->sign)
        crypto_hmac_sha256_hex(SIM_FUZZ_SECRET, q->body, q->body_len, scratch);
    h[0] = (sim_header_t){"X-AUTH-APIKEY", SIM_FUZZ_KEY};
    h[1] = (sim_header_t){"X-AUTH-SIGNATURE", scratch};
    return 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return sim_fuzz_run(&sim_dialect_coindcx, s_paths, sizeof s_paths / sizeof s_paths[0], s_headers, data, size);
}

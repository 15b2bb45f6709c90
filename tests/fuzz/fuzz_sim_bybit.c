/* fuzz_sim_bybit: arbitrary requests straight into the Bybit dialect's handle hook, through the shared driver
 * (sim_dialect_fuzz.h: input layout, state, the every-reply-is-JSON check). Signed requests carry the X-BAPI-*
 * headers over timestamp + key + recvWindow + the query (GET) or the body. */
#include "sim_dialect_fuzz.h"

#include "sim/sim_bybit.h"

#include "crypto/crypto.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_paths[] = {
    "/v5/market/time",    "/v5/market/instruments-info", "/v5/market/tickers",  "/v5/market/kline",
    "/v5/user/query-api", "/v5/account/info",            "/v5/account/wallet-balance", "/v5/position/list",
    "/v5/position/set-leverage", "/v5/order/create",     "/v5/order/amend",     "/v5/order/cancel",
    "/v5/order/cancel-all", "/v5/order/realtime",        "/v5/order/history",   "/v5/execution/list",
    "/v5/asset/coin/query-info",
};

static size_t s_headers(const sim_fuzz_req_t *q, sim_header_t *h, char *scratch, size_t cap)
{
    char *ts = scratch, *sig = scratch + 32;
    snprintf(ts, 32, "%" PRId64, (int64_t) SIM_FUZZ_NOW);
    snprintf(sig, cap - 32, "0");
    if (q->sign) {
        bool get = strcmp(q->method, "GET") == 0;
        const char *payload = get ? q->query : q->body;
        size_t payload_len = get ? q->query_len : q->body_len;
        size_t prefix = strlen(ts) + strlen(SIM_FUZZ_KEY) + 4;
        char *msg = malloc(prefix + payload_len + 1);
        snprintf(msg, prefix + 1, "%s%s5000", ts, SIM_FUZZ_KEY);
        memcpy(msg + prefix, payload, payload_len);
        crypto_hmac_sha256_hex(SIM_FUZZ_SECRET, msg, prefix + payload_len, sig);
        free(msg);
    }
    h[0] = (sim_header_t){"X-BAPI-API-KEY", SIM_FUZZ_KEY};
    h[1] = (sim_header_t){"X-BAPI-TIMESTAMP", ts};
    h[2] = (sim_header_t){"X-BAPI-RECV-WINDOW", "5000"};
    h[3] = (sim_header_t){"X-BAPI-SIGN", sig};
    return 4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return sim_fuzz_run(&sim_dialect_bybit, s_paths, sizeof s_paths / sizeof s_paths[0], s_headers, data, size);
}

/* fuzz_sim_bybit: arbitrary requests straight into the Bybit dialect's handle hook. Input layout:
 *   byte 0  bit 0: sign the request correctly (so fuzzing reaches the handlers), bits 1-2: method
 *           (GET, POST, DELETE, PUT), bit 3: body marked too large
 *   byte 1  route: index into the known paths; past the end, the path is the first line of the rest
 *   rest    "<query>\n<body>" (no newline: all query for GET, all body otherwise)
 * The engine and dialect state persist across inputs and are reset every 64 write requests, so a run is a
 * pure function of the input sequence. Every reply must be JSON. */
#include "sim/engine.h"
#include "sim/sim_bybit.h"

#include "base/log.h"
#include "crypto/crypto.h"
#include "json/json.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1767225600000LL

static const char *const s_paths[] = {
    "/v5/market/time",    "/v5/market/instruments-info", "/v5/market/tickers",  "/v5/market/kline",
    "/v5/user/query-api", "/v5/account/info",            "/v5/account/wallet-balance", "/v5/position/list",
    "/v5/position/set-leverage", "/v5/order/create",     "/v5/order/amend",     "/v5/order/cancel",
    "/v5/order/cancel-all", "/v5/order/realtime",        "/v5/order/history",   "/v5/execution/list",
    "/v5/asset/coin/query-info",
};
#define NPATHS (sizeof s_paths / sizeof s_paths[0])

static sim_engine_t *s_engine;
static void *s_state;
static sim_http_resp_t s_resp;
static unsigned s_writes; /* write requests since the last reset */

static void s_setup(void)
{
    log_init("fuzz", LOG_LEVEL_OFF);
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    cfg.tick_ms = 0;
    s_engine = sim_engine_new(&cfg, NULL);
    sim_engine_add_account(s_engine, "fz-key", "fz-secret", NULL);
    s_state = calloc(1, sim_dialect_bybit.state_size);
    if (!s_engine || !s_state || sim_dialect_bybit.init(s_state, s_engine, NOW, NULL) < 0)
        abort();
    buf_init(&s_resp.body, SIM_MAX_RESP_BODY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_engine)
        s_setup();
    if (size < 2)
        return 0;
    static const char *const methods[] = {"GET", "POST", "DELETE", "PUT"};
    uint8_t flags = data[0], route = data[1];
    const char *method = methods[(flags >> 1) & 3];
    char *rest = malloc(size - 1);
    memcpy(rest, data + 2, size - 2);
    rest[size - 2] = '\0';
    size_t rest_len = size - 2;
    char *path = (char *)"/";
    char *p = rest;
    size_t p_len = rest_len;
    if (route < NPATHS) {
        path = (char *)s_paths[route];
    } else {
        char *nl = memchr(p, '\n', p_len);
        path = p;
        if (nl) {
            *nl = '\0';
            p_len -= (size_t)(nl + 1 - p);
            p = nl + 1;
        } else {
            p += p_len;
            p_len = 0;
        }
    }
    const char *query = "", *body = "";
    size_t query_len = 0, body_len = 0;
    char *nl = memchr(p, '\n', p_len);
    if (nl) {
        *nl = '\0';
        query = p;
        query_len = (size_t)(nl - p);
        body = nl + 1;
        body_len = p_len - query_len - 1;
    } else if (strcmp(method, "GET") == 0) {
        query = p;
        query_len = p_len;
    } else {
        body = p;
        body_len = p_len;
    }
    char ts[32], sig[CRYPTO_HEX_SHA256_LEN];
    snprintf(ts, sizeof ts, "%" PRId64, (int64_t)NOW);
    sim_header_t h[4] = {{"X-BAPI-API-KEY", "fz-key"}, {"X-BAPI-TIMESTAMP", ts}, {"X-BAPI-RECV-WINDOW", "5000"},
                         {"X-BAPI-SIGN", "0"}};
    if (flags & 1) {
        size_t n = strlen(ts) + 6 + 4 + (strcmp(method, "GET") == 0 ? query_len : body_len);
        char *msg = malloc(n + 1);
        int k = snprintf(msg, n + 1, "%sfz-key5000", ts);
        memcpy(msg + k, strcmp(method, "GET") == 0 ? query : body, n - (size_t)k);
        crypto_hmac_sha256_hex("fz-secret", msg, n, sig);
        free(msg);
        h[3].value = sig;
    }
    sim_http_req_t r = {
        .method = method, .path = path, .path_len = strlen(path), .query = query, .query_len = strlen(query),
        .headers = h, .header_count = 4, .body = body, .body_len = body_len, .body_too_large = (flags & 8) != 0,
        .peer = "127.0.0.1", .now_ms = NOW,
    };
    (void)query_len;
    /* resetting regenerates the price history (~30 ms): do it every 64 writes so state builds up a little
     * (open orders, positions) and fuzzing stays fast; a corpus replay is still the same every time */
    if (strcmp(method, "GET") != 0 && ++s_writes % 64 == 0)
        sim_engine_reset(s_engine, NOW);
    sim_dialect_bybit.reset(s_state);
    sim_resp_begin(&s_resp, 200);
    sim_dialect_bybit.handle(s_state, &r, &s_resp);
    json_t *v = json_parse(s_resp.body.data, s_resp.body.len, SIM_MAX_RESP_BODY, 64, NULL);
    if (!v)
        abort(); /* every reply is JSON */
    json_free(&v);
    free(rest);
    return 0;
}

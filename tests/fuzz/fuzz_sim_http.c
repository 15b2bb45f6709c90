/* fuzz_sim_http: arbitrary requests straight into the Binance dialect's handle hook (no socket). Input layout:
 *   byte 0  bit 0: sign the request correctly (appending timestamp and signature, so fuzzing reaches the
 *           handlers), bit 1: signature in the body instead of the query, bits 2-3: method (GET, POST, DELETE,
 *           PUT), bit 4: body marked too large, bit 5: no API key header
 *   byte 1  route: index into the known paths; past the end, the path is the first line of the rest
 *   rest    "<query>\n<body>" (no newline: all query)
 * The engine and dialect state persist across inputs (the price moves with the input count) and are reset every
 * 64 inputs, so a run is a pure function of the input sequence. Every reply must be JSON with a sane status. */
#include "sim/engine.h"
#include "sim/sim_binance.h"

#include "base/log.h"
#include "crypto/crypto.h"
#include "json/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1767225600000LL
#define KEY "fuzz-key"
#define SECRET "fuzz-secret"

static const char *const s_paths[] = {
    "/fapi/v1/order",          "/fapi/v1/algoOrder",       "/fapi/v1/openOrders",     "/fapi/v1/openOrder",
    "/fapi/v1/allOpenOrders",  "/fapi/v1/algoOpenOrders",  "/fapi/v1/openAlgoOrders", "/fapi/v2/positionRisk",
    "/fapi/v3/positionRisk",   "/fapi/v3/balance",         "/fapi/v2/account",        "/fapi/v1/leverage",
    "/fapi/v1/userTrades",     "/fapi/v1/klines",          "/fapi/v1/ticker/price",   "/fapi/v1/exchangeInfo",
    "/fapi/v1/positionSide/dual", "/fapi/v1/marginType",   "/fapi/v1/allOrders",      "/fapi/v1/depth",
    "/fapi/v1/premiumIndex",   "/fapi/v1/ticker/bookTicker", "/fapi/v1/listenKey",    "/fapi/v1/time",
};
#define NPATHS (sizeof s_paths / sizeof s_paths[0])
static const char *const s_methods[] = {"GET", "POST", "DELETE", "PUT"};

static sim_engine_t *s_engine;
static void *s_state;
static sim_http_resp_t s_resp;
static unsigned s_count;

static void s_setup(void)
{
    log_init("fuzz", LOG_LEVEL_OFF);
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    cfg.tick_ms = 100;
    s_engine = sim_engine_new(&cfg, NULL);
    s_state = calloc(1, sim_dialect_binance.state_size);
    if (!s_engine || !s_state || sim_dialect_binance.init(s_state, s_engine, NOW, NULL) != 0 ||
        sim_engine_add_account(s_engine, KEY, SECRET, NULL) != 0)
        abort();
    buf_init(&s_resp.body, SIM_MAX_RESP_BODY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_engine)
        s_setup();
    if (size < 2 || size > 16384)
        return 0;
    uint8_t flags = data[0], route = data[1];
    const char *rest = (const char *)data + 2;
    size_t rest_len = size - 2;
    char path[256];
    if (route < NPATHS) {
        snprintf(path, sizeof path, "%s", s_paths[route]);
    } else {
        const char *nl = memchr(rest, '\n', rest_len);
        size_t n = nl ? (size_t)(nl - rest) : rest_len;
        if (n >= sizeof path)
            n = sizeof path - 1;
        memcpy(path, rest, n);
        path[n] = '\0';
        rest += nl ? n + 1 : n;
        rest_len -= nl ? n + 1 : n;
    }
    const char *nl = memchr(rest, '\n', rest_len);
    size_t qlen = nl ? (size_t)(nl - rest) : rest_len;
    static char query[20000], body[20000];
    memcpy(query, rest, qlen);
    query[qlen] = '\0';
    size_t blen = nl ? rest_len - qlen - 1 : 0;
    memcpy(body, nl ? nl + 1 : "", blen);
    body[blen] = '\0';
    int64_t now = NOW + (int64_t)s_count * 150;
    if (flags & 1) {
        /* sign what is there (query then body) and append timestamp + signature where bit 1 says */
        char *target = (flags & 2) ? body : query;
        size_t *tlen = (flags & 2) ? &blen : &qlen;
        int w = snprintf(target + *tlen, 64, "%stimestamp=%lld", *tlen ? "&" : "", (long long)now);
        *tlen += (size_t)w;
        static char msg[40000];
        memcpy(msg, query, qlen);
        memcpy(msg + qlen, body, blen);
        char sig[CRYPTO_HEX_SHA256_LEN];
        crypto_hmac_sha256_hex(SECRET, msg, qlen + blen, sig);
        w = snprintf(target + *tlen, 80, "&signature=%s", sig);
        *tlen += (size_t)w;
    }
    sim_header_t h[1] = {{"X-MBX-APIKEY", KEY}};
    sim_http_req_t req = {.method = s_methods[(flags >> 2) & 3], .path = path, .path_len = strlen(path),
                          .query = query, .query_len = qlen, .headers = h, .header_count = (flags & 32) ? 0 : 1,
                          .body = body, .body_len = blen, .body_too_large = (flags & 16) != 0, .peer = "127.0.0.1",
                          .now_ms = now};
    sim_engine_tick(s_engine, now);
    sim_dialect_binance.handle(s_state, &req, &s_resp);
    if (s_resp.status < 200 || s_resp.status > 599)
        abort();
    err_t err;
    json_t *doc = json_parse(s_resp.body.data ? s_resp.body.data : "", s_resp.body.len, SIM_MAX_RESP_BODY, 64, &err);
    if (!doc) {
        fprintf(stderr, "reply is not JSON: %.300s\n", buf_cstr(&s_resp.body));
        abort();
    }
    json_free(&doc);
    if (++s_count % 64 == 0) {
        sim_engine_reset(s_engine, now);
        sim_dialect_binance.reset(s_state);
    }
    return 0;
}

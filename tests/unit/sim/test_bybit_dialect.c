/* test_bybit_dialect: the Bybit v5 dialect driven directly through its handle hook (no sockets): signing
 * checks, the retCode envelope and codes, orderLinkId uniqueness, conditional orders keeping their id through
 * the trigger, leverage, klines order, executions, per-UID and per-IP limits (and the published X-Bapi-Limit with
 * rate limits on and off), and bad input. Requests are signed here from the documented rule; the
 * independent-client check is tests/node/ccxt_bybit.mjs. */
#include "testutil.h"

#include "sim/engine.h"
#include "sim/sim_bybit.h"

#include "base/mem.h"
#include "crypto/crypto.h"
#include "json/json.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY "by-key"
#define SECRET "by-secret"
#define T0 1767225600000LL /* 2026-01-01 00:00:00 UTC */

typedef struct {
    sim_engine_t *engine;
    void *state;
    sim_http_resp_t resp;
    json_t *reply;
    int64_t now;
} fx_t;

static fx_t *fx_new(void)
{
    fx_t *f = mem_calloc(1, sizeof *f);
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    cfg.tick_ms = 0; /* prices move only when a test says so */
    err_t err;
    f->engine = sim_engine_new(&cfg, &err);
    ck_assert_ptr_nonnull(f->engine);
    ck_assert_int_eq(sim_engine_add_account(f->engine, KEY, SECRET, &err), 0);
    f->state = mem_calloc(1, sim_dialect_bybit.state_size);
    f->now = T0;
    ck_assert_int_eq(sim_dialect_bybit.init(f->state, f->engine, f->now, &err), 0);
    buf_init(&f->resp.body, SIM_MAX_RESP_BODY);
    return f;
}

static void fx_destroy(fx_t *f)
{
    json_free(&f->reply);
    buf_release(&f->resp.body);
    mem_free(f->state);
    sim_engine_destroy(&f->engine);
    mem_free(f);
}

/* Sends one request; sign: 0 unsigned, 1 signed right, 2 wrong secret, 3 stale timestamp, 4 unknown key.
 * Returns the parsed reply (owned by f). */
static const json_t *fx_send(fx_t *f, const char *method, const char *path, const char *query, const char *body, int sign)
{
    sim_header_t h[6];
    size_t nh = 0;
    char ts[32], sig[CRYPTO_HEX_SHA256_LEN];
    const char *payload = strcmp(method, "GET") == 0 ? query : body;
    if (sign) {
        snprintf(ts, sizeof ts, "%" PRId64, sign == 3 ? f->now - 60000 : f->now);
        const char *key = sign == 4 ? "nobody" : KEY;
        char msg[70000];
        snprintf(msg, sizeof msg, "%s%s5000%s", ts, key, payload);
        ck_assert_int_eq(crypto_hmac_sha256_hex(sign == 2 ? "wrong" : SECRET, msg, strlen(msg), sig), 0);
        h[nh++] = (sim_header_t){"X-BAPI-API-KEY", key};
        h[nh++] = (sim_header_t){"X-BAPI-TIMESTAMP", ts};
        h[nh++] = (sim_header_t){"X-BAPI-RECV-WINDOW", "5000"};
        h[nh++] = (sim_header_t){"X-BAPI-SIGN", sig};
    }
    sim_http_req_t r = {
        .method = method, .path = path, .path_len = strlen(path), .query = query, .query_len = strlen(query),
        .headers = h, .header_count = nh, .body = body, .body_len = strlen(body), .peer = "127.0.0.1",
        .now_ms = f->now,
    };
    sim_resp_begin(&f->resp, 200);
    sim_dialect_bybit.handle(f->state, &r, &f->resp);
    json_free(&f->reply);
    f->reply = json_parse(f->resp.body.data, f->resp.body.len, SIM_MAX_RESP_BODY, 32, NULL);
    ck_assert_msg(f->reply != NULL, "reply is JSON: %s", buf_cstr(&f->resp.body));
    return f->reply;
}

static int64_t fx_code(fx_t *f)
{
    int64_t code = -1;
    ck_assert_int_eq(json_get_int64(f->reply, "retCode", &code, NULL), 0);
    return code;
}

static const json_t *fx_result(fx_t *f)
{
    return json_get(f->reply, "result");
}

static const char *fx_str(const json_t *obj, const char *key)
{
    const char *s = json_string(json_get(obj, key), NULL);
    ck_assert_msg(s != NULL, "field %s is a string", key);
    return s;
}

static const json_t *fx_first(fx_t *f)
{
    return json_array_at(json_get(fx_result(f), "list"), 0);
}

START_TEST(test_public_time_and_instruments)
{
    fx_t *f = fx_new();
    fx_send(f, "GET", "/v5/market/time", "", "", 0);
    ck_assert_int_eq(fx_code(f), 0);
    ck_assert_str_eq(fx_str(fx_result(f), "timeSecond"), "1767225600");
    fx_send(f, "GET", "/v5/market/instruments-info", "category=linear&symbol=ETHUSDT", "", 0);
    ck_assert_int_eq(fx_code(f), 0);
    const json_t *eth = fx_first(f);
    ck_assert_str_eq(fx_str(eth, "symbol"), "ETHUSDT");
    ck_assert_str_eq(fx_str(json_get(eth, "priceFilter"), "tickSize"), "0.01");
    ck_assert_str_eq(fx_str(json_get(eth, "lotSizeFilter"), "qtyStep"), "0.01");
    fx_send(f, "GET", "/v5/market/instruments-info", "category=linear", "", 0);
    ck_assert_uint_eq(json_array_len(json_get(fx_result(f), "list")), 5);
    fx_send(f, "GET", "/v5/market/instruments-info", "category=linear&status=PreLaunch", "", 0);
    ck_assert_uint_eq(json_array_len(json_get(fx_result(f), "list")), 0);
    fx_send(f, "GET", "/v5/market/instruments-info", "category=spot", "", 0);
    ck_assert_int_eq(fx_code(f), 10001);
    fx_send(f, "GET", "/v5/nope", "", "", 0);
    ck_assert_int_eq(f->resp.status, 404);
    fx_destroy(f);
}
END_TEST

START_TEST(test_auth_errors)
{
    fx_t *f = fx_new();
    fx_send(f, "GET", "/v5/account/wallet-balance", "accountType=UNIFIED", "", 1);
    ck_assert_int_eq(fx_code(f), 0);
    ck_assert_int_eq(f->resp.status, 200);
    fx_send(f, "GET", "/v5/account/wallet-balance", "accountType=UNIFIED", "", 2);
    ck_assert_int_eq(fx_code(f), 10004);
    fx_send(f, "GET", "/v5/account/wallet-balance", "accountType=UNIFIED", "", 3);
    ck_assert_int_eq(fx_code(f), 10002);
    fx_send(f, "GET", "/v5/account/wallet-balance", "accountType=UNIFIED", "", 4);
    ck_assert_int_eq(fx_code(f), 10003);
    fx_send(f, "GET", "/v5/account/wallet-balance", "accountType=UNIFIED", "", 0);
    ck_assert_int_eq(fx_code(f), 10003);
    /* the signature covers the exact query: a reordered query with the old signature fails */
    fx_send(f, "GET", "/v5/position/list", "category=linear&symbol=ETHUSDT", "", 1);
    ck_assert_int_eq(fx_code(f), 0);
    fx_destroy(f);
}
END_TEST

static const char *s_create(fx_t *f, const char *body)
{
    fx_send(f, "POST", "/v5/order/create", "", body, 1);
    return fx_code(f) == 0 ? fx_str(fx_result(f), "orderId") : NULL;
}

START_TEST(test_orders_lifecycle)
{
    fx_t *f = fx_new();
    const char *id = s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\","
                                 "\"qty\":\"0.10\",\"price\":\"3000\",\"orderLinkId\":\"a-1\"}");
    ck_assert_ptr_nonnull(id);
    char oid[40];
    snprintf(oid, sizeof oid, "%s", id);
    ck_assert_uint_eq(strlen(oid), 36);
    ck_assert_str_eq(fx_str(fx_result(f), "orderLinkId"), "a-1");
    /* duplicate orderLinkId */
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.10\","
                "\"price\":\"3000\",\"orderLinkId\":\"a-1\"}");
    ck_assert_int_eq(fx_code(f), 110072);
    fx_send(f, "GET", "/v5/order/realtime", "category=linear&orderLinkId=a-1", "", 1);
    ck_assert_int_eq(fx_code(f), 0);
    ck_assert_str_eq(fx_str(fx_first(f), "orderStatus"), "New");
    ck_assert_str_eq(fx_str(fx_first(f), "price"), "3000.00");
    /* amend keeps the id */
    char body[256];
    snprintf(body, sizeof body, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"orderId\":\"%s\",\"price\":\"3001\"}", oid);
    fx_send(f, "POST", "/v5/order/amend", "", body, 1);
    ck_assert_int_eq(fx_code(f), 0);
    ck_assert_str_eq(fx_str(fx_result(f), "orderId"), oid);
    fx_send(f, "GET", "/v5/order/realtime", "category=linear&symbol=ETHUSDT", "", 1);
    ck_assert_str_eq(fx_str(fx_first(f), "price"), "3001.00");
    /* cancel, then again */
    snprintf(body, sizeof body, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"orderId\":\"%s\"}", oid);
    fx_send(f, "POST", "/v5/order/cancel", "", body, 1);
    ck_assert_int_eq(fx_code(f), 0);
    fx_send(f, "POST", "/v5/order/cancel", "", body, 1);
    ck_assert_int_eq(fx_code(f), 110001);
    fx_send(f, "GET", "/v5/order/realtime", "category=linear&orderLinkId=a-1", "", 1);
    ck_assert_str_eq(fx_str(fx_first(f), "orderStatus"), "Cancelled");
    /* a used orderLinkId stays used after the order is final */
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.10\","
                "\"price\":\"3000\",\"orderLinkId\":\"a-1\"}");
    ck_assert_int_eq(fx_code(f), 110072);
    fx_destroy(f);
}
END_TEST

START_TEST(test_market_fill_position_execution)
{
    fx_t *f = fx_new();
    fx_send(f, "POST", "/v5/position/set-leverage", "",
            "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"buyLeverage\":\"5\",\"sellLeverage\":\"5\"}", 1);
    ck_assert_int_eq(fx_code(f), 0);
    fx_send(f, "POST", "/v5/position/set-leverage", "",
            "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"buyLeverage\":\"5\",\"sellLeverage\":\"5\"}", 1);
    ck_assert_int_eq(fx_code(f), 110043);
    ck_assert_ptr_nonnull(s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Market\","
                                      "\"qty\":\"0.5\",\"orderLinkId\":\"m-1\"}"));
    fx_send(f, "GET", "/v5/order/realtime", "category=linear&orderLinkId=m-1", "", 1);
    ck_assert_str_eq(fx_str(fx_first(f), "orderStatus"), "Filled");
    ck_assert_str_eq(fx_str(fx_first(f), "cumExecQty"), "0.50");
    fx_send(f, "GET", "/v5/position/list", "category=linear&symbol=ETHUSDT", "", 1);
    ck_assert_str_eq(fx_str(fx_first(f), "side"), "Buy");
    ck_assert_str_eq(fx_str(fx_first(f), "size"), "0.50");
    ck_assert_str_eq(fx_str(fx_first(f), "leverage"), "5");
    fx_send(f, "GET", "/v5/execution/list", "category=linear&symbol=ETHUSDT", "", 1);
    ck_assert_str_eq(fx_str(fx_first(f), "execType"), "Trade");
    ck_assert_str_eq(fx_str(fx_first(f), "execQty"), "0.50");
    ck_assert_str_eq(fx_str(fx_first(f), "orderLinkId"), "m-1");
    /* reduce-only that would increase: 110017 */
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Market\",\"qty\":\"0.1\","
                "\"reduceOnly\":true}");
    ck_assert_int_eq(fx_code(f), 110017);
    /* below min notional */
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"XRPUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"1\","
                "\"price\":\"2\"}");
    ck_assert_int_eq(fx_code(f), 110094);
    fx_destroy(f);
}
END_TEST

START_TEST(test_conditional_keeps_id)
{
    fx_t *f = fx_new();
    const char *id = s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Market\","
                                 "\"qty\":\"0.1\",\"triggerPrice\":\"3600\",\"triggerDirection\":1,\"orderLinkId\":\"c-1\"}");
    ck_assert_ptr_nonnull(id);
    fx_send(f, "GET", "/v5/order/realtime", "category=linear&orderLinkId=c-1", "", 1);
    ck_assert_str_eq(fx_str(fx_first(f), "orderStatus"), "Untriggered");
    ck_assert_str_eq(fx_str(fx_first(f), "stopOrderType"), "Stop");
    /* wrong direction: would trigger at once */
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Market\",\"qty\":\"0.1\","
                "\"triggerPrice\":\"3000\",\"triggerDirection\":1}");
    ck_assert_int_eq(fx_code(f), 110093);
    const sim_instrument_t *eth = sim_engine_instrument(f->engine, SIM_VENUE_BYBIT, "ETHUSDT");
    decimal_t p;
    decimal_from_str("3600", &p, NULL);
    ck_assert_int_eq(sim_engine_set_price(f->engine, eth, p, f->now, NULL), 0);
    fx_send(f, "GET", "/v5/order/realtime", "category=linear&orderLinkId=c-1&openOnly=1", "", 1);
    ck_assert_str_eq(fx_str(fx_first(f), "orderStatus"), "Filled");
    fx_send(f, "GET", "/v5/order/history", "category=linear&symbol=ETHUSDT", "", 1);
    ck_assert_uint_eq(json_array_len(json_get(fx_result(f), "list")), 1); /* the child is not listed apart */
    fx_destroy(f);
}
END_TEST

START_TEST(test_kline_newest_first)
{
    fx_t *f = fx_new();
    fx_send(f, "GET", "/v5/market/kline", "category=linear&symbol=BTCUSDT&interval=1&limit=3", "", 0);
    ck_assert_int_eq(fx_code(f), 0);
    const json_t *list = json_get(fx_result(f), "list");
    ck_assert_uint_eq(json_array_len(list), 3);
    int64_t a, b;
    ck_assert_int_eq(json_int64(json_array_at(json_array_at(list, 0), 0), &a, NULL), 0);
    ck_assert_int_eq(json_int64(json_array_at(json_array_at(list, 1), 0), &b, NULL), 0);
    ck_assert_int_eq(a - b, 60000);
    fx_send(f, "GET", "/v5/market/kline", "category=linear&symbol=BTCUSDT&interval=7", "", 0);
    ck_assert_int_eq(fx_code(f), 10001);
    fx_destroy(f);
}
END_TEST

START_TEST(test_bad_input)
{
    fx_t *f = fx_new();
    fx_send(f, "POST", "/v5/order/create", "", "{\"category\":\"linear\",", 1);
    ck_assert_int_eq(fx_code(f), 10001);
    fx_send(f, "POST", "/v5/order/create", "", "[1,2]", 1);
    ck_assert_int_eq(fx_code(f), 10001);
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.1\","
                "\"price\":\"3000\",\"bogus\":1}");
    ck_assert_int_eq(fx_code(f), 10001);
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":0.1,"
                "\"price\":\"3000\"}");
    ck_assert_int_eq(fx_code(f), 10001);
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.1\"}");
    ck_assert_int_eq(fx_code(f), 10001);
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.1\","
                "\"price\":\"3000.001\"}");
    ck_assert_int_eq(fx_code(f), 10001);
    s_create(f, "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.1\","
                "\"price\":\"3000\",\"orderLinkId\":\"has space\"}");
    ck_assert_int_eq(fx_code(f), 10001);
    fx_send(f, "GET", "/v5/position/list", "category=linear", "", 1);
    ck_assert_int_eq(fx_code(f), 10001);
    fx_send(f, "GET", "/v5/position/list", "category=linear&symbol=ETHUSDT&x=%zz", "", 1);
    ck_assert_int_eq(fx_code(f), 10001);
    fx_destroy(f);
}
END_TEST

/* The value of a reply header, or NULL. */
static const char *fx_header(fx_t *f, const char *name)
{
    for (size_t i = 0; i < f->resp.header_count; i++)
        if (strcmp(f->resp.headers[i].name, name) == 0)
            return f->resp.headers[i].value;
    return NULL;
}

/* Sends order creates in one second until one is refused or n went through; returns how many went through. */
static int fx_creates(fx_t *f, int n, const char *tag)
{
    for (int i = 0; i < n; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.1\","
                 "\"price\":\"2000\",\"orderLinkId\":\"%s-%d\"}",
                 tag, i);
        fx_send(f, "POST", "/v5/order/create", "", body, 1);
        if (fx_code(f) != 0)
            return i;
    }
    return n;
}

START_TEST(test_published_limits)
{
    /* X-Bapi-Limit is the limit in force: the route's 10 per second (the 11th create is refused), and with rate
     * limits off SIM_LIMIT_UNLIMITED, with a status that counts down from it and more creates going through */
    fx_t *f = fx_new();
    ck_assert_int_eq(fx_creates(f, 20, "on"), 10);
    ck_assert_int_eq(fx_code(f), 10006);
    ck_assert_str_eq(fx_header(f, "X-Bapi-Limit"), "10");
    ck_assert_str_eq(fx_header(f, "X-Bapi-Limit-Status"), "0");
    f->now += 1000;
    sim_engine_set_rate_limits(f->engine, false, 0);
    ck_assert_int_eq(fx_creates(f, 20, "off"), 20);
    char want[32];
    snprintf(want, sizeof want, "%d", SIM_LIMIT_UNLIMITED);
    ck_assert_str_eq(fx_header(f, "X-Bapi-Limit"), want);
    snprintf(want, sizeof want, "%d", SIM_LIMIT_UNLIMITED - 20);
    ck_assert_str_eq(fx_header(f, "X-Bapi-Limit-Status"), want);
    fx_destroy(f);
}
END_TEST

START_TEST(test_limits)
{
    fx_t *f = fx_new();
    /* 10 creates per second per account; the 11th in the same second is 10006 */
    int ok = 0, limited = 0;
    for (int i = 0; i < 11; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.1\","
                 "\"price\":\"2000\",\"orderLinkId\":\"r-%d\"}",
                 i);
        fx_send(f, "POST", "/v5/order/create", "", body, 1);
        if (fx_code(f) == 0)
            ok++;
        else if (fx_code(f) == 10006)
            limited++;
    }
    ck_assert_int_eq(ok, 10);
    ck_assert_int_eq(limited, 1);
    bool seen = false;
    for (size_t i = 0; i < f->resp.header_count; i++)
        if (strcmp(f->resp.headers[i].name, "X-Bapi-Limit") == 0)
            seen = strcmp(f->resp.headers[i].value, "10") == 0;
    ck_assert(seen);
    f->now += 1000;
    fx_send(f, "POST", "/v5/order/create", "",
            "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.1\","
            "\"price\":\"2000\",\"orderLinkId\":\"r-x\"}",
            1);
    ck_assert_int_eq(fx_code(f), 0);
    /* 600 requests per 5 s per IP, then HTTP 403 */
    int forbidden = 0;
    for (int i = 0; i < 700; i++) {
        fx_send(f, "GET", "/v5/market/time", "", "", 0);
        forbidden += f->resp.status == 403;
    }
    ck_assert_int_eq(forbidden, 12 + 700 - 600); /* the 12 order requests above share the 5 s window */
    f->now += 5000;
    fx_send(f, "GET", "/v5/market/time", "", "", 0);
    ck_assert_int_eq(f->resp.status, 200);
    fx_destroy(f);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("bybit_dialect");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_public_time_and_instruments);
    tcase_add_test(tc, test_published_limits);
    tcase_add_test(tc, test_auth_errors);
    tcase_add_test(tc, test_orders_lifecycle);
    tcase_add_test(tc, test_market_fill_position_execution);
    tcase_add_test(tc, test_conditional_keeps_id);
    tcase_add_test(tc, test_kline_newest_first);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_limits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}

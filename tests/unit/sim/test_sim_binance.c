/* Check suite for the Binance dialect, driven through its handle hook with hand-made requests (no socket): the
 * official signing vectors of venues.md section 0 (query, query+body concatenation, percent-encoded symbol),
 * the timestamp rule at its edges, key errors, parameter errors, and order round trips whose JSON fields are
 * checked by name, and the published rate limits (exchangeInfo) against what is enforced, with rate limits on, off
 * and scaled. The request clock is injected, so the 2017 timestamps of the vectors are "now". */
#include "sim/engine.h"
#include "sim/sim_binance.h"

#include "crypto/crypto.h"
#include "json/json.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC_KEY "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
#define VEC_SECRET "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
#define VEC_TS 1499827319559LL

static sim_engine_t *eng;
static void *state;
static sim_http_resp_t resp;
static json_t *doc;

static void setup(void)
{
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    cfg.tick_ms = 0;
    eng = sim_engine_new(&cfg, NULL);
    ck_assert_ptr_nonnull(eng);
    state = calloc(1, sim_dialect_binance.state_size);
    ck_assert_int_eq(sim_dialect_binance.init(state, eng, VEC_TS, NULL), 0);
    ck_assert_int_eq(sim_engine_add_account(eng, VEC_KEY, VEC_SECRET, NULL), 0);
    buf_init(&resp.body, SIM_MAX_RESP_BODY);
    doc = NULL;
}

static void teardown(void)
{
    json_free(&doc);
    buf_release(&resp.body);
    sim_dialect_binance.fini(state);
    free(state);
    sim_engine_destroy(&eng);
}

/* Sends one request at time now; parses the JSON reply into doc. Returns the HTTP status. */
static int call(const char *method, const char *path, const char *query, const char *body, const char *key,
                int64_t now)
{
    sim_header_t h[1] = {{"X-MBX-APIKEY", key ? key : ""}};
    sim_http_req_t req = {.method = method, .path = path, .path_len = strlen(path), .query = query,
                          .query_len = strlen(query), .headers = h, .header_count = key ? 1 : 0,
                          .body = body, .body_len = strlen(body), .peer = "127.0.0.1", .now_ms = now};
    sim_dialect_binance.handle(state, &req, &resp);
    json_free(&doc);
    err_t err;
    doc = json_parse(resp.body.data ? resp.body.data : "", resp.body.len, SIM_MAX_RESP_BODY, 32, &err);
    ck_assert_msg(doc != NULL, "reply %d to %s %s is not JSON: %s (%s)", resp.status, method, query,
                  buf_cstr(&resp.body), err.msg);
    return resp.status;
}

static int64_t code(void)
{
    int64_t c = 0;
    ck_assert_msg(json_get_int64(doc, "code", &c, NULL) == 0, "no code in %s", buf_cstr(&resp.body));
    return c;
}

static const char *str(const char *key)
{
    const char *s = json_string(json_get(doc, key), NULL);
    ck_assert_msg(s != NULL, "no string field %s in %s", key, buf_cstr(&resp.body));
    return s;
}

static const char *header(const char *name)
{
    for (size_t i = 0; i < resp.header_count; i++)
        if (strcmp(resp.headers[i].name, name) == 0)
            return resp.headers[i].value;
    return NULL;
}

START_TEST(vector_query_signature_passes_auth)
{
    /* LTCBTC is not listed: reaching the symbol check (-1121) proves the signature was accepted */
    const char *q = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                    "&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
    ck_assert_int_eq(call("POST", "/fapi/v1/order", q, "", VEC_KEY, VEC_TS + 10), 400);
    ck_assert_int_eq(code(), -1121);
    /* the same with upper-case hex (Binance: case-insensitive) */
    const char *qu = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                     "&timestamp=1499827319559&signature=C8DB56825AE71D6D79447849E617115F4A920FA2ACDCAB2B053C4B2838BD6B71";
    call("POST", "/fapi/v1/order", qu, "", VEC_KEY, VEC_TS + 10);
    ck_assert_int_eq(code(), -1121);
    /* one byte changed in the signed text */
    const char *bad = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=2&price=0.1&recvWindow=5000"
                      "&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
    ck_assert_int_eq(call("POST", "/fapi/v1/order", bad, "", VEC_KEY, VEC_TS + 10), 400);
    ck_assert_int_eq(code(), -1022);
}
END_TEST

START_TEST(vector_query_then_body_concatenation)
{
    const char *q = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
    const char *b = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
                    "&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77";
    call("POST", "/fapi/v1/order", q, b, VEC_KEY, VEC_TS + 10);
    ck_assert_int_eq(code(), -1121);
    /* the vector-1 signature does not fit the split form (no '&' between the parts) */
    const char *b1 = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
                     "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
    call("POST", "/fapi/v1/order", q, b1, VEC_KEY, VEC_TS + 10);
    ck_assert_int_eq(code(), -1022);
}
END_TEST

START_TEST(vector_percent_encoded_symbol_is_signed_as_sent)
{
    const char *q = "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
                    "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
                    "&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3";
    call("POST", "/fapi/v1/order", q, "", VEC_KEY, VEC_TS + 10);
    ck_assert_int_eq(code(), -1121);
}
END_TEST

START_TEST(timestamp_rule_edges)
{
    const char *q = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                    "&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
    call("POST", "/fapi/v1/order", q, "", VEC_KEY, VEC_TS + 5000); /* exactly recvWindow old: accepted */
    ck_assert_int_eq(code(), -1121);
    call("POST", "/fapi/v1/order", q, "", VEC_KEY, VEC_TS + 5001);
    ck_assert_int_eq(code(), -1021);
    call("POST", "/fapi/v1/order", q, "", VEC_KEY, VEC_TS - 999); /* 999 ms ahead: accepted */
    ck_assert_int_eq(code(), -1121);
    call("POST", "/fapi/v1/order", q, "", VEC_KEY, VEC_TS - 1000);
    ck_assert_int_eq(code(), -1021);
}
END_TEST

START_TEST(key_errors)
{
    ck_assert_int_eq(call("GET", "/fapi/v3/balance", "timestamp=1&signature=x", "", NULL, VEC_TS), 401);
    ck_assert_int_eq(code(), -2014);
    ck_assert_int_eq(call("GET", "/fapi/v3/balance", "timestamp=1&signature=x", "", "nobody", VEC_TS), 401);
    ck_assert_int_eq(code(), -2015);
    ck_assert_int_eq(call("GET", "/fapi/v3/balance", "signature=x", "", VEC_KEY, VEC_TS), 400);
    ck_assert_int_eq(code(), -1102);
}
END_TEST

START_TEST(parameter_errors)
{
    ck_assert_int_eq(call("GET", "/fapi/v1/ticker/price", "symbol=NOPE", "", NULL, VEC_TS), 400);
    ck_assert_int_eq(code(), -1121);
    call("GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT&symbol=ETHUSDT", "", NULL, VEC_TS);
    ck_assert_int_eq(code(), -1101);
    call("GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT&extra=1", "", NULL, VEC_TS);
    ck_assert_int_eq(code(), -1104);
    call("GET", "/fapi/v1/ticker/price", "symbol=%ZZ", "", NULL, VEC_TS);
    ck_assert_int_eq(code(), -1100);
    call("GET", "/fapi/v1/klines", "symbol=BTCUSDT&interval=7m", "", NULL, VEC_TS);
    ck_assert_int_eq(code(), -1120);
    call("GET", "/fapi/v1/klines", "symbol=BTCUSDT&interval=1m&limit=abc", "", NULL, VEC_TS);
    ck_assert_int_eq(code(), -1100);
    ck_assert_int_eq(call("GET", "/fapi/v9/nothing", "", "", NULL, VEC_TS), 404);
    ck_assert_int_eq(code(), -5000);
    ck_assert_int_eq(call("PATCH", "/fapi/v1/order", "", "", NULL, VEC_TS), 404);
}
END_TEST

START_TEST(public_endpoints_and_weight_header)
{
    ck_assert_int_eq(call("GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT", "", NULL, VEC_TS), 200);
    ck_assert_str_eq(str("symbol"), "BTCUSDT");
    ck_assert_str_eq(str("price"), "95000.00"); /* pricePrecision 2 */
    ck_assert_str_eq(header("X-MBX-USED-WEIGHT-1M"), "1");
    call("GET", "/fapi/v1/ticker/price", "", "", NULL, VEC_TS);
    ck_assert_uint_eq(json_array_len(doc), 6);
    ck_assert_str_eq(header("X-MBX-USED-WEIGHT-1M"), "3");
    call("GET", "/fapi/v1/exchangeInfo", "", "", NULL, VEC_TS);
    const json_t *syms = json_get(doc, "symbols");
    bool pepe = false;
    for (size_t i = 0; i < json_array_len(syms); i++) {
        const json_t *s = json_array_at(syms, i);
        if (strcmp(json_string(json_get(s, "symbol"), NULL), "1000PEPEUSDT") == 0) {
            pepe = true;
            ck_assert_str_eq(json_string(json_get(s, "baseAsset"), NULL), "1000PEPE");
        }
    }
    ck_assert(pepe);
    ck_assert_uint_eq(json_array_len(json_get(doc, "rateLimits")), 3);
}
END_TEST

/* A header's decimal value (the header must be there). */
static int header_int(const char *v)
{
    ck_assert_ptr_nonnull(v);
    char *end = NULL;
    long n = strtol(v, &end, 10);
    ck_assert(end != v && *end == '\0');
    return (int)n;
}

/* Signs query with the vector secret at time ts (appending timestamp and signature). */
static const char *signed_query(const char *params, int64_t ts)
{
    static char out[2048];
    char text[1800];
    snprintf(text, sizeof text, "%s%stimestamp=%lld", params, *params ? "&" : "", (long long)ts);
    char sig[65];
    ck_assert_int_eq(crypto_hmac_sha256_hex(VEC_SECRET, text, strlen(text), sig), 0);
    snprintf(out, sizeof out, "%s&signature=%s", text, sig);
    return out;
}

START_TEST(order_round_trip_fields)
{
    int64_t now = VEC_TS;
    ck_assert_int_eq(call("POST", "/fapi/v1/order",
                          signed_query("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=90000.10"
                                       "&newClientOrderId=a.b%3Ac%2Fd",
                                       now),
                          "", VEC_KEY, now),
                     200);
    ck_assert_str_eq(str("status"), "NEW");
    ck_assert_str_eq(str("clientOrderId"), "a.b:c/d");
    ck_assert_str_eq(str("price"), "90000.10");
    ck_assert_str_eq(str("origQty"), "0.010");
    ck_assert_str_eq(str("executedQty"), "0.000");
    ck_assert_ptr_nonnull(header("X-MBX-ORDER-COUNT-10S"));
    int64_t id = 0;
    ck_assert_int_eq(json_get_int64(doc, "orderId", &id, NULL), 0);
    call("POST", "/fapi/v1/order",
         signed_query("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=90000.10"
                      "&newClientOrderId=a.b%3Ac%2Fd", now),
         "", VEC_KEY, now);
    ck_assert_int_eq(code(), -4116);
    call("POST", "/fapi/v1/order",
         signed_query("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=90000.05", now), "",
         VEC_KEY, now);
    ck_assert_int_eq(code(), -4014);
    call("POST", "/fapi/v1/order",
         signed_query("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0101&price=90000", now), "",
         VEC_KEY, now);
    ck_assert_int_eq(code(), -1111);
    call("POST", "/fapi/v1/order",
         signed_query("symbol=BTCUSDT&side=BUY&type=STOP_MARKET&quantity=0.01&stopPrice=90000", now), "", VEC_KEY,
         now);
    ck_assert_int_eq(code(), -4120);
    call("POST", "/fapi/v1/order", signed_query("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.00001", now), "",
         VEC_KEY, now);
    ck_assert_int_eq(code(), -1111);
    call("POST", "/fapi/v1/order", signed_query("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.001", now), "",
         VEC_KEY, now);
    ck_assert_int_eq(code(), -4164);
    char q[128];
    snprintf(q, sizeof q, "symbol=BTCUSDT&orderId=%lld", (long long)id);
    ck_assert_int_eq(call("DELETE", "/fapi/v1/order", signed_query(q, now), "", VEC_KEY, now), 200);
    ck_assert_str_eq(str("status"), "CANCELED");
    call("DELETE", "/fapi/v1/order", signed_query(q, now), "", VEC_KEY, now);
    ck_assert_int_eq(code(), -2011);
    call("GET", "/fapi/v1/openOrder", signed_query(q, now), "", VEC_KEY, now);
    ck_assert_int_eq(code(), -2013);
    ck_assert_int_eq(call("GET", "/fapi/v1/order", signed_query(q, now), "", VEC_KEY, now), 200);
    ck_assert_str_eq(str("status"), "CANCELED");
}
END_TEST

/* The limit of the exchangeInfo rateLimits entry of this type and interval (-1 if absent). */
static int64_t published(const char *type, const char *interval, int64_t interval_num)
{
    ck_assert_int_eq(call("GET", "/fapi/v1/exchangeInfo", "", "", NULL, VEC_TS), 200);
    const json_t *arr = json_get(doc, "rateLimits");
    ck_assert_uint_eq(json_array_len(arr), 3);
    for (size_t i = 0; i < json_array_len(arr); i++) {
        const json_t *r = json_array_at(arr, i);
        int64_t num = 0, limit = 0;
        if (strcmp(json_string(json_get(r, "rateLimitType"), NULL), type) == 0 &&
            strcmp(json_string(json_get(r, "interval"), NULL), interval) == 0 &&
            json_get_int64(r, "intervalNum", &num, NULL) == 0 && num == interval_num &&
            json_get_int64(r, "limit", &limit, NULL) == 0)
            return limit;
    }
    return -1;
}

/* Places MARKET orders (alternating sides, position stays flat) at one instant until one is refused or n are
 * accepted; returns how many were accepted. */
static int place_orders(int n, int64_t now)
{
    for (int i = 0; i < n; i++) {
        const char *p = i % 2 ? "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.001"
                              : "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001";
        if (call("POST", "/fapi/v1/order", signed_query(p, now), "", VEC_KEY, now) != 200)
            return i;
    }
    return n;
}

START_TEST(published_limits_are_the_enforced_ones)
{
    /* default: Binance's own figures, and the ORDERS limit refuses exactly the order past the published count */
    ck_assert_int_eq(published("REQUEST_WEIGHT", "MINUTE", 1), 2400);
    ck_assert_int_eq(published("ORDERS", "MINUTE", 1), 1200);
    int64_t per_10s = published("ORDERS", "SECOND", 10);
    ck_assert_int_eq(per_10s, 300);
    ck_assert_int_eq(place_orders(400, VEC_TS), (int)per_10s);
    ck_assert_int_eq(resp.status, 429);
    ck_assert_int_eq(code(), -1015);
    ck_assert_str_eq(str("msg"), "Too many new orders; current limit is 300 orders per TEN_SECONDS.");
    ck_assert_str_eq(header("X-MBX-ORDER-COUNT-10S"), "300");
}
END_TEST

START_TEST(published_limits_without_rate_limits_never_bind)
{
    /* --no-rate-limits: every figure is SIM_LIMIT_UNLIMITED, and more orders than Binance's 300 per 10 s pass */
    sim_engine_set_rate_limits(eng, false, 0);
    ck_assert_int_eq(published("REQUEST_WEIGHT", "MINUTE", 1), SIM_LIMIT_UNLIMITED);
    ck_assert_int_eq(published("ORDERS", "MINUTE", 1), SIM_LIMIT_UNLIMITED);
    ck_assert_int_eq(published("ORDERS", "SECOND", 10), SIM_LIMIT_UNLIMITED);
    ck_assert_int_eq(SIM_LIMIT_UNLIMITED, 1000000);
    ck_assert_int_eq(place_orders(400, VEC_TS), 400);
    ck_assert_str_eq(header("X-MBX-ORDER-COUNT-10S"), "400");
    /* back on at run time (POST /admin/config): the venue's figures again */
    sim_engine_set_rate_limits(eng, true, 0);
    ck_assert_int_eq(published("ORDERS", "SECOND", 10), 300);
}
END_TEST

START_TEST(published_weight_follows_rate_limit_per_min)
{
    /* --rate-limit-per-min 40: the published REQUEST_WEIGHT is 40 and the request past 40 weight is refused;
     * the ORDERS limits are the account's and stay Binance's */
    sim_engine_set_rate_limits(eng, true, 40);
    int64_t weight = published("REQUEST_WEIGHT", "MINUTE", 1); /* exchangeInfo itself weighs 1 */
    ck_assert_int_eq(weight, 40);
    ck_assert_int_eq(published("ORDERS", "MINUTE", 1), 1200);
    ck_assert_int_eq(published("ORDERS", "SECOND", 10), 300);
    int used = header_int(header("X-MBX-USED-WEIGHT-1M"));
    ck_assert_int_eq(used, 3);
    while (used < weight) {
        ck_assert_int_eq(call("GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT", "", NULL, VEC_TS), 200);
        used = header_int(header("X-MBX-USED-WEIGHT-1M"));
    }
    ck_assert_int_eq(used, 40);
    ck_assert_int_eq(call("GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT", "", NULL, VEC_TS), 429);
    ck_assert_int_eq(code(), -1003);
    ck_assert_ptr_nonnull(strstr(str("msg"), "is 40 requests per minute"));
}
END_TEST

START_TEST(bad_input_never_crashes)
{
    /* a few shapes that once tripped parsers elsewhere: empty pairs, bare names, long values, binary */
    const char *qs[] = {"&&&", "=", "a", "symbol", "symbol=", "%", "%4", "signature=&timestamp=", "timestamp=-1",
                        "timestamp=99999999999999999999&signature=00", "recvWindow=0&timestamp=1&signature=1"};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        int st = call("POST", "/fapi/v1/order", qs[i], "", VEC_KEY, VEC_TS);
        ck_assert_int_ge(st, 400);
        ck_assert_int_lt(code(), 0);
    }
    sim_header_t h[1] = {{"X-MBX-APIKEY", VEC_KEY}};
    sim_http_req_t big = {.method = "POST", .path = "/fapi/v1/order", .path_len = 14, .query = "", .headers = h,
                          .header_count = 1, .body = "", .body_too_large = true, .peer = "x", .now_ms = VEC_TS};
    sim_dialect_binance.handle(state, &big, &resp);
    ck_assert_int_eq(resp.status, 413);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sim_binance");
    TCase *tc = tcase_create("binance");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, vector_query_signature_passes_auth);
    tcase_add_test(tc, vector_query_then_body_concatenation);
    tcase_add_test(tc, vector_percent_encoded_symbol_is_signed_as_sent);
    tcase_add_test(tc, timestamp_rule_edges);
    tcase_add_test(tc, key_errors);
    tcase_add_test(tc, parameter_errors);
    tcase_add_test(tc, public_endpoints_and_weight_header);
    tcase_add_test(tc, order_round_trip_fields);
    tcase_add_test(tc, published_limits_are_the_enforced_ones);
    tcase_add_test(tc, published_limits_without_rate_limits_never_bind);
    tcase_add_test(tc, published_weight_follows_rate_limit_per_min);
    tcase_add_test(tc, bad_input_never_crashes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

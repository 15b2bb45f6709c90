/* test_coindcx_dialect: the CoinDCX futures dialect driven directly through its handle hook: signature over
 * the exact body bytes, error bodies, order leverage vs position leverage, the leverage lock, order listing by
 * side and status, edit, exit, number tokens for money, and bad input. The independent signer check is
 * tests/integration/simx_coindcx.py. */
#include "testutil.h"

#include "sim/engine.h"
#include "sim/sim_coindcx.h"

#include "base/mem.h"
#include "crypto/crypto.h"
#include "json/json.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define KEY "cd-key"
#define SECRET "cd-secret"
#define T0 1767225600000LL
#define F "/exchange/v1/derivatives/futures"

typedef struct {
    sim_engine_t *engine;
    void *state;
    sim_http_resp_t resp;
    json_t *reply;
    int64_t now;
    char body[4096]; /* request body built by B() */
} fx_t;

static fx_t *fx_new(void)
{
    fx_t *f = mem_calloc(1, sizeof *f);
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    cfg.tick_ms = 0;
    err_t err;
    f->engine = sim_engine_new(&cfg, &err);
    ck_assert_ptr_nonnull(f->engine);
    ck_assert_int_eq(sim_engine_add_account(f->engine, KEY, SECRET, &err), 0);
    f->state = mem_calloc(1, sim_dialect_coindcx.state_size);
    f->now = T0;
    ck_assert_int_eq(sim_dialect_coindcx.init(f->state, f->engine, f->now, &err), 0);
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

/* Sends one request (body as given); sign: 0 unsigned, 1 signed right, 2 wrong secret. Returns the reply. */
static const json_t *fx_send(fx_t *f, const char *method, const char *path, const char *query, int sign,
                             const char *body)
{
    sim_header_t h[3];
    size_t nh = 0;
    char sig[CRYPTO_HEX_SHA256_LEN];
    if (sign) {
        ck_assert_int_eq(crypto_hmac_sha256_hex(sign == 2 ? "wrong" : SECRET, body, strlen(body), sig), 0);
        h[nh++] = (sim_header_t){"X-AUTH-APIKEY", KEY};
        h[nh++] = (sim_header_t){"X-AUTH-SIGNATURE", sig};
    }
    sim_http_req_t r = {
        .method = method, .path = path, .path_len = strlen(path), .query = query, .query_len = strlen(query),
        .headers = h, .header_count = nh, .body = body, .body_len = strlen(body), .peer = "127.0.0.1",
        .now_ms = f->now,
    };
    sim_resp_begin(&f->resp, 200);
    sim_dialect_coindcx.handle(f->state, &r, &f->resp);
    json_free(&f->reply);
    f->reply = json_parse(f->resp.body.data, f->resp.body.len, SIM_MAX_RESP_BODY, 32, NULL);
    ck_assert_msg(f->reply != NULL, "reply is JSON: %s", buf_cstr(&f->resp.body));
    return f->reply;
}

/* The body text fmt with the current time as its first %lld. */
static const char *B(fx_t *f, const char *fmt)
{
    snprintf(f->body, sizeof f->body, fmt, (long long)f->now);
    return f->body;
}

static const char *fx_str(const json_t *obj, const char *key)
{
    const char *s = json_string(json_get(obj, key), NULL);
    ck_assert_msg(s != NULL, "field %s is a string", key);
    return s;
}

static void fx_error(fx_t *f, int status, const char *msg_prefix)
{
    ck_assert_int_eq(f->resp.status, status);
    int64_t code;
    ck_assert_int_eq(json_get_int64(f->reply, "code", &code, NULL), 0);
    ck_assert_int_eq(code, status);
    ck_assert_str_eq(fx_str(f->reply, "status"), "error");
    ck_assert_msg(strncmp(fx_str(f->reply, "message"), msg_prefix, strlen(msg_prefix)) == 0, "message %s",
                  fx_str(f->reply, "message"));
}

#define LIMIT_ORDER                                                                                             \
    "{\"timestamp\":%lld,\"order\":{\"side\":\"buy\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"limit_order\","   \
    "\"price\":3000.5,\"total_quantity\":0.01,\"leverage\":5,\"notification\":\"no_notification\","             \
    "\"time_in_force\":\"good_till_cancel\",\"client_order_id\":\"ignored-1\"}}"

START_TEST(test_signature_and_errors)
{
    fx_t *f = fx_new();
    fx_send(f, "GET", F "/wallets", "", 1, B(f, "{\"timestamp\":%lld}"));
    ck_assert_int_eq(f->resp.status, 200);
    ck_assert_str_eq(fx_str(json_array_at(f->reply, 0), "currency_short_name"), "USDT");
    fx_send(f, "GET", F "/wallets", "", 2, B(f, "{\"timestamp\":%lld}"));
    fx_error(f, 401, "Invalid credentials");
    fx_send(f, "GET", F "/wallets", "", 0, B(f, "{\"timestamp\":%lld}"));
    fx_error(f, 401, "Invalid credentials");
    /* signature over the bytes as sent: spaces are fine when signed */
    fx_send(f, "GET", F "/wallets", "", 1, B(f, "{ \"timestamp\" : %lld }"));
    ck_assert_int_eq(f->resp.status, 200);
    f->now += 20000;
    snprintf(f->body, sizeof f->body, "{\"timestamp\":%lld}", (long long)(f->now - 20000));
    fx_send(f, "GET", F "/wallets", "", 1, f->body);
    fx_error(f, 400, "Request expired");
    fx_send(f, "POST", F "/orders", "", 1, "{\"timestamp\":");
    fx_error(f, 400, "Invalid request");
    fx_send(f, "POST", F "/nothing", "", 1, "{}");
    fx_error(f, 404, "Not Found");
    fx_destroy(f);
}
END_TEST

START_TEST(test_order_flow)
{
    fx_t *f = fx_new();
    fx_send(f, "POST", F "/positions/update_leverage", "", 1,
            B(f, "{\"timestamp\":%lld,\"leverage\":\"5\",\"pair\":\"B-ETH_USDT\",\"margin_currency_short_name\":\"USDT\"}"));
    ck_assert_int_eq(f->resp.status, 200);
    /* leverage 10 on the order while the position has 5: 422 */
    fx_send(f, "POST", F "/orders/create", "", 1,
            B(f, "{\"timestamp\":%lld,\"order\":{\"side\":\"buy\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"limit_order\","
                 "\"price\":3000,\"total_quantity\":0.01,\"leverage\":10}}"));
    fx_error(f, 422, "Order leverage must be equal to position leverage");
    fx_send(f, "POST", F "/orders/create", "", 1, B(f, LIMIT_ORDER));
    ck_assert_int_eq(f->resp.status, 200);
    const json_t *o = json_array_at(f->reply, 0);
    ck_assert_str_eq(fx_str(o, "status"), "initial");
    ck_assert_str_eq(json_number_text(json_get(o, "price")), "3000.5");
    ck_assert_ptr_null(json_get(o, "client_order_id"));
    char id[40];
    snprintf(id, sizeof id, "%s", fx_str(o, "id"));
    /* list needs a side */
    fx_send(f, "POST", F "/orders", "", 1, B(f, "{\"timestamp\":%lld,\"status\":\"open\",\"page\":\"1\",\"size\":\"10\"}"));
    fx_error(f, 400, "side is missing");
    fx_send(f, "POST", F "/orders", "", 1,
            B(f, "{\"timestamp\":%lld,\"status\":\"open\",\"side\":\"buy\",\"page\":\"1\",\"size\":\"10\"}"));
    ck_assert_uint_eq(json_array_len(f->reply), 1);
    ck_assert_str_eq(fx_str(json_array_at(f->reply, 0), "id"), id);
    /* edit keeps the id */
    char body[512];
    snprintf(body, sizeof body, "{\"timestamp\":%lld,\"id\":\"%s\",\"total_quantity\":0.02,\"price\":3001}",
             (long long)f->now, id);
    fx_send(f, "POST", F "/orders/edit", "", 1, body);
    ck_assert_int_eq(f->resp.status, 200);
    ck_assert_str_eq(json_number_text(json_get(json_array_at(f->reply, 0), "total_quantity")), "0.02");
    snprintf(body, sizeof body, "{\"timestamp\":%lld,\"id\":\"%s\"}", (long long)f->now, id);
    fx_send(f, "POST", F "/orders/cancel", "", 1, body);
    ck_assert_int_eq(f->resp.status, 200);
    fx_send(f, "POST", F "/orders/cancel", "", 1, body);
    fx_error(f, 400, "This order cannot be cancelled");
    /* market order opens a position; the leverage is then locked */
    fx_send(f, "POST", F "/orders/create", "", 1,
            B(f, "{\"timestamp\":%lld,\"order\":{\"side\":\"sell\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"market_order\","
                 "\"total_quantity\":0.05,\"notification\":\"no_notification\"}}"));
    ck_assert_int_eq(f->resp.status, 200);
    fx_send(f, "POST", F "/positions", "", 1,
            B(f, "{\"timestamp\":%lld,\"page\":\"1\",\"size\":\"10\",\"pairs\":\"B-ETH_USDT\"}"));
    const json_t *p = json_array_at(f->reply, 0);
    ck_assert_str_eq(json_number_text(json_get(p, "active_pos")), "-0.05");
    char pos_id[40];
    snprintf(pos_id, sizeof pos_id, "%s", fx_str(p, "id"));
    fx_send(f, "POST", F "/positions/update_leverage", "", 1,
            B(f, "{\"timestamp\":%lld,\"leverage\":\"7\",\"pair\":\"B-ETH_USDT\",\"margin_currency_short_name\":\"USDT\"}"));
    fx_error(f, 422, "Leverage cannot be changed");
    fx_send(f, "POST", F "/trades", "", 1,
            B(f, "{\"timestamp\":%lld,\"pair\":\"B-ETH_USDT\",\"from_date\":\"2026-01-01\",\"to_date\":\"2026-01-01\","
                 "\"page\":\"1\",\"size\":\"10\",\"margin_currency_short_name\":[\"USDT\"]}"));
    ck_assert_uint_eq(json_array_len(f->reply), 1);
    ck_assert_str_eq(fx_str(json_array_at(f->reply, 0), "side"), "sell");
    snprintf(body, sizeof body, "{\"timestamp\":%lld,\"id\":\"%s\"}", (long long)f->now, pos_id);
    fx_send(f, "POST", F "/positions/exit", "", 1, body);
    ck_assert_int_eq(f->resp.status, 200);
    fx_send(f, "POST", F "/positions", "", 1,
            B(f, "{\"timestamp\":%lld,\"page\":\"1\",\"size\":\"10\",\"pairs\":\"B-ETH_USDT\"}"));
    ck_assert_str_eq(json_number_text(json_get(json_array_at(f->reply, 0), "active_pos")), "0");
    fx_destroy(f);
}
END_TEST

START_TEST(test_validation)
{
    fx_t *f = fx_new();
    fx_send(f, "POST", F "/orders/create", "", 1,
            B(f, "{\"timestamp\":%lld,\"order\":{\"side\":\"buy\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"limit_order\","
                 "\"price\":3000.005,\"total_quantity\":0.01}}"));
    fx_error(f, 400, "Price should be divisible by 0.01");
    fx_send(f, "POST", F "/orders/create", "", 1,
            B(f, "{\"timestamp\":%lld,\"order\":{\"side\":\"buy\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"limit_order\","
                 "\"total_quantity\":0.01}}"));
    fx_error(f, 422, "Price can't be empty for limit_order Order");
    fx_send(f, "POST", F "/orders/create", "", 1,
            B(f, "{\"timestamp\":%lld,\"order\":{\"side\":\"buy\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"market_order\","
                 "\"total_quantity\":0.01,\"time_in_force\":\"good_till_cancel\"}}"));
    fx_error(f, 400, "time_in_force");
    fx_send(f, "POST", F "/orders/create", "", 1,
            B(f, "{\"timestamp\":%lld,\"order\":{\"side\":\"buy\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"stop_market\","
                 "\"stop_price\":3000,\"total_quantity\":0.01}}"));
    fx_error(f, 400, "Trigger price should be greater than the current price");
    fx_send(f, "POST", F "/orders/create", "", 1,
            B(f, "{\"timestamp\":%lld,\"order\":{\"side\":\"buy\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"limit_order\","
                 "\"price\":3000,\"total_quantity\":0.0001}}"));
    fx_error(f, 422, "Quantity should be greater than 0.001");
    fx_send(f, "POST", F "/orders/create", "", 1,
            B(f, "{\"timestamp\":%lld,\"order\":{\"side\":\"buy\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"limit_order\","
                 "\"price\":3000,\"total_quantity\":0.001}}"));
    fx_error(f, 400, "Minimum order value should be 6 USDT");
    fx_send(f, "POST", F "/orders/create", "", 1,
            B(f, "{\"timestamp\":%lld,\"order\":{\"side\":\"buy\",\"pair\":\"B-ETH_USDT\",\"order_type\":\"limit_order\","
                 "\"price\":3900,\"total_quantity\":0.01}}"));
    fx_error(f, 400, "Please enter a value lower than");
    fx_send(f, "POST", F "/orders/create", "", 1, B(f, "{\"timestamp\":%lld}"));
    fx_error(f, 400, "order is missing");
    fx_destroy(f);
}
END_TEST

START_TEST(test_public)
{
    fx_t *f = fx_new();
    fx_send(f, "GET", F "/data/active_instruments", "margin_currency_short_name[]=USDT", 0, "");
    ck_assert_uint_eq(json_array_len(f->reply), 5);
    fx_send(f, "GET", F "/data/instrument", "pair=B-BTC_USDT&margin_currency_short_name=USDT", 0, "");
    const json_t *in = json_get(f->reply, "instrument");
    ck_assert_str_eq(json_number_text(json_get(in, "price_increment")), "0.1");
    ck_assert_str_eq(fx_str(in, "status"), "active");
    fx_send(f, "GET", "/market_data/v3/current_prices/futures/rt", "", 0, "");
    ck_assert_str_eq(fx_str(json_get(json_get(f->reply, "prices"), "B-ETH_USDT"), "mkt"), "ETHUSDT");
    char q[128];
    snprintf(q, sizeof q, "pair=B-ETH_USDT&from=%lld&to=%lld&resolution=1&pcode=f", (long long)(T0 / 1000 - 600),
             (long long)(T0 / 1000));
    fx_send(f, "GET", "/market_data/candlesticks", q, 0, "");
    ck_assert_str_eq(fx_str(f->reply, "s"), "ok");
    const json_t *d = json_get(f->reply, "data");
    ck_assert_uint_ge(json_array_len(d), 10);
    int64_t t0, t1;
    json_int64(json_get(json_array_at(d, 0), "time"), &t0, NULL);
    json_int64(json_get(json_array_at(d, 1), "time"), &t1, NULL);
    ck_assert_int_eq(t1 - t0, 60000);
    fx_send(f, "GET", "/market_data/v3/orderbook/B-ETH_USDT-futures/10", "", 0, "");
    ck_assert_int_eq(f->resp.status, 200);
    ck_assert_str_eq(fx_str(json_get(f->reply, "asks"), "3500.01"), fx_str(json_get(f->reply, "bids"), "3500"));
    fx_send(f, "GET", "/market_data/v3/orderbook/B-ETH_USDT-futures/7", "", 0, "");
    ck_assert_int_eq(f->resp.status, 404);
    fx_send(f, "GET", "/market_data/v3/orderbook/-futures/10", "", 0, "");
    ck_assert_int_eq(f->resp.status, 404);
    fx_destroy(f);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("coindcx_dialect");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_signature_and_errors);
    tcase_add_test(tc, test_order_flow);
    tcase_add_test(tc, test_validation);
    tcase_add_test(tc, test_public);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}

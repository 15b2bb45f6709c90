/* test_binance: the Binance adapter's request building and reply parsing, driven step by step exactly as the
 * runtime drives it, on recorded payloads (tests/fixtures/binance/, one JSON file per reply), plus signing against the official
 * vectors of venues.md section 0 and the error-code mapping. */
#include "binance/binance.h"
#include "testutil.h"

#include "base/mem.h"
#include "venue/adapter.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BN_KEY "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
#define BN_SECRET "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

typedef struct {
    instruments_t *inst;  /* loaded from exchange_info.json through the adapter itself */
    venue_ctx_t ctx;      /* what hooks read */
    venue_call_t call;    /* the call under test */
    venue_resp_t resp;    /* last reply */
    venue_error_t err;    /* its mapped error */
    char *body;           /* its body */
} h_t;

static decimal_t D(const char *s)
{
    decimal_t d;
    ck_assert_int_eq(decimal_from_str(s, &d, NULL), 0);
    return d;
}

static void ck_dec(decimal_t v, const char *want)
{
    ck_assert_msg(decimal_eq(v, D(want)), "decimal mismatch, want %s", want);
}

static const char *s_fixture(const char *name)
{
    static char rel[256];
    snprintf(rel, sizeof rel, "binance/%s", name);
    return tu_fixture(rel);
}

/* Feeds a reply (fixture file, or literal JSON when fixture starts with '{' or '[') to the hook. */
static int h_reply(h_t *h, long status, const char *fixture, const char *headers)
{
    mem_free(h->body);
    size_t len = 0;
    if (fixture[0] == '{' || fixture[0] == '[') {
        h->body = mem_strdup(fixture);
        len = strlen(fixture);
    } else {
        char *b = tu_read_file(s_fixture(fixture), &len);
        ck_assert_msg(b, "fixture %s", fixture);
        h->body = mem_strndup(b, len);
        free(b);
    }
    h->resp = (venue_resp_t){.status = status, .body = h->body, .body_len = len, .headers = headers};
    h->call.resp = &h->resp;
    h->call.error = binance_ops.map_error(NULL, &h->resp, &h->err) ? &h->err : NULL;
    venue_step_fn *fn = venue_ops_hook(&binance_ops, h->call.op);
    return fn(NULL, &h->call);
}

static int h_start(h_t *h, venue_op_t op)
{
    venue_result_release(&h->call.result);
    venue_input_t in = h->call.in;
    venue_req_release(&h->call.req);
    memset(&h->call, 0, sizeof h->call);
    venue_req_init(&h->call.req);
    h->call.in = in;
    h->call.op = op;
    h->call.ctx = &h->ctx;
    return venue_ops_hook(&binance_ops, op)(NULL, &h->call);
}

static void h_init(h_t *h)
{
    memset(h, 0, sizeof *h);
    h->inst = instruments_new();
    h->ctx = (venue_ctx_t){.venue = "binance", .instruments = h->inst, .now_ms = 1763750000000};
    ck_assert_int_eq(h_start(h, VENUE_OP_LOAD_INSTRUMENTS), VENUE_SEND);
    ck_assert_str_eq(h->call.req.path, "/fapi/v1/exchangeInfo");
    ck_assert(!h->call.req.sign);
    ck_assert_int_eq(h_reply(h, 200, "exchange_info.json", NULL), VENUE_DONE);
    ck_assert_ptr_nonnull(h->call.result.instruments);
    instruments_replace(h->inst, h->call.result.instruments);
    memset(&h->call.in, 0, sizeof h->call.in);
}

static void h_fini(h_t *h)
{
    venue_result_release(&h->call.result);
    venue_req_release(&h->call.req);
    instruments_destroy(&h->inst);
    mem_free(h->body);
}

static const char *Q(h_t *h)
{
    return buf_cstr(&h->call.req.query);
}

/* ---- signing ------------------------------------------------------------------------------------------- */

static void s_sign(venue_req_t *r, int recv)
{
    venue_creds_t c = {.recv_window_ms = recv};
    snprintf(c.api_key, sizeof c.api_key, "%s", BN_KEY);
    snprintf(c.api_secret, sizeof c.api_secret, "%s", BN_SECRET);
    r->sign = true;
    err_t e;
    ck_assert_int_eq(binance_ops.sign(NULL, &c, 1499827319559, r, &e), 0);
}

START_TEST(test_sign_official_query)
{
    venue_req_t r;
    venue_req_init(&r);
    venue_req_reset(&r, VENUE_POST, "/fapi/v1/order");
    venue_req_param(&r, "symbol", "LTCBTC");
    venue_req_param(&r, "side", "BUY");
    venue_req_param(&r, "type", "LIMIT");
    venue_req_param(&r, "timeInForce", "GTC");
    venue_req_param(&r, "quantity", "1");
    venue_req_param(&r, "price", "0.1");
    s_sign(&r, 5000);
    ck_assert_str_eq(buf_cstr(&r.query),
                     "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                     "&timestamp=1499827319559"
                     "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    ck_assert_int_eq(r.n_headers, 1);
    ck_assert_str_eq(r.headers[0], "X-MBX-APIKEY: " BN_KEY);
    venue_req_release(&r);
}
END_TEST

START_TEST(test_sign_official_query_and_body)
{
    venue_req_t r;
    venue_req_init(&r);
    venue_req_reset(&r, VENUE_POST, "/fapi/v1/order");
    venue_req_param(&r, "symbol", "LTCBTC");
    venue_req_param(&r, "side", "BUY");
    venue_req_param(&r, "type", "LIMIT");
    venue_req_param(&r, "timeInForce", "GTC");
    venue_req_body_param(&r, "quantity", "1");
    venue_req_body_param(&r, "price", "0.1");
    s_sign(&r, 5000);
    ck_assert_str_eq(buf_cstr(&r.body), "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559");
    ck_assert_str_eq(buf_cstr(&r.query),
                     "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
                     "&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
    venue_req_release(&r);
}
END_TEST

START_TEST(test_sign_official_percent_encoded)
{
    venue_req_t r;
    venue_req_init(&r);
    venue_req_reset(&r, VENUE_POST, "/api/v3/order");
    venue_req_param(&r, "symbol", "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96");
    venue_req_param(&r, "side", "BUY");
    venue_req_param(&r, "type", "LIMIT");
    venue_req_param(&r, "timeInForce", "GTC");
    venue_req_param(&r, "quantity", "1");
    venue_req_param(&r, "price", "0.1");
    s_sign(&r, 5000);
    ck_assert_ptr_nonnull(
        strstr(buf_cstr(&r.query), "&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"));
    ck_assert(strncmp(buf_cstr(&r.query), "symbol=%EF%BC%91%EF%BC%92", 25) == 0);
    venue_req_release(&r);
}
END_TEST

START_TEST(test_unsigned_request_untouched)
{
    venue_req_t r;
    venue_req_init(&r);
    venue_req_reset(&r, VENUE_GET, "/fapi/v1/time");
    venue_creds_t c = {.recv_window_ms = 5000};
    ck_assert_int_eq(binance_ops.sign(NULL, &c, 1, &r, NULL), 0);
    ck_assert_str_eq(buf_cstr(&r.query), "");
    ck_assert_int_eq(r.n_headers, 0);
    venue_req_release(&r);
}
END_TEST

/* ---- instruments -------------------------------------------------------------------------------------- */

START_TEST(test_instruments_from_exchange_info)
{
    h_t h;
    h_init(&h);
    ck_assert_uint_eq(instruments_count(h.inst), 4); /* the quarterly contract is left out */
    const instrument_t *pepe = instruments_find(h.inst, "1000PEPE/USDT");
    ck_assert_ptr_nonnull(pepe);
    ck_assert_str_eq(pepe->venue_symbol, "1000PEPEUSDT");
    ck_assert_str_eq(pepe->base, "1000PEPE");
    ck_dec(pepe->tick, "0.0000001");
    ck_dec(pepe->step, "1");
    const instrument_t *btc = instruments_find_venue(h.inst, "BTCUSDT");
    ck_assert_str_eq(btc->symbol, "BTC/USDT");
    ck_dec(btc->tick, "0.1");
    ck_dec(btc->min_qty, "0.001");
    ck_dec(btc->max_qty, "1000");
    ck_dec(btc->market_max_qty, "120");
    ck_dec(btc->min_notional, "100");
    ck_assert(btc->trading);
    ck_assert(!instruments_find(h.inst, "LUNA/USDT")->trading);
    ck_assert_int_eq(h.call.result.limits.weight_per_window, 2400);
    ck_assert_int_eq(h.call.result.limits.weight_window_ms, 60000);
    ck_assert_int_eq(h.call.result.limits.orders_short, 300);
    ck_assert_int_eq(h.call.result.limits.orders_short_ms, 10000);
    ck_assert_int_eq(h.call.result.limits.orders_long, 1200);
    h_fini(&h);
}
END_TEST

/* ---- place_order ---------------------------------------------------------------------------------------- */

static void s_limit(h_t *h)
{
    venue_order_req_t *o = &h->call.in.order;
    snprintf(o->symbol, sizeof o->symbol, "ETH/USDT");
    o->side = VENUE_SIDE_BUY;
    o->type = VENUE_TYPE_LIMIT;
    o->quantity = D("0.010");
    o->price = D("2000.50");
    snprintf(o->client_order_id, sizeof o->client_order_id, "xr-test-1");
}

START_TEST(test_place_limit)
{
    h_t h;
    h_init(&h);
    s_limit(&h);
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_int_eq(h.call.req.method, VENUE_POST);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/order");
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=2000.5"
                            "&newClientOrderId=xr-test-1&newOrderRespType=RESULT");
    ck_assert(h.call.req.sign);
    ck_assert_int_eq(h.call.req.kind, VENUE_CREATES_ORDER);
    ck_assert_str_eq(h.call.req.client_order_id, "xr-test-1");
    ck_assert_int_eq(h.call.req.orders, 1);
    ck_assert_int_eq(h_reply(&h, 200, "order_new_limit.json", NULL), VENUE_DONE);
    const venue_order_t *r = &h.call.result.order;
    ck_assert_str_eq(r->order_id, "4081931893");
    ck_assert_str_eq(r->client_order_id, "xr-test-1");
    ck_assert_str_eq(r->symbol, "ETH/USDT");
    ck_assert_int_eq(r->status, VENUE_STATUS_NEW);
    ck_assert_int_eq(r->type, VENUE_TYPE_LIMIT);
    ck_assert_int_eq(r->time_in_force, VENUE_TIF_GTC);
    ck_assert_int_eq(r->side, VENUE_SIDE_BUY);
    ck_dec(r->price, "2000.5");
    ck_dec(r->quantity, "0.01");
    ck_assert(decimal_is_zero(r->filled_quantity));
    ck_assert_int_eq(r->updated_at, 1763750001234);
    h_fini(&h);
}
END_TEST

START_TEST(test_place_market_filled)
{
    h_t h;
    h_init(&h);
    venue_order_req_t *o = &h.call.in.order;
    snprintf(o->symbol, sizeof o->symbol, "BTC/USDT");
    o->side = VENUE_SIDE_SELL;
    o->type = VENUE_TYPE_MARKET;
    o->quantity = D("0.002");
    o->reduce_only = true;
    o->position_side = VENUE_PSIDE_BOTH;
    snprintf(o->client_order_id, sizeof o->client_order_id, "xr-test-2");
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_str_eq(Q(&h), "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.002&positionSide=BOTH&reduceOnly=true"
                            "&newClientOrderId=xr-test-2&newOrderRespType=RESULT");
    ck_assert_int_eq(h_reply(&h, 200, "order_new_market_filled.json", NULL), VENUE_DONE);
    ck_assert_int_eq(h.call.result.order.status, VENUE_STATUS_FILLED);
    ck_assert_int_eq(h.call.result.order.time_in_force, VENUE_TIF_NONE);
    ck_dec(h.call.result.order.average_price, "91234.5");
    ck_dec(h.call.result.order.filled_quantity, "0.002");
    h_fini(&h);
}
END_TEST

START_TEST(test_place_with_leverage_and_tpsl)
{
    h_t h;
    h_init(&h);
    s_limit(&h);
    h.call.in.order.leverage = 20;
    h.call.in.order.take_profit = D("2100");
    h.call.in.order.stop_loss = D("1950.5");
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/leverage");
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT&leverage=20");
    ck_assert_int_eq(h.call.req.kind, VENUE_SAFE_RETRY);
    ck_assert_int_eq(h_reply(&h, 200, "leverage.json", NULL), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/order");
    ck_assert_int_eq(h_reply(&h, 200, "order_new_limit.json", NULL), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/algoOrder");
    ck_assert_str_eq(Q(&h), "algoType=CONDITIONAL&symbol=ETHUSDT&side=SELL&type=TAKE_PROFIT_MARKET&quantity=0.01"
                            "&triggerPrice=2100&reduceOnly=true&clientAlgoId=xr-test-1-tp");
    ck_assert_int_eq(h.call.req.kind, VENUE_CREATES_ORDER);
    ck_assert_str_eq(h.call.req.client_order_id, "xr-test-1-tp");
    ck_assert_int_eq(h_reply(&h, 200, "algo_order_new.json", NULL), VENUE_SEND);
    ck_assert_str_eq(Q(&h), "algoType=CONDITIONAL&symbol=ETHUSDT&side=SELL&type=STOP_MARKET&quantity=0.01"
                            "&triggerPrice=1950.5&reduceOnly=true&clientAlgoId=xr-test-1-sl");
    ck_assert_int_eq(h_reply(&h, 200, "algo_order_new.json", NULL), VENUE_DONE);
    /* The answer is the main order, not the last algo reply. */
    ck_assert_str_eq(h.call.result.order.order_id, "4081931893");
    h_fini(&h);
}
END_TEST

START_TEST(test_place_tp_refused_reports_main_order)
{
    h_t h;
    h_init(&h);
    s_limit(&h);
    h.call.in.order.take_profit = D("2100");
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "order_new_limit.json", NULL), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 400, "error_margin.json", NULL), VENUE_FAIL);
    ck_assert_int_eq(h.call.fail.code, XR_INSUFFICIENT_BALANCE);
    ck_assert_ptr_nonnull(strstr(h.call.fail.message, "4081931893"));
    h_fini(&h);
}
END_TEST

START_TEST(test_place_stop_market_goes_to_algo)
{
    h_t h;
    h_init(&h);
    venue_order_req_t *o = &h.call.in.order;
    snprintf(o->symbol, sizeof o->symbol, "BTC/USDT");
    o->side = VENUE_SIDE_SELL;
    o->type = VENUE_TYPE_STOP_MARKET;
    o->quantity = D("0.01");
    o->stop_price = D("85000");
    o->reduce_only = true;
    snprintf(o->client_order_id, sizeof o->client_order_id, "xr-test-3");
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/algoOrder");
    ck_assert_str_eq(Q(&h), "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&quantity=0.01"
                            "&triggerPrice=85000&reduceOnly=true&clientAlgoId=xr-test-3");
    ck_assert_int_eq(h_reply(&h, 200, "algo_order_new.json", NULL), VENUE_DONE);
    const venue_order_t *r = &h.call.result.order;
    ck_assert_str_eq(r->order_id, "algo-2148627");
    ck_assert_str_eq(r->client_order_id, "xr-test-3");
    ck_assert_int_eq(r->status, VENUE_STATUS_UNTRIGGERED);
    ck_assert_int_eq(r->type, VENUE_TYPE_STOP_MARKET);
    ck_dec(r->stop_price, "85000");
    ck_assert(r->reduce_only);
    h_fini(&h);
}
END_TEST

START_TEST(test_place_trailing_and_stop_limit)
{
    h_t h;
    h_init(&h);
    venue_order_req_t *o = &h.call.in.order;
    snprintf(o->symbol, sizeof o->symbol, "ETH/USDT");
    o->side = VENUE_SIDE_SELL;
    o->type = VENUE_TYPE_TRAILING_STOP_MARKET;
    o->quantity = D("1");
    o->trailing_pct = D("0.5");
    o->position_side = VENUE_PSIDE_LONG;
    snprintf(o->client_order_id, sizeof o->client_order_id, "t1");
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_str_eq(Q(&h), "algoType=CONDITIONAL&symbol=ETHUSDT&side=SELL&type=TRAILING_STOP_MARKET&quantity=1"
                            "&callbackRate=0.5&positionSide=LONG&clientAlgoId=t1");
    o->type = VENUE_TYPE_STOP_LIMIT;
    o->price = D("1990");
    o->stop_price = D("1995");
    o->time_in_force = VENUE_TIF_IOC;
    o->position_side = VENUE_PSIDE_NONE;
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_str_eq(Q(&h), "algoType=CONDITIONAL&symbol=ETHUSDT&side=SELL&type=STOP&quantity=1&price=1990"
                            "&timeInForce=IOC&triggerPrice=1995&clientAlgoId=t1");
    h_fini(&h);
}
END_TEST

START_TEST(test_place_duplicate_resolves_by_query)
{
    h_t h;
    h_init(&h);
    s_limit(&h);
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 400, "error_duplicate.json", NULL), VENUE_SEND);
    ck_assert_int_eq(h.call.req.method, VENUE_GET);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/order");
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT&origClientOrderId=xr-test-1");
    ck_assert_int_eq(h.call.req.kind, VENUE_SAFE_RETRY);
    ck_assert_int_eq(h_reply(&h, 200, "order_query_partial.json", NULL), VENUE_DONE);
    ck_assert_int_eq(h.call.result.order.status, VENUE_STATUS_PARTIALLY_FILLED);
    ck_dec(h.call.result.order.filled_quantity, "0.005");
    ck_dec(h.call.result.order.average_price, "2000.1");
    ck_assert_int_eq(h.call.result.order.created_at, 1763750001234);
    h_fini(&h);
}
END_TEST

START_TEST(test_place_venue_error_kept)
{
    h_t h;
    h_init(&h);
    s_limit(&h);
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 400, "error_margin.json", NULL), VENUE_FAIL);
    ck_assert_int_eq(h.call.fail.code, XR_INSUFFICIENT_BALANCE);
    ck_assert_str_eq(h.call.fail.venue_code, "-2019");
    ck_assert_str_eq(h.call.fail.venue_message, "Margin is insufficient.");
    ck_assert(!h.call.fail.unknown_outcome);
    h_fini(&h);
}
END_TEST

START_TEST(test_place_unknown_symbol)
{
    h_t h;
    h_init(&h);
    s_limit(&h);
    snprintf(h.call.in.order.symbol, sizeof h.call.in.order.symbol, "PEPE/USDT"); /* it is 1000PEPE */
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_FAIL);
    ck_assert_int_eq(h.call.fail.code, XR_UNKNOWN_SYMBOL);
    h_fini(&h);
}
END_TEST

START_TEST(test_bad_reply_is_internal_error)
{
    h_t h;
    h_init(&h);
    s_limit(&h);
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "{\"orderId\":\"x\"}", NULL), VENUE_FAIL);
    ck_assert_int_eq(h.call.fail.code, XR_INTERNAL);
    ck_assert_int_eq(h_start(&h, VENUE_OP_PLACE_ORDER), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "[1,2", NULL), VENUE_FAIL);
    ck_assert_int_eq(h.call.fail.code, XR_INTERNAL);
    h_fini(&h);
}
END_TEST

/* ---- cancel / get ------------------------------------------------------------------------------------- */

START_TEST(test_cancel_by_order_id)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "ETH/USDT");
    snprintf(h.call.in.order_id, sizeof h.call.in.order_id, "4081931893");
    ck_assert_int_eq(h_start(&h, VENUE_OP_CANCEL_ORDER), VENUE_SEND);
    ck_assert_int_eq(h.call.req.method, VENUE_DELETE);
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT&orderId=4081931893");
    ck_assert_int_eq(h_reply(&h, 200, "order_cancel.json", NULL), VENUE_DONE);
    ck_assert(h.call.result.cancel.ok);
    ck_assert_int_eq(h.call.result.cancel.status, VENUE_STATUS_CANCELED);
    ck_assert_str_eq(h.call.result.cancel.client_order_id, "xr-test-1");
    h_fini(&h);
}
END_TEST

START_TEST(test_cancel_by_client_id_falls_back_to_algo)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "BTC/USDT");
    snprintf(h.call.in.client_order_id, sizeof h.call.in.client_order_id, "xr-test-3");
    ck_assert_int_eq(h_start(&h, VENUE_OP_CANCEL_ORDER), VENUE_SEND);
    ck_assert_str_eq(Q(&h), "symbol=BTCUSDT&origClientOrderId=xr-test-3");
    ck_assert_int_eq(h_reply(&h, 400, "error_unknown_order.json", NULL), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/algoOrder");
    ck_assert_int_eq(h.call.req.method, VENUE_DELETE);
    ck_assert_str_eq(Q(&h), "clientAlgoId=xr-test-3");
    ck_assert_int_eq(h_reply(&h, 200, "algo_cancel.json", NULL), VENUE_DONE);
    ck_assert(h.call.result.cancel.ok);
    ck_assert_str_eq(h.call.result.cancel.order_id, "algo-2148627");
    ck_assert_int_eq(h.call.result.cancel.status, VENUE_STATUS_CANCELED);
    h_fini(&h);
}
END_TEST

START_TEST(test_cancel_unknown_everywhere)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "BTC/USDT");
    snprintf(h.call.in.client_order_id, sizeof h.call.in.client_order_id, "nope");
    ck_assert_int_eq(h_start(&h, VENUE_OP_CANCEL_ORDER), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 400, "error_unknown_order.json", NULL), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 400, "error_no_order.json", NULL), VENUE_FAIL);
    ck_assert_int_eq(h.call.fail.code, XR_ORDER_NOT_FOUND);
    ck_assert_str_eq(h.call.fail.venue_code, "-2013");
    h_fini(&h);
}
END_TEST

START_TEST(test_get_algo_by_order_id)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "BTC/USDT");
    snprintf(h.call.in.order_id, sizeof h.call.in.order_id, "algo-2148627");
    ck_assert_int_eq(h_start(&h, VENUE_OP_GET_ORDER), VENUE_SEND);
    ck_assert_int_eq(h.call.req.method, VENUE_GET);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/algoOrder");
    ck_assert_str_eq(Q(&h), "algoId=2148627");
    ck_assert_int_eq(h_reply(&h, 200, "algo_order_new.json", NULL), VENUE_DONE);
    ck_assert_str_eq(h.call.result.order.order_id, "algo-2148627");
    h_fini(&h);
}
END_TEST

START_TEST(test_get_order_needs_an_id)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "BTC/USDT");
    ck_assert_int_eq(h_start(&h, VENUE_OP_GET_ORDER), VENUE_FAIL);
    ck_assert_int_eq(h.call.fail.code, XR_INVALID_REQUEST);
    h_fini(&h);
}
END_TEST

START_TEST(test_open_orders_regular_and_algo)
{
    h_t h;
    h_init(&h);
    ck_assert_int_eq(h_start(&h, VENUE_OP_GET_OPEN_ORDERS), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/openOrders");
    ck_assert_str_eq(Q(&h), "");
    ck_assert_int_eq(h.call.req.weight, 40);
    ck_assert_int_eq(h_reply(&h, 200, "open_orders.json", NULL), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/openAlgoOrders");
    ck_assert_int_eq(h_reply(&h, 200, "open_algo_orders.json", NULL), VENUE_DONE);
    ck_assert_uint_eq(h.call.result.n_orders, 3); /* the delisted symbol is skipped */
    ck_assert_int_eq(h.call.result.orders[0].time_in_force, VENUE_TIF_GTX);
    ck_assert(h.call.result.orders[1].reduce_only);
    ck_assert_int_eq(h.call.result.orders[2].type, VENUE_TYPE_TAKE_PROFIT_LIMIT);
    ck_assert_int_eq(h.call.result.orders[2].status, VENUE_STATUS_UNTRIGGERED);
    ck_dec(h.call.result.orders[2].stop_price, "2500");
    h_fini(&h);
}
END_TEST

START_TEST(test_cancel_all_symbol)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "ETH/USDT");
    ck_assert_int_eq(h_start(&h, VENUE_OP_CANCEL_ALL), VENUE_SEND);
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT");
    ck_assert_int_eq(h_reply(&h, 200, "[]", NULL), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "open_algo_orders.json", NULL), VENUE_SEND);
    ck_assert_int_eq(h.call.req.method, VENUE_DELETE);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/allOpenOrders");
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT");
    ck_assert_int_eq(h_reply(&h, 200, "{\"code\":200,\"msg\":\"The operation of cancel all open order is done.\"}",
                             NULL), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/algoOpenOrders");
    ck_assert_int_eq(h_reply(&h, 200, "{\"code\":200,\"msg\":\"success\"}", NULL), VENUE_DONE);
    ck_assert_int_eq(h.call.result.count, 1);
    ck_assert_uint_eq(h.call.result.n_cancels, 1);
    ck_assert_str_eq(h.call.result.cancels[0].client_order_id, "xr-test-3");
    h_fini(&h);
}
END_TEST

START_TEST(test_cancel_all_nothing_open)
{
    h_t h;
    h_init(&h);
    ck_assert_int_eq(h_start(&h, VENUE_OP_CANCEL_ALL), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "[]", NULL), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "[]", NULL), VENUE_DONE);
    ck_assert_int_eq(h.call.result.count, 0);
    h_fini(&h);
}
END_TEST

/* ---- account ------------------------------------------------------------------------------------------- */

START_TEST(test_positions)
{
    h_t h;
    h_init(&h);
    ck_assert_int_eq(h_start(&h, VENUE_OP_GET_POSITIONS), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v3/positionRisk");
    ck_assert_int_eq(h.call.req.weight, 5);
    ck_assert_int_eq(h_reply(&h, 200, "position_risk.json", NULL), VENUE_DONE);
    ck_assert_uint_eq(h.call.result.n_positions, 2);
    const venue_position_t *p = &h.call.result.positions[0];
    ck_assert_str_eq(p->symbol, "ETH/USDT");
    ck_assert_int_eq(p->side, VENUE_POS_SHORT);
    ck_dec(p->quantity, "0.25");
    ck_dec(p->size, "-0.25");
    ck_dec(p->entry_price, "2010.5");
    ck_dec(p->liquidation_price, "4010.12");
    ck_dec(p->unrealized_pnl, "2.3175");
    ck_dec(p->margin, "25.015375");
    ck_assert_int_eq(h.call.result.positions[1].side, VENUE_POS_FLAT);
    h_fini(&h);
}
END_TEST

START_TEST(test_balances)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.asset, sizeof h.call.in.asset, "USDT");
    ck_assert_int_eq(h_start(&h, VENUE_OP_GET_BALANCES), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "balance.json", NULL), VENUE_DONE);
    ck_assert_uint_eq(h.call.result.n_balances, 1);
    ck_dec(h.call.result.balances[0].total, "10000.12345678");
    ck_dec(h.call.result.balances[0].available, "9975.10808178");
    ck_dec(h.call.result.balances[0].locked, "25.015375");
    h_fini(&h);
}
END_TEST

START_TEST(test_set_leverage)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "ETH/USDT");
    h.call.in.leverage = 126;
    ck_assert_int_eq(h_start(&h, VENUE_OP_SET_LEVERAGE), VENUE_FAIL);
    h.call.in.leverage = 20;
    ck_assert_int_eq(h_start(&h, VENUE_OP_SET_LEVERAGE), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "leverage.json", NULL), VENUE_DONE);
    ck_assert_int_eq(h.call.result.leverage, 20);
    h_fini(&h);
}
END_TEST

START_TEST(test_close_position)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "ETH/USDT");
    snprintf(h.call.in.client_order_id, sizeof h.call.in.client_order_id, "close-1");
    ck_assert_int_eq(h_start(&h, VENUE_OP_CLOSE_POSITION), VENUE_SEND);
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT");
    ck_assert_int_eq(h_reply(&h, 200, "position_risk.json", NULL), VENUE_SEND);
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.25&positionSide=BOTH&reduceOnly=true"
                            "&newClientOrderId=close-1&newOrderRespType=RESULT");
    ck_assert_int_eq(h.call.req.kind, VENUE_CREATES_ORDER);
    ck_assert_int_eq(h_reply(&h, 200, "order_new_market_filled.json", NULL), VENUE_DONE);
    /* Flat: nothing to close. */
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "BTC/USDT");
    ck_assert_int_eq(h_start(&h, VENUE_OP_CLOSE_POSITION), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "position_risk.json", NULL), VENUE_FAIL);
    ck_assert_int_eq(h.call.fail.code, XR_INVALID_REQUEST);
    h_fini(&h);
}
END_TEST

START_TEST(test_fills_with_cursor)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "ETH/USDT");
    h.call.in.from_id = 698759;
    ck_assert_int_eq(h_start(&h, VENUE_OP_GET_FILLS), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/userTrades");
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT&fromId=698759&limit=1000");
    ck_assert_int_eq(h_reply(&h, 200, "user_trades.json", NULL), VENUE_DONE);
    ck_assert_uint_eq(h.call.result.n_fills, 2);
    const venue_fill_t *f = &h.call.result.fills[0];
    ck_assert_str_eq(f->trade_id, "698759");
    ck_assert_int_eq(f->seq_key, 698759);
    ck_assert_str_eq(f->order_id, "4081931893");
    ck_assert_str_eq(f->symbol, "ETH/USDT");
    ck_assert_int_eq(f->liquidity, VENUE_LIQ_MAKER);
    ck_dec(f->fee, "0.0040002");
    ck_assert_str_eq(f->fee_asset, "USDT");
    ck_assert_int_eq(f->executed_at, 1763750003000);
    ck_assert_int_eq(h.call.result.fills[1].liquidity, VENUE_LIQ_TAKER);
    ck_dec(h.call.result.fills[1].realized_pnl, "-0.0005");
    h_fini(&h);
}
END_TEST

/* ---- market data -------------------------------------------------------------------------------------- */

START_TEST(test_ticker_three_steps)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "ETH/USDT");
    ck_assert_int_eq(h_start(&h, VENUE_OP_GET_TICKER), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/ticker/price");
    ck_assert(!h.call.req.sign);
    ck_assert_int_eq(h_reply(&h, 200, "ticker_price.json", NULL), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/ticker/bookTicker");
    ck_assert_int_eq(h_reply(&h, 200, "book_ticker.json", NULL), VENUE_SEND);
    ck_assert_str_eq(h.call.req.path, "/fapi/v1/premiumIndex");
    ck_assert_int_eq(h_reply(&h, 200, "premium_index.json", NULL), VENUE_DONE);
    const venue_ticker_t *t = &h.call.result.ticker;
    ck_assert_str_eq(t->symbol, "ETH/USDT");
    ck_dec(t->last, "2001.5");
    ck_dec(t->bid, "2001.49");
    ck_dec(t->ask, "2001.51");
    ck_dec(t->mark, "2001.23");
    ck_assert_int_eq(t->time, 1763750007000);
    h_fini(&h);
}
END_TEST

START_TEST(test_klines)
{
    h_t h;
    h_init(&h);
    snprintf(h.call.in.symbol, sizeof h.call.in.symbol, "ETH/USDT");
    snprintf(h.call.in.interval, sizeof h.call.in.interval, "1m");
    h.call.in.limit = 500;
    h.call.in.start_ms = 1763749800000;
    ck_assert_int_eq(h_start(&h, VENUE_OP_GET_KLINES), VENUE_SEND);
    ck_assert_str_eq(Q(&h), "symbol=ETHUSDT&interval=1m&limit=500&startTime=1763749800000");
    ck_assert_int_eq(h.call.req.weight, 5);
    ck_assert_int_eq(h_reply(&h, 200, "klines.json", NULL), VENUE_DONE);
    ck_assert_uint_eq(h.call.result.n_klines, 2);
    ck_assert_int_eq(h.call.result.klines[0].open_time, 1763749800000);
    ck_dec(h.call.result.klines[0].high, "2005.1");
    ck_dec(h.call.result.klines[1].close, "2001.5");
    ck_assert_int_eq(h.call.result.klines[1].close_time, 1763749919999);
    h_fini(&h);
}
END_TEST

START_TEST(test_time)
{
    h_t h;
    h_init(&h);
    ck_assert_int_eq(h_start(&h, VENUE_OP_TIME), VENUE_SEND);
    ck_assert_int_eq(h_reply(&h, 200, "time.json", NULL), VENUE_DONE);
    ck_assert_int_eq(h.call.result.server_time, 1763750000123);
    h_fini(&h);
}
END_TEST

/* ---- errors and usage ------------------------------------------------------------------------------------ */

static venue_error_t s_map(long status, const char *body, const char *headers)
{
    venue_resp_t r = {.status = status, .body = body, .body_len = strlen(body), .headers = headers};
    venue_error_t e;
    ck_assert_int_eq(binance_ops.map_error(NULL, &r, &e), 1);
    return e;
}

START_TEST(test_error_mapping)
{
    venue_resp_t ok = {.status = 200, .body = "{}", .body_len = 2};
    venue_error_t e;
    ck_assert_int_eq(binance_ops.map_error(NULL, &ok, &e), 0);
    e = s_map(429, "{\"code\":-1003,\"msg\":\"Too many requests\"}", "Content-Type: application/json\r\nRetry-After: 7\r\n");
    ck_assert_int_eq(e.code, XR_RATE_LIMITED);
    ck_assert_int_eq(e.retry_after_ms, 7000);
    e = s_map(418, "{\"code\":-1003,\"msg\":\"Way too many requests; IP banned until 1763750100000.\"}",
              "retry-after: 120\r\n");
    ck_assert_int_eq(e.code, XR_RATE_LIMITED);
    ck_assert_int_eq(e.retry_after_ms, 120000);
    ck_assert_ptr_nonnull(strstr(e.message, "banned"));
    e = s_map(503, "{\"code\":-1001,\"msg\":\"Internal error; unable to process your request.\"}", NULL);
    ck_assert(e.unknown_outcome);
    e = s_map(502, "<html>bad gateway</html>", NULL);
    ck_assert(e.unknown_outcome);
    ck_assert_str_eq(e.venue_code, "");
    e = s_map(408, "{\"code\":-1007,\"msg\":\"Timeout waiting for response from backend server.\"}", NULL);
    ck_assert_int_eq(e.code, XR_TIMEOUT);
    ck_assert(e.unknown_outcome);
    e = s_map(400, "{\"code\":-1021,\"msg\":\"Timestamp outside\"}", NULL);
    ck_assert_int_eq(e.code, XR_CLOCK_SKEW);
    e = s_map(401, "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action.\"}", NULL);
    ck_assert_int_eq(e.code, XR_AUTH);
    e = s_map(400, "{\"code\":-4164,\"msg\":\"notional\"}", NULL);
    ck_assert_int_eq(e.code, XR_MIN_NOTIONAL);
    e = s_map(403, "", NULL);
    ck_assert_int_eq(e.code, XR_AUTH);
}
END_TEST

/* Every error code of venues.md 1.6, with the unified code it must map to; each has its own entry in the
 * adapter's table (none falls through to the default). */
START_TEST(test_every_documented_code)
{
    static const struct {
        long code;
        xr_code_t want;
    } table[] = {
        {-1003, XR_RATE_LIMITED},     {-1008, XR_RATE_LIMITED},       {-1015, XR_RATE_LIMITED},
        {-1007, XR_TIMEOUT},          {-1021, XR_CLOCK_SKEW},         {-1022, XR_AUTH},
        {-1125, XR_AUTH},             {-2014, XR_AUTH},               {-2015, XR_AUTH},
        {-1102, XR_INVALID_REQUEST},  {-4003, XR_INVALID_REQUEST},    {-4015, XR_INVALID_REQUEST},
        {-4061, XR_INVALID_REQUEST},  {-1111, XR_PRECISION},          {-4004, XR_PRECISION},
        {-4005, XR_PRECISION},        {-4013, XR_PRECISION},          {-4014, XR_PRECISION},
        {-4023, XR_PRECISION},        {-1121, XR_UNKNOWN_SYMBOL},     {-2011, XR_ORDER_NOT_FOUND},
        {-2013, XR_ORDER_NOT_FOUND},  {-2018, XR_INSUFFICIENT_BALANCE}, {-2019, XR_INSUFFICIENT_BALANCE},
        {-4116, XR_DUPLICATE_ORDER},  {-4164, XR_MIN_NOTIONAL},       {-2010, XR_VENUE_REJECTED},
        {-2021, XR_INVALID_REQUEST},  {-2022, XR_INVALID_REQUEST},    {-2025, XR_VENUE_REJECTED},
        {-2027, XR_VENUE_REJECTED},   {-4016, XR_PRECISION},          {-4024, XR_PRECISION},
        {-4120, XR_UNSUPPORTED},      {-4131, XR_VENUE_REJECTED},     {-5022, XR_VENUE_REJECTED},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        ck_assert_msg(binance_code_known(table[i].code), "code %ld has no entry of its own", table[i].code);
        ck_assert_int_eq(binance_code_map(table[i].code), table[i].want);
        char body[64];
        snprintf(body, sizeof body, "{\"code\":%ld,\"msg\":\"m%ld\"}", table[i].code, table[i].code);
        venue_error_t e = s_map(400, body, NULL);
        ck_assert_msg(e.code == table[i].want, "code %ld -> %s", table[i].code, xr_code_name(e.code));
        char vc[24];
        snprintf(vc, sizeof vc, "%ld", table[i].code);
        ck_assert_str_eq(e.venue_code, vc);
        ck_assert(strncmp(e.venue_message, "m-", 2) == 0);
        ck_assert(e.unknown_outcome == (table[i].code == -1007));
    }
}
END_TEST

/* A code the table does not name is VENUE_REJECTED with the venue's code and message kept. */
START_TEST(test_unlisted_code)
{
    ck_assert(!binance_code_known(-9999));
    ck_assert(!binance_code_known(0));
    venue_error_t e = s_map(400, "{\"code\":-9999,\"msg\":\"Something new.\"}", NULL);
    ck_assert_int_eq(e.code, XR_VENUE_REJECTED);
    ck_assert_str_eq(e.venue_code, "-9999");
    ck_assert_str_eq(e.venue_message, "Something new.");
    ck_assert_ptr_nonnull(strstr(e.message, "-9999"));
}
END_TEST

START_TEST(test_usage_headers)
{
    venue_resp_t r = {.status = 200, .body = "{}", .body_len = 2,
                      .headers = "HTTP/1.1 200 OK\r\nx-mbx-used-weight-1m: 37\r\nX-MBX-ORDER-COUNT-10S: 3\r\n"
                                 "X-MBX-ORDER-COUNT-1M: 12\r\n"};
    venue_usage_t u;
    binance_ops.observe(NULL, &r, &u);
    ck_assert_int_eq(u.used_weight, 37);
    ck_assert_int_eq(u.orders_short, 3);
    ck_assert_int_eq(u.orders_long, 12);
    r.headers = "X-MBX-USED-WEIGHT-1M: lots\r\n";
    binance_ops.observe(NULL, &r, &u);
    ck_assert_int_eq(u.used_weight, -1);
    ck_assert_int_eq(u.orders_short, -1);
}
END_TEST

START_TEST(test_derived_clid_fits)
{
    char out[VENUE_CLID_MAX];
    binance_derived_clid("abcdefghijklmnopqrstuvwxyz0123456789", "tp", out);
    ck_assert_str_eq(out, "abcdefghijklmnopqrstuvwxyz0123456-tp");
    ck_assert(venue_clid_valid(out));
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("binance");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_sign_official_query);
    tcase_add_test(tc, test_sign_official_query_and_body);
    tcase_add_test(tc, test_sign_official_percent_encoded);
    tcase_add_test(tc, test_unsigned_request_untouched);
    tcase_add_test(tc, test_instruments_from_exchange_info);
    tcase_add_test(tc, test_place_limit);
    tcase_add_test(tc, test_place_market_filled);
    tcase_add_test(tc, test_place_with_leverage_and_tpsl);
    tcase_add_test(tc, test_place_tp_refused_reports_main_order);
    tcase_add_test(tc, test_place_stop_market_goes_to_algo);
    tcase_add_test(tc, test_place_trailing_and_stop_limit);
    tcase_add_test(tc, test_place_duplicate_resolves_by_query);
    tcase_add_test(tc, test_place_venue_error_kept);
    tcase_add_test(tc, test_place_unknown_symbol);
    tcase_add_test(tc, test_bad_reply_is_internal_error);
    tcase_add_test(tc, test_cancel_by_order_id);
    tcase_add_test(tc, test_cancel_by_client_id_falls_back_to_algo);
    tcase_add_test(tc, test_cancel_unknown_everywhere);
    tcase_add_test(tc, test_get_algo_by_order_id);
    tcase_add_test(tc, test_get_order_needs_an_id);
    tcase_add_test(tc, test_open_orders_regular_and_algo);
    tcase_add_test(tc, test_cancel_all_symbol);
    tcase_add_test(tc, test_cancel_all_nothing_open);
    tcase_add_test(tc, test_positions);
    tcase_add_test(tc, test_balances);
    tcase_add_test(tc, test_set_leverage);
    tcase_add_test(tc, test_close_position);
    tcase_add_test(tc, test_fills_with_cursor);
    tcase_add_test(tc, test_ticker_three_steps);
    tcase_add_test(tc, test_klines);
    tcase_add_test(tc, test_time);
    tcase_add_test(tc, test_error_mapping);
    tcase_add_test(tc, test_every_documented_code);
    tcase_add_test(tc, test_unlisted_code);
    tcase_add_test(tc, test_usage_headers);
    tcase_add_test(tc, test_derived_clid_fits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}

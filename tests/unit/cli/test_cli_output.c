/* cli_output: aligned tables and JSON lines with unified field names, fan-out errors, error replies. */
#include "cli/cli_output.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static decimal_t D(const char *s)
{
    decimal_t d;
    ck_assert_int_eq(decimal_from_str(s, &d, NULL), 0);
    return d;
}

static void s_balances(proto_result_t *res)
{
    proto_result_init(res, PROTO_T_GET_BALANCES);
    proto_balance_t *b = proto_result_add_balance(res);
    snprintf(b->venue, sizeof b->venue, "binance");
    snprintf(b->account, sizeof b->account, "default");
    snprintf(b->asset, sizeof b->asset, "USDT");
    b->total = D("100000");
    b->available = D("99876.5");
    b->locked = D("123.5");
    proto_result_add_part(res, "binance", true, NULL, 1);
    proto_error_t e = {.code = XR_VENUE_UNAVAILABLE};
    snprintf(e.message, sizeof e.message, "no live worker for venue bybit account default");
    proto_result_add_part(res, "bybit", false, &e, 0);
}

START_TEST(test_table)
{
    proto_result_t res;
    s_balances(&res);
    buf_t out;
    buf_init(&out, 1 << 16);
    ck_assert_int_eq(cli_format_result(&out, &res, false), 0);
    ck_assert_str_eq(buf_cstr(&out), "VENUE    ASSET  TOTAL   AVAILABLE  LOCKED\n"
                                     "binance  USDT   100000  99876.5    123.5\n"
                                     "venue bybit: VENUE_UNAVAILABLE no live worker for venue bybit account default\n");
    buf_release(&out);
    proto_result_free(&res);
}
END_TEST

START_TEST(test_json)
{
    proto_result_t res;
    s_balances(&res);
    buf_t out;
    buf_init(&out, 1 << 16);
    ck_assert_int_eq(cli_format_result(&out, &res, true), 0);
    ck_assert_str_eq(buf_cstr(&out),
                     "{\"venue\":\"binance\",\"account\":\"default\",\"asset\":\"USDT\",\"total\":\"100000\","
                     "\"available\":\"99876.5\",\"locked\":\"123.5\"}\n"
                     "{\"venue\":\"bybit\",\"error\":{\"code\":\"VENUE_UNAVAILABLE\",\"message\":\"no live worker "
                     "for venue bybit account default\"}}\n");
    buf_release(&out);
    proto_result_free(&res);
}
END_TEST

START_TEST(test_order_and_error)
{
    proto_result_t res;
    proto_result_init(&res, PROTO_T_PLACE_ORDER);
    proto_order_t *o = &res.order;
    snprintf(o->venue, sizeof o->venue, "binance");
    snprintf(o->account, sizeof o->account, "default");
    snprintf(o->order_id, sizeof o->order_id, "8389765");
    snprintf(o->client_order_id, sizeof o->client_order_id, "c1");
    snprintf(o->symbol, sizeof o->symbol, "BTC/USDT");
    o->side = PROTO_SIDE_SELL;
    o->type = PROTO_OT_MARKET;
    o->quantity = D("0.002");
    o->filled_quantity = D("0.002");
    o->average_price = D("65000.1");
    o->status = PROTO_STATUS_FILLED;
    buf_t out;
    buf_init(&out, 1 << 16);
    cli_format_result(&out, &res, true);
    ck_assert_str_eq(buf_cstr(&out),
                     "{\"venue\":\"binance\",\"account\":\"default\",\"order_id\":\"8389765\",\"client_order_id\":"
                     "\"c1\",\"symbol\":\"BTC/USDT\",\"side\":\"SELL\",\"type\":\"MARKET\",\"quantity\":\"0.002\","
                     "\"filled_quantity\":\"0.002\",\"average_price\":\"65000.1\",\"reduce_only\":false,"
                     "\"status\":\"FILLED\"}\n");
    proto_result_free(&res);
    buf_reset(&out);
    proto_error_t e = {.code = XR_MIN_NOTIONAL};
    snprintf(e.message, sizeof e.message, "notional 1 is below 5");
    snprintf(e.venue, sizeof e.venue, "binance");
    snprintf(e.venue_code, sizeof e.venue_code, "-4164");
    snprintf(e.venue_message, sizeof e.venue_message, "Order's notional must be no smaller than 5");
    cli_format_error(&out, &e, false);
    ck_assert_str_eq(buf_cstr(&out), "MIN_NOTIONAL: notional 1 is below 5 (binance -4164: Order's notional must be "
                                     "no smaller than 5)\n");
    buf_release(&out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_output");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_order_and_error);
    suite_add_tcase(s, tc);
    return tu_run(s);
}

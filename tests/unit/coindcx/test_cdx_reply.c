/* test_cdx_reply: reading CoinDCX reply objects directly: exact numbers from number tokens, the filled
 * quantity rule, status words, derived trade ids, HTTP dates and the error mapping of every documented
 * CoinDCX error message. */
#include "coindcx/cdx_reply.h"
#include "testutil.h"

#include "base/mem.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static decimal_t D(const char *s)
{
    decimal_t d;
    ck_assert_int_eq(decimal_from_str(s, &d, NULL), 0);
    return d;
}

static void ck_dec(decimal_t v, const char *want)
{
    char got[DECIMAL_STR_MAX];
    decimal_format(v, got, sizeof got);
    ck_assert_msg(decimal_eq(v, D(want)), "decimal mismatch: got %s, want %s", got, want);
}

static instruments_t *s_table(void)
{
    instruments_t *t = instruments_new();
    instrument_t in = {.symbol = "ETH/USDT", .venue_symbol = "B-ETH_USDT", .base = "ETH", .quote = "USDT",
                       .trading = true};
    ck_assert_int_eq(instruments_add(t, &in, NULL), 0);
    return t;
}

static json_t *P(const char *text)
{
    err_t e;
    json_t *j = json_parse(text, strlen(text), 1 << 20, 16, &e);
    ck_assert_msg(j, "parse %s: %s", text, e.msg);
    return j;
}

START_TEST(test_exact_numbers)
{
    instruments_t *t = s_table();
    json_t *j = P("{\"id\":\"x\",\"pair\":\"B-ETH_USDT\",\"side\":\"buy\",\"status\":\"partially_filled\","
                  "\"order_type\":\"limit_order\",\"price\":0.2962,\"total_quantity\":12345678.12345678,"
                  "\"remaining_quantity\":1e-3,\"cancelled_quantity\":0,\"avg_price\":0.29620000000000001,"
                  "\"created_at\":1705647376759}");
    venue_order_t o;
    err_t e;
    ck_assert_int_eq(cdx_order_read(j, t, &o, &e), 0);
    ck_dec(o.price, "0.2962");
    ck_dec(o.quantity, "12345678.12345678");
    ck_dec(o.filled_quantity, "12345678.12245678");
    ck_dec(o.average_price, "0.29620000000000001"); /* a double would have rounded this away */
    ck_assert_int_eq(o.status, VENUE_STATUS_PARTIALLY_FILLED);
    ck_assert_int_eq(o.updated_at, 1705647376759);
    ck_assert_str_eq(o.client_order_id, "");
    json_free(&j);
    /* an "open" order with fills is PARTIALLY_FILLED; upper-case words are read too */
    j = P("{\"id\":\"y\",\"pair\":\"B-ETH_USDT\",\"side\":\"SELL\",\"status\":\"OPEN\",\"order_type\":\"LIMIT_ORDER\","
          "\"price\":\"2000\",\"total_quantity\":\"2\",\"remaining_quantity\":\"1.5\",\"avg_price\":2000}");
    ck_assert_int_eq(cdx_order_read(j, t, &o, &e), 0);
    ck_assert_int_eq(o.status, VENUE_STATUS_PARTIALLY_FILLED);
    ck_assert_int_eq(o.side, VENUE_SIDE_SELL);
    ck_dec(o.filled_quantity, "0.5");
    json_free(&j);
    /* refusals: unknown pair, unknown status, money that is not a number */
    j = P("{\"id\":\"z\",\"pair\":\"B-XRP_USDT\",\"side\":\"buy\",\"status\":\"open\",\"order_type\":\"limit_order\","
          "\"total_quantity\":1}");
    ck_assert_int_eq(cdx_order_read(j, t, &o, &e), -1);
    ck_assert_int_eq(e.code, XR_UNKNOWN_SYMBOL);
    json_free(&j);
    j = P("{\"id\":\"z\",\"pair\":\"B-ETH_USDT\",\"side\":\"buy\",\"status\":\"weird\",\"order_type\":\"limit_order\","
          "\"total_quantity\":1}");
    ck_assert_int_eq(cdx_order_read(j, t, &o, &e), -1);
    ck_assert_int_eq(e.code, XR_INTERNAL);
    json_free(&j);
    j = P("{\"id\":\"z\",\"pair\":\"B-ETH_USDT\",\"side\":\"buy\",\"status\":\"open\",\"order_type\":\"limit_order\","
          "\"total_quantity\":true}");
    ck_assert_int_eq(cdx_order_read(j, t, &o, &e), -1);
    json_free(&j);
    instruments_destroy(&t);
}
END_TEST

START_TEST(test_words)
{
    ck_assert_str_eq(cdx_type_word(VENUE_TYPE_MARKET), "market_order");
    ck_assert_str_eq(cdx_type_word(VENUE_TYPE_LIMIT), "limit_order");
    ck_assert_str_eq(cdx_type_word(VENUE_TYPE_STOP_MARKET), "stop_market");
    ck_assert_str_eq(cdx_type_word(VENUE_TYPE_STOP_LIMIT), "stop_limit");
    ck_assert_str_eq(cdx_type_word(VENUE_TYPE_TAKE_PROFIT_MARKET), "take_profit_market");
    ck_assert_str_eq(cdx_type_word(VENUE_TYPE_TAKE_PROFIT_LIMIT), "take_profit_limit");
    ck_assert_ptr_null(cdx_type_word(VENUE_TYPE_TRAILING_STOP_MARKET));
    ck_assert_str_eq(cdx_tif_word(VENUE_TIF_NONE), "good_till_cancel");
    ck_assert_str_eq(cdx_tif_word(VENUE_TIF_IOC), "immediate_or_cancel");
    ck_assert_str_eq(cdx_tif_word(VENUE_TIF_FOK), "fill_or_kill");
    ck_assert_ptr_null(cdx_tif_word(VENUE_TIF_GTX));
    ck_assert(cdx_market_type(VENUE_TYPE_TAKE_PROFIT_MARKET) && !cdx_market_type(VENUE_TYPE_STOP_LIMIT));
}
END_TEST

START_TEST(test_trade_ids)
{
    cdx_trade_t tr[3];
    memset(tr, 0, sizeof tr);
    for (int i = 0; i < 3; i++) {
        snprintf(tr[i].f.order_id, sizeof tr[i].f.order_id, "o-1");
        tr[i].f.executed_at = 1705647375000 + (i == 0 ? 5 : 0);
        tr[i].f.price = D("0.2962");
        tr[i].f.quantity = D("1e-3");
        tr[i].f.side = VENUE_SIDE_BUY;
        ck_assert_int_eq(cdx_trade_key(&tr[i].f, tr[i].key, sizeof tr[i].key), 0);
    }
    ck_assert_str_eq(tr[1].key, "o-1|1705647375000|0.2962|0.001|0|buy|0");
    cdx_trades_derive_ids(tr, 3);
    ck_assert_int_eq(tr[0].f.seq_key, 1705647375000000);
    ck_assert_int_eq(tr[1].f.seq_key, 1705647375000001);
    ck_assert_int_eq(tr[2].f.seq_key, 1705647375005000);
    ck_assert_str_ne(tr[0].f.trade_id, tr[1].f.trade_id);
    /* the id is a function of the identity and the occurrence, not of where the trade came in the reply */
    cdx_trade_t one = tr[2];
    cdx_trades_derive_ids(&one, 1);
    ck_assert_str_eq(one.f.trade_id, tr[2].f.trade_id);
    cdx_trades_derive_ids(tr, 0);
}
END_TEST

START_TEST(test_book_top)
{
    decimal_t bid, ask;
    err_t e;
    json_t *j = P("{\"asks\":{\"2041.45\":1,\"2041.4\":2},\"bids\":{\"2041.3\":1,\"2041.35\":1e-3}}");
    ck_assert_int_eq(cdx_book_top(j, &bid, &ask, &e), 0);
    ck_dec(bid, "2041.35");
    ck_dec(ask, "2041.4");
    json_free(&j);
    j = P("{\"asks\":{},\"bids\":{\"1e-3\":1}}");
    ck_assert_int_eq(cdx_book_top(j, &bid, &ask, &e), 0);
    ck_dec(bid, "0.001");
    ck_assert(decimal_is_zero(ask));
    json_free(&j);
    j = P("{\"asks\":{\"abc\":1}}");
    ck_assert_int_eq(cdx_book_top(j, &bid, &ask, &e), -1);
    json_free(&j);
}
END_TEST

START_TEST(test_http_date)
{
    ck_assert_int_eq(cdx_http_date_ms("Fri, 19 Jan 2024 06:56:16 GMT"), 1705647376000);
    ck_assert_int_eq(cdx_http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    ck_assert_int_eq(cdx_http_date_ms("Tue, 29 Feb 2028 23:59:59 GMT"), 1835481599000);
    ck_assert_int_eq(cdx_http_date_ms("Fri, 19 Jxn 2024 06:56:16 GMT"), -1);
    ck_assert_int_eq(cdx_http_date_ms("19 Jan 2024"), -1);
    ck_assert_int_eq(cdx_http_date_ms(""), -1);
}
END_TEST

START_TEST(test_error_mapping)
{
    static const struct {
        long status;
        const char *msg;
        xr_code_t code;
    } cases[] = {
        {422, "Order leverage must be equal to position leverage", XR_INVALID_REQUEST},
        {422, "Quantity for limit variant orders should be less than 1000", XR_PRECISION},
        {422, "Quantity for market variant orders should be less than 120", XR_PRECISION},
        {400, "Price is out of permissible range", XR_PRECISION},
        {400, "Please enter a value lower than 2100.5", XR_VENUE_REJECTED},
        {400, "Please enter a value higher than 1900", XR_VENUE_REJECTED},
        {400, "Price should be divisible by 0.01", XR_PRECISION},
        {422, "Quantity should be greater than 0.001", XR_PRECISION},
        {400, "Insufficient funds", XR_INSUFFICIENT_BALANCE},
        {400, "Minimum order value should be 6 USDT", XR_MIN_NOTIONAL},
        {400, "Pair is in exit only mode", XR_VENUE_REJECTED},
        {400, "Max position size exceeded", XR_VENUE_REJECTED},
        {422, "Price can't be empty for limit_order Order", XR_INVALID_REQUEST},
        {400, "Trigger price should be greater than the current price", XR_VENUE_REJECTED},
        {500, "Invalid input", XR_TIMEOUT},
        {400, "Leverage cannot be less than 1x", XR_INVALID_REQUEST},
        {400, "Max allowed leverage for current position size = 5x", XR_INVALID_REQUEST},
        {422, "Liquidation will be triggered instantly", XR_VENUE_REJECTED},
        {401, "Invalid credentials", XR_AUTH},
        {404, "Order not found", XR_ORDER_NOT_FOUND},
        {400, "This order cannot be cancelled", XR_ORDER_NOT_FOUND},
        {429, "Too Many Requests", XR_RATE_LIMITED},
        {503, "Service Unavailable", XR_TIMEOUT},
        {400, "Request expired: timestamp is outside the allowed window", XR_CLOCK_SKEW},
        {400, "pair does not have a valid value", XR_UNKNOWN_SYMBOL},
        {400, "side does not have a valid value", XR_INVALID_REQUEST},
        {422, "Leverage cannot be changed while a position is open", XR_UNSUPPORTED},
        {404, "Instrument not found", XR_UNKNOWN_SYMBOL},
        {418, "", XR_VENUE_REJECTED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(coindcx_error_code(cases[i].status, cases[i].msg) == cases[i].code, "%ld %s -> %d",
                      cases[i].status, cases[i].msg, (int) coindcx_error_code(cases[i].status, cases[i].msg));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cdx_reply");
    TCase *tc = tcase_create("reply");
    tcase_add_test(tc, test_exact_numbers);
    tcase_add_test(tc, test_words);
    tcase_add_test(tc, test_trade_ids);
    tcase_add_test(tc, test_book_top);
    tcase_add_test(tc, test_http_date);
    tcase_add_test(tc, test_error_mapping);
    suite_add_tcase(s, tc);
    return tu_run(s);
}

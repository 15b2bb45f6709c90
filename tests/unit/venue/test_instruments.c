/* test_instruments: the contract table (mapping both ways, refusals) and the pre-trade checks of tick, step,
 * min/max quantity and min notional, with and without round=true. */
#include "testutil.h"
#include "venue/instruments.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static decimal_t D(const char *s)
{
    decimal_t d;
    ck_assert_int_eq(decimal_from_str(s, &d, NULL), 0);
    return d;
}

static instrument_t s_btc(void)
{
    instrument_t in = {.trading = true};
    snprintf(in.symbol, sizeof in.symbol, "BTC/USDT");
    snprintf(in.venue_symbol, sizeof in.venue_symbol, "BTCUSDT");
    in.tick = D("0.1");
    in.min_price = D("556.8");
    in.max_price = D("4529764");
    in.step = D("0.001");
    in.min_qty = D("0.001");
    in.max_qty = D("1000");
    in.market_max_qty = D("120");
    in.min_notional = D("100");
    return in;
}

static venue_order_req_t s_limit(const char *qty, const char *price)
{
    venue_order_req_t r = {.side = VENUE_SIDE_BUY, .type = VENUE_TYPE_LIMIT};
    snprintf(r.symbol, sizeof r.symbol, "BTC/USDT");
    r.quantity = D(qty);
    r.price = D(price);
    return r;
}

START_TEST(test_table_mapping)
{
    instruments_t *t = instruments_new();
    instrument_t in = s_btc();
    err_t e;
    ck_assert_int_eq(instruments_add(t, &in, &e), 0);
    ck_assert_int_eq(instruments_add(t, &in, &e), -1); /* listed twice */
    instrument_t pepe = in;
    snprintf(pepe.symbol, sizeof pepe.symbol, "1000PEPE/USDT");
    snprintf(pepe.venue_symbol, sizeof pepe.venue_symbol, "1000PEPEUSDT");
    ck_assert_int_eq(instruments_add(t, &pepe, &e), 0);
    instrument_t bad = in;
    snprintf(bad.symbol, sizeof bad.symbol, "btc-usdt");
    snprintf(bad.venue_symbol, sizeof bad.venue_symbol, "X");
    ck_assert_int_eq(instruments_add(t, &bad, &e), -1);
    ck_assert_int_eq(e.code, XR_INVALID_REQUEST);
    ck_assert_str_eq(instruments_find(t, "1000PEPE/USDT")->venue_symbol, "1000PEPEUSDT");
    ck_assert_str_eq(instruments_find_venue(t, "BTCUSDT")->symbol, "BTC/USDT");
    ck_assert_ptr_null(instruments_find(t, "PEPE/USDT"));
    ck_assert_uint_eq(instruments_count(t), 2);

    instruments_t *fresh = instruments_new();
    ck_assert_int_eq(instruments_add(fresh, &in, &e), 0);
    instruments_replace(t, fresh);
    ck_assert_uint_eq(instruments_count(t), 1);
    ck_assert_uint_eq(instruments_count(fresh), 0);
    instruments_destroy(&fresh);
    instruments_destroy(&t);
    ck_assert_ptr_null(t);
    instruments_destroy(&t);
}
END_TEST

START_TEST(test_symbol_valid)
{
    ck_assert(instruments_symbol_valid("ETH/USDT"));
    ck_assert(instruments_symbol_valid("1000PEPE/USDT"));
    ck_assert(!instruments_symbol_valid("ETHUSDT"));
    ck_assert(!instruments_symbol_valid("eth/USDT"));
    ck_assert(!instruments_symbol_valid("/USDT"));
    ck_assert(!instruments_symbol_valid("ETH/"));
    ck_assert(!instruments_symbol_valid("ABCDEFGHIJKLMNOPQRSTU/USDT"));
    ck_assert(!instruments_symbol_valid("ETH/USDT/X"));
}
END_TEST

START_TEST(test_check_accepts_good_order)
{
    instrument_t in = s_btc();
    venue_order_req_t r = s_limit("0.002", "91000.5");
    err_t e;
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), 0);
}
END_TEST

START_TEST(test_check_precision)
{
    instrument_t in = s_btc();
    err_t e;
    venue_order_req_t r = s_limit("0.002", "91000.55");
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), -1);
    ck_assert_int_eq(e.code, XR_PRECISION);
    ck_assert_ptr_nonnull(strstr(e.msg, "tick"));
    r = s_limit("0.0025", "91000.5");
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), -1);
    ck_assert_int_eq(e.code, XR_PRECISION);
    ck_assert_ptr_nonnull(strstr(e.msg, "step"));
    r = s_limit("1001", "91000.5");
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "maximum"));
    r = s_limit("0.002", "500");
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "price range"));
    /* The market maximum is smaller than the limit maximum. */
    r = s_limit("121", "0");
    r.type = VENUE_TYPE_MARKET;
    r.price = DECIMAL_ZERO;
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), -1);
    ck_assert_int_eq(e.code, XR_PRECISION);
}
END_TEST

START_TEST(test_check_rounds_when_asked)
{
    instrument_t in = s_btc();
    err_t e;
    venue_order_req_t r = s_limit("0.0029", "91000.56");
    r.round = true;
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), 0);
    ck_assert(decimal_eq(r.price, D("91000.6")));
    ck_assert(decimal_eq(r.quantity, D("0.002")));
    /* Rounding down below the minimum still fails. */
    r = s_limit("0.0009", "91000.5");
    r.round = true;
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), -1);
    ck_assert_int_eq(e.code, XR_PRECISION);
}
END_TEST

START_TEST(test_check_min_notional)
{
    instrument_t in = s_btc();
    err_t e;
    venue_order_req_t r = s_limit("0.001", "91000");
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), -1);
    ck_assert_int_eq(e.code, XR_MIN_NOTIONAL);
    r.reduce_only = true; /* exempt */
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), 0);
    /* Market orders use the reference price when one is known. */
    venue_order_req_t m = {.side = VENUE_SIDE_SELL, .type = VENUE_TYPE_MARKET};
    m.quantity = D("0.001");
    ck_assert_int_eq(instrument_check_order(&in, &m, DECIMAL_ZERO, &e), 0);
    ck_assert_int_eq(instrument_check_order(&in, &m, D("91000"), &e), -1);
    ck_assert_int_eq(e.code, XR_MIN_NOTIONAL);
    m.quantity = D("0.002");
    ck_assert_int_eq(instrument_check_order(&in, &m, D("91000"), &e), 0);
    /* Exactly at the minimum passes. */
    r = s_limit("0.001", "100000");
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), 0);
}
END_TEST

START_TEST(test_check_not_trading)
{
    instrument_t in = s_btc();
    in.trading = false;
    venue_order_req_t r = s_limit("0.002", "91000.5");
    err_t e;
    ck_assert_int_eq(instrument_check_order(&in, &r, DECIMAL_ZERO, &e), -1);
    ck_assert_int_eq(e.code, XR_UNKNOWN_SYMBOL);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("instruments");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_table_mapping);
    tcase_add_test(tc, test_symbol_valid);
    tcase_add_test(tc, test_check_accepts_good_order);
    tcase_add_test(tc, test_check_precision);
    tcase_add_test(tc, test_check_rounds_when_asked);
    tcase_add_test(tc, test_check_min_notional);
    tcase_add_test(tc, test_check_not_trading);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
